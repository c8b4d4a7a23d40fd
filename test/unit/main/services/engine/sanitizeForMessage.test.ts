import { describe, expect, it } from 'vitest';
import { sanitizeForMessage } from '../../../../../app/main/services/engine/tcpConnect';

describe('sanitizeForMessage', () => {
  it('drops OSC sequences up to their terminator (BEL or ST), as it drops CSI', () => {
    expect(sanitizeForMessage('\x1b]0;pwned\x07title \x1b]8;;http://x\x1b\\link\x1b[2J')).toBe('title link');
  });

  it('turns C1 controls and bidi overrides into ?', () => {
    expect(sanitizeForMessage('a\x9b31mb\u202ec\u2066d')).toBe('a?31mb?c?d');
  });

  it('cuts to maxLength characters with …, however much text the server sent', () => {
    const out = sanitizeForMessage(`${'\x1b[2J'.repeat(1000)}${'x'.repeat(2 ** 20)}`, 300);
    expect(out).toHaveLength(300);
    expect(out.endsWith('…')).toBe(true);
    expect(sanitizeForMessage('short', 300)).toBe('short');
    expect(sanitizeForMessage('x'.repeat(300), 300)).toBe('x'.repeat(300));
  });

  it('never leaves half a surrogate pair at the cut', () => {
    const out = sanitizeForMessage('😀'.repeat(100), 10);
    expect(out).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    expect(out.length).toBeLessThanOrEqual(10);
  });
});
