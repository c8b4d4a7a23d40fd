/**
 * Human-first errors in a real browser: web mode started with no D-Bus session (so no Secret
 * Service, as on a headless server) shows the no-keychain banner as one plain sentence; D-Bus's
 * own words appear only under "Details", which the keyboard opens (Tab, Enter) and closes.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissingReason, requirement } from '../setup/requirements';
import { expectAccessible, launchChromium, screenshots } from '../helpers/browser';
import { startWebProcess, type WebProcess } from '../helpers/webProcess';

const runs = requirement('Chromium end-to-end tests', chromiumMissingReason());
const SENTENCE = /^Hopline can't reach your system keychain \(Secret Service\), so passwords can't be saved: .+\.$/;
const VIEW = { width: 1280, height: 800 };

describe.runIf(runs)('the no-keychain banner in Chromium', () => {
  let web: WebProcess;
  let browser: Browser;
  const problems: string[] = [];

  beforeAll(async () => {
    // As test/integration/keychainUnavailable.test.ts does: a throwaway HOME and a session bus address that leads nowhere.
    const home = mkdtempSync(path.join(tmpdir(), 'hl-e2e-nokeychain-'));
    mkdirSync(path.join(home, 'data'));
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, DBUS_SESSION_BUS_ADDRESS: `unix:path=${path.join(home, 'no-bus')}` };
    web = await startWebProcess({ env, dataDir: path.join(home, 'data') });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
  });

  it('says it in one sentence, with the raw D-Bus text only under Details, opened and closed by keyboard', async () => {
    // A page from a context of its own: axe opens a helper page in the same context.
    const context = await browser.newContext({ viewport: VIEW });
    const page = await context.newPage();
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(web.url);

    const banner = page.locator('.banners .banner').filter({ hasText: 'system keychain' });
    await expect.poll(() => banner.isVisible(), { timeout: 15_000 }).toBe(true);
    const sentence = banner.locator('.error-sentence');
    expect(await sentence.textContent()).toMatch(SENTENCE);
    expect(await sentence.isVisible()).toBe(true);
    expect(await isInViewport(page, '.banners .banner .error-sentence')).toBe(true);
    // Nothing raw in sight before the user asks for it.
    expect(await banner.innerText()).not.toMatch(/Could not connect|D-Bus|dbus|ENOENT|No such file/i);
    const summary = banner.getByText('Details', { exact: true });
    expect(await summary.isVisible()).toBe(true);
    await screenshots(page, 'error-keychain-banner', VIEW);

    // Keyboard only: the summary is in the tab order (Shift+Tab from Dismiss reaches it), Enter opens it.
    await banner.getByRole('button', { name: 'Dismiss' }).focus();
    await page.keyboard.press('Shift+Tab');
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('SUMMARY');
    await page.keyboard.press('Enter');
    const details = banner.getByTestId('error-details-text');
    await expect.poll(() => details.isVisible()).toBe(true);
    // What failed, in libsecret's own words ("Could not connect: No such file or directory").
    const raw = await details.textContent();
    expect(raw).toMatch(/^Detail: no D-Bus session to reach a Secret Service \(.+\)$/);
    expect(await banner.locator('details').evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
    // Tab moves on to Copy inside the open details.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Copy error details');
    await expectAccessible(page, 'no-keychain banner with Details open');
    await screenshots(page, 'error-keychain-banner-details', VIEW);

    // Shift+Tab back to the summary, Space closes it again: the raw text is gone from view.
    await page.keyboard.press('Shift+Tab');
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('SUMMARY');
    await page.keyboard.press('Space');
    await expect.poll(() => details.count()).toBe(0);
    expect(await banner.innerText()).not.toContain(raw!.replace(/^Detail: /, ''));
    expect(problems).toEqual([]);
    await context.close();
  });
});

async function isInViewport(page: Page, selector: string): Promise<boolean> {
  return page.locator(selector).evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= window.innerHeight && r.right <= window.innerWidth;
  });
}
