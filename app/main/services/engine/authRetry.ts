/**
 * What to ask again after a hop rejected a keyboard-interactive attempt, and how to say so.
 *
 * What the server tells us is little: SSH_MSG_USERAUTH_FAILURE with partial success false, for
 * the whole attempt. sshd's PAM then starts over from its first prompt on the next attempt
 * ("Password:", then "Verification code:"). A PAM stack like `auth required pam_unix` +
 * `auth required pam_google_authenticator` asks for the code even after a wrong password, on
 * purpose, so the failure never says which answer was wrong. So the choice is a judgement, made
 * in the order of what most often goes wrong:
 *
 * 1. A one-time code (typed, or made from a saved TOTP secret) is suspected first: codes expire
 *    and are mistyped; a password sent again is one the person or the keychain already had.
 *    Only the code is asked again; the other answers answer PAM's restarted prompts by themselves.
 * 2. If a fresh code is rejected too, the other answers are suspected: everything is asked, and
 *    the dialog says plainly that the (saved) password is probably wrong.
 * 3. With no code in the attempt, the answers it had are what was rejected.
 *
 * Values are held for one connect only (the engine clears this on ready and on failure) and
 * never leave it except as answers to the same hop.
 */
import { ONE_TIME_PROMPT } from '../../../shared/model/prompt';

/** Where an answer came from: the keychain, a saved TOTP secret, or the person just now. */
export type AnswerSource = 'saved' | 'totp' | 'typed';

/** The kind of prompt a password is asked with (answered by a saved password). */
export const PASSWORD_PROMPT = /password/i;

export interface PromptLike {
  prompt: string;
  echo?: boolean;
}

export interface Rejection {
  message: string;
  detail?: string;
}

interface Given {
  value: string;
  source: AnswerSource;
  oneTime: boolean;
  password: boolean;
  /** Rejected attempts this answer was part of and was sent again after. */
  survived: number;
}

export function isOneTime(p: PromptLike): boolean {
  return ONE_TIME_PROMPT.test(p.prompt);
}

export function isPassword(p: PromptLike): boolean {
  return p.echo !== true && PASSWORD_PROMPT.test(p.prompt);
}

function noun(g: Pick<Given, 'oneTime' | 'password' | 'source'>): string {
  if (g.oneTime) return g.source === 'totp' ? 'the code made from the saved authenticator secret' : 'the verification code';
  if (g.password) return g.source === 'saved' ? 'the saved password' : 'the password';
  return g.source === 'saved' ? 'a saved answer' : 'an answer';
}

/** Text that starts a sentence starts with a capital ("Hop 1 (bastion-mfa) rejected …"). */
function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "a", "a and b", "a, b and c". */
function list(items: string[]): string {
  const unique = [...new Set(items)];
  return unique.length <= 1 ? (unique[0] ?? '') : `${unique.slice(0, -1).join(', ')} and ${unique.at(-1)}`;
}

/**
 * The answers of one hop's keyboard-interactive attempts, by prompt text, across attempts of
 * one connect.
 */
export class KbdAttempts {
  /** Answers given in the attempt in progress. */
  private current = new Map<string, Given>();
  /** Answers of the last rejected attempt that are trusted to answer the same prompt again. */
  private reusable = new Map<string, Given>();
  /** Prompt texts whose answer is doubted: asked of the person next time, never answered from a secret. */
  private doubted = new Set<string>();
  private totpRejected = false;

  /** A new attempt starts (PAM starts over from its first prompt). */
  begin(): void {
    this.current = new Map();
  }

  /**
   * The answer for a prompt in a later attempt that needs nobody: one sent before and not
   * doubted. Null: ask the person (or, for a prompt never seen, use saved secrets as usual).
   */
  reuse(p: PromptLike): { value: string; source: AnswerSource } | null {
    const g = this.reusable.get(p.prompt);
    return g && !this.doubted.has(p.prompt) ? { value: g.value, source: g.source } : null;
  }

