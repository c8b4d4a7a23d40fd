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

export class ScreenMirror {
  private readonly term: Terminal;
  private readonly serializer = new SerializeAddon();
  private backlog = 0;
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
    const n = data.byteLength;
    this.backlog += n;
    this.onBacklog(this.backlog);
    this.term.write(data, () => {
      if (this.disposed) return;
      this.backlog -= n;
      this.onBacklog(this.backlog);
    });
  }

  /**
   * The PTY's new size. Applied in order with the output: bytes the shell sent before the
   * window-change are parsed at the old size, as they were formatted for it.
   */
  resize(cols: number, rows: number): void {
    if (this.disposed) return;
    const apply = (): void => {
      if (this.disposed) return;
      this.term.options.scrollback = mirrorScrollback(cols, rows);
      this.term.resize(cols, rows);
    };
    if (this.backlog === 0) apply();
    else this.term.write('', apply);
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
      this.term.write('', () => {
        if (!this.waiting.delete(reject)) return;
        try {
          resolve(this.serialize());
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const error = new Error('The screen mirror was disposed');
    for (const reject of this.waiting) reject(error);
    this.waiting.clear();
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
