/**
 * How many bytes of one terminal's output may be in flight: a pure control law (no DOM, no Node,
 * no ssh2), fed with what the main side sees of its stream and read by flow control
 * (app/main/services/terminals/flowControl.ts) and the shell channel's SSH window (shellWindow.ts).
 * The same law serves every transport: it only sees bytes sent, bytes acked and output arriving.
 *
 * As TCP Vegas/BBR size a window to the bottleneck's rate times the delay: the slowest stage is
 * the page (xterm parses `yes` at 1-2 MiB/s and a plain log at 25-50 MiB/s), so
 *
 *   inFlight = parse rate × (round trip + latency budget)
 *
 * split between the two places output waits: the SSH window (the network leg: rate × (SSH round
 * trip + half the budget)) and what the page holds unacked (the page leg: rate × (page round trip
 * + half the budget) + one ack step), each within [floor, ceiling]. What a page still has to parse
 * after Ctrl-C is about their sum, so Ctrl-C goes quiet within about the round trip plus the
 * budget whatever the content, while `cat` keeps the page busy.
 *
 * - Parse rate: bytes acked per unit of time the page was busy (it had output it had not acked).
 *   Busy stretches are summed until they hold SAMPLE_BYTES and SAMPLE_MS (acks come in bursts,
 *   after a frame was rendered, so one ack-to-ack gap says nothing); a stretch that ends before
 *   STRETCH_BYTES (a keystroke's echo: network time, not parsing) is dropped. A page that keeps
 *   up still counts its stretches, the network's share of them included, so the estimate is low
 *   at first; but in flight then exceeds rate × round trip, the page gets output faster than
 *   estimated and the next samples are higher, until it is busy all the time. A slower sample is
 *   believed half-way, a faster one a quarter of the way: a flood that parses slowly must shrink
 *   the window before it fills it.
 * - Round trip: two legs. The SSH leg, from output resuming after a pause (the ack that let it
 *   go) to the next output from the channel that is not already buffered here (see FlowControl),
 *   smoothed. And the page leg, from sending a byte to the ack that covers it, at its least since
 *   output last started after an idle spell (as TCP Vegas keeps its base RTT; the idle spell
 *   drained the page, as BBR's ProbeRTT does): more than the least is bytes queued in the page,
 *   which is what the budget bounds, not a longer trip. A minimum that drifted up instead would
 *   count a standing queue as trip, and grow in flight without end. Without the page leg the
 *   figure settled where in flight just covered the trip, and a page that could parse 30 MiB/s
 *   was fed 4 (npm run bench -- terminals).
 * - Probing: a page whose processing of each batch costs a fixed delay (a DOM render frame of
 *   ~10 ms, the network both ways) looks, from its acks, exactly as fast as it is fed, and a law
 *   fed by that estimate settles at 2-4 MiB/s for a page that parses 20+ (measured: it did). So,
 *   as BBR probes with a gain above 1, and as Vegas tells a queue from a trip: each rate sample
 *   also averages the page leg's round trip over its acks; its excess over the least is output
 *   queued in the page. Under half the budget, the page is not what limits the flow, and both legs
 *   grow by GAIN_STEP (up to MAX_GAIN); over the budget, they shrink back toward a gain of 1. A page
 *   that drains all it was allowed (caught up after being sent 3/4 of its leg) grows them too.
 *   A slow flood (`yes`) keeps the page's queue full, so its gain stays 1.
 * - Starving: a page that has parsed all it received says so in its ack (TerminalStreams,
 *   CAUGHT_UP). If output was still on its way to it then, it sat idle waiting for data: in
 *   flight was too small for its round trip, however its loops looked. That grows both legs by
 *   GAIN_STEP (once per page round trip): a real page's acks come in bursts tied to its render
 *   frames, and that jitter alone read as queueing held a page that parses a log at 30+ MiB/s
 *   near 10, idle 45% of the time (npm run bench -- terminals). A slow flood (`yes`) catches up
 *   only while it ramps up; once its queue builds, the queue check above shrinks the legs again,
 *   so Ctrl-C stays within the budget. (Letting a starved sample skip that shrink took Ctrl-C to
 *   180-200 ms.)
 * - Slow start: after `idleRestartMs` without output, in-flight restarts at `restartBytes` and
 *   grows by what is acked (doubling per round trip, as TCP's slow start), so content that parses
 *   slower than the last flood (a `yes` after a `cat`) never finds megabytes already granted.
 */

export interface FlowLawOptions {
  /** Least of each leg: above the renderer's ack step (64 KiB), so LOW = HIGH - step stays above 0. */
  floorBytes?: number;
  /** Most in flight: bounds memory per terminal whatever the page does. */
  ceilingBytes?: number;
  /** Delay allowed beyond the round trip: what Ctrl-C costs, and the slack that keeps a fast page fed. */
  budgetMs?: number;
  /** Assumed until measured. */
  initialRateBytesPerSec?: number;
  initialRttMs?: number;
  /** Output idle this long restarts slow start. */
  idleRestartMs?: number;
  /** Where slow start begins. */
  restartBytes?: number;
}

