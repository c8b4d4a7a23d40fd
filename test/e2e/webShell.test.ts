/**
 * First slice in a real browser: web mode's page renders in Debian's Chromium, the token leaves
 * the address bar for a cookie, a contract call round-trips (app.info, shown in Settings → About),
 * the ping's event arrives (Settings → About → Diagnostics), and a screenshot is kept under
 * test-results/.
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

    await expect.poll(() => page.getByRole('heading', { name: 'Hopline', level: 1 }).isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-state')).toBe('open');
    // app.info made the round trip: the status bar names the version and web mode.
    await expect.poll(() => page.locator('.statusbar').textContent()).toMatch(/Hopline \d+\.\d+\.\d+ · web mode/);

    // Settings → About: the version and the data dir this process was started with.
    await page.getByRole('banner').getByRole('button', { name: 'Settings', exact: true }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Settings', exact: true }).isVisible()).toBe(true);
    const about = page.getByRole('region', { name: 'About', exact: true });
    await about.getByRole('heading', { name: 'About' }).scrollIntoViewIfNeeded();
    const fact = (term: string) => about.locator('dt', { hasText: new RegExp(`^${term}$`) }).locator('xpath=following-sibling::dd[1]');
    await expect.poll(() => fact('Version').textContent()).toMatch(/^\d+\.\d+\.\d+/);
    expect(await fact('Running as').textContent()).toBe('Web mode (in a browser)');
    expect(await fact('Data directory').textContent()).toBe(web.dataDir);

    // The ping: a call out, and its onDidPong event back.
    const diagnostics = about.getByRole('region', { name: 'Diagnostics' });
    await diagnostics.getByRole('button', { name: 'Ping main process' }).click();
    await expect.poll(() => diagnostics.getByTestId('pong-events').locator('li').count()).toBe(1);
    expect(await diagnostics.getByTestId('pong-events').locator('li').first().textContent()).toMatch(/^onDidPong /);
    await expect.poll(() => diagnostics.getByTestId('round-trip').textContent()).toMatch(/Round trip: [\d.]+ ms/);

    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/web-shell.png' });
    expect(statSync('test-results/web-shell.png').size).toBeGreaterThan(5000);
    expect(problems).toEqual([]);
  });
});
