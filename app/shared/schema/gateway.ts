/** Validators for the gateway contract's inputs. */
import { z } from 'zod';
import type { IGatewayService } from '../contract/gateway';
import { idSchema } from './hosts';
import type { MethodSchemas } from './schemas';

export const gatewaySchemas: MethodSchemas<IGatewayService> = {
  sessions: z.tuple([]),
  sshConfigFor: z.tuple([idSchema]),
};
