import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { connectSocks5 } from '../../../../../app/main/services/engine/socksProxy';
import { ErrorCode, type HoplineError } from '../../../../../app/shared/model/errors';
import { checkLeaksAfterEach, TCP_RESOURCES } from '../../../../helpers/leakCheck';
import { closedPort, expectEcho, hoplineFailure, readBytes, TinyServers } from '../../../../helpers/tinyServers';

const HOP = { index: 0, name: 'bastion' };
const PASSWORD = 'pr0xy-s3cret-pw';
const AUTH = { username: 'ana', password: PASSWORD };

// ---------------------------------------------------------------------------------------------
// A minimal SOCKS5 server (RFC 1928/1929) and an echo server, on 127.0.0.1 only. Every socket
// and server a test opens is closed after it, and nothing may be left behind.

const tiny = new TinyServers();
checkLeaksAfterEach(TCP_RESOURCES, () => tiny.closeAll());

/** Reads exact byte counts off a socket; `rest()` hands back what was read ahead. */
function byteReader(socket: net.Socket): { read(count: number): Promise<Buffer>; rest(): Buffer } {
  let buffer = Buffer.alloc(0);
  let wake: (() => void) | undefined;
  const onData = (chunk: Buffer): void => {
    buffer = Buffer.concat([buffer, chunk]);
    wake?.();
  };
  socket.on('data', onData);
  socket.on('close', () => wake?.());
  return {
    async read(count) {
      while (buffer.length < count) {
        if (socket.destroyed) throw new Error('closed');
        await new Promise<void>((resolve) => (wake = resolve));
      }
      const head = buffer.subarray(0, count);
      buffer = buffer.subarray(count);
      return head;
    },
    rest() {
      socket.off('data', onData);
      socket.pause();
      return buffer;
    },
  };
}

interface SocksRequest {
  addressType: number;
  address: Buffer;
  port: number;
}

interface SocksServerOptions {
  auth?: { username: string; password: string };
  /** Reply with this code instead of connecting. */
  reply?: number;
  /** Accept and never answer. */
  silent?: boolean;
  /** Sent in the same write as the success reply, as an SSH server's banner would follow it. */
  trailing?: string;
}

async function socksServer(options: SocksServerOptions = {}): Promise<{ port: number; requests: SocksRequest[]; greetings: number[][] }> {
  const requests: SocksRequest[] = [];
  const greetings: number[][] = [];
  const port = await tiny.listen((client) => {
    if (options.silent) return;
    serve(client, options, requests, greetings).catch(() => client.destroy());
  });
  return { port, requests, greetings };
}

async function serve(client: net.Socket, options: SocksServerOptions, requests: SocksRequest[], greetings: number[][]): Promise<void> {
  const reader = byteReader(client);
  const [, count] = await reader.read(2);
  const methods = [...(await reader.read(count as number))];
  greetings.push(methods);
  if (options.auth) {
    if (!methods.includes(0x02)) return void client.end(Buffer.from([5, 0xff]));
    client.write(Buffer.from([5, 0x02]));
    const [, userLength] = await reader.read(2);
    const user = (await reader.read(userLength as number)).toString();
    const [passLength] = await reader.read(1);
    const pass = (await reader.read(passLength as number)).toString();
    if (user !== options.auth.username || pass !== options.auth.password) return void client.end(Buffer.from([1, 1]));
    client.write(Buffer.from([1, 0]));
  } else {
    client.write(Buffer.from([5, 0x00]));
  }
  const [, , , addressType] = await reader.read(4);
  const addressLength = addressType === 1 ? 4 : addressType === 4 ? 16 : ((await reader.read(1))[0] as number);
  const address = await reader.read(addressLength);
  const port = (await reader.read(2)).readUInt16BE(0);
  requests.push({ addressType: addressType as number, address, port });
  const failure = (code: number): void => void client.end(Buffer.from([5, code, 0, 1, 0, 0, 0, 0, 0, 0]));
  if (options.reply !== undefined) return failure(options.reply);
  // Every target is on this machine: connect to 127.0.0.1 whatever the address said.
  const upstream = tiny.track(net.connect(port, '127.0.0.1'));
  upstream.once('error', () => failure(0x05));
  upstream.once('connect', () => {
    client.write(Buffer.concat([Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, port >> 8, port & 0xff]), Buffer.from(options.trailing ?? '')]));
    const early = reader.rest();
    if (early.length > 0) upstream.write(early);
    client.pipe(upstream).pipe(client);
  });
}

async function expectRoundTrip(socket: net.Socket): Promise<void> {
  await expectEcho(tiny.track(socket), 'ping through socks');
}

async function failure(promise: Promise<unknown>): Promise<HoplineError> {
  const error = await hoplineFailure(promise, HOP);
  expect(error.message).toContain('hop 1 (bastion)');
  expect(error.message).not.toContain(PASSWORD);
  return error;
}

const opts = { timeoutMs: 2000, hop: HOP };

// ---------------------------------------------------------------------------------------------

