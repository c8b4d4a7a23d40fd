import { describe, expect, it } from 'vitest';
import { linkDownText } from '../../../../app/renderer/workspace/backendLink';

describe('linkDownText', () => {
  it('says the backend is unreachable, which attempt this is, and when the next one starts', () => {
    expect(linkDownText({ attempt: 3, nextAttemptAt: 12_000, authRejected: false }, 10_100)).toBe('Backend unreachable — reconnecting (attempt 3, next in 2 s)');
    expect(linkDownText({ attempt: 3, nextAttemptAt: 12_000, authRejected: false }, 13_000)).toBe('Backend unreachable — reconnecting (attempt 3, next in 0 s)');
    expect(linkDownText({ attempt: 4, nextAttemptAt: null, authRejected: false }, 0)).toBe('Backend unreachable — reconnecting (attempt 4)…');
    expect(linkDownText({ attempt: 0, nextAttemptAt: null, authRejected: false }, 0)).toBe('Backend unreachable — reconnecting…');
  });

  it('a backend that refuses this page\'s token restarted with a new one: says what to open', () => {
    expect(linkDownText({ attempt: 2, nextAttemptAt: 1, authRejected: true }, 0)).toMatch(/restarted with a new access token\. Open the address it printed/);
  });
});
