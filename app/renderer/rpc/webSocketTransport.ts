import type { Disposable } from '../../shared/model/event';
import { FrameTransport, type RpcTransport } from '../../shared/rpc/client';
import type { ClientFrame } from '../../shared/rpc/protocol';

export type ConnectionState = 'connecting' | 'open' | 'closed';

/**
 * Web mode: the contract over a WebSocket to the page's own origin. The token travels in the
 * HttpOnly cookie web mode set, never in script. Reconnects with backoff and renews
 * subscriptions; calls made while down fail with DISCONNECTED rather than hang.
 *
 * The same socket carries terminal frames (shared/rpc/terminalFrames.ts) as binary messages:
 * JSON stays in text messages. Binary frames are never queued while the socket is down: output
 * acks and ATTACHes only mean something to the server connection they were made on, so after a
 * reconnect the terminal side ATTACHes again (onOpen) instead.
 */
export class WebSocketTransport implements RpcTransport {
  private socket: WebSocket | null = null;
  private readonly frames: FrameTransport;
  private readonly queue: string[] = [];
  private retryMs = 250;
  onStateChange: (state: ConnectionState) => void = () => undefined;
  /** A binary message (a terminal frame) from the server. */
  onBinary: (data: ArrayBuffer) => void = () => undefined;
  /** The socket (re)opened: a new server-side connection, with nothing attached yet. */
  onOpen: () => void = () => undefined;

  constructor(private readonly url: string) {
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

  private connect(): void {
    this.onStateChange('connecting');
    const socket = new WebSocket(this.url);
    // Terminal output arrives as binary messages; an ArrayBuffer decodes without a copy or a Promise.
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    socket.onopen = () => {
      this.retryMs = 250;
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
      if (typeof message.data !== 'string') return;
      try {
        this.frames.receive(JSON.parse(message.data));
      } catch {
        // A frame we cannot read is dropped; the server only sends JSON in text messages.
      }
    };
    socket.onclose = () => {
      this.frames.disconnected('Connection to Hopline was lost');
      this.onStateChange('closed');
      setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 5000);
    };
  }
}
