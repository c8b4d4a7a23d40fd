/**
 * Terminal frames for one client connection (a WebSocket, or one Electron window): decodes what
 * the renderer sends, routes OUTPUT to the connections that ATTACHed a stream, and drops that
 * connection's attachments when it closes (the terminals keep running; without acks they stall
 * at the high watermark until someone attaches again).
 *
 * Transports know only TerminalFrameHub: `connect(peer)` per connection, then `receive(bytes)`
 * for every binary frame and `close()` when the connection goes.
 */
import { ErrorCode, type WireError } from '../../../shared/model/errors';
import { decodeTerminalFrame, encodeTerminalFrame, FROM_RENDERER, type TerminalFrame } from '../../../shared/rpc/terminalFrames';
import { log } from '../log';
import type { FlowSink } from './flowControl';

/** How a connection reaches its client. */
export interface TerminalPeer {
  /** One encoded frame (binary WebSocket message, or the `terminal:frame` IPC message). */
  send(frame: Uint8Array): void;
  /** A typed error for a frame that could not be used; the connection keeps working. */
  error(error: WireError): void;
}

export interface TerminalFrameConnection {
  receive(bytes: Uint8Array): void;
  close(): void;
}

export interface TerminalFrameHub {
  connect(peer: TerminalPeer): TerminalFrameConnection;
}

/** A sink that is told when its stream ends, so the router can forget it. */
export interface StreamSink extends FlowSink {
  ended(): void;
}

/** What the router needs of one terminal. */
export interface TerminalStreamEndpoint {
  /**
   * Starts sending the stream's output to `sink`. With `replay`, the terminal's screen as it is
   * now (scrollback, screen, modes) comes first, then every byte of output produced after it,
   * none lost, repeated or reordered.
   */
  attach(sink: StreamSink, options?: { replay?: boolean }): void;
  detach(sink: StreamSink): void;
  /** `caughtUp`: the view processed all it received and waits for more. */
  ack(sink: StreamSink, bytes: number, caughtUp?: boolean): void;
  /** Writes input to the shell; a typed error if it cannot take it. */
  input(data: Uint8Array): WireError | null;
}

export interface TerminalStreamLookup {
  stream(streamId: number): TerminalStreamEndpoint | undefined;
}

function noStream(streamId: number): WireError {
  return { code: ErrorCode.INVALID_ARGUMENT, message: `No terminal stream ${streamId} (it ended, or never existed)` };
}

export class StreamRouter implements TerminalFrameConnection {
  private readonly attached = new Map<number, { endpoint: TerminalStreamEndpoint; sink: StreamSink }>();
  private closed = false;

  constructor(private readonly lookup: TerminalStreamLookup, private readonly peer: TerminalPeer) {}

  /** Never throws: a bad frame becomes one error for the peer. */
  receive(bytes: Uint8Array): void {
    if (this.closed) return;
    const decoded = decodeTerminalFrame(bytes, FROM_RENDERER);
    if (!decoded.ok) return this.peer.error(decoded.error);
    try {
      this.dispatch(decoded.frame);
    } catch (error) {
      // A transport's message handler must never see a throw from here.
      log.error('terminal frame failed', error);
      this.peer.error({ code: ErrorCode.INTERNAL, message: 'Internal error handling a terminal frame' });
    }
  }

  private dispatch(frame: TerminalFrame): void {
    switch (frame.type) {
      case 'attach': {
        const endpoint = this.lookup.stream(frame.streamId);
        if (!endpoint) return this.peer.error(noStream(frame.streamId));
        const existing = this.attached.get(frame.streamId);
        if (existing && existing.endpoint !== endpoint) existing.endpoint.detach(existing.sink);
        // The same sink again restarts its ack count (a reloaded page attaching anew).
        const sink = existing?.endpoint === endpoint ? existing.sink : this.sinkFor(frame.streamId, endpoint);
        this.attached.set(frame.streamId, { endpoint, sink });
        endpoint.attach(sink, { replay: frame.replay === true });
        return;
      }
      case 'detach': {
        const entry = this.attached.get(frame.streamId);
        if (!entry) return;
        this.attached.delete(frame.streamId);
        entry.endpoint.detach(entry.sink);
        return;
      }
      case 'ack': {
        // Acks for a stream this connection is not attached to (late, after a detach) count for nothing.
        const entry = this.attached.get(frame.streamId);
        if (entry) entry.endpoint.ack(entry.sink, frame.bytes, frame.caughtUp === true);
        return;
      }
      case 'input': {
        const endpoint = this.lookup.stream(frame.streamId);
        if (!endpoint) return this.peer.error(noStream(frame.streamId));
        const problem = endpoint.input(frame.data);
        if (problem) this.peer.error(problem);
        return;
      }
      case 'output':
        // decodeTerminalFrame(FROM_RENDERER) never yields one.
        return;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const { endpoint, sink } of this.attached.values()) endpoint.detach(sink);
    this.attached.clear();
  }

  get attachedStreams(): number[] {
    return [...this.attached.keys()];
  }

  private sinkFor(streamId: number, endpoint: TerminalStreamEndpoint): StreamSink {
    const sink: StreamSink = {
      deliver: (payload) => {
        if (!this.closed) this.peer.send(encodeTerminalFrame({ type: 'output', streamId, data: payload }));
      },
      ended: () => {
        const entry = this.attached.get(streamId);
        if (entry?.endpoint === endpoint) this.attached.delete(streamId);
      },
    };
    return sink;
  }
}

