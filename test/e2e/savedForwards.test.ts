/**
 * Saved forwards "start with the circuit", as a user meets them (issue 15), in Debian's Chromium
 * through web mode against the lab: a saved profile (bastion-mfa -> bastion-key -> target, user
 * `bench`, the lab's key, host keys known) carries a -L forward marked to start with the circuit.
 * The profile is opened from the library by keyboard; without touching the Forwards panel, the
 * forward is listening: "Show forwards" in the palette shows its row as listening on the saved
 * port, the tab shows "1 forward", and a connection to 127.0.0.1:PORT reads the target sshd's
 * banner through the three hops.
 */
import net from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { HostInput } from '../../app/shared/model/host';
import { TERMINAL_DEFAULTS } from '../../app/shared/model/profile';
import { createServiceClients } from '../../app/shared/rpc/serviceClients';
import { expectAccessible, screenshots } from '../helpers/browser';
import { e2eRuns, startE2eSession, type E2eSession } from '../helpers/e2eSession';
import { expectInViewport } from '../helpers/inViewport';
import { freePort } from '../helpers/ports';
import { connectWs, type TestWsClient } from '../helpers/wsClient';
import type { LabStatus } from '../lab/lab';

const lab = inject('lab');
const runs = e2eRuns({ lab: true });

const VIEWPORT = { width: 1400, height: 900 };
const PROFILE = 'lab db';

/** The first line 127.0.0.1:port sends. */
function firstLine(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let text = '';
    socket.setTimeout(15_000, () => socket.destroy(new Error(`no line from 127.0.0.1:${port} within 15 s`)));
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const end = text.indexOf('\n');
      if (end < 0) return;
      socket.destroy();
      resolve(text.slice(0, end).trimEnd());
    });
    socket.on('error', reject);
  });
}

describe.runIf(runs)('saved forwards start with the profile, in Chromium', { timeout: 120_000 }, () => {
  const status = lab as LabStatus;
  const addr = (name: string) => status.hosts.find((h) => h.name === name)!.address;
  let session: E2eSession;
  let page: Page;
  let client: TestWsClient;
  let port = 0;

  beforeAll(async () => {
    session = await startE2eSession({ name: 'savedfwd', viewport: VIEWPORT, knownHosts: status.knownHosts });
    page = session.page;
    // The saved library a user would have: three hosts, and a profile with a forward that starts with it.
    client = await connectWs(session.web.port, session.web.token);
    const api = createServiceClients(client.rpc);
    const host = (name: string): HostInput => ({
      name, address: addr(name), port: 22, user: 'bench', auth: [{ kind: 'publickey', keyFile: status.clientKey }], agentForward: false, keepaliveIntervalSec: 15, keepaliveCountMax: 3, connectTimeoutSec: 10, proxy: null,
    });
    const hostIds: string[] = [];
    for (const name of ['bastion-mfa', 'bastion-key', 'target']) hostIds.push((await api.hosts.save(host(name))).id);
    port = await freePort();
    await api.profiles.save({ name: PROFILE, folder: '', tags: [], hostIds, terminal: TERMINAL_DEFAULTS, forwards: [{ kind: 'local', bindPort: port, host: addr('target'), hostPort: 22, autoStart: true }] });
  });
  afterAll(async () => {
    await client?.close();
    await session?.stop();
  });

  const pane = () => page.getByTestId('terminal-pane').filter({ visible: true });
  const drawer = () => pane().getByRole('complementary', { name: 'Circuit details' });
  const forwards = () => drawer().getByRole('region', { name: 'Port forwards' });
  const row = () => forwards().getByTestId('forward-row');

  async function palette(command: string): Promise<void> {
    await page.keyboard.press('Control+Shift+P');
    const dialog = page.getByRole('dialog', { name: 'Command palette' });
    await dialog.waitFor();
    await page.keyboard.type(command);
    await expect.poll(() => dialog.getByRole('option').first().textContent()).toBe(command);
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog.count()).toBe(0);
  }

  it('opening the profile from the library by keyboard starts its forward: the panel shows it listening, and it carries the target sshd\'s banner', async () => {
    await page.goto(session.web.url);
    await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-state')).toBe('open');
    const profileRow = page.getByRole('navigation', { name: 'Library' }).getByRole('treeitem', { name: new RegExp(`^${PROFILE}\\b`) });
    await expect.poll(() => profileRow.count(), { timeout: 15_000 }).toBe(1);
    await profileRow.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => pane().getByRole('region', { name: /^Terminal on / }).getAttribute('data-status'), { timeout: 30_000 }).toBe('running');

    // Nothing was added by hand: the tab already says the circuit has a forward.
    await expect.poll(() => page.locator('[data-testid^="workspace-tab-"]').getByRole('img', { name: '1 forward' }).count(), { timeout: 20_000 }).toBe(1);
    await palette('Show forwards');
    const heading = forwards().getByRole('heading', { name: 'Port forwards' });
    await expect.poll(() => heading.evaluate((el) => el === document.activeElement)).toBe(true);
    await expect.poll(() => row().count()).toBe(1);
    await expect.poll(() => row().getAttribute('data-state'), { timeout: 20_000 }).toBe('listening');
    expect(await row().getByTestId('forward-route').textContent()).toBe(`127.0.0.1:${port} → ${addr('target')}:22`);
    await expectInViewport(row());
    expect(await row().getByText(/listening/i).first().isVisible()).toBe(true);

    expect(await firstLine(port)).toMatch(/^SSH-2\.0-OpenSSH/);
    await expect.poll(() => row().getByTestId('forward-counters').textContent(), { timeout: 10_000 }).toMatch(/ · 1 total · /);
    await expectAccessible(page, 'a saved forward started with its profile');
    await screenshots(page, 'saved-forwards', VIEWPORT);
    expect(session.problems).toEqual([]);
  });
});
