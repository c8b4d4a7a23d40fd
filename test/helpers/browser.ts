/** Debian's Chromium driven by playwright-core: never a downloaded browser. */
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM } from '../setup/requirements';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/** A page whose console errors and uncaught exceptions are collected, for a test to assert none. */
export async function watchedPage(browser: Browser, viewport: { width: number; height: number }, problems: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport });
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  return page;
}