describe('connectSocks5', () => {
  it('opens a tunnel without authentication, sending an IPv4 target as an address', async () => {
    const target = await tiny.echoServer();
    const proxy = await socksServer();
    await expectRoundTrip(await connectSocks5({ host: '127.0.0.1', port: proxy.port }, { host: '127.0.0.1', port: target }, opts));
    expect(proxy.greetings).toEqual([[0x00]]);
    expect(proxy.requests).toEqual([{ addressType: 1, address: Buffer.from([127, 0, 0, 1]), port: target }]);
  });

  it('opens a tunnel with username and password, leaving names for the proxy to resolve', async () => {
    const target = await tiny.echoServer();
    const proxy = await socksServer({ auth: AUTH });
    await expectRoundTrip(await connectSocks5({ host: '127.0.0.1', port: proxy.port, ...AUTH }, { host: 'localhost', port: target }, opts));
    expect(proxy.greetings).toEqual([[0x00, 0x02]]);
    expect(proxy.requests).toEqual([{ addressType: 3, address: Buffer.from('localhost'), port: target }]);
  });

  it('sends an IPv6 target as a 16-byte address', async () => {
    const proxy = await socksServer({ reply: 0x02 });
    await failure(connectSocks5({ host: '127.0.0.1', port: proxy.port }, { host: '2001:db8::1:2', port: 22 }, opts));
    await failure(connectSocks5({ host: '127.0.0.1', port: proxy.port }, { host: '::ffff:192.0.2.1', port: 22 }, opts));
    expect(proxy.requests.map((r) => [r.addressType, r.address.toString('hex')])).toEqual([
      [4, '20010db8000000000000000000010002'],
      [4, '00000000000000000000ffffc0000201'],
    ]);
  });

  it('keeps bytes the target sent right after the reply', async () => {
    const target = await tiny.echoServer();
    const proxy = await socksServer({ trailing: 'SSH-2.0-Banner\r\n' });
    const socket = tiny.track(await connectSocks5({ host: '127.0.0.1', port: proxy.port }, { host: '127.0.0.1', port: target }, opts));
    // A consumer that attaches late (as ssh2 does after its own setup) still gets them first.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await readBytes(socket, 16)).toBe('SSH-2.0-Banner\r\n');
    await expectRoundTrip(socket);
  });

  it('reports a wrong password without revealing it', async () => {
    const proxy = await socksServer({ auth: AUTH });
    const error = await failure(connectSocks5({ host: '127.0.0.1', port: proxy.port, username: 'ana', password: `${PASSWORD}-wrong` }, { host: '127.0.0.1', port: 22 }, opts));
    expect(error.code).toBe(ErrorCode.PROXY_FAILED);
    expect(error.message).toMatch(/rejected the username or password/u);
    expect(error.message).not.toContain('wrong');
  });

  it('says so when the proxy wants credentials and none are set', async () => {
    const proxy = await socksServer({ auth: AUTH });
    const error = await failure(connectSocks5({ host: '127.0.0.1', port: proxy.port }, { host: '127.0.0.1', port: 22 }, opts));
    expect(error.message).toMatch(/requires authentication/u);
  });

  it('maps a refused target and a ruleset refusal to clear messages', async () => {
    const proxy = await socksServer();
    const port = await closedPort();
    const refused = await failure(connectSocks5({ host: '127.0.0.1', port: proxy.port, ...AUTH }, { host: '127.0.0.1', port }, opts));
    expect(refused.code).toBe(ErrorCode.PROXY_FAILED);
    expect(refused.message).toMatch(new RegExp(`could not connect to 127\\.0\\.0\\.1:${port}: connection refused \\(0x05\\)`, 'u'));

    const strict = await socksServer({ reply: 0x02 });
    const ruled = await failure(connectSocks5({ host: '127.0.0.1', port: strict.port }, { host: 'internal.example', port: 22 }, opts));
    expect(ruled.message).toMatch(/connection not allowed by ruleset \(0x02\)/u);
  });

  it('reports HOP_UNREACHABLE when the proxy is not listening', async () => {
    const port = await closedPort();
    const error = await failure(connectSocks5({ host: '127.0.0.1', port, ...AUTH }, { host: 'target.example', port: 22 }, opts));
    expect(error.code).toBe(ErrorCode.HOP_UNREACHABLE);
    expect(error.message).toBe(`Cannot reach SOCKS5 proxy 127.0.0.1:${port} for hop 1 (bastion): connection refused`);
  });

  it('reports HOP_TIMEOUT when the proxy accepts but never answers', async () => {
    const proxy = await socksServer({ silent: true });
    const started = Date.now();
    const error = await failure(connectSocks5({ host: '127.0.0.1', port: proxy.port, ...AUTH }, { host: 'target.example', port: 22 }, { timeoutMs: 150, hop: HOP }));
    expect(Date.now() - started).toBeLessThan(1500);
    expect(error.code).toBe(ErrorCode.HOP_TIMEOUT);
    expect(error.message).toMatch(/Timed out after 150 ms waiting for SOCKS5 proxy .* to open a tunnel to target\.example:22/u);
  });

  it('reports a proxy that hangs up mid-handshake, or is not SOCKS5 at all', async () => {
    const rudePort = await tiny.listen((socket) => socket.end());
    const closed = await failure(connectSocks5({ host: '127.0.0.1', port: rudePort }, { host: 'x.example', port: 22 }, opts));
    expect(closed.code).toBe(ErrorCode.PROXY_FAILED);
    expect(closed.message).toMatch(/closed the connection during the handshake/u);

    const httpPort = await tiny.listen((socket) => void socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    expect((await failure(connectSocks5({ host: '127.0.0.1', port: httpPort }, { host: 'x.example', port: 22 }, opts))).message).toMatch(/not a SOCKS5 proxy/u);
  });

  it('refuses what the protocol cannot carry before connecting', async () => {
    const port = await closedPort();
    const long = 'x'.repeat(256);
    expect((await failure(connectSocks5({ host: '127.0.0.1', port }, { host: long, port: 22 }, opts))).code).toBe(ErrorCode.PROXY_FAILED);
    expect((await failure(connectSocks5({ host: '127.0.0.1', port, username: 'ana', password: long }, { host: 'x', port: 22 }, opts))).message).toMatch(/password is longer/u);
    expect((await failure(connectSocks5({ host: '127.0.0.1', port }, { host: 'x', port: 70000 }, opts))).message).toMatch(/not a valid TCP port/u);
  });
});
