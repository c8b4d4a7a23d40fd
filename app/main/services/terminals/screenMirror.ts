/**
 * A terminal's screen, kept on the main side, so a viewer that arrives late (a reloaded page, a
 * second window) starts from what the terminal shows instead of an empty screen. As VS Code's pty
 * host does: a headless xterm per terminal, fed every output byte the shell produces whether or
 * not anyone watches, sized like the PTY, and serialized on request (@xterm/addon-serialize:
 * scrollback, screen, alternate screen, cursor, pen and modes) into bytes that, written into a
 * fresh xterm of the same size, rebuild it; the live output that follows then lands where it would
 * have on the original.
 *
 * Parsing is asynchronous (xterm parses in ~12 ms runs on timers), so the mirror reports how many
 * bytes it holds unparsed (`onBacklog`): flow control counts them like a viewer's unacknowledged
 * bytes, so a mirror that falls behind pauses the shell channel instead of queueing without bound.
 *
 * A headless xterm in the main process parses a plain log at only 6-25 MiB/s on the bench's busy
 * 2-core machine, less than the page's xterm: parsing every byte of a `cat` made the mirror the
 * slowest reader, and held the terminal's output to its pace (npm run bench: terminals). But most
 * of a flood only scrolls through: once the output waiting here holds a run of plain text (no
 * escape sequence, no control but CR, LF, BS, TAB and BEL) followed by more line feeds of plain
 * text than the screen and the scrollback have rows, the start of that run can no longer show:
 * every line it makes is pushed out of the scrollback by the lines after it, and plain text
 * changes no mode, pen, charset or region. So when SKIP_AFTER_BYTES wait, such a start is
 * dropped unparsed, whole chunks at a time, and only when the parser is known to be between
 * sequences there (the chunk before ended outside any escape sequence). Output with escape
 * sequences is always parsed in full.
 *
 * For that to help, output must wait: a mirror that parsed each chunk as it came kept up with a
 * 3 MiB/s flood by spending half the main thread on it (in 12 ms runs that also delayed every
 * ack and window refill), and never had a backlog to skip. So output is parsed PARSE_DELAY_MS
 * after it arrived, or at once when SKIP_AFTER_BYTES wait (after skipping) or when a snapshot or
 * a resize is queued behind it.
 */
import { SerializeAddon } from '@xterm/addon-serialize';
import { Terminal } from '@xterm/headless';

/**
 * Scrollback kept per terminal. Memory is what bounds it (`npm run bench -- terminals`: at most
 * 3 MiB of main-side memory per terminal, measured with 50 shells). A headless xterm costs about
 * 260 KiB with an empty buffer, and about 20 bytes per cell of buffer once its lines are filled
 * (measured in Node 20: 50 terminals of 160x48 with 1,000 full scrollback lines took 2.9 MiB
 * each). So the buffer gets a cell budget of 2 MiB: the full 1,000 lines up to 80x24, fewer on
 * larger terminals (843 at 120x30, 607 at 160x48), none for a screen that is over budget by itself.
 * Measured in web mode with 50 shells of 160x48 on the lab: idle (the bench as it is), 0.31 MiB
 * per terminal (RSS; 0.25 MiB heap + external); each with its scrollback filled by 2,000 lines of
 * 150 columns, 2.53 MiB RSS per terminal (1.64 MiB heap + external): inside the goal, at its worst.
 * A reloaded page gets those lines back; its own scrollback (a profile setting) fills again from
 * live output.
 */
export const MIRROR_LIMITS = {
  maxScrollbackLines: 1000,
  cellBudgetBytes: 2 * 1024 * 1024,
  bytesPerCell: 20,
} as const;

/** Scrollback lines for a mirror of `cols` x `rows` within MIRROR_LIMITS. */
export function mirrorScrollback(cols: number, rows: number): number {
  const lines = Math.floor(MIRROR_LIMITS.cellBudgetBytes / (Math.max(1, cols) * MIRROR_LIMITS.bytesPerCell)) - rows;
  return Math.max(0, Math.min(MIRROR_LIMITS.maxScrollbackLines, lines));
}

/** The scroll region's rows, 0-based (private xterm state: see scrollRegionOf). */
interface ScrollRegion {
  top: number;
  bottom: number;
}

/**
 * The active buffer's scroll region (DECSTBM), which the serializer does not restore: a full-screen
 * program such as vim or less that set one would otherwise scroll the wrong rows after a replay.
 * xterm keeps it in a private field; if that ever moves this returns null and the replay simply
 * leaves the region at full screen (test/unit/main/services/terminals/screenMirror.test.ts fails
 * first).
 */
