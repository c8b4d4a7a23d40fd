/**
 * Bad moments end to end (issue 14, items 6 and 7), in Debian's Chromium through web mode against
 * the lab: three lab hosts imported (user `bench`, key only, host keys known), one circuit, three
 * terminals on it.
 *
 * - Closing a tab whose shell runs `sleep 100` asks first; the question has the focus (on Cancel),
 *   is on screen; Enter and Escape keep the shell, the "Close tab" button closes it.
 * - Disconnect with two terminals asks "Disconnect 2 terminals on target?"; afterwards both tabs
 *   say the user ended them, neutrally: no alert, no DISCONNECTED code.
 * - The link to the backend drops (the page's WebSocket is cut through Playwright's WebSocket
 *   route, the backend itself keeps running): every terminal pane greys out, says it is
 *   reconnecting and which attempt this is, takes no keystrokes; once the link is back the same
 *   shell re-attaches, screen intact, and what was typed meanwhile never reached it.
 * - The backend is killed (SIGKILL) and started again on the same port and data dir: a new
 *   process with a new token. The page says the backend restarted with a new token; opening the
 *   new address (as the user would, from the line web mode printed) lets the page back in by
 *   itself; the tab then says its shell ended because the backend restarted, and Reconnect
 *   opens the circuit again on the new backend.
 *
 * Screens are read from xterm's DOM renderer rows (WebGL off, as in terminals.test.ts).
 */
