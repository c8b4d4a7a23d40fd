/**
 * Port forwards through a circuit (issue 15): local -L, remote -R and dynamic -D, as OpenSSH
 * defines them, each on the circuit's target connection (engine.target()).
 *
 * API (also used by the CLI's `hopline forward`):
 *   const forwards = new ForwardsService({ engine });          // engine: a CircuitEngine
 *   const status = await forwards.add(circuitId, spec);         // adds and starts; { start: false } to only add
 *   await forwards.stop(status.forwardId);  await forwards.start(status.forwardId);
 *   await forwards.remove(status.forwardId);
 *   forwards.onDidChange((s: ForwardStatus) => ...);            // state at once, counters <= 4/s per forward
 *   forwards.onDidRemove(({ forwardId, circuitId }) => ...);    // removed, or its circuit closed
 *   await forwards.dispose();                                   // ends every forward; circuits stay
 * start/add reject with a HoplineError: PORT_IN_USE ("127.0.0.1:8080 is already in use"),
 * FORWARD_BIND_FAILED, FORWARD_REFUSED (a -R the server would not listen for, naming the hop and
 * with the server's words in `detail`), INVALID_ARGUMENT (no such circuit or forward).
 *
 * Life with the circuit:
 * - A forward opens nothing before its circuit is open (so every hop's host key is trusted):
 *   started on a circuit still opening, it is 'waiting' and binds when the circuit opens.
 * - When the circuit fails, a local or dynamic listener stays bound ('waiting'). A connection that
 *   arrives then waits for the circuit to be open again, up to connectTimeoutMs, and is otherwise
 *   closed with lastError naming the dead hop. After repair() the same listener carries on.
 * - A remote forward's listener lived on the old target connection; after a repair it is asked
 *   for again (same port) on the new one.
 * - Closing the circuit removes its forwards (listeners unbound, connections ended).
 *
 * Stop ends the forward's open connections too (unlike OpenSSH's -O cancel, which leaves them):
 * a stopped forward in the panel carries nothing, and nothing is left behind to leak.
 */
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import type { Client, ClientChannel } from 'ssh2';
import type { IForwardsService } from '../../../shared/contract/forwards';
import { ErrorCode, HoplineError, type HopRef, type WireError } from '../../../shared/model/errors';
import { Emitter, type Disposable, type Event } from '../../../shared/model/event';
import type { ForwardSpec, ForwardState, ForwardStatus } from '../../../shared/model/forward';
import type { CircuitSummary } from '../../../shared/model/hop';
import { hopName, hopNameAtStart } from '../../../shared/model/hopName';
import { SocksHandshake, type SocksFailure } from './socksHandshake';

/** What the service needs of the engine (CircuitEngine satisfies it). */
export interface ForwardsEngine {
  /** The open circuit's target connection; throws a HoplineError if the circuit is not open. */
  target(circuitId: string): Client;
  list(): CircuitSummary[];
  onDidChange: Event<CircuitSummary>;
}

export interface ForwardsServiceOptions {
  engine: ForwardsEngine;
  /** How long a new connection waits for the circuit (and its channel) to open; default 15 s, like ConnectTimeout. */
  connectTimeoutMs?: number;
  /** How often counters may be reported per forward; default 250 ms (4 a second). */
  statusIntervalMs?: number;
  /** How long a SOCKS client may take to say where it wants to go; default 10 s. */
  socksHandshakeTimeoutMs?: number;
}

const CONNECT_TIMEOUT_MS = 15_000;
const STATUS_INTERVAL_MS = 250;
const SOCKS_HANDSHAKE_TIMEOUT_MS = 10_000;
/** After the local side of a connection closed, how long its channel may take to close on its own. */
const CHANNEL_LINGER_MS = 5_000;
/** SSH_OPEN_* reason codes (RFC 4254 section 5.1). */
const OPEN_ADMINISTRATIVELY_PROHIBITED = 1;
const OPEN_CONNECT_FAILED = 2;

