/**
 * A hostile SFTP server on 127.0.0.1 (issue 16): an ssh2 Server whose sftp subsystem serves an
 * in-memory tree, and misbehaves where told to: listing names no real file system holds ('../x',
 * 'a/b', NUL, bidi and control characters), a READDIR that never ends, answers that are slow or
 * never come, attributes that lie. Every request is logged, so a test can prove what the client
 * did NOT do (follow a link, touch a path outside a tree).
 *
 * connectHostileSftp() gives the files service on top of it, through the real SftpSessions and a
 * one-circuit engine stand-in whose target is a direct ssh2 Client, so the code under test is the
 * code the app runs.
 */
import path from 'node:path';
import ssh2, { type Client as ClientType, type Connection, type SFTPWrapper } from 'ssh2';
import { FilesService, type FilesServiceOptions } from '../../app/main/services/files/filesService';
import { SftpSessions, type SftpEngine } from '../../app/main/services/files/sftpSessions';
import { Emitter } from '../../app/shared/model/event';
import type { CircuitSummary } from '../../app/shared/model/hop';
import type { ITransferQueue } from '../../app/shared/contract/files';
import { TinyServers } from './tinyServers';
import { testHostKey } from './hostKey';

const { Client, Server } = ssh2;
const STATUS = ssh2.utils.sftp.STATUS_CODE;

export const HOSTILE_HOME = '/home/hostile';

export interface VAttrs {
  mode: number;
  size?: number;
  uid?: number;
  gid?: number;
  atime?: number;
  mtime?: number;
}

interface VNode {
  attrs: VAttrs;
  target?: string;
}

/** A name exactly as the server sends it in a READDIR answer (attrs may be absent or lying). */
export interface RawName {
  filename: string;
  longname?: string;
  attrs?: Partial<VAttrs>;
}

export interface HostileSftpBehaviour {
  /** Entries per READDIR answer (OpenSSH sends up to 100). */
  perAnswer?: number;
  /** Folders whose READDIR never says end-of-folder: each answer holds fresh names. */
  endless?: Set<string>;
  /** Folders whose listing is bottomless: every folder below holds one more folder, 'deeper'. */
  bottomless?: string;
  /** Requests about these paths are never answered. */
  silent?: Set<string>;
  /** Requests about these paths are answered this late (ms). */
  slow?: Map<string, number>;
  /** READDIR answers are this late (ms) for these folders. */
  slowReaddir?: Map<string, number>;
  /** Requests about these paths get a malformed NAME packet (a count of names that never follow). */
  malformed?: Set<string>;
}

export class HostileSftp {
  readonly tcp = new TinyServers();
  private readonly hostKey = testHostKey();
  /** Every request, as "OP path". */
  readonly requests: string[] = [];
  readonly nodes = new Map<string, VNode>();
  /** Hostile names served in a folder's listing on top of its real children. */
  readonly rawNames = new Map<string, RawName[]>();
  port = 0;

  constructor(readonly behaviour: HostileSftpBehaviour = {}) {
    this.dir(HOSTILE_HOME);
  }

  dir(p: string, mode = 0o755): this {
    for (let up = path.posix.dirname(p); up !== '/' && !this.nodes.has(up); up = path.posix.dirname(up)) this.nodes.set(up, { attrs: { mode: 0o040755, size: 4096, uid: 0, gid: 0, mtime: 0, atime: 0 } });
    this.nodes.set(p, { attrs: { mode: 0o040000 | mode, size: 4096, uid: 1000, gid: 1000, mtime: 1_700_000_000, atime: 1_700_000_000 } });
    return this;
  }

  file(p: string, attrs: Partial<VAttrs> = {}): this {
    this.nodes.set(p, { attrs: { mode: 0o100644, size: 0, uid: 1000, gid: 1000, mtime: 1_700_000_000, atime: 1_700_000_000, ...attrs } });
    return this;
  }

  link(p: string, target: string): this {
    this.nodes.set(p, { attrs: { mode: 0o120777, size: target.length, uid: 1000, gid: 1000, mtime: 1_700_000_000, atime: 1_700_000_000 }, target });
    return this;
  }

