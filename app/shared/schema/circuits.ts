import { z } from 'zod';
import type { ICircuitsService } from '../contract/circuits';
import type { MethodSchemas } from './schemas';

const id = z.string().min(1).max(300);
/** More than 16 is the engine's typed CIRCUIT_TOO_DEEP, so allow a few over to let it say so. */
const hostIds = z.array(id).min(1).max(64);

export const circuitsSchemas: MethodSchemas<ICircuitsService> = {
  open: z.tuple([z.strictObject({ hostIds, profileId: id.optional(), circuitId: z.uuid().optional() })]),
  repair: z.tuple([id]),
  close: z.tuple([id]),
  list: z.tuple([]),
  eventLog: z.tuple([id]),
  preview: z.tuple([z.strictObject({ hostIds, alias: z.string().min(1).max(200).optional(), profileId: id.optional() })]),
};
