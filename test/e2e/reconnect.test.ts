/**
 * Reconnect and Retry touch only what died, and a new shell gets a clean screen (issue 14, items
 * 2-4), in Debian's Chromium through web mode against the lab. The 3-hop circuit (bastion-mfa:
 * password + TOTP, asked once in dialogs; bastion-key and the target: a key) is connected from
 * its profile; lines are written in the terminal; only the target's sshd is killed (every
 * process of it, as a crash) and started again; Reconnect then brings a shell back in the same
 * tab with no dialog at all, the circuit's event log says the bastions were reused, and the
 * xterm buffer shows the old lines intact above a separator and the new prompt. Then the target
 * dies again and stays down: Reconnect fails, the tab shows the failed circuit with Retry, and
 * once the target is back Retry connects, again without a question.
 *
 * Setup (hosts, profile, known host keys) goes through the contract before the page loads: the
 * builder and dialogs for that are covered by builderConnect.test.ts. The screen is read from
 * xterm's DOM renderer rows, as terminals.test.ts does (WebGL off with --disable-3d-apis); the
 * rows are the visible screen only, so the old lines are read after scrolling the terminal up
 * with the mouse wheel, as a user would.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { HostInput } from '../../app/shared/model/host';
import { TERMINAL_DEFAULTS } from '../../app/shared/model/profile';
import { expectAccessible, screenshots } from '../helpers/browser';
import { e2eRuns, startE2eSession, type E2eSession } from '../helpers/e2eSession';
import type { WebProcess } from '../helpers/webProcess';
import { connectWeb } from '../helpers/webTerminalClient';
import { labKillSshd, labRestartSshd, labRestore, totpCode, type LabHostName, type LabStatus } from '../lab/lab';

const lab = inject('lab');
const runs = e2eRuns({ lab: true });

const VIEWPORT = { width: 1400, height: 900 };
const PROFILE = 'lab reconnect';

describe.runIf(runs)('reconnect in Chromium', { timeout: 120_000 }, () => {
  const status = lab as LabStatus;
  const addr = (name: string) => status.hosts.find((h) => h.name === name)!.address;
  let session: E2eSession;
  let web: WebProcess;
  let page: Page;

  const host = (name: LabHostName, auth: HostInput['auth']): HostInput => ({
    name, address: addr(name), port: 22, user: 'ops', auth, agentForward: false, keepaliveIntervalSec: 15, keepaliveCountMax: 3, connectTimeoutSec: 10, proxy: null,
  });

  beforeAll(async () => {
    session = await startE2eSession({ name: 'reconnect', viewport: VIEWPORT, knownHosts: status.knownHosts, webgl: false });
    ({ web, page } = session);
    const setup = await connectWeb(web.port, web.token);
    try {
      const key = { kind: 'publickey' as const, keyFile: status.clientKey };
      const hostIds = [
        (await setup.api.hosts.save(host('bastion-mfa', [{ kind: 'keyboard-interactive' }]))).id,
        (await setup.api.hosts.save(host('bastion-key', [key]))).id,
        (await setup.api.hosts.save(host('target', [key]))).id,
      ];
      await setup.api.profiles.save({ name: PROFILE, folder: '', tags: [], hostIds, terminal: TERMINAL_DEFAULTS });
    } finally {
      await setup.close();
    }
  });
  afterAll(async () => {
    await labRestore();
    await session?.stop();
  });

  const pane = () => page.getByTestId('terminal-pane').filter({ visible: true });
  const view = () => pane().getByRole('region', { name: /^Terminal on / });
  const dialog = () => page.getByRole('dialog');

  /** The visible screen, one string per row. */
  async function screen(): Promise<string[]> {
    return (await pane().locator('.xterm-rows > div').allTextContents()).map((r) => r.replace(/\u00a0/g, ' ').trimEnd());
  }

  async function waitForScreen(pattern: RegExp, timeout = 15_000): Promise<string[]> {
    let last: string[] = [];
    await expect.poll(async () => pattern.test((last = await screen()).join('\n')), { timeout, interval: 100, message: `screen never matched ${pattern}` }).toBe(true);
    return last;
  }

  /** The circuit's event log, from the pane's Circuit details (opened, read, closed again). */
  async function eventLog(until: RegExp): Promise<string> {
    const header = pane().getByRole('button', { name: /bastion-mfa.*bastion-key.*target/ });
    await header.click();
    const log = pane().getByRole('complementary', { name: 'Circuit details' }).getByLabel('Event log');
    await expect.poll(() => log.textContent(), { timeout: 10_000 }).toMatch(until);
    const text = (await log.textContent()) ?? '';
    await header.click();
    return text;
  }

  /** Dialogs that appeared on the page since the last reset, counted by the page itself. */
  async function watchDialogs(): Promise<void> {
    await page.evaluate(() => {
      const w = window as unknown as { hlDialogs: number; hlObserver?: MutationObserver };
      w.hlDialogs = 0;
      w.hlObserver?.disconnect();
      w.hlObserver = new MutationObserver((records) => {
        for (const r of records) for (const n of r.addedNodes) if (n instanceof Element && (n.matches('[role="dialog"]') || n.querySelector('[role="dialog"]'))) w.hlDialogs++;
      });
      w.hlObserver.observe(document.body, { childList: true, subtree: true });
    });
  }
  const dialogsSeen = () => page.evaluate(() => (window as unknown as { hlDialogs: number }).hlDialogs);

  it('connects the 3-hop profile: bastion-mfa asks its password and code once', async () => {
    await page.goto(web.url);
    await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-state')).toBe('open');
    const row = page.getByRole('navigation', { name: 'Library' }).getByRole('treeitem', { name: new RegExp(`^${PROFILE}\\b`) });
    await row.press('Enter');
    const asked: string[] = [];
    for (const expected of [/Password/, /Verification code/]) {
      const d = dialog().first();
      await expect.poll(() => d.count(), { timeout: 20_000 }).toBe(1);
      const text = (await d.textContent()) ?? '';
      expect(text).toMatch(expected);
      asked.push(text);
      const input = d.locator('input[type="password"], input[type="text"]').first();
      await input.fill(/Verification/.test(text) ? totpCode(status.users.ops.totpSecret) : status.users.ops.password);
      await d.getByRole('button', { name: 'Answer' }).click();
      await expect.poll(async () => ((await dialog().count()) === 0 ? '' : await dialog().first().textContent()), { timeout: 10_000 }).not.toBe(text);
    }
    expect(asked).toHaveLength(2);
    await expect.poll(() => view().getAttribute('data-status'), { timeout: 20_000 }).toBe('running');
  });

  it("kill only the target's sshd, restart it, Reconnect: no dialog, the bastions reused, the old lines intact above the new prompt", async () => {
    await view().locator('.xterm-screen').click();
    await page.keyboard.type('for i in 1 2 3 4 5; do echo "old-line-$((i*11))"; done');
    await page.keyboard.press('Enter');
    await waitForScreen(/old-line-55\n.*\$/);
    await watchDialogs();

    await labKillSshd('target');
    const banner = pane().getByRole('alert');
    await expect.poll(async () => ((await banner.count()) ? await banner.first().textContent() : ''), { timeout: 15_000 }).toMatch(/hop 3 \(target\)/);
    await labRestartSshd('target');
    // The bastions did not close, and the circuit's details say so.
    await pane().getByRole('button', { name: /bastion-mfa.*bastion-key.*target/ }).click();
    const details = pane().getByRole('complementary', { name: 'Circuit details' });
    await expect.poll(() => details.getByTestId('circuit-state').getAttribute('data-state')).toBe('failed');
    expect(await details.getByTestId('hop-state-0').getAttribute('data-state')).toBe('ready');
    expect(await details.getByTestId('hop-state-1').getAttribute('data-state')).toBe('ready');
    expect(await details.getByTestId('hop-state-2').getAttribute('data-state')).toBe('failed');
    await pane().getByRole('button', { name: /bastion-mfa.*bastion-key.*target/ }).click();

    const reconnect = banner.getByRole('button', { name: 'Reconnect' });
    await reconnect.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => view().getAttribute('data-status'), { timeout: 20_000 }).toBe('running');
    expect(await view().getAttribute('data-session')).toBe('2');
    // The new shell starts on a clean screen: the separator on top, its prompt right below.
    const fresh = await waitForScreen(/^── reconnected \d\d:\d\d:\d\d ──\n.*\$/);
    expect(fresh.join('\n')).not.toContain('old-line');
    expect(await dialogsSeen()).toBe(0);
    const log = await eventLog(/hop 3 \(target\): rebuilding/);
    expect(log).toContain('hop 1 (bastion-mfa): still connected, reused');
    expect(log).toContain('hop 2 (bastion-key): still connected, reused');

    // The keyboard is the new shell's.
    await view().locator('.xterm-screen').click();
    await page.keyboard.type('echo "new-shell-$((6*7))"');
    await page.keyboard.press('Enter');
    await waitForScreen(/new-shell-42/);

    // Scrolled up as a user would: the old lines, whole and alone on their rows, above the separator and the new prompt.
    await view().locator('.xterm-screen').hover();
    for (let i = 0; i < 40 && !(await screen()).some((r) => r.includes('old-line-11')); i++) {
      await page.mouse.wheel(0, -200);
      await page.waitForTimeout(50);
    }
    const rows = await waitForScreen(/old-line-11[\s\S]*── reconnected/);
    const at = (text: string) => rows.findIndex((r) => r.includes(text));
    for (const n of [11, 22, 33, 44, 55]) expect(rows.filter((r) => r.includes(`old-line-${n}`))).toContain(`old-line-${n}`);
    expect(at('old-line-55')).toBeLessThan(at('── reconnected'));
    expect(rows[at('── reconnected') + 1]).toMatch(/\$ echo "new-shell-\$\(\(6\*7\)\)"$/);
    await screenshots(page, 'reconnect-after', VIEWPORT);
    expect(await dialogsSeen()).toBe(0);
  });

  it('a circuit that fails again shows Retry; once the target is back, Retry connects without a question', async () => {
    await watchDialogs();
    await labKillSshd('target');
    const banner = pane().getByRole('alert');
    await expect.poll(async () => ((await banner.count()) ? await banner.first().textContent() : ''), { timeout: 15_000 }).toMatch(/hop 3 \(target\)/);
    // Reconnect while the target is still down: the repair fails at the target.
    await banner.getByRole('button', { name: 'Reconnect' }).click();
    const failed = pane().getByRole('region', { name: 'Could not connect to target' });
    await expect.poll(() => failed.count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => failed.getByTestId('circuit-state').getAttribute('data-state')).toBe('failed');
    expect(await failed.getByTestId('hop-state-0').getAttribute('data-state')).toBe('ready');
    expect(await failed.getByTestId('hop-state-1').getAttribute('data-state')).toBe('ready');
    const retry = failed.getByRole('button', { name: 'Retry' });
    expect(await retry.isVisible()).toBe(true);
    await expectAccessible(page, 'failed circuit with Retry');
    await screenshots(page, 'reconnect-failed-retry', VIEWPORT);

    await labRestartSshd('target');
    await retry.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => view().getAttribute('data-status'), { timeout: 20_000 }).toBe('running');
    await waitForScreen(/^── reconnected \d\d:\d\d:\d\d ──\n.*\$/);
    expect(await failed.count()).toBe(0);
    expect(await dialogsSeen()).toBe(0);
    const log = await eventLog(/hop 3 \(target\): rebuilding[\s\S]*hop 3 \(target\): rebuilding/);
    expect(log.match(/hop 1 \(bastion-mfa\): still connected, reused/g)?.length).toBeGreaterThanOrEqual(3);
    for (const shot of ['reconnect-after-1024x700-light', 'reconnect-after-1440x900-dark', 'reconnect-failed-retry-1024x700-dark', 'reconnect-failed-retry-1440x900-light']) {
      expect(statSync(path.join('test-results', `workspace-${shot}.png`)).size).toBeGreaterThan(5000);
    }
    expect(session.problems).toEqual([]);
  });
});
