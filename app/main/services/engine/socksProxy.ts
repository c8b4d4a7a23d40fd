/**
 * SOCKS5 (RFC 1928) client for the first hop, with no authentication or username/password
 * (RFC 1929). Also home to the TCP plumbing that the HTTP CONNECT client and direct connections
 * share: `connectThrough` (connect, negotiate, one deadline, errors mapped) and `HandshakeReader`.
 * (They live here rather than in a module of their own only to keep this change to four files.)
 */
import net from 'node:net';
import { ErrorCode, HoplineError, type HopRef } from '../../../shared/model/errors';

export interface ProxyEndpoint {
  host: string;
  port: number;
  username?: string;
  password?: string;
}

export interface TcpTarget {
  host: string;
  port: number;
}

export interface ProxyConnectOptions {
  /** Covers reaching the proxy and the whole negotiation. */
  timeoutMs: number;
  hop: HopRef;
}

// ---------------------------------------------------------------------------------------------
// Shared TCP plumbing

/** `host:port`, with brackets around an IPv6 literal. */
export function formatAddress(address: TcpTarget): string {
  return net.isIPv6(address.host) ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/**
 * Reads a handshake off a socket in paused mode ('readable' + read()) and never keeps a byte
 * beyond it: an exact read takes only what it asked for, and `readUntil` puts the excess back
 * in the same tick (before an EOF could be signalled). Once released, the socket is as if
 * fresh: the next 'data' listener (ssh2's) starts the flow and first gets those bytes.
 */
export class HandshakeReader {
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly socket: net.Socket,
    /** Made when the peer closes mid-handshake. */
    private readonly closedError: () => Error,
  ) {
    socket.on('readable', this.onSignal);
    socket.on('end', this.onEnd);
  }

  /** Exactly `count` bytes. */
  async readExactly(count: number): Promise<Buffer> {
    for (;;) {
      // read(n) returns null until n bytes are buffered, or fewer than n at the end.
      const chunk = this.socket.read(count) as Buffer | null;
      if (chunk !== null && chunk.length === count) return chunk;
      if (chunk !== null || this.ended) throw this.closedError();
      await this.next();
    }
  }

  /** Everything up to and including `delimiter`; fails once `limit` bytes went by without it. */
  async readUntil(delimiter: string, limit: number, tooLong: () => Error): Promise<Buffer> {
    let head = Buffer.alloc(0);
    for (;;) {
      const chunk = this.socket.read() as Buffer | null;
      if (chunk !== null) {
        head = Buffer.concat([head, chunk]);
        const at = head.indexOf(delimiter);
        const end = at + Buffer.byteLength(delimiter);
        if (at >= 0 && end <= limit) {
          if (end < head.length) this.socket.unshift(head.subarray(end));
          return head.subarray(0, end);
        }
        if (at >= 0 || head.length >= limit) throw tooLong();
      } else if (this.ended) {
        throw this.closedError();
      } else {
        await this.next();
      }
    }
  }

  /** Stops listening; a pending read fails with `error` if one is given. */
  release(error?: Error): void {
    this.socket.off('readable', this.onSignal);
    this.socket.off('end', this.onEnd);
    if (error) {
      this.failure ??= error;
      this.wake?.();
    }
  }

  /** Waits for the next 'readable' or 'end'; throws if the reader was released with an error. */
  private async next(): Promise<void> {
    if (this.failure) throw this.failure;
    await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = undefined;
    if (this.failure) throw this.failure;
  }

  private readonly onSignal = (): void => this.wake?.();

  private readonly onEnd = (): void => {
    this.ended = true;
    this.wake?.();
  };
}

export interface ConnectThroughOptions extends ProxyConnectOptions {
  /** What is being reached, for messages: "SOCKS5 proxy", "HTTP proxy", "host". */
  what: string;
  /** For timeout messages once connected: what the negotiation is waiting for. */
  waitingFor?: string;
}

/**
 * Connects to `address`, runs `negotiate` (if any) under the same deadline, and resolves with
 * the socket ready for use: no timeout, no listeners of ours, unread bytes put back. Errors:
 * HOP_UNREACHABLE if the address can't be reached, HOP_TIMEOUT when the deadline passes,
 * PROXY_FAILED if the connection drops during the negotiation, or whatever `negotiate` throws.
 *
 * The caller must attach its 'error' listener in the same tick it gets the socket.
 */
