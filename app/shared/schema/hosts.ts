/**
 * Validators for the hosts contract and for a host as stored in the saved document. The same
 * bounds guard both doors: what the renderer sends and what is read back from disk.
 */
import { z } from 'zod';
import type { IHostsService } from '../contract/hosts';
import type { HostAuthMethod, HostInput, HostProxy, HostSettings } from '../model/host';
import type { MethodSchemas } from './schemas';

// C0, DEL and C1: a newline or escape in a name or address could forge log lines, split an
// ssh_config line on export, or repaint the terminal when printed.
const CONTROL = /\p{Cc}/u;
export const noControl = (what: string) => [(s: string) => !CONTROL.test(s), `${what} must not contain control characters`] as const;

export const MAX_NAME = 200;
export const MAX_PATH = 4096;
export const MAX_COMMAND = 4096;
export const MAX_TAGS = 32;
export const MAX_TAG_LENGTH = 64;

/** Ids are made by randomUUID(); the pattern is looser so an id never needs escaping anywhere. */
export const idSchema = z.string().min(1).max(128).regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'not a valid id');

/** A display name: 1..200 characters, not only spaces. */
export const nameSchema = z
  .string()
  .min(1)
  .max(MAX_NAME)
  .refine(...noControl('a name'))
  .refine((s) => s.trim() !== '', 'a name must not be blank');

/**
 * Host name or IP literal as typed. No whitespace (it would split an ssh_config line) and no
 * leading '-' (it would read as an option if ever handed to ssh or a ProxyCommand's %h).
 */
export const addressSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^\s\p{Cc}]+$/u, 'an address must not contain spaces or control characters')
  .refine((s) => !s.startsWith('-'), 'an address must not start with "-"');

/** Remote user: may hold spaces or '@' (Windows and AD accounts do), never a leading '-'. */
export const userSchema = z
  .string()
  .min(1)
  .max(256)
  .refine(...noControl('a user name'))
  .refine((s) => !s.startsWith('-'), 'a user name must not start with "-"');

export const portSchema = z.int().min(1).max(65535);

// A day between keepalives is already pointless; the bounds keep ms arithmetic far from overflow.
export const keepaliveIntervalSecSchema = z.int().min(0).max(86_400);
export const keepaliveCountMaxSchema = z.int().min(0).max(1000);
export const connectTimeoutSecSchema = z.int().min(1).max(3600);

/** A library tag (hosts and profiles): 1..64 characters. */
export const tagSchema = z
  .string()
  .min(1)
  .max(MAX_TAG_LENGTH)
  .refine(...noControl('a tag'));

export const tagsSchema = z.array(tagSchema).max(MAX_TAGS);

/** A library folder (hosts and profiles): '' is the top level; folders are one level, named like anything else. */
export const folderSchema = z
  .string()
  .max(MAX_NAME)
  .refine(...noControl('a folder name'));

const keyFileSchema = z.string().min(1).max(MAX_PATH).refine(...noControl('a key file path'));
const knownHostsFileSchema = z.string().min(1).max(MAX_PATH).refine(...noControl('a known_hosts file path'));

export const hostAuthMethodSchema: z.ZodType<HostAuthMethod> = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('agent') }),
  z.strictObject({ kind: z.literal('publickey'), keyFile: keyFileSchema, certificateFile: keyFileSchema.optional() }),
  z.strictObject({ kind: z.literal('password') }),
  z.strictObject({ kind: z.literal('keyboard-interactive') }),
]);

export const hostProxySchema: z.ZodType<HostProxy> = z.discriminatedUnion('kind', [
  // One line: the command is run without a shell, and an ssh_config line cannot hold a newline.
  z.strictObject({ kind: z.literal('command'), command: z.string().min(1).max(MAX_COMMAND).refine(...noControl('a proxy command')).refine((s) => s.trim() !== '', 'a proxy command must not be blank') }),
  z.strictObject({ kind: z.enum(['socks5', 'http']), host: addressSchema, port: portSchema, username: userSchema.optional() }),
]);

const hostSettingsShape = {
  name: nameSchema,
  address: addressSchema,
  port: portSchema,
  user: userSchema,
  auth: z.array(hostAuthMethodSchema).min(1).max(16),
  agentForward: z.boolean(),
  keepaliveIntervalSec: keepaliveIntervalSecSchema,
  keepaliveCountMax: keepaliveCountMaxSchema,
  connectTimeoutSec: connectTimeoutSecSchema,
  proxy: hostProxySchema.nullable(),
  // Optional: documents and callers from before the library had folders keep working.
  folder: folderSchema.optional(),
  tags: tagsSchema.optional(),
  knownHostsFiles: z.array(knownHostsFileSchema).max(16).optional(),
};

export const hostSettingsSchema: z.ZodType<HostSettings> = z.strictObject(hostSettingsShape);

export const hostInputSchema: z.ZodType<HostInput> = z.strictObject({ ...hostSettingsShape, id: idSchema.optional() });

/** A host as saved in the document: its settings and its stable id (no secrets, by design). */
export type StoredHost = HostSettings & { id: string };

export const storedHostSchema: z.ZodType<StoredHost> = z.strictObject({ id: idSchema, ...hostSettingsShape });

export const importRequestSchema = z
  .strictObject({
    path: z.string().min(1).max(MAX_PATH).refine(...noControl('a path')).optional(),
    // A pasted config; real ones are a few KB.
    text: z.string().max(1_000_000).optional(),
  })
  .refine((r) => r.path === undefined || r.text === undefined, 'give either a path or a text, not both');

export const hostsSchemas: MethodSchemas<IHostsService> = {
  list: z.tuple([]),
  save: z.tuple([hostInputSchema]),
  duplicate: z.tuple([idSchema]),
  // The options are optional: callers from before the replacement existed send the id alone.
  remove: z.union([z.tuple([idSchema]), z.tuple([idSchema, z.strictObject({ replaceWith: idSchema.optional() })])]),
  importSshConfig: z.tuple([importRequestSchema]),
};