import type { BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { expectAccessible, screenshots } from '../helpers/browser';
import { e2eRuns, startE2eSession, type E2eSession } from '../helpers/e2eSession';
import { importLabHostsAndConnectByKeyboard } from '../helpers/labCircuitUi';
import { startWebProcess, type WebProcess } from '../helpers/webProcess';
import type { LabStatus } from '../lab/lab';

const lab = inject('lab');
const runs = e2eRuns({ lab: true });

const VIEWPORT = { width: 1400, height: 900 };
/** xterm's DOM renderer injects inline styles (see terminals.test.ts). */
const CSP_STYLE = /violates the following Content Security Policy directive 'style-src/;
/**
 * What Chromium logs by itself while the backend is away: failed sockets, the 401 of the token
 * probe, and the streamed downlink cut off mid-body when the process is killed.
 */
const LINK_NOISE = /WebSocket connection to .* failed|Failed to load resource: (net::ERR_CONNECTION_REFUSED|net::ERR_INCOMPLETE_CHUNKED_ENCODING|the server responded with a status of 401)|ERR_CONNECTION_REFUSED/;

describe.runIf(runs)('bad moments in Chromium', { timeout: 180_000 }, () => {
  const status = lab as LabStatus;
  let session: E2eSession;
  let web: WebProcess;
  let context: BrowserContext;
  let page: Page;
  /** The panes' keys, in the order opened. */
  const keys: string[] = [];
  /**
   * The page's WebSocket through Playwright: cut it (and refuse new ones) to lose the link. Its
   * streamed downlink (/downlink) goes with it: the page drops a downlink whose socket closed.
   */
  let linkBlocked = false;
  const routes: WebSocketRoute[] = [];

  beforeAll(async () => {
    session = await startE2eSession({ name: 'bad', viewport: VIEWPORT, knownHosts: status.knownHosts, webgl: false });
    ({ web, context, page } = session);
    await page.routeWebSocket(/\/rpc(\?[^/]*)?$/, (ws) => {
      if (linkBlocked) {
        void ws.close();
        return;
      }
      ws.connectToServer();
      routes.push(ws);
    });
  });
  afterAll(() => session?.stop());

  const terminalPanes = () => page.getByTestId('terminal-pane');
  const pane = (n: number) => page.locator(`[data-testid="terminal-pane"][data-pane="${keys[n - 1]}"]`);
  const view = (n: number) => pane(n).locator('.terminal-panel');
  const tab = (n: number) => page.getByTestId(`workspace-tab-${keys[n - 1]}`);

  async function screen(n: number): Promise<string> {
    const rows = await pane(n).locator('.xterm-rows > div').allTextContents();
    return rows.map((r) => r.replace(/\u00a0/g, ' ').trimEnd()).join('\n');
  }

  async function waitForScreen(n: number, pattern: RegExp, timeout = 15_000): Promise<string> {
    let last = '';
    await expect.poll(async () => pattern.test((last = await screen(n))), { timeout, interval: 100, message: `screen never matched ${pattern}` }).toBe(true);
    return last;
  }

  async function run(command: string): Promise<void> {
    await page.keyboard.type(command);
    await page.keyboard.press('Enter');
  }

  async function expectRunning(n: number): Promise<void> {
    await expect.poll(() => pane(n).isVisible(), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => view(n).getAttribute('data-status'), { timeout: 30_000 }).toBe('running');
  }

  async function select(n: number): Promise<void> {
    await tab(n).click();
    await expect.poll(() => pane(n).isVisible()).toBe(true);
  }

  /** The element with the keyboard focus: its text and whether it is inside an alertdialog. */
  const focused = () =>
    page.evaluate(() => {
      const el = document.activeElement;
      return { text: el?.textContent ?? '', inDialog: Boolean(el?.closest('[role="alertdialog"]')), inTerminal: Boolean(el?.classList.contains('xterm-helper-textarea')) };
    });

  /** The locator's box lies wholly inside the viewport. */
  async function expectInViewport(locator: ReturnType<Page['locator']>): Promise<void> {
    const box = await locator.boundingBox();
    const size = page.viewportSize()!;
    expect(box).not.toBeNull();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.y).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(size.width);
    expect(box!.y + box!.height).toBeLessThanOrEqual(size.height);
  }

  it('connects a three-hop circuit and opens three terminals on it', async () => {
    await importLabHostsAndConnectByKeyboard(page, web.url, status);
    await expect.poll(() => terminalPanes().count(), { timeout: 10_000 }).toBe(1);
    keys.push((await terminalPanes().first().getAttribute('data-pane'))!);
    await expectRunning(1);
    for (const n of [2, 3]) {
      await pane(n - 1).locator('.xterm-screen').click();
      await page.keyboard.press('Control+Shift+T');
      await expect.poll(() => terminalPanes().count()).toBe(n);
      const all = await terminalPanes().evaluateAll((els) => els.map((e) => e.getAttribute('data-pane')!));
      keys.push(all.find((k) => !keys.includes(k))!);
      await expectRunning(n);
    }
    await expect.poll(() => page.getByTestId('status-circuits').textContent()).toMatch(/1 circuit open · 3 terminals/);
  });

  it('closing a tab running `sleep 100` asks first: the question has the focus on Cancel and is on screen; Enter and Escape keep the shell, "Close tab" ends it', async () => {
    await select(3);
    await pane(3).locator('.xterm-screen').click();
    await run('sleep 100');
    await waitForScreen(3, /\$ sleep 100$/m);

    const question = page.getByRole('alertdialog', { name: 'Close Terminal 3 on target?' });
    await page.keyboard.press('Control+Shift+W');
    await expect.poll(() => question.isVisible()).toBe(true);
    expect(await question.getByText(/still running\. Closing the tab ends the shell/).count()).toBe(1);
    await expectInViewport(question);
    expect(await focused()).toMatchObject({ text: 'Cancel', inDialog: true });
    await expectAccessible(page, 'close-tab confirmation');
    await screenshots(page, 'confirm-close-tab', VIEWPORT);

    // Enter out of habit presses the focused Cancel: the shell stays, and so does the tab.
    await page.keyboard.press('Enter');
    await expect.poll(() => question.count()).toBe(0);
    expect(await terminalPanes().count()).toBe(3);
    expect(await view(3).getAttribute('data-status')).toBe('running');
    // The focus is back in the terminal it came from.
    await expect.poll(async () => (await focused()).inTerminal).toBe(true);

    // Escape cancels too.
    await page.keyboard.press('Control+Shift+W');
    await expect.poll(() => question.isVisible()).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => question.count()).toBe(0);
    expect(await view(3).getAttribute('data-status')).toBe('running');
    // The sleep was never interrupted: no prompt after it yet.
    expect(await screen(3)).toMatch(/\$ sleep 100\s*$/);

    // Tab reaches the destructive button; Enter there closes the tab and ends the shell.
    await tab(3).locator('.hl-tab-close').click();
    await expect.poll(() => question.isVisible()).toBe(true);
    await page.keyboard.press('Tab');
    expect(await focused()).toMatchObject({ text: 'Close tab', inDialog: true });
    await page.keyboard.press('Enter');
    await expect.poll(() => terminalPanes().count()).toBe(2);
    await expect.poll(() => page.getByTestId('status-circuits').textContent()).toMatch(/1 circuit open · 2 terminals/);
  });

  it('Disconnect with two terminals asks "Disconnect 2 terminals on target?"; afterwards both tabs say the user ended them, not an error', async () => {
    await select(1);
    await pane(1).locator('.pane-route').click();
    const drawer = pane(1).getByRole('complementary', { name: 'Circuit details' });
    await drawer.getByRole('button', { name: 'Disconnect' }).click();
    const question = page.getByRole('alertdialog', { name: 'Disconnect 2 terminals on target?' });
    await expect.poll(() => question.isVisible()).toBe(true);
    await expectInViewport(question);
    expect(await focused()).toMatchObject({ text: 'Cancel', inDialog: true });
    await expectAccessible(page, 'disconnect confirmation');
    await screenshots(page, 'confirm-disconnect', VIEWPORT);
    // Cancel first: nothing ends.
    await page.keyboard.press('Escape');
    await expect.poll(() => question.count()).toBe(0);
    expect(await view(1).getAttribute('data-status')).toBe('running');
    await drawer.getByRole('button', { name: 'Disconnect' }).click();
    await expect.poll(() => question.isVisible()).toBe(true);
    await question.getByRole('button', { name: 'Disconnect' }).click();

    for (const n of [1, 2]) {
      if (n === 2) await select(2);
      await expect.poll(() => view(n).getAttribute('data-status'), { timeout: 15_000 }).toBe('ended');
      const note = view(n).getByTestId('terminal-ended-by-user');
      await expect.poll(() => note.isVisible()).toBe(true);
      expect(await note.textContent()).toMatch(/You disconnected this terminal; its shell has ended\./);
      expect(await note.getAttribute('role')).toBe('status');
      // Neutral: no alert, no error code, a neutral tab.
      expect(await view(n).getByRole('alert').count()).toBe(0);
      expect(await view(n).getByText('DISCONNECTED', { exact: true }).count()).toBe(0);
      expect(await view(n).getByTestId('terminal-end-message').count()).toBe(0);
      expect(await tab(n).getAttribute('data-state')).toBe('exited');
      expect(await pane(n).locator('.pane-state').textContent()).toBe('ended by you');
    }
    await screenshots(page, 'ended-by-you', VIEWPORT);
    await select(1);
    await drawer.getByRole('button', { name: 'Close details' }).click();
    await expect.poll(() => drawer.count()).toBe(0);
  });

  it('a lost link greys every terminal out and blocks input while it says how reconnecting goes; the same shell re-attaches when it is back', async () => {
    // Reconnect terminal 1 (the circuit opens again: key-only hops, no question).
    await select(1);
    await view(1).getByTestId('terminal-ended-by-user').getByRole('button', { name: 'Reconnect' }).click();
    await expectRunning(1);
    await pane(1).locator('.xterm-screen').click();
    // A clean screen for the checks below (the new-shell separator is dim text, which axe
    // judges on its own: that is the reconnect feature's test, not this one's).
    await run('clear');
    await run('echo "before-$((1+1)) $$"');
    const before = await waitForScreen(1, /before-2 \d+/);
    const pid = /before-2 (\d+)/.exec(before)![1];

    linkBlocked = true;
    for (const route of routes.splice(0)) await route.close();
    await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-state')).not.toBe('open');
    await expect.poll(() => pane(1).getAttribute('data-backend')).toBe('down');
    const overlay = pane(1).getByTestId('backend-lost');
    await expect.poll(() => overlay.textContent(), { timeout: 10_000 }).toMatch(/Backend unreachable — reconnecting \(attempt \d+(, next in \d+ s\)|\)…)/);
    await expect.poll(() => overlay.textContent(), { timeout: 10_000 }).toMatch(/attempt [2-9]/);
    await expectInViewport(overlay.locator('.backend-lost-card'));
    // The terminal let go of the keyboard and takes it back from nothing: not a click, not typing.
    expect((await focused()).inTerminal).toBe(false);
    await pane(1).locator('.xterm-screen').click({ force: true });
    expect((await focused()).inTerminal).toBe(false);
    await page.keyboard.type('echo typed-while-down');
    await page.keyboard.press('Enter');
    // The other tab greys out too.
    expect(await pane(2).getAttribute('data-backend')).toBe('down');
    expect(await pane(1).evaluate((el) => getComputedStyle(el.querySelector('.pane-live')!).filter)).toMatch(/grayscale/);
    await expectAccessible(page, 'backend unreachable');
    await screenshots(page, 'backend-lost', VIEWPORT);
    // The builder (a circuit view) greys out too: Connect would go nowhere.
    await page.getByTestId('workspace-tab-builder').click();
    const builderCard = page.locator('.view-panel').getByTestId('backend-lost');
    await expect.poll(() => builderCard.isVisible()).toBe(true);
    expect(await page.locator('.view-panel .view-live').getAttribute('inert')).not.toBeNull();
    await screenshots(page, 'backend-lost-builder', VIEWPORT);
    await select(1);

    linkBlocked = false;
    await expect.poll(() => pane(1).getAttribute('data-backend'), { timeout: 15_000 }).toBe('up');
    expect(await overlay.count()).toBe(0);
    expect(await view(1).getAttribute('data-status')).toBe('running');
    // The same shell, its screen intact; nothing typed while down reached it.
    await pane(1).locator('.xterm-screen').click();
    await run('echo "after-$((2+2)) $$"');
    const after = await waitForScreen(1, /after-4 \d+/);
    expect(/after-4 (\d+)/.exec(after)![1]).toBe(pid);
    expect(after).toMatch(/before-2/);
    expect(after).not.toMatch(/typed-while-down/);
  });

  it('a backend killed and started again is a new process: the page gets back in with the new token, the tab says the shell ended because the backend restarted, and Reconnect brings a shell back', async () => {
    const port = web.port;
    const oldUrl = web.url;
    await web.kill();
    await expect.poll(() => pane(1).getAttribute('data-backend'), { timeout: 10_000 }).toBe('down');
    web = session.web = await startWebProcess({ dataDir: session.dataDir, env: session.env, port });
    expect(web.url).not.toBe(oldUrl);
    // The new process refuses the old token: the page says what to do rather than spin.
    const overlay = pane(1).getByTestId('backend-lost');
    await expect.poll(() => overlay.textContent(), { timeout: 15_000 }).toMatch(/restarted with a new access token\. Open the address it printed/);
    await screenshots(page, 'backend-new-token', VIEWPORT);
    // The user opens the address web mode printed: its cookie (one per port) lets this page back in.
    const other = await context.newPage();
    await other.goto(web.url);
    await expect.poll(() => other.getByTestId('connection-state').getAttribute('data-state')).toBe('open');
    await other.close();

    await expect.poll(() => pane(1).getAttribute('data-backend'), { timeout: 15_000 }).toBe('up');
    const note = view(1).getByTestId('terminal-backend-restarted');
    await expect.poll(() => note.isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await note.textContent()).toMatch(/Hopline’s backend restarted, so this shell ended\./);
    expect(await pane(1).locator('.pane-state').textContent()).not.toBe('connected');
    await expectAccessible(page, 'backend restarted');
    await screenshots(page, 'backend-restarted', VIEWPORT);

    await note.getByRole('button', { name: 'Reconnect' }).click();
    await expectRunning(1);
    await pane(1).locator('.xterm-screen').click();
    await run('echo "again-$((3+3))"');
    await waitForScreen(1, /again-6/);
    await expect.poll(() => page.getByTestId('status-circuits').textContent()).toMatch(/1 circuit open/);
  });

  it('left no unexpected errors in the console', () => {
    expect(session.problems.filter((p) => !CSP_STYLE.test(p) && !LINK_NOISE.test(p))).toEqual([]);
  });
});
