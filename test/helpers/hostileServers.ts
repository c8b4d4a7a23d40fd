/**
 * Hostile SSH servers on 127.0.0.1, for the engine's robustness tests: ssh2 Server instances
 * that misbehave at the protocol's edges (floods of prompts, huge banners, refusals carrying
 * escape sequences), and raw TCP servers that speak just enough SSH by hand to stall or break
 * the handshake where ssh2's Server would not. A well-behaved ssh2 bastion is here too, so a
 * hostile server can be the second hop of a circuit.
 *
 * Every server and socket goes through one TinyServers, so `closeAll()` leaves nothing open.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import ssh2, { type AuthContext, type Connection, type ServerConfig } from 'ssh2';
import { TinyServers } from './tinyServers';
import { testHostKey } from './hostKey';

const { Server, utils } = ssh2;

export const HOSTILE_IDENT = 'SSH-2.0-Hostile_0.1';

/**
 * Text a hostile server puts wherever it may: OSC (retitle), CSI (clear screen), a C1 CSI, a
 * DCS query, BEL, bidi override and isolate, and HTML that would run script if rendered as markup.
 */
export const HOSTILE_TEXT = '\x1b]0;pwned\x07\x1b[2J\x9b31m\u202eevil\u202c \u2066x\u2069 <img src=x onerror=alert(1)> \x1bP+q544e\x1b\\ \x07';

/** Bytes a terminal or a browser would act on: C0 (but tab and newline), DEL, C1, bidi controls. */
export function actionableCharacters(text: string): string[] {
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  return [...text].filter((c) => /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/.test(c));
}

// ---------------------------------------------------------------------------------------------
// The SSH wire format, just enough to write a server's side of the version exchange and KEXINIT

export function sshString(value: string | Buffer): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** An unencrypted binary packet (RFC 4253 §6), as sent before the first NEWKEYS. */
export function sshPacket(payload: Buffer): Buffer {
  let padding = 8 - ((payload.length + 5) % 8);
  if (padding < 4) padding += 8;
  const header = Buffer.alloc(5);
  header.writeUInt32BE(1 + payload.length + padding);
  header[4] = padding;
  return Buffer.concat([header, payload, randomBytes(padding)]);
}

export interface AlgorithmLists {
  kex: string[];
  hostKey: string[];
  cipher: string[];
  mac: string[];
  compression: string[];
}

/** What ssh2's client accepts, so a server offering these gets as far as the key exchange. */
export const REAL_ALGORITHMS: AlgorithmLists = { kex: ['curve25519-sha256', 'ecdh-sha2-nistp256'], hostKey: ['ssh-ed25519'], cipher: ['aes128-ctr'], mac: ['hmac-sha2-256'], compression: ['none'] };
/** Names nobody implements. */
export const MADE_UP_ALGORITHMS: AlgorithmLists = {
  kex: ['quantum-handshake-9000@hostile.invalid', 'rot13-kex@hostile.invalid'],
  hostKey: ['ssh-crayon@hostile.invalid'],
  cipher: ['xor-with-42@hostile.invalid'],
  mac: ['crc8@hostile.invalid'],
  compression: ['zip-bomb@hostile.invalid'],
};

/** SSH_MSG_KEXINIT (RFC 4253 §7.1), the same lists both ways. */
export function kexInitPayload(lists: AlgorithmLists): Buffer {
  const list = (names: string[]): Buffer => sshString(names.join(','));
  return Buffer.concat([
    Buffer.from([20]),
    randomBytes(16),
    list(lists.kex),
    list(lists.hostKey),
    list(lists.cipher),
    list(lists.cipher),
    list(lists.mac),
    list(lists.mac),
    list(lists.compression),
    list(lists.compression),
    list([]),
    list([]),
    Buffer.from([0, 0, 0, 0, 0]),
  ]);
}

/** SSH_MSG_DISCONNECT with the server's own description. */
export function disconnectPayload(reason: number, description: string): Buffer {
  const code = Buffer.alloc(4);
  code.writeUInt32BE(reason);
  return Buffer.concat([Buffer.from([1]), code, sshString(description), sshString('')]);
}

/** Waits for the client's version line (and whatever follows it in the same read), then calls `then`. */
function afterClientIdent(socket: net.Socket, then: () => void): void {
  let seen = '';
  const onData = (chunk: Buffer): void => {
    seen += chunk.toString('latin1');
    if (!seen.includes('\n')) return;
    socket.off('data', onData);
    // Keep reading (and dropping) so the client's writes never block on us.
    socket.resume();
    then();
  };
  socket.on('data', onData);
}

/** Sends its version string, then never another byte. */
function identThenSilence(socket: net.Socket): void {
  socket.write(`${HOSTILE_IDENT}\r\n`);
  socket.resume();
}

