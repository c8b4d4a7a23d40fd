/**
 * Port forwards in the UI (issue 15, item 6), in Debian's Chromium through web mode against the
 * lab: the 3-hop circuit (bastion-mfa, bastion-key, target; user `bench`, key only, host keys
 * known) is built by keyboard and connected; the palette's "Add a port forward to this circuit…"
 * opens the circuit details with the focus in the forward field; `PORT:<target>:22` typed and Enter
 * adds a local forward there, and the row shows it listening. This test process then
 * connects to 127.0.0.1:PORT and reads the target sshd's `SSH-2.0-` banner through the three
 * hops, and the row counts the connection and the bytes; the tab shows "1 forward". A bind on
 * every interface warns and waits for the box (ticked from the keyboard); Stop refuses new
 * connections; Start listens again; Edit moves it to another port; Remove takes the row and the
 * tab's mark away; "Show forwards" in the palette opens the details at the forwards.
 */
import net from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { expectAccessible, screenshots } from '../helpers/browser';
import { e2eRuns, startE2eSession, type E2eSession } from '../helpers/e2eSession';
import { expectInViewport } from '../helpers/inViewport';
import { importLabHostsAndConnectByKeyboard, runPaletteCommand } from '../helpers/labCircuitUi';
import type { LabStatus } from '../lab/lab';
import { freePort } from '../helpers/ports';

const lab = inject('lab');
const runs = e2eRuns({ lab: true });

const VIEWPORT = { width: 1400, height: 900 };

