/**
 * The files service (issue 16): listing and operations on an open circuit's target over its SFTP
 * session (SftpSessions), and the transfer methods handed to the transfer queue.
 *
 * API:
 *   const files = new FilesService({ sessions, transfers });
 *   const { dirId, path } = await files.openDir(circuitId, '.');   // canonical path
 *   for (;;) { const page = await files.readDir(dirId); ...; if (page.done) break; }
 *   await files.remove(circuitId, '/tmp/x', { recursive: true });   // { removed: n }
 *
 * Listings are streamed: each readDir answers with what the server's next READDIR answer(s) held,
 * while a few more READDIRs are already on their way (pipelined, as the server answers them in
 * order), so a folder of 100,000 entries costs about one round trip per ~100 entries and the
 * first rows show at once. Every listing is bounded, because a hostile or broken server decides
 * how many answers there are and how fast they come: an entry cap, a total time, and a time per
 * answer; reaching one ends the listing with `truncated`. A listing nobody reads for a minute
 * closes itself, and a listing's session ending (the circuit closed, failed, or was repaired onto
 * a new connection) ends it too.
 *
 * Remote names are untrusted: entries named '.', '..', '', or holding '/' or NUL are dropped and
 * counted; messages show paths escaped (displayName). Recursive delete never follows a symlink:
 * it removes the link itself, as `rm -r` does, within a depth and count bound.
 */
import { randomUUID } from 'node:crypto';
import type { SFTPWrapper } from 'ssh2';
import type { IFilesService, ITransferQueue } from '../../../shared/contract/files';
import { ErrorCode, HoplineError } from '../../../shared/model/errors';
import { hopName, hopNameAtStart } from '../../../shared/model/hopName';
import type { ConflictChoice, ConflictPolicy, DirPage, RemoteEntry, TransferSpec, TransferStatus } from '../../../shared/model/remoteFile';
import { baseName, childPath, entryType, toRemoteEntry, unusableName, type RawAttrs } from './remoteEntries';
import { SFTP_STATUS, sftpError, sftpStatus, shownPath, type ErrorContext } from './sftpErrors';
import type { SftpSessions } from './sftpSessions';

/** What the service needs of the session keeper (SftpSessions satisfies it; unit tests fake it). */
export type FilesSessions = Pick<SftpSessions, 'get' | 'lostError' | 'targetHop' | 'hasFailed' | 'isOpen'>;

export interface FilesServiceOptions {
  sessions: FilesSessions;
  transfers: ITransferQueue;
  /** Most entries one listing returns before it ends as truncated; default 1,000,000. */
  maxListingEntries?: number;
  /** Longest a listing may take from openDir to its last page; default 10 minutes. */
  listingTimeMs?: number;
  /** Longest the server may take to answer one request; default 30 s. */
  answerTimeMs?: number;
  /** A listing with no readDir for this long closes itself; default 60 s. */
  idleMs?: number;
  /** Most entries a recursive delete removes before it stops; default 1,000,000. */
  maxRemoveEntries?: number;
  /** Deepest folder nesting a recursive delete goes into; default 256. */
  maxRemoveDepth?: number;
}

const DEFAULTS = {
  maxListingEntries: 1_000_000,
  listingTimeMs: 10 * 60_000,
  answerTimeMs: 30_000,
  idleMs: 60_000,
  maxRemoveEntries: 1_000_000,
  maxRemoveDepth: 256,
};
/** READDIRs kept in flight per listing: the server answers them in order, each ~100 entries (OpenSSH). */
const READ_AHEAD = 4;
/** A page takes already-arrived answers too, up to about this many entries. */
const PAGE_ENTRIES = 1000;
/** Symlinks resolved at once (READLINK + STAT), and at most this many per page. */
const LINK_CONCURRENCY = 8;
const LINKS_PER_PAGE = 500;
/** However slow the server, a page's symlink targets are given up on after this long (entries still show). */
const LINK_BUDGET_MS = 5_000;
/** Link targets longer than PATH_MAX are not shown. */
const MAX_LINK_TARGET = 4096;
/** Open listings per circuit; opening one more closes the one read longest ago. */
const LISTINGS_PER_CIRCUIT = 32;
/** Deletes (or rmdirs) kept in flight during a recursive delete. */
const REMOVE_CONCURRENCY = 32;

