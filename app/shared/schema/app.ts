import { z } from 'zod';
import type { IAppService } from '../contract/app';
import type { MethodSchemas } from './schemas';

export const appSchemas: MethodSchemas<IAppService> = {
  version: z.tuple([]),
  info: z.tuple([]),
  ping: z.tuple([z.strictObject({ nonce: z.string().min(1).max(128) })]),
  openExternal: z.tuple([z.string().min(1).max(4096)]),
};
