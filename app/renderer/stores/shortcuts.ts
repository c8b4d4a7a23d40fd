/**
 * The app's keyboard shortcuts: one table of commands with their default chords, the user's
 * overrides from settings, and matching a KeyboardEvent against them. Pure, so it is tested
 * without a DOM.
 *
 * Rules the defaults follow:
 *  - Never a key a shell needs: Ctrl+C/D/W/Z/R/A/E/K/L/U and every Alt+letter go to the shell.
 *    App chords inside a terminal use Ctrl+Shift (as GNOME Terminal, Terminator and VS Code's
 *    terminal do), F6, or Ctrl+Tab (which the browser keeps for itself in web mode, hence the
 *    Ctrl+Shift+PageUp/PageDown twins).
 *  - `outsideTerminalOnly`: Ctrl+K opens the palette anywhere except in a terminal, where it is
 *    readline's kill-line; Ctrl+Shift+P opens it everywhere.
 *  - "Mod" is Cmd on macOS and Ctrl elsewhere.
 */

export type ShortcutId =
  | 'palette'
  | 'paletteAnywhere'
  | 'newTab'
  | 'closeTab'
  | 'nextTab'
  | 'previousTab'
  | 'nextTabAlt'
  | 'previousTabAlt'
  | 'splitRight'
  | 'splitDown'
  | 'focusNextPane'
  | 'toggleSidebar'
  | 'focusSidebar'
  | 'focusWorkspace'
  | 'newCircuit'
  | 'settings'
  | 'browseFiles';

export interface ShortcutDefinition {
  id: ShortcutId;
  label: string;
  /** Default chord, in the form `Mod+Shift+T`. */
  chord: string;
  /** Kept for the shell when a terminal has the focus. */
  outsideTerminalOnly?: boolean;
}

export const SHORTCUTS: readonly ShortcutDefinition[] = [
  { id: 'palette', label: 'Command palette and quick connect', chord: 'Mod+K', outsideTerminalOnly: true },
  { id: 'paletteAnywhere', label: 'Command palette (also in a terminal)', chord: 'Mod+Shift+P' },
  { id: 'newTab', label: 'New terminal on the same circuit', chord: 'Mod+Shift+T' },
  { id: 'closeTab', label: 'Close terminal', chord: 'Mod+Shift+W' },
  { id: 'nextTab', label: 'Next tab', chord: 'Ctrl+Tab' },
  { id: 'previousTab', label: 'Previous tab', chord: 'Ctrl+Shift+Tab' },
  { id: 'nextTabAlt', label: 'Next tab (browser-safe)', chord: 'Mod+Shift+PageDown' },
  { id: 'previousTabAlt', label: 'Previous tab (browser-safe)', chord: 'Mod+Shift+PageUp' },
  { id: 'splitRight', label: 'Split right', chord: 'Mod+Shift+E' },
  { id: 'splitDown', label: 'Split down', chord: 'Mod+Shift+O' },
  { id: 'focusNextPane', label: 'Focus the next pane', chord: 'Mod+Shift+]' },
  { id: 'toggleSidebar', label: 'Show or hide the sidebar', chord: 'Mod+Shift+B' },
  { id: 'focusSidebar', label: 'Move focus to the sidebar', chord: 'F6' },
  { id: 'focusWorkspace', label: 'Move focus back to the terminal', chord: 'Shift+F6' },
  { id: 'newCircuit', label: 'New circuit', chord: 'Mod+Shift+N' },
  { id: 'settings', label: 'Settings', chord: 'Mod+,' },
  { id: 'browseFiles', label: 'Browse files on this circuit', chord: 'Mod+Shift+L' },
];

export interface Chord {
  ctrl: boolean;
  meta: boolean;
  alt: boolean;
  shift: boolean;
  /** Lower-case key name: a letter, a digit, 'tab', 'pagedown', 'f6', ']', ',' … */
  key: string;
}

type KeyLike = Pick<KeyboardEvent, 'key' | 'code' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>;

