/**
 * xterm options from a profile's TerminalOptions, the keys the terminal keeps for itself, and
 * font zoom. Pure, so it is tested without a DOM.
 */
import type { ITerminalOptions, IWindowOptions } from '@xterm/xterm';
import { TERMINAL_DEFAULTS, type TerminalOptions } from '../../../shared/model/profile';

/**
 * Every window manipulation (CSI … t) off, spelled out: reports of the title or the window's
 * size and position, and moving or resizing the window, are nothing a remote host gets.
 * (xterm.js defaults them all to false; being explicit keeps it so across upgrades.)
 */
export const WINDOW_OPTIONS_OFF: Required<IWindowOptions> = {
  restoreWin: false,
  minimizeWin: false,
  setWinPosition: false,
  setWinSizePixels: false,
  raiseWin: false,
  lowerWin: false,
  refreshWin: false,
  setWinSizeChars: false,
  maximizeWin: false,
  fullscreenWin: false,
  getWinState: false,
  getWinPosition: false,
  getWinSizePixels: false,
  getScreenSizePixels: false,
  getCellSizePixels: false,
  getWinSizeChars: false,
  getScreenSizeChars: false,
  getIconTitle: false,
  getWinTitle: false,
  pushTitle: false,
  popTitle: false,
  setWinLines: false,
};

export const FONT_SIZE_LIMITS = { min: 6, max: 40 } as const;
export const SCROLLBACK_MAX = 100_000;

export const FONT_FAMILY = "ui-monospace, 'SF Mono', Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', monospace";

const THEME: NonNullable<ITerminalOptions['theme']> = {
  background: '#14171c',
  foreground: '#d8dde6',
  cursor: '#8fb2ff',
  selectionBackground: '#3a4a6b',
};

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.round(n)));
}

/** The profile's options, with defaults for anything missing or out of range. */
export function resolveTerminalOptions(options: Partial<TerminalOptions> | null | undefined): TerminalOptions {
  const o = { ...TERMINAL_DEFAULTS, ...(options ?? {}) };
  return {
    fontSize: Number.isFinite(o.fontSize) ? clamp(o.fontSize, FONT_SIZE_LIMITS.min, FONT_SIZE_LIMITS.max) : TERMINAL_DEFAULTS.fontSize,
    scrollback: Number.isFinite(o.scrollback) ? clamp(o.scrollback, 0, SCROLLBACK_MAX) : TERMINAL_DEFAULTS.scrollback,
    copyOnSelect: o.copyOnSelect === true,
    confirmMultilinePaste: o.confirmMultilinePaste !== false,
    sessionLog: o.sessionLog === true,
  };
}

/**
 * The xterm constructor options. `allowProposedApi` is on because the Unicode 11 addon needs
 * `terminal.unicode` and the search addon's match highlighting needs decorations, both still
 * "proposed" in xterm 6; no other proposed API is used.
 */
export function xtermOptions(options: TerminalOptions, linkHandler: ITerminalOptions['linkHandler']): ITerminalOptions {
  return {
    fontSize: options.fontSize,
    scrollback: options.scrollback,
    fontFamily: FONT_FAMILY,
    theme: THEME,
    cursorBlink: true,
    allowProposedApi: true,
    windowOptions: { ...WINDOW_OPTIONS_OFF },
    // OSC 8 hyperlinks go through the same confirmation as detected links (never xterm's confirm()).
    linkHandler,
  };
}

export type ZoomAction = 'in' | 'out' | 'reset';

export function zoomFontSize(current: number, action: ZoomAction, base: number): number {
  if (action === 'reset') return base;
  return clamp(current + (action === 'in' ? 1 : -1), FONT_SIZE_LIMITS.min, FONT_SIZE_LIMITS.max);
}

export type TerminalShortcut = { kind: 'zoom'; action: ZoomAction } | { kind: 'find' } | { kind: 'copy' };

/**
 * Keys the terminal keeps rather than sending to the shell: Ctrl+= / Ctrl+- / Ctrl+0 (zoom),
 * Ctrl+Shift+F (find), Ctrl+Shift+C (copy the selection). Cmd on macOS does the same.
 */
export function terminalShortcut(event: Pick<KeyboardEvent, 'key' | 'code' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>): TerminalShortcut | null {
  const mod = event.ctrlKey || event.metaKey;
  if (!mod || event.altKey) return null;
  const key = event.key.toLowerCase();
  if (event.shiftKey && (key === 'f' || event.code === 'KeyF')) return { kind: 'find' };
  if (event.shiftKey && (key === 'c' || event.code === 'KeyC')) return { kind: 'copy' };
  if (key === '=' || key === '+' || event.code === 'NumpadAdd') return { kind: 'zoom', action: 'in' };
  // Not Ctrl+_ (Ctrl+Shift+-): that is undo in readline and emacs.
  if (!event.shiftKey && (key === '-' || event.code === 'NumpadSubtract')) return { kind: 'zoom', action: 'out' };
  if (!event.shiftKey && (key === '0' || event.code === 'Numpad0')) return { kind: 'zoom', action: 'reset' };
  return null;
}

/**
 * Written into the terminal before a new shell starts in a tab: the modes a dead program may
 * have left on (alternate screen, mouse reporting, bracketed paste, application keys, hidden
 * cursor, colours) are reset, keeping the old output above as scrollback.
 */
export const RESET_MODES = '\x1b[?1049l\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?2004l\x1b[?1l\x1b>\x1b[?25h\x1b[0m';
