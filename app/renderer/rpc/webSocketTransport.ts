import type { Disposable } from '../../shared/model/event';
import { FrameTransport, type RpcTransport } from '../../shared/rpc/client';
import type { ClientFrame } from '../../shared/rpc/protocol';

export type ConnectionState = 'connecting' | 'open' | 'closed';

/**
 * Web mode: the contract over a WebSocket to the page's own origin. The token travels in the
 * HttpOnly cookie web mode set, never in script. Reconnects with backoff and renews
 * subscriptions; calls made while down fail with DISCONNECTED rather than hang.
 */
export class WebSocketTransport implements RpcTransport {
  private socket: WebSocket | null = null;
  private readonly frames: FrameTransport;
  private readonly queue: string[] = [];
  private retryMs = 250;
  onStateChange: (state: ConnectionState) => void = () => undefined;

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

  private send(frame: ClientFrame): void {
    const text = JSON.stringify(frame);
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(text);
    else if (frame.type === 'call') this.queue.push(text);
    // Subscriptions made while down are renewed on open from frames.subscribedChannels.
  }

  private connect(): void {
    this.onStateChange('connecting');
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      this.retryMs = 250;
      for (const channel of this.frames.subscribedChannels) socket.send(JSON.stringify({ type: 'subscribe', channel }));
      for (const text of this.queue.splice(0)) socket.send(text);
      this.onStateChange('open');
    };
    socket.onmessage = (message) => {
      if (typeof message.data !== 'string') return;
      try {
        this.frames.receive(JSON.parse(message.data));
      } catch {
        // A frame we cannot read is dropped; the server only sends JSON.
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
