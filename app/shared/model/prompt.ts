/**
 * A question the engine needs a person to answer, always labelled with the hop it is for.
 * Prompt requests never carry a secret; answers travel once, renderer to main, and are not echoed.
 */
export interface PromptRequest {
  id: string;
  circuitId: string;
  hop: { index: number; count: number; name: string };
  kind: 'keyboard-interactive' | 'password' | 'host-key' | 'passphrase';
  /** Keyboard-interactive round within this hop's authentication, from 1. */
  round: number;
  /** Server-supplied for keyboard-interactive: plain text, never markup. */
  name: string;
  instructions: string;
  prompts: { text: string; echo: boolean; remember: 'offer' | 'never' }[];
  /** Only for kind 'host-key': an unknown key (changed and revoked keys are refused, never asked). */
  hostKey?: { host: string; port: number; type: string; sha256: string; otherKnownTypes: string[] };
}

export type HostKeyDecision = 'accept-once' | 'accept-and-save' | 'reject';

/** Prompts that ask for something that changes (codes, tokens): never remembered, re-asked on failure. */
export const ONE_TIME_PROMPT = /verification code|one[- ]time|otp|token|passcode|authenticator/i;
