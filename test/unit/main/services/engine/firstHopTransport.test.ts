import net from 'node:net';
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { openFirstHopSocket, type FirstHopSocket } from '../../../../../app/main/services/engine/firstHopTransport';
import type { HopSpec, ProxySpec } from '../../../../../app/main/services/engine/hopSpec';
import { ErrorCode, type HoplineError } from '../../../../../app/shared/model/errors';
import { checkLeaksAfterEach, TCP_AND_CHILD_RESOURCES } from '../../../../helpers/leakCheck';
import { closedPort, hoplineFailure, TinyServers } from '../../../../helpers/tinyServers';

const HOP = { index: 0, name: 'bastion' };
const quote = (word: string): string => `'${word.replaceAll("'", `'"'"'`)}'`;
/** A stand-in for `nc %h %p`: pipes stdin/stdout to a TCP port. */
const BRIDGE = `${quote(process.execPath)} -e ${quote('const s=require("net").connect(Number(process.argv[2]),process.argv[1]);process.stdin.pipe(s);s.pipe(process.stdout)')} %h %p`;

// ---------------------------------------------------------------------------------------------
// An echo "SSH server", and minimal no-auth SOCKS5 and HTTP CONNECT proxies, on 127.0.0.1
// only. Every transport, socket and server a test opens is closed after it; nothing may remain.

const tiny = new TinyServers();
const transports: FirstHopSocket[] = [];

checkLeaksAfterEach(TCP_AND_CHILD_RESOURCES, async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
  await tiny.closeAll();
});

/** Splices `client` to 127.0.0.1:`port` once the reply has been written. */
function splice(client: net.Socket, port: number, reply: Buffer | string): void {
  const upstream = tiny.track(net.connect(port, '127.0.0.1'));
  upstream.once('connect', () => {
    client.write(reply);
    client.pipe(upstream).pipe(client);
    client.resume();
  });
}

/** No-auth SOCKS5 that expects the whole greeting and request in order; enough for a client that waits for each answer. */
const socksProxy = (): Promise<number> =>
  tiny.listen((client) => {
    let stage = 0;
    const onData = (chunk: Buffer): void => {
      if (stage++ === 0) return void client.write(Buffer.from([5, 0]));
      client.off('data', onData);
      client.pause();
      splice(client, chunk.readUInt16BE(chunk.length - 2), Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]));
    };
    client.on('data', onData);
  });

const httpProxy = (): Promise<number> =>
  tiny.listen((client) => {
    client.once('data', (chunk: Buffer) => {
      client.pause();
      const port = Number(/^CONNECT [^ ]*:(\d+) /u.exec(chunk.toString('latin1'))?.[1]);
      splice(client, port, 'HTTP/1.1 200 Connection established\r\n\r\n');
    });
  });

function spec(port: number, proxy?: ProxySpec): HopSpec {
  return { name: 'bastion', host: '127.0.0.1', port, user: 'ana', auth: [{ kind: 'agent' }], ...(proxy ? { proxy } : {}) };
}

async function open(hopSpec: HopSpec, timeoutMs = 2000): Promise<FirstHopSocket> {
  const transport = await openFirstHopSocket(hopSpec, HOP, timeoutMs);
  transport.sock.on('error', () => undefined);
  transports.push(transport);
  return transport;
}

/** Writes a line and reads its echo, leaving the stream open (close() is what tests end it). */
async function expectRoundTrip(sock: Duplex): Promise<void> {
  const line = 'SSH-2.0-Hopline\r\n';
  const echoed = new Promise<string>((resolve) => {
    let got = '';
    const onData = (chunk: Buffer): void => {
      got += chunk.toString();
      if (got.length < line.length) return;
      sock.off('data', onData);
      sock.pause();
      resolve(got);
    };
    sock.on('data', onData);
  });
  sock.write(line);
  expect(await echoed).toBe(line);
  expect(sock.destroyed).toBe(false);
}

