import type { Event } from '../model/event';
import type { HostKeyDecision, PromptRequest } from '../model/prompt';
import { defineService } from './service';

/** The prompt broker: MFA rounds, host keys and passphrases answered by a person (issue: hop engine). */
export interface IPromptsService {
  /** Questions still waiting (a window that opens or reloads late picks them up). */
  outstanding(): Promise<PromptRequest[]>;
  /** `remember[i]` asks to keep answer i in the keychain; honoured only where the prompt offered it. */
  answer(promptId: string, answers: string[], remember: boolean[]): Promise<void>;
  decideHostKey(promptId: string, decision: HostKeyDecision): Promise<void>;
  cancel(promptId: string): Promise<void>;
  onDidRequest: Event<PromptRequest>;
  onDidSettle: Event<{ promptId: string }>;
}

export const promptsService = defineService<IPromptsService>()({
  name: 'prompts',
  methods: { outstanding: true, answer: true, decideHostKey: true, cancel: true },
  events: { onDidRequest: true, onDidSettle: true },
});
