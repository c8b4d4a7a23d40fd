/**
 * The palette's ranking: a small fuzzy scorer over a few fields per entry, fast enough for a
 * library of thousands of hosts on every keystroke (cmdk's own filter is turned off).
 *
 * Each word of the query must match some field of an entry. A word scores highest as the whole
 * field, then as its prefix, then at the start of a word inside it, then anywhere inside it, and
 * lowest as a subsequence of it ("pdb" in "prod-db"), which must be fairly dense to count.
 * The first field (the name) weighs more than the others.
 */

export interface SearchEntry<T> {
  item: T;
  /** Lower-cased searchable text; the first is the entry's name. */
  fields: string[];
}

const BOUNDARY = /[\s\-_.@:/,[\]()]/;

/** How well one query word matches one field (both lower case); 0: not at all. */
export function wordScore(word: string, field: string): number {
  if (!word || !field) return 0;
  if (field === word) return 100;
  if (field.startsWith(word)) return 80;
  let at = field.indexOf(word);
  let best = 0;
  while (at >= 0) {
    best = Math.max(best, BOUNDARY.test(field[at - 1] ?? ' ') ? 65 : 45);
    if (best === 65) break;
    at = field.indexOf(word, at + 1);
  }
  if (best > 0) return best;
  return subsequenceScore(word, field);
}

function subsequenceScore(word: string, field: string): number {
  if (word.length < 2) return 0;
  let first = -1;
  let last = -1;
  let boundaries = 0;
  let from = 0;
  for (const ch of word) {
    const i = field.indexOf(ch, from);
    if (i < 0) return 0;
    if (first < 0) first = i;
    if (i === 0 || BOUNDARY.test(field[i - 1]!)) boundaries++;
    last = i;
    from = i + 1;
  }
  const span = last - first + 1;
  if (span > word.length * 3 + 2) return 0;
  return 10 + Math.round(20 * (word.length / span)) + boundaries * 3;
}

/** An entry's score for the query (lower case words); 0: it does not match. */
export function entryScore(words: readonly string[], fields: readonly string[]): number {
  let total = 0;
  for (const word of words) {
    let best = 0;
    for (let i = 0; i < fields.length; i++) {
      const s = wordScore(word, fields[i]!) * (i === 0 ? 1.25 : 1);
      if (s > best) best = s;
    }
    if (best === 0) return 0;
    total += best;
  }
  return total;
}

export function queryWords(query: string): string[] {
  return query.toLowerCase().split(/\s+/).filter(Boolean);
}

export interface Ranked<T> {
  item: T;
  score: number;
}

/**
 * The best `limit` entries for the query, best first (ties keep the entries' order). An empty
 * query keeps the first `limit` entries in order.
 */
export function rank<T>(query: string, entries: readonly SearchEntry<T>[], limit: number): Ranked<T>[] {
  const words = queryWords(query);
  if (words.length === 0) return entries.slice(0, limit).map((e) => ({ item: e.item, score: 0 }));
  const out: (Ranked<T> & { index: number })[] = [];
  for (let index = 0; index < entries.length; index++) {
    const score = entryScore(words, entries[index]!.fields);
    if (score > 0) out.push({ item: entries[index]!.item, score, index });
  }
  out.sort((a, b) => b.score - a.score || a.index - b.index);
  return out.slice(0, limit).map(({ item, score }) => ({ item, score }));
}

/** Builds an entry from any strings, dropping empty ones. */
export function entry<T>(item: T, fields: readonly (string | undefined | null)[]): SearchEntry<T> {
  return { item, fields: fields.filter((f): f is string => Boolean(f)).map((f) => f.toLowerCase()) };
}