  /** Whether saved secrets (keychain, TOTP) may answer this prompt: not once their answer was rejected. */
  maySaveAnswer(p: PromptLike): boolean {
    if (this.doubted.has(p.prompt)) return false;
    return !(isOneTime(p) && this.totpRejected);
  }

  /** Whether this prompt's answer was doubted after a rejection (the person is asked it again). */
  isDoubted(p: PromptLike): boolean {
    return this.doubted.has(p.prompt);
  }

  record(p: PromptLike, value: string, source: AnswerSource): void {
    const before = this.reusable.get(p.prompt);
    const reused = before !== undefined && !this.doubted.has(p.prompt) && before.value === value;
    this.current.set(p.prompt, { value, source: reused ? before.source : source, oneTime: isOneTime(p), password: isPassword(p), survived: reused ? before.survived : 0 });
  }

  /** Whether the attempt in progress sent any answer (a failure before any prompt blames nothing). */
  get answered(): boolean {
    return this.current.size > 0;
  }

  /**
   * The attempt in progress was rejected: decides what is doubted (asked again) and returns
   * what the next dialog says. `hop` is the hop in its one form, "hop 1 (bastion-mfa)".
   */
  rejected(hopName: string): Rejection | null {
    const hop = sentence(hopName);
    const given = [...this.current.entries()];
    this.current = new Map();
    if (given.length === 0) return null;
    const codes = given.filter(([, g]) => g.oneTime);
    const others = given.filter(([, g]) => !g.oneTime);
    // Step 2: the others were sent again with a fresh code and still failed: doubt them too.
    const othersSurvivedBefore = others.some(([, g]) => g.survived > 0);
    const doubt = codes.length === 0 || others.length === 0 || othersSurvivedBefore ? given : codes;
    this.doubted = new Set(doubt.map(([text]) => text));
    this.reusable = new Map(given.filter(([text]) => !this.doubted.has(text)).map(([text, g]) => [text, { ...g, survived: g.survived + 1 }]));
    if (codes.some(([, g]) => g.source === 'totp')) this.totpRejected = true;

    const codeNoun = list(codes.map(([, g]) => noun(g)));
    const otherNoun = list(others.map(([, g]) => noun(g)));
    const enterCode = codes.some(([, g]) => g.source === 'totp') ? 'Enter a code from your authenticator app.' : 'Enter a new code.';
    if (others.length === 0) {
      return {
        message: `${hop} rejected ${codeNoun}. ${enterCode}`,
        ...(codes.some(([, g]) => g.source === 'totp') ? { detail: "Codes from a saved secret depend on this computer's clock: check that it is right." } : {}),
      };
    }
    const savedOthers = others.some(([, g]) => g.source === 'saved');
    if (codes.length === 0) {
      return {
        message: `${hop} rejected ${otherNoun}. Enter ${others.length > 1 || !others[0]![1].password ? 'the answers' : 'the password'} again.`,
        ...(savedOthers ? { detail: 'Tick "Remember" to replace what is saved.' } : {}),
      };
    }
    if (othersSurvivedBefore) {
      return {
        message: `${hop} rejected the sign-in again, with a new code, so ${otherNoun} ${others.length > 1 ? 'are' : 'is'} probably wrong. Enter ${others.length > 1 || !others[0]![1].password ? 'the answers' : 'the password'} and a new code.`,
        ...(savedOthers ? { detail: 'Tick "Remember" to replace what is saved.' } : {}),
      };
    }
    return {
      message: `${hop} rejected ${codeNoun}. ${enterCode}`,
      detail: `The server does not say which answer was wrong. ${sentence(otherNoun)} ${others.length > 1 ? 'are' : 'is'} sent again; if a new code is rejected too, Hopline asks for ${others.length > 1 ? 'them' : 'it'}.`,
    };
  }

  /** Forgets every answer (the hop is ready, or failed). */
  clear(): void {
    this.current = new Map();
    this.reusable = new Map();
    this.doubted = new Set();
  }
}
