/**
 * A changed host key, end to end in Debian's Chromium through web mode against the lab: hop 2
 * (bastion-key) gets a new ed25519 key (labReplaceHostKey). Connecting a saved 3-hop profile
 * shows the saved and presented keys side by side with where the saved one is; Replace stays off
 * until the hop's name is typed; Replace edits only that line of Hopline's known_hosts (keeping
 * known_hosts.old) and the circuit goes on to the target. Then a key marked @revoked is refused
 * with a plain sentence and no way around it. axe-core over each dialog; pictures at 1024×700 and
 * 1440×900, light and dark, in test-results/workspace-hostkey-*.png.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { serviceDescriptors, type Services } from '../../app/shared/contract/channels';
import type { HostInput } from '../../app/shared/model/host';
import { createClient } from '../../app/shared/rpc/client';
import { expectAccessible, screenshots, SHOT_SIZES } from '../helpers/browser';
import { e2eRuns, startE2eSession, type E2eSession } from '../helpers/e2eSession';
import { expectInViewport } from '../helpers/inViewport';
import type { WebProcess } from '../helpers/webProcess';
import { connectWs, type TestWsClient } from '../helpers/wsClient';
import { labReplaceHostKey, labRestoreHostKey, type LabStatus } from '../lab/lab';

const lab = inject('lab');
const runs = e2eRuns({ lab: true, secretService: true });

const PROFILE = 'key change lab';

describe.runIf(runs)('a changed host key in Chromium', { timeout: 120_000 }, () => {
  const status = lab as LabStatus;
  const addr = (name: string) => status.hosts.find((h) => h.name === name)!.address;
  const originalKey = () => status.hosts.find((h) => h.name === 'bastion-key')!.hostKeys.find((k) => k.type === 'ssh-ed25519')!;
  let session: E2eSession;
  let home: string;
  let dataDir: string;
  let web: WebProcess;
  let client: TestWsClient;
  let circuits: Services['circuits'];
  let page: Page;
  let replaced: { type: string; sha256: string; publicKey: string };

  beforeAll(async () => {
    // The lab's keys are all saved in Hopline's own known_hosts, as after a first connect.
    session = await startE2eSession({ name: 'hk', viewport: SHOT_SIZES[0], secretService: true, clientKey: status.clientKey, knownHosts: status.knownHosts, webgl: false });
    ({ home, dataDir, web, page } = session);

    client = await connectWs(web.port, web.token);
    const hosts = createClient<Services['hosts']>(serviceDescriptors.hosts, client.rpc);
    const profiles = createClient<Services['profiles']>(serviceDescriptors.profiles, client.rpc);
    circuits = createClient<Services['circuits']>(serviceDescriptors.circuits, client.rpc);
    const host = (name: string): HostInput => ({
      name, address: addr(name), port: 22, user: 'bench', auth: [{ kind: 'publickey', keyFile: '~/.ssh/id_ed25519' }], agentForward: false, keepaliveIntervalSec: 15, keepaliveCountMax: 3, connectTimeoutSec: 10, proxy: null,
    });
    const hostIds: string[] = [];
    for (const name of ['bastion-mfa', 'bastion-key', 'target']) hostIds.push((await hosts.save(host(name))).id);
    await profiles.save({ name: PROFILE, folder: '', tags: [], hostIds, terminal: { fontSize: 13, scrollback: 5000, copyOnSelect: false, confirmMultilinePaste: true, sessionLog: false } });

    // Hop 2 is reinstalled: a new ed25519 host key, which Hopline has never seen.
    replaced = await labReplaceHostKey('bastion-key');
  });
  afterAll(async () => {
    // Other test files of this run meet the lab's original key again.
    await labRestoreHostKey('bastion-key');
    await client?.close();
    await session?.stop();
  });

  const knownHosts = () => path.join(dataDir, 'known_hosts');
  const profileRow = () => page.getByRole('navigation', { name: 'Library' }).getByRole('treeitem', { name: new RegExp(`^${PROFILE}\\b`) });
  const runningPane = () => page.locator('[data-testid="terminal-pane"].pane-running').filter({ visible: true });

  async function screenText(pane: Locator): Promise<string> {
    const rows = await pane.locator('.xterm-rows > div').allTextContents();
    return rows.map((r) => r.replace(/\u00a0/g, ' ').trimEnd()).join('\n');
  }
  async function connectProfile(): Promise<void> {
    await expect.poll(() => profileRow().count(), { timeout: 15_000 }).toBe(1);
    await profileRow().focus();
    await page.keyboard.press('Enter');
  }

  it('shows the saved and the presented key side by side; Replace, after typing the name, connects through hop 2', async () => {
    const before = readFileSync(knownHosts(), 'utf8');
    const savedLine = before.split('\n').findIndex((l) => l.startsWith(`${addr('bastion-key')} ssh-ed25519 `)) + 1;
    expect(savedLine).toBeGreaterThan(0);
    await page.goto(web.url);
    await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-state')).toBe('open');
    await connectProfile();

    const dialog = page.getByRole('dialog', { name: /Host key changed/ });
    await dialog.waitFor({ timeout: 30_000 });
    expect(await dialog.getByText(`hop 2 (bastion-key) · ${addr('bastion-key')}:22`).isVisible()).toBe(true);
    const saved = dialog.getByRole('region', { name: 'Saved key' });
    const presented = dialog.getByRole('region', { name: 'Presented now' });
    expect(await saved.getByTestId('saved-fingerprint').textContent()).toBe(originalKey().sha256);
    expect(await presented.getByTestId('presented-fingerprint').textContent()).toBe(replaced.sha256);
    expect(await saved.textContent()).toContain('ssh-ed25519');
    expect(await presented.textContent()).toContain('ssh-ed25519');
    expect(await saved.getByTestId('saved-where').textContent()).toBe(`${knownHosts()}, line ${savedLine} (Hopline\u2019s known_hosts)`);
    for (const meaning of [/reinstalled/, /rotated/, /intercepting/]) expect(await dialog.getByText(meaning).isVisible()).toBe(true);

    // Side by side at 1024×700: one row, saved on the left, both wholly in view; fingerprints in a monospace face.
    const savedBox = await expectInViewport(saved);
    const presentedBox = await expectInViewport(presented);
    expect(Math.abs(savedBox.y - presentedBox.y)).toBeLessThan(2);
    expect(savedBox.x + savedBox.width).toBeLessThanOrEqual(presentedBox.x);
    const font = await presented.getByTestId('presented-fingerprint').evaluate((e) => getComputedStyle(e).fontFamily);
    expect(font).toMatch(/mono/i);

    // The safe choice has the focus, and Replace is off until the name matches.
    const dontConnect = dialog.getByRole('button', { name: "Don't connect" });
    const replace = dialog.getByRole('button', { name: 'Replace the saved key' });
    await expect.poll(() => dontConnect.evaluate((e) => e === document.activeElement)).toBe(true);
    expect(await replace.isDisabled()).toBe(true);
    await expectAccessible(page, 'changed host key dialog');
    await screenshots(page, 'hostkey-changed', SHOT_SIZES[0]);

    const field = dialog.getByRole('textbox', { name: 'Type bastion-key to confirm' });
    await field.focus();
    await page.keyboard.type('bastion-ke');
    expect(await replace.isDisabled()).toBe(true);
    await page.keyboard.type('y');
    expect(await replace.isEnabled()).toBe(true);
    expect(await dialog.getByText('The name matches.').isVisible()).toBe(true);
    await expectAccessible(page, 'changed host key dialog, name typed');
    await screenshots(page, 'hostkey-changed-typed', SHOT_SIZES[0]);

    // By keyboard: Tab from the field reaches Replace.
    await page.keyboard.press('Tab');
    expect(await replace.evaluate((e) => e === document.activeElement)).toBe(true);
    await page.keyboard.press('Enter');

    // The same connection goes on: no other question, and the target's shell runs.
    const pane = runningPane();
    await expect.poll(() => pane.count(), { timeout: 30_000 }).toBe(1);
    expect(await page.getByRole('dialog').count()).toBe(0);
    await expect.poll(() => page.evaluate(() => document.activeElement?.classList.contains('xterm-helper-textarea') ?? false), { timeout: 10_000 }).toBe(true);
    await page.keyboard.type('echo "via-$(hostname)"');
    await page.keyboard.press('Enter');
    await expect.poll(() => screenText(pane), { timeout: 15_000 }).toMatch(/via-hl-target/);

    // Only that line went; the new key was added; the old file is kept as known_hosts.old.
    const expected = before.split('\n').filter((_, i) => i !== savedLine - 1).join('\n') + `${addr('bastion-key')} ${replaced.publicKey}\n`;
    expect(readFileSync(knownHosts(), 'utf8')).toBe(expected);
    expect(readFileSync(`${knownHosts()}.old`, 'utf8')).toBe(before);
  });

  it('a key marked @revoked is refused with a plain sentence and no way around it', async () => {
    for (const circuit of await circuits.list()) await circuits.close(circuit.id);
    const before = readFileSync(knownHosts(), 'utf8');
    writeFileSync(knownHosts(), `${before}@revoked ${addr('bastion-key')} ${replaced.publicKey}\n`);
    try {
      await connectProfile();
      const alert = page.getByRole('alertdialog', { name: /Host key revoked: connection refused/ });
      await alert.waitFor({ timeout: 30_000 });
      expect(await alert.getByText('hop 2 (bastion-key)', { exact: true }).isVisible()).toBe(true);
      expect(await alert.getByText(/there is no way to accept it/).isVisible()).toBe(true);
      // Which key, and the file and line that revoke it.
      expect(await alert.getByText(`${replaced.sha256}, which ${knownHosts()} line ${before.split('\n').length} marks @revoked`, { exact: false }).isVisible()).toBe(true);
      expect(await alert.getByRole('button').allTextContents()).toEqual(['Close']);
      expect(await alert.getByRole('textbox').count()).toBe(0);
      await expectInViewport(alert);
      await expectAccessible(page, 'revoked host key dialog');
      await screenshots(page, 'hostkey-revoked', SHOT_SIZES[0]);
      await page.keyboard.press('Escape');
      await expect.poll(() => alert.count()).toBe(0);
    } finally {
      writeFileSync(knownHosts(), before);
    }
  });

  it('a saved key in the user\'s own ~/.ssh/known_hosts is replaced only after a second confirmation naming that file', async () => {
    for (const circuit of await circuits.list()) await circuits.close(circuit.id);
    // The key saved for hop 2 now sits in the user's file (as ssh would have saved it), not Hopline's.
    const savedLine = `${addr('bastion-key')} ${replaced.publicKey}`;
    const userFile = path.join(home, '.ssh', 'known_hosts');
    const userBefore = `# hosts I trust\n${savedLine}\nexample.org ${replaced.publicKey}\n`;
    writeFileSync(userFile, userBefore, { mode: 0o600 });
    writeFileSync(knownHosts(), readFileSync(knownHosts(), 'utf8').split('\n').filter((l) => l !== savedLine).join('\n'));
    const appBefore = readFileSync(knownHosts(), 'utf8');
    const third = await labReplaceHostKey('bastion-key');

    await connectProfile();
    const dialog = page.getByRole('dialog', { name: /Host key changed/ });
    await dialog.waitFor({ timeout: 30_000 });
    expect(await dialog.getByTestId('saved-where').textContent()).toBe('~/.ssh/known_hosts, line 2 (your own known_hosts, which ssh reads too)');
    expect(await dialog.getByTestId('saved-fingerprint').textContent()).toBe(replaced.sha256);
    expect(await dialog.getByTestId('presented-fingerprint').textContent()).toBe(third.sha256);
    const replace = dialog.getByRole('button', { name: 'Replace the saved key' });
    await dialog.getByRole('textbox', { name: 'Type bastion-key to confirm' }).fill('bastion-key');
    expect(await replace.isDisabled()).toBe(true);
    const check = dialog.getByRole('checkbox', { name: 'Also edit ~/.ssh/known_hosts, my own known_hosts that ssh reads too' });
    await check.focus();
    await page.keyboard.press('Space');
    expect(await check.isChecked()).toBe(true);
    expect(await replace.isEnabled()).toBe(true);
    await expectAccessible(page, 'changed host key dialog, key in the user\'s file');
    await screenshots(page, 'hostkey-changed-userfile', SHOT_SIZES[0]);
    await replace.click();

    await expect.poll(() => runningPane().count(), { timeout: 30_000 }).toBe(1);
    expect(await page.getByRole('dialog').count()).toBe(0);
    // Only that line left the user's file, which is kept as known_hosts.old; the new key went to Hopline's file.
    expect(readFileSync(userFile, 'utf8')).toBe(`# hosts I trust\nexample.org ${replaced.publicKey}\n`);
    expect(readFileSync(`${userFile}.old`, 'utf8')).toBe(userBefore);
    expect(readFileSync(knownHosts(), 'utf8')).toBe(`${appBefore}${appBefore.endsWith('\n') ? '' : '\n'}${addr('bastion-key')} ${third.publicKey}\n`);
    expect(session.problems).toEqual([]);
  });
});
