/**
 * Signing in by answering the server's questions (SSH "keyboard-interactive": PAM's password,
 * a verification code, ...). Answers come from, in order: the attempt before (PAM starts over
 * after a rejection, and only the answer in doubt is asked again; see authRetry.ts), a saved
 * TOTP secret, answer or password, else the person. A hostile server is bounded in prompts per
 * round and rounds per attempt.
 */
import type { Prompt } from 'ssh2';
import { ErrorCode, HoplineError } from '../../../../shared/model/errors';
import { hopName } from '../../../../shared/model/hopName';
import { MAX_PROMPTS_PER_QUESTION, ONE_TIME_PROMPT } from '../../../../shared/model/prompt';
import { KbdAttempts, PASSWORD_PROMPT, type AnswerSource, type Rejection } from '../authRetry';
import type { AuthOffer, AuthSession } from './authSession';
import { MAX_ATTEMPTS, type StepAttempt } from './authSteps';

/**
 * Prompts one keyboard-interactive round may carry (the broker refuses more anyway). A server
 * that sends more is not asking a person anything sensible; the hop fails rather than trying.
 */
export const MAX_KBD_PROMPTS_PER_ROUND = MAX_PROMPTS_PER_QUESTION;
/**
 * Rounds with prompts one keyboard-interactive attempt may take. A password and a code take two;
 * PAM's forced password change (old, new, again) about five. Ten leaves room; with MAX_ATTEMPTS a
 * hop asks at most 30 questions, where a server looping one prompt forever would otherwise ask
 * without end. (Rounds with no prompt never get here: ssh2 answers them itself. Nobody waits on
 * those, so the connect deadline, which keeps running, bounds a server that loops them.)
 */
export const MAX_KBD_ROUNDS_PER_ATTEMPT = 10;

type Finish = (responses: string[]) => void;

const oneTime = (p: Prompt): boolean => ONE_TIME_PROMPT.test(p.prompt);

export class KeyboardInteractiveAuth {
  /** Rounds of the attempt in progress, for the round limit and the question's round number. */
  private round = 0;
  /** This connect's answers, so that after a rejection only the answer in doubt is asked again. */
  private readonly answers = new KbdAttempts();
  /** What the hop rejected last, said once by the next question. */
  private rejection: Rejection | undefined;

  constructor(private readonly session: AuthSession) {}

  /** Starts an attempt: ssh2 calls its prompt function once per round the server sends. */
  offer(entry: StepAttempt): AuthOffer {
    this.round = 0;
    this.answers.begin();
    const prompt = (name: string, instructions: string, _lang: string, prompts: Prompt[], finish: Finish): void => this.onRound(entry, name, instructions, prompts, finish);
    return { auth: { type: 'keyboard-interactive', username: this.session.spec.user, prompt } };
  }

  /**
   * The server rejected the attempt. Its failure names no answer; authRetry decides which is in
   * doubt, and the next question says so. Returns what it will say, for the log (never a value).
   */
  rejected(): Rejection | undefined {
    this.rejection = this.answers.rejected(hopName(this.session.ref)) ?? undefined;
    return this.rejection;
  }

  /** Forgets every answer (the hop is ready, or failed). */
  clear(): void {
    this.answers.clear();
  }

  private onRound(entry: StepAttempt, name: string, instructions: string, prompts: Prompt[], finish: Finish): void {
    const { session } = this;
    if (session.settled) return;
    this.round++;
    if (prompts.length > MAX_KBD_PROMPTS_PER_ROUND) {
      return session.fail(new HoplineError(ErrorCode.AUTH_FAILED, `${session.label} sent ${prompts.length} prompts in one keyboard-interactive round; Hopline answers at most ${MAX_KBD_PROMPTS_PER_ROUND}, so it stopped`, session.ref));
    }
    if (this.round > MAX_KBD_ROUNDS_PER_ATTEMPT) {
      return session.fail(new HoplineError(ErrorCode.AUTH_FAILED, `${session.label} kept asking: more than ${MAX_KBD_ROUNDS_PER_ATTEMPT} keyboard-interactive rounds in one attempt, so Hopline stopped`, session.ref));
    }
    if (prompts.length === 0) {
      // ssh2 answers empty rounds before they get here; kept in case that changes.
      session.log(`keyboard-interactive round ${this.round} has no prompts; answered automatically`);
      return finish([]);
    }
    void this.answerRound(entry, this.round, name, instructions, prompts, finish).catch((error: unknown) =>
      session.fail(error instanceof HoplineError ? error : new HoplineError(ErrorCode.PROMPT_CANCELLED, `The question from ${session.label} ended before it was answered`, session.ref)),
    );
  }

  /** Answers one round, asking the person only what nobody else can answer; nothing once the hop is settled. */
  private async answerRound(entry: StepAttempt, round: number, name: string, instructions: string, prompts: Prompt[], finish: Finish): Promise<void> {
    const { session } = this;
    const auto = await Promise.all(prompts.map((p) => this.automatic(p)));
    const toAsk = prompts.filter((_, i) => auto[i] === null);
    const sources = [...new Set(auto.flatMap((a) => (a ? [a.source] : [])))];
    session.log(`keyboard-interactive round ${round}: ${prompts.length} prompt(s)${sources.length ? `, ${prompts.length - toAsk.length} answered from ${sources.join(' and ')}` : ''}`);
    let reply = { answers: [] as string[], remember: [] as boolean[] };
    if (toAsk.length > 0) {
      const said = this.rejection;
      this.rejection = undefined;
      reply = await session.ask({
        kind: 'keyboard-interactive',
        round,
        name,
        instructions,
        prompts: toAsk.map((p) => ({ text: p.prompt, echo: p.echo === true, remember: oneTime(p) ? 'never' : 'offer' })),
        ...(said ? { rejection: said } : {}),
        attempt: { number: entry.attempts, of: MAX_ATTEMPTS['keyboard-interactive'] },
      });
    }
    if (session.settled) return;
    let next = 0;
    const all = prompts.map((p, i) => {
      const a = auto[i];
      if (a) {
        this.answers.record(p, a.value, a.kind);
        return a.value;
      }
      const k = next++;
      const value = reply.answers[k] ?? '';
      this.answers.record(p, value, 'typed');
      if (reply.remember[k] && !oneTime(p)) {
        entry.toRemember.push({ secret: p.echo !== true && PASSWORD_PROMPT.test(p.prompt) ? { kind: 'password' } : { kind: 'answer', promptText: p.prompt }, value });
      }
      return value;
    });
    finish(all);
  }

  /**
   * An answer that needs nobody: one sent in a rejected attempt and not in doubt (PAM asks it
   * again when it starts over), else a saved one (TOTP, answer, password) unless the hop
   * rejected that before in this connect. Never the same rejected secret in a loop.
   */
  private async automatic(p: Prompt): Promise<{ value: string; source: string; kind: AnswerSource } | null> {
    const again = this.answers.reuse(p);
    if (again) return { value: again.value, source: 'the attempt before', kind: again.source };
    if (!this.answers.maySaveAnswer(p)) return null;
    const { secrets } = this.session;
    const code = await secrets.totpCode(p.prompt);
    if (code !== null) return { value: code, source: 'TOTP', kind: 'totp' };
    if (oneTime(p)) return null;
    const answer = await secrets.answer(p.prompt);
    if (answer !== null) return { value: answer, source: 'saved answer', kind: 'saved' };
    if (p.echo !== true && PASSWORD_PROMPT.test(p.prompt)) {
      const password = await secrets.password();
      if (password !== null) return { value: password, source: 'saved password', kind: 'saved' };
    }
    return null;
  }
}
