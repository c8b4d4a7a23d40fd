/**
 * Web mode's streamed downlink (issue 18) in Debian's Chromium against the lab's 3 hops: the page
 * takes everything the server sends (results, events, terminal output) from one streamed
 * response at /downlink beside its WebSocket (app/main/transports/downlinks.ts), because Chromium
 * feeds a busy page a response body about four times faster than socket messages.
 *
 * What a user would notice if it went wrong, checked here:
 * - output and the shell's exit travel on the one stream, so a shell's last words are on screen
 *   above the "exited" banner, never lost behind it;
 * - a page whose downlink cannot be had (a proxy that blocks it, here a route that aborts it)
 *   still works, on its WebSocket alone;
 * - a streamed body holds one of the 6 connections Chromium allows per origin, so beyond three
 *   streaming pages the next ones use their sockets, and pages keep loading.
 */
import type { Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { e2eRuns, startE2eSession, type E2eSession } from '../helpers/e2eSession';
import { openSavedProfileByKeyboard, saveLabProfile } from '../helpers/labCircuitUi';
import { connectWeb } from '../helpers/webTerminalClient';
import type { LabStatus } from '../lab/lab';

const lab = inject('lab');
const runs = e2eRuns({ lab: true });
const PROFILE = 'lab downlink';

function downlinkStatuses(page: Page): number[] {
  const statuses: number[] = [];
  page.on('response', (response: Response) => {
    if (new URL(response.url()).pathname === '/downlink') statuses.push(response.status());
  });
  return statuses;
}

describe.runIf(runs)('streamed downlink in Chromium', { timeout: 120_000 }, () => {
  const status = lab as LabStatus;
  let session: E2eSession;

  beforeAll(async () => {
    session = await startE2eSession({ name: 'downlink', viewport: { width: 1280, height: 800 }, knownHosts: status.knownHosts, webgl: false });
    const setup = await connectWeb(session.web.port, session.web.token);
    try {
      await saveLabProfile(setup.api, status, PROFILE);
    } finally {
      await setup.close();
    }
  });
  afterAll(async () => {
    await session?.stop();
  });

  const pane = (page: Page) => page.getByTestId('terminal-pane').filter({ visible: true });
  const view = (page: Page) => pane(page).getByRole('region', { name: /^Terminal on / });
  async function screen(page: Page): Promise<string> {
    return (await pane(page).locator('.xterm-rows > div').allTextContents()).map((r) => r.replace(/\u00a0/g, ' ').trimEnd()).join('\n');
  }
  async function run(page: Page, command: string): Promise<void> {
    await view(page).locator('.xterm-screen').click();
    await page.keyboard.type(command);
    await page.keyboard.press('Enter');
  }

  it("streams a burst through 3 hops, and a shell's last words come before its exit", async () => {
    const { page, web } = session;
    const statuses = downlinkStatuses(page);
    await openSavedProfileByKeyboard(page, web.url, PROFILE);
    expect(statuses).toEqual([200]);

    // 200,000 lines (1.3 MiB) through flow control and the stream, then a marker the shell computes.
    await run(page, 'seq 1 200000; echo "burst-$((6*7))-done"');
    await expect.poll(() => screen(page), { timeout: 30_000 }).toMatch(/^200000\nburst-42-done$/m);
    // Typing still echoes at once on the same stream.
    await expect.poll(() => view(page).locator('textarea').evaluate((el) => el === document.activeElement)).toBe(true);

    await run(page, "printf 'last-words-%d\\n' $((6*7)); exit 3");
    await expect.poll(() => view(page).getByRole('status').filter({ hasText: 'The shell exited with status 3.' }).count(), { timeout: 15_000 }).toBe(1);
    expect(await screen(page)).toMatch(/^last-words-42$/m);
    expect(session.problems).toEqual([]);
  });

  it('a page whose downlink is blocked works on its WebSocket alone', async () => {
    const page = await session.context.newPage();
    const blocked: string[] = [];
    await page.route('**/downlink?*', async (route) => {
      blocked.push(route.request().url());
      await route.abort();
    });
    await openSavedProfileByKeyboard(page, session.web.url, PROFILE);
    expect(blocked).toHaveLength(1);
    await run(page, 'echo "via-$((40+2))-socket"');
    await expect.poll(() => screen(page), { timeout: 15_000 }).toMatch(/^via-42-socket$/m);
    await page.close();
  });

  it('beyond three streaming pages, the next page loads and uses its socket', async () => {
    // The first test's page streams; two more make three.
    const pages: Page[] = [];
    const statuses: number[][] = [];
    for (let i = 0; i < 3; i++) {
      const page = await session.context.newPage();
      statuses.push(downlinkStatuses(page));
      pages.push(page);
      await page.goto(session.web.url);
      // The page loaded (its scripts over the connections left) and a call came back.
      await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-state'), { timeout: 15_000 }).toBe('open');
      await expect.poll(() => page.locator('.statusbar').textContent(), { timeout: 15_000 }).toMatch(/Hopline \d+\.\d+\.\d+ · web mode/);
      await expect.poll(() => statuses[i]!.length).toBe(1);
    }
    expect(statuses.map((s) => s[0])).toEqual([200, 200, 503]);
    // The fourth page's events come on its socket: a profile saved elsewhere shows in its library.
    const setup = await connectWeb(session.web.port, session.web.token);
    try {
      const saved = (await setup.api.profiles.list())[0]!;
      await setup.api.profiles.save({ name: 'seen on the socket', folder: '', tags: [], hostIds: saved.hostIds, terminal: saved.terminal });
    } finally {
      await setup.close();
    }
    const row = pages[2]!.getByRole('navigation', { name: 'Library' }).getByRole('treeitem', { name: /^seen on the socket\b/ });
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1);
    for (const page of pages) await page.close();
  });
});
