/**
 * The prompt broker: the engine asks, a person answers (through the renderer's dialogs, or the
 * CLI on a terminal). Each question is an event carrying the hop it is for; the answer comes
 * back by prompt id. Nothing here logs or keeps an answer once it has been handed over.
 *
 * Every question passes here on its way to a person, whoever asks it, so this is where server
 * text is made plain (no control sequences, no bidi overrides, bounded length) and where a
 * question with more prompts than anyone would answer is refused.
 */
import { randomUUID } from 'node:crypto';
import type { IPromptsService } from '../../../shared/contract/prompts';
import { ErrorCode, HoplineError } from '../../../shared/model/errors';
import { hopName } from '../../../shared/model/hopName';
import { Emitter } from '../../../shared/model/event';
import { MAX_PROMPTS_PER_QUESTION, toPlainQuestion, type HostKeyDecision, type PromptRequest } from '../../../shared/model/prompt';

/** A person's answers, and which of them they ticked "remember" for (only where offered). */
export interface PromptReply {
  answers: string[];
  remember: boolean[];
}

type Pending =
  | { kind: 'answers'; request: PromptRequest; resolve(reply: PromptReply): void; reject(error: HoplineError): void }
  | { kind: 'host-key'; request: PromptRequest; resolve(decision: HostKeyDecision): void; reject(error: HoplineError): void };

export type PromptQuestion = Omit<PromptRequest, 'id'>;

export class PromptBroker implements IPromptsService {
  private readonly pending = new Map<string, Pending>();
  private readonly request = new Emitter<PromptRequest>();
  private readonly settle = new Emitter<{ promptId: string }>();
  readonly onDidRequest = this.request.event;
  readonly onDidSettle = this.settle.event;

  /** Asks for answers to a keyboard-interactive round, a password or a passphrase. */
  ask(question: PromptQuestion): Promise<PromptReply> {
    if (question.prompts.length > MAX_PROMPTS_PER_QUESTION) {
      const { index, name } = question.hop;
      return Promise.reject(new HoplineError(ErrorCode.INVALID_ARGUMENT, `Hop ${index + 1} (${name}) asked ${question.prompts.length} questions at once; Hopline puts at most ${MAX_PROMPTS_PER_QUESTION} to a person`, { index, name }));
    }
    const request = { ...toPlainQuestion(question), id: randomUUID() };
    return new Promise((resolve, reject) => {
      this.pending.set(request.id, { kind: 'answers', request, resolve, reject });
      this.request.fire(request);
    });
  }

  askHostKey(question: PromptQuestion): Promise<HostKeyDecision> {
    const request = { ...toPlainQuestion(question), id: randomUUID() };
    return new Promise((resolve, reject) => {
      this.pending.set(request.id, { kind: 'host-key', request, resolve, reject });
      this.request.fire(request);
    });
  }

  /** Questions still waiting, e.g. for a window that opens late. */
  async outstanding(): Promise<PromptRequest[]> {
    return [...this.pending.values()].map((p) => p.request);
  }

  /** A missing `remember` entry means no; a tick on a prompt that did not offer it is ignored. */
  async answer(promptId: string, answers: string[], remember: boolean[]): Promise<void> {
    const pending = this.take(promptId, 'answers');
    if (answers.length !== pending.request.prompts.length || remember.length > answers.length) {
      this.pending.set(promptId, pending);
      throw new HoplineError(ErrorCode.INVALID_ARGUMENT, `Expected ${pending.request.prompts.length} answers, got ${answers.length}`);
    }
    pending.resolve({ answers, remember: pending.request.prompts.map((p, i) => p.remember === 'offer' && remember[i] === true) });
  }

  async decideHostKey(promptId: string, decision: HostKeyDecision): Promise<void> {
    this.take(promptId, 'host-key').resolve(decision);
  }

  async cancel(promptId: string): Promise<void> {
    const pending = this.pending.get(promptId);
    if (!pending) throw new HoplineError(ErrorCode.INVALID_ARGUMENT, 'No such prompt (already answered or cancelled)');
    this.pending.delete(promptId);
    this.settle.fire({ promptId });
    const hop = { index: pending.request.hop.index, name: pending.request.hop.name };
    pending.reject(new HoplineError(ErrorCode.PROMPT_CANCELLED, `You cancelled sign-in to ${hopName(hop)}.`, hop));
  }

  /** Withdraws every question of a circuit that is going away. */
  withdrawCircuit(circuitId: string, error: HoplineError): void {
    for (const [id, pending] of this.pending) {
      if (pending.request.circuitId !== circuitId) continue;
      this.pending.delete(id);
      this.settle.fire({ promptId: id });
      // Errors name the hop: "closed" said by the circuit is about the hop whose prompt it ended.
      const { index, name } = pending.request.hop;
      pending.reject(error.hop ? error : new HoplineError(error.code, error.message, { index, name }));
    }
  }

  private take<K extends Pending['kind']>(promptId: string, kind: K): Extract<Pending, { kind: K }> {
    const pending = this.pending.get(promptId);
    if (!pending || pending.kind !== kind) throw new HoplineError(ErrorCode.INVALID_ARGUMENT, 'No such prompt (already answered or cancelled)');
    this.pending.delete(promptId);
    this.settle.fire({ promptId });
    return pending as Extract<Pending, { kind: K }>;
  }
}
