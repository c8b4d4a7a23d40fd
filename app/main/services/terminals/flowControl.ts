/**
 * Flow control for one terminal's output (ARCHITECTURE.md, "Terminal data path").
 *
 * Output from the shell channel is batched into payloads of at most BATCH bytes (flushed when a
 * batch fills, or on the next turn of the event loop) and delivered to every attached sink.
 * Each sink owes acks for what it was sent; the terminal's pressure is what sits here unsent
 * plus the largest amount any one sink has not acknowledged. At HIGH the source (the ssh2
 * channel) is paused, so ssh2 stops adjusting the SSH window and the remote stalls; at LOW or
 * below it resumes.
 *
 * With no sink attached, output stays here, and the same watermark pauses the channel once
 * HIGH bytes wait: the memory a terminal holds is bounded whether or not anyone reads it.
 *
 * A sink may instead attach behind a lead (attachAfterLead): a snapshot of the screen taken at
 * that moment (screenMirror.ts), delivered before any output from then on and counted like it.
 * Output produced while the snapshot is being taken is held for that sink and follows it; the
 * output that was waiting is already in the snapshot, so that sink does not get it again. The
 * screen mirror's unparsed bytes count too (setBacklog), as one more reader of the output.
 *
 * Watermarks are sized by measurement (app/shared/flow/flowLaw.ts), unless fixed ones are given
 * (tests): each sink has its own FlowLaw, fed with what it was sent and what it acked; HIGH is
 * the smallest of their page legs (the slowest viewer sets the pace), LOW is one ack step (or a
 * quarter of HIGH, if more) below it, and `onInFlight` hands the smallest network leg to the shell
 * channel's SSH window (shellWindow.ts). The law also times the round trip from a resume to the
 * next output that was not already buffered in ssh2 (see resumed/fresh below).
 *
 * Fixed watermarks (FLOW_LIMITS, the former defaults): the renderer acks from xterm's write callback in steps of about 64 KiB
 * (TerminalStreams: every 64 KiB, or when it has caught up). LOW must be above that step, or a
 * renderer that has processed everything but holds a sub-step remainder could leave a paused
 * terminal paused; LOW is one step below HIGH, so output resumes as soon as one step is acked
 * and the page is not left to drain what it holds while the refill travels through the hops.
 * HIGH bounds what a page must still parse after a Ctrl-C (with what shellWindow.ts lets
 * through), and `yes` output parses at only 1-2 MiB/s in a page: at 256 KiB, Ctrl-C to quiet
 * took 166-281 ms in `npm run bench` (median 204), against 260-370 ms at 512 KiB.
 */
export const FLOW_LIMITS = {
  /** Pause the channel when this much output is unacknowledged (or waiting for a viewer). */
  highWaterBytes: 256 * 1024,
  /** Resume it once the unacknowledged output is down to this. */
  lowWaterBytes: 192 * 1024,
  /** Largest OUTPUT payload; equals TERMINAL_FRAME_LIMITS.maxPayloadBytes. */
  batchBytes: 64 * 1024,
} as const;

import { ACK_STEP_BYTES, FlowLaw, type FlowLawOptions, type FlowLawState } from '../../../shared/flow/flowLaw';

/** What gets paused: the ssh2 channel (and its stderr). */
export interface PausableSource {
  pause(): void;
  resume(): void;
}

/** One viewer of the output (a connection that ATTACHed). Identity is the object. */
export interface FlowSink {
  deliver(payload: Uint8Array): void;
}

export interface FlowControlOptions {
  /** Fixed watermarks (both, or neither): no law sizes them then. */
  highWaterBytes?: number;
  lowWaterBytes?: number;
  /** The control law's settings when the watermarks are not fixed. */
  law?: FlowLawOptions;
  /** The law's SSH window changed (by more than 1/8): the shell channel's window follows it. */
  onInFlight?: (bytes: number) => void;
  /** Milliseconds, monotonic; default performance.now. */
  now?: () => number;
  batchBytes?: number;
  /** Runs a flush on the next turn of the event loop; default setImmediate. */
  schedule?: (flush: () => void) => void;
}

interface SinkState {
  /** Sent (or held for it), not acknowledged yet. */
  unacked: number;
  /** Its parse rate and round trip (adaptive mode). */
  law: FlowLaw | null;
  /** While its lead is on its way: its output, in order, delivered after the lead. */
  held: Uint8Array[] | null;
}

/** Delivers a lead-attached sink's lead, then what was held for it. null: there is no lead after all. */
export type ReleaseLead = (lead: Uint8Array | null) => void;

/**
 * Adaptive mode: the screen mirror's unparsed backlog has watermarks of its own. Counted against
 * the viewers' in-flight figure it held every `cat` to the mirror's pace (a headless xterm in this
 * process, slower than the page's on a busy machine), and its backlog never grew to where it may
 * skip plain text that can no longer show (screenMirror.ts, SKIP_AFTER_BYTES). Bounded all the same.
 */
export const MIRROR_BACKLOG_LIMITS = { highBytes: 2 * 1024 * 1024, lowBytes: 1536 * 1024 } as const;