type Raw = { filename: string; longname: string; attrs: RawAttrs };
type Answer = { kind: 'names'; list: Raw[] } | { kind: 'eof' } | { kind: 'error'; error: HoplineError };
interface Slot {
  promise: Promise<Answer>;
  answer?: Answer;
}

interface Listing {
  id: string;
  circuitId: string;
  path: string;
  sftp: SFTPWrapper;
  handle: Buffer;
  slots: Slot[];
  /** An EOF or an error was seen: no more READDIRs are sent. */
  ended: boolean;
  entries: number;
  /** Unusable names so far (not counting '.' and '..'); each page carries the running total. */
  dropped: number;
  deadline: number;
  lastRead: number;
  idleTimer: NodeJS.Timeout;
  /** readDir calls run one after another, in call order. */
  queue: Promise<unknown>;
  /** Stops watching the session for its end (see track()). */
  untrack: () => void;
}

export class FilesService implements IFilesService {
  private readonly options: Required<Omit<FilesServiceOptions, 'sessions' | 'transfers'>>;
  private readonly sessions: FilesSessions;
  private readonly queue: ITransferQueue;
  private readonly listings = new Map<string, Listing>();
  /** Requests waiting for an answer, per session, and sessions known dead (see track()). */
  private readonly waiting = new WeakMap<SFTPWrapper, Set<(error: HoplineError) => void>>();
  private readonly deadSessions = new WeakSet<SFTPWrapper>();
  /** Why recently ended listings ended (a lost hop), so a late readDir says so; bounded. */
  private readonly endedWith = new Map<string, HoplineError>();

  readonly onDidChangeTransfer: ITransferQueue['onDidChangeTransfer'];
  readonly onDidRemoveTransfer: ITransferQueue['onDidRemoveTransfer'];

  constructor(options: FilesServiceOptions) {
    this.sessions = options.sessions;
    this.queue = options.transfers;
    this.options = {
      maxListingEntries: options.maxListingEntries ?? DEFAULTS.maxListingEntries,
      listingTimeMs: options.listingTimeMs ?? DEFAULTS.listingTimeMs,
      answerTimeMs: options.answerTimeMs ?? DEFAULTS.answerTimeMs,
      idleMs: options.idleMs ?? DEFAULTS.idleMs,
      maxRemoveEntries: options.maxRemoveEntries ?? DEFAULTS.maxRemoveEntries,
      maxRemoveDepth: options.maxRemoveDepth ?? DEFAULTS.maxRemoveDepth,
    };
    this.onDidChangeTransfer = this.queue.onDidChangeTransfer;
    this.onDidRemoveTransfer = this.queue.onDidRemoveTransfer;
  }

  // ---- Paths and single entries -------------------------------------------------------------

  async home(circuitId: string): Promise<string> {
    return this.realpath(circuitId, '.');
  }

  async realpath(circuitId: string, path: string): Promise<string> {
    const sftp = await this.session(circuitId);
    return this.canonical(circuitId, sftp, path);
  }

  /**
   * REALPATH, with a typed "~" or "~/x" meaning the login folder as in a shell and OpenSSH's
   * sftp (SFTP v3's REALPATH takes "~" as a plain name; relative paths already start at home).
   */
  private canonical(circuitId: string, sftp: SFTPWrapper, path: string): Promise<string> {
    const sent = path === '~' ? '.' : path.startsWith('~/') ? `./${path.slice(2)}` : path;
    return this.request<string>(circuitId, sftp, path, 'find', (cb) => sftp.realpath(sent, cb));
  }

