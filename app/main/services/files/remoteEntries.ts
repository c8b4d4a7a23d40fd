/**
 * What a server's READDIR or LSTAT answer says about an entry, turned into a RemoteEntry. The
 * server's numbers are not trusted: a missing attribute becomes a neutral value, sizes are kept
 * within what a JavaScript number holds exactly, and owner and group come from the longname
 * column only when it has the shape `ls -l` gives it (as OpenSSH's sftp shows them).
 */
import type { RemoteEntry, RemoteEntryType } from '../../../shared/model/remoteFile';

/** Attributes as ssh2 hands them over: any of them may be absent (their flag not set). */
export interface RawAttrs {
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  mtime?: number;
}

/** Names longer than this are no real file system's (NAME_MAX is 255 bytes): such entries are dropped. */
export const MAX_REMOTE_NAME_LENGTH = 1024;
/** User and group names longer than this are not shown (Linux allows 32). */
const MAX_OWNER_LENGTH = 64;

const S_IFMT = 0o170000;

/** The entry type from st_mode's type bits, or from the longname's first letter when the mode is missing. */
export function entryType(mode: number | undefined, longname?: string): RemoteEntryType {
  if (mode !== undefined) {
    switch (mode & S_IFMT) {
      case 0o040000:
        return 'directory';
      case 0o100000:
        return 'file';
      case 0o120000:
        return 'symlink';
      default:
        return 'other';
    }
  }
  switch (longname?.charAt(0)) {
    case 'd':
      return 'directory';
    case '-':
      return 'file';
    case 'l':
      return 'symlink';
    default:
      return 'other';
  }
}

// "-rw-r--r--    1 alice    staff        1234 Jan  1 00:00 name": mode, links, owner, group.
const LONGNAME = /^[-a-zA-Z?][-rwxsStTl?]{9}[.+@]?\s+\d+\s+(\S+)\s+(\S+)\s/;

/** Owner and group from an `ls -l` style longname, where it has that shape. */
export function ownerGroup(longname: string | undefined): { owner?: string; group?: string } {
  const match = longname ? LONGNAME.exec(longname.slice(0, 512)) : null;
  if (!match) return {};
  const [, owner, group] = match;
  const result: { owner?: string; group?: string } = {};
  if (owner && owner.length <= MAX_OWNER_LENGTH) result.owner = owner;
  if (group && group.length <= MAX_OWNER_LENGTH) result.group = group;
  return result;
}

/** A count from the server, kept to a non-negative integer a number holds exactly. */
function count(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return 0;
  return Math.min(Math.floor(value), Number.MAX_SAFE_INTEGER);
}

function id(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : -1;
}

export function toRemoteEntry(name: string, attrs: RawAttrs | undefined, longname?: string): RemoteEntry {
  const a = attrs ?? {};
  const mode = typeof a.mode === 'number' && Number.isFinite(a.mode) ? a.mode >>> 0 : undefined;
  return {
    name,
    type: entryType(mode, longname),
    size: count(a.size),
    mtimeMs: count(a.mtime) * 1000 <= Number.MAX_SAFE_INTEGER ? count(a.mtime) * 1000 : 0,
    mode: mode ?? 0,
    uid: id(a.uid),
    gid: id(a.gid),
    ...ownerGroup(longname),
  };
}

/**
 * Why a listed name is dropped, if it is: a '/' or NUL cannot be a name in one folder (a server
 * sending one is broken or hostile), '.' and '..' are the folder and its parent, not entries.
 */
export function unusableName(name: string): boolean {
  return name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0') || name.length > MAX_REMOTE_NAME_LENGTH;
}

/** The last part of a remote path ("/a/b/" → "b", "/" → "/"). */
export function baseName(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') return path.startsWith('/') ? '/' : path;
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** A child's path under a remote folder (POSIX, whatever this computer is). */
export function childPath(dir: string, name: string): string {
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}
