/**
 * The saved library: ONE JSON document (`hopline.json` in the data dir) holding hosts, profiles,
 * the app settings and the saved workspace layout. Secrets are never in it (they live in the OS
 * keychain by host id).
 *
 * What the store promises:
 *  - A save is all or nothing. The new text goes to a temp file that is fsynced, then renamed
 *    over the document, then the directory is fsynced. Killed at any instant, the file holds the
 *    previous version or the new one, never a mix.
 *  - The previous good file is kept as `hopline.json.bak` (a hard link: no extra space, which
 *    matters when the disk is full).
 *  - Saves run one at a time (a queue), each on the state the previous one left.
 *  - The whole document is validated before it is written: a bug cannot replace a good file
 *    with a worse one.
 *  - In memory the store holds what is on disk: a failed save changes nothing and throws a
 *    typed error saying the previous data is intact.
 *  - A file it cannot use at start (unreadable, not JSON, invalid, from a newer Hopline) is
 *    renamed aside untouched, and status() says so in a sentence for the user.
 */
import { randomUUID } from 'node:crypto';
import * as nodeFs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { StoreStatus } from '../../../shared/contract/profiles';
import { ErrorCode, HoplineError } from '../../../shared/model/errors';
import { Emitter } from '../../../shared/model/event';
import { HOST_DEFAULTS } from '../../../shared/model/host';
import { TERMINAL_DEFAULTS } from '../../../shared/model/profile';
import type { WorkspaceLayout } from '../../../shared/model/settings';
import { idSchema, storedHostSchema, type StoredHost } from '../../../shared/schema/hosts';
import { storedProfileSchema, type StoredProfile } from '../../../shared/schema/profiles';
import { storedAppSettingsSchema, workspaceLayoutSchema, type StoredAppSettings } from '../../../shared/schema/settings';
import { log } from '../log';

export type { StoredHost } from '../../../shared/schema/hosts';
export type { StoredProfile } from '../../../shared/schema/profiles';
export type { StoredAppSettings } from '../../../shared/schema/settings';

export const DOCUMENT_FILE = 'hopline.json';
/** 2: `settings` may hold `app` (the app settings) and `workspace` (the saved layout). */
export const CURRENT_SCHEMA_VERSION = 2;
/** Far beyond any real library; a bigger file is not read into memory. */
const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;

/** The window the Electron shell last had, to reopen it the same size. */
export interface WindowBounds {
  width: number;
  height: number;
  x?: number;
  y?: number;
}

export interface HoplineDocument {
  schemaVersion: typeof CURRENT_SCHEMA_VERSION;
  hosts: StoredHost[];
  profiles: StoredProfile[];
  settings: {
    window?: WindowBounds;
    /** Only what was saved: the settings service fills in the rest from SETTINGS_DEFAULTS. */
    app?: StoredAppSettings;
    workspace?: WorkspaceLayout;
  };
}

export const windowBoundsSchema: z.ZodType<WindowBounds> = z.strictObject({
  width: z.int().min(1).max(100_000),
  height: z.int().min(1).max(100_000),
  // Negative on a monitor left of or above the primary one.
  x: z.int().min(-100_000).max(100_000).optional(),
  y: z.int().min(-100_000).max(100_000).optional(),
});

/** The whole document, including what no single record can check: unique ids, no dangling hostIds. */
export const documentSchema: z.ZodType<HoplineDocument> = z
  .strictObject({
    schemaVersion: z.literal(CURRENT_SCHEMA_VERSION),
    hosts: z.array(storedHostSchema),
    profiles: z.array(storedProfileSchema),
    settings: z.strictObject({
      window: windowBoundsSchema.optional(),
      app: storedAppSettingsSchema.optional(),
      // Not checked against hosts and profiles: a layout naming a host removed since is still a layout.
      workspace: workspaceLayoutSchema.optional(),
    }),
  })
  .superRefine((doc, ctx) => {
    const hostIds = new Set<string>();
    doc.hosts.forEach((h, i) => {
      if (hostIds.has(h.id)) ctx.addIssue({ code: 'custom', path: ['hosts', i, 'id'], message: `host id ${h.id} appears twice` });
      hostIds.add(h.id);
    });
    const profileIds = new Set<string>();
    doc.profiles.forEach((p, i) => {
      if (profileIds.has(p.id)) ctx.addIssue({ code: 'custom', path: ['profiles', i, 'id'], message: `profile id ${p.id} appears twice` });
      profileIds.add(p.id);
      p.hostIds.forEach((id, j) => {
        if (!hostIds.has(id)) ctx.addIssue({ code: 'custom', path: ['profiles', i, 'hostIds', j], message: `no host with id ${id}` });
      });
    });
  });

