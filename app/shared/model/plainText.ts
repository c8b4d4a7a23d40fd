/**
 * Server-supplied text (prompts, instructions, banners, error text) made inert for display: C0
 * and C1 control characters (ESC, BEL, CSI …) become visible `\xNN` escapes, so a hostile
 * server cannot retitle a terminal, move the cursor or hide part of a prompt; bidirectional
 * overrides and isolates become `\uNNNN`, so it cannot make a prompt read in an order other than
 * the one it was sent in. Newlines and tabs stay. Length is capped so a megabyte banner cannot
 * flood a dialog or a terminal.
 *
 * The result is at most `maxLength` characters, cut marker included, and applying it again with
 * the same or a larger limit changes nothing: the main side can clean text at its source and the
 * renderer clean it again on display without a second cut mangling the first one's marker. The
 * work is bounded by `maxLength` too, however long the text.
 */
export function toPlainText(text: string, maxLength = 4096): string {
  if (text.length <= maxLength && !NEEDS_ESCAPE.test(text)) return text;
  // Escape only as much as can be shown: the work is bounded by maxLength, not by the text.
  const pieces: { shown: string; width: number }[] = [];
  let length = 0;
  let consumed = 0;
  while (consumed < text.length && length <= maxLength) {
    const piece = escapeAt(text, consumed);
    pieces.push(piece);
    length += piece.shown.length;
    consumed += piece.width;
  }
  if (consumed >= text.length && length <= maxLength) return pieces.map((p) => p.shown).join('');
  // Too long: drop whole pieces (never half an escape or a surrogate pair) until the marker fits.
  while (pieces.length > 0 && length + marker(text.length - consumed).length > maxLength) {
    const last = pieces.pop()!;
    length -= last.shown.length;
    consumed -= last.width;
  }
  return `${pieces.map((p) => p.shown).join('')}${marker(text.length - consumed)}`.slice(0, Math.max(maxLength, 0));
}

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const NEEDS_ESCAPE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** The character at `at` as shown, and how many UTF-16 units of the text it stands for. */
function escapeAt(text: string, at: number): { shown: string; width: number } {
  const code = text.charCodeAt(at);
  // C0 but tab and newline, DEL, C1.
  if (code <= 0x08 || (code >= 0x0b && code <= 0x1f) || (code >= 0x7f && code <= 0x9f)) return { shown: `\\x${code.toString(16).padStart(2, '0')}`, width: 1 };
  // Bidi marks (ALM, LRM, RLM), embeddings and overrides (LRE … RLO), isolates (LRI … PDI).
  if (code === 0x061c || code === 0x200e || code === 0x200f || (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069)) {
    return { shown: `\\u${code.toString(16).padStart(4, '0')}`, width: 1 };
  }
  const pair = code >= 0xd800 && code <= 0xdbff && at + 1 < text.length && (text.charCodeAt(at + 1) & 0xfc00) === 0xdc00;
  return pair ? { shown: text.slice(at, at + 2), width: 2 } : { shown: text.charAt(at), width: 1 };
}

/** What stands for the cut: how many characters of the original text are not shown. */
function marker(dropped: number): string {
  return `… (${dropped} more characters)`;
}
