import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { connectHttpProxy } from '../../../../../app/main/services/engine/httpConnectProxy';
import { ErrorCode, type HoplineError } from '../../../../../app/shared/model/errors';
import { checkLeaksAfterEach, TCP_RESOURCES } from '../../../../helpers/leakCheck';
import { closedPort, expectEcho, hoplineFailure, readBytes, TinyServers } from '../../../../helpers/tinyServers';

const HOP = { index: 0, name: 'bastion' };
const PASSWORD = 'pr0xy-s3cret-pw';
const AUTH = { username: 'ana', password: PASSWORD };

// ---------------------------------------------------------------------------------------------
// A minimal HTTP CONNECT proxy and an echo server, on 127.0.0.1 only. Every socket and server a
// test opens is closed after it, and nothing may be left behind.

const tiny = new TinyServers();
checkLeaksAfterEach(TCP_RESOURCES, () => tiny.closeAll());

interface HttpProxyOptions {
  auth?: { username: string; password: string };
  /** Answer with this raw response instead of connecting. */
  answer?: string;
  /** Accept and never answer. */
  silent?: boolean;
  /** Sent in the same write as the 200 head, as an SSH server's banner would follow it. */
  trailing?: string;
}

/** Request heads the proxy received, in order. */
async function httpProxy(options: HttpProxyOptions = {}): Promise<{ port: number; heads: string[] }> {
  const heads: string[] = [];
  const port = await tiny.listen((client) => {
    if (options.silent) return;
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      client.off('data', onData);
      client.pause();
      const head = received.subarray(0, end).toString('latin1');
      heads.push(head);
      answer(client, head, received.subarray(end + 4), options);
    };
    client.on('data', onData);
  });
  return { port, heads };
}

function answer(client: net.Socket, head: string, early: Buffer, options: HttpProxyOptions): void {
  const [requestLine = '', ...headerLines] = head.split('\r\n');
  const headers = new Map(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  if (options.auth) {
    const expected = `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`;
    if (headers.get('proxy-authorization') !== expected) {
      return void client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n');
    }
  }
  if (options.answer !== undefined) return void client.end(options.answer);
  const port = Number(/^CONNECT .*:(\d+) HTTP\/1\.1$/u.exec(requestLine)?.[1]);
  const upstream = tiny.track(net.connect(port, '127.0.0.1'));
  upstream.once('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n'));
  upstream.once('connect', () => {
    client.write(`HTTP/1.1 200 Connection established\r\nVia: test\r\n\r\n${options.trailing ?? ''}`);
    if (early.length > 0) upstream.write(early);
    client.pipe(upstream).pipe(client);
  });
}

async function expectRoundTrip(socket: net.Socket): Promise<void> {
  await expectEcho(tiny.track(socket), 'ping through http');
}

async function failure(promise: Promise<unknown>): Promise<HoplineError> {
  const error = await hoplineFailure(promise, HOP);
  expect(error.message).toContain('hop 1 (bastion)');
  expect(error.message).not.toContain(PASSWORD);
  expect(error.message).not.toContain(Buffer.from(`ana:${PASSWORD}`).toString('base64'));
  return error;
}

const opts = { timeoutMs: 2000, hop: HOP };

// ---------------------------------------------------------------------------------------------

