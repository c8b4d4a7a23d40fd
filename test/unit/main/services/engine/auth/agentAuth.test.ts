/** Choosing the SSH agent to ask (agentAuth.ts). */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { agentAuth } from '../../../../../../app/main/services/engine/auth/agentAuth';
import { CheckedAgent } from '../../../../../../app/main/services/engine/auth/checkedAgent';
import { FakeSession } from './fakeAuthSession';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('agentAuth', () => {
  it("uses the step's own agent socket before SSH_AUTH_SOCK", () => {
    vi.stubEnv('SSH_AUTH_SOCK', '/run/env-agent');
    const session = new FakeSession();
    const offer = agentAuth(session, { kind: 'agent', socket: '/run/own-agent' });
    expect(offer?.auth).toMatchObject({ type: 'agent', username: 'ops' });
    // The agent's certificates are checked before any is offered (checkedAgent.test.ts).
    expect(offer?.auth['agent']).toBeInstanceOf(CheckedAgent);
    expect((offer?.auth['agent'] as CheckedAgent).socket).toBe('/run/own-agent');
  });

  it('falls back to SSH_AUTH_SOCK', () => {
    vi.stubEnv('SSH_AUTH_SOCK', '/run/env-agent');
    expect((agentAuth(new FakeSession(), { kind: 'agent' })?.auth['agent'] as CheckedAgent).socket).toBe('/run/env-agent');
  });

  it('skips the step, saying why, when there is no agent', () => {
    vi.stubEnv('SSH_AUTH_SOCK', '');
    const session = new FakeSession();
    expect(agentAuth(session, { kind: 'agent' })).toBeNull();
    expect(session.lines).toEqual(['no SSH agent (SSH_AUTH_SOCK unset); skipping agent']);
  });
});
