/** Bidirectional controls: they reorder what is shown around them ("Trojan Source"). */
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/**
 * Whether text holds a C0 (other than tab/newline), DEL or C1 control character (what a
 * terminal would act on) or a bidi control (what would make shown text lie about its order).
 */
export function hasControlChars(text: string): boolean {
  return (
    BIDI.test(text) ||
    [...text].some((c) => {
      const code = c.charCodeAt(0);
      return (code < 0x20 && c !== '\n' && c !== '\t') || (code >= 0x7f && code <= 0x9f);
    })
  );
}
