/**
 * The TCP plumbing that every first-hop transport but ProxyCommand shares: `connectThrough`
 * (connect, negotiate, one deadline, errors mapped), `HandshakeReader` for the SOCKS5 and HTTP
 * CONNECT negotiations, `formatAddress`, and `sanitizeForMessage` for text from elsewhere that
 * ends up in an error message.
 */
import net from 'node:net';
import { ErrorCode, HoplineError, type HopRef } from '../../../shared/model/errors';
import { hopName } from '../../../shared/model/hopName';

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
    // No Nagle: an SSH connection carries keystrokes and, for terminals, the small window adjusts
    // that flow control sends on resume; held back until the peer's (delayed, up to 40 ms) ACK,
    // each would stall a round trip. OpenSSH sets the same for interactive sessions.
    const socket = net.connect({ host: address.host, port: address.port, noDelay: true });
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
      finish(new HoplineError(ErrorCode.HOP_TIMEOUT, `Timed out after ${options.timeoutMs} ms ${doing} for ${hopName(hop)}`, hop));
    }, options.timeoutMs);

    const onError = (error: NodeJS.ErrnoException): void => {
      if (!connected) return finish(unreachableError(error, where, hop));
      finish(new HoplineError(ErrorCode.PROXY_FAILED, `The connection to ${where} failed during the handshake for ${hopName(hop)}`, hop, error.code ?? 'socket error'));
    };

    const onConnect = (): void => {
      connected = true;
      if (!negotiate) return finish();
      reader = new HandshakeReader(socket, () => new HoplineError(ErrorCode.PROXY_FAILED, `${capitalise(where)} closed the connection during the handshake for ${hopName(hop)}`, hop));
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
  if (error.code === 'ETIMEDOUT') return new HoplineError(ErrorCode.HOP_TIMEOUT, `Timed out connecting to ${where} for ${hopName(hop)}`, hop, error.code);
  const reason = (error.code && UNREACHABLE_REASONS[error.code]) ?? 'connection failed';
  // The OS's own code (ECONNREFUSED …) is for whoever debugs it: shown under Details, not in the sentence.
  return new HoplineError(ErrorCode.HOP_UNREACHABLE, `Cannot reach ${where} for ${hopName(hop)}: ${reason}`, hop, error.code ?? error.message);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// ---------------------------------------------------------------------------------------------
// Messages

/**
 * Makes text from elsewhere (stderr, a proxy's status line, a server's disconnect reason, a
 * hostile name) safe to show in one line: terminal escape sequences (CSI, and OSC up to its
 * terminator) are dropped, line breaks and tabs become spaces, other control or invisible
 * characters (C0, C1, bidirectional overrides) become `?`. At most `maxLength` characters come
 * back, the cut marked with `…`, so a server's page of text stays out of a message (ssh2 caps what
 * a server can send in one message at 35 kB, so the whole text is cleaned before the cut).
 */
export function sanitizeForMessage(text: string, maxLength = Number.POSITIVE_INFINITY): string {
  const clean = text
    // eslint-disable-next-line no-control-regex -- matching terminal escapes is the point
    .replace(/\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/gu, '')
    // eslint-disable-next-line no-control-regex -- matching terminal escapes is the point
    .replace(/\u001b\[[0-?]*[ -/]*[@-~]/gu, '')
    .replace(/[\r\n\t]+/gu, ' ')
    .replace(/[\p{C}]/gu, '?')
    .replace(/ {2,}/gu, ' ')
    .trim();
  if (clean.length <= maxLength) return clean;
  let cut = clean.slice(0, Math.max(0, maxLength - 1));
  // Never end on half a surrogate pair.
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}