/** Parses `Mod+Shift+T`; null if it is not a chord. `mac` decides what Mod means. */
export function parseChord(text: string, mac: boolean): Chord | null {
  const parts = text.split('+').map((p) => p.trim());
  // "Mod++" (the plus key) splits into an empty last part.
  if (parts.length > 1 && parts[parts.length - 1] === '' && parts[parts.length - 2] === '') parts.splice(-2, 2, '+');
  const key = parts.pop()?.toLowerCase();
  if (!key) return null;
  const chord: Chord = { ctrl: false, meta: false, alt: false, shift: false, key };
  for (const part of parts) {
    switch (part.toLowerCase()) {
      case 'mod':
        if (mac) chord.meta = true;
        else chord.ctrl = true;
        break;
      case 'ctrl':
      case 'control':
        chord.ctrl = true;
        break;
      case 'cmd':
      case 'meta':
        chord.meta = true;
        break;
      case 'alt':
      case 'option':
        chord.alt = true;
        break;
      case 'shift':
        chord.shift = true;
        break;
      default:
        return null;
    }
  }
  return chord;
}

/** The key an event stands for, independent of Shift's effect on it (Shift+] is '}' on a US layout). */
function eventKey(event: KeyLike): string {
  const code = event.code ?? '';
  if (/^Key[A-Z]$/.test(code)) return code.slice(3).toLowerCase();
  if (/^Digit\d$/.test(code)) return code.slice(5);
  const byCode: Record<string, string> = { BracketRight: ']', BracketLeft: '[', Comma: ',', Period: '.', Slash: '/', Backslash: '\\', Minus: '-', Equal: '=' };
  if (byCode[code]) return byCode[code];
  return event.key.toLowerCase();
}

export function matchesChord(event: KeyLike, chord: Chord): boolean {
  return event.ctrlKey === chord.ctrl && event.metaKey === chord.meta && event.altKey === chord.alt && event.shiftKey === chord.shift && eventKey(event) === chord.key;
}

/** A chord as the user reads it: `Ctrl+Shift+T`, or `⌘⇧T` on macOS. */
export function formatChord(text: string, mac: boolean): string {
  const chord = parseChord(text, mac);
  if (!chord) return text;
  const key = chord.key.length === 1 ? chord.key.toUpperCase() : chord.key.replace(/^./, (c) => c.toUpperCase()).replace(/^Pagedown$/, 'PageDown').replace(/^Pageup$/, 'PageUp');
  if (mac) return `${chord.ctrl ? '⌃' : ''}${chord.alt ? '⌥' : ''}${chord.shift ? '⇧' : ''}${chord.meta ? '⌘' : ''}${key}`;
  return [chord.ctrl && 'Ctrl', chord.meta && 'Meta', chord.alt && 'Alt', chord.shift && 'Shift', key].filter(Boolean).join('+');
}

/** The chord in force for each command: the user's override where valid, else the default. */
export function effectiveChords(overrides: Record<string, string>): Record<ShortcutId, string> {
  const out = {} as Record<ShortcutId, string>;
  for (const s of SHORTCUTS) {
    const override = overrides[s.id];
    out[s.id] = override && parseChord(override, false) ? override : s.chord;
  }
  return out;
}

/**
 * Chords a shell needs, refused as overrides: Ctrl (or Alt) with a letter and no Shift, and the
 * bare keys a terminal sends. Mod on macOS is Cmd, which shells do not see, so Cmd+letter is fine.
 */
export function stealsShellKey(text: string, mac: boolean): boolean {
  const chord = parseChord(text, mac);
  if (!chord) return false;
  const plain = !chord.ctrl && !chord.meta && !chord.alt;
  if (plain && !/^f\d{1,2}$/.test(chord.key)) return true;
  if ((chord.ctrl || chord.alt) && !chord.shift && /^[a-z0-9[\]\\/@^_]$/.test(chord.key)) return true;
  return false;
}

/** The command a key event triggers, or null. `inTerminal`: a terminal has the focus. */
export function shortcutFor(event: KeyLike, chords: Record<ShortcutId, string>, opts: { mac: boolean; inTerminal: boolean }): ShortcutId | null {
  for (const s of SHORTCUTS) {
    if (opts.inTerminal && s.outsideTerminalOnly) continue;
    const chord = parseChord(chords[s.id], opts.mac);
    if (chord && matchesChord(event, chord)) return s.id;
  }
  return null;
}

export function isMac(): boolean {
  return typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
}
