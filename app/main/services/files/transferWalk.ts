/**
 * Walking what a transfer sends (issue 16): the local tree of an upload or the remote tree of a
 * download, turned into one stream of file tasks while destination folders are made on the way
 * (a folder exists before any of its files is sent). Directories are read with bounded
 * concurrency, a remote READDIR is bounded in entries (a server that never ends a listing cannot
 * hold a transfer forever), and remote names are untrusted: a name that is not a safe local name
 * is refused and noted, never joined into a local path.
 *
 * Symlinks, as OpenSSH's sftp: a link inside a folder being sent is not followed unless it points
 * to a file inside the same tree (then its content is sent), or `followSymlinks` was asked; links
 * out of the tree are skipped and noted. A source named on its own is followed (the person chose it).
 */
import { lstat, mkdir, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { SFTPWrapper, Stats } from 'ssh2';
import { HoplineError } from '../../../shared/model/errors';
import { displayName, safeLocalName } from '../../../shared/model/remoteNames';
import { assertStaysInside, localPathUnder } from './localPaths';
import { entryType } from './remoteEntries';
import { sftpAsync } from './sftpPipe';

/** One file to send. */
export interface FileTask {
  /** Where it is read: a remote path (download) or a local one (upload). */
  source: string;
  /** Where it goes: a local path (download) or a remote one (upload). */
  destination: string;
  /** Relative to the transfer's root, for the queue's "current file". */
  relative: string;
  /** Bytes as last seen (a server's claim, for a download). */
  size: number;
  mtimeMs: number;
  mode: number;
}

/** A folder made on the way, for preserving its times and mode once its files are in. */
export interface DirTask {
  destination: string;
  mtimeMs: number;
  mode: number;
}

export interface WalkSink {
  file(task: FileTask): Promise<void> | void;
  dir(task: DirTask): void;
  /** A non-fatal note: a name refused, a link skipped, a special file skipped. */
  note(text: string): void;
  /** A source or folder that could not be read: noted, and the transfer ends failed. */
  problem(error: unknown, where: string): void;
  signal: AbortSignal;
}

/** Most entries read from one remote folder: past it the folder is cut short with a note. */
export const MAX_DIR_ENTRIES = 1_000_000;
/** Folders read at once. */
const DIR_CONCURRENCY = 8;
/** Deepest nesting followed (a symlink loop under followSymlinks ends here). */
const MAX_DEPTH = 256;

/** A simple counting gate for the folder reads. */
class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await work();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/** `child` is `root` or inside it (POSIX paths for the remote side, the platform's locally). */
function inside(root: string, child: string, sep: string): boolean {
  return child === root || child.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** A remote path's last name; '/' for the root. */
export function remoteBase(remotePath: string): string {
  const trimmed = remotePath.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

export function remoteJoin(dir: string, name: string): string {
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

/**
 * `name` joined under the local folder `dir`, proven to stay inside it (localPaths.ts: the name
 * must be a safe local name, and the joined path lands under `dir`).
 */
export function localChild(dir: string, name: string): { ok: true; path: string } | { ok: false; reason: string } {
  // One name, one entry: localPathUnder alone would take 'a/b' as two.
  const verdict = safeLocalName(name, { windows: process.platform === 'win32' });
  if (!verdict.ok) return verdict;
  try {
    return { ok: true, path: localPathUnder(dir, name) };
  } catch (error) {
    return { ok: false, reason: error instanceof HoplineError && error.detail ? error.detail : error instanceof Error ? error.message : String(error) };
  }
}

/** Makes a local folder, or accepts one that is there; a file in its place is an error. */
async function ensureLocalDir(dir: string, root?: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const st = await stat(dir);
    if (!st.isDirectory()) throw Object.assign(new Error(`${dir} exists and is not a folder`), { code: 'EEXIST' });
    // A folder that was there may be a link someone left pointing out of the chosen folder.
    if (root !== undefined) await assertStaysInside(root, dir);
  }
}

/** Reads one remote folder in READDIR pages, bounded in entries. */
async function readRemoteDir(sftp: SFTPWrapper, dir: string, maxEntries: number, signal: AbortSignal, onCut: () => void): Promise<{ filename: string; attrs: Stats }[]> {
  const handle = await sftpAsync<Buffer>((done) => sftp.opendir(dir, done));
  const entries: { filename: string; attrs: Stats }[] = [];
  try {
    for (;;) {
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('cancelled');
      const page = await new Promise<{ filename: string; attrs: Stats }[] | false>((resolve, reject) => {
        sftp.readdir(handle, (error, list) => {
          if (error && (error as { code?: unknown }).code === 1) resolve(false);
          else if (error) reject(error);
          else resolve(list);
        });
      });
      if (page === false) break;
      entries.push(...page);
      if (entries.length >= maxEntries) {
        onCut();
        break;
      }
    }
  } finally {
    try {
      sftp.close(handle, () => undefined);
    } catch {
      // Gone with its session.
    }
  }
  return entries;
}

function isDir(mode: number | undefined): boolean {
  return entryType(mode) === 'directory';
}

/**
 * The remote sources of a download, into the local folder `destination`. `rename` gives the one
 * source another name (scp's `cp host:a b`).
 */
export async function walkRemote(sftp: SFTPWrapper, sources: string[], destination: string, options: { recursive: boolean; followSymlinks: boolean; rename?: string; maxDirEntries?: number }, sink: WalkSink): Promise<void> {
  const gate = new Gate(DIR_CONCURRENCY);
  const maxEntries = options.maxDirEntries ?? MAX_DIR_ENTRIES;
  const walkDir = async (dir: string, localDir: string, relative: string, root: string, depth: number, seen: Set<string>): Promise<void> => {
    if (depth > MAX_DEPTH) {
      sink.note(`${displayName(relative)}: nested too deep, not followed`);
      return;
    }
    let entries: { filename: string; attrs: Stats }[];
    try {
      entries = await gate.run(() => readRemoteDir(sftp, dir, maxEntries, sink.signal, () => sink.note(`${displayName(relative, 300)}: more than ${maxEntries} entries, the rest not read`)));
    } catch (error) {
      sink.problem(error, dir);
      return;
    }
    const subdirs: Promise<void>[] = [];
    for (const entry of entries) {
      if (sink.signal.aborted) return;
      const name = entry.filename;
      const rel = `${relative}/${name}`;
      const child = localChild(localDir, name);
      if (!child.ok) {
        sink.note(`${displayName(rel, 300)}: refused (${child.reason})`);
        continue;
      }
      const remotePath = remoteJoin(dir, name);
      let attrs = entry.attrs;
      let type = entryType(attrs.mode);
      if (type === 'symlink') {
        let real: string;
        let written: string;
        let target: Stats;
        try {
          written = await sftpAsync<string>((done) => sftp.readlink(remotePath, done));
          real = await sftpAsync<string>((done) => sftp.realpath(remotePath, done));
          target = await sftpAsync<Stats>((done) => sftp.stat(remotePath, done));
        } catch {
          sink.note(`${displayName(rel, 300)}: a broken symlink, skipped`);
          continue;
        }
        // Inside only if both the link as written and the server's realpath say so.
        const within = inside(root, path.posix.resolve(dir, written), '/') && inside(root, real, '/');
        const targetType = entryType(target.mode);
        if (!(options.followSymlinks || (within && targetType === 'file'))) {
          sink.note(`${displayName(rel, 300)}: a symlink ${within ? 'to a folder' : 'out of the folder'}, not followed`);
          continue;
        }
        attrs = target;
        type = targetType;
        if (type === 'directory') {
          if (seen.has(real)) {
            sink.note(`${displayName(rel, 300)}: a symlink loop, not followed`);
            continue;
          }
          seen = new Set(seen).add(real);
        }
      }
      if (type === 'directory') {
        try {
          await ensureLocalDir(child.path, destination);
        } catch (error) {
          sink.problem(error, child.path);
          continue;
        }
        sink.dir({ destination: child.path, mtimeMs: (attrs.mtime ?? 0) * 1000, mode: attrs.mode ?? 0o755 });
        subdirs.push(walkDir(remotePath, child.path, rel, root, depth + 1, seen));
      } else if (type === 'file') {
        await sink.file({ source: remotePath, destination: child.path, relative: rel, size: attrs.size ?? 0, mtimeMs: (attrs.mtime ?? 0) * 1000, mode: attrs.mode ?? 0o644 });
      } else {
        sink.note(`${displayName(rel, 300)}: not a regular file, skipped`);
      }
    }
    await Promise.all(subdirs);
  };

  for (const source of sources) {
    if (sink.signal.aborted) return;
    let st: Stats;
    let real: string;
    try {
      // A source named on its own is followed, as sftp's get does.
      st = await sftpAsync<Stats>((done) => sftp.stat(source, done));
      real = await sftpAsync<string>((done) => sftp.realpath(source, done));
    } catch (error) {
      sink.problem(error, source);
      continue;
    }
    const name = options.rename ?? remoteBase(real);
    const target = localChild(destination, name);
    if (!target.ok) {
      sink.note(`${displayName(name, 300)}: refused (${target.reason})`);
      sink.problem(Object.assign(new Error(`unsafe name: ${target.reason}`), { unsafeName: name }), source);
      continue;
    }
    if (isDir(st.mode)) {
      if (!options.recursive) {
        sink.problem(Object.assign(new Error('is a folder'), { isFolder: true }), source);
        continue;
      }
      try {
        await ensureLocalDir(target.path, destination);
      } catch (error) {
        sink.problem(error, target.path);
        continue;
      }
      sink.dir({ destination: target.path, mtimeMs: (st.mtime ?? 0) * 1000, mode: st.mode ?? 0o755 });
      await walkDir(real, target.path, name, real, 0, new Set([real]));
    } else if (entryType(st.mode) === 'file') {
      await sink.file({ source, destination: target.path, relative: name, size: st.size ?? 0, mtimeMs: (st.mtime ?? 0) * 1000, mode: st.mode ?? 0o644 });
    } else {
      sink.note(`${displayName(name, 300)}: not a regular file, skipped`);
    }
  }
}

/** Makes a remote folder, or accepts one that is there. */
async function ensureRemoteDir(sftp: SFTPWrapper, dir: string): Promise<void> {
  try {
    await sftpAsync((done) => sftp.mkdir(dir, done));
  } catch (error) {
    let st: Stats;
    try {
      st = await sftpAsync<Stats>((done) => sftp.stat(dir, done));
    } catch {
      throw error;
    }
    if (!st.isDirectory()) throw error;
  }
}

/** The local sources of an upload, into the remote folder `destination`. */
export async function walkLocal(sftp: SFTPWrapper, sources: string[], destination: string, options: { recursive: boolean; followSymlinks: boolean; rename?: string }, sink: WalkSink): Promise<void> {
  const gate = new Gate(DIR_CONCURRENCY);
  const walkDir = async (dir: string, remoteDir: string, relative: string, root: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH) {
      sink.note(`${relative}: nested too deep, not followed`);
      return;
    }
    let names: string[];
    try {
      names = await gate.run(() => readdir(dir));
    } catch (error) {
      sink.problem(error, dir);
      return;
    }
    names.sort();
    const subdirs: Promise<void>[] = [];
    for (const name of names) {
      if (sink.signal.aborted) return;
      const localPath = path.join(dir, name);
      const rel = `${relative}/${name}`;
      const remotePath = remoteJoin(remoteDir, name);
      let st = await lstat(localPath).catch(() => null);
      if (!st) continue;
      if (st.isSymbolicLink()) {
        const real = await realpath(localPath).catch(() => null);
        const target = real ? await stat(real).catch(() => null) : null;
        if (!real || !target) {
          sink.note(`${rel}: a broken symlink, skipped`);
          continue;
        }
        const within = inside(root, real, path.sep);
        if (!(options.followSymlinks || (within && target.isFile()))) {
          sink.note(`${rel}: a symlink ${within ? 'to a folder' : 'out of the folder'}, not followed`);
          continue;
        }
        st = target;
      }
      if (st.isDirectory()) {
        try {
          await ensureRemoteDir(sftp, remotePath);
        } catch (error) {
          sink.problem(error, remotePath);
          continue;
        }
        sink.dir({ destination: remotePath, mtimeMs: st.mtimeMs, mode: st.mode });
        subdirs.push(walkDir(localPath, remotePath, rel, root, depth + 1));
      } else if (st.isFile()) {
        await sink.file({ source: localPath, destination: remotePath, relative: rel, size: st.size, mtimeMs: st.mtimeMs, mode: st.mode });
      } else {
        sink.note(`${rel}: not a regular file, skipped`);
      }
    }
    await Promise.all(subdirs);
  };

  for (const source of sources) {
    if (sink.signal.aborted) return;
    const st = await stat(source).catch((error: unknown) => {
      sink.problem(error, source);
      return null;
    });
    if (!st) continue;
    const name = options.rename ?? path.basename(path.resolve(source));
    const remotePath = remoteJoin(destination, name);
    if (st.isDirectory()) {
      if (!options.recursive) {
        sink.problem(Object.assign(new Error('is a folder'), { isFolder: true }), source);
        continue;
      }
      try {
        await ensureRemoteDir(sftp, remotePath);
      } catch (error) {
        sink.problem(error, remotePath);
        continue;
      }
      sink.dir({ destination: remotePath, mtimeMs: st.mtimeMs, mode: st.mode });
      const root = await realpath(source);
      await walkDir(root, remotePath, name, root, 0);
    } else if (st.isFile()) {
      await sink.file({ source, destination: remotePath, relative: name, size: st.size, mtimeMs: st.mtimeMs, mode: st.mode });
    } else {
      sink.note(`${name}: not a regular file, skipped`);
    }
  }
}