export const FLOW_LAW_DEFAULTS = {
  floorBytes: 96 * 1024,
  ceilingBytes: 4 * 1024 * 1024,
  budgetMs: 30,
  initialRateBytesPerSec: 2 * 1024 * 1024,
  initialRttMs: 40,
  idleRestartMs: 500,
  restartBytes: 512 * 1024,
} as const satisfies Required<FlowLawOptions>;

/** The page acks in steps of this (TerminalStreams' ACK_EVERY_BYTES): the page leg holds one more. */
export const ACK_STEP_BYTES = 64 * 1024;
/** A rate sample needs this many bytes and this much busy time. */
export const SAMPLE_BYTES = 64 * 1024;
export const SAMPLE_MS = 40;
/** A busy stretch that ends before this many bytes were acked does not count (echoes). */
export const STRETCH_BYTES = 16 * 1024;
/** Probing (see the head of this file). */
export const GAIN_STEP = 1.25;
export const MAX_GAIN = 16;
/** Round trips outside this are not believed (a clock jump, a stalled event loop). */
const RTT_LIMITS_MS = { min: 1, max: 250 } as const;

export interface FlowLawState {
  rateBytesPerSec: number;
  /** SSH leg + page leg. */
  rttMs: number;
  /** The SSH window's share, and the page's (the high watermark). */
  windowBytes: number;
  pageBytes: number;
  /** The probing gain on both (1: not probing). */
  gain: number;
}

export class FlowLaw {
  readonly floor: number;
  readonly ceiling: number;
  private readonly budgetMs: number;
  private readonly idleRestartMs: number;
  private readonly restartBytes: number;
  private rate: number;
  private rtt: number;
  /** Sent and not acked, as this law saw it. */
  private outstanding = 0;
  /** When the current busy stretch (outstanding > 0) began, or null while the page is caught up. */
  private busySince: number | null = null;
  /** The current busy stretch, until it holds STRETCH_BYTES. */
  private stretchBytes = 0;
  private stretchMs = 0;
  /** Summed busy stretches not yet taken as a sample. */
  private sampleBytes = 0;
  private sampleMs = 0;
  /** Slow start's limit; Infinity once it has grown past the law's figure. */
  private startCap: number;
  private lastOutputAt = -Infinity;
  /** When the page last caught up (acked all it was sent). */
  private drainedAt = -Infinity;
  /** Output resumed at this time and the next fresh output gives a round trip. */
  private resumedAt: number | null = null;
  /** Sends not yet acked in full: [bytes sent up to and including it, when]. */
  private readonly sends: [number, number][] = [];
  private sentBytes = 0;
  private ackedBytes = 0;
  /** The page leg's least round trip (ms) since output last started after an idle spell. */
  private pageLoop: number | null = null;
  /** Probing gain on both legs, and what the current busy stretch was sent. */
  private gain = 1;
  private stretchSent = 0;
  /** The page leg's round trips in the current sample. */
  private loopSum = 0;
  private loopCount = 0;
  /** When the page last said it waited for data and that grew the gain. */
  private lastStarvedAt = -Infinity;

  constructor(options: FlowLawOptions = {}) {
    const o = { ...FLOW_LAW_DEFAULTS, ...options };
    if (!(o.floorBytes > 0 && o.floorBytes <= o.ceilingBytes)) throw new RangeError('FlowLaw needs 0 < floor <= ceiling');
    this.floor = o.floorBytes;
    this.ceiling = o.ceilingBytes;
    this.budgetMs = o.budgetMs;
    this.idleRestartMs = o.idleRestartMs;
    this.restartBytes = Math.max(o.floorBytes, Math.min(o.ceilingBytes, o.restartBytes));
    this.rate = o.initialRateBytesPerSec;
    this.rtt = o.initialRttMs;
    this.startCap = this.restartBytes;
  }

  /** The SSH window: output the target may send ahead. */
  get windowBytes(): number {
    return this.clamp((this.gain * this.rate * (this.rtt + this.budgetMs / 2)) / 1000);
  }

  /** Output the page may hold unacked (flow control's high watermark). */
  get pageBytes(): number {
    return this.clamp((this.gain * this.rate * ((this.pageLoop ?? 0) + this.budgetMs / 2)) / 1000 + ACK_STEP_BYTES);
  }

  /** Both legs: what may be in flight in all. */
  get inFlight(): number {
    return this.windowBytes + this.pageBytes;
  }

  get state(): FlowLawState {
    return { rateBytesPerSec: this.rate, rttMs: this.rtt + (this.pageLoop ?? 0), windowBytes: this.windowBytes, pageBytes: this.pageBytes, gain: this.gain };
  }

  private clamp(bytes: number): number {
    return Math.round(Math.max(this.floor, Math.min(this.ceiling, bytes, this.startCap)));
  }

