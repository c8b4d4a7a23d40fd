/**
 * An in-memory IFilesService for the renderer's unit tests: a tree of folders and files per
 * circuit (one tree shared by all circuits is enough here), listings in pages of `pageSize`,
 * typed errors like the real service, and a transfer queue the test drives by hand (`emitTransfer`).
 */
import { vi } from 'vitest';
import type { IFilesService } from '../../../app/shared/contract/files';
import { ErrorCode, HoplineError } from '../../../app/shared/model/errors';
import { Emitter } from '../../../app/shared/model/event';
import type { DirPage, RemoteEntry, TransferSpec, TransferStatus } from '../../../app/shared/model/remoteFile';

interface Node {
  entry: RemoteEntry;
  children?: Map<string, Node>;
}

const DIR_MODE = 0o040755;
const FILE_MODE = 0o100644;

function dirNode(name: string): Node {
  return { entry: { name, type: 'directory', size: 4096, mtimeMs: Date.UTC(2026, 0, 2, 3, 4), mode: DIR_MODE, uid: 1000, gid: 1000, owner: 'bench', group: 'bench' }, children: new Map() };
}

export class FakeFilesService implements IFilesService {
  root: Node = dirNode('/');
  homePath = '/home/bench';
  pageSize = 2;
  /** Called before each readDir answer; a test can hold pages back. */
  gate: () => Promise<void> = async () => undefined;
  private dirs = new Map<string, { entries: RemoteEntry[]; at: number }>();
  private nextDir = 1;
  private readonly changed = new Emitter<TransferStatus>();
  private readonly removedEvt = new Emitter<{ transferId: string }>();
  readonly onDidChangeTransfer = this.changed.event;
  readonly onDidRemoveTransfer = this.removedEvt.event;
  list: TransferStatus[] = [];
  closed: string[] = [];

  constructor() {
    this.mkdirp(this.homePath);
  }

  reset(): void {
    this.root = dirNode('/');
    this.dirs.clear();
    this.nextDir = 1;
    this.closed = [];
    this.list = [];
    this.pageSize = 2;
    this.gate = async () => undefined;
    this.mkdirp(this.homePath);
  }

  /** Makes every folder on the way (test setup). */
  mkdirp(path: string): void {
    let node = this.root;
    for (const part of path.split('/').filter(Boolean)) {
      let next = node.children!.get(part);
      if (!next) {
        next = dirNode(part);
        node.children!.set(part, next);
      }
      node = next;
    }
  }

  /** Puts an entry (file by default) into a folder (test setup). */
  put(dir: string, entry: Partial<RemoteEntry> & { name: string }): void {
    this.mkdirp(dir);
    const parent = this.find(dir)!;
    const full: RemoteEntry = { type: 'file', size: 0, mtimeMs: Date.UTC(2026, 0, 2, 3, 4), mode: FILE_MODE, uid: 1000, gid: 1000, owner: 'bench', group: 'bench', ...entry };
    parent.children!.set(entry.name, full.type === 'directory' ? { entry: full, children: new Map() } : { entry: full });
  }

  find(path: string): Node | undefined {
    let node: Node | undefined = this.root;
    for (const part of path.split('/').filter(Boolean)) node = node?.children?.get(part);
    return node;
  }

  private abs(path: string): string {
    const joined = path.startsWith('/') ? path : `${this.homePath}/${path}`;
    const out: string[] = [];
    for (const part of joined.split('/')) {
      if (!part || part === '.') continue;
      if (part === '..') out.pop();
      else out.push(part);
    }
    return `/${out.join('/')}`;
  }

  private split(path: string): { parent: Node; name: string } {
    const abs = this.abs(path);
    const cut = abs.lastIndexOf('/');
    const parent = this.find(abs.slice(0, cut) || '/');
    const name = abs.slice(cut + 1);
    if (!parent?.children) throw new HoplineError(ErrorCode.FILE_NOT_FOUND, `No such folder: ${abs.slice(0, cut) || '/'}`);
    return { parent, name };
  }

