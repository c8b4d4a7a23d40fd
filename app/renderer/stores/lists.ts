/** Replaces the item with the same id (or appends it), so the UI need not wait for onDidChange. */
export function upsertById<T extends { id: string }>(items: readonly T[], item: T): T[] {
  return items.some((i) => i.id === item.id) ? items.map((i) => (i.id === item.id ? item : i)) : [...items, item];
}
