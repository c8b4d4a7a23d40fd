import { z } from 'zod';
import type { ICredentialsService } from '../contract/credentials';
import type { MethodSchemas } from './schemas';

const hostId = z.string().min(1).max(300);

export const credentialsSchemas: MethodSchemas<ICredentialsService> = {
  status: z.tuple([]),
  listKinds: z.tuple([]),
  forget: z.tuple([hostId]),
  setTotp: z.tuple([hostId, z.strictObject({ secret: z.string().min(1).max(4096), promptPattern: z.string().min(1).max(200).optional() })]),
};
