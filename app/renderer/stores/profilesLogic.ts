/** Pure helpers of profiles. */

/** "a, b ,, c" as tags: trimmed, empty ones dropped, duplicates once. */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(',').map((t) => t.trim()).filter(Boolean))];
}
