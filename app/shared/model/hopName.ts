/**
 * The one way every message names a hop: "hop 2 (inner)", 1-based as users count, the name in
 * parentheses. Engine errors, service errors, the CLI and the renderer's sentences all use it, so
 * a user (or a grep of a log) finds a hop the same way whatever reported it.
 */
import type { HopRef } from './errors';

/** "hop 2 (inner)": for the middle of a sentence. */
export function hopName(hop: HopRef): string {
  return `hop ${hop.index + 1} (${hop.name})`;
}

/** "Hop 2 (inner)": for the start of a sentence. */
export function hopNameAtStart(hop: HopRef): string {
  return `Hop ${hop.index + 1} (${hop.name})`;
}
