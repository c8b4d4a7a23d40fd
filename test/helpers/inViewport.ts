import type { Locator } from 'playwright-core';
import { expect } from 'vitest';

/**
 * Asserts the locator's box lies wholly inside its page's viewport (half a pixel of slack for
 * subpixel layout) and returns the box, for tests that then compare positions.
 */
export async function expectInViewport(locator: Locator): Promise<{ x: number; y: number; width: number; height: number }> {
  const box = (await locator.boundingBox())!;
  const viewport = locator.page().viewportSize()!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.y).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(viewport.width + 0.5);
  expect(box.y + box.height).toBeLessThanOrEqual(viewport.height + 0.5);
  return box;
}