describe('connectHttpProxy', () => {
  it('opens a tunnel without authentication', async () => {
    const target = await tiny.echoServer();
    const proxy = await httpProxy();
    await expectRoundTrip(await connectHttpProxy({ host: '127.0.0.1', port: proxy.port }, { host: '127.0.0.1', port: target }, opts));
    expect(proxy.heads).toEqual([`CONNECT 127.0.0.1:${target} HTTP/1.1\r\nHost: 127.0.0.1:${target}`]);
  });

  it('opens a tunnel with Basic proxy authentication', async () => {
    const target = await tiny.echoServer();
    const proxy = await httpProxy({ auth: AUTH });
    await expectRoundTrip(await connectHttpProxy({ host: '127.0.0.1', port: proxy.port, ...AUTH }, { host: 'localhost', port: target }, opts));
    expect(proxy.heads[0]).toContain(`CONNECT localhost:${target} HTTP/1.1\r\nHost: localhost:${target}\r\nProxy-Authorization: Basic `);
  });

  it('brackets an IPv6 target in the request', async () => {
    const proxy = await httpProxy({ answer: 'HTTP/1.1 403 Forbidden\r\n\r\n' });
    await failure(connectHttpProxy({ host: '127.0.0.1', port: proxy.port }, { host: '2001:db8::1', port: 22 }, opts));
    expect(proxy.heads).toEqual(['CONNECT [2001:db8::1]:22 HTTP/1.1\r\nHost: [2001:db8::1]:22']);
  });

  it('keeps bytes sent right after the response head', async () => {
    const target = await tiny.echoServer();
    const proxy = await httpProxy({ trailing: 'SSH-2.0-Banner\r\n' });
    const socket = tiny.track(await connectHttpProxy({ host: '127.0.0.1', port: proxy.port }, { host: '127.0.0.1', port: target }, opts));
    // A consumer that attaches late (as ssh2 does after its own setup) still gets them first.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await readBytes(socket, 16)).toBe('SSH-2.0-Banner\r\n');
    await expectRoundTrip(socket);
  });

  it('reports 407 as authentication required, or failed, without revealing the password', async () => {
    const proxy = await httpProxy({ auth: AUTH });
    const missing = await failure(connectHttpProxy({ host: '127.0.0.1', port: proxy.port }, { host: '127.0.0.1', port: 22 }, opts));
    expect(missing.code).toBe(ErrorCode.PROXY_FAILED);
    expect(missing.message).toMatch(/proxy authentication required \(407\)/u);
    const wrong = await failure(connectHttpProxy({ host: '127.0.0.1', port: proxy.port, username: 'ana', password: `${PASSWORD}-wrong` }, { host: '127.0.0.1', port: 22 }, opts));
    expect(wrong.message).toMatch(/proxy authentication failed \(407\)/u);
    expect(wrong.message).not.toContain('wrong');
  });

  it('reports another status with its (sanitised, redacted) status line', async () => {
    const target = await closedPort();
    const proxy = await httpProxy();
    const refused = await failure(connectHttpProxy({ host: '127.0.0.1', port: proxy.port, ...AUTH }, { host: '127.0.0.1', port: target }, opts));
    expect(refused.code).toBe(ErrorCode.PROXY_FAILED);
    expect(refused.message).toBe(`HTTP proxy 127.0.0.1:${proxy.port} for hop 1 (bastion): refused the tunnel to 127.0.0.1:${target}: "HTTP/1.1 502 Bad Gateway"`);

    const echoing = await httpProxy({ answer: `HTTP/1.1 403 Forbidden for ana:${PASSWORD}\u001b[2J\u0007\r\n\r\n` });
    const forbidden = await failure(connectHttpProxy({ host: '127.0.0.1', port: echoing.port, ...AUTH }, { host: 'x.example', port: 22 }, opts));
    expect(forbidden.message).toMatch(/refused the tunnel to x\.example:22: "HTTP\/1\.1 403 Forbidden for ana:\*\*\*\?"$/u);
  });

  it('refuses an answer that is not HTTP, or a head over 16 KiB', async () => {
    const garbage = await httpProxy({ answer: 'SSH-2.0-OpenSSH_9.6\r\n\r\n' });
    expect((await failure(connectHttpProxy({ host: '127.0.0.1', port: garbage.port }, { host: 'x', port: 22 }, opts))).message).toMatch(/not an HTTP response: "SSH-2.0-OpenSSH_9.6"/u);
    const huge = await httpProxy({ answer: `HTTP/1.1 200 OK\r\n${'X-Filler: yes\r\n'.repeat(1200)}\r\n` });
    expect((await failure(connectHttpProxy({ host: '127.0.0.1', port: huge.port }, { host: 'x', port: 22 }, opts))).message).toMatch(/larger than 16 KiB/u);
  });

  it('reports a proxy that hangs up before answering', async () => {
    const proxy = await httpProxy({ answer: '' });
    const error = await failure(connectHttpProxy({ host: '127.0.0.1', port: proxy.port }, { host: 'x', port: 22 }, opts));
    expect(error.code).toBe(ErrorCode.PROXY_FAILED);
    expect(error.message).toMatch(/closed the connection during the handshake/u);
  });

  it('reports HOP_UNREACHABLE when the proxy is not listening', async () => {
    const port = await closedPort();
    const error = await failure(connectHttpProxy({ host: '127.0.0.1', port, ...AUTH }, { host: 'x.example', port: 22 }, opts));
    expect(error.code).toBe(ErrorCode.HOP_UNREACHABLE);
    expect(error.message).toBe(`Cannot reach HTTP proxy 127.0.0.1:${port} for hop 1 (bastion): connection refused`);
  });

  it('reports HOP_TIMEOUT when the proxy accepts but never answers', async () => {
    const proxy = await httpProxy({ silent: true });
    const error = await failure(connectHttpProxy({ host: '127.0.0.1', port: proxy.port, ...AUTH }, { host: 'x.example', port: 22 }, { timeoutMs: 150, hop: HOP }));
    expect(error.code).toBe(ErrorCode.HOP_TIMEOUT);
    expect(error.message).toMatch(/Timed out after 150 ms waiting for HTTP proxy .* to open a tunnel to x\.example:22 for hop 1 \(bastion\)/u);
  });

  it('refuses a target that would break the request, before connecting', async () => {
    const port = await closedPort();
    for (const host of ['evil\r\nX-Injected: 1', 'a b', 'user@host', 'host/path', '']) {
      expect((await failure(connectHttpProxy({ host: '127.0.0.1', port }, { host, port: 22 }, opts))).message).toMatch(/cannot be sent in a CONNECT request/u);
    }
    expect((await failure(connectHttpProxy({ host: '127.0.0.1', port, username: 'a:b', password: PASSWORD }, { host: 'x', port: 22 }, opts))).message).toMatch(/username must not contain ":"/u);
  });
});
