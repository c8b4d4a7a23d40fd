/**
 * Validators for the files contract (issue 16) and for a TransferSpec wherever one arrives (the
 * files view, `hopline cp`). Paths are bounded like PATH_MAX (4096) and may not hold NUL: no
 * SFTP server or local file system can take one, so a NUL only ever means a forged request.
 */
import { z } from 'zod';
import type { IFilesService } from '../contract/files';
import type { ConflictChoice, ConflictPolicy, TransferSpec } from '../model/remoteFile';
import type { MethodSchemas } from './schemas';

/** Longest path accepted, as Linux's PATH_MAX. */
export const MAX_PATH_LENGTH = 4096;
/** Most sources one transfer may name (a drop of many files is one transfer). */
export const MAX_TRANSFER_SOURCES = 10_000;

const id = z.string().min(1).max(300);
export const remotePathSchema = z
  .string()
  .min(1)
  .max(MAX_PATH_LENGTH)
  .refine((p) => !p.includes('\0'), 'a path cannot contain a NUL character');
/** Local paths have the same bounds (a path from a file picker, a drop or the command line). */
export const localPathSchema = remotePathSchema;
const mode = z.int().min(0).max(0o7777);
const conflictChoice: z.ZodType<ConflictChoice> = z.enum(['overwrite', 'skip', 'rename', 'resume']);
const conflictPolicy: z.ZodType<ConflictPolicy> = z.enum(['ask', 'overwrite', 'skip', 'rename', 'resume']);

export const transferSpecSchema: z.ZodType<TransferSpec> = z.strictObject({
  circuitId: id,
  direction: z.enum(['upload', 'download']),
  sources: z.array(remotePathSchema).min(1).max(MAX_TRANSFER_SOURCES),
  destination: remotePathSchema,
  recursive: z.boolean().optional(),
  conflict: conflictPolicy.optional(),
  preserve: z.boolean().optional(),
  followSymlinks: z.boolean().optional(),
});

export const filesSchemas: MethodSchemas<IFilesService> = {
  home: z.tuple([id]),
  realpath: z.tuple([id, remotePathSchema]),
  stat: z.tuple([id, remotePathSchema]),
  openDir: z.tuple([id, remotePathSchema]),
  readDir: z.tuple([id]),
  closeDir: z.tuple([id]),
  mkdir: z.tuple([id, remotePathSchema]),
  rename: z.tuple([id, remotePathSchema, remotePathSchema]),
  remove: z.tuple([id, remotePathSchema, z.strictObject({ recursive: z.boolean().optional() }).optional()]),
  chmod: z.tuple([id, remotePathSchema, mode]),
  transfers: z.tuple([]),
  enqueue: z.tuple([transferSpecSchema]),
  answerConflict: z.tuple([id, conflictChoice, z.strictObject({ forAll: z.boolean().optional() }).optional()]),
  cancel: z.tuple([id]),
  retry: z.tuple([id]),
  dismiss: z.tuple([id]),
  beginUpload: z.tuple([id, remotePathSchema, z.int().min(0).max(Number.MAX_SAFE_INTEGER), conflictPolicy.optional()]),
  beginDownload: z.tuple([id, remotePathSchema]),
};