  async stat(circuitId: string, path: string): Promise<RemoteEntry> {
    const sftp = await this.session(circuitId);
    const attrs = await this.request<RawAttrs>(circuitId, sftp, path, 'read', (cb) => sftp.lstat(path, cb));
    const entry = toRemoteEntry(baseName(path), attrs);
    if (entry.type === 'symlink') await this.resolveLink(circuitId, sftp, path, entry, Date.now() + this.options.answerTimeMs);
    return entry;
  }

  // ---- Listings -----------------------------------------------------------------------------

  async openDir(circuitId: string, path: string): Promise<{ dirId: string; path: string }> {
    const sftp = await this.session(circuitId);
    const canonical = await this.canonical(circuitId, sftp, path);
    const handle = await this.request<Buffer>(circuitId, sftp, canonical, 'open', (cb) => sftp.opendir(canonical, cb));
    const id = randomUUID();
    const listing: Listing = {
      id,
      circuitId,
      path: canonical,
      sftp,
      handle,
      slots: [],
      ended: false,
      entries: 0,
      dropped: 0,
      deadline: Date.now() + this.options.listingTimeMs,
      lastRead: Date.now(),
      idleTimer: setTimeout(() => void this.endListing(id), this.options.idleMs),
      queue: Promise.resolve(),
      untrack: () => undefined,
    };
    listing.idleTimer.unref?.();
    // A session ending under a listing (a protocol error kills it at once, a lost connection a
    // little later) is a lost hop, unless the person closed the circuit.
    const tracked = this.track(sftp, circuitId, (lost) => this.endListing(id, this.sessions.isOpen(circuitId) || this.sessions.hasFailed(circuitId) ? lost : undefined));
    if (!tracked) {
      clearTimeout(listing.idleTimer);
      throw this.sessions.lostError(circuitId);
    }
    listing.untrack = tracked;
    this.listings.set(id, listing);
    this.limitListings(circuitId);
    this.fill(listing);
    return { dirId: id, path: canonical };
  }

  readDir(dirId: string): Promise<DirPage> {
    const listing = this.listings.get(dirId);
    if (!listing) {
      const lost = this.endedWith.get(dirId);
      return Promise.reject(lost ?? new HoplineError(ErrorCode.INVALID_ARGUMENT, 'That folder listing has ended; open the folder again'));
    }
    listing.lastRead = Date.now();
    listing.idleTimer.refresh();
    const page = listing.queue.then(() => this.nextPage(listing));
    listing.queue = page.catch(() => undefined);
    return page;
  }

  async closeDir(dirId: string): Promise<void> {
    this.endedWith.delete(dirId);
    this.endListing(dirId);
  }

