/**
 * Web mode's downlink in-process: a page's WebSocket at /rpc?link=<id> and its GET
 * /downlink?link=<id> pair in either order, and from then on everything the server sends the page
 * (JSON results and errors, terminal OUTPUT) comes on the streamed body in order, none of it on
 * the socket; without a stream in time, or above the limit, the socket carries all of it.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { AppService } from '../../../../app/main/services/app/appService';
import { StreamRouter, type StreamSink, type TerminalStreamEndpoint } from '../../../../app/main/services/terminals/streamRouter';
import { Downlinks, MAX_STREAMED_DOWNLINKS } from '../../../../app/main/transports/downlinks';
import { startWebServer, type RunningWebServer } from '../../../../app/main/transports/webServer';
import { tokenCookieName } from '../../../../app/main/transports/webGuards';
import { appService } from '../../../../app/shared/contract/app';
import { DownlinkRecordSplitter, isJsonRecord } from '../../../../app/shared/rpc/downlinkRecords';
import { register, RpcServer } from '../../../../app/shared/rpc/server';
import { decodeTerminalFrame, encodeTerminalFrame, FROM_MAIN } from '../../../../app/shared/rpc/terminalFrames';
import { appSchemas } from '../../../../app/shared/schema/app';

const TOKEN = 'unit-test-token';
const rpc = () => new RpcServer([register(appService, new AppService({ version: '1.2.3', transport: 'web', dataDir: '/d' }), appSchemas)]);
const newLinkId = () => randomBytes(16).toString('base64url');

/** What a page gets, from the body or the socket alike: a JSON frame, or a terminal OUTPUT as text. */
type Received = unknown;
const out = (streamId: number, text: string) => ({ out: streamId, text });
const result = (id: number) => ({ type: 'result', id, ok: true, value: '1.2.3' });

function decode(message: Uint8Array, json: boolean): Received {
  if (json) return JSON.parse(Buffer.from(message).toString('utf8'));
  const decoded = decodeTerminalFrame(message, FROM_MAIN);
  if (!decoded.ok || decoded.frame.type !== 'output') throw new Error(`not an OUTPUT frame: ${[...message].join(',')}`);
  return out(decoded.frame.streamId, Buffer.from(decoded.frame.data).toString('utf8'));
}

/** Messages in arrival order, and a way to wait for the n-th. */
class Inbox {
  readonly items: Received[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];

  push(item: Received): void {
    this.items.push(item);
    const ready = this.waiters.filter((w) => this.items.length >= w.count);
    this.waiters = this.waiters.filter((w) => this.items.length < w.count);
    for (const w of ready) w.resolve();
  }

  /** Resolves with everything so far once there are at least `count` messages. */
  async until(count: number): Promise<Received[]> {
    if (this.items.length < count) await new Promise<void>((resolve) => this.waiters.push({ count, resolve }));
    return this.items;
  }
}

/**
 * The terminals behind the server: any stream id exists; attaching says `ready`, input comes
 * back as output (an echo), synchronously, like a terminal's OUTPUT in the same turn.
 */
function fakeTerminals() {
  const endpoints = new Map<number, TerminalStreamEndpoint>();
  const endpoint = (streamId: number): TerminalStreamEndpoint => {
    let found = endpoints.get(streamId);
    if (!found) {
      const sinks = new Set<StreamSink>();
      found = {
        attach: (sink) => {
          sinks.add(sink);
          sink.deliver(Buffer.from('ready'));
        },
        detach: (sink) => void sinks.delete(sink),
        ack: () => undefined,
        input: (data) => {
          for (const sink of sinks) sink.deliver(data);
          return null;
        },
      };
      endpoints.set(streamId, found);
    }
    return found;
  };
  return { connect: (peer: ConstructorParameters<typeof StreamRouter>[1]) => new StreamRouter({ stream: endpoint }, peer) };
}

const attach = (streamId: number) => encodeTerminalFrame({ type: 'attach', streamId });
const input = (streamId: number, text: string) => encodeTerminalFrame({ type: 'input', streamId, data: Buffer.from(text) });
const call = (id: number) => JSON.stringify({ type: 'call', id, channel: 'app:version', args: [] });

