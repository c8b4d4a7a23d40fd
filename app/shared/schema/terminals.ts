import { z } from 'zod';
import { TERMINAL_SIZE_LIMITS, type ITerminalsService } from '../contract/terminals';
import type { MethodSchemas } from './schemas';

const id = z.string().min(1).max(300);
const cols = z.number().int().min(1).max(TERMINAL_SIZE_LIMITS.maxCols);
const rows = z.number().int().min(1).max(TERMINAL_SIZE_LIMITS.maxRows);

export const terminalsSchemas: MethodSchemas<ITerminalsService> = {
  open: z.tuple([z.strictObject({ circuitId: id, cols, rows, closeCircuitWhenLastEnds: z.boolean().optional() })]),
  resize: z.tuple([id, cols, rows]),
  close: z.tuple([id]),
  list: z.tuple([]),
};