const failure = (promise: Promise<unknown>): Promise<HoplineError> => hoplineFailure(promise, HOP);

// ---------------------------------------------------------------------------------------------

describe('openFirstHopSocket', () => {
  it('connects directly over TCP, and close() closes the socket', async () => {
    const port = await tiny.echoServer();
    const transport = await open(spec(port));
    expect(transport.describe).toBe(`direct TCP to 127.0.0.1:${port}`);
    await expectRoundTrip(transport.sock);
    await transport.close();
    expect(transport.sock.destroyed).toBe(true);
    expect((transport.sock as net.Socket).closed).toBe(true);
  });

  it('reports HOP_UNREACHABLE naming the hop and the address', async () => {
    const port = await closedPort();
    const error = await failure(openFirstHopSocket(spec(port), HOP, 2000));
    expect(error.code).toBe(ErrorCode.HOP_UNREACHABLE);
    expect(error.message).toBe(`Cannot reach host 127.0.0.1:${port} for hop 1 (bastion): connection refused`);
    // The OS's code is kept for Details, out of the sentence.
    expect(error.detail).toBe('ECONNREFUSED');
  });

  it('goes through a ProxyCommand, describing it without its arguments, and reaps it on close', async () => {
    const port = await tiny.echoServer();
    const transport = await open(spec(port, { kind: 'command', command: BRIDGE }));
    expect(transport.describe).toMatch(/^ProxyCommand node(\.exe)? \(pid \d+\)$/u);
    expect(transport.describe).not.toContain('require');
    await expectRoundTrip(transport.sock);
    const pid = Number(/pid (\d+)/u.exec(transport.describe)?.[1]);
    await transport.close();
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  });

  it('fails with PROXY_FAILED when the ProxyCommand cannot be started', async () => {
    const error = await failure(openFirstHopSocket(spec(22, { kind: 'command', command: '/nonexistent/hopline-proxy %h %p' }), HOP, 2000));
    expect(error.code).toBe(ErrorCode.PROXY_FAILED);
    expect(error.message).toMatch(/ENOENT/u);
  });

  it('refuses a hostile host for a ProxyCommand', async () => {
    const hostile = { ...spec(22, { kind: 'command', command: 'nc %h %p' }), host: '-oProxyCommand=touch /tmp/pwned' };
    expect((await failure(openFirstHopSocket(hostile, HOP, 2000))).code).toBe(ErrorCode.PROXY_FAILED);
  });

  it('goes through a SOCKS5 proxy', async () => {
    const port = await tiny.echoServer();
    const proxyPort = await socksProxy();
    const transport = await open(spec(port, { kind: 'socks5', host: '127.0.0.1', port: proxyPort }));
    expect(transport.describe).toBe(`SOCKS5 proxy 127.0.0.1:${proxyPort} to 127.0.0.1:${port}`);
    await expectRoundTrip(transport.sock);
  });

  it('goes through an HTTP CONNECT proxy, never describing its credentials', async () => {
    const port = await tiny.echoServer();
    const proxyPort = await httpProxy();
    const transport = await open(spec(port, { kind: 'http', host: '127.0.0.1', port: proxyPort, username: 'ana', password: 'hunter2' }));
    expect(transport.describe).toBe(`HTTP CONNECT proxy 127.0.0.1:${proxyPort} to 127.0.0.1:${port}`);
    await expectRoundTrip(transport.sock);
  });

  it('passes proxy failures through with their codes', async () => {
    const port = await closedPort();
    const socks = await failure(openFirstHopSocket(spec(22, { kind: 'socks5', host: '127.0.0.1', port }), HOP, 2000));
    expect(socks.code).toBe(ErrorCode.HOP_UNREACHABLE);
    const silent = await tiny.listen(() => undefined);
    const http = await failure(openFirstHopSocket(spec(22, { kind: 'http', host: '127.0.0.1', port: silent }), HOP, 100));
    expect(http.code).toBe(ErrorCode.HOP_TIMEOUT);
  });
});
