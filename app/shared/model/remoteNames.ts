/**
 * Remote file names are untrusted input (issue 16): a server chooses them, and a hostile one can
 * pick names that rewrite a terminal (ESC sequences), read backwards (bidi overrides), hide
 * characters (zero-width and other format characters), or escape a download folder ('../x',
 * 'C:x', '/etc/x', 'CON'). This module is the one place both the renderer and the main side ask:
 *
 * - displayName(): the name as a person sees it, with every invisible or reordering character
 *   shown as an escape, as `ls -b` and OpenSSH's sftp do, so two names that look the same differ
 *   on screen. Ordinary Unicode (accents, CJK, emoji) stays as it is.
 * - safeLocalName(): whether one name may become one file or folder name on this computer.
 *
 * Pure: no Node, no DOM. The joining of names under a local folder is main-side
 * (services/files/localPaths.ts).
 */

/** Longest displayed name; longer names end with a marker (the raw name is kept for operations). */
const DISPLAY_MAX = 1024;

/**
 * Characters shown escaped: C0 and C1 controls and DEL (\p{Cc}), format characters (\p{Cf}: bidi
 * marks, embeddings, overrides and isolates, zero-width spaces and joiners, soft hyphen, BOM,
 * invisible operators, tag characters), line and paragraph separators, lone surrogates, and the
 * Hangul fillers that render as blank letters. The backslash is escaped too, so an escape on
 * screen can never be confused with a name that holds a literal backslash sequence.
 */
const ESCAPED = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\u115f\u1160\u3164\uffa0\\]/u;
const PICTOGRAPHIC = /\p{Extended_Pictographic}/u;
const ZWJ = 0x200d;

/** A name as shown to a person: invisible and reordering characters escaped, length capped. */
export function displayName(name: string, maxLength = DISPLAY_MAX): string {
  if (name.length <= maxLength && !ESCAPED.test(name)) return name;
  // Piece by piece (a code point or its escape), so a cut never splits an escape or a surrogate
  // pair, and the work stays bounded by maxLength however long the name.
  let shown = '';
  for (let at = 0; at < name.length; ) {
    const code = name.codePointAt(at)!;
    const ch = String.fromCodePoint(code);
    const isLone = code >= 0xd800 && code <= 0xdfff;
    const piece = isLone || ESCAPED.test(ch) ? escapeChar(ch, name, at) : ch;
    const width = code > 0xffff ? 2 : 1;
    if (shown.length + piece.length > maxLength - 1 && at + width < name.length) return `${shown}…`;
    if (shown.length + piece.length > maxLength) return `${shown}…`;
    shown += piece;
    at += width;
  }
  return shown;
}

function escapeChar(ch: string, name: string, offset: number): string {
  if (ch === '\\') return '\\\\';
  const code = ch.codePointAt(0) ?? 0;
  // A zero-width joiner inside an emoji sequence (a family, a profession) is how the emoji is
  // written, not a hidden character: keep it there, escape it everywhere else.
  if (code === ZWJ && PICTOGRAPHIC.test(codePointBefore(name, offset)) && PICTOGRAPHIC.test(codePointAt(name, offset + 1))) return ch;
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  return `\\u{${code.toString(16)}}`;
}

function codePointAt(text: string, at: number): string {
  const code = text.codePointAt(at);
  return code === undefined ? '' : String.fromCodePoint(code);
}

function codePointBefore(text: string, at: number): string {
  if (at <= 0) return '';
  const low = text.charCodeAt(at - 1);
  if ((low & 0xfc00) === 0xdc00 && at >= 2 && (text.charCodeAt(at - 2) & 0xfc00) === 0xd800) return text.slice(at - 2, at);
  return text.charAt(at - 1);
}

/** Whether a name may be written as one entry on this computer, and if not, why (for a note). */
export type LocalNameVerdict = { ok: true } | { ok: false; reason: string };

export interface LocalNameOptions {
  /**
   * Also refuse what only Windows refuses: ':' (alternate data streams), < > " | ? * and control
   * characters. Windows' reserved device names, trailing dots and spaces, and drive prefixes are
   * refused everywhere, so a folder downloaded on Linux can be copied to a Windows share intact.
   */
  windows?: boolean;
}

/** Longest name in bytes (UTF-8), as NAME_MAX on Linux and the macOS and Windows limits. */
export const MAX_NAME_BYTES = 255;

/** Device names Windows opens as devices whatever the extension and case ("nul.txt", "Com1.log"). */
const WINDOWS_DEVICES = new Set(['CON', 'PRN', 'AUX', 'NUL', 'CONIN$', 'CONOUT$', 'CLOCK$']);
const WINDOWS_NUMBERED = /^(COM|LPT)[1-9\u00b9\u00b2\u00b3]$/;
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const WINDOWS_FORBIDDEN = /[<>:"|?*\u0000-\u001f]/;

/** Whether one remote name can safely become one local file or folder name. */
export function safeLocalName(name: string, options: LocalNameOptions = {}): LocalNameVerdict {
  if (name.length === 0) return refuse('the name is empty');
  if (name === '.' || name === '..') return refuse(`"${name}" names a folder itself, not an entry in it`);
  if (name.includes('\0')) return refuse('the name contains a NUL character');
  if (name.includes('/') || name.includes('\\')) return refuse('the name contains a path separator');
  if (/^[A-Za-z]:/.test(name)) return refuse('the name starts with a drive letter');
  if (/[. ]$/.test(name)) return refuse('the name ends with a dot or a space, which Windows drops');
  const base = name.split('.')[0]!.replace(/ +$/, '').toUpperCase();
  if (WINDOWS_DEVICES.has(base) || WINDOWS_NUMBERED.test(base)) return refuse(`"${base}" is a device name on Windows`);
  if (utf8Length(name) > MAX_NAME_BYTES) return refuse(`the name is longer than ${MAX_NAME_BYTES} bytes`);
  if (options.windows && WINDOWS_FORBIDDEN.test(name)) return refuse('the name contains a character Windows does not allow in names');
  return { ok: true };
}

function refuse(reason: string): LocalNameVerdict {
  return { ok: false, reason };
}

/** Bytes of a string in UTF-8 (a lone surrogate counts as the 3 bytes of U+FFFD it becomes). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if ((code & 0xfc00) === 0xd800 && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i += 1;
    } else bytes += 3;
  }
  return bytes;
}
