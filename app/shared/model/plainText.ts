/**
 * Server-supplied text (prompts, instructions, banners, error text) made inert for display: C0
 * and C1 control characters (ESC, BEL, CSI …) become visible `\xNN` escapes, so a hostile
 * server cannot retitle a terminal, move the cursor or hide part of a prompt. Newlines and tabs
 * stay. Length is capped so a megabyte banner cannot flood a dialog or a terminal.
 */
export function toPlainText(text: string, maxLength = 4096): string {
  // eslint-disable-next-line no-control-regex
  const inert = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return inert.length > maxLength ? `${inert.slice(0, maxLength)}… (${inert.length - maxLength} more characters)` : inert;
}
