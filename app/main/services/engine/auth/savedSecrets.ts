/**
 * A hop's saved secrets (keychain) as its auth methods use them. A keychain that fails is
 * logged (never a value) and treated as empty, so the person is asked instead. What a person
 * asked to remember is stored only once the server accepted it.
 */
import type { HopSecrets } from '../hopSecrets';
import type { StepAttempt } from './authSteps';

export class SavedSecrets {
  /** `store` is absent, or `hostId` is, for a hop that is not a saved host: nothing is read or kept. */
  constructor(
    private readonly store: HopSecrets | undefined,
    private readonly hostId: string | undefined,
    private readonly log: (line: string) => void,
  ) {}

  password(): Promise<string | null> {
    return this.read('password', (s, id) => s.get(id, 'password'));
  }

  passphrase(): Promise<string | null> {
    return this.read('passphrase', (s, id) => s.get(id, 'passphrase'));
  }

  /** The current code of a saved TOTP secret whose pattern matches this prompt. */
  totpCode(promptText: string): Promise<string | null> {
    return this.read('TOTP secret', (s, id) => s.totpCode(id, promptText));
  }

  /** A remembered answer to a static prompt with exactly this text. */
  answer(promptText: string): Promise<string | null> {
    return this.read('answer', (s, id) => s.answer(id, promptText));
  }

  /** Stores what the person asked to remember in this step, now that the server accepted it. */
  commit(entry: Pick<StepAttempt, 'toRemember'>): void {
    for (const { secret, value } of entry.toRemember.splice(0)) {
      if (!this.store || !this.hostId) continue;
      this.store.remember(this.hostId, secret, value).then(
        () => this.log(`saved the ${secret.kind} for next time`),
        (error: unknown) => this.log(`could not save the ${secret.kind} (${error instanceof Error ? error.name : 'error'})`),
      );
    }
  }

  private async read(what: string, lookup: (s: HopSecrets, id: string) => Promise<string | null>): Promise<string | null> {
    if (!this.store || !this.hostId) return null;
    try {
      return await lookup(this.store, this.hostId);
    } catch (error) {
      this.log(`could not read the saved ${what} (${error instanceof Error ? error.name : 'error'}); asking instead`);
      return null;
    }
  }
}
