/**
 * The transfer queue (issue 16): every upload and download of the app (and of `hopline cp`) in
 * one place in the main process, so the files view, the CLI and web mode see the same progress.
 *
 * - A few transfers run at once (MAX_RUNNING); the rest wait 'queued'. Within a transfer, the
 *   tree is walked while its files are sent, a few files at a time (small files are round-trip
 *   bound; big ones are pipelined on their own, see sftpPipe.ts).
 * - Progress is an onDidChangeTransfer event at most every PROGRESS_MS per transfer, and at once
 *   on every change of state.
 * - Downloads land in `<name>.part` and are renamed when whole. Uploads are written in place
 *   (as sftp's put), and the queue remembers how far the server acknowledged.
 * - retry() walks again: files that finished are not sent again, a file cut short resumes from
 *   its `.part` (download) or from the acknowledged offset (upload). So after a lost hop and a
 *   repaired circuit, Retry continues where the bytes stopped.
 * - Errors: a lost hop is HOP_LOST naming the hop (the session's lostError), a full local disk
 *   DISK_FULL with the `.part` kept; other per-file failures are noted and the transfer ends
 *   failed with the first of them once the rest is sent.
 * - Web mode: beginUpload/beginDownload hand out one-use tickets, valid for TICKET_TTL_MS, that
 *   the web server's byte routes redeem (redeemUpload/redeemDownload).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, open, rename, stat, utimes, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { SFTPWrapper, Stats } from 'ssh2';
import type { ITransferQueue } from '../../../shared/contract/files';
import { ErrorCode, HoplineError } from '../../../shared/model/errors';
import { Emitter } from '../../../shared/model/event';
import type { ConflictChoice, ConflictPolicy, TransferConflict, TransferSpec, TransferStatus } from '../../../shared/model/remoteFile';
import { displayName } from '../../../shared/model/remoteNames';
import { sftpError, shownPath, SFTP_STATUS, sftpStatus } from './sftpErrors';
import { closeQuietly, DEFAULT_TUNING, fileSource, pipeDownload, pipeUpload, sftpAsync, streamSource, type PipeTuning } from './sftpPipe';
import type { SftpSessions } from './sftpSessions';
import { numberedName, TransferRate } from './transferRate';
import { remoteBase, walkLocal, walkRemote, type DirTask, type FileTask } from './transferWalk';

export interface TransferQueueOptions {
  sessions: Pick<SftpSessions, 'get' | 'lostError' | 'isOpen' | 'targetHop'>;
  /** Transfers running at once (default 3). */
  maxRunning?: number;
  /** Files of one transfer sent at once (default 6). */
  filesAtOnce?: number;
  /** Requests outstanding per file and bytes per request. */
  tuning?: PipeTuning;
  /** Least time between two progress events of one transfer (default 250 ms). */
  progressMs?: number;
  /** How long a web ticket may wait to be redeemed (default 60 s). */
  ticketTtlMs?: number;
}

/** Notes kept per transfer (the first ones; a count says how many more). */
const MAX_NOTES = 200;
/** A file above this is "big": at most BIG_AT_ONCE of them run at once in a transfer. */
const BIG_FILE = 4 * 1024 * 1024;
const BIG_AT_ONCE = 2;
/** How long a lost session waits for the engine to name the hop that died. */
const LOSS_SETTLE_MS = 2000;

class Cancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

interface Job {
  status: TransferStatus;
  spec: TransferSpec;
  /** scp's `cp a host:b`: the single source's name at the destination. */
  rename?: string;
  abort: AbortController | null;
  running: Promise<void> | null;
  /** The pending answer to a conflict, while 'asking'. */
  answer: ((choice: ConflictChoice) => void) | null;
  /** A choice given "for all" (or the spec's policy when it is not 'ask'). */
  forAll: ConflictChoice | null;
  /** Destinations finished in an earlier run (retry sends them no more). */
  completed: Set<string>;
  /** Destinations begun and not finished: download → true (its .part), upload → acknowledged offset. */
  partial: Map<string, number>;
  /** Destinations the person already answered for (a retry does not ask twice). */
  answered: Map<string, ConflictChoice>;
  rate: TransferRate;
  lastEmit: number;
  emitTimer: NodeJS.Timeout | null;
  notesLeftOff: number;
  /** Web mode uploads have no local source to retry from. */
  web?: boolean;
}

interface UploadTicket {
  kind: 'upload';
  transferId: string;
  remotePath: string;
  offset: number;
  /**
   * The file exists and the policy is 'ask' or 'skip': decided when the bytes arrive, so the
   * question is asked in the queue like any other transfer's (the browser's PUT waits meanwhile).
   */
  existing?: { size: number; policy: 'ask' | 'skip' };
  expires: NodeJS.Timeout;
}
interface DownloadTicket {
  kind: 'download';
  circuitId: string;
  remotePath: string;
  name: string;
  size: number;
  expires: NodeJS.Timeout;
}

/** What the web server's download route streams. */
export interface DownloadStream {
  name: string;
  size: number;
  /** Writes the file's bytes to `write` (which resolves when the socket can take more) until EOF. */
  pipe(write: (chunk: Buffer) => Promise<void>, signal: AbortSignal): Promise<number>;
}

/** The part of the queue the web server's byte routes use. */
export interface FileTicketRedeemer {
  redeemUpload(ticket: string, body: AsyncIterable<Buffer | string>, signal: AbortSignal): Promise<TransferStatus>;
  redeemDownload(ticket: string): DownloadStream;
}

function localErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export class TransferQueue implements ITransferQueue, FileTicketRedeemer {
  private readonly changed = new Emitter<TransferStatus>();
  private readonly removed = new Emitter<{ transferId: string }>();
  readonly onDidChangeTransfer = this.changed.event;
  readonly onDidRemoveTransfer = this.removed.event;

  private readonly jobs = new Map<string, Job>();
  private readonly order: string[] = [];
  private readonly tickets = new Map<string, UploadTicket | DownloadTicket>();
  private disposed = false;
  private readonly tuning: PipeTuning;

  constructor(readonly options: TransferQueueOptions) {
    this.tuning = options.tuning ?? DEFAULT_TUNING;
  }

  private get sessions(): TransferQueueOptions['sessions'] {
    return this.options.sessions;
  }

  async transfers(): Promise<TransferStatus[]> {
    return this.order.map((id) => structuredClone(this.jobs.get(id)!.status));
  }

  /** Queues a transfer. `options.rename` is the CLI's `cp SRC host:NEWNAME` (one source only). */
  async enqueue(spec: TransferSpec, options: { rename?: string } = {}): Promise<TransferStatus> {
    if (this.disposed) throw new HoplineError(ErrorCode.INVALID_ARGUMENT, 'The transfer queue is closed');
    if (spec.sources.length === 0) throw new HoplineError(ErrorCode.INVALID_ARGUMENT, 'A transfer needs at least one source');
    if (options.rename !== undefined && spec.sources.length !== 1) throw new HoplineError(ErrorCode.INVALID_ARGUMENT, 'A new name is for a single source');
    const job = this.newJob(spec, options.rename);
    this.schedule();
    return structuredClone(job.status);
  }

  private newJob(spec: TransferSpec, rename?: string, web = false): Job {
    const first = spec.direction === 'upload' && !web ? path.basename(path.resolve(spec.sources[0]!)) : remoteBase(spec.sources[0]!);
    const label = displayName(rename ?? first, 200) + (spec.sources.length > 1 ? ` + ${spec.sources.length - 1} more` : '');
    const status: TransferStatus = {
      transferId: randomUUID(),
      circuitId: spec.circuitId,
      direction: spec.direction,
      label,
      state: 'queued',
      scanning: true,
      bytesDone: 0,
      bytesTotal: 0,
      filesDone: 0,
      filesTotal: 0,
      filesSkipped: 0,
      notes: [],
      startedAt: Date.now(),
    };
    const policy = spec.conflict ?? 'ask';
    const job: Job = {
      status,
      spec,
      ...(rename !== undefined ? { rename } : {}),
      abort: null,
      running: null,
      answer: null,
      forAll: policy === 'ask' ? null : policy,
      completed: new Set(),
      partial: new Map(),
      answered: new Map(),
      rate: new TransferRate(),
      lastEmit: 0,
      emitTimer: null,
      notesLeftOff: 0,
      ...(web ? { web } : {}),
    };
    this.jobs.set(status.transferId, job);
    this.order.push(status.transferId);
    this.emit(job, true);
    return job;
  }

  private job(transferId: string): Job {
    const job = this.jobs.get(transferId);
    if (!job) throw new HoplineError(ErrorCode.INVALID_ARGUMENT, 'No such transfer');
    return job;
  }

  async answerConflict(transferId: string, choice: ConflictChoice, options: { forAll?: boolean } = {}): Promise<void> {
    const job = this.job(transferId);
    if (job.status.state !== 'asking' || !job.answer) throw new HoplineError(ErrorCode.INVALID_ARGUMENT, 'That transfer is not asking about a conflict');
    if (choice === 'resume' && !job.status.conflict?.canResume) throw new HoplineError(ErrorCode.INVALID_ARGUMENT, 'That file cannot be resumed: it is not shorter than what is being sent');
    if (options.forAll) job.forAll = choice;
    const answer = job.answer;
    job.answer = null;
    answer(choice);
  }

  async cancel(transferId: string): Promise<void> {
    const job = this.job(transferId);
    const { state } = job.status;
    if (state === 'done' || state === 'failed' || state === 'cancelled') return;
    for (const [ticket, entry] of this.tickets) {
      if (entry.kind === 'upload' && entry.transferId === transferId) this.dropTicket(ticket);
    }
    if (job.abort) job.abort.abort(new Cancelled());
    else this.finish(job, 'cancelled');
  }

  async retry(transferId: string): Promise<TransferStatus> {
    const job = this.job(transferId);
    const { state } = job.status;
    if (state !== 'failed' && state !== 'cancelled') throw new HoplineError(ErrorCode.INVALID_ARGUMENT, 'Only a failed or cancelled transfer can be retried');
    if (job.web) throw new HoplineError(ErrorCode.INVALID_ARGUMENT, 'A browser upload cannot be retried from here: drop the file again (it resumes when you choose Resume)');
    job.status.state = 'queued';
    delete job.status.error;
    delete job.status.endedAt;
    this.emit(job, true);
    this.schedule();
    return structuredClone(job.status);
  }

  async dismiss(transferId: string): Promise<void> {
    const job = this.jobs.get(transferId);
    if (!job) return;
    const { state } = job.status;
    if (state !== 'done' && state !== 'failed' && state !== 'cancelled') throw new HoplineError(ErrorCode.INVALID_ARGUMENT, 'Cancel the transfer before dismissing it');
    this.forget(job);
  }

  private forget(job: Job): void {
    if (job.emitTimer) clearTimeout(job.emitTimer);
    this.jobs.delete(job.status.transferId);
    this.order.splice(this.order.indexOf(job.status.transferId), 1);
    this.removed.fire({ transferId: job.status.transferId });
  }

  // ---- web mode tickets ----

  private newTicket(entry: Omit<UploadTicket, 'expires'> | Omit<DownloadTicket, 'expires'>): string {
    const ticket = randomBytes(24).toString('base64url');
    const expires = setTimeout(() => {
      this.tickets.delete(ticket);
      if (entry.kind === 'upload') {
        const job = this.jobs.get(entry.transferId);
        if (job && job.status.state === 'queued') {
          job.status.error = new HoplineError(ErrorCode.INVALID_ARGUMENT, 'The browser did not send the file in time').toWire();
          this.finish(job, 'failed');
        }
      }
    }, this.options.ticketTtlMs ?? 60_000);
    expires.unref();
    this.tickets.set(ticket, { ...entry, expires } as UploadTicket | DownloadTicket);
    return ticket;
  }

  private dropTicket(ticket: string): void {
    const entry = this.tickets.get(ticket);
    if (!entry) return;
    clearTimeout(entry.expires);
    this.tickets.delete(ticket);
  }

  private takeTicket<K extends 'upload' | 'download'>(ticket: string, kind: K): Extract<UploadTicket | DownloadTicket, { kind: K }> {
    const entry = this.tickets.get(ticket);
    // One use: whatever happens next, the ticket is spent.
    this.dropTicket(ticket);
    if (!entry || entry.kind !== kind) throw new HoplineError(ErrorCode.INVALID_ARGUMENT, 'Unknown or used ticket');
    return entry as Extract<UploadTicket | DownloadTicket, { kind: K }>;
  }

  async beginUpload(circuitId: string, remotePath: string, size: number, conflict: ConflictPolicy = 'ask'): Promise<{ transferId: string; ticket: string }> {
    const sftp = await this.sftp(circuitId);
    let target = remotePath;
    let offset = 0;
    let later: UploadTicket['existing'];
    const existing = await sftpAsync<Stats>((done) => sftp.stat(remotePath, done)).catch(() => null);
    if (existing) {
      if (existing.isDirectory()) throw new HoplineError(ErrorCode.FILE_EXISTS, `${shownPath(remotePath)} is a folder on ${this.hopWords(circuitId)}`, this.sessions.targetHop(circuitId));
      if (conflict === 'ask' || conflict === 'skip') later = { size: existing.size ?? 0, policy: conflict };
      if (conflict === 'rename') target = await this.freeRemoteName(sftp, remotePath);
      if (conflict === 'resume') offset = Math.min(existing.size ?? 0, size);
    }
    const dir = target.slice(0, target.lastIndexOf('/')) || '/';
    const job = this.newJob({ circuitId, direction: 'upload', sources: [remoteBase(target)], destination: dir, conflict: later ? 'ask' : 'overwrite' }, undefined, true);
    job.status.scanning = false;
    job.status.bytesTotal = size;
    job.status.filesTotal = 1;
    this.emit(job, true);
    const ticket = this.newTicket({ kind: 'upload', transferId: job.status.transferId, remotePath: target, offset, ...(later ? { existing: later } : {}) });
    return { transferId: job.status.transferId, ticket };
  }

  async redeemUpload(ticket: string, body: AsyncIterable<Buffer | string>, signal: AbortSignal): Promise<TransferStatus> {
    const entry = this.takeTicket(ticket, 'upload');
    const job = this.job(entry.transferId);
    if (job.status.state !== 'queued') throw new HoplineError(ErrorCode.INVALID_ARGUMENT, 'That upload is no longer waiting for its bytes');
    const abort = new AbortController();
    const onAbort = (): void => abort.abort(new Cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    job.abort = abort;
    job.status.state = 'running';
    job.rate.reset();
    this.emit(job, true);
    try {
      const sftp = await this.sftp(job.spec.circuitId);
      const decided = await this.decideWebUpload(job, entry, sftp, abort.signal);
      if (decided === 'skip') {
        // The browser is sending already: take its bytes and drop them, so its request ends cleanly.
        for await (const chunk of body) void chunk;
        job.status.filesSkipped = 1;
        job.status.bytesTotal = 0;
        this.note(job, `${displayName(remoteBase(entry.remotePath), 300)}: exists, skipped`);
        this.finish(job, 'done');
        return structuredClone(job.status);
      }
      const source = streamSource(body);
      // Resume: what the server has is not sent again; the browser's first bytes are dropped.
      let skip = entry.offset;
      while (skip > 0) {
        const dropped = await source.read(Math.min(skip, 1024 * 1024));
        if (dropped.length === 0) break;
        skip -= dropped.length;
      }
      job.status.bytesDone = entry.offset - skip;
      job.status.currentFile = { path: remoteBase(entry.remotePath), bytesDone: job.status.bytesDone, bytesTotal: job.status.bytesTotal };
      const handle = await sftpAsync<Buffer>((done) => sftp.open(entry.remotePath, entry.offset > 0 ? 'r+' : 'w', done)).catch((error: unknown) => {
        throw this.remoteError(job, error, entry.remotePath, 'create');
      });
      try {
        await pipeUpload(sftp, handle, source, entry.offset - skip, this.tuning, { signal: abort.signal, onBytes: (n) => this.progress(job, n) });
        await sftpAsync((done) => sftp.close(handle, done));
      } catch (error) {
        closeQuietly(sftp, handle);
        throw error;
      }
      job.status.filesDone = 1;
      this.finish(job, 'done');
    } catch (error) {
      await this.endWith(job, error);
    } finally {
      signal.removeEventListener('abort', onAbort);
      job.abort = null;
    }
    return structuredClone(job.status);
  }

  /**
   * A web upload onto a file that exists, under 'ask' or 'skip': the queue's own question (with
   * its Overwrite / Skip / Rename / Resume), then the ticket's path and offset follow the answer.
   */
  private async decideWebUpload(job: Job, entry: UploadTicket, sftp: SFTPWrapper, signal: AbortSignal): Promise<'skip' | 'send'> {
    if (!entry.existing) return 'send';
    const incomingSize = job.status.bytesTotal;
    const conflict: TransferConflict = { path: entry.remotePath, existingSize: entry.existing.size, incomingSize, canResume: entry.existing.size < incomingSize };
    const choice = entry.existing.policy === 'skip' ? 'skip' : await this.choose(job, conflict, signal);
    if (choice === 'skip') return 'skip';
    if (choice === 'rename') entry.remotePath = await this.freeRemoteName(sftp, entry.remotePath);
    entry.offset = choice === 'resume' ? Math.min(entry.existing.size, incomingSize) : 0;
    return 'send';
  }

  async beginDownload(circuitId: string, remotePath: string): Promise<{ ticket: string; name: string; size: number }> {
    const sftp = await this.sftp(circuitId);
    const st = await sftpAsync<Stats>((done) => sftp.stat(remotePath, done)).catch((error: unknown) => {
      throw sftpError(error, remotePath, this.errorContext(circuitId), 'read');
    });
    if (!st.isFile()) throw new HoplineError(ErrorCode.INVALID_ARGUMENT, `${shownPath(remotePath)} is not a file: download a folder into a chosen folder instead`);
    const name = remoteBase(remotePath);
    const size = st.size ?? 0;
    const ticket = this.newTicket({ kind: 'download', circuitId, remotePath, name, size });
    return { ticket, name, size };
  }

  redeemDownload(ticket: string): DownloadStream {
    const entry = this.takeTicket(ticket, 'download');
    return {
      name: entry.name,
      size: entry.size,
      pipe: async (write, signal) => {
        const sftp = await this.sftp(entry.circuitId);
        const handle = await sftpAsync<Buffer>((done) => sftp.open(entry.remotePath, 'r', done)).catch((error: unknown) => {
          throw sftpError(error, entry.remotePath, this.errorContext(entry.circuitId), 'read');
        });
        // The response socket takes the bytes in order: a sink that ignores positions.
        const sink = {
          writev: async (buffers: Buffer[]) => {
            let bytesWritten = 0;
            for (const b of buffers) {
              await write(b);
              bytesWritten += b.length;
            }
            return { bytesWritten, buffers };
          },
        } as unknown as FileHandle;
        try {
          return await pipeDownload(sftp, handle, sink, 0, entry.size, this.tuning, { signal, onBytes: () => undefined });
        } catch (error) {
          throw error instanceof Error && signal.aborted ? error : sftpError(error, entry.remotePath, this.errorContext(entry.circuitId), 'read');
        } finally {
          closeQuietly(sftp, handle);
        }
      },
    };
  }

  // ---- running ----

  private schedule(): void {
    if (this.disposed) return;
    const max = this.options.maxRunning ?? 3;
    let running = [...this.jobs.values()].filter((j) => j.running).length;
    for (const id of this.order) {
      if (running >= max) return;
      const job = this.jobs.get(id)!;
      if (job.status.state !== 'queued' || job.running || job.web) continue;
      running++;
      job.running = this.run(job).finally(() => {
        job.running = null;
        this.schedule();
      });
    }
  }

  private async sftp(circuitId: string): Promise<SFTPWrapper> {
    if (!this.sessions.isOpen(circuitId)) throw this.sessions.lostError(circuitId);
    try {
      return await this.sessions.get(circuitId);
    } catch (error) {
      if (error instanceof HoplineError && error.code === ErrorCode.SFTP_UNAVAILABLE) throw error;
      if (!this.sessions.isOpen(circuitId)) throw this.sessions.lostError(circuitId, error);
      throw error;
    }
  }

  private hopWords(circuitId: string): string {
    const hop = this.sessions.targetHop(circuitId);
    return `hop ${hop.index + 1} (${hop.name})`;
  }

  private errorContext(circuitId: string): { hop: ReturnType<SftpSessions['targetHop']>; lost: (cause: unknown) => HoplineError } {
    return { hop: this.sessions.targetHop(circuitId), lost: (cause) => this.sessions.lostError(circuitId, cause) };
  }

  /** A remote failure: lost if the circuit is no longer open, else the SFTP status said as a typed error. */
  private remoteError(job: Job, error: unknown, remotePath: string, action: string): HoplineError {
    if (error instanceof HoplineError) return error;
    if (!this.sessions.isOpen(job.spec.circuitId)) return this.sessions.lostError(job.spec.circuitId, error);
    return sftpError(error, remotePath, this.errorContext(job.spec.circuitId), action);
  }

  /** A local failure, typed: a full disk keeps the .part; the rest name the path. */
  private localError(error: unknown, localPath: string, action: string): HoplineError {
    if (error instanceof HoplineError) return error;
    const code = localErrorCode(error);
    const detail = error instanceof Error ? error.message : String(error);
    switch (code) {
      case 'ENOSPC':
      case 'EDQUOT':
        return new HoplineError(ErrorCode.DISK_FULL, `The disk is full writing ${localPath}: the partial file was kept, and Retry resumes it`, undefined, detail);
      case 'ENOENT':
        return new HoplineError(ErrorCode.FILE_NOT_FOUND, `${localPath} does not exist on this computer`, undefined, detail);
      case 'EACCES':
      case 'EPERM':
      case 'EROFS':
        return new HoplineError(ErrorCode.PERMISSION_DENIED, `This computer denied permission to ${action} ${localPath}`, undefined, detail);
      default:
        return new HoplineError(ErrorCode.SFTP_FAILED, `Could not ${action} ${localPath} on this computer`, undefined, detail);
    }
  }

  private async run(job: Job): Promise<void> {
    const abort = new AbortController();
    job.abort = abort;
    const { status, spec } = job;
    status.state = 'running';
    status.scanning = true;
    status.bytesDone = 0;
    status.bytesTotal = 0;
    status.filesDone = 0;
    status.filesTotal = 0;
    status.filesSkipped = 0;
    status.notes = [];
    job.notesLeftOff = 0;
    delete status.currentFile;
    delete status.rateBytesPerSecond;
    delete status.etaSeconds;
    job.rate.reset();
    this.emit(job, true);

    /** The first per-file failure: the transfer carries on, then ends failed with it. */
    let firstError: HoplineError | null = null;
    /** A failure that ends the transfer at once (a lost hop, a full disk, a cancel). */
    let fatal: unknown = null;
    const stopAll = (error: unknown): void => {
      if (fatal === null) fatal = error;
      if (!abort.signal.aborted) abort.abort(error);
    };
    const dirs: DirTask[] = [];
    const tasks: FileTask[] = [];
    let walkDone = false;
    /** Workers waiting for a task (or for the walk's end): every one is woken to look again. */
    let waiting: (() => void)[] = [];
    const poke = (): void => {
      const woken = waiting;
      waiting = [];
      for (const wake of woken) wake();
    };
    abort.signal.addEventListener('abort', poke, { once: true });
    let bigRunning = 0;

    try {
      const sftp = await this.sftp(spec.circuitId);
      const sink = {
        signal: abort.signal,
        file: (task: FileTask): void => {
          tasks.push(task);
          status.filesTotal++;
          status.bytesTotal += task.size;
          this.emit(job);
          poke();
        },
        dir: (task: DirTask): void => {
          dirs.push(task);
        },
        note: (text: string): void => this.note(job, text),
        problem: (error: unknown, where: string): void => {
          const typed = this.walkError(job, error, where);
          if (this.isFatal(typed)) return stopAll(typed);
          // Typed messages name the path already.
          this.note(job, typed.code === ErrorCode.INVALID_ARGUMENT ? `${displayName(where, 300)}: ${typed.message}` : typed.message);
          firstError ??= typed;
        },
      };
      const walkOptions = { recursive: spec.recursive === true, followSymlinks: spec.followSymlinks === true, ...(job.rename !== undefined ? { rename: job.rename } : {}) };
      const walking = (spec.direction === 'download' ? walkRemote(sftp, spec.sources, spec.destination, walkOptions, sink) : walkLocal(sftp, spec.sources, spec.destination, walkOptions, sink))
        .catch((error: unknown) => sink.problem(error, spec.sources[0]!))
        .finally(() => {
          walkDone = true;
          status.scanning = false;
          this.emit(job, true);
          poke();
        });

      const nextTask = async (): Promise<FileTask | null> => {
        for (;;) {
          if (abort.signal.aborted) return null;
          // Big files wait while BIG_AT_ONCE of them run; small ones go past them.
          const index = tasks.findIndex((t) => t.size < BIG_FILE || bigRunning < BIG_AT_ONCE);
          if (index >= 0) return tasks.splice(index, 1)[0]!;
          if (walkDone && tasks.length === 0) return null;
          await new Promise<void>((resolve) => waiting.push(resolve));
        }
      };
      const worker = async (): Promise<void> => {
        for (let task = await nextTask(); task; task = await nextTask()) {
          const big = task.size >= BIG_FILE;
          if (big) bigRunning++;
          try {
            await (spec.direction === 'download' ? this.downloadOne(job, sftp, task, abort.signal) : this.uploadOne(job, sftp, task, abort.signal));
          } catch (error) {
            if (abort.signal.aborted) break;
            const typed = this.fileError(job, error, task);
            if (this.isFatal(typed) || !(typed instanceof HoplineError)) stopAll(typed);
            else {
              this.note(job, `${displayName(task.relative, 300)}: ${typed.message}`);
              firstError ??= typed;
            }
          } finally {
            if (big) bigRunning--;
            poke();
          }
        }
        poke();
      };
      const workers = Array.from({ length: this.options.filesAtOnce ?? 6 }, () => worker());
      await Promise.all([walking, ...workers]);
      if (fatal === null && abort.signal.aborted) fatal = abort.signal.reason;
      if (fatal !== null) throw fatal;
      if (spec.preserve) await this.preserveDirs(job, sftp, dirs);
      if (firstError) throw firstError;
      delete status.currentFile;
      this.finish(job, 'done');
    } catch (error) {
      await this.endWith(job, error);
    } finally {
      job.abort = null;
      job.answer = null;
    }
  }

  private async endWith(job: Job, error: unknown): Promise<void> {
    if (error instanceof Cancelled) {
      this.finish(job, 'cancelled');
      return;
    }
    const circuitId = job.spec.circuitId;
    let typed = error instanceof HoplineError ? error : !this.sessions.isOpen(circuitId) ? this.sessions.lostError(circuitId, error) : new HoplineError(ErrorCode.SFTP_FAILED, error instanceof Error ? error.message : String(error));
    if (typed.code === ErrorCode.HOP_LOST) {
      // The session dies with the target's connection a moment before the engine says which hop
      // went (hops beyond a dead one die first): wait for the circuit to leave 'open', then name it.
      const deadline = Date.now() + LOSS_SETTLE_MS;
      while (this.sessions.isOpen(circuitId) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      if (!this.sessions.isOpen(circuitId)) typed = this.sessions.lostError(circuitId, typed.detail ?? error);
    }
    job.status.error = typed.toWire();
    this.finish(job, 'failed');
  }

  private isFatal(error: HoplineError | Cancelled): boolean {
    return error instanceof Cancelled || error.code === ErrorCode.HOP_LOST || error.code === ErrorCode.DISK_FULL || error.code === ErrorCode.SFTP_UNAVAILABLE;
  }

  private walkError(job: Job, error: unknown, where: string): HoplineError {
    const flagged = error as { isFolder?: boolean; unsafeName?: string };
    if (flagged?.isFolder) return new HoplineError(ErrorCode.INVALID_ARGUMENT, 'is a folder: send folders recursively');
    if (flagged?.unsafeName !== undefined) return new HoplineError(ErrorCode.UNSAFE_NAME, `Refused the name ${displayName(flagged.unsafeName, 300)}: ${error instanceof Error ? error.message : ''}`);
    if (typeof localErrorCode(error) === 'string') return this.localError(error, where, 'read');
    return this.remoteError(job, error, where, 'read');
  }

  private fileError(job: Job, error: unknown, task: FileTask): HoplineError | Cancelled {
    if (error instanceof Cancelled || error instanceof HoplineError) return error;
    if (typeof localErrorCode(error) === 'string') return this.localError(error, job.spec.direction === 'download' ? task.destination : task.source, job.spec.direction === 'download' ? 'write' : 'read');
    return this.remoteError(job, error, job.spec.direction === 'download' ? task.source : task.destination, job.spec.direction === 'download' ? 'read' : 'write');
  }

  // ---- conflicts ----

  private asking: Promise<void> = Promise.resolve();

  /** What to do with a destination that exists: the policy, an earlier answer, or the person's. */
  private async choose(job: Job, conflict: TransferConflict, signal: AbortSignal): Promise<ConflictChoice> {
    const earlier = job.answered.get(conflict.path);
    if (earlier) return earlier;
    // One question at a time per queue: files of a transfer wait their turn to ask.
    const turn = this.asking.then(async () => {
      if (job.forAll) return job.forAll;
      if (signal.aborted) throw signal.reason;
      job.status.state = 'asking';
      job.status.conflict = conflict;
      this.emit(job, true);
      const choice = await new Promise<ConflictChoice>((resolve, reject) => {
        job.answer = resolve;
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
      delete job.status.conflict;
      job.status.state = 'running';
      this.emit(job, true);
      return choice;
    });
    this.asking = turn.then(
      () => undefined,
      () => undefined,
    );
    let choice = await turn;
    if (choice === 'resume' && !conflict.canResume) choice = 'overwrite';
    job.answered.set(conflict.path, choice);
    return choice;
  }

  private skip(job: Job, task: FileTask, why: string): void {
    job.status.filesSkipped++;
    job.status.bytesTotal -= task.size;
    this.note(job, `${displayName(task.relative, 300)}: ${why}`);
    this.emit(job);
  }

  private async freeLocalName(file: string): Promise<string> {
    const dir = path.dirname(file);
    const base = path.basename(file);
    for (let n = 1; n < 10_000; n++) {
      const candidate = path.join(dir, numberedName(base, n));
      const taken = await stat(candidate).then(
        () => true,
        () => false,
      );
      const partTaken = await stat(`${candidate}.part`).then(
        () => true,
        () => false,
      );
      if (!taken && !partTaken) return candidate;
    }
    throw new HoplineError(ErrorCode.FILE_EXISTS, `No free name beside ${file}`);
  }

  private async freeRemoteName(sftp: SFTPWrapper, file: string): Promise<string> {
    const slash = file.lastIndexOf('/');
    const dir = file.slice(0, slash + 1);
    const base = file.slice(slash + 1);
    for (let n = 1; n < 10_000; n++) {
      const candidate = dir + numberedName(base, n);
      const taken = await sftpAsync<Stats>((done) => sftp.lstat(candidate, done)).then(
        () => true,
        () => false,
      );
      if (!taken) return candidate;
    }
    throw new HoplineError(ErrorCode.FILE_EXISTS, `No free name beside ${shownPath(file)}`);
  }

  // ---- one file ----

  private startFile(job: Job, relative: string, bytesDone: number, bytesTotal: number): { path: string; bytesDone: number; bytesTotal: number } {
    const current = { path: displayName(relative, 300), bytesDone, bytesTotal };
    job.status.currentFile = current;
    this.emit(job);
    return current;
  }

  private fileDone(job: Job, destination: string): void {
    job.completed.add(destination);
    job.partial.delete(destination);
    job.status.filesDone++;
    this.emit(job);
  }

  private async downloadOne(job: Job, sftp: SFTPWrapper, task: FileTask, signal: AbortSignal): Promise<void> {
    let final = task.destination;
    if (job.completed.has(final)) {
      job.status.bytesDone += task.size;
      job.status.filesDone++;
      return;
    }
    const partSize = async (file: string): Promise<number | null> =>
      stat(`${file}.part`).then(
        (s) => s.size,
        () => null,
      );
    let offset = 0;
    const ours = job.partial.has(final);
    const existing = await stat(final).catch(() => null);
    if (ours) {
      offset = (await partSize(final)) ?? 0;
    } else if (existing) {
      const conflict: TransferConflict = { path: final, existingSize: existing.size, incomingSize: task.size, canResume: existing.isFile() && existing.size < task.size };
      const choice = await this.choose(job, conflict, signal);
      if (choice === 'skip') return this.skip(job, task, 'exists, skipped');
      if (choice === 'rename') final = await this.freeLocalName(final);
      if (choice === 'resume') {
        if (existing.size >= task.size) return this.skip(job, task, 'already complete');
        // The shorter file becomes the .part that the rest is added to.
        await rename(final, `${final}.part`);
        offset = existing.size;
      }
      if (existing.isDirectory() && choice === 'overwrite') throw this.localError(Object.assign(new Error('a folder is in the way'), { code: 'EISDIR' }), final, 'replace');
    } else if (job.forAll === 'resume') {
      offset = (await partSize(final)) ?? 0;
    }
    // A .part longer than the server's file is not a prefix of it: start over.
    if (offset > task.size) offset = 0;
    const part = `${final}.part`;
    const current = this.startFile(job, task.relative, offset, task.size);
    job.status.bytesDone += offset;
    let handle: Buffer;
    try {
      handle = await sftpAsync<Buffer>((done) => sftp.open(task.source, 'r', done));
    } catch (error) {
      job.status.bytesDone -= offset;
      throw this.remoteError(job, error, task.source, 'read');
    }
    let local: FileHandle | null = null;
    let counted = offset;
    try {
      try {
        // Never through a link planted at the .part's name.
        local = await open(part, (offset > 0 ? constants.O_RDWR : constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC) | constants.O_NOFOLLOW, 0o644);
        if (offset > 0) await local.truncate(offset);
      } catch (error) {
        throw this.localError(error, part, 'write');
      }
      job.partial.set(final, 1);
      const length = await pipeDownload(sftp, handle, local, offset, task.size, this.tuning, {
        signal,
        onBytes: (n) => {
          counted += n;
          current.bytesDone += n;
          this.progress(job, n);
        },
      }).catch((error: unknown) => {
        if (signal.aborted) throw signal.reason;
        throw localErrorCode(error) ? this.localError(error, part, 'write') : this.remoteError(job, error, task.source, 'read');
      });
      await local.close().catch((error: unknown) => {
        throw this.localError(error, part, 'write');
      });
      local = null;
      // A server's size claim was wrong: the totals follow what really arrived.
      if (length !== task.size) {
        job.status.bytesTotal += length - task.size;
        current.bytesTotal = length;
      }
      await rename(part, final).catch((error: unknown) => {
        throw this.localError(error, final, 'write');
      });
      if (job.spec.preserve) {
        const seconds = task.mtimeMs / 1000;
        await utimes(final, seconds, seconds).catch(() => undefined);
        await chmod(final, task.mode & 0o7777).catch(() => undefined);
      }
      this.fileDone(job, task.destination);
    } catch (error) {
      // What this file added stays counted only while its .part is kept for a retry.
      job.status.bytesDone -= counted;
      throw error;
    } finally {
      closeQuietly(sftp, handle);
      if (local) await local.close().catch(() => undefined);
    }
  }

  private async uploadOne(job: Job, sftp: SFTPWrapper, task: FileTask, signal: AbortSignal): Promise<void> {
    let remotePath = task.destination;
    if (job.completed.has(remotePath)) {
      job.status.bytesDone += task.size;
      job.status.filesDone++;
      return;
    }
    let offset = 0;
    let flags: 'w' | 'wx' | 'r+' = 'wx';
    const acked = job.partial.get(remotePath);
    if (acked !== undefined) {
      // Ours, cut short: resume from what the server both has and acknowledged.
      const st = await sftpAsync<Stats>((done) => sftp.stat(remotePath, done)).catch(() => null);
      offset = Math.min(acked, st?.size ?? 0);
      flags = st ? 'r+' : 'w';
    } else if (job.forAll === 'overwrite') {
      flags = 'w';
    }
    const current = this.startFile(job, task.relative, offset, task.size);
    let handle: Buffer | null;
    const openRemote = async (how: 'w' | 'wx' | 'r+'): Promise<Buffer> => sftpAsync<Buffer>((done) => sftp.open(remotePath, how, done));
    try {
      handle = await openRemote(flags);
    } catch (error) {
      // 'wx' fails when the file exists (OpenSSH answers FAILURE): then it is a conflict to settle.
      if (flags !== 'wx' || sftpStatus(error) === undefined || sftpStatus(error) === SFTP_STATUS.NO_SUCH_FILE) throw this.remoteError(job, error, remotePath, 'create');
      const existing = await sftpAsync<Stats>((done) => sftp.lstat(remotePath, done)).catch(() => null);
      if (!existing) throw this.remoteError(job, error, remotePath, 'create');
      const choice = await this.choose(job, { path: remotePath, existingSize: existing.size ?? 0, incomingSize: task.size, canResume: existing.isFile() && (existing.size ?? 0) < task.size }, signal);
      if (choice === 'skip') return this.skip(job, task, 'exists, skipped');
      if (choice === 'rename') remotePath = await this.freeRemoteName(sftp, remotePath);
      if (choice === 'resume') {
        if ((existing.size ?? 0) >= task.size) return this.skip(job, task, 'already complete');
        offset = existing.size ?? 0;
      }
      try {
        handle = await openRemote(choice === 'resume' ? 'r+' : choice === 'rename' ? 'wx' : 'w');
      } catch (again) {
        throw this.remoteError(job, again, remotePath, 'create');
      }
    }
    current.bytesDone = offset;
    job.status.bytesDone += offset;
    let counted = offset;
    let local: FileHandle | null = null;
    try {
      try {
        local = await open(task.source, 'r');
      } catch (error) {
        throw this.localError(error, task.source, 'read');
      }
      job.partial.set(task.destination, offset);
      await pipeUpload(sftp, handle, fileSource(local, offset), offset, this.tuning, {
        signal,
        onBytes: (n) => {
          counted += n;
          current.bytesDone += n;
          this.progress(job, n);
        },
        onAcked: (at) => job.partial.set(task.destination, at),
      }).catch((error: unknown) => {
        if (signal.aborted) throw signal.reason;
        throw localErrorCode(error) ? this.localError(error, task.source, 'read') : this.remoteError(job, error, remotePath, 'write');
      });
      const h = handle;
      handle = null;
      await sftpAsync((done) => sftp.close(h, done)).catch((error: unknown) => {
        throw this.remoteError(job, error, remotePath, 'write');
      });
      if (job.spec.preserve) {
        const seconds = Math.floor(task.mtimeMs / 1000);
        await sftpAsync((done) => sftp.setstat(remotePath, { mode: task.mode & 0o7777, atime: seconds, mtime: seconds }, done)).catch(() => undefined);
      }
      this.fileDone(job, task.destination);
    } catch (error) {
      job.status.bytesDone -= counted;
      throw error;
    } finally {
      if (handle) closeQuietly(sftp, handle);
      if (local) await local.close().catch(() => undefined);
    }
  }

  /** Folder times and modes last, deepest first: writing files into a folder changes its mtime. */
  private async preserveDirs(job: Job, sftp: SFTPWrapper, dirs: DirTask[]): Promise<void> {
    const deepestFirst = [...dirs].sort((a, b) => b.destination.length - a.destination.length);
    for (const dir of deepestFirst) {
      const seconds = Math.floor(dir.mtimeMs / 1000);
      if (job.spec.direction === 'download') {
        await chmod(dir.destination, dir.mode & 0o7777).catch(() => undefined);
        await utimes(dir.destination, seconds, seconds).catch(() => undefined);
      } else {
        await sftpAsync((done) => sftp.setstat(dir.destination, { mode: dir.mode & 0o7777, atime: seconds, mtime: seconds }, done)).catch(() => undefined);
      }
    }
  }

  // ---- status ----

  private note(job: Job, text: string): void {
    if (job.status.notes.length < MAX_NOTES) job.status.notes.push(text);
    else {
      job.notesLeftOff++;
      job.status.notes[MAX_NOTES - 1] = `… and ${job.notesLeftOff + 1} more`;
    }
    this.emit(job);
  }

  private progress(job: Job, bytes: number): void {
    job.status.bytesDone += bytes;
    this.emit(job);
  }

  private finish(job: Job, state: 'done' | 'failed' | 'cancelled'): void {
    job.status.state = state;
    job.status.scanning = false;
    job.status.endedAt = Date.now();
    delete job.status.conflict;
    delete job.status.etaSeconds;
    if (state !== 'failed') delete job.status.error;
    this.emit(job, true);
  }

  /** At most one event per progressMs per transfer, and every state change at once. */
  private emit(job: Job, now = false): void {
    const interval = this.options.progressMs ?? 250;
    const elapsed = Date.now() - job.lastEmit;
    if (!now && elapsed < interval) {
      job.emitTimer ??= setTimeout(() => {
        job.emitTimer = null;
        this.emit(job, true);
      }, interval - elapsed);
      return;
    }
    if (job.emitTimer) {
      clearTimeout(job.emitTimer);
      job.emitTimer = null;
    }
    if (!this.jobs.has(job.status.transferId)) return;
    job.lastEmit = Date.now();
    const { status } = job;
    if (status.state === 'running') {
      job.rate.sample(job.lastEmit, status.bytesDone);
      const rate = job.rate.rate();
      if (rate !== undefined) status.rateBytesPerSecond = Math.round(rate);
      const eta = status.scanning ? undefined : job.rate.eta(Math.max(0, status.bytesTotal - status.bytesDone));
      if (eta !== undefined) status.etaSeconds = eta;
      else delete status.etaSeconds;
    }
    this.changed.fire(structuredClone(status));
  }

  /** Cancels what runs and forgets everything. */
  async dispose(): Promise<void> {
    this.disposed = true;
    for (const ticket of [...this.tickets.keys()]) this.dropTicket(ticket);
    const running: Promise<void>[] = [];
    for (const job of this.jobs.values()) {
      job.abort?.abort(new Cancelled());
      if (job.running) running.push(job.running);
      if (job.emitTimer) clearTimeout(job.emitTimer);
      job.answer = null;
    }
    await Promise.allSettled(running);
    for (const job of this.jobs.values()) if (job.emitTimer) clearTimeout(job.emitTimer);
    this.changed.dispose();
    this.removed.dispose();
  }
}

