/**
 * Paste safety. Pasted text reaches the shell only through here:
 *
 * - Control characters are removed: every C0 control but tab, CR and LF, DEL, and the C1 range
 *   (U+0080..U+009F, whose U+009B is an 8-bit CSI). ESC goes with them, so pasted text can never
 *   carry `ESC [201~` and end bracketed paste early (after which the rest would run as typed
 *   keys), nor any other escape sequence.
 * - Text with a line break runs something the moment it lands (without bracketed paste) or
 *   holds several commands: it is confirmed first, unless the profile turns that off.
 *
 * xterm's own paste() then normalises line endings to CR and wraps the text in ESC[200~ …
 * ESC[201~ when the shell enabled bracketed paste.
 */

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

export interface SanitizedPaste {
  text: string;
  /** How many control characters were taken out. */
  removed: number;
}

export function sanitizePaste(text: string): SanitizedPaste {
  let removed = 0;
  const clean = text.replace(UNSAFE, () => {
    removed++;
    return '';
  });
  return { text: clean, removed };
}

/** Lines as the shell will see them (CRLF, CR and LF each end one); a trailing break still counts as running the line. */
export function pasteLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

export function hasLineBreak(text: string): boolean {
  return /[\r\n]/.test(text);
}

/** Whether this (sanitised) paste needs the user's confirmation first. */
export function needsPasteConfirmation(text: string, confirmMultilinePaste: boolean): boolean {
  return confirmMultilinePaste && hasLineBreak(text);
}