  private async nextPage(listing: Listing): Promise<DirPage> {
    if (!this.listings.has(listing.id)) throw this.endedWith.get(listing.id) ?? new HoplineError(ErrorCode.INVALID_ARGUMENT, 'That folder listing has ended; open the folder again');
    this.fill(listing);
    const first = listing.slots[0];
    if (!first) return this.finish(listing, [], undefined);
    const waitMs = Math.min(this.options.answerTimeMs, listing.deadline - Date.now());
    const answer = await withTimeout(first.promise, Math.max(waitMs, 0));
    if (!this.listings.has(listing.id)) throw this.endedWith.get(listing.id) ?? new HoplineError(ErrorCode.INVALID_ARGUMENT, 'That folder listing has ended; open the folder again');
    if (answer === undefined) {
      const overall = listing.deadline <= Date.now();
      return this.finish(listing, [], overall ? `The listing took longer than ${seconds(this.options.listingTimeMs)}` : `The server did not answer within ${seconds(this.options.answerTimeMs)}`);
    }
    // This answer, and any that already arrived behind it, make the page.
    const raws: Raw[] = [];
    let end: Answer | undefined;
    while (listing.slots.length > 0 && raws.length < PAGE_ENTRIES) {
      const slot = listing.slots[0]!;
      if (!slot.answer) break;
      listing.slots.shift();
      if (slot.answer.kind !== 'names') {
        end = slot.answer;
        break;
      }
      for (const raw of slot.answer.list) raws.push(raw);
    }
    if (end?.kind === 'error') {
      // Entries that came before the failure still count; the failure ends the listing.
      if (raws.length === 0) {
        this.endListing(listing.id, end.error);
        throw end.error;
      }
      listing.slots.unshift({ promise: Promise.resolve(end), answer: end });
    }
    const entries: RemoteEntry[] = [];
    let truncated: string | undefined;
    for (const raw of raws) {
      if (typeof raw.filename !== 'string' || unusableName(raw.filename)) {
        // '.' and '..' are in every listing (OpenSSH sends them): left out, but not worth a word.
        if (raw.filename !== '.' && raw.filename !== '..') listing.dropped += 1;
        continue;
      }
      if (listing.entries >= this.options.maxListingEntries) {
        truncated = `The folder has more than ${this.options.maxListingEntries.toLocaleString('en-US')} entries; only those are shown`;
        break;
      }
      listing.entries += 1;
      entries.push(toRemoteEntry(raw.filename, raw.attrs, typeof raw.longname === 'string' ? raw.longname : undefined));
    }
    await this.resolveLinks(listing, entries);
    if (!truncated && listing.deadline <= Date.now() && end?.kind !== 'eof') truncated = `The listing took longer than ${seconds(this.options.listingTimeMs)}`;
    if (truncated || end?.kind === 'eof') return this.finish(listing, entries, truncated);
    if (!this.listings.has(listing.id)) throw this.endedWith.get(listing.id) ?? new HoplineError(ErrorCode.INVALID_ARGUMENT, 'That folder listing has ended; open the folder again');
    this.fill(listing);
    const page: DirPage = { entries, done: false };
    if (listing.dropped > 0) page.dropped = listing.dropped;
    return page;
  }

  /** The last page: the listing is closed on the server and forgotten here. */
  private finish(listing: Listing, entries: RemoteEntry[], truncated: string | undefined): DirPage {
    this.endListing(listing.id);
    const page: DirPage = { entries, done: true };
    if (truncated) page.truncated = truncated;
    if (listing.dropped > 0) page.dropped = listing.dropped;
    return page;
  }

  /** Keeps READ_AHEAD READDIRs on their way until the server says the folder ended. */
  private fill(listing: Listing): void {
    while (!listing.ended && listing.slots.length < READ_AHEAD && this.listings.has(listing.id)) {
      const slot: Slot = { promise: this.readdirOnce(listing) };
      slot.promise = slot.promise.then((answer) => {
        slot.answer = answer;
        if (answer.kind !== 'names') listing.ended = true;
        return answer;
      });
      listing.slots.push(slot);
    }
  }

  private readdirOnce(listing: Listing): Promise<Answer> {
    return new Promise<Answer>((resolve) => {
      let settled = false;
      let untrack = (): void => undefined;
      const done = (error: unknown, list?: Raw[]): void => {
        if (settled) return;
        settled = true;
        untrack();
        if (error && sftpStatus(error) === SFTP_STATUS.EOF) resolve({ kind: 'eof' });
        else if (error) resolve({ kind: 'error', error: sftpError(error, listing.path, this.context(listing.circuitId), 'list') });
        else if (!Array.isArray(list)) resolve({ kind: 'eof' });
        else resolve({ kind: 'names', list });
      };
      const tracked = this.track(listing.sftp, listing.circuitId, done);
      if (!tracked) return done(this.sessions.lostError(listing.circuitId));
      untrack = tracked;
      try {
        // `full`: ssh2 would filter '.' and '..' itself; here every name goes through one check.
        (listing.sftp.readdir as unknown as (h: Buffer, o: { full: boolean }, cb: (e: unknown, l?: Raw[]) => void) => void).call(listing.sftp, listing.handle, { full: true }, done);
      } catch (error) {
        done(this.sessions.lostError(listing.circuitId, error));
      }
    });
  }

