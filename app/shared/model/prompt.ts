/**
 * A question the engine needs a person to answer, always labelled with the hop it is for.
 * Prompt requests never carry a secret; answers travel once, renderer to main, and are not echoed.
 */
import { toPlainText } from './plainText';

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

/**
 * The most prompts one question may carry. Real servers ask one to three at a time (password,
 * code, perhaps a username); twenty leaves room for odd PAM stacks while keeping a hostile
 * server's thousand-prompt round from becoming a thousand fields, or a thousand CLI questions.
 */
export const MAX_PROMPTS_PER_QUESTION = 20;

/**
 * The longest server text a question carries once made plain: what the dialog and the CLI
 * show at most (a name is a title, a prompt a label; instructions may run to a paragraph).
 */
export const PROMPT_TEXT_LIMITS = { name: 200, instructions: 2000, prompt: 500 } as const;

/** The question with every piece of server-supplied text plain (see toPlainText) and within PROMPT_TEXT_LIMITS. */
export function toPlainQuestion<Q extends Pick<PromptRequest, 'name' | 'instructions' | 'prompts'>>(question: Q): Q {
  return {
    ...question,
    name: toPlainText(question.name, PROMPT_TEXT_LIMITS.name),
    instructions: toPlainText(question.instructions, PROMPT_TEXT_LIMITS.instructions),
    prompts: question.prompts.map((p) => ({ ...p, text: toPlainText(p.text, PROMPT_TEXT_LIMITS.prompt) })),
  };
}