  raw(dir: string, names: RawName[]): this {
    this.rawNames.set(dir, [...(this.rawNames.get(dir) ?? []), ...names]);
    return this;
  }

  /** Whether any request touched `p` or a path below it. */
  touched(p: string): string[] {
    return this.requests.filter((r) => {
      const at = r.slice(r.indexOf(' ') + 1);
      return at === p || at.startsWith(`${p}/`);
    });
  }

  async start(): Promise<number> {
    const server = new Server({ hostKeys: [this.hostKey.private], ident: 'HostileSftp_0.1' }, (conn: Connection) => {
      conn.on('error', () => undefined);
      conn.on('authentication', (ctx) => ctx.accept());
      conn.on('session', (accept) => {
        const session = accept();
        session.on('sftp', (acceptSftp) => this.serve(acceptSftp()));
      });
    });
    this.port = await this.tcp.listen((socket) => server.injectSocket(socket));
    return this.port;
  }

  close(): Promise<void> {
    return this.tcp.closeAll();
  }

  private children(dir: string): RawName[] {
    const out: RawName[] = [{ filename: '.', attrs: this.nodes.get(dir)?.attrs }, { filename: '..', attrs: { mode: 0o040755 } }];
    if (this.behaviour.bottomless && (dir === this.behaviour.bottomless || dir.startsWith(`${this.behaviour.bottomless}/`))) {
      out.push({ filename: 'deeper', longname: 'drwxr-xr-x    2 deep     deep         4096 Jan  1 00:00 deeper', attrs: { mode: 0o040755 } });
    }
    for (const [p, node] of this.nodes) {
      if (p !== dir && path.posix.dirname(p) === dir) out.push({ filename: path.posix.basename(p), longname: longname(path.posix.basename(p), node.attrs), attrs: node.attrs });
    }
    return [...out, ...(this.rawNames.get(dir) ?? [])];
  }

  private resolve(p: string): string {
    return path.posix.resolve(HOSTILE_HOME, p);
  }