let server: RunningWebServer | null = null;
const cleanups: (() => void)[] = [];
/** The server's Downlinks (caught as requests reach it) and an event per request it has handled. */
let downlinks: Downlinks | null = null;
const seen = new EventEmitter<{ request: [Downlinks] }>();
seen.on('request', (instance) => (downlinks = instance));

beforeEach(() => {
  const handleRequest = Downlinks.prototype.handleRequest;
  vi.spyOn(Downlinks.prototype, 'handleRequest').mockImplementation(function (this: Downlinks, ...args) {
    handleRequest.apply(this, args);
    seen.emit('request', this);
  });
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await server?.close();
  server = null;
  downlinks = null;
  vi.restoreAllMocks();
});

async function start(downlinkWaitMs: number): Promise<number> {
  server = await startWebServer({ rpc: rpc(), rendererDir: mkdtempSync(path.join(tmpdir(), 'hl-r-')), token: TOKEN, terminals: fakeTerminals(), downlinkWaitMs });
  return server.port;
}

interface Socket {
  ws: WebSocket;
  inbox: Inbox;
  closed: Promise<void>;
}

async function openSocket(port: number, linkId: string | null): Promise<Socket> {
  const link = linkId === null ? '' : `&link=${linkId}`;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/rpc?token=${TOKEN}${link}`, { origin: `http://127.0.0.1:${port}` });
  ws.on('error', () => undefined);
  cleanups.push(() => ws.terminate());
  const inbox = new Inbox();
  ws.on('message', (data, isBinary) => inbox.push(decode(new Uint8Array(data as Buffer), !isBinary)));
  const closed = once(ws, 'close').then(() => undefined);
  await once(ws, 'open');
  return { ws, inbox, closed };
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The records of a 200 body. */
  inbox: Inbox;
  /** The whole body of any other status. */
  text: Promise<string>;
  /** The body ended normally. */
  ended: Promise<void>;
  /** A record could not be parsed (should never happen). */
  broken: string | null;
}

interface Request {
  req: http.ClientRequest;
  reply: Promise<Reply>;
}

/** A request to the server as a page would make it: with the token cookie, no Origin (a same-origin GET). */
function request(port: number, target: string, options: { method?: string; headers?: Record<string, string>; cookie?: boolean } = {}): Request {
  const headers: Record<string, string> = { ...(options.cookie === false ? {} : { Cookie: `${tokenCookieName(port)}=${TOKEN}` }), ...options.headers };
  const req = http.request({ host: '127.0.0.1', port, path: target, method: options.method ?? 'GET', headers, agent: false });
  req.on('error', () => undefined);
  cleanups.push(() => req.destroy());
  const reply = new Promise<Reply>((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (res) => {
      res.on('error', () => undefined);
      const inbox = new Inbox();
      // Resolves only on a normal end (an aborted body errors instead, and is never awaited as ended).
      const ended = new Promise<void>((resolve) => res.once('end', () => resolve()));
      const chunks: Buffer[] = [];
      const reply: Reply = { status: res.statusCode ?? 0, headers: res.headers, inbox, text: ended.then(() => Buffer.concat(chunks).toString('utf8')), ended, broken: null };
      const splitter = new DownlinkRecordSplitter((message) => inbox.push(decode(message, isJsonRecord(message))));
      res.on('data', (chunk: Buffer) => {
        if (reply.status !== 200) return void chunks.push(chunk);
        reply.broken ??= splitter.push(chunk);
      });
      resolve(reply);
    });
  });
  reply.catch(() => undefined);
  req.end();
  return { req, reply };
}

const getDownlink = (port: number, linkId: string, options?: Parameters<typeof request>[2]) => request(port, `/downlink?link=${linkId}`, options);

/** A request the server has handled (routed to Downlinks.handleRequest), answered or held. */
async function handled(port: number, target: string, options?: Parameters<typeof request>[2]): Promise<Request> {
  const reached = once(seen, 'request');
  const sent = request(port, target, options);
  await reached;
  return sent;
}

/** Socket first, then its GET: a streaming link. */
async function streamingLink(port: number, streamId: number): Promise<{ socket: Socket; request: Request; reply: Reply }> {
  const linkId = newLinkId();
  const socket = await openSocket(port, linkId);
  const sent = getDownlink(port, linkId);
  const reply = await sent.reply;
  expect(reply.status).toBe(200);
  socket.ws.send(attach(streamId));
  await reply.inbox.until(1);
  expect(reply.inbox.items).toEqual([out(streamId, 'ready')]);
  return { socket, request: sent, reply };
}