interface CircuitView {
  state: CircuitSummary['state'];
  error: WireError | null;
  hopNames: string[];
}

interface RemoteBinding {
  client: Client;
  bindAddress: string;
  port: number;
}

interface Forward {
  id: string;
  circuitId: string;
  spec: ForwardSpec;
  state: ForwardState;
  /** Started by its user (and not stopped since): what it returns to after a repair. */
  wanted: boolean;
  server: net.Server | null;
  remote: RemoteBinding | null;
  boundAddress?: string;
  boundPort?: number;
  openConnections: number;
  totalConnections: number;
  bytesOut: number;
  bytesIn: number;
  lastError?: WireError;
  /** Ends each live connection (both sockets or channels) at once. */
  connections: Set<() => void>;
  statusTimer: ReturnType<typeof setTimeout> | null;
  /** Bumped by stop/remove so a start still in flight knows it was overtaken. */
  generation: number;
  /** The bind or remote request in flight, if any. */
  opening: Promise<void> | null;
}

interface Waiter {
  resolve(): void;
  reject(error: HoplineError): void;
}

function quietly(action: () => void): void {
  try {
    action();
  } catch {
    // The socket or channel is gone already: nothing left to end.
  }
}

/**
 * Sends a last reply and closes: the client's own end is not waited for (the server is
 * half-open-capable), so a client that never hangs up cannot hold the socket.
 */
function endAfterReply(socket: net.Socket, reply?: Buffer): void {
  socket.once('finish', () => socket.destroy());
  if (reply) socket.end(reply);
  else socket.end();
}