/** Raw server behaviours: each gets an accepted socket. */
export const rawBehaviour = {
  identThenSilence,
  /** Sends its version string and a KEXINIT the client accepts, then never answers the key exchange. */
  kexInitThenSilence: (socket: net.Socket): void => {
    socket.write(Buffer.concat([Buffer.from(`${HOSTILE_IDENT}\r\n`), sshPacket(kexInitPayload(REAL_ALGORITHMS))]));
    socket.resume();
  },
  /** Completes the version exchange, then closes. */
  closeAfterIdent: (socket: net.Socket): void => {
    socket.write(`${HOSTILE_IDENT}\r\n`);
    afterClientIdent(socket, () => socket.end());
  },
  /** Offers only `lists` in its KEXINIT. */
  kexInitWith:
    (lists: AlgorithmLists) =>
    (socket: net.Socket): void => {
      socket.write(`${HOSTILE_IDENT}\r\n`);
      afterClientIdent(socket, () => socket.write(sshPacket(kexInitPayload(lists))));
    },
  /** Answers the version exchange with a DISCONNECT carrying `description`. */
  disconnectWith:
    (reason: number, description: string) =>
    (socket: net.Socket): void => {
      socket.write(`${HOSTILE_IDENT}\r\n`);
      afterClientIdent(socket, () => socket.end(sshPacket(disconnectPayload(reason, description))));
    },
  /**
   * `totalBytes` of text lines before the version string (RFC 4253 §4.2 lets a server send
   * lines before it), then the version string, then silence. Written in 64 kB pieces with
   * backpressure, so the server side holds no megabyte of its own.
   */
  linesBeforeIdent:
    (totalBytes: number, lineLength: number, then: (socket: net.Socket) => void = identThenSilence) =>
    (socket: net.Socket): void => {
      const line = `${'~'.repeat(Math.max(1, lineLength - 2))}\r\n`;
      const piece = Buffer.from(line.repeat(Math.max(1, Math.floor(65_536 / line.length))));
      let left = totalBytes;
      const pump = (): void => {
        while (left > 0 && !socket.destroyed) {
          const chunk = piece.subarray(0, Math.min(piece.length, Math.ceil(left / line.length) * line.length));
          left -= chunk.length;
          if (!socket.write(chunk)) return void socket.once('drain', pump);
        }
        if (!socket.destroyed) then(socket);
      };
      socket.resume();
      pump();
    },
};

// ---------------------------------------------------------------------------------------------
// ssh2 servers

export type AuthHandler = (ctx: AuthContext, conn: Connection) => void;

export interface SshServerOptions {
  /** Each authentication request; default: accept whatever comes (`none` included). */
  auth?: AuthHandler;
  /** SSH_MSG_USERAUTH_BANNER text, sent once before authentication. */
  banner?: string;
  /** Lines sent before the version string. */
  greeting?: string;
  algorithms?: ServerConfig['algorithms'];
  /**
   * direct-tcpip: 'loopback' forwards to 127.0.0.1 (a well-behaved bastion); 'stall' never
   * answers; `{ refuseWith }` refuses with that description (reason 1, administratively prohibited).
   * Default: refuse silently.
   */
  forwarding?: 'loopback' | 'stall' | { refuseWith: string };
}

export interface SshServer {
  port: number;
  /** Handshakes completed so far. */
  readonly handshakes: number;
}

/** Accepts any authentication at once. */
export const acceptAll: AuthHandler = (ctx) => ctx.accept();

/** Asks `count` prompts in one keyboard-interactive round, and refuses everything. */
export function promptFlood(count: number): AuthHandler {
  return (ctx) => {
    if (ctx.method !== 'keyboard-interactive') return ctx.reject(['keyboard-interactive']);
    ctx.prompt(
      Array.from({ length: count }, (_, i) => ({ prompt: `Code ${i + 1}: `, echo: false })),
      () => ctx.reject(['keyboard-interactive']),
    );
  };
}

/** `perRound` prompts a round (one by default) for `rounds` rounds, never satisfied; `record` counts the rounds answered. */
export function endlessRounds(rounds: number, record: { answered: number }, perRound = 1): AuthHandler {
  return (ctx) => {
    if (ctx.method !== 'keyboard-interactive') return ctx.reject(['keyboard-interactive']);
    let round = 0;
    const next = (): void => {
      if (round++ >= rounds) return ctx.reject(['keyboard-interactive']);
      ctx.prompt(Array.from({ length: perRound }, () => ({ prompt: `Round ${round} code: `, echo: false })), (answers) => {
        if (!Array.isArray(answers)) return;
        record.answered++;
        next();
      });
    };
    next();
  };
}