export function connectThrough(address: TcpTarget, options: ConnectThroughOptions, negotiate?: (reader: HandshakeReader, socket: net.Socket) => Promise<void>): Promise<net.Socket> {
  const { hop, what } = options;
  const where = `${what} ${formatAddress(address)}`;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address.host, port: address.port });
    let connected = false;
    let reader: HandshakeReader | undefined;
    let settled = false;

    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('error', onError);
      reader?.release(error);
      if (error) {
        // Whatever the dying socket still reports is moot now; it must not go unhandled.
        socket.on('error', () => undefined);
        socket.destroy();
        reject(error);
      } else {
        resolve(socket);
      }
    };

    const timer = setTimeout(() => {
      const doing = connected && options.waitingFor ? `waiting for ${options.waitingFor}` : `connecting to ${where}`;
      finish(new HoplineError(ErrorCode.HOP_TIMEOUT, `Timed out after ${options.timeoutMs} ms ${doing} for hop "${hop.name}"`, hop));
    }, options.timeoutMs);

    const onError = (error: NodeJS.ErrnoException): void => {
      if (!connected) return finish(unreachableError(error, where, hop));
      finish(new HoplineError(ErrorCode.PROXY_FAILED, `The connection to ${where} failed during the handshake for hop "${hop.name}" (${error.code ?? 'socket error'})`, hop));
    };

    const onConnect = (): void => {
      connected = true;
      if (!negotiate) return finish();
      reader = new HandshakeReader(socket, () => new HoplineError(ErrorCode.PROXY_FAILED, `${capitalise(where)} closed the connection during the handshake for hop "${hop.name}"`, hop));
      negotiate(reader, socket).then(
        () => finish(),
        (error: unknown) => finish(error instanceof Error ? error : new Error(String(error))),
      );
    };

    socket.once('connect', onConnect);
    socket.on('error', onError);
  });
}

const UNREACHABLE_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'name not found',
  EAI_AGAIN: 'name lookup failed',
  ECONNRESET: 'connection reset',
  EADDRNOTAVAIL: 'address not available',
};

function unreachableError(error: NodeJS.ErrnoException, where: string, hop: HopRef): HoplineError {
  // The OS gave up before our own deadline: still a timeout as far as the user is concerned.
  if (error.code === 'ETIMEDOUT') return new HoplineError(ErrorCode.HOP_TIMEOUT, `Timed out connecting to ${where} for hop "${hop.name}"`, hop);
  const reason = (error.code && UNREACHABLE_REASONS[error.code]) ?? error.code ?? 'connection failed';
  return new HoplineError(ErrorCode.HOP_UNREACHABLE, `Cannot reach ${where} for hop "${hop.name}": ${reason}`, hop);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// ---------------------------------------------------------------------------------------------
// SOCKS5

const SOCKS_VERSION = 0x05;
const AUTH_NONE = 0x00;
const AUTH_USERPASS = 0x02;
const AUTH_NO_ACCEPTABLE = 0xff;
const CMD_CONNECT = 0x01;
const ATYP_IPV4 = 0x01;
const ATYP_DOMAIN = 0x03;
const ATYP_IPV6 = 0x04;

/** RFC 1928 section 6. */
const REPLY_MESSAGES: Record<number, string> = {
  0x01: 'general SOCKS server failure',
  0x02: 'connection not allowed by ruleset',
  0x03: 'network unreachable',
  0x04: 'host unreachable',
  0x05: 'connection refused',
  0x06: 'TTL expired',
  0x07: 'command not supported',
  0x08: 'address type not supported',
};

/**
 * Opens a TCP tunnel to `target` through a SOCKS5 proxy. Names are sent as names (the proxy
 * resolves them, as with `ssh -D` style proxies and Tor); IP literals as addresses. Credentials
 * are offered only when a username is set. The password never appears in an error.
 */
export async function connectSocks5(proxy: ProxyEndpoint, target: TcpTarget, opts: ProxyConnectOptions): Promise<net.Socket> {
  const fail = (detail: string): HoplineError => new HoplineError(ErrorCode.PROXY_FAILED, `SOCKS5 proxy ${formatAddress(proxy)} for hop "${opts.hop.name}": ${detail}`, opts.hop);
  // Checked before connecting: nothing is sent that the protocol cannot carry.
  const request = connectRequest(target, fail);
  const credentials = credentialsMessage(proxy, fail);
  return connectThrough(proxy, { ...opts, what: 'SOCKS5 proxy', waitingFor: `SOCKS5 proxy ${formatAddress(proxy)} to open a tunnel to ${formatAddress(target)}` }, async (reader, socket) => {
    await chooseAuth(reader, socket, credentials, fail);
    socket.write(request);
    await readConnectReply(reader, target, fail);
  });
}

type Fail = (detail: string) => HoplineError;

/** Greeting and method selection, then RFC 1929 if the proxy picked it. */
async function chooseAuth(reader: HandshakeReader, socket: net.Socket, credentials: Buffer | undefined, fail: Fail): Promise<void> {
  const methods = credentials ? [AUTH_NONE, AUTH_USERPASS] : [AUTH_NONE];
  socket.write(Buffer.from([SOCKS_VERSION, methods.length, ...methods]));
  const [version, method] = await reader.readExactly(2);
  if (version !== SOCKS_VERSION) throw fail(`not a SOCKS5 proxy (version byte 0x${hex(version)})`);
  if (method === AUTH_NONE) return;
  if (method === AUTH_NO_ACCEPTABLE) {
    throw fail(credentials ? 'the proxy accepts none of the offered authentication methods' : 'the proxy requires authentication; set a username and password');
  }
  if (method !== AUTH_USERPASS || !credentials) throw fail(`the proxy chose an authentication method that was not offered (0x${hex(method)})`);
  socket.write(credentials);
  const [, status] = await reader.readExactly(2);
  if (status !== 0x00) throw fail('the proxy rejected the username or password');
}

/** The RFC 1929 request, or undefined without a username. */
function credentialsMessage(proxy: ProxyEndpoint, fail: Fail): Buffer | undefined {
  if (!proxy.username) return undefined;
  const user = Buffer.from(proxy.username, 'utf8');
  const pass = Buffer.from(proxy.password ?? '', 'utf8');
  if (user.length > 255) throw fail('the username is longer than 255 bytes');
  if (pass.length > 255) throw fail('the password is longer than 255 bytes');
  return Buffer.concat([Buffer.from([0x01, user.length]), user, Buffer.from([pass.length]), pass]);
}

function connectRequest(target: TcpTarget, fail: Fail): Buffer {
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535) throw fail(`port ${String(target.port)} is not a valid TCP port`);
  const port = Buffer.alloc(2);
  port.writeUInt16BE(target.port);
  return Buffer.concat([Buffer.from([SOCKS_VERSION, CMD_CONNECT, 0x00]), encodeAddress(target.host, fail), port]);
}

