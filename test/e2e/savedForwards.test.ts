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
import { createServiceClients } from '../../app/shared/rpc/serviceClients';
import { expectAccessible, screenshots } from '../helpers/browser';
import { e2eRuns, startE2eSession, type E2eSession } from '../helpers/e2eSession';
import { expectInViewport } from '../helpers/inViewport';
import { openSavedProfileByKeyboard, runPaletteCommand, saveLabProfile } from '../helpers/labCircuitUi';
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
    port = await freePort();
    await saveLabProfile(createServiceClients(client.rpc), status, PROFILE, { forwards: [{ kind: 'local', bindPort: port, host: addr('target'), hostPort: 22, autoStart: true }] });
  });
  afterAll(async () => {
    await client?.close();
    await session?.stop();
  });

  const pane = () => page.getByTestId('terminal-pane').filter({ visible: true });
  const drawer = () => pane().getByRole('complementary', { name: 'Circuit details' });
  const forwards = () => drawer().getByRole('region', { name: 'Port forwards' });
  const row = () => forwards().getByTestId('forward-row');

  const palette = (command: string) => runPaletteCommand(page, command);

  it('opening the profile from the library by keyboard starts its forward: the panel shows it listening, and it carries the target sshd\'s banner', async () => {
    await openSavedProfileByKeyboard(page, session.web.url, PROFILE);

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