/** A keyboard-interactive round whose name, instructions and prompt are `text`, accepted once answered. */
export function hostilePrompt(name: string, instructions: string, prompt: string): AuthHandler {
  return (ctx) => {
    if (ctx.method !== 'keyboard-interactive') return ctx.reject(['keyboard-interactive']);
    ctx.prompt([{ prompt, echo: false }], name, instructions, (answers) => (Array.isArray(answers) && answers.length === 1 ? ctx.accept() : ctx.reject()));
  };
}

/** Answers the first authentication request with SSH_MSG_DISCONNECT (`reason`, ssh2's stock description). */
export function disconnectOnAuth(reason: number): AuthHandler {
  return (_ctx, conn) => {
    (conn as unknown as { _protocol: { disconnect(reason: number): void } })._protocol.disconnect(reason);
    conn.end();
  };
}

/** Never answers an authentication request. */
export const silentAuth: AuthHandler = () => undefined;

export class HostileServers {
  readonly tcp = new TinyServers();
  private readonly hostKey = testHostKey();
  private readonly knownLines: string[] = [];

  /** known_hosts lines for every ssh2 server started so far. */
  knownHosts(): string {
    return this.knownLines.join('');
  }

  /** A raw TCP server on 127.0.0.1 running `behaviour` on every connection. */
  raw(behaviour: (socket: net.Socket) => void): Promise<number> {
    return this.tcp.listen(behaviour);
  }

  /** An ssh2 Server on 127.0.0.1 (its connections arrive through a tracked net.Server). */
  async ssh(options: SshServerOptions = {}): Promise<SshServer> {
    const state = { handshakes: 0 };
    const config: ServerConfig = { hostKeys: [this.hostKey.private], ident: 'Hostile_0.1' };
    if (options.banner !== undefined) config.banner = options.banner;
    if (options.greeting !== undefined) config.greeting = options.greeting;
    if (options.algorithms) config.algorithms = options.algorithms;
    const server = new Server(config, (conn: Connection) => {
      conn.on('error', () => undefined);
      conn.on('handshake', () => state.handshakes++);
      conn.on('authentication', (ctx) => (options.auth ?? acceptAll)(ctx, conn));
      this.forwarding(conn, options.forwarding);
      conn.on('session', (accept) => {
        const session = accept();
        session.on('exec', (acceptExec, _reject, info) => {
          const channel = acceptExec();
          channel.write(`ran: ${info.command}\n`);
          channel.exit(0);
          channel.end();
        });
      });
    });
    const port = await this.tcp.listen((socket) => server.injectSocket(socket));
    const parsed = utils.parseKey(this.hostKey.public);
    if (parsed instanceof Error) throw parsed;
    this.knownLines.push(`[127.0.0.1]:${port} ${parsed.type} ${parsed.getPublicSSH().toString('base64')}\n`);
    return {
      port,
      get handshakes() {
        return state.handshakes;
      },
    };
  }

  closeAll(): Promise<void> {
    return this.tcp.closeAll();
  }

  private forwarding(conn: Connection, how: SshServerOptions['forwarding']): void {
    if (how !== undefined && typeof how === 'object') {
      // ssh2's Server refuses a channel with an empty description; a hostile one says what it likes.
      const protocol = (conn as unknown as { _protocol: { _handlers: Record<string, unknown>; channelOpenFail(remote: number, reason: number, desc: string): void } })._protocol;
      protocol._handlers.CHANNEL_OPEN = (_p: unknown, info: { sender: number }) => protocol.channelOpenFail(info.sender, 1, how.refuseWith);
      return;
    }
    conn.on('tcpip', (accept, reject, info) => {
      if (how === 'stall') return;
      if (how !== 'loopback' || info.destIP !== '127.0.0.1') return reject();
      const out = this.tcp.track(net.connect(info.destPort, info.destIP));
      out.once('error', () => reject());
      out.once('connect', () => {
        const channel = accept();
        channel.on('error', () => undefined);
        channel.pipe(out).pipe(channel);
        channel.on('close', () => out.destroy());
        out.on('close', () => channel.close());
      });
    });
  }
}

/** Runs `work` while sampling this process's memory; growth is the peak above the start, in MB. */
export async function measurePeakGrowth<T>(work: () => Promise<T>): Promise<{ outcome: T; rssMB: number; heapMB: number }> {
  const before = process.memoryUsage();
  const peak = { rss: before.rss, heap: before.heapUsed };
  const sample = (): void => {
    const now = process.memoryUsage();
    peak.rss = Math.max(peak.rss, now.rss);
    peak.heap = Math.max(peak.heap, now.heapUsed);
  };
  const timer = setInterval(sample, 5);
  try {
    const outcome = await work();
    sample();
    return { outcome, rssMB: (peak.rss - before.rss) / 2 ** 20, heapMB: (peak.heap - before.heapUsed) / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}