describe('web mode downlinks', () => {
  it('socket first: what was sent before the GET waits, then everything comes on the body in order, nothing on the socket', async () => {
    const port = await start(10_000);
    const linkId = newLinkId();
    const socket = await openSocket(port, linkId);
    socket.ws.send(attach(1));
    socket.ws.send(call(1));
    // Round trip on a plain socket so the linked socket's two messages have surely been handled.
    const plain = await openSocket(port, null);
    plain.ws.send(call(9));
    expect(await plain.inbox.until(1)).toEqual([result(9)]);

    const { reply } = getDownlink(port, linkId);
    const body = await reply;
    expect(body.status).toBe(200);
    expect(body.headers['content-type']).toBe('application/octet-stream');
    expect(await body.inbox.until(2)).toEqual([out(1, 'ready'), result(1)]);

    // In one turn on the server: OUTPUT, a JSON error for a bad frame, OUTPUT.
    socket.ws.send(input(1, 'a'));
    socket.ws.send(Buffer.from([99, 0, 0, 0, 1]), { binary: true });
    socket.ws.send(input(1, 'b'));
    socket.ws.send(call(2));
    expect(await body.inbox.until(6)).toEqual([
      out(1, 'ready'),
      result(1),
      out(1, 'a'),
      { type: 'error', error: expect.objectContaining({ code: 'BAD_FRAME' }) },
      out(1, 'b'),
      result(2),
    ]);
    socket.ws.send(call(3));
    await body.inbox.until(7);
    expect(body.inbox.items.at(-1)).toEqual(result(3));
    expect(socket.inbox.items).toEqual([]);
    expect(body.broken).toBeNull();
  });

  it('GET first: the response is held until its socket comes, then streams', async () => {
    const port = await start(10_000);
    const linkId = newLinkId();
    const sent = await handled(port, `/downlink?link=${linkId}`);
    // Held, and already counted toward the limit.
    expect(downlinks?.streamedCount).toBe(1);
    const socket = await openSocket(port, linkId);
    const body = await sent.reply;
    expect(body.status).toBe(200);
    socket.ws.send(attach(3));
    socket.ws.send(input(3, 'x'));
    socket.ws.send(call(1));
    expect(await body.inbox.until(3)).toEqual([out(3, 'ready'), out(3, 'x'), result(1)]);
    expect(socket.inbox.items).toEqual([]);
  });

  it('without a GET in time, the socket carries everything queued so far in order, then all that follows; a late GET is refused', async () => {
    const port = await start(200);
    const linkId = newLinkId();
    const socket = await openSocket(port, linkId);
    const opened = Date.now();
    socket.ws.send(attach(1));
    socket.ws.send(input(1, 'q'));
    socket.ws.send(call(1));
    expect(await socket.inbox.until(3)).toEqual([out(1, 'ready'), out(1, 'q'), result(1)]);
    // They waited for the GET first (setTimeout may fire a millisecond early).
    expect(Date.now() - opened).toBeGreaterThanOrEqual(190);
    socket.ws.send(input(1, 'later'));
    expect(await socket.inbox.until(4)).toEqual([out(1, 'ready'), out(1, 'q'), result(1), out(1, 'later')]);

    // At once, taking no place: the link already has its downlink, the socket.
    const late = await getDownlink(port, linkId).reply;
    expect(late.status).toBe(409);
    expect(downlinks?.streamedCount).toBe(0);
    socket.ws.send(call(2));
    expect(await socket.inbox.until(5)).toEqual([out(1, 'ready'), out(1, 'q'), result(1), out(1, 'later'), result(2)]);
    expect(socket.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('a GET whose socket never comes gets 408 after the wait and frees its place', async () => {
    const port = await start(200);
    const started = Date.now();
    const reply = await getDownlink(port, newLinkId()).reply;
    expect(reply.status).toBe(408);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(downlinks?.streamedCount).toBe(0);
  });

  it.each([
    ['no link id', '/downlink'],
    ['an empty link id', '/downlink?link='],
    ['a short link id', '/downlink?link=abc'],
    ['a link id with other characters', `/downlink?link=${'a'.repeat(20)}.x`],
    ['a link id too long', `/downlink?link=${'a'.repeat(65)}`],
  ])('answers a GET with %s 400', async (_name, target) => {
    const port = await start(10_000);
    const reply = await request(port, target).reply;
    expect(reply.status).toBe(400);
    expect(await reply.text).toMatch(/link id/);
    expect(downlinks?.streamedCount).toBe(0);
  });

  it.each(['POST', 'PUT', 'DELETE', 'HEAD'])('answers %s 405, allowing GET', async (method) => {
    const port = await start(10_000);
    const reply = await getDownlink(port, newLinkId(), { method }).reply;
    expect(reply.status).toBe(405);
    expect(reply.headers.allow).toBe('GET');
  });

  it('answers a second GET for a link whose first GET is held 409, and the first still streams', async () => {
    const port = await start(10_000);
    const linkId = newLinkId();
    const first = await handled(port, `/downlink?link=${linkId}`);
    const second = await getDownlink(port, linkId).reply;
    expect(second.status).toBe(409);
    expect(downlinks?.streamedCount).toBe(1);
    const socket = await openSocket(port, linkId);
    const body = await first.reply;
    expect(body.status).toBe(200);
    socket.ws.send(call(1));
    expect(await body.inbox.until(1)).toEqual([result(1)]);
  });

  it('answers a second GET for a link that is streaming 409 at once, and the stream goes on', async () => {
    const port = await start(10_000);
    const linkId = newLinkId();
    const socket = await openSocket(port, linkId);
    const body = await getDownlink(port, linkId).reply;
    expect(body.status).toBe(200);
    const second = await getDownlink(port, linkId).reply;
    expect(second.status).toBe(409);
    expect(downlinks?.streamedCount).toBe(1);
    socket.ws.send(call(1));
    expect(await body.inbox.until(1)).toEqual([result(1)]);
  });

  it(`streams at most ${MAX_STREAMED_DOWNLINKS} at once: the next GET gets 503 and its socket carries everything at once`, async () => {
    const port = await start(10_000);
    const links = [];
    for (let i = 1; i <= MAX_STREAMED_DOWNLINKS; i++) links.push(await streamingLink(port, i));
    expect(downlinks?.streamedCount).toBe(MAX_STREAMED_DOWNLINKS);

    const linkId = newLinkId();
    const socket = await openSocket(port, linkId);
    socket.ws.send(attach(9));
    const refused = await getDownlink(port, linkId).reply;
    expect(refused.status).toBe(503);
    expect(await refused.text).toMatch(/Too many/);
    // Within the test's timeout, far inside the 10 s wait: the refusal ended the wait.
    socket.ws.send(input(9, 'z'));
    socket.ws.send(call(1));
    expect(await socket.inbox.until(3)).toEqual([out(9, 'ready'), out(9, 'z'), result(1)]);
    expect(downlinks?.streamedCount).toBe(MAX_STREAMED_DOWNLINKS);

    // The streamed ones are untouched.
    links[0]!.socket.ws.send(input(1, 'still'));
    expect(await links[0]!.reply.inbox.until(2)).toEqual([out(1, 'ready'), out(1, 'still')]);
    for (const { socket: s } of links) expect(s.inbox.items).toEqual([]);
  });

  it('a GET refused a place before its socket came: the socket carries everything at once, not after the wait', async () => {
    const port = await start(10_000);
    for (let i = 1; i <= MAX_STREAMED_DOWNLINKS; i++) await streamingLink(port, i);
    const linkId = newLinkId();
    const refused = await getDownlink(port, linkId).reply;
    expect(refused.status).toBe(503);
    const socket = await openSocket(port, linkId);
    const started = Date.now();
    socket.ws.send(attach(9));
    socket.ws.send(call(1));
    expect(await socket.inbox.until(2)).toEqual([out(9, 'ready'), result(1)]);
    expect(Date.now() - started).toBeLessThan(2000);
    // The link has its downlink, the socket: another GET for it is a second one.
    expect((await getDownlink(port, linkId).reply).status).toBe(409);
  });

  it('when a stream ends its place is freed: 3 streaming, one socket closed and one body aborted, two new links stream', async () => {
    const port = await start(10_000);
    const links = [];
    for (let i = 1; i <= MAX_STREAMED_DOWNLINKS; i++) links.push(await streamingLink(port, i));

    // The page closed its socket: the body ends (the place was released before it ended).
    links[0]!.socket.ws.close();
    await links[0]!.reply.ended;
    expect(downlinks?.streamedCount).toBe(MAX_STREAMED_DOWNLINKS - 1);
    const fourth = await streamingLink(port, 4);
    expect(fourth.socket.inbox.items).toEqual([]);

    // The body went: the server terminates the socket (after releasing the place).
    links[1]!.request.req.destroy();
    await links[1]!.socket.closed;
    expect(downlinks?.streamedCount).toBe(MAX_STREAMED_DOWNLINKS - 1);
    const fifth = await streamingLink(port, 5);
    expect(fifth.socket.inbox.items).toEqual([]);
    expect(downlinks?.streamedCount).toBe(MAX_STREAMED_DOWNLINKS);
  });

  describe('guards', () => {
    it('answers a GET without the token 401', async () => {
      const port = await start(10_000);
      const reply = await getDownlink(port, newLinkId(), { cookie: false }).reply;
      expect(reply.status).toBe(401);
    });

    it('answers a GET with a wrong token 401', async () => {
      const port = await start(10_000);
      const reply = await getDownlink(port, newLinkId(), { cookie: false, headers: { Cookie: `${tokenCookieName(port)}=nope` } }).reply;
      expect(reply.status).toBe(401);
    });

    it('answers a GET from a foreign Origin 403', async () => {
      const port = await start(10_000);
      const reply = await getDownlink(port, newLinkId(), { headers: { Origin: 'http://evil.example' } }).reply;
      expect(reply.status).toBe(403);
    });

    it('answers a GET for another Host 403', async () => {
      const port = await start(10_000);
      const reply = await getDownlink(port, newLinkId(), { headers: { Host: `evil.example:${port}` } }).reply;
      expect(reply.status).toBe(403);
    });

    it('lets a refused GET take no place and pair with nothing: its socket still waits for a real GET', async () => {
      const port = await start(10_000);
      const linkId = newLinkId();
      const socket = await openSocket(port, linkId);
      const refused = await getDownlink(port, linkId, { cookie: false }).reply;
      expect(refused.status).toBe(401);
      const body = await getDownlink(port, linkId).reply;
      expect(body.status).toBe(200);
      socket.ws.send(call(1));
      expect(await body.inbox.until(1)).toEqual([result(1)]);
      expect(socket.inbox.items).toEqual([]);
    });
  });

  describe('ends', () => {
    it('closing the socket ends the body: the reader sees done', async () => {
      const port = await start(10_000);
      const linkId = newLinkId();
      const socket = await openSocket(port, linkId);
      const response = await fetch(`http://127.0.0.1:${port}/downlink?link=${linkId}`, { headers: { cookie: `${tokenCookieName(port)}=${TOKEN}` } });
      expect(response.status).toBe(200);
      const reader = response.body!.getReader();
      cleanups.push(() => void reader.cancel().catch(() => undefined));
      socket.ws.send(call(1));
      const records: Received[] = [];
      const splitter = new DownlinkRecordSplitter((message) => records.push(decode(message, isJsonRecord(message))));
      while (records.length < 1) {
        const { value, done } = await reader.read();
        expect(done).toBe(false);
        expect(splitter.push(value!)).toBeNull();
      }
      expect(records).toEqual([result(1)]);
      socket.ws.close();
      expect(await reader.read()).toEqual({ done: true, value: undefined });
      expect(splitter.pendingBytes).toBe(0);
      await socket.closed;
    });

    it('aborting the body while the socket is open closes the socket within a second', async () => {
      const port = await start(10_000);
      const { socket, request: sent } = await streamingLink(port, 1);
      const started = Date.now();
      sent.req.destroy();
      await socket.closed;
      expect(Date.now() - started).toBeLessThan(1000);
      expect(downlinks?.streamedCount).toBe(0);
    });

    it('the server closing ends held and streaming downlinks', async () => {
      const port = await start(10_000);
      const streaming = await streamingLink(port, 1);
      const held = await handled(port, `/downlink?link=${newLinkId()}`);
      const gone = [once(streaming.request.req, 'close'), once(held.req, 'close')];
      const closing = server!.close();
      server = null;
      await closing;
      await Promise.all(gone);
      await streaming.socket.closed;
      expect(downlinks?.streamedCount).toBe(0);
    });
  });
});
