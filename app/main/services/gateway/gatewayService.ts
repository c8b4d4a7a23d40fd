/**
 * The gateway: the app's end of the control socket (see controlProtocol.ts for where it lives
 * and who may connect). `hopline proxy`, run by an external ssh as its ProxyCommand, asks it for
 * a direct-tcpip channel to %h:%p from the last of the route's hops; if the app holds those hops
 * up (an open circuit, or a failed one's kept hops), the channel is opened on them and the
 * socket carries its bytes. Nothing is ever asked here: no live hops, no channel ("no live
 * circuit"), and the proxy builds the hops itself.
 *
 * Sessions ride the app's circuit without a reference of their own, as sessions multiplexed over
 * an OpenSSH ControlMaster do: closing the circuit ends them. sessions() and
 * onDidChangeSessions say which external sessions ride which circuit, for the app to show.
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import net, { type Server, type Socket } from 'node:net';
import type { Client, ClientChannel } from 'ssh2';
import { Emitter } from '../../../shared/model/event';
import { hopName, hopNameAtStart } from '../../../shared/model/hopName';
import type { HoplineDocument } from '../profiles/documentStore';
import { controlPaths, MAX_SOCKET_PATH, readLine, tokenDigest, type ControlPaths, type ControlReply, type ControlRequest, type GatewayPeer, type GatewaySession } from './controlProtocol';
import { pickChain, resolveRoute, type LiveChain } from './routeMatch';

export interface GatewayOptions {
  dataDir: string;
  /** The engine's live hops (CircuitEngine.liveChains). */
  liveChains: () => LiveChain<Client>[];
  /** The saved library, for profile names and saved host names in -J words. */
  library: () => Pick<HoplineDocument, 'hosts' | 'profiles'>;
  /** Whose name a -J word without `user@` means: this process's user, as for the CLI. */
  localUser: string;
  log: { info(message: string): void; warn(message: string): void };
}

interface LiveSession {
  record: GatewaySession;
  socket: Socket;
  channel: ClientChannel;
  /** Bytes of the request line, which bytesRead counts too. */
  requestBytes: number;
  replyBytes: number;
}

/** How long a direct-tcpip open may take before the proxy is told (a hop that stopped answering). */
const OPEN_TIMEOUT_MS = 15_000;
/** A peer's command line longer than this is not a request this proxy makes (it cuts at 500). */
const MAX_PEER_COMMAND = 2000;

function isRequest(value: unknown): value is ControlRequest {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (v.v !== 1 || typeof v.token !== 'string') return false;
  if (v.op === 'list') return true;
  if (v.op !== 'connect' || typeof v.host !== 'string' || v.host === '' || v.host.length > 1025) return false;
  if (typeof v.port !== 'number' || !Number.isInteger(v.port) || v.port < 1 || v.port > 65535) return false;
  if (v.peer !== undefined && !isPeer(v.peer)) return false;
  const route = v.route as Record<string, unknown> | null;
  if (typeof route !== 'object' || route === null) return false;
  if (route.kind === 'profile') return typeof route.name === 'string';
  return route.kind === 'via' && Array.isArray(route.hops) && route.hops.length <= 16 && route.hops.every((h) => typeof h === 'string');
}

/** What a proxy may say about the process that ran it (shown by the app, never acted on). */
function isPeer(value: unknown): value is GatewayPeer {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  return typeof p.pid === 'number' && Number.isInteger(p.pid) && p.pid > 0 && typeof p.command === 'string' && p.command.length <= MAX_PEER_COMMAND;
}

export class GatewayService {
  private readonly live = new Map<string, LiveSession>();
  private readonly pending = new Set<Socket>();
  /** Every accepted connection until it closes, so dispose() leaves none behind. */
  private readonly connections = new Set<Socket>();
  private readonly changed = new Emitter<GatewaySession[]>();
  /** Fires when an external session starts or ends, with the list as it is then. */
  readonly onDidChangeSessions = this.changed.event;

  private constructor(
    private readonly options: GatewayOptions,
    readonly paths: ControlPaths,
    private readonly server: Server | null,
    private readonly token: Buffer,
  ) {}

