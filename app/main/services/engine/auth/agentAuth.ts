/** Signing in with the keys an SSH agent holds (ssh2 asks the agent; certificates it holds go too, once checked). */
import type { AuthStep } from '../hopSpec';
import type { AuthOffer, AuthSession } from './authSession';
import { CheckedAgent } from './checkedAgent';

/** Null when there is no agent to ask: the step is skipped, as OpenSSH does without SSH_AUTH_SOCK. */
export function agentAuth(session: AuthSession, step: Extract<AuthStep, { kind: 'agent' }>): AuthOffer | null {
  const agent = step.socket ?? process.env.SSH_AUTH_SOCK;
  if (!agent) {
    session.log('no SSH agent (SSH_AUTH_SOCK unset); skipping agent');
    return null;
  }
  return { auth: { type: 'agent', username: session.spec.user, agent: new CheckedAgent(agent, session.spec.user, (line) => session.log(line)) } };
}
