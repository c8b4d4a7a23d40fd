import { describe, expect, it } from 'vitest';
import { resolveTerminalOptions, terminalShortcut, WINDOW_OPTIONS_OFF, xtermOptions, zoomFontSize } from '../../../../../app/renderer/features/terminals/terminalSettings';
import { TERMINAL_DEFAULTS } from '../../../../../app/shared/model/profile';

const key = (k: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean; shiftKey: boolean }> = {}, code = '') => ({ key: k, code, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...mods });

describe('terminal settings', () => {
  it('takes the profile options, with defaults for what is missing or out of range', () => {
    expect(resolveTerminalOptions(null)).toEqual(TERMINAL_DEFAULTS);
    expect(resolveTerminalOptions({ fontSize: 200, scrollback: -5, copyOnSelect: true, confirmMultilinePaste: false })).toEqual({ fontSize: 40, scrollback: 0, copyOnSelect: true, confirmMultilinePaste: false, sessionLog: false });
    expect(resolveTerminalOptions({ fontSize: Number.NaN }).fontSize).toBe(TERMINAL_DEFAULTS.fontSize);
  });

  it('builds xterm options: profile values, every window operation off, the link handler for OSC 8', () => {
    const linkHandler = { activate: () => undefined };
    const options = xtermOptions({ ...TERMINAL_DEFAULTS, fontSize: 15, scrollback: 123 }, linkHandler);
    expect(options).toMatchObject({ fontSize: 15, scrollback: 123, linkHandler, allowProposedApi: true });
    expect(Object.values(options.windowOptions!).every((v) => v === false)).toBe(true);
    expect(Object.keys(WINDOW_OPTIONS_OFF)).toEqual(expect.arrayContaining(['getWinTitle', 'getWinSizePixels', 'setWinPosition', 'pushTitle', 'setWinLines']));
  });

  it('zooms one point at a time within limits; reset goes back to the profile size', () => {
    expect(zoomFontSize(13, 'in', 13)).toBe(14);
    expect(zoomFontSize(13, 'out', 13)).toBe(12);
    expect(zoomFontSize(40, 'in', 13)).toBe(40);
    expect(zoomFontSize(6, 'out', 13)).toBe(6);
    expect(zoomFontSize(20, 'reset', 13)).toBe(13);
  });

  it('keeps zoom, find and copy keys from the shell, and nothing else', () => {
    expect(terminalShortcut(key('=', { ctrlKey: true }))).toEqual({ kind: 'zoom', action: 'in' });
    expect(terminalShortcut(key('+', { ctrlKey: true, shiftKey: true }))).toEqual({ kind: 'zoom', action: 'in' });
    expect(terminalShortcut(key('-', { ctrlKey: true }))).toEqual({ kind: 'zoom', action: 'out' });
    expect(terminalShortcut(key('0', { metaKey: true }))).toEqual({ kind: 'zoom', action: 'reset' });
    expect(terminalShortcut(key('F', { ctrlKey: true, shiftKey: true }, 'KeyF'))).toEqual({ kind: 'find' });
    expect(terminalShortcut(key('C', { ctrlKey: true, shiftKey: true }, 'KeyC'))).toEqual({ kind: 'copy' });
    // Ctrl+C, Ctrl+_ (readline undo), Ctrl+F, plain keys and Alt combinations go to the shell.
    expect(terminalShortcut(key('c', { ctrlKey: true }))).toBeNull();
    expect(terminalShortcut(key('_', { ctrlKey: true, shiftKey: true }))).toBeNull();
    expect(terminalShortcut(key('f', { ctrlKey: true }))).toBeNull();
    expect(terminalShortcut(key('='))).toBeNull();
    expect(terminalShortcut(key('=', { ctrlKey: true, altKey: true }))).toBeNull();
  });
});
