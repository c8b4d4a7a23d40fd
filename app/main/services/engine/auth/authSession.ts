/**
 * What an auth method sees of the hop it signs in to. The hop handshake implements it; a unit
 * test implements it with a fake, so each method is tested without a server.
 */
import type { HopRef, HoplineError } from '../../../../shared/model/errors';
import type { HopSpec } from '../hopSpec';
import type { PromptQuestion, PromptReply } from '../promptBroker';
import type { SavedSecrets } from './savedSecrets';

/** A question for the person, without the circuit and hop it is about (the session adds those). */
export type AuthQuestion = Omit<PromptQuestion, 'circuitId' | 'hop'>;

export interface AuthSession {
  readonly spec: HopSpec;
  readonly ref: HopRef;
  /** "hop 2 (inner) at ops@10.0.2.2:22", for error messages. */
  readonly label: string;
  /** True once the hop is ready or failed: an answer that arrives later is dropped. */
  readonly settled: boolean;
  readonly secrets: SavedSecrets;
  /** One line of the hop's log; the session puts the hop's label in front. */
  log(line: string): void;
  /** Asks the person, with the connect deadline paused; rejects when they cancel. */
  ask(question: AuthQuestion): Promise<PromptReply>;
  /** Ends the hop with this error (used from ssh2 callbacks, which cannot throw to anyone). */
  fail(error: HoplineError): void;
}

/** What one attempt sends: ssh2's auth object, and how "Tried: …" lists it when its kind alone says too little. */
export interface AuthOffer {
  auth: Record<string, unknown>;
  triedAs?: string;
}