/** Connects to 127.0.0.1:port and resolves with the socket and the first line the far end sends. */
function readBanner(port: number): Promise<{ socket: net.Socket; line: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no banner from 127.0.0.1:${port} within 15 s (got ${JSON.stringify(text)})`));
    }, 15_000);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const end = text.indexOf('\n');
      if (end >= 0) {
        clearTimeout(timer);
        resolve({ socket, line: text.slice(0, end).trimEnd() });
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Resolves with the connect error's code (ECONNREFUSED) or 'connected'. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe.runIf(runs)('port forwards in Chromium', { timeout: 120_000 }, () => {
  const status = lab as LabStatus;
  const addr = (name: string) => status.hosts.find((h) => h.name === name)!.address;
  let session: E2eSession;
  let page: Page;
  let problems: string[];
  let port = 0;
  const sockets: net.Socket[] = [];

  beforeAll(async () => {
    session = await startE2eSession({ name: 'fwd', viewport: VIEWPORT, knownHosts: status.knownHosts });
    ({ page, problems } = session);
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await session?.stop();
  });

  const pane = () => page.getByTestId('terminal-pane').filter({ visible: true });
  const drawer = () => pane().getByRole('complementary', { name: 'Circuit details' });
  const forwards = () => drawer().getByRole('region', { name: 'Port forwards' });
  const row = () => forwards().getByTestId('forward-row').first();
  const targetDot = () => page.getByRole('navigation', { name: 'Library' }).getByRole('treeitem', { name: /^target\b/ }).locator('.lib-dot');
  const field = () => forwards().getByRole('textbox', { name: /^Forward, as ssh/ });

  const palette = (command: string) => runPaletteCommand(page, command);

  it('connects the 3-hop circuit built by keyboard', async () => {
    await importLabHostsAndConnectByKeyboard(page, session.web.url, status);
    await expect.poll(() => pane().getByRole('region', { name: /^Terminal on / }).getAttribute('data-status'), { timeout: 30_000 }).toBe('running');
  });

  it('the palette opens the forward form with the focus in it; `PORT:<target>:22` and Enter adds a forward listening there', async () => {
    await palette('Add a port forward to this circuit…');
    await expect.poll(() => drawer().isVisible()).toBe(true);
    await expect.poll(() => field().evaluate((el) => el === document.activeElement)).toBe(true);
    await expectInViewport(field());
    // A port of its own: as in ssh, -L 0 ("any port") is refused.
    port = await freePort();
    await page.keyboard.type(`${port}:${addr('target')}:22`);
    await page.keyboard.press('Enter');
    await expect.poll(() => row().getAttribute('data-state'), { timeout: 20_000 }).toBe('listening');
    expect(await row().getByTestId('forward-route').textContent()).toBe(`127.0.0.1:${port} → ${addr('target')}:22`);
    expect(await forwards().getByRole('status').textContent()).toBe(`Added: local forward on 127.0.0.1:${port}, listening.`);
    // Ready for the next one: the field is empty and still has the focus.
    expect(await field().inputValue()).toBe('');
    expect(await field().evaluate((el) => el === document.activeElement)).toBe(true);
    await expectInViewport(row());
    // The tab says so too, and the target's row in the library (the circuit's last hop, no profile).
    expect(await page.locator('[data-testid^="workspace-tab-"]').getByRole('img', { name: '1 forward' }).count()).toBe(1);
    await expect.poll(() => targetDot().getAttribute('data-status')).toBe('forwarding');
  });

  it("reads the target sshd's banner through the forward, and the row counts the connection and its bytes", async () => {
    const { socket, line } = await readBanner(port);
    sockets.push(socket);
    expect(line).toMatch(/^SSH-2\.0-OpenSSH/);
    const counters = row().getByTestId('forward-counters');
    await expect.poll(() => counters.textContent(), { timeout: 10_000 }).toMatch(/^1 open · 1 total · \d+ B out · [1-9]\d* B in$/);
    await expectAccessible(page, 'forwards with a connection');
    await screenshots(page, 'forwards', VIEWPORT);
    socket.destroy();
    await expect.poll(() => counters.textContent(), { timeout: 10_000 }).toMatch(/^0 open · 1 total/);
  });

  it('a bind on every interface warns, and the keyboard ticks the box the form asks for', async () => {
    await field().focus();
    await page.keyboard.type(`*:18080:${addr('target')}:22`);
    const warning = forwards().getByTestId('forward-exposed-warning');
    expect(await warning.textContent()).toMatch(/listens on 0\.0\.0\.0:18080: other machines/);
    await page.keyboard.press('Enter');
    expect(await forwards().getByRole('alert').textContent()).toMatch(/tick the box to allow it/);
    const box = forwards().getByRole('checkbox', { name: 'Allow connections from other machines' });
    expect(await box.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.press('Space');
    expect(await box.isChecked()).toBe(true);
    await expectAccessible(page, 'forward form with the warning');
    // Not added: a test has no business listening on every interface.
    await field().fill('');
    expect(await warning.count()).toBe(0);
    expect(await forwards().getByTestId('forward-row').count()).toBe(1);
  });

  it('Stop by keyboard refuses new connections, Start listens again, Edit moves it to a fixed port, Remove takes the row and the tab mark away', async () => {
    const toggle = row().getByRole('button', { name: 'Stop' });
    await toggle.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => row().getAttribute('data-state')).toBe('stopped');
    // The same button now says Start, and keeps the focus.
    expect(await row().getByRole('button', { name: 'Start' }).evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await tryConnect(port)).toBe('ECONNREFUSED');
    expect(await page.locator('[data-testid^="workspace-tab-"]').getByRole('img', { name: /forward/ }).count()).toBe(0);
    await expect.poll(() => targetDot().getAttribute('data-status')).toBe('connected');

    await page.keyboard.press('Enter');
    await expect.poll(() => row().getAttribute('data-state'), { timeout: 20_000 }).toBe('listening');
    const again = Number(/^127\.0\.0\.1:(\d+)/.exec((await row().getByTestId('forward-route').textContent()) ?? '')![1]);
    const { socket, line } = await readBanner(again);
    socket.destroy();
    expect(line).toMatch(/^SSH-2\.0-OpenSSH/);

    // Edit: the form takes the forward as ssh writes it; another port replaces the first.
    await row().getByRole('button', { name: 'Edit' }).click();
    // The form fills in after the click's render: wait for it rather than read it at once.
    await expect.poll(() => field().inputValue()).toBe(`${port}:${addr('target')}:22`);
    await expect.poll(() => field().evaluate((el) => el === document.activeElement)).toBe(true);
    const fixed = await freePort();
    await page.keyboard.press('Control+A');
    await page.keyboard.type(`${fixed}:${addr('target')}:22`);
    await page.keyboard.press('Enter');
    await expect.poll(() => row().getByTestId('forward-route').textContent(), { timeout: 20_000 }).toBe(`127.0.0.1:${fixed} → ${addr('target')}:22`);
    await expect.poll(() => row().getAttribute('data-state')).toBe('listening');
    expect(await forwards().getByTestId('forward-row').count()).toBe(1);
    expect(await tryConnect(again)).toBe('ECONNREFUSED');
    const edited = await readBanner(fixed);
    edited.socket.destroy();
    expect(edited.line).toMatch(/^SSH-2\.0-OpenSSH/);

    await row().getByRole('button', { name: 'Remove' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => forwards().getByTestId('forward-row').count()).toBe(0);
    expect(await tryConnect(fixed)).toBe('ECONNREFUSED');
    expect(await page.locator('[data-testid^="workspace-tab-"]').getByRole('img', { name: /forward/ }).count()).toBe(0);
    // The focus is not lost with the row: it is on the section's heading.
    expect(await forwards().getByRole('heading', { name: 'Port forwards' }).evaluate((el) => el === document.activeElement)).toBe(true);
  });

  it('"Show forwards" in the palette opens the closed details at the forwards, with the focus on their heading', async () => {
    await drawer().getByRole('button', { name: 'Close details' }).click();
    await expect.poll(() => drawer().count()).toBe(0);
    await palette('Show forwards');
    const heading = forwards().getByRole('heading', { name: 'Port forwards' });
    await expect.poll(() => heading.evaluate((el) => el === document.activeElement)).toBe(true);
    await expectInViewport(heading);
    expect(await forwards().getByText('No forwards on this circuit.').isVisible()).toBe(true);
    expect(problems).toEqual([]);
  });
});