  private serve(sftp: SFTPWrapper): void {
    const handles = new Map<string, { dir: string; names: RawName[]; at: number; endlessCount: number }>();
    let nextHandle = 0;
    const later = (p: string, answer: () => void): void => {
      if (this.behaviour.silent?.has(p)) return;
      if (this.behaviour.malformed?.has(p)) return sendMalformed(sftp);
      const delay = this.behaviour.slow?.get(p);
      if (delay) setTimeout(answer, delay).unref();
      else answer();
    };
    const node = (p: string): VNode | undefined => {
      if (this.behaviour.bottomless && p.startsWith(`${this.behaviour.bottomless}/`) && p.endsWith('/deeper')) return { attrs: { mode: 0o040755 } };
      return this.nodes.get(p);
    };
    const log = (op: string, p: string): string => {
      this.requests.push(`${op} ${p}`);
      return p;
    };
    sftp.on('REALPATH', (id, raw: string) => {
      const p = log('REALPATH', this.resolve(raw));
      later(p, () => sftp.name(id, [{ filename: p, longname: p, attrs: {} as never }]));
    });
    const statLike = (op: string, follow: boolean) => (id: number, raw: string) => {
      const p = log(op, this.resolve(raw));
      later(p, () => {
        let n = node(p);
        if (follow && n?.target) n = node(this.resolve(path.posix.resolve(path.posix.dirname(p), n.target)));
        if (!n) sftp.status(id, STATUS.NO_SUCH_FILE);
        else sftp.attrs(id, n.attrs as never);
      });
    };
    sftp.on('LSTAT', statLike('LSTAT', false));
    sftp.on('STAT', statLike('STAT', true));
    sftp.on('READLINK', (id, raw: string) => {
      const p = log('READLINK', this.resolve(raw));
      later(p, () => {
        const n = node(p);
        if (!n?.target) sftp.status(id, STATUS.FAILURE, 'not a link');
        else sftp.name(id, [{ filename: n.target, longname: n.target, attrs: {} as never }]);
      });
    });
    sftp.on('OPENDIR', (id, raw: string) => {
      const p = log('OPENDIR', this.resolve(raw));
      later(p, () => {
        const n = node(p);
        if (!n || (n.attrs.mode & 0o170000) !== 0o040000) return sftp.status(id, STATUS.NO_SUCH_FILE);
        const handle = String(nextHandle++);
        handles.set(handle, { dir: p, names: this.children(p), at: 0, endlessCount: 0 });
        sftp.handle(id, Buffer.from(handle));
      });
    });
    sftp.on('READDIR', (id, handleBuf: Buffer) => {
      const h = handles.get(handleBuf.toString());
      if (!h) return sftp.status(id, STATUS.FAILURE, 'bad handle');
      log('READDIR', h.dir);
      const per = this.behaviour.perAnswer ?? 100;
      const answer = (): void => {
        if (this.behaviour.endless?.has(h.dir)) {
          const names = Array.from({ length: per }, () => ({ filename: `endless-${h.endlessCount++}`, longname: '', attrs: { mode: 0o100644, size: 1 } }));
          return sftp.name(id, names as never);
        }
        if (h.at >= h.names.length) return sftp.status(id, STATUS.EOF);
        const names = h.names.slice(h.at, h.at + per);
        h.at += names.length;
        sftp.name(id, names.map((n) => ({ filename: n.filename, longname: n.longname ?? '', attrs: n.attrs ?? {} })) as never);
      };
      if (this.behaviour.silent?.has(h.dir)) return;
      const delay = this.behaviour.slowReaddir?.get(h.dir);
      if (delay) setTimeout(answer, delay).unref();
      else answer();
    });
    sftp.on('CLOSE', (id, handleBuf: Buffer) => {
      const h = handles.get(handleBuf.toString());
      if (h) log('CLOSE', h.dir);
      handles.delete(handleBuf.toString());
      sftp.status(id, STATUS.OK);
    });
    sftp.on('MKDIR', (id, raw: string) => {
      const p = log('MKDIR', this.resolve(raw));
      later(p, () => {
        if (this.nodes.has(p)) return sftp.status(id, STATUS.FAILURE, 'File exists');
        if (!this.nodes.has(path.posix.dirname(p))) return sftp.status(id, STATUS.NO_SUCH_FILE);
        this.dir(p);
        sftp.status(id, STATUS.OK);
      });
    });
    sftp.on('RENAME', (id, rawFrom: string, rawTo: string) => {
      const from = log('RENAME', this.resolve(rawFrom));
      const to = this.resolve(rawTo);
      later(from, () => {
        if (!this.nodes.has(from)) return sftp.status(id, STATUS.NO_SUCH_FILE);
        if (this.nodes.has(to)) return sftp.status(id, STATUS.FAILURE, 'Failure');
        for (const [p, n] of [...this.nodes]) {
          if (p === from || p.startsWith(`${from}/`)) {
            this.nodes.delete(p);
            this.nodes.set(to + p.slice(from.length), n);
          }
        }
        sftp.status(id, STATUS.OK);
      });
    });
    sftp.on('REMOVE', (id, raw: string) => {
      const p = log('REMOVE', this.resolve(raw));
      later(p, () => {
        const n = this.nodes.get(p);
        if (!n) return sftp.status(id, STATUS.NO_SUCH_FILE);
        if ((n.attrs.mode & 0o170000) === 0o040000) return sftp.status(id, STATUS.FAILURE, 'Is a directory');
        this.nodes.delete(p);
        sftp.status(id, STATUS.OK);
      });
    });
    sftp.on('RMDIR', (id, raw: string) => {
      const p = log('RMDIR', this.resolve(raw));
      later(p, () => {
        if (!this.nodes.has(p)) return sftp.status(id, STATUS.NO_SUCH_FILE);
        if ([...this.nodes.keys()].some((k) => k.startsWith(`${p}/`))) return sftp.status(id, STATUS.FAILURE, 'Directory not empty');
        this.nodes.delete(p);
        sftp.status(id, STATUS.OK);
      });
    });
    sftp.on('SETSTAT', (id, raw: string, attrs: { mode?: number }) => {
      const p = log('SETSTAT', this.resolve(raw));
      later(p, () => {
        const n = this.nodes.get(p);
        if (!n) return sftp.status(id, STATUS.NO_SUCH_FILE);
        if (attrs.mode !== undefined) n.attrs.mode = (n.attrs.mode & 0o170000) | (attrs.mode & 0o7777);
        sftp.status(id, STATUS.OK);
      });
    });
  }
}

