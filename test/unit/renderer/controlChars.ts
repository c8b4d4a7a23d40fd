/** Whether text holds a C0 (other than tab/newline), DEL or C1 control character: what a terminal would act on. */
export function hasControlChars(text: string): boolean {
  return [...text].some((c) => {
    const code = c.charCodeAt(0);
    return (code < 0x20 && c !== '\n' && c !== '\t') || (code >= 0x7f && code <= 0x9f);
  });
}