  /**
   * Listens on the control socket. Never throws: a socket that cannot be served (a path too
   * long for sun_path, another Hopline serving this data dir) is logged, and the proxy then
   * builds its own hops as it does without the app.
   */
  static async start(options: GatewayOptions): Promise<GatewayService> {
    const paths = controlPaths(options.dataDir);
    const token = randomBytes(32).toString('hex');
    const digest = tokenDigest(token);
    if (Buffer.byteLength(paths.socket) > MAX_SOCKET_PATH) {
      options.log.warn(`the gateway for OpenSSH tools is off: ${paths.socket} is too long for a Unix socket`);
      return new GatewayService(options, paths, null, digest);
    }
    mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
    // mkdir keeps an existing directory's mode: make it ours to say.
    chmodSync(paths.dir, 0o700);
    const holder: { service?: GatewayService } = {};
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => void holder.service?.accept(socket));
    try {
      await listen(server, paths.socket);
    } catch (error) {
      options.log.warn(`the gateway for OpenSSH tools is off: ${(error as Error).message}`);
      return new GatewayService(options, paths, null, digest);
    }
    chmodSync(paths.socket, 0o600);
    writeFileSync(paths.token, `${token}\n`, { mode: 0o600 });
    chmodSync(paths.token, 0o600);
    const service = new GatewayService(options, paths, server, digest);
    holder.service = service;
    // The socket alone never keeps a process (a test, a CLI run of the services) alive.
    server.unref();
    return service;
  }

  get listening(): boolean {
    return this.server !== null;
  }

  /** The external sessions riding circuits now, with their byte counts as of this call. */
  sessions(): GatewaySession[] {
    return [...this.live.values()].map((s) => this.snapshot(s));
  }

  async dispose(): Promise<void> {
    if (!this.server) return;
    const closed = new Promise<void>((resolve) => this.server!.close(() => resolve()));
    for (const socket of this.connections) socket.destroy();
    for (const session of this.live.values()) {
      session.channel.destroy();
      session.socket.destroy();
    }
    await closed;
    // close() unlinks the socket file; the token goes with it, so no stale capability is left.
    rmSync(this.paths.token, { force: true });
    rmSync(this.paths.socket, { force: true });
    this.changed.dispose();
  }

  private snapshot(s: LiveSession): GatewaySession {
    return { ...s.record, bytesToRemote: Math.max(0, s.socket.bytesRead - s.requestBytes), bytesFromRemote: Math.max(0, s.socket.bytesWritten - s.replyBytes) };
  }

  private reply(socket: Socket, message: ControlReply, end: boolean): number {
    const line = `${JSON.stringify(message)}\n`;
    // A refusal ends the connection outright once written: the client may never end its side.
    if (end) socket.end(line, () => socket.destroy());
    else socket.write(line);
    return Buffer.byteLength(line);
  }

  private async accept(socket: Socket): Promise<void> {
    this.pending.add(socket);
    this.connections.add(socket);
    socket.once('close', () => {
      this.connections.delete(socket);
      this.pending.delete(socket);
    });
    socket.on('error', () => socket.destroy());
    let line: string;
    try {
      line = await readLine(socket);
    } catch {
      this.pending.delete(socket);
      socket.destroy();
      return;
    }
    let request: unknown;
    try {
      request = JSON.parse(line);
    } catch {
      request = null;
    }
    if (!isRequest(request)) {
      this.pending.delete(socket);
      this.reply(socket, { ok: false, code: 'BAD_REQUEST', message: 'not a control request' }, true);
      return;
    }
    if (!timingSafeEqual(tokenDigest(request.token), this.token)) {
      this.pending.delete(socket);
      this.options.log.warn('the control socket refused a client without the right token');
      this.reply(socket, { ok: false, code: 'BAD_TOKEN', message: 'the control socket refused this client: wrong token (the app restarted, or this is not your data dir)' }, true);
      return;
    }
    if (request.op === 'list') {
      this.pending.delete(socket);
      this.reply(socket, { ok: true, sessions: this.sessions() }, true);
      return;
    }
    await this.connect(socket, request, Buffer.byteLength(line) + 1);
  }

  private async connect(socket: Socket, request: Extract<ControlRequest, { op: 'connect' }>, requestBytes: number): Promise<void> {
    const refuse = (code: Extract<ControlReply, { ok: false }>['code'], message: string): void => {
      this.pending.delete(socket);
      this.reply(socket, { ok: false, code, message }, true);
    };
    const route = resolveRoute(request.route, this.options.library(), this.options.localUser);
    if (!route.ok) return refuse('UNKNOWN_ROUTE', route.message);
    const chain = pickChain(this.options.liveChains(), route);
    if (!chain) return refuse('NO_LIVE_CIRCUIT', 'no live circuit holds these hops');
    const last = route.hops.length - 1;
    const via = chain.hops.slice(0, route.hops.length).map((h) => h.spec.name);
    const lastRef = { index: last, name: via[last]! };
    let channel: ClientChannel;
    try {
      channel = await openChannel(chain.hops[last]!.client, request.host, request.port);
    } catch (error) {
      const said = error instanceof Error ? error.message.replace(/^\(SSH\) Channel open failure: /, '') : String(error);
      return refuse('FORWARD_FAILED', `${hopNameAtStart(lastRef)} could not open a channel to ${request.host}:${request.port}: ${said.slice(0, 300)}`);
    }
    this.pending.delete(socket);
    if (socket.destroyed) {
      channel.destroy();
      return;
    }
    const record: GatewaySession = { id: randomUUID(), circuitId: chain.circuitId, profileId: chain.profileId ?? route.profileId, via, destination: { host: request.host, port: request.port }, startedAt: Date.now(), bytesToRemote: 0, bytesFromRemote: 0, ...(request.peer ? { peer: { pid: request.peer.pid, command: request.peer.command } } : {}) };
    const replyBytes = this.reply(socket, { ok: true, circuitId: chain.circuitId, via }, false);
    const session: LiveSession = { record, socket, channel, requestBytes, replyBytes };
    this.live.set(record.id, session);
    this.options.log.info(`gateway: an external session rides circuit ${chain.circuitId} through ${hopName(lastRef)} to ${request.host}:${request.port}`);
    this.changed.fire(this.sessions());
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      this.live.delete(record.id);
      this.changed.fire(this.sessions());
    };
    // Bytes both ways, each side's EOF passed on as the other's (half-close), as ssh -W does.
    socket.pipe(channel);
    channel.pipe(socket);
    socket.resume();
    channel.on('error', () => socket.destroy());
    socket.on('error', () => channel.destroy());
    socket.on('close', () => {
      channel.destroy();
      end();
    });
    channel.on('close', () => {
      // The channel is gone (the far end closed, or the hop died): the socket follows once written.
      if (!socket.destroyed) socket.end();
      end();
    });
  }
}

function listen(server: Server, socketPath: string): Promise<void> {
  const attempt = (): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
  return attempt().catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EADDRINUSE') throw error;
    // A socket file left by a crash answers nothing: take its place. One that answers is
    // another Hopline on this data dir, which keeps it.
    if (await answers(socketPath)) throw new Error(`another Hopline serves ${socketPath}`);
    if (!statSync(socketPath).isSocket()) throw new Error(`${socketPath} exists and is not a socket`);
    unlinkSync(socketPath);
    return attempt();
  });
}

function answers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(socketPath);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

function openChannel(client: Client, host: string, port: number): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      reject(new Error(`no answer within ${OPEN_TIMEOUT_MS / 1000} s`));
    }, OPEN_TIMEOUT_MS);
    try {
      client.forwardOut('127.0.0.1', 0, host, port, (err, channel) => {
        clearTimeout(timer);
        if (done) {
          if (!err) channel.close();
          return;
        }
        done = true;
        if (err) reject(err);
        else resolve(channel);
      });
    } catch (error) {
      // ssh2 throws at once when the connection is already gone.
      clearTimeout(timer);
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}
