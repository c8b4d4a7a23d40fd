/**
 * Web mode's WebSocket in-process: binary messages are terminal frames for this socket's
 * terminal connection, OUTPUT goes back as binary, a bad frame gets a JSON error, and the
 * JSON contract keeps working on the same socket.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AppService } from '../../../../app/main/services/app/appService';
import { StreamRouter, type TerminalFrameHub, type TerminalPeer, type TerminalStreamEndpoint } from '../../../../app/main/services/terminals/streamRouter';
import { startWebServer, type RunningWebServer } from '../../../../app/main/transports/webServer';
import { appService } from '../../../../app/shared/contract/app';
import { register, RpcServer } from '../../../../app/shared/rpc/server';
import { encodeTerminalFrame } from '../../../../app/shared/rpc/terminalFrames';
import { appSchemas } from '../../../../app/shared/schema/app';

const TOKEN = 'unit-test-token';
const rpc = () => new RpcServer([register(appService, new AppService({ version: '1.2.3', transport: 'web', dataDir: '/d' }), appSchemas)]);

interface Client {
  ws: WebSocket;
  text: unknown[];
  binary: Buffer[];
  next(): Promise<void>;
  close(): Promise<void>;
}

async function connect(port: number): Promise<Client> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/rpc?token=${TOKEN}`, { origin: `http://127.0.0.1:${port}` });
  const text: unknown[] = [];
  const binary: Buffer[] = [];
  let waiters: (() => void)[] = [];
  ws.on('message', (data, isBinary) => {
    if (isBinary) binary.push(Buffer.from(data as Buffer));
    else text.push(JSON.parse(String(data)));
    const w = waiters;
    waiters = [];
    for (const resolve of w) resolve();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    text,
    binary,
    next: () => new Promise<void>((resolve) => waiters.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.close();
      }),
  };
}

let server: RunningWebServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

describe('web server terminal frames', () => {
  it('hands binary messages to the socket\'s terminal connection and sends its frames back as binary', async () => {
    const connections: { peer: TerminalPeer; received: Buffer[]; closed: boolean }[] = [];
    const hub: TerminalFrameHub = {
      connect: (peer) => {
        const entry = { peer, received: [] as Buffer[], closed: false };
        connections.push(entry);
        return { receive: (bytes) => entry.received.push(Buffer.from(bytes)), close: () => (entry.closed = true) };
      },
    };
    server = await startWebServer({ rpc: rpc(), rendererDir: mkdtempSync(path.join(tmpdir(), 'hl-r-')), token: TOKEN, terminals: hub });
    const a = await connect(server.port);
    const b = await connect(server.port);
    expect(connections).toHaveLength(2);
    let got = a.next();
    a.ws.send(Buffer.from([4, 0, 0, 0, 7]), { binary: true });
    a.ws.send(JSON.stringify({ type: 'call', id: 1, channel: 'app:version', args: [] }));
    await got;
    expect(connections[0]!.received).toEqual([Buffer.from([4, 0, 0, 0, 7])]);
    expect(connections[1]!.received).toEqual([]);
    expect(a.text).toEqual([{ type: 'result', id: 1, ok: true, value: '1.2.3' }]);

    got = a.next();
    connections[0]!.peer.send(new Uint8Array([1, 0, 0, 0, 7, 104, 105]));
    await got;
    expect(a.binary).toEqual([Buffer.from([1, 0, 0, 0, 7, 104, 105])]);
    expect(b.binary).toEqual([]);

    got = a.next();
    connections[0]!.peer.error({ code: 'BAD_FRAME', message: 'short' });
    await got;
    expect(a.text.at(-1)).toEqual({ type: 'error', error: { code: 'BAD_FRAME', message: 'short' } });

    await a.close();
    await b.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(connections.map((c) => c.closed)).toEqual([true, true]);
  });

  it('answers a malformed binary frame with a JSON error and keeps the socket working', async () => {
    const lookup = { stream: (id: number): TerminalStreamEndpoint | undefined => (id === 1 ? endpoint : undefined) };
    const inputs: Buffer[] = [];
    const endpoint: TerminalStreamEndpoint = { attach: () => undefined, detach: () => undefined, ack: () => undefined, input: (d) => (inputs.push(Buffer.from(d)), null) };
    server = await startWebServer({ rpc: rpc(), rendererDir: mkdtempSync(path.join(tmpdir(), 'hl-r-')), token: TOKEN, terminals: { connect: (peer) => new StreamRouter(lookup, peer) } });
    const c = await connect(server.port);
    for (const bad of [Buffer.from([1, 2, 3]), Buffer.from([99, 0, 0, 0, 1]), Buffer.from([3, 0, 0, 0, 1, 0]), Buffer.alloc(70_000, 2)]) {
      const got = c.next();
      c.ws.send(bad, { binary: true });
      await got;
    }
    expect(c.text.map((f) => (f as { error: { code: string } }).error.code)).toEqual(['BAD_FRAME', 'BAD_FRAME', 'BAD_FRAME', 'FRAME_TOO_LARGE']);
    c.ws.send(encodeTerminalFrame({ type: 'input', streamId: 1, data: new Uint8Array([0x6c, 0x73]) }), { binary: true });
    const got = c.next();
    c.ws.send(JSON.stringify({ type: 'call', id: 2, channel: 'app:version', args: [] }));
    await got;
    expect(c.text.at(-1)).toMatchObject({ type: 'result', id: 2, ok: true });
    expect(inputs).toEqual([Buffer.from('ls')]);
    await c.close();
  });

  it('without a terminal hub, binary frames get BAD_FRAME as before', async () => {
    server = await startWebServer({ rpc: rpc(), rendererDir: mkdtempSync(path.join(tmpdir(), 'hl-r-')), token: TOKEN });
    const c = await connect(server.port);
    const got = c.next();
    c.ws.send(Buffer.from([4, 0, 0, 0, 1]), { binary: true });
    await got;
    expect(c.text).toEqual([{ type: 'error', error: { code: 'BAD_FRAME', message: 'Binary frames are reserved for terminal data' } }]);
    await c.close();
  });
});
