/** Debian's Chromium driven by playwright-core: never a downloaded browser. */
import AxeBuilder from '@axe-core/playwright';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { CHROMIUM } from '../setup/requirements';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/** The two window sizes every view is judged at. */
export const SHOT_SIZES = [
  { width: 1024, height: 700 },
  { width: 1440, height: 900 },
] as const;

/**
 * axe-core over the whole page: nothing serious or critical. The page must come from
 * `browser.newContext()` (axe opens a helper page in the same context).
 */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${what}: ${v.id} (${v.impact}) at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`)).toEqual([]);
}

/**
 * The page as it is now at both sizes, light and dark, as test-results/workspace-NAME-WxH-SCHEME.png;
 * then back to `restore`, light.
 */
export async function screenshots(page: Page, name: string, restore: { width: number; height: number }): Promise<void> {
  for (const size of SHOT_SIZES) {
    await page.setViewportSize(size);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      // A terminal refits after a resize (debounced): let it settle before the picture.
      await page.waitForTimeout(250);
      await page.screenshot({ path: path.join('test-results', `workspace-${name}-${size.width}x${size.height}-${scheme}.png`) });
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize(restore);
  await page.waitForTimeout(250);
}
