/**
 * Validators for the forwards contract and for a ForwardSpec wherever one arrives (a profile, a
 * command line turned into a spec). The shape rules follow ssh(1): -L and -R need a destination,
 * -D has none; a listening port of 0 is for -R only (the server's choice, reported back), as
 * OpenSSH's parse_forward refuses it for -L and -D.
 */
import { z } from 'zod';
import type { IForwardsService } from '../contract/forwards';
import type { ForwardSpec } from '../model/forward';
import { addressSchema, idSchema } from './hosts';
import type { MethodSchemas } from './schemas';

const id = z.string().min(1).max(300);
const listenPort = z.int().min(0).max(65535);
const destinationPort = z.int().min(1).max(65535);

export const forwardSpecSchema: z.ZodType<ForwardSpec> = z
  .strictObject({
    id: idSchema.optional(),
    kind: z.enum(['local', 'remote', 'dynamic']),
    bindAddress: addressSchema.optional(),
    bindPort: listenPort,
    host: addressSchema.optional(),
    hostPort: destinationPort.optional(),
    autoStart: z.boolean().optional(),
  })
  .superRefine((spec, ctx) => {
    if (spec.kind !== 'remote' && spec.bindPort === 0) ctx.addIssue({ code: 'custom', path: ['bindPort'], message: `a ${spec.kind} forward needs a port to listen on (0 is for remote forwards only)` });
    if (spec.kind === 'dynamic') {
      if (spec.host !== undefined || spec.hostPort !== undefined) ctx.addIssue({ code: 'custom', message: 'a dynamic forward has no destination host or port' });
    } else if (spec.host === undefined || spec.hostPort === undefined) {
      ctx.addIssue({ code: 'custom', message: `a ${spec.kind} forward needs a destination host and port` });
    }
  });

export const forwardsSchemas: MethodSchemas<IForwardsService> = {
  list: z.tuple([]),
  add: z.tuple([id, forwardSpecSchema, z.strictObject({ start: z.boolean().optional() }).optional()]),
  start: z.tuple([id]),
  stop: z.tuple([id]),
  remove: z.tuple([id]),
};