function scrollRegionOf(term: Terminal): ScrollRegion | null {
  const buffer = (term as unknown as { _core?: { buffer?: { scrollTop?: unknown; scrollBottom?: unknown } } })._core?.buffer;
  const top = buffer?.scrollTop;
  const bottom = buffer?.scrollBottom;
  return typeof top === 'number' && typeof bottom === 'number' ? { top, bottom } : null;
}

/** Waiting output beyond which the mirror looks for plain text it may skip. */
export const SKIP_AFTER_BYTES = 1024 * 1024;
/** How long output waits before it is parsed (unless more than SKIP_AFTER_BYTES wait, or a snapshot). */
export const PARSE_DELAY_MS = 100;

/** Output waiting for the parser, or work to do in order with it (a resize, a snapshot). */
type Entry = { data: Uint8Array; plain: boolean; lineFeeds: number; groundAfter: boolean; at: number } | { run: () => void };

/**
 * Whether `data` is plain text (see the head of this file) and its line feeds. UTF-8 above 0x7f is
 * plain, except a C1 control encoded as UTF-8 (C2 80..9F), which xterm would execute.
 */
export function scanPlain(data: Uint8Array): { plain: boolean; lineFeeds: number } {
  let lineFeeds = 0;
  for (let i = 0; i < data.length; i++) {
    const b = data[i]!;
    if (b >= 0x20 && b !== 0xc2) continue;
    if (b === 0x0a) lineFeeds++;
    else if (b === 0xc2) {
      const next = data[i + 1];
      if (next === undefined || (next >= 0x80 && next <= 0x9f)) return { plain: false, lineFeeds };
    } else if (b !== 0x0d && b !== 0x08 && b !== 0x09 && b !== 0x07) return { plain: false, lineFeeds };
  }
  return { plain: true, lineFeeds };
}

/**
 * Whether the parser is outside any escape sequence after `data` (which has escapes): its last ESC
 * starts a sequence that is complete within it. Strings (OSC, DCS, APC, PM, SOS) count as complete
 * only when a BEL ends them; an ST ends them with an ESC of its own, which is then the last one.
 */
export function endsInGround(data: Uint8Array): boolean {
  const esc = data.lastIndexOf(0x1b);
  if (esc < 0) return false;
  const kind = data[esc + 1];
  if (kind === undefined) return false;
  if (kind === 0x5b) {
    // CSI: parameters and intermediates, then a final byte.
    for (let i = esc + 2; i < data.length; i++) {
      const b = data[i]!;
      if (b >= 0x40 && b <= 0x7e) return true;
      if (b < 0x20 || b > 0x3f) return false;
    }
    return false;
  }
  if (kind === 0x5d || kind === 0x50 || kind === 0x58 || kind === 0x5e || kind === 0x5f) return data.indexOf(0x07, esc + 2) >= 0;
  // ESC, intermediates, final.
  for (let i = esc + 1; i < data.length; i++) {
    const b = data[i]!;
    if (b >= 0x30 && b <= 0x7e) return true;
    if (b < 0x20 || b > 0x2f) return false;
  }
  return false;
}

export class ScreenMirror {
  private readonly term: Terminal;
  private readonly serializer = new SerializeAddon();
  private backlog = 0;
  /** Not handed to xterm yet, in order. */
  private readonly queue: Entry[] = [];
  /** A chunk is in xterm's parser now; the next waits for its callback. */
  private parsing = false;
  /** The parser is outside any escape sequence after the last chunk handed to it (or queued, for `tailGround`). */
  private parsedGround = true;
  private tailGround = true;
  /** Bytes dropped unparsed (plain text that could no longer show), for diagnostics. */
  skippedBytes = 0;
  /** Snapshots and resizes queued: everything before them is parsed now. */
  private flushes = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;
  /** Snapshots waiting for the parser; rejected if the mirror is disposed first. */
  private readonly waiting = new Set<(error: Error) => void>();

  constructor(
    cols: number,
    rows: number,
    private readonly onBacklog: (bytes: number) => void = () => undefined,
  ) {
    // allowProposedApi: the serialize addon reads the buffer through proposed API.
    this.term = new Terminal({ cols, rows, scrollback: mirrorScrollback(cols, rows), allowProposedApi: true });
    // The addon's typings name @xterm/xterm's Terminal; the headless one has the same API.
    this.term.loadAddon(this.serializer as unknown as Parameters<Terminal['loadAddon']>[0]);
  }

  /** Output from the shell, in order. */
  write(data: Uint8Array): void {
    if (this.disposed || data.byteLength === 0) return;
    const { plain, lineFeeds } = scanPlain(data);
    const groundAfter = plain ? this.tailGround : data.includes(0x1b) ? endsInGround(data) : this.tailGround;
    this.tailGround = groundAfter;
    this.queue.push({ data, plain, lineFeeds, groundAfter, at: performance.now() });
    this.backlog += data.byteLength;
    this.onBacklog(this.backlog);
    this.pump();
  }

