/** Pure helpers shared by the profile and host editors. */

/** Comma-separated tags: trimmed, empty ones dropped, repeats (ignoring case) kept once, first spelling wins. */
export function parseTags(text: string): string[] {
  const seen = new Set<string>();
  const tags: string[] = [];
  for (const raw of text.split(',')) {
    const tag = raw.trim();
    if (!tag || seen.has(tag.toLowerCase())) continue;
    seen.add(tag.toLowerCase());
    tags.push(tag);
  }
  return tags;
}
