/**
 * "Use from other tools" in the UI (issue 15, items 4 and 6), in Debian's Chromium through web
 * mode against the lab: a saved profile (bastion-mfa -> bastion-key -> target, user `bench`, the
 * lab's key, host keys known) is opened from the library by keyboard. The palette's "Use this
 * circuit from other tools…" opens the circuit details at the panel, which shows the profile's
 * ssh_config block (exactly what `hopline ssh-config` prints for it) in view; Copy, reached by
 * Tab and pressed with Enter, puts it on the clipboard. Then a real OpenSSH `ssh -F <that block>
 * lab-gw 'read line; …'` rides the circuit until the test sends it a line: its row appears in the panel's list (the ssh command line,
 * the target, the hops) and the tab counts it, and when ssh ends the row goes and the empty
 * state is back. The palette's "Copy ssh_config block for this profile" copies it too.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createServiceClients } from '../../app/shared/rpc/serviceClients';
import { expectAccessible, screenshots } from '../helpers/browser';
import { e2eRuns, startE2eSession, type E2eSession } from '../helpers/e2eSession';
import { expectInViewport } from '../helpers/inViewport';
import { openSavedProfileByKeyboard, runPaletteCommand, saveLabProfile } from '../helpers/labCircuitUi';
import { connectWs, type TestWsClient } from '../helpers/wsClient';
import type { LabStatus } from '../lab/lab';

const lab = inject('lab');
const runs = e2eRuns({ lab: true });

const VIEWPORT = { width: 1400, height: 900 };
const PROFILE = 'lab gw';
const ALIAS = 'lab-gw';
const CLI = path.resolve('dist/main/cli.cjs');

describe.runIf(runs)('"Use from other tools" in Chromium, with a real ssh riding the circuit', { timeout: 120_000 }, () => {
  const status = lab as LabStatus;
  const addr = (name: string) => status.hosts.find((h) => h.name === name)!.address;
  let session: E2eSession;
  let page: Page;
  let client: TestWsClient;
  let block = '';

  beforeAll(async () => {
    session = await startE2eSession({ name: 'gwui', viewport: VIEWPORT, knownHosts: status.knownHosts });
    page = session.page;
    await session.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(session.web.url).origin });
    // The saved library a user would have: three hosts and a profile through them.
    client = await connectWs(session.web.port, session.web.token);
    await saveLabProfile(createServiceClients(client.rpc), status, PROFILE);
  });
  afterAll(async () => {
    await client?.close();
    await session?.stop();
  });

  const pane = () => page.getByTestId('terminal-pane').filter({ visible: true });
  const drawer = () => pane().getByRole('complementary', { name: 'Circuit details' });
  const panel = () => drawer().getByRole('region', { name: 'Use from other tools' });
  const blockField = () => panel().getByRole('textbox', { name: /^ssh_config block/ });
  const copyButton = () => panel().getByRole('button', { name: 'Copy ssh_config block' });
  const sessionRows = () => panel().getByTestId('gateway-session');
  const tabMark = () => page.locator('[data-testid^="workspace-tab-"]').getByTestId('tab-riding');
  const clipboard = () => page.evaluate(() => navigator.clipboard.readText());
  const focused = (locator: ReturnType<Page['locator']>) => locator.evaluate((el) => el === document.activeElement);

  const palette = (command: string) => runPaletteCommand(page, command);

  it('opens the saved profile from the library by keyboard', async () => {
    await openSavedProfileByKeyboard(page, session.web.url, PROFILE);
  });

  it('the palette opens the panel with the focus on it; the block is the one `hopline ssh-config` prints, in view, monospace', async () => {
    await palette('Use this circuit from other tools…');
    await expect.poll(() => focused(panel().getByRole('heading', { name: 'Use from other tools' }))).toBe(true);
    await expect.poll(() => blockField().count(), { timeout: 10_000 }).toBe(1);
    block = await blockField().inputValue();
    const printed = spawnSync(process.execPath, [CLI, 'ssh-config', '--data-dir', session.dataDir, PROFILE], { env: { PATH: process.env.PATH!, HOME: session.home }, encoding: 'utf8' });
    expect(printed.stderr).toBe('');
    expect(printed.status).toBe(0);
    expect(block).toBe(printed.stdout);
    expect(block).toContain(`Host ${ALIAS}\n`);
    expect(block).toContain(`    ProxyCommand ${process.execPath} ${CLI} proxy --data-dir ${session.dataDir} --profile 'lab gw' %h %p\n`);
    expect(await blockField().isVisible()).toBe(true);
    expect(await blockField().getAttribute('readonly')).not.toBeNull();
    expect(await blockField().evaluate((e) => getComputedStyle(e).fontFamily)).toMatch(/mono/i);
    await blockField().scrollIntoViewIfNeeded();
    await expectInViewport(blockField());
    expect(await panel().getByTestId('gateway-explain').textContent()).toBe(`ssh ${ALIAS}, scp, rsync -e ssh, git and VS Code Remote-SSH ride this circuit without another code.`);
    expect(await panel().getByTestId('gateway-empty').isVisible()).toBe(true);
  });

  it('Copy, reached by Tab from the block and pressed with Enter, puts the exact block on the clipboard', async () => {
    await page.evaluate(() => navigator.clipboard.writeText('not yet'));
    await blockField().focus();
    await page.keyboard.press('Tab');
    expect(await focused(copyButton())).toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(() => panel().getByRole('status').textContent()).toBe(`Copied the Host block for ${ALIAS}: paste it into ~/.ssh/config.`);
    expect(await clipboard()).toBe(block);
    await expectInViewport(copyButton());
    await expectAccessible(page, 'use from other tools, no external session');
    await screenshots(page, 'gateway-panel', VIEWPORT);
  });

  it('a real `ssh -F <the block> lab-gw` appears in the list while it rides the circuit, and goes when it ends', async () => {
    // The copied block first (the first value wins in ssh_config), then the lab's strict settings (BatchMode: nothing can be asked).
    const config = path.join(session.home, 'ssh_config');
    writeFileSync(config, `${await clipboard()}\n${readFileSync(status.sshConfig, 'utf8')}`);
    // It waits for a line on stdin (sent once the screenshots are taken), like `sleep`, but as long as the test needs.
    const ssh = spawn('setsid', ['-w', 'ssh', '-F', config, ALIAS, 'read line; echo rode-the-circuit $line'], { env: { PATH: process.env.PATH!, HOME: session.home }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    ssh.stdout.on('data', (d: Buffer) => (out += d.toString()));
    ssh.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => ssh.once('exit', (code) => resolve(code)));

    await expect.poll(() => sessionRows().count(), { timeout: 15_000 }).toBe(1);
    const row = sessionRows().first();
    expect(await row.getByTestId('gateway-peer').textContent()).toBe(`ssh -F ${config} ${ALIAS} read line; echo rode-the-circuit $line`);
    expect(await row.textContent()).toContain(`${addr('target')}:22 through bastion-mfa, bastion-key`);
    expect(await panel().getByRole('heading', { name: 'External sessions on this circuit (1)' }).isVisible()).toBe(true);
    expect(await panel().getByTestId('gateway-empty').count()).toBe(0);
    // The tab says so, modestly: an icon and a count, named for a screen reader.
    expect(await tabMark().getAttribute('aria-label')).toBe('1 external session');
    expect(await tabMark().isVisible()).toBe(true);
    await row.scrollIntoViewIfNeeded();
    await expectInViewport(row);
    await expectAccessible(page, 'use from other tools, one external session');
    await screenshots(page, 'gateway-session', VIEWPORT);

    // Bytes each way are counted live (the ssh handshake with the target went through it).
    expect(await row.textContent()).toMatch(/ · [1-9][\d.]* (B|KiB) out · [1-9][\d.]* (B|KiB) in$/);

    ssh.stdin.end('done\n');
    expect(await exited, err).toBe(0);
    expect(out).toBe('rode-the-circuit done\n');
    await expect.poll(() => sessionRows().count(), { timeout: 10_000 }).toBe(0);
    expect(await panel().getByTestId('gateway-empty').isVisible()).toBe(true);
    expect(await tabMark().count()).toBe(0);
  });

  it("the palette's “Copy ssh_config block for this profile” copies it and says so in the panel", async () => {
    await page.evaluate(() => navigator.clipboard.writeText('not yet'));
    await palette('Copy ssh_config block for this profile');
    await expect.poll(clipboard).toBe(block);
    await expect.poll(() => panel().getByRole('status').textContent()).toBe(`Copied the Host block for ${ALIAS}: paste it into ~/.ssh/config.`);
    await expect.poll(() => focused(panel().getByRole('heading', { name: 'Use from other tools' }))).toBe(true);
    expect(session.problems).toEqual([]);
  });
});