  /** Hands the next chunk to xterm once it has parsed the last; runs queued work in order between. */
  private pump(): void {
    while (!this.parsing && !this.disposed && this.queue.length > 0) {
      if (this.backlog >= SKIP_AFTER_BYTES) this.skipPlain();
      const head = this.queue[0]!;
      if (!('run' in head) && this.flushes === 0 && this.backlog < SKIP_AFTER_BYTES) {
        const wait = head.at + PARSE_DELAY_MS - performance.now();
        if (wait > 0) {
          this.timer ??= setTimeout(() => {
            this.timer = null;
            this.pump();
          }, wait);
          return;
        }
      }
      const entry = this.queue.shift()!;
      if ('run' in entry) {
        this.flushes--;
        entry.run();
        continue;
      }
      this.parsing = true;
      const n = entry.data.byteLength;
      this.term.write(entry.data, () => {
        if (this.disposed) return;
        this.parsing = false;
        this.parsedGround = entry.groundAfter;
        this.backlog -= n;
        this.onBacklog(this.backlog);
        this.pump();
      });
    }
  }

  /**
   * Drops the head of a run of plain chunks at the queue's head while the rest of that run still
   * has more line feeds than the buffer has rows (see the head of this file).
   */
  private skipPlain(): void {
    if (!this.parsedGround) return;
    const enough = this.term.rows + (this.term.options.scrollback ?? 0) + 1;
    let run = 0;
    let lineFeeds = 0;
    for (const entry of this.queue) {
      if ('run' in entry || !entry.plain) break;
      run++;
      lineFeeds += entry.lineFeeds;
    }
    let drop = 0;
    let bytes = 0;
    while (drop < run) {
      const entry = this.queue[drop] as Extract<Entry, { data: Uint8Array }>;
      if (lineFeeds - entry.lineFeeds < enough) break;
      lineFeeds -= entry.lineFeeds;
      bytes += entry.data.byteLength;
      drop++;
    }
    if (drop === 0) return;
    this.queue.splice(0, drop);
    this.skippedBytes += bytes;
    this.backlog -= bytes;
    this.onBacklog(this.backlog);
  }

  /**
   * The PTY's new size. Applied in order with the output: bytes the shell sent before the
   * window-change are parsed at the old size, as they were formatted for it.
   */
  resize(cols: number, rows: number): void {
    if (this.disposed) return;
    this.queue.push({
      run: () => {
        this.term.options.scrollback = mirrorScrollback(cols, rows);
        this.term.resize(cols, rows);
      },
    });
    this.flushes++;
    this.pump();
  }

  /** Bytes written here and not parsed yet. */
  get backlogBytes(): number {
    return this.backlog;
  }

  get cols(): number {
    return this.term.cols;
  }

  get rows(): number {
    return this.term.rows;
  }

  /**
   * The screen as it is after every byte written so far (and none written after this call):
   * text that rebuilds it in a fresh xterm of this size. xterm calls a write's callback right
   * after parsing that write and before the next, so serializing there captures exactly that point.
   */
  snapshot(): Promise<string> {
    if (this.disposed) return Promise.reject(new Error('The screen mirror was disposed'));
    return new Promise((resolve, reject) => {
      this.waiting.add(reject);
      this.queue.push({
        run: () => {
          if (!this.waiting.delete(reject)) return;
          try {
            resolve(this.serialize());
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        },
      });
      this.flushes++;
      this.pump();
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const error = new Error('The screen mirror was disposed');
    for (const reject of this.waiting) reject(error);
    this.waiting.clear();
    this.queue.length = 0;
    if (this.timer) clearTimeout(this.timer);
    this.term.dispose();
  }

  private serialize(): string {
    let text = this.serializer.serialize();
    // The serializer leaves the scroll region at full screen, and its trailing origin-mode switch
    // (DECOM) homes the cursor. Where either matters, set the region and put the cursor back.
    const region = scrollRegionOf(this.term);
    const buffer = this.term.buffer.active;
    const origin = this.term.modes.originMode;
    const fullScreen = !region || (region.top === 0 && region.bottom === this.term.rows - 1);
    if (!fullScreen || origin) {
      const top = region?.top ?? 0;
      if (!fullScreen) text += `\x1b[${top + 1};${region!.bottom + 1}r`;
      // With DECOM the cursor is addressed within the region. A pending wrap (cursor past the
      // last column) cannot be set by CUP: it lands on the last column.
      const row = buffer.cursorY - (origin ? top : 0) + 1;
      const col = Math.min(buffer.cursorX, this.term.cols - 1) + 1;
      text += `\x1b[${row};${col}H`;
    }
    return text;
  }
}