/** `[::1]:8080` for IPv6 literals, `host:port` otherwise. */
export function formatEndpoint(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export class ForwardsService implements IForwardsService {
  private readonly forwards = new Map<string, Forward>();
  private readonly circuits = new Map<string, CircuitView>();
  private readonly waiters = new Map<string, Set<Waiter>>();
  /** Target connections whose 'tcp connection' events are dispatched to remote forwards. */
  private readonly dispatching = new WeakSet<Client>();
  private readonly changed = new Emitter<ForwardStatus>();
  private readonly removed = new Emitter<{ forwardId: string; circuitId: string }>();
  private readonly circuitWatch: Disposable;
  private readonly connectTimeoutMs: number;
  readonly onDidChange = this.changed.event;
  readonly onDidRemove = this.removed.event;

  constructor(private readonly options: ForwardsServiceOptions) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    for (const c of options.engine.list()) this.circuits.set(c.id, { state: c.state, error: c.error, hopNames: c.hopNames });
    this.circuitWatch = options.engine.onDidChange((c) => this.circuitChanged(c));
  }

  async list(): Promise<ForwardStatus[]> {
    return [...this.forwards.values()].map((f) => this.status(f));
  }

  async add(circuitId: string, spec: ForwardSpec, options: { start?: boolean } = {}): Promise<ForwardStatus> {
    this.circuitView(circuitId);
    checkSpec(spec);
    const forward: Forward = {
      id: randomUUID(),
      circuitId,
      spec: { ...spec },
      state: 'stopped',
      wanted: false,
      server: null,
      remote: null,
      openConnections: 0,
      totalConnections: 0,
      bytesOut: 0,
      bytesIn: 0,
      connections: new Set(),
      statusTimer: null,
      generation: 0,
      opening: null,
    };
    this.forwards.set(forward.id, forward);
    this.fireNow(forward);
    if (options.start === false) return this.status(forward);
    return this.start(forward.id);
  }

  async start(forwardId: string): Promise<ForwardStatus> {
    const forward = this.get(forwardId);
    const circuit = this.circuitView(forward.circuitId);
    if (forward.wanted) return this.status(forward);
    forward.wanted = true;
    if (circuit.state !== 'open') {
      // Nothing opens before the circuit does: it binds (or asks the server) when the circuit is open.
      this.setState(forward, 'waiting');
      return this.status(forward);
    }
    this.setState(forward, 'starting');
    try {
      await this.open(forward);
    } catch (error) {
      forward.wanted = false;
      throw error;
    }
    return this.status(forward);
  }

  async stop(forwardId: string): Promise<ForwardStatus> {
    const forward = this.get(forwardId);
    await this.halt(forward);
    this.setState(forward, 'stopped');
    return this.status(forward);
  }

  async remove(forwardId: string): Promise<void> {
    const forward = this.forwards.get(forwardId);
    if (!forward) return;
    this.forwards.delete(forwardId);
    await this.halt(forward);
    this.removed.fire({ forwardId, circuitId: forward.circuitId });
  }

  /** Ends every forward (their circuits stay open). */
  async dispose(): Promise<void> {
    this.circuitWatch.dispose();
    await Promise.all([...this.forwards.keys()].map((id) => this.remove(id)));
    for (const set of this.waiters.values()) for (const w of set) w.reject(new HoplineError(ErrorCode.DISCONNECTED, 'Hopline is shutting down'));
    this.waiters.clear();
    this.changed.dispose();
    this.removed.dispose();
  }

  /** For tests and the CLI: the listening server of a local or dynamic forward. */
  serverOf(forwardId: string): net.Server | null {
    return this.forwards.get(forwardId)?.server ?? null;
  }

  // -------------------------------------------------------------------------------------------
  // Starting and stopping

  /** Binds the listener (local, dynamic) or asks the target to listen (remote). The circuit is open. */
  private open(forward: Forward): Promise<void> {
    // One attempt at a time: a start and a circuit's 'open' arriving together must not bind twice.
    if (forward.opening) return forward.opening;
    const attempt = this.openOnce(forward).finally(() => {
      if (forward.opening === attempt) forward.opening = null;
    });
    forward.opening = attempt;
    return attempt;
  }

  private async openOnce(forward: Forward): Promise<void> {
    const generation = forward.generation;
    try {
      if (forward.spec.kind === 'remote') {
        if (forward.remote?.client !== this.options.engine.target(forward.circuitId)) await this.requestRemote(forward);
      } else if (!forward.server) await this.bind(forward);
    } catch (error) {
      const typed = error instanceof HoplineError ? error : new HoplineError(ErrorCode.INTERNAL, 'The forward could not start');
      if (forward.generation === generation) {
        forward.lastError = typed.toWire();
        this.setState(forward, 'failed');
      }
      throw typed;
    }
    if (forward.generation !== generation) return;
    this.setState(forward, this.circuits.get(forward.circuitId)?.state === 'open' ? 'listening' : 'waiting');
  }

  private bind(forward: Forward): Promise<void> {
    const host = forward.spec.bindAddress ?? '127.0.0.1';
    const port = forward.spec.bindPort;
    const generation = forward.generation;
    // '*' is every address, as in ssh -L '*:8080:…' (Node listens on both IPv4 and IPv6 then).
    const listenHost = host === '*' ? undefined : host;
    return new Promise((resolve, reject) => {
      // Half-open kept: a client that ends its side (sends EOF) may still be reading the answer.
      // No Nagle on accepted sockets, as OpenSSH's port listeners (set_nodelay): a request/reply
      // protocol's second small write would otherwise wait for the client's delayed ACK (40 ms).
      const server = net.createServer({ allowHalfOpen: true, noDelay: true });
      const onError = (error: NodeJS.ErrnoException): void => {
        server.off('listening', onListening);
        const where = formatEndpoint(host, port);
        if (error.code === 'EADDRINUSE') reject(new HoplineError(ErrorCode.PORT_IN_USE, `${where} is already in use`, undefined, `${error.code}: ${error.message}`));
        else if (error.code === 'EACCES') reject(new HoplineError(ErrorCode.FORWARD_BIND_FAILED, `Hopline may not listen on ${where}: ports below 1024 need special rights`, undefined, `${error.code}: ${error.message}`));
        else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') reject(new HoplineError(ErrorCode.FORWARD_BIND_FAILED, `This computer has no address ${host} to listen on`, undefined, `${error.code}: ${error.message}`));
        else reject(new HoplineError(ErrorCode.FORWARD_BIND_FAILED, `Hopline could not listen on ${where}`, undefined, `${error.code ?? 'error'}: ${error.message}`));
      };
      const onListening = (): void => {
        server.off('error', onError);
        if (forward.generation !== generation) {
          // Stopped while binding.
          server.close();
          resolve();
          return;
        }
        const address = server.address() as net.AddressInfo;
        forward.server = server;
        forward.boundAddress = address.address;
        forward.boundPort = address.port;
        server.on('connection', (socket) => (forward.spec.kind === 'dynamic' ? this.acceptSocks(forward, socket) : this.acceptLocal(forward, socket)));
        // A listening server has no errors of its own to report; accept errors are per socket.
        server.on('error', () => undefined);
        resolve();
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen({ host: listenHost, port, exclusive: true });
    });
  }

  /** Ends the forward's connections and listener; it stays known (stop) or is gone (remove). */
  private async halt(forward: Forward): Promise<void> {
    forward.wanted = false;
    forward.generation++;
    forward.opening = null;
    if (forward.statusTimer) clearTimeout(forward.statusTimer);
    forward.statusTimer = null;
    for (const end of [...forward.connections]) end();
    forward.connections.clear();
    const server = forward.server;
    forward.server = null;
    const remote = forward.remote;
    forward.remote = null;
    forward.boundAddress = undefined;
    forward.boundPort = undefined;
    if (remote) this.cancelRemote(remote);
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  // -------------------------------------------------------------------------------------------
  // The circuit

  private circuitView(circuitId: string): CircuitView {
    const view = this.circuits.get(circuitId);
    if (!view || view.state === 'closed') throw new HoplineError(ErrorCode.INVALID_ARGUMENT, `No circuit ${circuitId} to forward through (it was closed, or never opened)`);
    return view;
  }

  private circuitChanged(c: CircuitSummary): void {
    const before = this.circuits.get(c.id)?.state;
    if (c.state === 'closed') this.circuits.delete(c.id);
    else this.circuits.set(c.id, { state: c.state, error: c.error, hopNames: c.hopNames });
    const mine = [...this.forwards.values()].filter((f) => f.circuitId === c.id);
    if (c.state === 'closed') {
      this.wake(c.id, new HoplineError(ErrorCode.DISCONNECTED, 'The circuit was closed'));
      for (const forward of mine) void this.remove(forward.id);
      return;
    }
    if (c.state === 'open') {
      this.wake(c.id, null);
      for (const forward of mine.filter((f) => f.wanted)) {
        // A listener that stayed bound through the failure simply carries on.
        if (forward.spec.kind === 'remote' || !forward.server) this.setState(forward, 'starting');
        // An error is the forward's lastError and state already; nobody awaits this start.
        this.open(forward).catch(() => undefined);
      }
      return;
    }
    if (c.state === 'failed' && before !== 'failed') {
      for (const forward of mine) {
        // The remote listener went with the old target connection.
        forward.remote = null;
        if (c.error) forward.lastError = { ...c.error };
      }
    }
    for (const forward of mine.filter((f) => f.wanted)) this.setState(forward, 'waiting');
  }

  /** Waits until the circuit is open, up to `timeoutMs`; rejects naming what keeps it down. */
  private whenOpen(circuitId: string, timeoutMs: number): Promise<void> {
    const view = this.circuits.get(circuitId);
    if (!view) return Promise.reject(new HoplineError(ErrorCode.DISCONNECTED, 'The circuit was closed'));
    if (view.state === 'open') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const set = this.waiters.get(circuitId) ?? new Set<Waiter>();
      this.waiters.set(circuitId, set);
      const timer = setTimeout(() => {
        set.delete(waiter);
        const now = this.circuits.get(circuitId);
        const cause = now?.error;
        const seconds = Math.round(timeoutMs / 1000);
        reject(
          cause
            ? new HoplineError(cause.code, `The circuit was not back within ${seconds} s, so a connection was refused: ${cause.message}`, cause.hop, cause.detail)
            : new HoplineError(ErrorCode.HOP_TIMEOUT, `The circuit was not open within ${seconds} s, so a connection was refused`),
        );
      }, timeoutMs);
      const waiter: Waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      set.add(waiter);
    });
  }

  private wake(circuitId: string, error: HoplineError | null): void {
    const set = this.waiters.get(circuitId);
    if (!set) return;
    this.waiters.delete(circuitId);
    for (const waiter of set) {
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
  }

  /** The circuit's target as a hop reference for errors. */
  private targetHop(circuitId: string): HopRef {
    const names = this.circuits.get(circuitId)?.hopNames ?? [];
    return names.length > 0 ? { index: names.length - 1, name: names[names.length - 1]! } : { index: 0, name: 'target' };
  }

  // -------------------------------------------------------------------------------------------
  // Local (-L) and dynamic (-D)

  private acceptLocal(forward: Forward, socket: net.Socket): void {
    const { host, hostPort } = forward.spec;
    const connection = this.track(forward, socket);
    this.openOut(forward, socket, host!, hostPort!).then(
      (channel) => {
        if (connection.ended) return quietly(() => channel.close());
        this.pipe(forward, connection, socket, channel);
      },
      (error: unknown) => {
        this.noteError(forward, error);
        connection.end();
      },
    );
  }

  private acceptSocks(forward: Forward, socket: net.Socket): void {
    const connection = this.track(forward, socket);
    const handshake = new SocksHandshake();
    const handshakeMs = this.options.socksHandshakeTimeoutMs ?? SOCKS_HANDSHAKE_TIMEOUT_MS;
    const timer = setTimeout(() => {
      this.noteError(forward, new HoplineError(ErrorCode.INVALID_ARGUMENT, `A SOCKS client connected but did not say where to go within ${Math.round(handshakeMs / 1000)} s`));
      connection.end();
    }, handshakeMs);
    connection.onEnd(() => clearTimeout(timer));
    const onData = (chunk: Buffer): void => {
      const step = handshake.feed(chunk);
      if (step.reply) socket.write(step.reply);
      if (step.kind === 'more') return;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.pause();
      if (step.kind === 'refuse') {
        this.noteError(forward, new HoplineError(ErrorCode.INVALID_ARGUMENT, `A SOCKS client was refused: ${step.reason}`));
        endAfterReply(socket);
        return;
      }
      const { host, port } = step.target;
      this.openOut(forward, socket, host, port).then(
        (channel) => {
          if (connection.ended) return quietly(() => channel.close());
          socket.write(handshake.success());
          if (step.rest.length > 0) {
            forward.bytesOut += step.rest.length;
            channel.write(step.rest);
          }
          this.pipe(forward, connection, socket, channel);
        },
        (error: unknown) => {
          this.noteError(forward, error);
          if (!connection.ended) endAfterReply(socket, handshake.failure(socksFailure(error)));
        },
      );
    };
    socket.on('data', onData);
  }

  /**
   * A direct-tcpip channel from the target to host:port, waiting for the circuit to be open up to
   * the connect timeout, naming the target hop if it refuses.
   */
  private async openOut(forward: Forward, socket: net.Socket, host: string, port: number): Promise<ClientChannel> {
    const started = Date.now();
    await this.whenOpen(forward.circuitId, this.connectTimeoutMs);
    const hop = this.targetHop(forward.circuitId);
    const left = Math.max(1000, this.connectTimeoutMs - (Date.now() - started));
    const client = this.options.engine.target(forward.circuitId);
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(new HoplineError(ErrorCode.HOP_TIMEOUT, `${hopNameAtStart(hop)} did not open a connection to ${formatEndpoint(host, port)} within ${Math.round(left / 1000)} s`, hop));
      }, left);
      try {
        client.forwardOut(socket.remoteAddress ?? '127.0.0.1', socket.remotePort ?? 0, host, port, (err, channel) => {
          clearTimeout(timer);
          if (settled) {
            if (!err) quietly(() => channel.close());
            return;
          }
          settled = true;
          if (err) reject(openRefusal(hop, host, port, err));
          else resolve(channel);
        });
      } catch (error) {
        clearTimeout(timer);
        settled = true;
        reject(new HoplineError(ErrorCode.HOP_LOST, `${hopNameAtStart(hop)} is not connected`, hop, error instanceof Error ? error.message : undefined));
      }
    });
  }

  // -------------------------------------------------------------------------------------------
  // Remote (-R)

  private requestRemote(forward: Forward): Promise<void> {
    const client = this.options.engine.target(forward.circuitId);
    const hop = this.targetHop(forward.circuitId);
    // OpenSSH sends "localhost" when no address is given (the server listens on loopback only),
    // and "" for '*' (every address, if the server's GatewayPorts allows it).
    const given = forward.spec.bindAddress;
    const bindAddress = given === undefined ? 'localhost' : given === '*' ? '' : given;
    // After a repair, the port the server chose the first time is asked for again.
    const port = forward.boundPort ?? forward.spec.bindPort;
    this.dispatchFor(client);
    const where = formatEndpoint(bindAddress, port);
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(new HoplineError(ErrorCode.HOP_TIMEOUT, `${hopNameAtStart(hop)} did not answer a request to listen on ${where} within ${Math.round(this.connectTimeoutMs / 1000)} s`, hop));
      }, this.connectTimeoutMs);
      try {
        client.forwardIn(bindAddress, port, (err, realPort) => {
          clearTimeout(timer);
          if (settled) {
            if (!err) quietly(() => client.unforwardIn(bindAddress, realPort));
            return;
          }
          settled = true;
          if (err) {
            reject(
              new HoplineError(
                ErrorCode.FORWARD_REFUSED,
                `${hopNameAtStart(hop)} refused to listen on ${where} for a remote forward: its sshd forbids it (AllowTcpForwarding, PermitListen, GatewayPorts) or the port is taken there`,
                hop,
                err.message,
              ),
            );
            return;
          }
          forward.remote = { client, bindAddress, port: realPort };
          forward.boundAddress = bindAddress;
          forward.boundPort = realPort;
          resolve();
        });
      } catch (error) {
        clearTimeout(timer);
        settled = true;
        reject(new HoplineError(ErrorCode.HOP_LOST, `${hopNameAtStart(hop)} is not connected`, hop, error instanceof Error ? error.message : undefined));
      }
    });
  }

  private cancelRemote(remote: RemoteBinding): void {
    // The connection may be gone (a failed circuit): then so is the server's listener.
    quietly(() => remote.client.unforwardIn(remote.bindAddress, remote.port, () => undefined));
  }

  /** One 'tcp connection' listener per target connection, handing each to its forward. */
  private dispatchFor(client: Client): void {
    if (this.dispatching.has(client)) return;
    this.dispatching.add(client);
    client.on('tcp connection', (info, accept, reject) => {
      const candidates = [...this.forwards.values()].filter((f) => f.remote?.client === client && f.remote.port === info.destPort);
      const forward = candidates.find((f) => f.remote!.bindAddress === info.destIP) ?? candidates[0];
      if (!forward) return reject();
      this.acceptRemote(forward, info.srcIP, accept, reject);
    });
  }

  private acceptRemote(forward: Forward, from: string, accept: () => ClientChannel, reject: () => void): void {
    const host = forward.spec.host!;
    const port = forward.spec.hostPort!;
    // No Nagle toward the -R destination either (see bind()).
    const socket = net.connect({ host, port, allowHalfOpen: true, noDelay: true });
    const timer = setTimeout(() => socket.destroy(new Error(`no answer within ${Math.round(this.connectTimeoutMs / 1000)} s`)), this.connectTimeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      if (!forward.remote) {
        // Stopped while connecting.
        socket.destroy();
        return quietly(reject);
      }
      let channel: ClientChannel;
      try {
        channel = accept();
      } catch {
        socket.destroy();
        return;
      }
      const connection = this.track(forward, channel);
      this.pipe(forward, connection, channel, socket);
    });
    const onError = (error: NodeJS.ErrnoException): void => {
      clearTimeout(timer);
      quietly(reject);
      const hop = this.targetHop(forward.circuitId);
      this.noteError(
        forward,
        new HoplineError(ErrorCode.FORWARD_CONNECT_FAILED, `A connection from ${from} arriving through ${hopName(hop)} could not reach ${formatEndpoint(host, port)} from this computer`, undefined, `${error.code ?? 'error'}: ${error.message}`),
      );
    };
    socket.once('error', onError);
  }

  // -------------------------------------------------------------------------------------------
  // Connections

  /** Counts a new connection and registers how to end it. `first` is the side that arrived. */
  private track(forward: Forward, first: net.Socket | ClientChannel): TrackedConnection {
    forward.totalConnections++;
    forward.openConnections++;
    this.bump(forward);
    const connection = new TrackedConnection(() => {
      forward.connections.delete(end);
      forward.openConnections--;
      this.bump(forward);
    });
    const end = (): void => connection.end();
    forward.connections.add(end);
    connection.add(first);
    first.on('error', () => undefined);
    // Gone before it was joined to the far side; once piped, pipe() lets each side finish.
    first.once('close', () => {
      if (!connection.piped) connection.end();
    });
    return connection;
  }

  /**
   * Carries bytes both ways with backpressure, half-closes passed on (EOF one way leaves the other
   * open), counting bytes from the listener's side (`near`) to the far side and back.
   */
  private pipe(forward: Forward, connection: TrackedConnection, near: net.Socket | ClientChannel, far: net.Socket | ClientChannel): void {
    connection.piped = true;
    connection.add(far);
    far.on('error', () => undefined);
    near.on('data', (chunk: Buffer) => {
      forward.bytesOut += chunk.length;
      this.bump(forward);
    });
    far.on('data', (chunk: Buffer) => {
      forward.bytesIn += chunk.length;
      this.bump(forward);
    });
    near.pipe(far);
    far.pipe(near);
    // Either side gone for good: let the other finish what it was sending, then end it.
    const linger = (other: net.Socket | ClientChannel): void => {
      quietly(() => other.end());
      const timer = setTimeout(() => connection.end(), CHANNEL_LINGER_MS);
      connection.onEnd(() => clearTimeout(timer));
      other.once('close', () => connection.end());
    };
    near.once('close', () => linger(far));
    far.once('close', () => linger(near));
    near.resume();
  }

  private noteError(forward: Forward, error: unknown): void {
    if (!this.forwards.has(forward.id)) return;
    const typed = error instanceof HoplineError ? error : new HoplineError(ErrorCode.INTERNAL, 'A forwarded connection failed');
    forward.lastError = typed.toWire();
    this.fireNow(forward);
  }

  // -------------------------------------------------------------------------------------------
  // Status

  private get(forwardId: string): Forward {
    const forward = this.forwards.get(forwardId);
    if (!forward) throw new HoplineError(ErrorCode.INVALID_ARGUMENT, `No forward ${forwardId} (it was removed, or never existed)`);
    return forward;
  }

  private status(f: Forward): ForwardStatus {
    const status: ForwardStatus = {
      forwardId: f.id,
      circuitId: f.circuitId,
      spec: { ...f.spec },
      state: f.state,
      openConnections: f.openConnections,
      totalConnections: f.totalConnections,
      bytesOut: f.bytesOut,
      bytesIn: f.bytesIn,
    };
    if (f.boundAddress !== undefined) status.boundAddress = f.boundAddress;
    if (f.boundPort !== undefined) status.boundPort = f.boundPort;
    if (f.lastError) status.lastError = { ...f.lastError, ...(f.lastError.hop ? { hop: { ...f.lastError.hop } } : {}) };
    return status;
  }

  private setState(forward: Forward, state: ForwardState): void {
    if (forward.state === state) return;
    forward.state = state;
    this.fireNow(forward);
  }

  private fireNow(forward: Forward): void {
    if (forward.statusTimer) clearTimeout(forward.statusTimer);
    forward.statusTimer = null;
    if (this.forwards.has(forward.id)) this.changed.fire(this.status(forward));
  }

  /** Counters changed: reported at most once per interval. */
  private bump(forward: Forward): void {
    if (forward.statusTimer || !this.forwards.has(forward.id)) return;
    forward.statusTimer = setTimeout(() => {
      forward.statusTimer = null;
      if (this.forwards.has(forward.id)) this.changed.fire(this.status(forward));
    }, this.options.statusIntervalMs ?? STATUS_INTERVAL_MS);
  }
}

