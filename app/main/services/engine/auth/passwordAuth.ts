/**
 * Signing in with a password (SSH "password" method). The saved password goes first, once; after
 * a rejection the person is asked, and the question says what was rejected.
 */
import { hopNameAtStart } from '../../../../shared/model/hopName';
import type { AuthOffer, AuthSession } from './authSession';
import { MAX_ATTEMPTS, type StepAttempt } from './authSteps';

export class PasswordAuth {
  /** The saved password was sent in this connect, so a later question says the saved one was rejected. */
  private usedSaved = false;

  constructor(private readonly session: AuthSession) {}

  async offer(entry: StepAttempt): Promise<AuthOffer> {
    const { spec, ref } = this.session;
    const username = spec.user;
    if (entry.attempts === 1) {
      const password = await this.session.secrets.password();
      if (password !== null) {
        this.usedSaved = true;
        this.session.log('using the saved password');
        return { auth: { type: 'password', username, password } };
      }
    }
    const reply = await this.session.ask({
      kind: 'password',
      round: entry.attempts,
      name: 'Password',
      instructions: '',
      prompts: [{ text: `Password for ${username}@${spec.host}:`, echo: false, remember: 'offer' }],
      ...(this.usedSaved
        ? { rejection: { message: `${hopNameAtStart(ref)} rejected the saved password. Enter the password.`, detail: 'Tick "Remember" to replace the saved one.' } }
        : entry.attempts > 1
          ? { rejection: { message: `${hopNameAtStart(ref)} rejected that password. Enter it again.` } }
          : {}),
      attempt: { number: entry.attempts, of: MAX_ATTEMPTS.password },
    });
    const password = reply.answers[0] ?? '';
    if (reply.remember[0]) entry.toRemember.push({ secret: { kind: 'password' }, value: password });
    return { auth: { type: 'password', username, password } };
  }
}
