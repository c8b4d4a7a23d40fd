/**
 * Web mode's downlinks: what the server sends each page, on a streamed HTTP response when the
 * page asked for one, else on its WebSocket (shared/rpc/downlinkRecords.ts says why).
 *
 * A page makes up a random link id and, at the same moment, opens its WebSocket at `/rpc?link=<id>`
 * and GETs `/downlink?link=<id>`; both pass webGuards first, and they may arrive in either order.
 * Until both are here, what the server sends waits in order; if the GET has not come within
 * DOWNLINK_WAIT_MS, or is refused, all of it goes on the WebSocket from then on, as before
 * downlinks existed. A link never moves between the two once it has sent anything, so nothing
 * is reordered. If a streamed response ends while its socket is open (the page went, the
 * connection broke), the socket is closed too: the page reconnects and attaches afresh, as after
 * any lost link.
 *
 * Chromium opens at most 6 HTTP/1.1 connections per origin and a streamed body holds one for as
 * long as the page stays, so at most MAX_STREAMED_DOWNLINKS pages stream at once: the others
 * use their sockets, and pages, files and uploads always have connections left.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { downlinkRecordHeader } from '../../shared/rpc/downlinkRecords';
import { securityHeaders } from './securityHeaders';

export const DOWNLINK_PATH = '/downlink';
export const MAX_STREAMED_DOWNLINKS = 3;
/** How long one half of a link waits for the other. */
export const DOWNLINK_WAIT_MS = 3000;
const LINK_ID = /^[A-Za-z0-9_-]{16,64}$/;

/** How a WebSocket sends, for a link that falls back to it (or never asked for a stream). */
export interface SocketSide {
  sendText(text: string): void;
  sendBinary(bytes: Uint8Array): void;
  /** The streamed half was lost: end the socket so the page reconnects and resyncs. */
  terminate(): void;
}

/** One page's downlink; send in order, whichever way it goes. */
export interface Downlink {
  sendText(text: string): void;
  sendBinary(bytes: Uint8Array): void;
  /** The socket closed. */
  close(): void;
}

type Queued = { text: string } | { bytes: Uint8Array };

interface Link {
  id: string;
  socket: SocketSide | null;
  response: ServerResponse | null;
  mode: 'waiting' | 'stream' | 'socket' | 'closed';
  queue: Queued[];
  timer: ReturnType<typeof setTimeout> | null;
  /** The response is corked until the end of this event-loop turn. */
  corked: boolean;
  /** Its response counts toward MAX_STREAMED_DOWNLINKS. */
  counted: boolean;
}

function isLinkId(value: string | null): value is string {
  return value !== null && LINK_ID.test(value);
}

function newLink(id: string, socket: SocketSide | null, mode: Link['mode']): Link {
  return { id, socket, response: null, mode, queue: [], timer: null, corked: false, counted: false };
}

export class Downlinks {
  /** Links with one half here and the other not yet. */
  private readonly waiting = new Map<string, Link>();
  /** Links past waiting (streaming, or fallen back to the socket) and not closed: a GET for one is a second one. */
  private readonly settled = new Map<string, Link>();
  /** Links whose GET was refused a place (503) before their socket came; each forgotten after the wait. */
  private readonly refused = new Map<string, ReturnType<typeof setTimeout>>();
  private streaming = 0;

  constructor(private readonly waitMs = DOWNLINK_WAIT_MS) {}

  /** A WebSocket connected; `linkId` is its `?link=` (null or malformed: the socket is the downlink). */
  open(linkId: string | null, socket: SocketSide): Downlink {
    const early = isLinkId(linkId) ? this.waiting.get(linkId) : undefined;
    let link: Link;
    if (isLinkId(linkId) && this.refused.has(linkId)) {
      // Its GET came first and got no place: the socket carries everything from the start, no wait.
      clearTimeout(this.refused.get(linkId));
      this.refused.delete(linkId);
      link = newLink(linkId, socket, 'socket');
      this.settled.set(linkId, link);
    } else if (early && early.socket === null) {
      // The GET came first.
      this.settle(early);
      early.socket = socket;
      link = early;
      this.startStream(link);
    } else if (isLinkId(linkId) && !early) {
      link = newLink(linkId, socket, 'waiting');
      this.wait(link, () => this.fallBack(link));
    } else {
      link = newLink('', socket, 'socket');
    }
    return {
      sendText: (text) => this.send(link, { text }),
      sendBinary: (bytes) => this.send(link, { bytes }),
      close: () => this.closeLink(link),
    };
  }