export function emptyDocument(): HoplineDocument {
  return { schemaVersion: CURRENT_SCHEMA_VERSION, hosts: [], profiles: [], settings: {} };
}

// ---------------------------------------------------------------------------------------------
// Migrations
// ---------------------------------------------------------------------------------------------

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * v0, before `schemaVersion` existed: `{ hosts, profiles }`, a host's methods as bare names
 * (`authMethods: ['publickey', 'password']`) sharing one optional `keyFile`, `host` or `address`,
 * a `proxyCommand` string, optional numbers; a profile without folder, tags or terminal options.
 * Missing values take today's defaults. Ids that are not valid ids any more get new ones, and
 * profiles follow. Anything it cannot map (an unknown method name) is carried over as is, so
 * validation rejects the document and it is set aside rather than silently changed.
 */
function migrateV0toV1(doc: JsonObject): JsonObject {
  const newIds = new Map<unknown, string>();
  const hosts = (Array.isArray(doc.hosts) ? doc.hosts : []).map((h: unknown) => {
    if (!isObject(h)) return h;
    const id = idSchema.safeParse(h.id).success ? (h.id as string) : randomUUID();
    newIds.set(h.id, id);
    const keyFile = typeof h.keyFile === 'string' ? h.keyFile : '~/.ssh/id_ed25519';
    const auth = Array.isArray(h.authMethods)
      ? h.authMethods.map((m: unknown) => (m === 'publickey' ? { kind: 'publickey', keyFile } : { kind: m }))
      : HOST_DEFAULTS.auth;
    return {
      id,
      name: h.name,
      address: h.address ?? h.host,
      port: h.port ?? HOST_DEFAULTS.port,
      user: h.user,
      auth,
      agentForward: h.agentForward ?? HOST_DEFAULTS.agentForward,
      keepaliveIntervalSec: h.keepaliveIntervalSec ?? HOST_DEFAULTS.keepaliveIntervalSec,
      keepaliveCountMax: h.keepaliveCountMax ?? HOST_DEFAULTS.keepaliveCountMax,
      connectTimeoutSec: h.connectTimeoutSec ?? HOST_DEFAULTS.connectTimeoutSec,
      proxy: typeof h.proxyCommand === 'string' && h.proxyCommand !== '' ? { kind: 'command', command: h.proxyCommand } : null,
    };
  });
  const profiles = (Array.isArray(doc.profiles) ? doc.profiles : []).map((p: unknown) => {
    if (!isObject(p)) return p;
    return {
      id: idSchema.safeParse(p.id).success ? p.id : randomUUID(),
      name: p.name,
      folder: p.folder ?? '',
      tags: p.tags ?? [],
      hostIds: Array.isArray(p.hostIds) ? p.hostIds.map((id: unknown) => newIds.get(id) ?? id) : p.hostIds,
      terminal: { ...TERMINAL_DEFAULTS, ...(isObject(p.terminal) ? p.terminal : {}) },
    };
  });
  const settings = isObject(doc.settings) ? doc.settings : {};
  return { schemaVersion: 1, hosts, profiles, settings };
}

/**
 * v1 to v2: nothing to change. v2 only adds optional `settings.app` and `settings.workspace`;
 * the version moves so that a build that knows only v1 sets a v2 file aside as "from a newer
 * Hopline" (its strict schema would otherwise call the file invalid).
 */
function migrateV1toV2(doc: JsonObject): JsonObject {
  return { ...doc, schemaVersion: 2 };
}

/** MIGRATIONS[n] turns a version-n document into version n + 1. */
const MIGRATIONS: Readonly<Record<number, (doc: JsonObject) => JsonObject>> = {
  0: migrateV0toV1,
  1: migrateV1toV2,
};

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