  /** Ends a listing: its handle is closed (without waiting), and `lost` is kept for a late readDir. */
  private endListing(dirId: string, lost?: HoplineError): void {
    const listing = this.listings.get(dirId);
    if (!listing) return;
    this.listings.delete(dirId);
    clearTimeout(listing.idleTimer);
    listing.ended = true;
    listing.untrack();
    if (lost) {
      this.endedWith.set(dirId, lost);
      if (this.endedWith.size > 256) this.endedWith.delete(this.endedWith.keys().next().value!);
    }
    try {
      listing.sftp.close(listing.handle, () => undefined);
    } catch {
      // The session is gone, and the handle with it.
    }
  }

  /** Too many open listings on one circuit (a renderer that never closes them): the least recently read goes. */
  private limitListings(circuitId: string): void {
    const open = [...this.listings.values()].filter((l) => l.circuitId === circuitId);
    if (open.length <= LISTINGS_PER_CIRCUIT) return;
    open.sort((a, b) => a.lastRead - b.lastRead);
    for (const listing of open.slice(0, open.length - LISTINGS_PER_CIRCUIT)) this.endListing(listing.id);
  }

  /** Reads where the page's symlinks point, a few at a time, within a time budget. */
  private async resolveLinks(listing: Listing, entries: RemoteEntry[]): Promise<void> {
    const links = entries.filter((e) => e.type === 'symlink').slice(0, LINKS_PER_PAGE);
    if (links.length === 0) return;
    const until = Math.min(Date.now() + LINK_BUDGET_MS, listing.deadline);
    await pool(links, LINK_CONCURRENCY, (entry) => this.resolveLink(listing.circuitId, listing.sftp, childPath(listing.path, entry.name), entry, until));
  }

  /** Fills linkTarget (READLINK) and targetType (STAT, which follows); a failure leaves them unset. */
  private async resolveLink(circuitId: string, sftp: SFTPWrapper, path: string, entry: RemoteEntry, until: number): Promise<void> {
    const budget = until - Date.now();
    if (budget <= 0) return;
    const [target, attrs] = await Promise.all([
      withTimeout(this.request<string>(circuitId, sftp, path, 'read', (cb) => sftp.readlink(path, cb)).catch(() => undefined), budget),
      withTimeout(this.request<RawAttrs>(circuitId, sftp, path, 'read', (cb) => sftp.stat(path, cb)).catch(() => undefined), budget),
    ]);
    if (typeof target === 'string' && target.length <= MAX_LINK_TARGET && !target.includes('\0')) entry.linkTarget = target;
    if (attrs) entry.targetType = entryType(typeof attrs.mode === 'number' ? attrs.mode : undefined);
  }

  // ---- Operations ---------------------------------------------------------------------------

  async mkdir(circuitId: string, path: string): Promise<void> {
    const sftp = await this.session(circuitId);
    try {
      await this.request(circuitId, sftp, path, 'create', (cb) => sftp.mkdir(path, cb));
    } catch (error) {
      // SFTP v3 has no "already exists": OpenSSH's server says FAILURE, so look before saying why.
      throw await this.existsInstead(circuitId, sftp, error, path);
    }
  }

  async rename(circuitId: string, from: string, to: string): Promise<void> {
    const sftp = await this.session(circuitId);
    try {
      // Plain RENAME, which OpenSSH's server refuses onto an existing name: nothing is replaced unasked.
      await this.request(circuitId, sftp, from, 'rename', (cb) => sftp.rename(from, to, cb));
    } catch (error) {
      if (error instanceof HoplineError && error.code === ErrorCode.SFTP_FAILED) throw await this.existsInstead(circuitId, sftp, error, to);
      throw error;
    }
  }