function encodeAddress(host: string, fail: Fail): Buffer {
  if (net.isIPv4(host)) return Buffer.from([ATYP_IPV4, ...host.split('.').map(Number)]);
  if (net.isIPv6(host)) return Buffer.concat([Buffer.from([ATYP_IPV6]), ipv6Bytes(host)]);
  const name = Buffer.from(host, 'utf8');
  if (name.length === 0 || name.length > 255) throw fail('the target host name must be 1 to 255 bytes long');
  return Buffer.concat([Buffer.from([ATYP_DOMAIN, name.length]), name]);
}

/** The 16 bytes of a valid IPv6 literal (`::` shorthand, embedded IPv4; a zone id is dropped). */
function ipv6Bytes(host: string): Buffer {
  let text = host.split('%')[0] as string;
  // A trailing dotted quad stands for the last two groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/u.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  const bytes = Buffer.alloc(16);
  [...headGroups, ...zeros, ...tailGroups].forEach((group, i) => bytes.writeUInt16BE(parseInt(group, 16), i * 2));
  return bytes;
}

/** Reads the reply to CONNECT through its bound address, leaving later bytes to the tunnel. */
async function readConnectReply(reader: HandshakeReader, target: TcpTarget, fail: Fail): Promise<void> {
  const [version, reply, , addressType] = await reader.readExactly(4);
  if (version !== SOCKS_VERSION) throw fail(`not a SOCKS5 reply (version byte 0x${hex(version)})`);
  if (reply !== 0x00) {
    const reason = REPLY_MESSAGES[reply as number] ?? 'unknown error';
    throw fail(`could not connect to ${formatAddress(target)}: ${reason} (0x${hex(reply)})`);
  }
  let addressLength: number;
  if (addressType === ATYP_IPV4) addressLength = 4;
  else if (addressType === ATYP_IPV6) addressLength = 16;
  else if (addressType === ATYP_DOMAIN) addressLength = (await reader.readExactly(1))[0] as number;
  else throw fail(`malformed reply (address type 0x${hex(addressType)})`);
  await reader.readExactly(addressLength + 2);
}

function hex(byte: number | undefined): string {
  return (byte ?? 0).toString(16).padStart(2, '0');
}
