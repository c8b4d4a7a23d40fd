import { z } from 'zod';
import type { IPromptsService } from '../contract/prompts';
import type { MethodSchemas } from './schemas';

const promptId = z.string().min(1).max(100);

export const promptsSchemas: MethodSchemas<IPromptsService> = {
  outstanding: z.tuple([]),
  // A keyboard-interactive round has a handful of prompts; answers are short.
  answer: z.tuple([promptId, z.array(z.string().max(8192)).max(64), z.array(z.boolean()).max(64)]),
  decideHostKey: z.tuple([promptId, z.enum(['accept-once', 'accept-and-save', 'reject', 'replace', 'replace-in-user-file'])]),
  cancel: z.tuple([promptId]),
};
