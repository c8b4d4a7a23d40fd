/**
 * Text to the clipboard. False when there is none to write to (an insecure origin, a permission
 * refused): the caller then says so, and the text stays on screen to select.
 */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
