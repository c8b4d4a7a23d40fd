/**
 * What a tab's xterm is given between one shell and the next (Reconnect, Retry): the old
 * program's modes are reset, the old screen is moved up whole into the scrollback, a
 * separator ("── reconnected 10:42:03 ──") marks the seam on the top row, and the new shell
 * starts on the row below it, on an otherwise empty screen. Nothing is ever drawn over an old
 * row: the separator goes on the first row below the last one the old shell used, and the
 * screen is moved by line feeds at the bottom, which push rows into the scrollback intact.
 *
 * Why here, in the renderer's xterm, and not main-side in the terminals service: once a shell
 * ended, its screen exists only in this xterm. The main side's screen mirror (screenMirror.ts)
 * belongs to one terminal and was disposed with the old shell; the new shell gets a new
 * terminal and a fresh mirror whose screen starts empty. So there is no old screen on the main
 * side to move, and the new mirror already sees what a re-attach must replay: the new shell's
 * bytes on a clean screen (a window that attaches later shows them without the separator row,
 * one row higher, which is harmless: the PTY's size and every line's wrapping are the same).
 */
import { RESET_MODES } from './terminalSettings';

/** The parts of xterm's Terminal this needs (also met by @xterm/headless, for tests). */
export interface NewShellTerminal {
  readonly rows: number;
  readonly cols: number;
  readonly buffer: {
    readonly active: {
      readonly baseY: number;
      readonly cursorY: number;
      getLine(y: number): { translateToString(trimRight?: boolean): string } | undefined;
    };
  };
  write(data: string, callback?: () => void): void;
  scrollToBottom(): void;
}

/** Where output goes in order (the tab's XtermFeed): behind any of the old shell's output still waiting. */
export interface NewShellFeed {
  write(data: string, done?: () => void): void;
}

/**
 * Modes off, and the scroll region back to the whole screen without moving the cursor (DECSTBM
 * homes it, so it is saved and restored around it): the rows are measured after this.
 */
const RESET = `${RESET_MODES}\x1b7\x1b[r\x1b8`;

/** The last viewport row (1-based) with anything on it; 0 for an empty screen. */
export function lastUsedRow(term: Pick<NewShellTerminal, 'rows' | 'buffer'>): number {
  const buffer = term.buffer.active;
  for (let row = term.rows; row >= 1; row--) {
    if ((buffer.getLine(buffer.baseY + row - 1)?.translateToString(true) ?? '') !== '') return row;
  }
  return 0;
}

/** "10:42:03" in local time. */
function clock(now: Date): string {
  return [now.getHours(), now.getMinutes(), now.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** The separator's text, cut to fit one row without wrapping. */
export function separatorText(cols: number, now: Date): string {
  const text = `── reconnected ${clock(now)} ──`;
  return [...text].slice(0, Math.max(1, cols - 1)).join('');
}

/**
 * The bytes that move a screen whose last used row is `used` up into the scrollback, put the
 * separator on the top row and leave the cursor at the start of the row below it.
 */
export function newShellSequence(rows: number, cols: number, used: number, now: Date): string {
  // In the default colours, not dim: a faint line fails the contrast a person needs to read it.
  const separator = `\x1b[0m${separatorText(cols, now)}`;
  if (rows < 2) return `\x1b[${rows};1H\r\n${separator}\r\n`;
  // The separator's row: the first one below the old output, or a new one at the bottom.
  const at = Math.min(used + 1, rows);
  const place = used + 1 <= rows ? `\x1b[${at};1H` : `\x1b[${rows};1H\r\n`;
  // Each line feed on the bottom row pushes the top row into the scrollback, whole.
  const lift = at > 1 ? `\x1b[${rows};1H${'\n'.repeat(at - 1)}` : '';
  return `${place}${separator}${lift}\x1b[2;1H`;
}

/** Prepares `term` for a new shell (see the head of this file), in order with `feed`'s output. */
export function startNewShellScreen(term: NewShellTerminal, feed: NewShellFeed, alive: () => boolean = () => true, now: Date = new Date()): void {
  // Measured once the reset is parsed (the old shell may have left the alternate screen on, and
  // its last output may still be on its way), and written to xterm straight from the callback.
  // Nothing comes between: a hidden tab's feed hands xterm nothing more until this callback has
  // run, and a shown tab's new shell cannot send its first bytes sooner (opening it takes a round
  // trip to the target; parsing the reset takes far less).
  feed.write(RESET, () => {
    // The tab may have closed while the reset was queued.
    if (!alive()) return;
    term.write(newShellSequence(term.rows, term.cols, lastUsedRow(term), now));
    // A person who had scrolled up to read the old output is brought to the new shell.
    term.scrollToBottom();
  });
}