export class FlowControl {
  private high: number;
  private low: number;
  /** Adaptive mode: the law's settings, and a law for when no sink is attached. */
  private readonly lawOptions: FlowLawOptions | null;
  private readonly idleLaw: FlowLaw | null;
  private readonly onInFlight: ((bytes: number) => void) | null;
  private readonly now: () => number;
  /** The in-flight figure last handed to onInFlight. */
  private announced = 0;
  /** Output after a resume is buffered in ssh2 until this turn of the event loop is over. */
  private resumeTick = false;
  private readonly batch: number;
  private readonly schedule: (flush: () => void) => void;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private readonly sinks = new Map<FlowSink, SinkState>();
  /** Output a local reader (the screen mirror) was given and has not processed yet. */
  private backlog = 0;
  private paused = false;
  private flushScheduled = false;
  private disposed = false;

  constructor(private readonly source: PausableSource, options: FlowControlOptions = {}) {
    const fixed = options.highWaterBytes !== undefined || options.lowWaterBytes !== undefined;
    this.high = options.highWaterBytes ?? FLOW_LIMITS.highWaterBytes;
    this.low = options.lowWaterBytes ?? FLOW_LIMITS.lowWaterBytes;
    this.batch = options.batchBytes ?? FLOW_LIMITS.batchBytes;
    if (!(this.low < this.high) || this.batch < 1) throw new RangeError('FlowControl needs low < high and a positive batch');
    this.schedule = options.schedule ?? ((flush) => setImmediate(flush));
    this.now = options.now ?? (() => performance.now());
    this.onInFlight = options.onInFlight ?? null;
    this.lawOptions = fixed ? null : (options.law ?? {});
    this.idleLaw = this.lawOptions ? new FlowLaw(this.lawOptions) : null;
    this.resize();
  }

  /** The high watermark (adaptive mode: the slowest sink's page leg), for diagnostics. */
  get inFlight(): number {
    return this.high;
  }

  /** The SSH window last handed to onInFlight (adaptive mode). */
  get windowBytes(): number {
    return this.announced;
  }

  /** Each sink's law (adaptive mode): rate, round trip and in-flight. */
  get lawStates(): FlowLawState[] {
    const states: FlowLawState[] = [];
    for (const { law } of this.sinks.values()) if (law) states.push(law.state);
    return states;
  }

  /** Output from the channel. */
  push(chunk: Uint8Array): void {
    if (this.disposed || chunk.byteLength === 0) return;
    if (this.lawOptions) {
      const now = this.now();
      this.idleLaw!.output(now, !this.resumeTick);
      for (const { law } of this.sinks.values()) law!.output(now, !this.resumeTick);
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.byteLength;
    if (this.sinks.size > 0) {
      if (this.pendingBytes >= this.batch) this.flush();
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        this.schedule(() => {
          this.flushScheduled = false;
          this.flush();
        });
      }
    }
    this.update();
  }

  /** Sends everything waiting to every sink now, in payloads of at most `batch` bytes. Kept while no sink is attached. */
  flush(): void {
    if (this.disposed || this.sinks.size === 0 || this.pendingBytes === 0) return;
    while (this.pendingBytes > 0) {
      const payload = this.take(Math.min(this.batch, this.pendingBytes));
      const now = this.lawOptions ? this.now() : 0;
      for (const [sink, state] of this.sinks) {
        state.unacked += payload.byteLength;
        state.law?.sent(payload.byteLength, now);
        if (state.held) state.held.push(payload);
        else sink.deliver(payload);
      }
    }
    this.update();
  }

  /**
   * A viewer arrives and gets whatever waited for one. Attaching a sink that is already
   * attached restarts it (a reloaded page): what it owed is forgiven.
   */
  attach(sink: FlowSink): void {
    if (this.disposed) return;
    this.sinks.set(sink, { unacked: 0, held: null, law: this.newLaw() });
    this.flush();
    this.update();
  }

  /**
   * A viewer that first gets a lead taken now (the screen as of the last byte pushed), then the
   * output pushed from now on. What waited for a viewer is in the lead: other sinks get it now,
   * and with none it is dropped. Until `release` is called this sink's output is held (and counts
   * as unacknowledged, so the watermarks still bound it); `release(lead)` delivers the lead in
   * payloads of at most `batch` bytes, counted as sent, then what was held. A release after the
   * sink detached or attached again does nothing.
   */
  attachAfterLead(sink: FlowSink): ReleaseLead {
    if (this.disposed) return () => undefined;
    // Attached already (the same connection again): its old state must not get the waiting output.
    this.sinks.delete(sink);
    if (this.sinks.size > 0) this.flush();
    else {
      this.pending = [];
      this.pendingBytes = 0;
    }
    const state: SinkState = { unacked: 0, held: [], law: this.newLaw() };
    this.sinks.set(sink, state);
    this.update();
    return (lead) => {
      if (this.disposed || this.sinks.get(sink) !== state || !state.held) return;
      const held = state.held;
      state.held = null;
      if (lead) {
        const now = this.now();
        for (let at = 0; at < lead.byteLength; at += this.batch) {
          const payload = lead.subarray(at, Math.min(at + this.batch, lead.byteLength));
          state.unacked += payload.byteLength;
          state.law?.sent(payload.byteLength, now);
          sink.deliver(payload);
        }
      }
      // Already counted when they were held.
      const now = this.now();
      for (const payload of held) {
        state.law?.sent(payload.byteLength, now);
        sink.deliver(payload);
      }
      this.update();
    };
  }

