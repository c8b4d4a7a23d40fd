/** Validators for the profiles contract and for a profile as stored in the saved document. */
import { z } from 'zod';
import type { IProfilesService } from '../contract/profiles';
import { PROFILE_COLORS, type ProfileInput, type ProfileSummary, type TerminalOptions } from '../model/profile';
import { forwardListSchema } from './profileForwards';
import { folderSchema, idSchema, nameSchema, tagsSchema } from './hosts';
import type { MethodSchemas } from './schemas';

export { MAX_TAGS, MAX_TAG_LENGTH } from './hosts';

/** The engine's MAX_CIRCUIT_DEPTH; shared cannot import the engine, so it is restated here. */
export const MAX_PROFILE_HOPS = 16;

export const terminalOptionsSchema: z.ZodType<TerminalOptions> = z.strictObject({
  fontSize: z.int().min(6).max(72),
  // xterm keeps every scrollback line in memory: a million lines per terminal is already a lot.
  scrollback: z.int().min(0).max(1_000_000),
  copyOnSelect: z.boolean(),
  confirmMultilinePaste: z.boolean(),
  sessionLog: z.boolean(),
});

const profileShape = {
  name: nameSchema,
  folder: folderSchema,
  tags: tagsSchema,
  hostIds: z.array(idSchema).min(1).max(MAX_PROFILE_HOPS),
  terminal: terminalOptionsSchema,
  color: z.enum(PROFILE_COLORS).optional(),
};

// Forwards are optional: documents and callers from before profiles had forwards stay valid. A
// caller may send new forwards without ids (the service gives them one); saved ones carry theirs.
export const profileInputSchema: z.ZodType<ProfileInput> = z.strictObject({ ...profileShape, id: idSchema.optional(), forwards: forwardListSchema(false).optional() });

/** A profile as saved in the document: exactly what the contract returns. */
export type StoredProfile = ProfileSummary;

export const storedProfileSchema: z.ZodType<StoredProfile> = z.strictObject({ id: idSchema, ...profileShape, forwards: forwardListSchema(true).optional() });

export const profilesSchemas: MethodSchemas<IProfilesService> = {
  list: z.tuple([]),
  save: z.tuple([profileInputSchema]),
  remove: z.tuple([idSchema]),
  storeStatus: z.tuple([]),
};
