/**
 * Drag-and-drop data types shared by the hosts library (drag source) and the circuit builder
 * (drop target), which as features may not import each other.
 */

/** A saved host dragged from the library; the data is its id. */
export const HOST_DRAG_TYPE = 'application/x-hopline-host';
/** A hop dragged within the chain; the data is its index. */
export const HOP_DRAG_TYPE = 'application/x-hopline-hop';

export function hasDragType(dataTransfer: DataTransfer | null, type: string): boolean {
  return dataTransfer ? Array.from(dataTransfer.types ?? []).includes(type) : false;
}