  async chmod(circuitId: string, path: string, mode: number): Promise<void> {
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) throw new HoplineError(ErrorCode.INVALID_ARGUMENT, 'A mode is a number from 0 to 7777 (octal)');
    const sftp = await this.session(circuitId);
    await this.request(circuitId, sftp, path, 'change the mode of', (cb) => sftp.chmod(path, mode, cb));
  }

  async remove(circuitId: string, path: string, options: { recursive?: boolean } = {}): Promise<{ removed: number }> {
    // As GNU rm: never '/', and never '.' or '..' (they name a folder by where one stands).
    const last = path.replace(/\/+$/, '').split('/').pop();
    if (/^\/*$/.test(path) || last === '.' || last === '..') throw new HoplineError(ErrorCode.INVALID_ARGUMENT, `Refusing to delete ${shownPath(path)}`);
    const sftp = await this.session(circuitId);
    // LSTAT, never STAT: a link to a folder is removed as a link, its target untouched.
    const attrs = await this.request<RawAttrs>(circuitId, sftp, path, 'read', (cb) => sftp.lstat(path, cb));
    if (entryType(attrs.mode) !== 'directory') {
      await this.request(circuitId, sftp, path, 'delete', (cb) => sftp.unlink(path, cb));
      return { removed: 1 };
    }
    if (!options.recursive) {
      try {
        await this.request(circuitId, sftp, path, 'delete', (cb) => sftp.rmdir(path, cb));
      } catch (error) {
        if (error instanceof HoplineError && error.code === ErrorCode.SFTP_FAILED && (await this.hasEntries(circuitId, sftp, path))) {
          throw new HoplineError(ErrorCode.SFTP_FAILED, `The folder ${shownPath(path)} is not empty; delete it with its contents instead`, error.hop, error.detail);
        }
        throw error;
      }
      return { removed: 1 };
    }
    const tally = { removed: 0 };
    await this.removeTree(circuitId, sftp, path, 0, tally);
    return { removed: tally.removed };
  }

  /** Depth first: a folder's entries (links as links), then the folder itself. */
  private async removeTree(circuitId: string, sftp: SFTPWrapper, dir: string, depth: number, tally: { removed: number }): Promise<void> {
    if (depth > this.options.maxRemoveDepth) {
      throw new HoplineError(ErrorCode.SFTP_FAILED, `Stopped deleting: ${shownPath(dir)} is nested more than ${this.options.maxRemoveDepth} folders deep (${tally.removed} entries were deleted)`, this.sessions.targetHop(circuitId));
    }
    const children = await this.listAll(circuitId, sftp, dir, this.options.maxRemoveEntries - tally.removed);
    const files = children.filter((c) => c.type !== 'directory');
    const folders = children.filter((c) => c.type === 'directory');
    this.countRemoval(circuitId, dir, tally, files.length);
    await pool(files, REMOVE_CONCURRENCY, async (child) => {
      const path = childPath(dir, child.name);
      await this.request(circuitId, sftp, path, 'delete', (cb) => sftp.unlink(path, cb));
      tally.removed += 1;
    });
    for (const folder of folders) await this.removeTree(circuitId, sftp, childPath(dir, folder.name), depth + 1, tally);
    this.countRemoval(circuitId, dir, tally, 1);
    await this.request(circuitId, sftp, dir, 'delete', (cb) => sftp.rmdir(dir, cb));
    tally.removed += 1;
  }

  private countRemoval(circuitId: string, dir: string, tally: { removed: number }, more: number): void {
    if (tally.removed + more <= this.options.maxRemoveEntries) return;
    throw new HoplineError(ErrorCode.SFTP_FAILED, `Stopped deleting ${shownPath(dir)}: more than ${this.options.maxRemoveEntries.toLocaleString('en-US')} entries (${tally.removed} were deleted)`, this.sessions.targetHop(circuitId));
  }

  /** A whole folder's usable entries (names and types as LSTAT gives them), at most `limit` + 1 of them. */
  private async listAll(circuitId: string, sftp: SFTPWrapper, dir: string, limit: number): Promise<Pick<RemoteEntry, 'name' | 'type' | 'mode'>[]> {
    const handle = await this.request<Buffer>(circuitId, sftp, dir, 'open', (cb) => sftp.opendir(dir, cb));
    // Only what deleting needs is kept: a folder of a million entries is held in memory here.
    const entries: Pick<RemoteEntry, 'name' | 'type' | 'mode'>[] = [];
    try {
      for (;;) {
        let list: Raw[] | undefined;
        try {
          list = await this.request<Raw[]>(circuitId, sftp, dir, 'list', (cb) => (sftp.readdir as unknown as (h: Buffer, o: object, c: (e: unknown, l?: Raw[]) => void) => void).call(sftp, handle, { full: true }, cb));
        } catch (error) {
          if (error instanceof HoplineError && error.detail === EOF_MARK) break;
          throw error;
        }
        if (!Array.isArray(list)) break;
        for (const raw of list) {
          if (typeof raw.filename !== 'string' || unusableName(raw.filename)) continue;
          const mode = typeof raw.attrs?.mode === 'number' ? raw.attrs.mode : undefined;
          entries.push({ name: raw.filename, type: entryType(mode, raw.longname), mode: mode ?? 0 });
        }
        if (entries.length > limit) break;
      }
    } finally {
      try {
        sftp.close(handle, () => undefined);
      } catch {
        // The session is gone, and the handle with it.
      }
    }
    // A server that gives no type for an entry: LSTAT it rather than guess (and never follow).
    for (const entry of entries) {
      if (entry.type !== 'other' || entry.mode !== 0) continue;
      const path = childPath(dir, entry.name);
      const attrs = await this.request<RawAttrs>(circuitId, sftp, path, 'read', (cb) => sftp.lstat(path, cb));
      entry.type = entryType(attrs.mode);
    }
    return entries;
  }

  private async hasEntries(circuitId: string, sftp: SFTPWrapper, dir: string): Promise<boolean> {
    try {
      return (await this.listAll(circuitId, sftp, dir, 0)).length > 0;
    } catch {
      return false;
    }
  }

  /** A failure whose real reason is "already there": FILE_EXISTS naming the path, else the failure. */
  private async existsInstead(circuitId: string, sftp: SFTPWrapper, error: unknown, path: string): Promise<unknown> {
    if (!(error instanceof HoplineError) || error.code !== ErrorCode.SFTP_FAILED) return error;
    try {
      await this.request<RawAttrs>(circuitId, sftp, path, 'read', (cb) => sftp.lstat(path, cb));
    } catch {
      return error;
    }
    return new HoplineError(ErrorCode.FILE_EXISTS, `${shownPath(path)} already exists on ${hopName(error.hop ?? this.sessions.targetHop(circuitId))}`, error.hop, error.detail);
  }

  // ---- Transfers: the queue's ---------------------------------------------------------------

  transfers(): Promise<TransferStatus[]> {
    return this.queue.transfers();
  }
  enqueue(spec: TransferSpec): Promise<TransferStatus> {
    return this.queue.enqueue(spec);
  }
  answerConflict(transferId: string, choice: ConflictChoice, options?: { forAll?: boolean }): Promise<void> {
    return this.queue.answerConflict(transferId, choice, options);
  }
  cancel(transferId: string): Promise<void> {
    return this.queue.cancel(transferId);
  }
  retry(transferId: string): Promise<TransferStatus> {
    return this.queue.retry(transferId);
  }
  dismiss(transferId: string): Promise<void> {
    return this.queue.dismiss(transferId);
  }
  beginUpload(circuitId: string, remotePath: string, size: number, conflict?: ConflictPolicy): Promise<{ transferId: string; ticket: string }> {
    return this.queue.beginUpload(circuitId, remotePath, size, conflict);
  }
  beginDownload(circuitId: string, remotePath: string): Promise<{ ticket: string; name: string; size: number }> {
    return this.queue.beginDownload(circuitId, remotePath);
  }

  // ---- Plumbing -----------------------------------------------------------------------------

  /** Ends every listing (the transfer queue is disposed by its owner). */
  dispose(): void {
    for (const id of [...this.listings.keys()]) this.endListing(id);
  }

  private async session(circuitId: string): Promise<SFTPWrapper> {
    try {
      return await this.sessions.get(circuitId);
    } catch (error) {
      // A failed circuit has no target connection: say which hop went, not "no open circuit".
      if (this.sessions.hasFailed(circuitId)) throw this.sessions.lostError(circuitId, error);
      throw error;
    }
  }

  private context(circuitId: string): ErrorContext {
    return { hop: this.sessions.targetHop(circuitId), lost: (cause) => this.sessions.lostError(circuitId, cause) };
  }

  /**
   * One SFTP request with a bound on the answer's time. `action` names what was being done for
   * the message ("delete", "create"). An EOF status is passed on as a HoplineError with a marker
   * detail, for the readers that end on it.
   */
  private request<T = void>(circuitId: string, sftp: SFTPWrapper, path: string, action: string, send: (cb: (error: unknown, value?: T) => void) => void): Promise<T> {
    const timeoutMs = this.options.answerTimeMs;
    const context = this.context(circuitId);
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      let untrack = (): void => undefined;
      const finish = (error: unknown, value?: T): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        untrack();
        if (!error) resolve(value as T);
        else if (sftpStatus(error) === SFTP_STATUS.EOF) reject(new HoplineError(ErrorCode.SFTP_FAILED, 'End of folder', context.hop, EOF_MARK));
        else reject(sftpError(error, path, context, action));
      };
      const timer = setTimeout(() => finish(new HoplineError(ErrorCode.SFTP_FAILED, `${hopNameAtStart(context.hop)} did not answer within ${seconds(timeoutMs)} about ${shownPath(path)}`, context.hop)), timeoutMs);
      timer.unref?.();
      const tracked = this.track(sftp, circuitId, finish);
      if (!tracked) return finish(this.sessions.lostError(circuitId));
      untrack = tracked;
      try {
        send(finish);
      } catch (error) {
        // ssh2 throws when the channel is already closed: the session went with its connection.
        finish(this.sessions.lostError(circuitId, error));
      }
    });
  }

  /**
   * Fails `fail` with HOP_LOST when the session dies before its answer comes: ssh2 drops the
   * callback of the request whose answer was malformed, and a destroyed session buffers new
   * requests forever, so neither may be left to the time bound alone. Answers how to stop
   * watching, or null when the session is already dead.
   */
  private track(sftp: SFTPWrapper, circuitId: string, fail: (error: HoplineError) => void): (() => void) | null {
    if (this.deadSessions.has(sftp)) return null;
    let waiting = this.waiting.get(sftp);
    if (!waiting) {
      const set = new Set<(error: HoplineError) => void>();
      waiting = set;
      this.waiting.set(sftp, set);
      const end = (cause?: unknown): void => {
        this.deadSessions.add(sftp);
        this.waiting.delete(sftp);
        const lost = this.sessions.lostError(circuitId, cause);
        for (const f of [...set]) f(lost);
        set.clear();
      };
      sftp.once('error', end);
      sftp.once('close', () => end());
    }
    const set = waiting;
    set.add(fail);
    return () => set.delete(fail);
  }
}

const EOF_MARK = 'sftp-eof';

function seconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s === 1 ? '1 second' : `${s} seconds`;
}

/** The promise's value, or undefined when it takes longer than `ms`. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise<T | undefined>((resolve, reject) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    timer.unref?.();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** Runs `work` over `items`, at most `limit` at once; the first failure is thrown after the rest settle. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && failure === undefined) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failure ??= error;
      }
    }
  });
  await Promise.all(runners);
  if (failure !== undefined) throw failure;
}
