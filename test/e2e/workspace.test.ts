/**
 * The workspace end to end, in Debian's Chromium through web mode against the lab, as a new user
 * meets it: the first launch, quick connect from the palette with a `-J` line, tabs and splits
 * driven by the keyboard alone, a reload that brings the layout and the terminal's screen back,
 * a 2,000-circuit library, and axe-core over every view and dialog. Screenshots of each view at
 * 1024×700 and 1440×900, light and dark, land in test-results/workspace-*.png.
 *
 * The web process gets a throwaway HOME whose ~/.ssh/id_ed25519 is the lab's client key and the
 * lab's known_hosts in its data dir, so user `bench` connects through both bastions with keys
 * alone (the MFA and host-key dialogs have their own tests). Terminal screens are read from
 * xterm's DOM renderer rows, so the browser runs without WebGL (--disable-3d-apis).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { expectAccessible, screenshots, SHOT_SIZES } from '../helpers/browser';
import { e2eRuns, startE2eSession, type E2eSession } from '../helpers/e2eSession';
import { expectInViewport } from '../helpers/inViewport';
import { startWebProcess, type WebProcess } from '../helpers/webProcess';
import type { LabStatus } from '../lab/lab';

const lab = inject('lab');
const runs = e2eRuns({ lab: true, secretService: true });

const SHOTS = 'test-results';
const SIZES = SHOT_SIZES;

describe.runIf(runs)('the workspace in Chromium', { timeout: 120_000 }, () => {
  const status = lab as LabStatus;
  const addr = (name: string) => status.hosts.find((h) => h.name === name)!.address;
  let session: E2eSession;
  let web: WebProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    session = await startE2eSession({ name: 'ws', viewport: SIZES[1], secretService: true, clientKey: status.clientKey, knownHosts: status.knownHosts, webgl: false });
    ({ web, browser, page } = session);
  });
  afterAll(() => session?.stop());

  /** Terminal panes that are on screen (hidden tabs keep theirs mounted but invisible). */
  const shownPanes = () => page.getByTestId('terminal-pane').filter({ visible: true });
  const paneOf = (hostname: RegExp) => shownPanes().filter({ hasText: hostname });

  async function screenOf(pane: Locator): Promise<string> {
    const rows = await pane.locator('.xterm-rows > div').allTextContents();
    return rows.map((r) => r.replace(/\u00a0/g, ' ').trimEnd()).join('\n');
  }
  async function waitForScreen(pane: Locator, pattern: RegExp, timeout = 15_000): Promise<string> {
    let last = '';
    await expect.poll(async () => pattern.test((last = await screenOf(pane))), { timeout, interval: 100, message: `screen never matched ${pattern}` }).toBe(true);
    return last;
  }
  /** The pane holding the keyboard focus, if the focus is in a terminal. */
  async function focusedPaneKey(): Promise<string | null> {
    return page.evaluate(() => (document.activeElement?.classList.contains('xterm-helper-textarea') ? (document.activeElement.closest('[data-pane]')?.getAttribute('data-pane') ?? null) : null));
  }
  async function run(command: string): Promise<void> {
    await page.keyboard.type(command);
    await page.keyboard.press('Enter');
  }
  async function palette(line: string): Promise<void> {
    await page.keyboard.press('Control+Shift+P');
    const dialog = page.getByRole('dialog', { name: 'Command palette' });
    await dialog.waitFor();
    await page.keyboard.type(line);
  }

  it('first launch: no error before the user acts, the empty state says what to do, axe finds nothing serious', async () => {
    await page.goto(web.url);
    await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-state')).toBe('open');
    await expect.poll(() => page.getByText('Nothing open yet').isVisible()).toBe(true);
    // (The dock keeps an empty live region with role=alert for its announcements.)
    expect((await page.getByRole('alert').allTextContents()).filter((t) => t.trim())).toEqual([]);
    for (const name of ['Quick connect', 'Import ssh_config', 'Add host', 'New circuit']) {
      expect(await page.getByRole('main').getByRole('button', { name, exact: false }).count()).toBeGreaterThan(0);
    }
    expect(await page.getByTestId('status-circuits').textContent()).toMatch(/0 circuits open/);
    expect(await page.getByText(/Ping main process/).count()).toBe(0);
    await expectAccessible(page, 'empty state');
    await screenshots(page, 'empty', SIZES[1]);
  });

  it('connects from the palette with a -J line at 1024×700, sidebar collapsed: the terminal is in view, focused, ≥ 110 columns', async () => {
    await page.setViewportSize(SIZES[0]);
    await page.getByRole('button', { name: 'Hide sidebar' }).click();
    await expect.poll(() => page.getByRole('navigation', { name: 'Library' }).isVisible()).toBe(false);
    await page.getByRole('main').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Control+K');
    const dialog = page.getByRole('dialog', { name: 'Command palette' });
    await dialog.waitFor();
    await page.keyboard.type(`-J bench@${addr('bastion-mfa')},bench@${addr('bastion-key')} bench@${addr('target')}`);
    await expect.poll(() => dialog.getByRole('option').first().textContent()).toMatch(/^Connect to/);
    await expectAccessible(page, 'palette');
    await page.screenshot({ path: path.join(SHOTS, 'workspace-palette-1024x700-light.png') });
    await page.keyboard.press('Enter');

    const pane = shownPanes().first();
    await expect.poll(() => pane.getAttribute('class'), { timeout: 30_000 }).toMatch(/pane-running/);
    const box = await expectInViewport(pane.locator('.terminal-xterm'));
    expect(box.width).toBeGreaterThanOrEqual(0.9 * SIZES[0].width);
    await expect.poll(focusedPaneKey).toBe(await pane.getAttribute('data-pane'));
    await run('echo "size-$((1+0)):$(stty size):$(hostname)"');
    const text = await waitForScreen(pane, /size-1:\d+ \d+:hl-target/);
    const [, rows, cols] = /size-1:(\d+) (\d+)/.exec(text)!;
    expect(Number(cols)).toBeGreaterThanOrEqual(110);
    expect(Number(rows)).toBeGreaterThanOrEqual(24);
    await expectAccessible(page, 'workspace with a terminal');
    await screenshots(page, 'terminal-sidebar-collapsed', SIZES[0]);
  });

  it('at 1440×900 with the sidebar: a second circuit opens in view and focused; a split shows both; tabs and panes by keyboard', async () => {
    await page.setViewportSize(SIZES[1]);
    await page.keyboard.press('Control+Shift+B');
    await expect.poll(() => page.getByRole('navigation', { name: 'Library' }).isVisible()).toBe(true);
    // The sidebar took the focus's place: back to the terminal, then a second circuit from the palette.
    await page.keyboard.press('Shift+F6');
    await palette(`-J bench@${addr('bastion-mfa')} bench@${addr('bastion-key')}`);
    await page.keyboard.press('Enter');
    await expect.poll(() => shownPanes().count()).toBe(1);
    const key = shownPanes().first();
    await expect.poll(() => key.getAttribute('class'), { timeout: 30_000 }).toMatch(/pane-running/);
    await expectInViewport(key.locator('.terminal-xterm'));
    await expect.poll(focusedPaneKey).toBe(await key.getAttribute('data-pane'));
    await run('hostname');
    await waitForScreen(key, /hl-bastion-key/);

    // Move it into a split of its own, on the right: two panes side by side.
    await palette('Move this tab to a new pane on the right');
    await page.keyboard.press('Enter');
    await expect.poll(() => shownPanes().count()).toBe(2);
    const target = paneOf(/hl-target/);
    const bastion = paneOf(/hl-bastion-key/);
    const [left, right] = [await expectInViewport(target.locator('.terminal-xterm')), await expectInViewport(bastion.locator('.terminal-xterm'))];
    expect(left.x + left.width).toBeLessThanOrEqual(right.x + 1);
    await expect.poll(focusedPaneKey).toBe(await bastion.getAttribute('data-pane'));

    // Next pane: the keyboard goes to the target's terminal.
    await page.keyboard.press('Control+Shift+BracketRight');
    await expect.poll(focusedPaneKey).toBe(await target.getAttribute('data-pane'));
    await run('echo "left-$((20+1))"');
    await waitForScreen(target, /left-21/);

    // A new tab on the same circuit, then back to the previous tab: the focus follows.
    await page.keyboard.press('Control+Shift+T');
    await expect.poll(() => page.locator('[data-testid^="workspace-tab-"]').count()).toBe(3);
    const third = shownPanes().filter({ hasNotText: /left-21|hl-bastion-key/ });
    await expect.poll(() => third.getAttribute('class'), { timeout: 20_000 }).toMatch(/pane-running/);
    await expect.poll(focusedPaneKey).toBe(await third.getAttribute('data-pane'));
    await page.keyboard.press('Control+Shift+PageUp');
    await expect.poll(focusedPaneKey).toBe(await target.getAttribute('data-pane'));
    await expect.poll(() => target.isVisible()).toBe(true);

    // F6 leaves the terminal for the library; Shift+F6 comes back.
    await page.keyboard.press('F6');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('library-search');
    await page.keyboard.press('Shift+F6');
    await expect.poll(focusedPaneKey).toBe(await target.getAttribute('data-pane'));

    // From the top of the window, the skip link reaches the terminal in two keys.
    // Focus on the page itself, as after a click on an empty spot: Tab starts from the top.
    await page.evaluate(() => {
      document.body.tabIndex = -1;
      document.body.focus();
      document.body.removeAttribute('tabindex');
    });
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 200))).toContain('Skip to the terminal');
    await page.keyboard.press('Enter');
    await expect.poll(focusedPaneKey).not.toBeNull();

    // The route header opens the circuit's hops over the terminal without moving it.
    const before = (await target.locator('.terminal-xterm').boundingBox())!;
    await target.getByRole('button', { name: /198\.18\.3\.2/ }).click();
    const details = target.getByRole('complementary', { name: 'Circuit details' });
    await expect.poll(() => details.getByTestId('circuit-state').getAttribute('data-state')).toBe('open');
    expect((await target.locator('.terminal-xterm').boundingBox())!.y).toBe(before.y);
    await expectAccessible(page, 'circuit details');
    await screenshots(page, 'split-details', SIZES[1]);
    await details.getByRole('button', { name: 'Close details' }).click();
    await screenshots(page, 'split', SIZES[1]);
  });

  it('a reload brings the layout back, and the live terminal still shows its earlier output', async () => {
    const target = paneOf(/left-21/);
    const key = await target.getAttribute('data-pane');
    // The layout is saved a moment after it last changed.
    await page.waitForTimeout(1000);
    await page.reload();
    await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-state')).toBe('open');
    await expect.poll(() => shownPanes().count(), { timeout: 15_000 }).toBe(2);
    await expect.poll(() => page.locator('[data-testid^="workspace-tab-"]').count()).toBe(3);
    const again = page.locator(`[data-pane="${key}"], [data-testid="terminal-pane"]`).filter({ hasText: /left-21/ });
    await waitForScreen(again.first(), /left-21/);
    await waitForScreen(paneOf(/hl-bastion-key/).first(), /hl-bastion-key/);
  });

  it('settings, the builder and the dialogs: axe finds nothing serious; pictures of each', async () => {
    await page.keyboard.press('Control+Comma');
    const settings = page.getByRole('heading', { name: 'Settings', exact: true });
    await expect.poll(() => settings.isVisible()).toBe(true);
    await expectAccessible(page, 'settings');
    await screenshots(page, 'settings', SIZES[1]);

    await page.getByRole('button', { name: 'New circuit' }).first().click();
    await expect.poll(() => page.getByRole('region', { name: 'Circuit', exact: true }).isVisible()).toBe(true);
    await expectAccessible(page, 'builder');
    await screenshots(page, 'builder', SIZES[1]);

    // Drag a tab to the right edge of its pane: a split of its own (the mouse, as a user drags).
    const groups = await page.locator('.dv-groupview').count();
    const tab = (await page.locator('.dv-tab', { hasText: 'Settings' }).boundingBox())!;
    const pane = (await page.locator('.dv-groupview', { has: page.locator('.dv-tab', { hasText: 'Settings' }) }).boundingBox())!;
    await page.mouse.move(tab.x + tab.width / 2, tab.y + tab.height / 2);
    await page.mouse.down();
    await page.mouse.move(tab.x + tab.width / 2 + 30, tab.y + 40, { steps: 5 });
    await page.mouse.move(pane.x + pane.width - 30, pane.y + pane.height / 2, { steps: 10 });
    await page.mouse.up();
    await expect.poll(() => page.locator('.dv-groupview').count()).toBe(groups + 1);
    await expectInViewport(page.getByRole('heading', { name: 'Settings', exact: true }));

    await page.getByRole('navigation', { name: 'Library' }).getByRole('button', { name: 'Add host' }).click();
    await expect.poll(() => page.getByRole('dialog').isVisible()).toBe(true);
    await expectAccessible(page, 'host dialog');
    await screenshots(page, 'host-dialog', SIZES[1]);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);

    await page.getByRole('navigation', { name: 'Library' }).getByRole('button', { name: 'Import ssh_config' }).click();
    await expect.poll(() => page.getByRole('dialog').isVisible()).toBe(true);
    await expectAccessible(page, 'import dialog');
    await page.keyboard.press('Escape');
    expect(session.problems).toEqual([]);
  });

  it('a library of 2,000 circuits: typing an address shows the match within 100 ms, with fewer than 200 rows in the DOM', async () => {
    // A document written before start, as a long-used library would be.
    const bigData = mkdtempSync(path.join(tmpdir(), 'hl-e2e-ws-big-'));
    const hosts = Array.from({ length: 2000 }, (_, i) => ({
      id: randomUUID(),
      name: `db-${String(i).padStart(4, '0')}`,
      address: `db-${String(i).padStart(4, '0')}.corp.example`,
      port: 22,
      user: 'ops',
      auth: [{ kind: 'agent' }],
      agentForward: false,
      keepaliveIntervalSec: 15,
      keepaliveCountMax: 3,
      connectTimeoutSec: 15,
      proxy: null,
    }));
    const bastion = { ...hosts[0]!, id: randomUUID(), name: 'bastion', address: 'bastion.corp.example' };
    const profiles = hosts.map((h, i) => ({
      id: randomUUID(),
      name: `service ${i}`,
      folder: `team-${i % 20}`,
      tags: [i % 2 ? 'prod' : 'staging'],
      hostIds: [bastion.id, h.id],
      terminal: { fontSize: 13, scrollback: 5000, copyOnSelect: false, confirmMultilinePaste: true, sessionLog: false },
    }));
    writeFileSync(path.join(bigData, 'hopline.json'), JSON.stringify({ schemaVersion: 2, hosts: [bastion, ...hosts], profiles, settings: {} }));
    const big = await startWebProcess({ dataDir: bigData, env: session.env });
    const other = await (await browser.newContext({ viewport: SIZES[1] })).newPage();
    try {
      await other.goto(big.url);
      const tree = other.getByRole('tree', { name: 'Circuits and hosts' });
      await expect.poll(() => tree.getByRole('treeitem').count(), { timeout: 20_000 }).toBeGreaterThan(5);
      expect(await other.locator('[role="treeitem"]').count()).toBeLessThan(200);
      const search = other.getByRole('searchbox', { name: 'Search library' });
      await search.click();
      // Measured in the page: from the last key's input event to the matching row in the DOM.
      const elapsed = await other.evaluate(async () => {
        const input = document.activeElement as HTMLInputElement;
        const text = 'db-1234.corp';
        // The prototype's setter, so React sees each value as typed.
        const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
        for (let i = 1; i < text.length; i++) {
          setter.call(input, text.slice(0, i));
          input.dispatchEvent(new Event('input', { bubbles: true }));
          await new Promise((r) => setTimeout(r, 20));
        }
        const found = () => [...document.querySelectorAll('[role="treeitem"]')].some((row) => row.textContent?.includes('service 1234'));
        const start = performance.now();
        setter.call(input, text);
        input.dispatchEvent(new Event('input', { bubbles: true }));
        while (!found()) {
          if (performance.now() - start > 2000) return -1;
          await new Promise((r) => requestAnimationFrame(r));
        }
        return performance.now() - start;
      });
      expect(elapsed).toBeGreaterThanOrEqual(0);
      expect(elapsed).toBeLessThan(100);
      expect(await other.locator('[role="treeitem"]').count()).toBeLessThan(200);
      await other.screenshot({ path: path.join(SHOTS, 'workspace-library-2000-1440x900-light.png') });
    } finally {
      await other.close();
      await big.stop();
      rmSync(bigData, { recursive: true, force: true });
    }
  });
});
