/** The order of auth steps, their attempt limits, and how "Tried: …" lists them (authSteps.ts). */
import { describe, expect, it } from 'vitest';
import { AuthSteps, MAX_ATTEMPTS } from '../../../../../../app/main/services/engine/auth/authSteps';

describe('AuthSteps', () => {
  it('tries steps in order, each up to its attempt limit, and then nothing', () => {
    const steps = new AuthSteps([{ kind: 'publickey', keyFile: '/k' }, { kind: 'password' }]);
    const kinds: string[] = [];
    for (let entry = steps.next(null); entry; entry = steps.next(null)) kinds.push(`${entry.step.kind}#${entry.attempts}`);
    expect(kinds).toEqual(['publickey#1', 'password#1', 'password#2']);
    expect(MAX_ATTEMPTS.password).toBe(2);
    expect(steps.current).toBeNull();
  });

  it('offers only what the server still accepts; the agent counts as publickey', () => {
    const steps = new AuthSteps([{ kind: 'password' }, { kind: 'agent' }, { kind: 'keyboard-interactive' }]);
    expect(steps.next(['publickey', 'keyboard-interactive'])?.step.kind).toBe('agent');
    expect(steps.next(['keyboard-interactive'])?.step.kind).toBe('keyboard-interactive');
    expect(steps.current?.step.kind).toBe('keyboard-interactive');
  });

  it('never offers a step again once it succeeded partially or was skipped', () => {
    const steps = new AuthSteps([{ kind: 'keyboard-interactive' }, { kind: 'password' }]);
    steps.next(null)!.succeeded = true;
    const password = steps.next(null)!;
    expect(password.step.kind).toBe('password');
    steps.skip(password);
    expect(steps.next(null)).toBeNull();
  });

  it('lists what was sent: the kind, the attempt number after the first, or what the offer calls itself', () => {
    const steps = new AuthSteps([{ kind: 'password' }, { kind: 'publickey', keyFile: '/k' }]);
    const password = steps.next(null)!;
    steps.sent(password, { auth: {} });
    steps.sent(steps.next(null)!, { auth: {} });
    steps.sent(steps.next(null)!, { auth: {}, triedAs: 'publickey with certificate "ops"' });
    expect(steps.tried).toEqual(['password', 'password (attempt 2)', 'publickey with certificate "ops"']);
  });
});
