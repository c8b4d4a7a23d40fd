/**
 * The renderer's side of the terminal frames, transport-agnostic: give it a way to send a frame
 * (a binary WebSocket message, or the preload's `terminal:sendFrame`) and feed it every frame
 * that arrives. The terminal view then does:
 *
 *   const streams = new TerminalStreams({ sendFrame });
 *   streams.attach(streamId, (bytes, processed) => xterm.write(bytes, processed));
 *   xterm.onData((text) => streams.input(streamId, encoder.encode(text)));
 *
 * Acks are counted here and sent every ACK_EVERY bytes, or as soon as everything received has
 * been processed (so an idle terminal owes the main side nothing, whatever its ack batching).
 *
 * A view that has nothing on screen yet for a terminal that already ran (a reloaded page, another
 * window) attaches with `{ replay: true }`: the main side sends the terminal's screen first, as
 * ordinary output (acked like any), then the live output. A re-ATTACH after a reconnect asks for
 * it again only if nothing at all has arrived for the stream yet; otherwise the view has content
 * and the screen would be drawn twice.
 *
 * Every ATTACH (and every re-ATTACH after a reconnect) starts a new generation: the main side
 * counts unacked bytes afresh from it, so a `processed` callback of output received before it
 * (xterm still parsing the old connection's last frames) must not ack the new one's bytes. Each
 * delivery's `processed` belongs to its generation and does nothing once that generation is over.
 */
import { ErrorCode, type WireError } from '../model/errors';
import type { Disposable } from '../model/event';
import { decodeTerminalFrame, encodeTerminalFrame, FROM_MAIN, TERMINAL_FRAME_LIMITS } from './terminalFrames';

/** The renderer acks about this often ("every ~64 KB", ARCHITECTURE.md). */
export const ACK_EVERY_BYTES = 64 * 1024;

export interface TerminalStreamsOptions {
  sendFrame(bytes: Uint8Array): void;
  /** A frame from the main side that could not be read; dropped after this. */
  onError?(error: WireError): void;
  /** Default ACK_EVERY_BYTES. */
  ackEveryBytes?: number;
}

/** Gets a stream's output; call `processed` once it has been processed (xterm's write callback). */
export type StreamListener = (bytes: Uint8Array, processed: () => void) => void;

export interface AttachOptions {
  /** The view is empty: send the terminal's screen (scrollback, screen, modes) before live output. */
  replay?: boolean;
}

/** One generation of an attached stream (see above): replaced, never reset, on re-ATTACH. */
interface StreamState {
  onData: StreamListener;
  /** Delivered to onData, not yet reported processed through ack(). */
  outstanding: number;
  /** Reported processed, not yet sent in an ACK frame. */
  unsent: number;
  /** The view asked for the screen first. */
  replay: boolean;
  /** Some output of this stream reached onData (in this generation or an earlier one). */
  received: boolean;
}

export class TerminalStreams {
  private readonly streams = new Map<number, StreamState>();
  private readonly ackEvery: number;

  constructor(private readonly options: TerminalStreamsOptions) {
    this.ackEvery = Math.max(1, Math.floor(options.ackEveryBytes ?? ACK_EVERY_BYTES));
  }

  /**
   * Starts (or restarts) receiving a stream's output. Attaching a stream already attached
   * replaces its listener and starts its ack count afresh, as the main side does.
   */
  attach(streamId: number, onData: StreamListener, options: AttachOptions = {}): Disposable {
    const replay = options.replay === true;
    const state: StreamState = { onData, outstanding: 0, unsent: 0, replay, received: false };
    this.streams.set(streamId, state);
    this.send({ type: 'attach', streamId, replay });
    return {
      dispose: () => {
        if (this.streams.get(streamId)?.onData === onData) this.detach(streamId);
      },
    };
  }

  detach(streamId: number): void {
    if (!this.streams.delete(streamId)) return;
    this.send({ type: 'detach', streamId });
  }

  /** After a reconnect (a new server-side connection): ATTACH every stream again. */
  reattachAll(): void {
    for (const [streamId, state] of [...this.streams]) {
      this.streams.set(streamId, { onData: state.onData, outstanding: 0, unsent: 0, replay: state.replay, received: state.received });
      // A view with content gets only what follows; one still empty still wants the screen.
      this.send({ type: 'attach', streamId, replay: state.replay && !state.received });
    }
  }

  get attachedStreams(): number[] {
    return [...this.streams.keys()];
  }

  /**
   * `n` bytes of this stream's current generation have been processed (for callers that batch
   * their own acks; the `processed` callback given with each delivery is simpler and safe across
   * re-ATTACHes). More than was delivered is clamped.
   */
  ack(streamId: number, n: number): void {
    const state = this.streams.get(streamId);
    if (state) this.acked(streamId, state, n);
  }

  private acked(streamId: number, state: StreamState, n: number): void {
    if (this.streams.get(streamId) !== state || !(n > 0)) return;
    const bytes = Math.min(Math.floor(n), state.outstanding);
    state.outstanding -= bytes;
    state.unsent += bytes;
    if (state.unsent > 0 && (state.unsent >= this.ackEvery || state.outstanding === 0)) {
      const count = state.unsent;
      state.unsent = 0;
      // Caught up: the view waits for output, which the main side's flow law reads as "feed more".
      this.send(state.outstanding === 0 ? { type: 'ack', streamId, bytes: count, caughtUp: true } : { type: 'ack', streamId, bytes: count });
    }
  }

  /** Keystrokes or a paste: sent at once, never batched; split into frames of at most 64 KiB. */
  input(streamId: number, bytes: Uint8Array): void {
    const max = TERMINAL_FRAME_LIMITS.maxPayloadBytes;
    for (let at = 0; at < bytes.byteLength; at += max) {
      this.send({ type: 'input', streamId, data: bytes.subarray(at, Math.min(at + max, bytes.byteLength)) });
    }
  }

  /** Feed every terminal frame from the main side here (a binary WebSocket message, an IPC frame). */
  receive(data: Uint8Array | ArrayBuffer): void {
    const bytes = data instanceof Uint8Array ? data : data instanceof ArrayBuffer ? new Uint8Array(data) : null;
    if (!bytes) {
      this.options.onError?.({ code: ErrorCode.BAD_FRAME, message: 'A terminal frame must be bytes' });
      return;
    }
    const decoded = decodeTerminalFrame(bytes, FROM_MAIN);
    if (!decoded.ok) {
      this.options.onError?.(decoded.error);
      return;
    }
    const frame = decoded.frame;
    if (frame.type !== 'output') return;
    const state = this.streams.get(frame.streamId);
    // Output for a stream we detached from may still be in flight: drop it.
    if (!state) return;
    const n = frame.data.byteLength;
    state.outstanding += n;
    state.received = true;
    state.onData(frame.data, () => this.acked(frame.streamId, state, n));
  }

  private send(frame: Parameters<typeof encodeTerminalFrame>[0]): void {
    this.options.sendFrame(encodeTerminalFrame(frame));
  }
}
