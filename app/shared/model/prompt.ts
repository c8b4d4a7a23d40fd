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
  /**
   * Hopline's own words (never server text) when the hop rejected the last attempt: what it
   * rejected and what is asked again ("hop 1 (bastion-mfa) rejected the verification code. Enter
   * a new code."), and a `detail` on what the server does not say (which answer was wrong).
   */
  rejection?: { message: string; detail?: string };
  /** Which try at this sign-in step this is, of how many Hopline makes before giving up. */
  attempt?: { number: number; of: number };
  /**
   * Only for kind 'host-key': an unknown key, or (with `changed`) a key that differs from a saved
   * one. Revoked keys are refused, never asked.
   */
  hostKey?: { host: string; port: number; type: string; sha256: string; otherKnownTypes: string[]; changed?: HostKeyChange; certificate?: HostCertificateNote };
}

/**
 * A host certificate as the person checks it (the same facts `ssh-keygen -L` prints). On a
 * question it says why the certificate could not vouch for the host: its plain key is asked about.
 */
export interface HostCertificateNote {
  keyId: string;
  /** SHA256:… of the CA key that signed it. */
  ca: string;
  /** ISO 8601 UTC, or 'forever'. */
  validAfter: string;
  validBefore: string;
  principals: string[];
  /** Why it was not accepted; absent when it was. */
  problem?: string;
  /** The @cert-authority line that vouched for it ("~/.ssh/known_hosts:3"); absent when none did. */
  authority?: string;
}

/** Where a changed host's saved key was found: the facts the user compares before replacing it. */
export interface SavedHostKey {
  type: string;
  sha256: string;
  /** For display only (`~` for the home directory): the main side edits the file it found, never a path sent back. */
  file: string;
  /** 1-based, as an editor shows it. */
  line: number;
  /** 'user': the user's own known_hosts (ssh reads it too), edited only after an extra confirmation. */
  owner: 'hopline' | 'user';
  /** The line names the host by hash (`|1|…`). */
  hashed: boolean;
  /** Other names on that line, which removing it forgets too (ssh-keygen -R removes whole lines). */
  otherNames: string[];
}

export interface HostKeyChange {
  /** Every saved key of the presented type that the presented key does not match. */
  saved: SavedHostKey[];
}

/**
 * 'replace' removes the saved lines and saves the presented key in Hopline's known_hosts; it is
 * valid only for a changed key. When a saved line is in the user's own file, only
 * 'replace-in-user-file' (the user confirmed editing that file) replaces it.
 */
export type HostKeyDecision = 'accept-once' | 'accept-and-save' | 'reject' | 'replace' | 'replace-in-user-file';

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