export type Decoded = { ok: true; document: HoplineDocument; migratedFrom: number | null } | { ok: false; reason: string };

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const where = issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
  return `${where}${issue.message}`;
}

/** Text of a saved document to a current, valid document; `reason` completes "the file ...". */
export function decodeDocument(text: string): Decoded {
  let raw: unknown;
  try {
    // A byte-order mark is what an editor on Windows may add; it is not a reason to set the file aside.
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return { ok: false, reason: 'is not valid JSON' };
  }
  if (!isObject(raw)) return { ok: false, reason: 'does not hold a Hopline document' };
  const version = raw.schemaVersion === undefined ? 0 : raw.schemaVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) {
    return { ok: false, reason: `has a schemaVersion (${JSON.stringify(version)}) that is not a version number` };
  }
  if (version > CURRENT_SCHEMA_VERSION) {
    return { ok: false, reason: `was written by a newer version of Hopline (document version ${version}; this version reads up to ${CURRENT_SCHEMA_VERSION})` };
  }
  let doc = raw;
  for (let v = version; v < CURRENT_SCHEMA_VERSION; v++) {
    const migrate = MIGRATIONS[v];
    if (!migrate) return { ok: false, reason: `has document version ${v}, which this version of Hopline cannot upgrade` };
    doc = migrate(doc);
  }
  const parsed = documentSchema.safeParse(doc);
  if (!parsed.success) return { ok: false, reason: `is not a valid Hopline document (${describeIssue(parsed.error)})` };
  return { ok: true, document: parsed.data, migratedFrom: version === CURRENT_SCHEMA_VERSION ? null : version };
}

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

/** The file operations the store uses; tests swap one for a failing one. */
export type StoreFs = Pick<typeof nodeFs, 'open' | 'rename' | 'link' | 'unlink' | 'copyFile' | 'mkdir' | 'readdir' | 'stat'>;

export interface DocumentStoreOptions {
  fs?: StoreFs;
  now?: () => Date;
}

const errnoCode = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | null)?.code;

const SAVE_FAILURES: Readonly<Record<string, string>> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  EIO: 'an input/output error',
};

function saveError(dataDir: string, error: unknown): HoplineError {
  const code = errnoCode(error);
  const why = (code && SAVE_FAILURES[code]) ?? (code ? `error ${code}` : 'an unexpected error');
  return new HoplineError(ErrorCode.INTERNAL, `Could not save your hosts and profiles in ${dataDir}: ${why}. Your previous data is intact.`);
}

type ReadResult = { kind: 'missing' } | { kind: 'ok'; document: HoplineDocument } | { kind: 'bad'; reason: string };

async function readDocument(fs: StoreFs, file: string): Promise<ReadResult> {
  let bytes: Buffer;
  try {
    const handle = await fs.open(file, 'r');
    try {
      const { size } = await handle.stat();
      if (size > MAX_DOCUMENT_BYTES) return { kind: 'bad', reason: `is ${size} bytes, far larger than any Hopline document` };
      bytes = await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return { kind: 'missing' };
    return { kind: 'bad', reason: `could not be read (${errnoCode(error) ?? 'unknown error'})` };
  }
  let text: string;
  try {
    // Fatal: bytes that are not UTF-8 mean damage, not text to patch up with U+FFFD.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { kind: 'bad', reason: 'is not UTF-8 text' };
  }
  const decoded = decodeDocument(text);
  return decoded.ok ? { kind: 'ok', document: decoded.document } : { kind: 'bad', reason: decoded.reason };
}

/** ISO 8601 basic format (no ':'), so the name is valid on Windows too. */
function timestamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '');
}

/** Temp files of this process are numbered so two in flight (a save and its .bak) never collide. */
let tempCounter = 0;
const TEMP_NAME = /^hopline\.json(?:\.bak)?\.tmp-(\d+)-\d+$/;

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is just not ours to signal.
    return errnoCode(error) === 'EPERM';
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

const serialize = (doc: HoplineDocument): string => `${JSON.stringify(doc, null, 2)}\n`;

export interface DocumentCommit {
  previous: HoplineDocument;
  current: HoplineDocument;
}

const OK_STATUS: StoreStatus = { setAsidePath: null, problem: null };

