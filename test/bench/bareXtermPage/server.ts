/**
 * The terminal benchmarks' reference side: a tiny HTTP + WebSocket server on 127.0.0.1.
 *
 * - `/` is the bare page: nothing but a container; the bench's init script (probe.ts, which
 *   carries xterm.js) puts an xterm.js Terminal in it wired to `/echo` (startBare).
 * - `/xterm.css` is xterm's own stylesheet, the one Hopline's bundle includes.
 * - `/echo` sends every binary message straight back, as a PTY in its default cooked mode would
 *   echo it: CR (Enter) comes back as CR LF, everything else as typed.
 * - `/payload/<name>` is a throughput payload as a PTY would deliver it (LF → CR LF), for the
 *   reference Terminal in the Hopline page to fetch (hence the CORS header; the page's CSP is
 *   bypassed by the bench's browser context).
 *
 * Nothing here is part of the app; it only gives each ratio a same-page, same-browser baseline.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createRequire } from 'node:module';
import { WebSocketServer, type WebSocket } from 'ws';

export interface BenchPageServer {
  /** http://127.0.0.1:PORT */
  origin: string;
  /** ws://127.0.0.1:PORT/flood/<name>: the payload over a WebSocket (see floodPayload). */
  floodUrl(name: string): string;
  /** ws://127.0.0.1:PORT/echo */
  echoUrl: string;
  close(): Promise<void>;
}

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>bare xterm</title><link rel="stylesheet" href="/xterm.css">
<style>html,body{margin:0;height:100%;background:#14171c}</style></head><body></body></html>
`;

/** What a PTY with `onlcr` makes of output: every LF preceded by CR. */
export function ptyOutput(bytes: Buffer): Buffer {
  let lfs = 0;
  for (const b of bytes) if (b === 0x0a) lfs++;
  const out = Buffer.allocUnsafe(bytes.length + lfs);
  let at = 0;
  for (const b of bytes) {
    if (b === 0x0a) out[at++] = 0x0d;
    out[at++] = b;
  }
  return out;
}

/** Cooked-mode echo of typed bytes: CR comes back as CR LF (icrnl + onlcr), the rest as is. */
function echoOf(bytes: Buffer): Buffer {
  return bytes.includes(0x0d) ? Buffer.from(bytes.toString('latin1').replace(/\r/g, '\r\n'), 'latin1') : bytes;
}

/**
 * On the client's first message: `payload` in 64 KiB binary messages, keeping at most 1 MiB not
 * yet acked (each ack a u32 count, sent from the page's write callback), then the marker.
 */
function floodPayload(ws: WebSocket, payload: Buffer, marker: string): void {
  const CHUNK = 64 * 1024;
  const WINDOW = 1024 * 1024;
  let offset = 0;
  let unacked = 0;
  let started = false;
  const pump = (): void => {
    while (started && unacked < WINDOW && offset < payload.length) {
      const chunk = payload.subarray(offset, Math.min(offset + CHUNK, payload.length));
      offset += chunk.length;
      unacked += chunk.length;
      ws.send(chunk, { binary: true });
      if (offset >= payload.length) ws.send(Buffer.from(`\r\n${marker}\r\n`), { binary: true });
    }
  };
  ws.on('message', (data: Buffer) => {
    if (!started) {
      started = true;
      return pump();
    }
    if (data.length === 4) unacked -= data.readUInt32BE(0);
    pump();
  });
}

/** `payloads`: served at `/payload/<name>` and `/flood/<name>` (the throughput references). */
export async function startBenchPageServer(payloads: Record<string, Buffer>): Promise<BenchPageServer> {
  const require = createRequire(import.meta.url);
  const css = readFileSync(require.resolve('@xterm/xterm/css/xterm.css'));
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (path === '/') res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(PAGE);
    else if (path === '/xterm.css') res.writeHead(200, { 'Content-Type': 'text/css' }).end(css);
    else if (path.startsWith('/payload/') && Object.hasOwn(payloads, path.slice('/payload/'.length))) {
      const payload = payloads[path.slice('/payload/'.length)]!;
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': payload.length, 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'no-store' }).end(payload);
    } else if (path === '/favicon.ico') res.writeHead(204).end();
    else res.writeHead(404).end();
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const wss = new WebSocketServer({ noServer: true });
  // (ws turns Nagle off on every socket, as it does for web mode's.)
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const flood = url.pathname.startsWith('/flood/') ? payloads[url.pathname.slice('/flood/'.length)] : undefined;
    if (url.pathname !== '/echo' && !flood) return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      if (flood) floodPayload(ws, flood, url.searchParams.get('marker') ?? 'done');
      else ws.on('message', (data: Buffer, isBinary) => ws.send(isBinary ? echoOf(data) : data, { binary: isBinary }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    floodUrl: (name) => `ws://127.0.0.1:${port}/flood/${name}`,
    echoUrl: `ws://127.0.0.1:${port}/echo`,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      await new Promise((resolve) => wss.close(resolve));
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
