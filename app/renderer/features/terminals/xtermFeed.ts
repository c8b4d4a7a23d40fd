/**
 * Feeds one terminal's output into its xterm, so that no terminal's output can hold the page's
 * main thread for long, and a terminal the user is not looking at never slows the one they are.
 *
 * xterm parses what it was given in runs of about 12 ms, but it only looks at the clock between
 * the chunks it was given, so one 64 KiB frame of `yes` output (32,768 line feeds, each a scroll)
 * is one task of 30-60 ms: a keystroke waits behind it. Output is therefore handed to xterm in
 * slices. Each write costs xterm a fixed overhead as well (decoding set-up, a refresh request,
 * events), which at 4 KiB per slice made a plain log parse about 15% slower (npm run bench --
 * terminals, flow control out of the way): so a shown terminal's slices are sized to what xterm
 * parses in SLICE_TARGET_MS, measured from its write callbacks, between SLICE_BYTES (`yes`) and
 * MAX_SLICE_BYTES (a log: the whole frame).
 *
 * Shown terminals get their slices at once (xterm's own 12 ms runs pace them). A hidden
 * terminal's output waits here and goes in one slice at a time, each only when the page has
 * nothing more urgent to do (`scheduler.postTask` at background priority: after input,
 * rendering, network messages and timers), so a flood in a hidden tab costs a typing user at most
 * one slice. Acks come from xterm's write callbacks as before, so a hidden terminal that parses
 * slowly is simply paused by flow control at the high watermark: its output is never dropped.
 *
 * And while the user types (a keystroke in any terminal of this page within TYPING_QUIET_MS),
 * hidden terminals parse nothing at all: their output waits here unacked, flow control pauses
 * their channels, and their SSH windows drain, so the shown terminal's echo neither waits behind
 * a slice nor behind a hidden flood's bytes on the target's one SSH connection. Measured with
 * `npm run bench -- terminals` (echo p99 in a shown terminal while a hidden one runs `yes`, ÷
 * idle p99): background slices alone 3.3×, with this pause 0.8× (noise: the flood is stalled).
 * Parsing hidden terminals off the main thread (@xterm/headless in a worker, serialized when
 * shown) was not built: it would still put the flood on the SSH connection and the socket ahead
 * of the echo, and replace the view's own scrollback with the serializer's. Once typing stops the
 * hidden terminals catch up in the background, so a build in another tab stalls only while the
 * user types, and none of its output is lost or reordered.
 */
import type { Disposable } from '../../../shared/model/event';

/** Bytes per xterm write: at worst (pure line feeds) a few ms of parsing. */
export const SLICE_BYTES = 4 * 1024;
/** The largest slice: a whole OUTPUT frame. */
export const MAX_SLICE_BYTES = 64 * 1024;
/** A shown terminal's slice is what xterm parses in about this long. */
export const SLICE_TARGET_MS = 4;
/** Parse time summed over callbacks before it counts as a measurement (a slice of a log takes far less than 1 ms). */
const SLICE_SAMPLE_MS = 8;

/** The part of xterm's Terminal the feed needs. */
export interface WritableTerminal {
  write(data: Uint8Array | string, callback?: () => void): void;
}

/** Runs a task once the page has nothing more urgent to do. */
export type BackgroundScheduler = (task: () => void) => void;

/** Hidden terminals parse nothing until this long after the last keystroke. */
export const TYPING_QUIET_MS = 400;

/**
 * When the user last typed into a terminal of this page (TerminalView notes every keystroke).
 * One per page, like the keyboard it stands for.
 */
export const typing = {
  lastAt: -Infinity,
  note(now = performance.now()): void {
    this.lastAt = now;
  },
  /** Milliseconds until hidden terminals may parse again (0: now). */
  quietIn(now = performance.now()): number {
    return Math.max(0, this.lastAt + TYPING_QUIET_MS - now);
  },
};

interface PostTaskScheduler {
  postTask(task: () => void, options: { priority: 'background' }): Promise<unknown>;
}

/** `scheduler.postTask` at background priority where the browser has it (Chromium, Electron), else a timer. */
export const backgroundScheduler: BackgroundScheduler = (task) => {
  const scheduler = (globalThis as { scheduler?: PostTaskScheduler }).scheduler;
  if (typeof scheduler?.postTask === 'function') void scheduler.postTask(task, { priority: 'background' }).catch(() => undefined);
  else setTimeout(task, 0);
};

/** Bytes, or characters for text. */
function sizeOf(data: Uint8Array | string): number {
  return typeof data === 'string' ? data.length : data.byteLength;
}

/** A piece of output: bytes as a view (no copy), text as a substring. */
function part(data: Uint8Array | string, start: number, end: number): Uint8Array | string {
  return typeof data === 'string' ? data.slice(start, end) : data.subarray(start, end);
}

interface Pending {
  data: Uint8Array | string;
  /** Called once the last byte of `data` has been parsed. */
  done?: () => void;
}