  /** GET DOWNLINK_PATH, already through webGuards. */
  handleRequest(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (req.method !== 'GET') {
      res.writeHead(405, { Allow: 'GET', ...securityHeaders() });
      res.end();
      return;
    }
    const linkId = url.searchParams.get('link');
    if (!isLinkId(linkId)) return refuse(res, 400, 'A downlink needs a link id');
    const link = this.waiting.get(linkId);
    if (link?.response || this.settled.has(linkId)) return refuse(res, 409, 'That link already has a downlink');
    if (this.streaming >= MAX_STREAMED_DOWNLINKS) {
      if (link) this.fallBack(link);
      else this.rememberRefused(linkId);
      return refuse(res, 503, 'Too many streamed downlinks; the WebSocket carries this one');
    }
    if (link) {
      this.settle(link);
      this.attachResponse(link, res);
      this.startStream(link);
      return;
    }
    // The socket is not here yet: hold the response for it.
    const early = newLink(linkId, null, 'waiting');
    this.attachResponse(early, res);
    this.wait(early, () => {
      refuse(res, 408, 'No WebSocket came for this link');
      this.closeLink(early);
    });
  }

  /** Ends every link still waiting for its other half (the server is stopping). */
  closeAll(): void {
    for (const link of [...this.waiting.values()]) this.closeLink(link);
    for (const timer of this.refused.values()) clearTimeout(timer);
    this.refused.clear();
  }

  /** Responses held or streaming now. */
  get streamedCount(): number {
    return this.streaming;
  }

  private rememberRefused(linkId: string): void {
    clearTimeout(this.refused.get(linkId));
    this.refused.set(linkId, setTimeout(() => this.refused.delete(linkId), this.waitMs));
  }

  private wait(link: Link, onTimeout: () => void): void {
    this.waiting.set(link.id, link);
    link.timer = setTimeout(onTimeout, this.waitMs);
  }

  /** Both halves are here, or the wait is over. */
  private settle(link: Link): void {
    if (link.timer) clearTimeout(link.timer);
    link.timer = null;
    if (this.waiting.get(link.id) === link) this.waiting.delete(link.id);
  }

  private attachResponse(link: Link, res: ServerResponse): void {
    link.response = res;
    link.counted = true;
    this.streaming++;
    res.on('close', () => {
      this.release(link);
      const wasStreaming = link.mode === 'stream';
      if (link.mode !== 'socket') this.closeLink(link);
      // The page's half went while its socket is open: the page must reconnect to resync.
      if (wasStreaming) link.socket?.terminate();
    });
  }

  private release(link: Link): void {
    if (!link.counted) return;
    link.counted = false;
    this.streaming--;
  }

  private startStream(link: Link): void {
    const res = link.response!;
    link.mode = 'stream';
    this.settled.set(link.id, link);
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', ...securityHeaders() });
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    for (const item of link.queue.splice(0)) this.write(link, item);
  }

  private send(link: Link, item: Queued): void {
    switch (link.mode) {
      case 'waiting':
        link.queue.push(item);
        return;
      case 'stream':
        this.write(link, item);
        return;
      case 'socket':
        if ('text' in item) link.socket?.sendText(item.text);
        else link.socket?.sendBinary(item.bytes);
        return;
      case 'closed':
        return;
    }
  }

  /** One record on the response; a turn's records leave as one chunk (corked until the turn ends). */
  private write(link: Link, item: Queued): void {
    const res = link.response!;
    if (res.writableEnded || res.destroyed) return;
    const body = 'text' in item ? Buffer.from(item.text, 'utf8') : item.bytes;
    if (!link.corked) {
      link.corked = true;
      res.cork();
      process.nextTick(() => {
        link.corked = false;
        res.uncork();
      });
    }
    res.write(downlinkRecordHeader(body.byteLength));
    res.write(body);
  }

  /** The GET did not come in time, or was refused: the socket carries everything, queue first. */
  private fallBack(link: Link): void {
    if (link.mode !== 'waiting' || !link.socket) return;
    this.settle(link);
    link.mode = 'socket';
    this.settled.set(link.id, link);
    for (const item of link.queue.splice(0)) this.send(link, item);
  }

  /** The socket closed, the response went, or the wait ran out: nothing more is sent. */
  private closeLink(link: Link): void {
    this.settle(link);
    link.mode = 'closed';
    if (this.settled.get(link.id) === link) this.settled.delete(link.id);
    link.queue.length = 0;
    this.release(link);
    // A GET still held for its socket gets a status, not an empty 200 that looks like a stream.
    if (link.response && !link.response.headersSent) refuse(link.response, 503, 'The downlink was closed before its socket came');
    else if (link.response && !link.response.writableEnded) link.response.end();
  }
}

function refuse(res: ServerResponse, status: number, reason: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...securityHeaders() });
  res.end(`${reason}\n`);
}