  home = vi.fn(async (_circuitId: string) => this.homePath);
  realpath = vi.fn(async (_circuitId: string, path: string) => this.abs(path));
  stat = vi.fn(async (_circuitId: string, path: string) => {
    const node = this.find(this.abs(path));
    if (!node) throw new HoplineError(ErrorCode.FILE_NOT_FOUND, `No such file: ${path}`);
    return node.entry;
  });
  openDir = vi.fn(async (_circuitId: string, path: string) => {
    const abs = this.abs(path);
    const node = this.find(abs);
    if (!node) throw new HoplineError(ErrorCode.FILE_NOT_FOUND, `No such folder: ${abs}`);
    if (!node.children) throw new HoplineError(ErrorCode.SFTP_FAILED, `Not a folder: ${abs}`);
    const dirId = `d${this.nextDir++}`;
    this.dirs.set(dirId, { entries: [...node.children.values()].map((n) => n.entry), at: 0 });
    return { dirId, path: abs };
  });
  readDir = vi.fn(async (dirId: string): Promise<DirPage> => {
    await this.gate();
    const dir = this.dirs.get(dirId);
    if (!dir) throw new HoplineError(ErrorCode.INVALID_ARGUMENT, `No listing ${dirId}`);
    const entries = dir.entries.slice(dir.at, dir.at + this.pageSize);
    dir.at += entries.length;
    const done = dir.at >= dir.entries.length;
    if (done) this.dirs.delete(dirId);
    return { entries, done };
  });
  closeDir = vi.fn(async (dirId: string) => {
    this.closed.push(dirId);
    this.dirs.delete(dirId);
  });
  mkdir = vi.fn(async (_circuitId: string, path: string) => {
    const { parent, name } = this.split(path);
    if (parent.children!.has(name)) throw new HoplineError(ErrorCode.FILE_EXISTS, `Already there: ${path}`);
    parent.children!.set(name, dirNode(name));
  });
  rename = vi.fn(async (_circuitId: string, from: string, to: string) => {
    const a = this.split(from);
    const b = this.split(to);
    const node = a.parent.children!.get(a.name);
    if (!node) throw new HoplineError(ErrorCode.FILE_NOT_FOUND, `No such file: ${from}`);
    if (b.parent.children!.has(b.name)) throw new HoplineError(ErrorCode.FILE_EXISTS, `Already there: ${to}`);
    a.parent.children!.delete(a.name);
    node.entry = { ...node.entry, name: b.name };
    b.parent.children!.set(b.name, node);
  });
  remove = vi.fn(async (_circuitId: string, path: string, options?: { recursive?: boolean }) => {
    const { parent, name } = this.split(path);
    const node = parent.children!.get(name);
    if (!node) throw new HoplineError(ErrorCode.FILE_NOT_FOUND, `No such file: ${path}`);
    if (node.children && node.children.size > 0 && !options?.recursive) throw new HoplineError(ErrorCode.SFTP_FAILED, `Folder not empty: ${path}`);
    parent.children!.delete(name);
    return { removed: 1 };
  });
  chmod = vi.fn(async (_circuitId: string, path: string, mode: number) => {
    const node = this.find(this.abs(path));
    if (!node) throw new HoplineError(ErrorCode.FILE_NOT_FOUND, `No such file: ${path}`);
    node.entry = { ...node.entry, mode: (node.entry.mode & ~0o7777) | mode };
  });

  transfers = vi.fn(async () => this.list);
  enqueue = vi.fn(async (spec: TransferSpec): Promise<TransferStatus> => this.status({ circuitId: spec.circuitId, direction: spec.direction, label: spec.sources[0]!.split('/').pop()! }));
  answerConflict = vi.fn(async (_transferId: string, _choice: string, _options?: { forAll?: boolean }) => undefined);
  cancel = vi.fn(async (_transferId: string) => undefined);
  retry = vi.fn(async (transferId: string) => this.status({ transferId, state: 'running' }));
  dismiss = vi.fn(async (_transferId: string) => undefined);
  beginUpload = vi.fn(async (circuitId: string, remotePath: string, size: number) => {
    const status = this.status({ circuitId, direction: 'upload', label: remotePath.split('/').pop()!, bytesTotal: size });
    this.emitTransfer(status);
    return { transferId: status.transferId, ticket: `ticket-${status.transferId}` };
  });
  beginDownload = vi.fn(async (_circuitId: string, remotePath: string) => ({ ticket: `dl-${remotePath}`, name: remotePath.split('/').pop()!, size: 1 }));

  private nextTransfer = 1;
  /** A transfer status with harmless defaults. */
  status(extra: Partial<TransferStatus> = {}): TransferStatus {
    return {
      transferId: `t${this.nextTransfer++}`,
      circuitId: 'c1',
      direction: 'upload',
      label: 'file.bin',
      state: 'queued',
      scanning: false,
      bytesDone: 0,
      bytesTotal: 0,
      filesDone: 0,
      filesTotal: 1,
      filesSkipped: 0,
      notes: [],
      startedAt: 1,
      ...extra,
    };
  }

  emitTransfer(status: TransferStatus): void {
    this.changed.fire(status);
  }
  emitRemoved(transferId: string): void {
    this.removedEvt.fire({ transferId });
  }
}