/** A NAME packet saying 5 names follow, then none: ssh2's client calls that a fatal protocol error. */
function sendMalformed(sftp: SFTPWrapper): void {
  const packet = Buffer.alloc(4 + 1 + 4 + 4);
  packet.writeUInt32BE(packet.length - 4, 0);
  packet[4] = 104; // SSH_FXP_NAME
  packet.writeUInt32BE(0, 5); // a request id
  packet.writeUInt32BE(5, 9); // names that never come
  // ssh2's Server has no way to send a bad packet on purpose: write the bytes on its channel.
  const raw = sftp as unknown as { _protocol: { channelData(id: number, data: Buffer): void }; outgoing: { id: number } };
  raw._protocol.channelData(raw.outgoing.id, packet);
}

function longname(name: string, attrs: VAttrs): string {
  const type = { 0o040000: 'd', 0o120000: 'l', 0o100000: '-' }[attrs.mode & 0o170000] ?? '?';
  const bits = 'rwxrwxrwx'
    .split('')
    .map((c, i) => (attrs.mode & (1 << (8 - i)) ? c : '-'))
    .join('');
  return `${type}${bits}    1 owner${attrs.uid ?? 0}  group${attrs.gid ?? 0}  ${attrs.size ?? 0} Jan  1 00:00 ${name}`;
}

/** A transfer queue that is never asked anything (tests of listing and operations). */
export const noTransfers: ITransferQueue = {
  transfers: async () => [],
  enqueue: () => Promise.reject(new Error('not in this test')),
  answerConflict: () => Promise.reject(new Error('not in this test')),
  cancel: () => Promise.reject(new Error('not in this test')),
  retry: () => Promise.reject(new Error('not in this test')),
  dismiss: () => Promise.reject(new Error('not in this test')),
  beginUpload: () => Promise.reject(new Error('not in this test')),
  beginDownload: () => Promise.reject(new Error('not in this test')),
  onDidChangeTransfer: new Emitter<never>().event,
  onDidRemoveTransfer: new Emitter<never>().event,
};

export interface HostileFiles {
  files: FilesService;
  sessions: SftpSessions;
  circuitId: string;
  client: ClientType;
  /** Marks the circuit failed at hop `index` (as the engine would), then ends the connection. */
  fail(index: number): void;
  close(): Promise<void>;
}

/**
 * The files service on a one-circuit stand-in engine whose target is a direct connection to the
 * hostile server ("hop 1 (jump)" then "hop 2 (hostile)" in messages).
 */
export async function connectHostileSftp(server: HostileSftp, options: Omit<FilesServiceOptions, 'sessions' | 'transfers'> = {}): Promise<HostileFiles> {
  const client = new Client();
  client.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    client.once('ready', resolve);
    client.once('error', reject);
    client.connect({ host: '127.0.0.1', port: server.port, username: 'tester', password: 'x', hostVerifier: () => true });
  });
  const circuitId = 'hostile-circuit';
  const changed = new Emitter<CircuitSummary>();
  let summary: CircuitSummary = { id: circuitId, hostIds: ['a', 'b'], profileId: null, hopNames: ['jump', 'hostile'], state: 'open', error: null };
  const engine: SftpEngine = {
    target: () => {
      if (summary.state !== 'open') throw new Error('not open');
      return client;
    },
    list: () => [summary],
    onDidChange: changed.event,
  };
  const sessions = new SftpSessions(engine);
  const files = new FilesService({ sessions, transfers: noTransfers, ...options });
  return {
    files,
    sessions,
    circuitId,
    client,
    fail(index) {
      summary = { ...summary, state: 'failed', error: { code: 'HOP_LOST', message: 'lost', hop: { index, name: summary.hopNames[index]! } } };
      changed.fire(summary);
      client.end();
    },
    async close() {
      files.dispose();
      sessions.dispose();
      client.end();
    },
  };
}
