/**
 * Fakes for testing one auth method alone: an in-memory keychain and a session that records
 * what the method logged, asked and failed with, and answers questions from a script.
 */
import type { AuthQuestion, AuthSession } from '../../../../../../app/main/services/engine/auth/authSession';
import { AuthSteps, type StepAttempt } from '../../../../../../app/main/services/engine/auth/authSteps';
import { SavedSecrets } from '../../../../../../app/main/services/engine/auth/savedSecrets';
import type { HopSecrets, RememberedSecret, StoredSecretKind } from '../../../../../../app/main/services/engine/hopSecrets';
import type { AuthStep, HopSpec } from '../../../../../../app/main/services/engine/hopSpec';
import type { PromptReply } from '../../../../../../app/main/services/engine/promptBroker';
import type { HoplineError } from '../../../../../../app/shared/model/errors';

export class FakeSecrets implements HopSecrets {
  readonly stored = new Map<StoredSecretKind, string>();
  readonly answers = new Map<string, string>();
  /** A TOTP code for prompts matching the pattern. */
  totp: { pattern: RegExp; code: string } | null = null;
  readonly remembered: { secret: RememberedSecret; value: string }[] = [];
  /** Every read throws (a locked keychain). */
  broken = false;
  reads = 0;

  async get(_hostId: string, kind: StoredSecretKind): Promise<string | null> {
    return this.read(() => this.stored.get(kind) ?? null);
  }
  async answer(_hostId: string, promptText: string): Promise<string | null> {
    return this.read(() => this.answers.get(promptText) ?? null);
  }
  async totpCode(_hostId: string, promptText: string): Promise<string | null> {
    return this.read(() => (this.totp?.pattern.test(promptText) ? this.totp.code : null));
  }
  async remember(_hostId: string, secret: RememberedSecret, value: string): Promise<void> {
    this.remembered.push({ secret, value });
  }
  private read(value: () => string | null): string | null {
    this.reads++;
    if (this.broken) throw new TypeError('keychain locked');
    return value();
  }
}

export class FakeSession implements AuthSession {
  readonly ref = { index: 0, name: 'bastion' };
  readonly label = 'hop 1 (bastion) at ops@10.0.0.1:22';
  readonly spec: HopSpec;
  readonly store = new FakeSecrets();
  readonly secrets: SavedSecrets;
  settled = false;
  readonly lines: string[] = [];
  readonly questions: AuthQuestion[] = [];
  readonly failures: HoplineError[] = [];
  /** The person's replies, in order; an Error is a cancel. */
  readonly replies: (PromptReply | Error)[] = [];

  constructor(spec: Partial<HopSpec> = {}, hostId: string | undefined = 'h1') {
    this.spec = { name: 'bastion', host: '10.0.0.1', port: 22, user: 'ops', auth: [], ...spec };
    this.secrets = new SavedSecrets(this.store, hostId, (line) => this.log(line));
  }

  log(line: string): void {
    this.lines.push(line);
  }

  async ask(question: AuthQuestion): Promise<PromptReply> {
    this.questions.push(question);
    const reply = this.replies.shift();
    if (!reply) throw new Error(`unexpected question: ${question.name}`);
    if (reply instanceof Error) throw reply;
    return reply;
  }

  fail(error: HoplineError): void {
    this.failures.push(error);
    this.settled = true;
  }
}

/** A step's attempt as the handshake would hand it over: counted once already. */
export function attemptOf(step: AuthStep): StepAttempt {
  const steps = new AuthSteps([step]);
  return steps.next(null)!;
}

export const typed = (...answers: string[]): PromptReply => ({ answers, remember: answers.map(() => false) });
export const typedRemember = (...answers: string[]): PromptReply => ({ answers, remember: answers.map(() => true) });
