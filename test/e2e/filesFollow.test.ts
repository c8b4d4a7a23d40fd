/**
 * Follow terminal in Chromium (issue 16), through web mode against the lab's 3-hop circuit: the
 * files view beside the circuit's terminal. Before the shell reports its folder the toggle is off
 * and says how to make it report (OSC 7); once the shell prints an OSC 7 report the toggle turns
 * on, and each later `cd` reported by the shell shows in the files view's breadcrumb while the
 * keyboard stays in the terminal. axe finds nothing serious; screenshots in light and dark.
 */
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { expectAccessible, screenshots } from '../helpers/browser';
import { e2eRuns, startE2eSession, type E2eSession } from '../helpers/e2eSession';
import { expectInViewport } from '../helpers/inViewport';
import { importLabHostsAndConnectByKeyboard } from '../helpers/labCircuitUi';
import type { LabStatus } from '../lab/lab';

const lab = inject('lab');
const runs = e2eRuns({ lab: true });

const VIEWPORT = { width: 1400, height: 900 };
/** The lab's `bench` user (test/lab/lab.ts): its home is on this machine, shared by the lab hosts. */
const BENCH_UID = 48101;
const LAB_GID = 48100;

/** What a bash prompt configured for OSC 7 prints (the shell expands it; typed as is). */
const REPORT = (dir: string) => `printf '\\e]7;file://%s%s\\e\\\\' "$(hostname)" ${dir}`;

describe.runIf(runs)('files view follows the terminal in Chromium', { timeout: 120_000 }, () => {
  const status = lab as LabStatus;
  let session: E2eSession;
  let page: Page;
  let problems: string[];
  let folder = '';

  beforeAll(async () => {
    // The bench user's home on the target is on this machine: a folder in it for the shell to cd
    // to (a space in its name, as users' folders have, sent raw by the prompt).
    folder = mkdtempSync(path.join(status.dir, 'home', 'bench', 'hl follow e2e-'));
    chownSync(folder, BENCH_UID, LAB_GID);
    // The DOM renderer, so the test can read the terminal's rows.
    session = await startE2eSession({ name: 'files-follow', viewport: VIEWPORT, knownHosts: status.knownHosts, webgl: false });
    ({ page, problems } = session);
  });
  afterAll(async () => {
    await session?.stop();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  const view = () => page.getByTestId('files-view').filter({ visible: true });
  const follow = () => view().getByRole('button', { name: 'Follow terminal' });
  const terminal = () => page.getByTestId('terminal-pane').filter({ visible: true }).getByRole('region', { name: /^Terminal on / });
  const currentCrumb = () => view().getByRole('navigation', { name: 'Folder path' }).locator('[aria-current="location"]');
  const focusInTerminal = () =>
    page.evaluate(() => {
      const el = document.activeElement;
      return Boolean(el?.classList.contains('xterm-helper-textarea') && el.closest('[data-testid="terminal-pane"]'));
    });

  async function palette(command: string): Promise<void> {
    await page.keyboard.press('Control+Shift+P');
    const dialog = page.getByRole('dialog', { name: 'Command palette' });
    await dialog.waitFor();
    await page.keyboard.type(command);
    await expect.poll(() => dialog.getByRole('option').first().textContent()).toContain(command);
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog.count()).toBe(0);
  }

  async function typeInTerminal(line: string, where: Locator): Promise<void> {
    await where.locator('.terminal-xterm').click();
    await expect.poll(focusInTerminal).toBe(true);
    await page.keyboard.type(line);
    await page.keyboard.press('Enter');
  }

  it('opens the files view beside the circuit’s terminal; Follow terminal is off and says how to make the shell report its folder', async () => {
    await importLabHostsAndConnectByKeyboard(page, session.web.url, status);
    await expect.poll(() => terminal().getAttribute('data-status'), { timeout: 30_000 }).toBe('running');
    await palette('Browse files on this circuit');
    await expect.poll(() => view().getAttribute('data-path'), { timeout: 20_000 }).toBe('/run/hopline-lab/home/bench');
    await palette('Move this tab to a new pane on the right');
    await expect.poll(() => terminal().count()).toBe(1);
    const [left, right] = [await expectInViewport(terminal()), await expectInViewport(view())];
    expect(left.x + left.width).toBeLessThanOrEqual(right.x + 1);

    await expect.poll(() => follow().getAttribute('aria-disabled')).toBe('true');
    expect(await follow().getAttribute('aria-pressed')).toBe('false');
    const hint = await follow().evaluate((el) => document.getElementById(el.getAttribute('aria-describedby') ?? '')?.textContent ?? '');
    expect(hint).toContain('does not report its folder (OSC 7)');
    expect(hint).toContain('PROMPT_COMMAND');
    // It stays reachable by keyboard (its hint is read), and pressing it does nothing yet.
    await follow().focus();
    expect(await follow().evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.press('Enter');
    expect(await follow().getAttribute('aria-pressed')).toBe('false');
  });

  it('once the shell reports its folder, Follow goes there; a cd reported later shows in the breadcrumb, the keyboard staying in the terminal', async () => {
    await typeInTerminal(REPORT('/tmp'), terminal());
    await expect.poll(() => follow().getAttribute('aria-disabled'), { timeout: 15_000 }).toBe(null);
    // Off still: the view stayed where it was.
    expect(await view().getAttribute('data-path')).toBe('/run/hopline-lab/home/bench');
    await follow().click();
    expect(await follow().getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => view().getAttribute('data-path'), { timeout: 15_000 }).toBe('/tmp');
    await expect.poll(() => currentCrumb().textContent()).toBe('tmp');

    await typeInTerminal(`cd '${folder}' && ${REPORT('"$PWD"')}`, terminal());
    await expect.poll(() => view().getAttribute('data-path'), { timeout: 15_000 }).toBe(folder);
    await expect.poll(() => currentCrumb().textContent()).toBe(path.basename(folder));
    await expectInViewport(currentCrumb());
    expect(await view().getByTestId('files-status').textContent()).toMatch(/^0 items/);
    // The files view moved; the keyboard did not.
    expect(await focusInTerminal()).toBe(true);
    // The command lines show; the reports themselves never reach the screen.
    const screen = () => terminal().locator('.xterm-rows').textContent();
    await expect.poll(screen).toContain('hl follow e2e-');
    expect(await screen()).not.toContain('file://hl-target');
  });

  it('has no serious accessibility problems, and looks right in light and dark', async () => {
    await expectAccessible(page, 'files view following the terminal');
    await screenshots(page, 'files-follow', VIEWPORT);
    expect(problems).toEqual([]);
  });
});
