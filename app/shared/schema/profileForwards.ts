/**
 * A profile's saved forwards: each one as the forwards contract validates it (forwards.ts), the
 * list bounded, and ids unique within the profile (required once saved in the document).
 */
import { z } from 'zod';
import type { ForwardSpec } from '../model/forward';
import { forwardSpecSchema } from './forwards';

/** More than anyone keeps on one circuit; bounds the work of starting a profile's forwards. */
export const MAX_FORWARDS_PER_PROFILE = 64;

/** `requireIds`: the document's form, where the profiles service has given every forward an id. */
export function forwardListSchema(requireIds: boolean): z.ZodType<ForwardSpec[]> {
  return z
    .array(forwardSpecSchema)
    .max(MAX_FORWARDS_PER_PROFILE)
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((spec, i) => {
        if (spec.id === undefined) {
          if (requireIds) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: 'a saved forward needs an id' });
          return;
        }
        if (seen.has(spec.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `forward id ${spec.id} appears twice` });
        seen.add(spec.id);
      });
    });
}
