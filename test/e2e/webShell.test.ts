/**
 * First slice in a real browser: web mode's page renders in Debian's Chromium, a contract call
 * round-trips, an event arrives, and a screenshot is kept under test-results/.
 */
import { mkdirSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { chromiumMissingReason, requirement } from '../setup/requirements';
import { launchChromium } from '../helpers/browser';
import { startWebProcess, type WebProcess } from '../helpers/webProcess';

const runs = requirement('Chromium end-to-end tests', chromiumMissingReason());

describe.runIf(runs)('web mode in Chromium', () => {
  let web: WebProcess;
  let browser: Browser;

  beforeAll(async () => {
    web = await startWebProcess();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
  });

  it('renders the shell, round-trips a call, receives an event, and takes a screenshot', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));

    await page.goto(web.url);
    // The token left the address bar for an HttpOnly cookie.
    expect(page.url()).toBe(`http://127.0.0.1:${web.port}/`);
    expect(await page.evaluate(() => document.cookie)).toBe('');

    await expect.poll(() => page.getByRole('heading', { name: 'Hopline' }).isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-state')).toBe('open');
    // app.info made the round trip: version and the data dir this process was started with.
    await expect.poll(() => page.getByTestId('app-version').textContent()).toMatch(/^v\d+\.\d+\.\d+/);
    expect(await page.getByTestId('app-info').textContent()).toContain(web.dataDir);

    await page.getByRole('button', { name: 'Ping main process' }).click();
    await expect.poll(() => page.getByTestId('pong-events').locator('li').count()).toBe(1);
    await expect.poll(() => page.getByTestId('round-trip').textContent()).toMatch(/Round trip: [\d.]+ ms/);

    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/web-shell.png' });
    expect(statSync('test-results/web-shell.png').size).toBeGreaterThan(5000);
    expect(problems).toEqual([]);
  });
});
