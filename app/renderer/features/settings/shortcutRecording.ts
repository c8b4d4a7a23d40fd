/**
 * Recording a new chord for a command: the chord a key event stands for, and why it may not be
 * used. Pure, so it is tested without a DOM.
 */
import { formatChord, parseChord, SHORTCUTS, stealsShellKey, type Chord, type ShortcutId } from '../../stores/shortcuts';

type KeyLike = Pick<KeyboardEvent, 'key' | 'code' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>;

const MODIFIER_KEYS = new Set(['Shift', 'Control', 'Alt', 'Meta', 'AltGraph', 'CapsLock', 'OS', 'Hyper', 'Super', 'Fn']);

const BY_CODE: Record<string, string> = { BracketRight: ']', BracketLeft: '[', Comma: ',', Period: '.', Slash: '/', Backslash: '\\', Minus: '-', Equal: '=', Semicolon: ';', Quote: "'", Backquote: '`' };

/** A modifier pressed on its own: recording waits for the key that goes with it. */
export function isModifierOnly(event: Pick<KeyboardEvent, 'key'>): boolean {
  return MODIFIER_KEYS.has(event.key);
}

/** The key of a chord, independent of Shift and of the layout's shifted symbols (as the matcher reads it). */
function keyName(event: KeyLike): string | null {
  const code = event.code ?? '';
  if (/^Key[A-Z]$/.test(code)) return code.slice(3);
  if (/^Digit\d$/.test(code)) return code.slice(5);
  if (BY_CODE[code]) return BY_CODE[code];
  const key = event.key;
  // A space cannot be written in the chord text ("Ctrl+ " reads as nothing); Dead and
  // Unidentified keys cannot be matched again.
  if (!key || key === ' ' || key === 'Dead' || key === 'Unidentified' || key === 'Process') return null;
  return key.length === 1 ? key.toUpperCase() : key;
}

/**
 * The chord text an event stands for, in the settings' form ("Mod+Shift+T"): the platform's
 * command modifier (Cmd on macOS, Ctrl elsewhere) is written "Mod". Null for a key that cannot
 * make a chord.
 */
export function chordFromEvent(event: KeyLike, mac: boolean): string | null {
  if (isModifierOnly(event)) return null;
  const key = keyName(event);
  if (!key) return null;
  const parts: string[] = [];
  if (mac) {
    if (event.ctrlKey) parts.push('Ctrl');
    if (event.metaKey) parts.push('Mod');
  } else {
    if (event.ctrlKey) parts.push('Mod');
    if (event.metaKey) parts.push('Meta');
  }
  if (event.altKey) parts.push('Alt');
  if (event.shiftKey) parts.push('Shift');
  parts.push(key);
  return parts.join('+');
}

function sameChord(a: Chord | null, b: Chord | null): boolean {
  return Boolean(a && b && a.ctrl === b.ctrl && a.meta === b.meta && a.alt === b.alt && a.shift === b.shift && a.key === b.key);
}

/** Chords the terminal keeps for itself (copy, paste, find, zoom): never a command's. */
const TERMINAL_CHORDS: { chord: string; use: string }[] = [
  { chord: 'Mod+Shift+C', use: 'copying in a terminal' },
  { chord: 'Mod+Shift+V', use: 'pasting in a terminal' },
  { chord: 'Mod+Shift+F', use: 'finding in a terminal' },
  { chord: 'Mod+=', use: 'zooming a terminal in' },
  { chord: 'Mod+-', use: 'zooming a terminal out' },
  { chord: 'Mod+0', use: 'resetting a terminal’s zoom' },
];

/**
 * Why `chord` cannot be `id`'s shortcut, or null if it can. `chords` are the chords in force
 * (effectiveChords), so a clash with another command's default counts too.
 */
export function chordProblem(id: ShortcutId, chord: string, chords: Record<ShortcutId, string>, mac: boolean): string | null {
  const parsed = parseChord(chord, mac);
  if (!parsed) return 'That key cannot be used in a shortcut.';
  const shown = formatChord(chord, mac);
  if (stealsShellKey(chord, mac)) {
    return `${shown} belongs to the shell (programs in a terminal need it). Use a chord with Shift and Ctrl${mac ? ' or Cmd' : ''}, or a function key.`;
  }
  const reserved = TERMINAL_CHORDS.find((t) => sameChord(parseChord(t.chord, mac), parsed));
  if (reserved) return `${shown} is kept for ${reserved.use}.`;
  const other = SHORTCUTS.find((s) => s.id !== id && sameChord(parseChord(chords[s.id], mac), parsed));
  if (other) return `${shown} is already the shortcut for “${other.label}”.`;
  return null;
}

/**
 * The overrides after giving `id` the chord `chord` (null: back to its default). An override
 * equal to the default is dropped, so a later change of the default applies.
 */
export function withOverride(overrides: Record<string, string>, id: ShortcutId, chord: string | null, mac: boolean): Record<string, string> {
  const next = { ...overrides };
  const definition = SHORTCUTS.find((s) => s.id === id);
  if (chord === null || (definition && sameChord(parseChord(definition.chord, mac), parseChord(chord, mac)))) delete next[id];
  else next[id] = chord;
  return next;
}