export class XtermFeed implements Disposable {
  private readonly queue: Pending[] = [];
  private hidden = false;
  /** A background slice is scheduled or still in xterm: the next one waits for it. */
  private busy = false;
  private disposed = false;
  /** A shown terminal's slice size, from its measured parse rate. */
  private sliceBytes = SLICE_BYTES;
  /** When xterm called back the last shown slice, and parsing summed since the last measurement. */
  private lastParsedAt = -Infinity;
  private sampleBytes = 0;
  private sampleMs = 0;

  constructor(
    private readonly term: WritableTerminal,
    private readonly schedule: BackgroundScheduler = backgroundScheduler,
    /** Milliseconds until typing has been quiet long enough (default: the page's `typing`). */
    private readonly typingQuietIn: () => number = () => typing.quietIn(),
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Output for the terminal; `done` runs once xterm has parsed all of it (the ack). */
  write(data: Uint8Array | string, done?: () => void): void {
    if (this.disposed) return;
    if (!this.hidden && this.queue.length === 0) return this.writeNow(data, done);
    this.queue.push({ data, done });
    this.pump();
  }

  /** Shown terminals are fed at once; hidden ones in the background (see above). */
  setHidden(hidden: boolean): void {
    if (this.disposed || this.hidden === hidden) return;
    this.hidden = hidden;
    // Back on screen: what waited goes to xterm now, behind any slice still in it.
    if (!hidden) for (const item of this.queue.splice(0)) this.writeNow(item.data, item.done);
  }

  /** Bytes (or characters) waiting here, not yet handed to xterm. */
  get waiting(): number {
    return this.queue.reduce((n, item) => n + sizeOf(item.data), 0);
  }

  /** Drops what waits; its acks are never sent (the stream's generation is over by then). */
  dispose(): void {
    this.disposed = true;
    this.queue.length = 0;
  }

  /** The slice size a shown terminal uses now (for tests and diagnostics). */
  get currentSliceBytes(): number {
    return this.sliceBytes;
  }

  private writeNow(data: Uint8Array | string, done?: () => void): void {
    const size = sizeOf(data);
    const slice = this.sliceBytes;
    const writtenAt = this.now();
    const parsed = (): void => {
      this.parsed(size, writtenAt);
      done?.();
    };
    if (size <= slice) return this.term.write(data, parsed);
    for (let at = 0; at < size; at += slice) {
      const end = Math.min(at + slice, size);
      this.term.write(part(data, at, end), end === size ? parsed : undefined);
    }
  }

  /**
   * xterm called back the last slice of a shown write of `bytes` made at `writtenAt`: it parsed
   * the write since then, or since it called back the write before, whichever is later. Enough of that is a rate, and the
   * slice becomes what parses in SLICE_TARGET_MS; a slower rate is believed at once, a faster
   * one grows the slice at most twofold per measurement, so a flood that parses slowly gets small
   * slices before the next keystroke.
   */
  private parsed(bytes: number, writtenAt: number): void {
    const now = this.now();
    this.sampleMs += Math.max(0, now - Math.max(writtenAt, this.lastParsedAt));
    this.sampleBytes += bytes;
    this.lastParsedAt = now;
    if (this.sampleMs < SLICE_SAMPLE_MS) return;
    const target = Math.min(MAX_SLICE_BYTES, Math.max(SLICE_BYTES, (this.sampleBytes / this.sampleMs) * SLICE_TARGET_MS));
    this.sliceBytes = Math.round(target < this.sliceBytes ? target : Math.min(target, this.sliceBytes * 2));
    this.sampleBytes = 0;
    this.sampleMs = 0;
  }

  /** One slice of the queue's head, in the background, then the next once xterm has parsed it. */
  private pump(): void {
    if (this.busy || !this.hidden || this.queue.length === 0) return;
    this.busy = true;
    this.schedule(() => {
      const head = this.queue[0];
      if (this.disposed || !this.hidden || !head) {
        this.busy = false;
        return;
      }
      const wait = this.typingQuietIn();
      if (wait > 0) {
        // The user is typing: look again once they have paused.
        setTimeout(() => {
          this.busy = false;
          if (!this.disposed) this.pump();
        }, wait);
        return;
      }
      const slice = this.takeSlice(head);
      this.term.write(slice.data, () => {
        slice.done?.();
        this.busy = false;
        if (!this.disposed) this.pump();
      });
    });
  }

  /** Removes up to SLICE_BYTES from the head item; its `done` goes with its last slice. */
  private takeSlice(head: Pending): Pending {
    const { data } = head;
    const size = sizeOf(data);
    if (size <= SLICE_BYTES) {
      this.queue.shift();
      return head;
    }
    // Split anywhere: xterm keeps UTF-8, surrogate and escape-sequence state across writes.
    head.data = part(data, SLICE_BYTES, size);
    return { data: part(data, 0, SLICE_BYTES) };
  }
}