/** The sockets and channels of one forwarded connection, ended together once. */
class TrackedConnection {
  ended = false;
  /** Joined to its far side: from then on, one side closing lets the other finish first. */
  piped = false;
  private readonly ends: (() => void)[] = [];
  private readonly parts: (net.Socket | ClientChannel)[] = [];

  constructor(private readonly onEnded: () => void) {}

  add(part: net.Socket | ClientChannel): void {
    this.parts.push(part);
  }

  onEnd(listener: () => void): void {
    if (this.ended) listener();
    else this.ends.push(listener);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const part of this.parts) {
      if (part instanceof net.Socket) quietly(() => part.destroy());
      else quietly(() => part.close());
    }
    for (const listener of this.ends) listener();
    this.onEnded();
  }
}

/** Refuses specs the contract's schema would refuse, for callers that skip it (the CLI). */
function checkSpec(spec: ForwardSpec): void {
  const port = (p: number | undefined, min: number): boolean => Number.isInteger(p) && p! >= min && p! <= 65535;
  // 0 lets the server pick for -R; OpenSSH refuses it for -L and -D, and so does Hopline.
  if (!port(spec.bindPort, spec.kind === 'remote' ? 0 : 1)) throw new HoplineError(ErrorCode.INVALID_ARGUMENT, `${String(spec.bindPort)} is not a port to listen on${spec.bindPort === 0 ? ` for a ${spec.kind} forward (0 is for remote forwards only, as in ssh)` : ''}`);
  if (spec.kind === 'dynamic') return;
  if (!spec.host || !port(spec.hostPort, 1)) throw new HoplineError(ErrorCode.INVALID_ARGUMENT, `A ${spec.kind} forward needs a destination host and port`);
}

