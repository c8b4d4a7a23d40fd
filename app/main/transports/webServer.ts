/**
 * Web mode's transport: an HTTP server on 127.0.0.1 that serves the built renderer and carries
 * the contract over a WebSocket at /rpc. Every request passes webGuards first.
 *
 * On that one socket, text messages are JSON contract frames and binary messages are terminal
 * frames (shared/rpc/terminalFrames.ts), handed to the terminal frame hub's connection for this
 * socket. A malformed binary frame gets a JSON error frame and the connection keeps working.
 *
 * What goes back to the page (results, events, terminal OUTPUT) goes on the page's downlink: a
 * streamed response at /downlink when the socket came with `?link=` and the GET arrived, else
 * the socket itself (downlinks.ts).
 */
import { createReadStream } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData } from 'ws';
import { ErrorCode } from '../../shared/model/errors';
import { FRAME_LIMITS, parseClientFrame, type ServerFrame } from '../../shared/rpc/protocol';
import { RpcConnection, type RpcServer } from '../../shared/rpc/server';
import { type TerminalFrameConnection, type TerminalFrameHub } from '../services/terminals/streamRouter';
import { securityHeaders } from './securityHeaders';
import { resolveStaticFile } from './staticFiles';
import { checkRequest, newToken, tokenCookieName } from './webGuards';
import { handleFileRoute } from './fileRoutes';
import { DOWNLINK_PATH, Downlinks, type Downlink } from './downlinks';
import type { FileTicketRedeemer } from '../services/files/transferQueue';

export const RPC_PATH = '/rpc';
/** ws closes a connection above this (1009); below it, oversize text frames get an error reply. */
const HARD_MAX_PAYLOAD = 16 * 1024 * 1024;

export interface WebServerOptions {
  rpc: RpcServer;
  rendererDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** For tests only; a real run always makes a fresh random token. */
  token?: string;
  /** Terminal frames; default: the hub compose.ts linked to `rpc`. Without one, binary frames get BAD_FRAME. */
  terminals?: TerminalFrameHub;
  /** The files byte routes' tickets (the transfer queue). Without it those routes answer 404. */
  files?: FileTicketRedeemer;
  /** How long half a downlink waits for the other (downlinks.ts); tests shorten it. */
  downlinkWaitMs?: number;
}

export interface RunningWebServer {
  port: number;
  /** The one URL that opens the app; it holds the token, so print it once and nowhere else. */
  url: string;
  close(): Promise<void>;
}

function statusText(status: number): string {
  return http.STATUS_CODES[status] ?? 'Error';
}

function rejectUpgrade(socket: Duplex, status: number): void {
  socket.end(`HTTP/1.1 ${status} ${statusText(status)}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

function sendFrame(downlink: Downlink, frame: ServerFrame): void {
  downlink.sendText(JSON.stringify(frame));
}

function asBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

function handleMessage(downlink: Downlink, connection: RpcConnection, terminals: TerminalFrameConnection | null, data: RawData, isBinary: boolean): void {
  if (isBinary) {
    if (!terminals) {
      sendFrame(downlink, { type: 'error', error: { code: ErrorCode.BAD_FRAME, message: 'Binary frames are reserved for terminal data' } });
      return;
    }
    // Decoding is strict and never throws; a bad frame comes back through the peer's error().
    terminals.receive(asBytes(data));
    return;
  }
  const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data instanceof ArrayBuffer ? data.byteLength : data.length;
  if (size > FRAME_LIMITS.maxTextBytes) {
    sendFrame(downlink, { type: 'error', error: { code: ErrorCode.FRAME_TOO_LARGE, message: `Frame of ${size} bytes exceeds ${FRAME_LIMITS.maxTextBytes}` } });
    return;
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as Buffer).toString('utf8'));
  } catch {
    sendFrame(downlink, { type: 'error', error: { code: ErrorCode.BAD_FRAME, message: 'Frame is not valid JSON' } });
    return;
  }
  const parsed = parseClientFrame(decoded);
  if (!parsed.ok) {
    sendFrame(downlink, parsed.id === null ? { type: 'error', error: parsed.error } : { type: 'result', id: parsed.id, ok: false, error: parsed.error });
    return;
  }
  void connection.handle(parsed.frame);
}

export async function startWebServer(options: WebServerOptions): Promise<RunningWebServer> {
  const token = options.token ?? newToken();
  const hub = options.terminals;
  const downlinks = new Downlinks(options.downlinkWaitMs);
  let port = 0;

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const verdict = checkRequest({ host: req.headers.host, origin: req.headers.origin, url, cookie: req.headers.cookie }, port, token, false);
    if (!verdict.ok) {
      res.writeHead(verdict.status, { 'Content-Type': 'text/plain; charset=utf-8', ...securityHeaders() });
      res.end(`${verdict.reason}\n`);
      return;
    }
    if (verdict.tokenFromQuery) {
      // Trade the token in the URL for a cookie and drop it from the address bar and history.
      url.searchParams.delete('token');
      res.writeHead(303, {
        Location: url.pathname + (url.search || ''),
        'Set-Cookie': `${tokenCookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        ...securityHeaders(),
      });
      res.end();
      return;
    }
    if (url.pathname === DOWNLINK_PATH) return downlinks.handleRequest(req, res, url);
    if (handleFileRoute(req, res, url.pathname, options.files)) return;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', ...securityHeaders() });
      res.end();
      return;
    }
    const file = resolveStaticFile(options.rendererDir, url.pathname);
    if (!file) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', ...securityHeaders() });
      res.end('Not found\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': file.contentType, ...securityHeaders([`ws://${req.headers.host}`]) });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(file.filePath)
      .on('error', () => res.destroy())
      .pipe(res);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: HARD_MAX_PAYLOAD, perMessageDeflate: false });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const verdict = checkRequest({ host: req.headers.host, origin: req.headers.origin, url, cookie: req.headers.cookie }, port, token, true);
    if (!verdict.ok) return rejectUpgrade(socket, verdict.status);
    if (url.pathname !== RPC_PATH) return rejectUpgrade(socket, 404);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const downlink = downlinks.open(url.searchParams.get('link'), {
        sendText: (text) => {
          if (ws.readyState === ws.OPEN) ws.send(text);
        },
        sendBinary: (bytes) => {
          if (ws.readyState === ws.OPEN) ws.send(bytes, { binary: true });
        },
        terminate: () => ws.terminate(),
      });
      const connection = new RpcConnection(options.rpc, (frame) => sendFrame(downlink, frame));
      const terminals =
        hub?.connect({
          send: (frame) => downlink.sendBinary(frame),
          error: (error) => sendFrame(downlink, { type: 'error', error }),
        }) ?? null;
      ws.on('message', (data, isBinary) => handleMessage(downlink, connection, terminals, data, isBinary));
      ws.on('close', () => {
        downlink.close();
        connection.close();
        terminals?.close();
      });
      // A protocol error (invalid UTF-8, a message over maxPayload, a bad opcode) makes ws send
      // the close code the protocol names (1007, 1009, 1002) and destroy the socket if the peer
      // does not finish the close handshake within its timeout. Terminating here instead would
      // cut that close frame off, and the client would see an abnormal 1006.
      ws.on('error', () => undefined);
    });
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  // Node ends any request not received whole within 5 minutes; a browser upload of a large file
  // (FILES_UPLOAD_PATH), or one waiting on a conflict question, may take longer. Headers must still
  // arrive within headersTimeout, and every request needs the token before anything is read.
  server.requestTimeout = 0;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    port,
    url: `http://127.0.0.1:${port}/?token=${token}`,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      downlinks.closeAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
