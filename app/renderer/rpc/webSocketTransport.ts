import type { Disposable } from '../../shared/model/event';
import { FrameTransport, type RpcTransport } from '../../shared/rpc/client';
import type { ClientFrame } from '../../shared/rpc/protocol';
import { DownlinkRecordSplitter, isJsonRecord } from '../../shared/rpc/downlinkRecords';

export type ConnectionState = 'connecting' | 'open' | 'closed';

/**
 * How the way back to the backend is going while the link is down, for the views that grey out
 * ("reconnecting, attempt 3, next in 2 s"). All zero/null/false while the link is open.
 */
export interface LinkProgress {
  /** Attempts made since the link was last open (the one under way included). */
  attempt: number;
  /** When the next attempt starts (epoch ms), while waiting between attempts. */
  nextAttemptAt: number | null;
  /**
   * The backend answers but refuses this page's token: it is a new process with a new token
   * (web mode makes one per run). Opening the address it printed sets the new token's cookie,
   * and this page then gets back in by itself.
   */
  authRejected: boolean;
}

export const LINK_UP: LinkProgress = { attempt: 0, nextAttemptAt: null, authRejected: false };

/**
 * Web mode: the contract over a WebSocket to the page's own origin. The token travels in the
 * HttpOnly cookie web mode set, never in script. Reconnects with backoff and renews
 * subscriptions; calls made while down fail with DISCONNECTED rather than hang.
 *
 * The same socket carries terminal frames (shared/rpc/terminalFrames.ts) as binary messages:
 * JSON stays in text messages. Binary frames are never queued while the socket is down: output
 * acks and ATTACHes only mean something to the server connection they were made on, so after a
 * reconnect the terminal side ATTACHes again (onOpen) instead.
 *
 * With a `downlinkUrl`, each socket also GETs a streamed response that carries everything the
 * server sends (shared/rpc/downlinkRecords.ts: it feeds a busy page terminal output about four
 * times faster than socket messages). The server falls back to the socket if the stream cannot
 * be had, so messages are taken from both; if the stream ends while its socket is open, the
 * socket is closed and the usual reconnect resyncs everything.
 */
export class WebSocketTransport implements RpcTransport {
  private socket: WebSocket | null = null;
  private readonly frames: FrameTransport;
  private readonly queue: string[] = [];
  private retryMs = 250;
  private progress: LinkProgress = LINK_UP;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly decoder = new TextDecoder();
  onStateChange: (state: ConnectionState) => void = () => undefined;
  /** Reconnection progress while the link is down (LINK_UP once it is open again). */
  onProgress: (progress: LinkProgress) => void = () => undefined;
  /** A binary message (a terminal frame) from the server. */
  onBinary: (data: ArrayBuffer | Uint8Array) => void = () => undefined;
  /** The socket (re)opened: a new server-side connection, with nothing attached yet. */
  onOpen: () => void = () => undefined;

  /** `downlinkUrl`: web mode's /downlink (webServer.ts), or none to take everything on the socket. */
  constructor(
    private readonly url: string,
    private readonly downlinkUrl: string | null = null,
  ) {
    this.frames = new FrameTransport((frame) => this.send(frame));
    this.connect();
  }

  call(channel: string, args: unknown[]): Promise<unknown> {
    return this.frames.call(channel, args);
  }

  listen(channel: string, listener: (data: unknown) => void): Disposable {
    return this.frames.listen(channel, listener);
  }