// ---------------------------------------------------------------------------------------------
// The store
// ---------------------------------------------------------------------------------------------

export class DocumentStore {
  readonly file: string;
  readonly backupFile: string;
  /** What is on disk, frozen: readers share it, writers go through update(). */
  private committed: HoplineDocument;
  private committedText: string;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly commits = new Emitter<DocumentCommit>();
  /** Fires after each save that reached the disk, in order. */
  readonly onDidCommit = this.commits.event;

  private constructor(
    readonly dataDir: string,
    private readonly fs: StoreFs,
    document: HoplineDocument,
    private startStatus: StoreStatus,
    /** Set when a bad file could not be moved aside: saving would destroy it, so saves are refused. */
    private readonly refuseSaves: string | null,
  ) {
    this.file = path.join(dataDir, DOCUMENT_FILE);
    this.backupFile = `${this.file}.bak`;
    this.committed = deepFreeze(document);
    this.committedText = serialize(document);
  }

  /**
   * Loads the document from `dataDir` (made if missing), setting aside a file it cannot use.
   * It logs nothing about that: status() carries the sentence, for the caller to log and show.
   */
  static async open(dataDir: string, options: DocumentStoreOptions = {}): Promise<DocumentStore> {
    const fs = options.fs ?? nodeFs;
    const now = options.now ?? (() => new Date());
    const dir = path.resolve(dataDir);
    try {
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new HoplineError(ErrorCode.INTERNAL, `Cannot use the data folder ${dir} (${errnoCode(error) ?? 'unknown error'}).`);
    }
    await removeStaleTempFiles(fs, dir);
    const file = path.join(dir, DOCUMENT_FILE);
    const main = await readDocument(fs, file);
    if (main.kind === 'missing') return new DocumentStore(dir, fs, emptyDocument(), OK_STATUS, null);
    if (main.kind === 'ok') return new DocumentStore(dir, fs, main.document, OK_STATUS, null);

    const lead = `Your saved hosts and profiles could not be loaded: ${file} ${main.reason}.`;
    let aside: string;
    try {
      aside = await setAside(fs, file, now());
    } catch (error) {
      const problem = `${lead} It could not be moved aside either (${errnoCode(error) ?? 'unknown error'}), so Hopline started with an empty library and will not save over it: move or repair the file, then restart Hopline.`;
      return new DocumentStore(dir, fs, emptyDocument(), { setAsidePath: null, problem }, problem);
    }
    const movedAside = `${lead} The file was moved aside, unchanged, to ${aside}.`;
    const backup = await readDocument(fs, `${file}.bak`);
    if (backup.kind !== 'ok') {
      const problem = `${movedAside} Hopline started with an empty library.`;
      return new DocumentStore(dir, fs, emptyDocument(), { setAsidePath: aside, problem }, null);
    }
    const restored = `${movedAside} Hopline restored your library from the backup ${file}.bak, saved before your last change, so that change may be missing.`;
    const store = new DocumentStore(dir, fs, backup.document, { setAsidePath: aside, problem: restored }, null);
    // Write it back now: otherwise the next start would find no hopline.json and show an empty library.
    try {
      await store.write(serialize(backup.document));
    } catch (error) {
      store.startStatus = { setAsidePath: aside, problem: `${restored} ${(error as Error).message}` };
    }
    return store;
  }

  /** How loading went at start, for the user. */
  status(): StoreStatus {
    return { ...this.startStatus };
  }

  /** The saved document. Frozen: change it with update(). */
  snapshot(): HoplineDocument {
    return this.committed;
  }

