/**
 * The configured auth steps of one hop and what happened to each: attempts made, accepted by a
 * partial success, answers waiting to be remembered. Also what was tried and what the server
 * said it accepts, which an "Authentication failed" message lists.
 */
import type { AuthenticationType } from 'ssh2';
import type { AuthStep } from '../hopSpec';
import type { RememberedSecret } from '../hopSecrets';
import type { AuthOffer } from './authSession';

/** Attempts per step in one connect: a password or code can be mistyped; a key is either taken or not. */
export const MAX_ATTEMPTS: Record<AuthStep['kind'], number> = { agent: 1, publickey: 1, password: 2, 'keyboard-interactive': 3 };
const SSH_METHOD: Record<AuthStep['kind'], AuthenticationType> = { agent: 'publickey', publickey: 'publickey', password: 'password', 'keyboard-interactive': 'keyboard-interactive' };

export interface StepAttempt {
  step: AuthStep;
  attempts: number;
  /** Accepted with partial success: the server wants another method as well. */
  succeeded: boolean;
  /** What the person ticked "remember" for in this attempt, stored only once the server accepts it. */
  toRemember: { secret: RememberedSecret; value: string }[];
}

export class AuthSteps {
  readonly steps: StepAttempt[];
  /** The step in flight; null before the first and when the server let `none` through. */
  current: StepAttempt | null = null;
  /** What was sent, in order, for "Tried: …". */
  readonly tried: string[] = [];
  /** The methods the server said it accepts, for "Server accepts: …". */
  offered: string[] = [];

  constructor(auth: readonly AuthStep[]) {
    this.steps = auth.map((step) => ({ step, attempts: 0, succeeded: false, toRemember: [] }));
  }

  /**
   * The first step not yet accepted, with attempts left, whose method the server still accepts
   * (`methodsLeft` null: it has not said yet). It becomes current and its attempt is counted.
   */
  next(methodsLeft: readonly AuthenticationType[] | null): StepAttempt | null {
    const entry = this.steps.find((s) => !s.succeeded && s.attempts < MAX_ATTEMPTS[s.step.kind] && (!methodsLeft || methodsLeft.includes(SSH_METHOD[s.step.kind])));
    this.current = entry ?? null;
    if (entry) entry.attempts++;
    return this.current;
  }

  /** The step cannot be tried at all (no agent, an unreadable key): it is not offered again. */
  skip(entry: StepAttempt): void {
    entry.attempts = MAX_ATTEMPTS[entry.step.kind];
  }

  /** Notes an attempt as sent, as "Tried: …" lists it. */
  sent(entry: StepAttempt, offer: AuthOffer): void {
    this.tried.push(offer.triedAs ?? (entry.attempts > 1 ? `${entry.step.kind} (attempt ${entry.attempts})` : entry.step.kind));
  }
}
