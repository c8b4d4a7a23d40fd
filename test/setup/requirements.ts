/**
 * Tests that need root, the lab or Chromium run in CI and fail there if they cannot; on a
 * developer machine without them they skip with the reason printed.
 */
import { existsSync } from 'node:fs';

export const inCI = process.env.CI === 'true' || process.env.CI === '1';

export const CHROMIUM = '/usr/bin/chromium';

export function chromiumMissingReason(): string | null {
  return existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing (apt-get install chromium)`;
}

/**
 * Returns true when the suite should run. Outside CI a missing requirement is a printed skip;
 * in CI it is an error, so a broken machine can never pass by skipping.
 */
export function requirement(what: string, missingReason: string | null): boolean {
  if (missingReason === null) return true;
  if (inCI) throw new Error(`${what} is required in CI but unavailable: ${missingReason}`);
  console.warn(`SKIPPED ${what}: ${missingReason}`);
  return false;
}