  /**
   * Runs `mutate` on a copy of the latest saved document, validates the result and saves it; the
   * returned promise settles once the file is on disk (or the save failed, changing nothing).
   * Calls run one after another. `mutate` may throw (a HoplineError, say) to abandon the change.
   */
  update<T>(mutate: (draft: HoplineDocument) => T): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.refuseSaves !== null) throw new HoplineError(ErrorCode.INTERNAL, this.refuseSaves);
      const draft = structuredClone(this.committed) as HoplineDocument;
      const result = mutate(draft);
      const parsed = documentSchema.safeParse(draft);
      if (!parsed.success) throw new HoplineError(ErrorCode.INVALID_ARGUMENT, `Not saved: ${describeIssue(parsed.error)}`);
      const text = serialize(parsed.data);
      if (text === this.committedText) return result;
      await this.write(text);
      const previous = this.committed;
      this.committed = deepFreeze(parsed.data);
      this.committedText = text;
      this.commits.fire({ previous, current: this.committed });
      return result;
    };
    const next = this.queue.then(run, run);
    // The queue only orders the saves; each caller gets its own outcome.
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Settles when every save queued so far has settled. */
  whenIdle(): Promise<void> {
    return this.queue.then(() => undefined);
  }

  windowBounds(): WindowBounds | undefined {
    const bounds = this.committed.settings.window;
    return bounds ? { ...bounds } : undefined;
  }

  /** Each call is a save: call it when a resize or move has settled, or when the window closes. */
  async setWindowBounds(bounds: WindowBounds): Promise<void> {
    const parsed = windowBoundsSchema.safeParse(bounds);
    if (!parsed.success) throw new HoplineError(ErrorCode.INVALID_ARGUMENT, `Invalid window bounds: ${describeIssue(parsed.error)}`);
    await this.update((draft) => {
      draft.settings.window = parsed.data;
    });
  }

  /** Temp file, fsync, keep .bak, rename over, fsync the directory. */
  private async write(text: string): Promise<void> {
    const temp = `${this.file}.tmp-${process.pid}-${++tempCounter}`;
    try {
      const handle = await this.fs.open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await this.keepBackup();
      await this.fs.rename(temp, this.file);
    } catch (error) {
      await this.fs.unlink(temp).catch(() => undefined);
      log.error(`saving ${this.file} failed (${errnoCode(error) ?? 'no errno'})`);
      throw saveError(this.dataDir, error);
    }
    await this.syncDirectory();
  }

  /** The current file becomes the .bak, replaced in one rename like the document itself. */
  private async keepBackup(): Promise<void> {
    const temp = `${this.backupFile}.tmp-${process.pid}-${++tempCounter}`;
    try {
      if (await this.linkOrCopy(this.file, temp)) await this.fs.rename(temp, this.backupFile);
    } finally {
      await this.fs.unlink(temp).catch(() => undefined);
    }
  }

  /**
   * A hard link (no copy, no space: it works on a full disk), or a durable copy where links are
   * unsupported (FAT, some network shares). False when there is no file yet.
   */
  private async linkOrCopy(from: string, to: string): Promise<boolean> {
    const noFile = (error: unknown): boolean => errnoCode(error) === 'ENOENT';
    try {
      await this.fs.link(from, to);
      return true;
    } catch (error) {
      if (noFile(error)) return false;
    }
    try {
      await this.fs.copyFile(from, to);
    } catch (error) {
      if (noFile(error)) return false;
      throw error;
    }
    const handle = await this.fs.open(to, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    return true;
  }

  /**
   * Makes the renames durable. By now the new file is in place, so a failure here is logged, not
   * thrown: reporting "not saved" for a file that was saved would be the worse lie.
   */
  private async syncDirectory(): Promise<void> {
    // Windows cannot open a directory for fsync; NTFS journals the rename itself.
    if (process.platform === 'win32') return;
    try {
      const handle = await this.fs.open(this.dataDir, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      log.warn(`could not fsync ${this.dataDir} after saving (${errnoCode(error) ?? 'no errno'})`);
    }
  }
}

/** Renames the file to `<file>.corrupt-<timestamp>` (never over an existing one): its bytes stay as they were. */
async function setAside(fs: StoreFs, file: string, now: Date): Promise<string> {
  const base = `${file}.corrupt-${timestamp(now)}`;
  let target = base;
  // Two starts within the same millisecond, each with a bad file, are the only way to collide.
  for (let n = 2; await fs.stat(target).then(() => true, () => false); n++) target = `${base}-${n}`;
  await fs.rename(file, target);
  return target;
}

/** Temp files left by a process killed mid-save. Files of a live process (another instance saving) stay. */
async function removeStaleTempFiles(fs: StoreFs, dir: string): Promise<void> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const match = TEMP_NAME.exec(name);
    if (!match) continue;
    if (isRunning(Number(match[1]))) continue;
    await fs.unlink(path.join(dir, name)).catch(() => undefined);
  }
}
