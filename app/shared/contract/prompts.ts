import type { Event } from '../model/event';
import type { HostKeyDecision, PromptRequest } from '../model/prompt';
import { defineService } from './service';

/** The prompt broker: MFA rounds, host keys and passphrases answered by a person (issue: hop engine). */
export interface IPromptsService {
  answer(promptId: string, answers: string[], remember: boolean[]): Promise<void>;
  decideHostKey(promptId: string, decision: HostKeyDecision): Promise<void>;
  cancel(promptId: string): Promise<void>;
  onDidRequest: Event<PromptRequest>;
  onDidSettle: Event<{ promptId: string }>;
}

export const promptsService = defineService<IPromptsService>()({
  name: 'prompts',
  methods: { answer: true, decideHostKey: true, cancel: true },
  events: { onDidRequest: true, onDidSettle: true },
});