  /** Sends one binary message if the socket is open; returns whether it went. */
  sendBinary(bytes: Uint8Array): boolean {
    if (this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(bytes);
    return true;
  }

  private send(frame: ClientFrame): void {
    const text = JSON.stringify(frame);
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(text);
    else if (frame.type === 'call') this.queue.push(text);
    // Subscriptions made while down are renewed on open from frames.subscribedChannels.
  }

  /** Tries again now instead of waiting out the backoff (the overlay's "Try now"). */
  retryNow(): void {
    if (this.retryTimer === undefined) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.connect();
  }

  private setProgress(change: Partial<LinkProgress>): void {
    this.progress = { ...this.progress, ...change };
    this.onProgress(this.progress);
  }

  /**
   * A socket that closed before it opened: ask the page's own origin whether the server is there
   * and refuses our cookie (401), which is how a restarted web mode with a new token answers.
   * No answer at all is just "still down".
   */
  private probeAuth(): void {
    const origin = this.url.replace(/^ws(s?):/, 'http$1:').replace(/\/rpc$/, '/');
    fetch(origin, { method: 'HEAD', cache: 'no-store', credentials: 'same-origin' }).then(
      (response) => {
        if (this.progress.attempt > 0) this.setProgress({ authRejected: response.status === 401 });
      },
      () => undefined,
    );
  }

  private connect(): void {
    this.retryTimer = undefined;
    this.onStateChange('connecting');
    if (this.progress !== LINK_UP || this.socket !== null) this.setProgress({ attempt: this.progress.attempt + 1, nextAttemptAt: null });
    const linkId = this.downlinkUrl ? newLinkId() : null;
    const socket = new WebSocket(linkId ? `${this.url}?link=${linkId}` : this.url);
    const downlink = linkId ? this.openDownlink(linkId, socket) : null;
    let opened = false;
    // Terminal output arrives as binary messages; an ArrayBuffer decodes without a copy or a Promise.
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    socket.onopen = () => {
      opened = true;
      this.retryMs = 250;
      this.progress = LINK_UP;
      this.onProgress(LINK_UP);
      for (const channel of this.frames.subscribedChannels) socket.send(JSON.stringify({ type: 'subscribe', channel }));
      for (const text of this.queue.splice(0)) socket.send(text);
      this.onOpen();
      this.onStateChange('open');
    };
    socket.onmessage = (message) => {
      if (message.data instanceof ArrayBuffer) {
        this.onBinary(message.data);
        return;
      }
      if (typeof message.data === 'string') this.receiveText(message.data);
    };
    socket.onclose = () => {
      downlink?.abort();
      this.frames.disconnected('Connection to Hopline was lost');
      this.onStateChange('closed');
      if (!opened) this.probeAuth();
      this.setProgress({ nextAttemptAt: Date.now() + this.retryMs });
      this.retryTimer = setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 5000);
    };
  }

  private receiveText(text: string): void {
    try {
      this.frames.receive(JSON.parse(text));
    } catch {
      // A frame we cannot read is dropped; the server only sends JSON in text messages.
    }
  }

  private receiveMessage(message: Uint8Array): void {
    if (isJsonRecord(message)) this.receiveText(this.decoder.decode(message));
    else this.onBinary(message);
  }

  /**
   * GETs the streamed downlink paired with `socket` and hands on its messages while the socket
   * is this transport's and not closed. Refused or unreachable: the socket carries them instead.
   */
  private openDownlink(linkId: string, socket: WebSocket): AbortController {
    const controller = new AbortController();
    const live = (): boolean => this.socket === socket && socket.readyState <= WebSocket.OPEN;
    void (async () => {
      let body: ReadableStream<Uint8Array>;
      try {
        const response = await fetch(`${this.downlinkUrl}?link=${linkId}`, { cache: 'no-store', credentials: 'same-origin', signal: controller.signal });
        if (!response.ok || !response.body) {
          void response.body?.cancel().catch(() => undefined);
          return;
        }
        body = response.body;
      } catch {
        return;
      }
      const reader = body.getReader();
      const splitter = new DownlinkRecordSplitter((message) => this.receiveMessage(message));
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done || !live() || splitter.push(value) !== null) break;
        }
      } catch {
        // Aborted with its socket, or cut.
      }
      void reader.cancel().catch(() => undefined);
      // The stream ended under an open socket: what was in flight is lost, so start afresh.
      if (live()) socket.close();
    })();
    return controller;
  }
}

/** 128 random bits, base64url: pairs a socket with its downlink (downlinks.ts). */
function newLinkId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
