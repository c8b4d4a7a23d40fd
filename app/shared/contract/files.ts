import type { Event } from '../model/event';
import type { ConflictChoice, ConflictPolicy, DirPage, RemoteEntry, TransferSpec, TransferStatus } from '../model/remoteFile';
import { defineService } from './service';

export type { ConflictChoice, ConflictPolicy, DirPage, RemoteEntry, RemoteEntryType, TransferConflict, TransferDirection, TransferSpec, TransferState, TransferStatus } from '../model/remoteFile';

/**
 * Files on an open circuit's target (issue 16): one SFTP session per circuit, opened on the
 * circuit's existing target connection (no new sign-in) and dropped when the circuit closes or
 * is rebuilt. Paths are remote POSIX paths, absolute or relative to the login directory.
 *
 * Directories are read in pages as READDIR answers arrive (openDir, then readDir until `done`,
 * then closeDir), so a folder of 100,000 entries shows its first rows at once. A listing is
 * bounded: an entry cap and a time limit end a server's endless READDIR, with `truncated` saying so.
 *
 * Transfers run one queue in the main process. Uploads and downloads between local paths and the
 * target (Electron and the CLI), plus web mode's browser streams: beginUpload/beginDownload hand
 * out a one-use ticket that the web server's /files/upload/<ticket> (PUT, body = the bytes) and
 * /files/download/<ticket> (GET) routes redeem, behind the same token and origin checks as the
 * WebSocket.
 *
 * Errors are typed and name the hop when a hop was lost: SFTP_UNAVAILABLE, FILE_NOT_FOUND,
 * PERMISSION_DENIED, FILE_EXISTS, UNSAFE_NAME, DISK_FULL, SFTP_FAILED, HOP_LOST, INVALID_ARGUMENT.
 */
export interface IFilesService {
  /** The login directory (the server's realpath of "."). */
  home(circuitId: string): Promise<string>;
  /** The canonical absolute form of a path (REALPATH). */
  realpath(circuitId: string, path: string): Promise<string>;
  /** One entry (LSTAT; a symlink's target is read too). */
  stat(circuitId: string, path: string): Promise<RemoteEntry>;
  /** Starts reading a directory; `path` in the answer is canonical. */
  openDir(circuitId: string, path: string): Promise<{ dirId: string; path: string }>;
  /** The next page of entries; after `done` the listing is closed by itself. */
  readDir(dirId: string): Promise<DirPage>;
  /** Stops a listing early (navigating away); unknown ids are a no-op. */
  closeDir(dirId: string): Promise<void>;
  mkdir(circuitId: string, path: string): Promise<void>;
  rename(circuitId: string, from: string, to: string): Promise<void>;
  /** Removes a file, link or empty folder; a folder with contents needs `recursive`. Answers how many entries went. */
  remove(circuitId: string, path: string, options?: { recursive?: boolean }): Promise<{ removed: number }>;
  /** Sets the permission bits (0..0o7777). */
  chmod(circuitId: string, path: string, mode: number): Promise<void>;

  /** Every transfer the queue knows (running, waiting, ended and not yet dismissed). */
  transfers(): Promise<TransferStatus[]>;
  enqueue(spec: TransferSpec): Promise<TransferStatus>;
  /** Answers a transfer that is 'asking'; `forAll` applies the choice to the rest of that transfer. */
  answerConflict(transferId: string, choice: ConflictChoice, options?: { forAll?: boolean }): Promise<void>;
  cancel(transferId: string): Promise<void>;
  /** Starts a failed or cancelled transfer again, resuming each file from what already arrived. */
  retry(transferId: string): Promise<TransferStatus>;
  /** Forgets an ended transfer. */
  dismiss(transferId: string): Promise<void>;
  /** Web mode: a transfer whose bytes the browser PUTs to `/files/upload/<ticket>`. */
  beginUpload(circuitId: string, remotePath: string, size: number, conflict?: ConflictPolicy): Promise<{ transferId: string; ticket: string }>;
  /** Web mode: a ticket for `GET /files/download/<ticket>`, which streams one remote file. */
  beginDownload(circuitId: string, remotePath: string): Promise<{ ticket: string; name: string; size: number }>;

  onDidChangeTransfer: Event<TransferStatus>;
  onDidRemoveTransfer: Event<{ transferId: string }>;
}

export const filesService = defineService<IFilesService>()({
  name: 'files',
  methods: {
    home: true,
    realpath: true,
    stat: true,
    openDir: true,
    readDir: true,
    closeDir: true,
    mkdir: true,
    rename: true,
    remove: true,
    chmod: true,
    transfers: true,
    enqueue: true,
    answerConflict: true,
    cancel: true,
    retry: true,
    dismiss: true,
    beginUpload: true,
    beginDownload: true,
  },
  events: { onDidChangeTransfer: true, onDidRemoveTransfer: true },
});

/** Paths of web mode's byte routes (the ticket follows). */
export const FILES_UPLOAD_PATH = '/files/upload/';
export const FILES_DOWNLOAD_PATH = '/files/download/';

/** The transfer half of the service, which the main side keeps in its own module (the queue). */
export type ITransferQueue = Pick<IFilesService, 'transfers' | 'enqueue' | 'answerConflict' | 'cancel' | 'retry' | 'dismiss' | 'beginUpload' | 'beginDownload' | 'onDidChangeTransfer' | 'onDidRemoveTransfer'>;