/** Why a direct-tcpip open failed, as a typed error naming the hop; the server's words in `detail`. */
function openRefusal(hop: HopRef, host: string, port: number, err: Error & { reason?: unknown }): HoplineError {
  const where = formatEndpoint(host, port);
  if (err.reason === OPEN_ADMINISTRATIVELY_PROHIBITED) {
    return new HoplineError(ErrorCode.FORWARD_REFUSED, `${hopNameAtStart(hop)} refused to forward to ${where}: administratively prohibited (its sshd forbids it: AllowTcpForwarding or PermitOpen)`, hop, err.message);
  }
  if (err.reason === OPEN_CONNECT_FAILED) {
    return new HoplineError(ErrorCode.FORWARD_CONNECT_FAILED, `${hopNameAtStart(hop)} could not connect to ${where}`, hop, err.message);
  }
  return new HoplineError(ErrorCode.FORWARD_REFUSED, `${hopNameAtStart(hop)} refused to forward to ${where}`, hop, err.message);
}

/** The SOCKS reply that says the same as a failed open. */
function socksFailure(error: unknown): SocksFailure {
  if (!(error instanceof HoplineError)) return 'general';
  switch (error.code) {
    case ErrorCode.FORWARD_REFUSED:
      return 'notAllowed';
    case ErrorCode.FORWARD_CONNECT_FAILED:
      return 'refused';
    case ErrorCode.HOP_TIMEOUT:
      return 'timeout';
    case ErrorCode.HOP_LOST:
    case ErrorCode.HOP_UNREACHABLE:
      return 'unreachable';
    default:
      return 'general';
  }
}