  /** Bytes the screen mirror holds unparsed: they count in the pressure like a sink's unacked bytes. */
  setBacklog(bytes: number): void {
    if (this.disposed) return;
    this.backlog = Math.max(0, bytes);
    this.update();
  }

  detach(sink: FlowSink): void {
    if (this.sinks.delete(sink)) this.update();
  }

  /**
   * `n` bytes processed by this sink; more than it was sent and still owes is clamped. Returns what
   * counted. `caughtUp`: the sink says it has processed all it received and waits for more.
   */
  ack(sink: FlowSink, n: number, caughtUp = false): number {
    const state = this.sinks.get(sink);
    if (!state || !(n > 0)) return 0;
    const accepted = Math.min(Math.floor(n), state.unacked);
    state.unacked -= accepted;
    if (state.law && accepted > 0) {
      state.law.acked(accepted, this.now(), caughtUp);
      this.resize();
    }
    this.update();
    return accepted;
  }

  /**
   * Unsent output plus the most any one reader owes (a sink, or with fixed watermarks the mirror):
   * what the watermarks compare against.
   */
  get pressure(): number {
    let most = this.lawOptions ? 0 : this.backlog;
    for (const { unacked } of this.sinks.values()) most = Math.max(most, unacked);
    return this.pendingBytes + most;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get waitingBytes(): number {
    return this.pendingBytes;
  }

  get sinkCount(): number {
    return this.sinks.size;
  }

  unackedBy(sink: FlowSink): number {
    return this.sinks.get(sink)?.unacked ?? 0;
  }

  /** Forgets output and sinks. The owner decides what becomes of the source. */
  dispose(): void {
    this.disposed = true;
    this.pending = [];
    this.pendingBytes = 0;
    this.backlog = 0;
    this.sinks.clear();
  }

  private newLaw(): FlowLaw | null {
    return this.lawOptions ? new FlowLaw(this.lawOptions) : null;
  }

  /** Adaptive mode: HIGH is the slowest sink's in-flight figure, LOW an ack step (or a quarter) below. */
  private resize(): void {
    if (!this.lawOptions) return;
    let page = Infinity;
    let window = Infinity;
    for (const { law } of this.sinks.values()) {
      page = Math.min(page, law!.pageBytes);
      window = Math.min(window, law!.windowBytes);
    }
    if (page === Infinity) {
      page = this.idleLaw!.pageBytes;
      window = this.idleLaw!.windowBytes;
    }
    this.high = page;
    this.low = Math.max(1, page - Math.max(ACK_STEP_BYTES, Math.floor(page / 4)));
    // The SSH window follows in steps of 1/8, not on every ack.
    if (this.onInFlight && Math.abs(window - this.announced) > this.announced / 8) {
      this.announced = window;
      this.onInFlight(window);
    }
  }

  private update(): void {
    if (this.disposed) return;
    this.resize();
    const pressure = this.pressure;
    const mirrorHigh = this.lawOptions !== null && this.backlog >= MIRROR_BACKLOG_LIMITS.highBytes;
    const mirrorLow = this.lawOptions === null || this.backlog <= MIRROR_BACKLOG_LIMITS.lowBytes;
    if (!this.paused && (pressure >= this.high || mirrorHigh)) {
      this.paused = true;
      this.source.pause();
    } else if (this.paused && pressure <= this.low && mirrorLow) {
      // State first: a source may deliver synchronously from resume().
      this.paused = false;
      if (this.lawOptions) {
        // What ssh2 buffered while paused comes out in this turn; the next output after it took
        // a round trip (the window refill to the target and back), if the pipe had drained.
        const now = this.now();
        this.idleLaw!.resumed(now);
        for (const { law } of this.sinks.values()) law!.resumed(now);
        this.resumeTick = true;
        this.schedule(() => {
          this.resumeTick = false;
        });
      }
      this.source.resume();
    }
  }

  /** Removes the first `n` pending bytes as one payload (no copy when a chunk fits exactly). */
  private take(n: number): Uint8Array {
    const first = this.pending[0]!;
    if (first.byteLength === n) {
      this.pending.shift();
      this.pendingBytes -= n;
      return first;
    }
    if (first.byteLength > n) {
      this.pending[0] = first.subarray(n);
      this.pendingBytes -= n;
      return first.subarray(0, n);
    }
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const chunk = this.pending[0]!;
      const want = n - at;
      if (chunk.byteLength <= want) {
        out.set(chunk, at);
        at += chunk.byteLength;
        this.pending.shift();
      } else {
        out.set(chunk.subarray(0, want), at);
        this.pending[0] = chunk.subarray(want);
        at = n;
      }
    }
    this.pendingBytes -= n;
    return out;
  }
}