  /** Output arrived from the source (the shell channel). `fresh`: not what was buffered here while paused. */
  output(now: number, fresh = true): void {
    // Idle: no output, and the page caught up, for idleRestartMs (a page still parsing a backlog is not idle).
    if (this.outstanding === 0 && now - Math.max(this.lastOutputAt, this.drainedAt) >= this.idleRestartMs) {
      this.startCap = Math.min(this.startCap, this.restartBytes);
      this.pageLoop = null;
      this.gain = 1;
    }
    this.lastOutputAt = now;
    if (fresh && this.resumedAt !== null) {
      const sample = now - this.resumedAt;
      this.resumedAt = null;
      if (sample >= RTT_LIMITS_MS.min && sample <= RTT_LIMITS_MS.max) this.rtt += (sample - this.rtt) / 4;
    }
  }

  /** The source was resumed (an ack brought the pressure down): the next fresh output times a round trip. */
  resumed(now: number): void {
    this.resumedAt = now;
  }

  /** `bytes` were sent to the page. */
  sent(bytes: number, now: number): void {
    if (!(bytes > 0)) return;
    if (this.outstanding === 0) {
      this.busySince = now;
      this.stretchSent = 0;
    }
    this.outstanding += bytes;
    this.stretchSent += bytes;
    this.sentBytes += bytes;
    this.sends.push([this.sentBytes, now]);
  }

  /**
   * The page acked `bytes` (it has parsed them). `caughtUp`: it says it has parsed all it
   * received; with output still on its way to it, it sat waiting for data (see Starving above).
   */
  acked(bytes: number, now: number, caughtUp = false): void {
    if (!(bytes > 0)) return;
    const n = Math.min(bytes, this.outstanding);
    this.outstanding -= n;
    this.ackedBytes += n;
    if (caughtUp && this.outstanding > 0) this.starving(now);
    let sentAt: number | null = null;
    while (this.sends.length > 0 && this.sends[0]![0] <= this.ackedBytes) sentAt = this.sends.shift()![1];
    if (sentAt !== null) {
      const loop = now - sentAt;
      if (loop >= 0 && loop <= RTT_LIMITS_MS.max) {
        if (this.pageLoop === null || loop < this.pageLoop) this.pageLoop = loop;
        this.loopSum += loop;
        this.loopCount++;
      }
    }
    if (this.startCap !== Infinity) {
      this.startCap += n;
      if (this.startCap >= this.ceiling) this.startCap = Infinity;
    }
    if (this.busySince === null) return;
    // Before any sample below (which moves the legs): a sample that ends in a catch-up is not one
    // of a busy page, and a page that parsed all it was allowed and waits is fed more.
    if (this.outstanding === 0 && this.stretchSent >= 0.75 * this.pageBytes) this.gain = Math.min(MAX_GAIN, this.gain * GAIN_STEP);
    this.stretchBytes += n;
    this.stretchMs += Math.max(0, now - this.busySince);
    this.busySince = this.outstanding > 0 ? now : null;
    if (this.stretchBytes >= STRETCH_BYTES) {
      this.sampleBytes += this.stretchBytes;
      this.sampleMs += this.stretchMs;
      this.stretchBytes = 0;
      this.stretchMs = 0;
      if (this.sampleBytes >= SAMPLE_BYTES && this.sampleMs >= SAMPLE_MS) this.takeSample();
    }
    if (this.outstanding === 0) {
      this.drainedAt = now;
      // The stretch is over; a short one was an echo, not parsing.
      this.stretchBytes = 0;
      this.stretchMs = 0;
    }
  }

  /** The page went away or started over (a detach, a re-ATTACH): what it owed is forgotten. */
  reset(): void {
    this.outstanding = 0;
    this.sends.length = 0;
    this.sentBytes = 0;
    this.ackedBytes = 0;
    this.loopSum = 0;
    this.loopCount = 0;
    this.busySince = null;
    this.stretchBytes = 0;
    this.stretchMs = 0;
    this.sampleBytes = 0;
    this.sampleMs = 0;
  }

  private takeSample(): void {
    const ms = Math.max(this.sampleMs, 0.5);
    const sample = (this.sampleBytes / ms) * 1000;
    this.sampleBytes = 0;
    this.sampleMs = 0;
    this.rate += (sample - this.rate) * (sample < this.rate ? 0.5 : 0.25);
    if (this.loopCount > 0 && this.pageLoop !== null) {
      const queued = this.loopSum / this.loopCount - this.pageLoop;
      if (queued < this.budgetMs / 2) this.gain = Math.min(MAX_GAIN, this.gain * GAIN_STEP);
      else if (queued > this.budgetMs) this.gain = Math.max(1, this.gain / GAIN_STEP);
    }
    this.loopSum = 0;
    this.loopCount = 0;
  }

  /** The page waited for output that was on its way: grow both legs, at most once per page round trip. */
  private starving(now: number): void {
    if (now - this.lastStarvedAt < (this.pageLoop ?? this.rtt)) return;
    this.lastStarvedAt = now;
    this.gain = Math.min(MAX_GAIN, this.gain * GAIN_STEP);
  }
}
