/** Pure list operations of the circuit being built (host ids, hop 1 first). */

/** Inserts at `index` (clamped to the ends). */
export function insertAt<T>(list: readonly T[], index: number, item: T): T[] {
  const at = Math.max(0, Math.min(index, list.length));
  return [...list.slice(0, at), item, ...list.slice(at)];
}

/** Moves the item at `from` so that it ends up at `to` (both clamped). */
export function moveItem<T>(list: readonly T[], from: number, to: number): T[] {
  if (from < 0 || from >= list.length) return [...list];
  const target = Math.max(0, Math.min(to, list.length - 1));
  const next = [...list];
  const [item] = next.splice(from, 1);
  next.splice(target, 0, item as T);
  return next;
}

export function removeAt<T>(list: readonly T[], index: number): T[] {
  return list.filter((_, i) => i !== index);
}

/**
 * Where an item dragged from `from` lands when dropped on the gap before `gap` (0 = before the
 * first hop, length = after the last): removing it first shifts later gaps down by one.
 */
export function targetOfGap(from: number, gap: number): number {
  return gap > from ? gap - 1 : gap;
}

export function positionMessage(name: string, verb: 'added at' | 'moved to', index: number, count: number): string {
  return `${name} ${verb} position ${index + 1} of ${count}`;
}
