/**
 * The builder issue end to end, in Debian's Chromium through web mode against the lab: import two
 * lab hosts and create the third in the form, drag them into a circuit (and reorder by keyboard),
 * save it as a profile, click Connect, accept the host keys, answer password and TOTP in the
 * dialogs, watch every hop reach ready and the target's hostname come back; then reload, and one
 * click connects again with the host keys already trusted and the remembered password used.
 */
import { mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium, watchedPage } from '../helpers/browser';
import { secretServiceMissingReason, startSecretService, type SecretService } from '../helpers/secretService';
import { startWebProcess, type WebProcess } from '../helpers/webProcess';
import { totpCode, type LabStatus } from '../lab/lab';
import { chromiumMissingReason, requirement } from '../setup/requirements';

const lab = inject('lab');
const runs =
  requirement('Chromium end-to-end tests', chromiumMissingReason()) &&
  requirement('the real-OpenSSH lab', lab ? null : (inject('labMissing') ?? 'lab not up')) &&
  requirement('a Secret Service (dbus-run-session + gnome-keyring-daemon)', secretServiceMissingReason());

const SHOTS = 'test-results';

describe.runIf(runs)('builder, profiles, dialogs and one-click connect in Chromium', { timeout: 90_000 }, () => {
  const status = lab as LabStatus;
  const addr = (name: string) => status.hosts.find((h) => h.name === name)!.address;
  let service: SecretService;
  let web: WebProcess;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    service = await startSecretService();
    const home = mkdtempSync(path.join(tmpdir(), 'hl-e2e-home-'));
    web = await startWebProcess({ env: { PATH: process.env.PATH, HOME: home, DBUS_SESSION_BUS_ADDRESS: service.address } });
    browser = await launchChromium();
    page = await watchedPage(browser, { width: 1440, height: 900 }, problems);
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    await service?.stop();
  });

  const library = () => page.getByRole('complementary', { name: 'Hosts library' });
  const builder = () => page.getByRole('region', { name: 'Circuit' });
  const hopList = () => builder().getByRole('list', { name: 'Circuit hops' });
  const dialog = () => page.getByRole('dialog');

  /** Answers whatever dialog the engine raises until the circuit is open; returns what was asked. */
  async function answerDialogsUntilOpen(shots: { mfa?: string } = {}): Promise<string[]> {
    const asked: string[] = [];
    const state = page.getByTestId('circuit-state');
    for (let i = 0; i < 20; i++) {
      const next = await Promise.race([
        dialog().first().waitFor({ state: 'visible', timeout: 20_000 }).then(() => 'dialog' as const),
        expect.poll(() => state.getAttribute('data-state'), { timeout: 20_000 }).toBe('open').then(() => 'open' as const),
      ]);
      if (next === 'open' && !(await dialog().count())) return asked;
      const d = dialog().first();
      // Successive dialogs differ in their text (hop, round, prompt, fingerprint): that tells them apart.
      const text = (await d.textContent()) ?? '';
      const title = /hop \d of \d · [\w-]+( · round \d)?/.exec(text)?.[0] ?? text.slice(0, 80);
      if (await d.getByRole('button', { name: 'Accept and save' }).count()) {
        asked.push(`host key: ${title}`);
        expect(await d.getByTestId('host-key-fingerprint').textContent()).toMatch(/SHA256:/);
        await d.getByRole('button', { name: 'Accept and save' }).click();
      } else {
        const input = d.locator('input[type="password"], input[type="text"]').first();
        const label = (await input.getAttribute('aria-label')) ?? (await d.locator('label').first().textContent()) ?? '';
        asked.push(`${label.trim()} (${title})`);
        if (/Verification/.test(label)) {
          // Masked: the code is typed into a password field.
          expect(await input.getAttribute('type')).toBe('password');
          await input.fill(totpCode(status.users.ops.totpSecret));
          if (shots.mfa) await page.screenshot({ path: path.join(SHOTS, shots.mfa) });
          expect(await d.getByRole('checkbox', { name: /Remember/ }).count()).toBe(0);
        } else {
          await input.fill(status.users.ops.password);
          await d.getByRole('checkbox', { name: 'Remember in keychain' }).check();
        }
        await d.getByRole('button', { name: 'Answer' }).click();
      }
      await expect.poll(async () => ((await dialog().count()) === 0 ? '' : await dialog().first().textContent()), { timeout: 10_000 }).not.toBe(text);
    }
    throw new Error(`too many dialogs: ${asked.join('; ')}`);
  }

  it('imports and creates the lab hosts, builds the circuit by drag and keyboard, saves it as a profile', async () => {
    await page.goto(web.url);
    await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-state')).toBe('open');

    // Two hosts from a pasted ssh_config (no ProxyJump: the builder makes the chain).
    await library().getByRole('button', { name: 'Import ssh_config' }).click();
    await page.getByLabel('Or paste ssh_config text').fill(
      ['Host bastion-mfa', `  HostName ${addr('bastion-mfa')}`, '  User ops', 'Host bastion-key', `  HostName ${addr('bastion-key')}`, '  User ops', `  IdentityFile ${status.clientKey}`, '  LocalForward 8080 localhost:80', ''].join('\n'),
    );
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const report = page.getByRole('status', { name: 'Import report' });
    await expect.poll(() => report.getByRole('list', { name: 'Imported hosts' }).locator('li').count()).toBe(2);
    expect(await report.getByRole('list', { name: 'Import notes' }).textContent()).toContain('LocalForward');
    await page.getByRole('button', { name: 'Close import' }).click();

    // The third in the form.
    await library().getByRole('button', { name: 'Add host' }).click();
    await page.getByLabel('Name', { exact: true }).fill('target');
    await page.getByLabel('Address', { exact: true }).fill(addr('target'));
    await page.getByLabel('User', { exact: true }).fill('ops');
    await page.getByRole('button', { name: 'Save host' }).click();
    const hosts = library().getByRole('list', { name: 'Hosts' });
    await expect.poll(() => hosts.getByRole('listitem').count()).toBe(3);

    // Drag target first, then bastion-key before it, then add bastion-mfa with the keyboard and move it to the front.
    await hosts.getByRole('listitem', { name: 'target' }).dragTo(page.getByTestId('drop-zone-0'));
    await expect.poll(() => hopList().getByRole('listitem').count()).toBe(1);
    await hosts.getByRole('listitem', { name: 'bastion-key' }).dragTo(page.getByTestId('drop-zone-0'));
    await expect.poll(() => hopList().getByRole('listitem').count()).toBe(2);
    await hosts.getByRole('listitem', { name: 'bastion-mfa' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => hopList().getByRole('listitem').count()).toBe(3);
    const mfaHop = hopList().getByRole('listitem', { name: /bastion-mfa/ });
    await mfaHop.focus();
    await page.keyboard.press('Alt+ArrowUp');
    await page.keyboard.press('Alt+ArrowUp');
    await expect.poll(async () => (await hopList().getByRole('listitem').allTextContents()).map((t) => /bastion-mfa|bastion-key|target/.exec(t)?.[0])).toEqual(['bastion-mfa', 'bastion-key', 'target']);
    expect(await page.getByTestId('builder-announcement').textContent()).toContain('bastion-mfa moved to position 1 of 3');

    await builder().getByRole('button', { name: 'Preview export' }).click();
    await expect.poll(() => page.getByLabel('ssh command').textContent()).toContain(`-J ops@${addr('bastion-mfa')}:22,ops@${addr('bastion-key')}:22 -p 22 ops@${addr('target')}`);
    await page.screenshot({ path: path.join(SHOTS, 'builder.png') });

    await builder().getByRole('button', { name: 'Save as profile' }).click();
    await page.getByLabel('Profile name').fill('lab via two bastions');
    await page.getByRole('button', { name: 'Save profile' }).click();
    const profile = page.getByRole('complementary', { name: 'Saved circuits' }).getByRole('listitem', { name: /lab via two bastions/ });
    await expect.poll(() => profile.count()).toBe(1);
  });

  it('connects in one click: host keys and MFA answered in dialogs, every hop ready, the target answers', async () => {
    const profile = page.getByRole('complementary', { name: 'Saved circuits' }).getByRole('listitem', { name: /lab via two bastions/ });
    await profile.getByRole('button', { name: 'Connect', exact: true }).click();
    const asked = await answerDialogsUntilOpen({ mfa: 'mfa-dialog.png' });
    expect(asked.filter((a) => a.startsWith('host key'))).toHaveLength(3);
    expect(asked.some((a) => /Verification code/.test(a))).toBe(true);
    for (const i of [0, 1, 2]) await expect.poll(() => page.getByTestId(`hop-state-${i}`).getAttribute('data-state')).toBe('ready');
    await expect.poll(() => page.getByRole('region', { name: 'Connection' }).textContent()).toContain('hl-target');
    await page.getByRole('region', { name: 'Connection' }).screenshot({ path: path.join(SHOTS, 'connected.png') });
    expect(readFileSync(path.join(web.dataDir, 'known_hosts'), 'utf8').trim().split('\n')).toHaveLength(3);
  });

  it('after a reload, one click connects again: host keys trusted, the remembered password used, only the code asked', async () => {
    await page.getByRole('button', { name: 'Disconnect' }).click();
    await page.reload();
    await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-state')).toBe('open');
    const profile = page.getByRole('complementary', { name: 'Saved circuits' }).getByRole('listitem', { name: /lab via two bastions/ });
    await profile.getByRole('button', { name: 'Connect', exact: true }).click();
    const asked = await answerDialogsUntilOpen();
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatch(/Verification code/);
    await expect.poll(() => page.getByRole('region', { name: 'Connection' }).textContent()).toContain('hl-target');
    for (const shot of ['builder.png', 'mfa-dialog.png', 'connected.png']) expect(statSync(path.join(SHOTS, shot)).size).toBeGreaterThan(5000);
    expect(problems).toEqual([]);
  });
});
