/**
 * Files on a circuit's target (issue 16): what an SFTP listing says about an entry, and what the
 * transfer queue says about a transfer. One model for the main-side files service, the renderer's
 * files view and `hopline cp`.
 *
 * Remote names are untrusted input from the server: `name` is the raw name (what is sent back to
 * the server for operations), and the UI shows it only through displayName() of remoteNames.ts,
 * which escapes control and bidi characters.
 */
import type { WireError } from './errors';

export type RemoteEntryType = 'file' | 'directory' | 'symlink' | 'other';

export interface RemoteEntry {
  /** The raw name as the server sent it (never containing '/' or NUL: such entries are dropped and counted). */
  name: string;
  type: RemoteEntryType;
  /** Bytes, as the server claims (never trusted for how much to read). */
  size: number;
  /** Modification time, ms since the epoch (SFTP v3 has whole seconds). */
  mtimeMs: number;
  /** Permission and type bits (st_mode). */
  mode: number;
  uid: number;
  gid: number;
  /** User and group names, read from the longname column as OpenSSH's sftp `ls -l` does, where given. */
  owner?: string;
  group?: string;
  /** For a symlink: where it points (READLINK), when that was asked for and answered. */
  linkTarget?: string;
  /** For a symlink: the type of what it points to, when known (a link to a directory opens as one). */
  targetType?: RemoteEntryType;
}

/** One page of a directory being read: pages arrive as READDIR answers do. */
export interface DirPage {
  entries: RemoteEntry[];
  /** No more pages: the server said end-of-directory, or a bound was reached (see `truncated`). */
  done: boolean;
  /** Set on the last page when the listing was cut short: the entry cap or the time bound was reached. */
  truncated?: string;
  /** Entries the server sent that were dropped as unusable (a '/' or NUL in the name, '.' and '..'). */
  dropped?: number;
}

export type ConflictChoice = 'overwrite' | 'skip' | 'rename' | 'resume';
/** What to do when the destination exists: ask the user, or one choice for every file of the transfer. */
export type ConflictPolicy = 'ask' | ConflictChoice;

export type TransferDirection = 'upload' | 'download';
export type TransferState = 'queued' | 'running' | 'asking' | 'done' | 'failed' | 'cancelled';

export interface TransferSpec {
  circuitId: string;
  direction: TransferDirection;
  /** Upload: local files or folders to send. Download: remote files or folders to fetch. */
  sources: string[];
  /** Upload: the remote folder to put them in. Download: the local folder to put them in. */
  destination: string;
  /** Folders go recursively (a folder source without it is refused, as scp does without -r). */
  recursive?: boolean;
  conflict?: ConflictPolicy;
  /** Keep modification times and permission bits (scp -p). */
  preserve?: boolean;
  /** Follow symlinks that point out of a folder being downloaded (default: such links are skipped and reported). */
  followSymlinks?: boolean;
}

export interface TransferConflict {
  /** The destination path that exists. */
  path: string;
  existingSize: number;
  incomingSize: number;
  /** True when the existing file is a shorter prefix candidate (a `.part` or smaller file): resume is offered. */
  canResume: boolean;
}

export interface TransferStatus {
  transferId: string;
  circuitId: string;
  direction: TransferDirection;
  /** What the queue shows as the transfer's name: the first source's base name, "+ N more" when several. */
  label: string;
  state: TransferState;
  /** Totals grow while folders are walked; `scanning` is true until the walk is done. */
  scanning: boolean;
  bytesDone: number;
  bytesTotal: number;
  filesDone: number;
  filesTotal: number;
  filesSkipped: number;
  /** The file being sent now, relative to the transfer's root, with its own progress. */
  currentFile?: { path: string; bytesDone: number; bytesTotal: number };
  /** Bytes per second over the last few seconds, and the estimated seconds left; absent until measured. */
  rateBytesPerSecond?: number;
  etaSeconds?: number;
  /** When state is 'asking': the file that exists at the destination. */
  conflict?: TransferConflict;
  /** When failed: what went wrong, naming the hop when a hop was lost. Retry resumes from the last whole byte. */
  error?: WireError;
  /** Non-fatal notes: names refused as unsafe, symlinks skipped, files skipped as existing. */
  notes: string[];
  startedAt: number;
  endedAt?: number;
}
