/**
 * The builder story end to end, in Debian's Chromium through web mode against the lab, on the
 * workspace: import two lab hosts from pasted ssh_config (the Import dialog) and create the third
 * in the Add host dialog; open the builder panel (title bar "New circuit"), drag hosts from the
 * library's tree rows into the chain's drop zones and add the last one by keyboard (the builder's
 * "Add a saved host as the next hop" select and "Add hop"), reorder with Alt+↑; preview the
 * export; save it as a profile; connect the profile from the library (Enter on its tree row);
 * accept three host keys and answer password and TOTP in dialogs (masked; Remember offered for
 * the password only); see every hop ready in the pane's Circuit details and the target's own
 * hostname; then reload, and one click on the row's Connect connects again with the host keys
 * trusted and the remembered password used: only the code is asked.
 *
 * axe-core runs over the host-key dialog and the MFA prompt (nothing serious or critical), and
 * both are pictured at 1024×700 and 1440×900, light and dark, in test-results/workspace-*.png.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { expectAccessible, screenshots } from '../helpers/browser';
import { e2eRuns, startE2eSession, type E2eSession } from '../helpers/e2eSession';
import type { WebProcess } from '../helpers/webProcess';
import { totpCode, type LabStatus } from '../lab/lab';

const lab = inject('lab');
const runs = e2eRuns({ lab: true, secretService: true });

const SHOTS = 'test-results';
const VIEWPORT = { width: 1440, height: 900 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.runIf(runs)('builder, profiles, dialogs and one-click connect in Chromium', { timeout: 120_000 }, () => {
  const status = lab as LabStatus;
  const addr = (name: string) => status.hosts.find((h) => h.name === name)!.address;
  let session: E2eSession;
  let web: WebProcess;
  let page: Page;

  beforeAll(async () => {
    session = await startE2eSession({ name: 'builder', viewport: VIEWPORT, secretService: true });
    ({ web, page } = session);
  });
  afterAll(() => session?.stop());

  const library = () => page.getByRole('navigation', { name: 'Library' });
  const tree = () => library().getByRole('tree', { name: 'Circuits and hosts' });
  const hostRow = (name: string) => tree().locator('[role="treeitem"][data-key^="host:"]').filter({ has: page.locator('.lib-name', { hasText: new RegExp(`^${name}$`) }) });
  const profileRow = () => tree().getByRole('treeitem', { name: /^lab via two bastions\b/ });
  const builder = () => page.getByRole('region', { name: 'Circuit', exact: true });
  const hopList = () => builder().getByRole('list', { name: 'Circuit hops' });
  const dialog = () => page.getByRole('dialog');
  /** Panes whose shell runs: the circuit is open and its first terminal opened by itself. */
  const runningPanes = () => page.locator('[data-testid="terminal-pane"].pane-running');

  /** Dialogs that did not hold the keyboard focus a moment after they appeared, and where it was. */
  const focusOutside: string[] = [];
  /** The dialog up now has the focus (on `button`, if given) once the page has settled. */
  async function noteFocus(what: string, button: string | null): Promise<void> {
    await sleep(500);
    const where = await page.evaluate(() => {
      const active = document.activeElement;
      const modal = active?.closest('[aria-modal="true"]');
      if (modal) return { inDialog: true, text: active?.textContent ?? '' };
      return { inDialog: false, text: `${active?.tagName.toLowerCase()}.${active?.className}${active?.closest('[data-pane]') ? ' in a terminal pane' : ''}` };
    });
    if (!where.inDialog) focusOutside.push(`${what}: the focus is on ${where.text}`);
    // The safe choice has the focus in a host-key dialog: a reflexive Enter rejects.
    else if (button && where.text !== button) focusOutside.push(`${what}: the focus is on "${where.text}", not ${button}`);
  }

  /** The next thing the connection needs: a dialog answered, or nothing more (a terminal runs). */
  async function nextStep(): Promise<'dialog' | 'open'> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (await dialog().count()) return 'dialog';
      if (await runningPanes().count()) return 'open';
      if (Date.now() > deadline) throw new Error('neither a dialog nor a running terminal within 30 s');
      await sleep(100);
    }
  }

  /** Answers whatever dialog the engine raises until a terminal runs; returns what was asked. */
  async function answerDialogsUntilOpen(shots = false): Promise<string[]> {
    const asked: string[] = [];
    let hostKeyChecked = !shots;
    for (let i = 0; i < 20; i++) {
      if ((await nextStep()) === 'open') return asked;
      const d = dialog().first();
      // Successive dialogs differ in their text (hop, round, prompt, fingerprint): that tells them apart.
      const text = (await d.textContent()) ?? '';
      const title = /hop \d of \d · (bastion-mfa|bastion-key|target)( · round \d)?/.exec(text)?.[0] ?? text.slice(0, 80);
      const hostKey = (await d.getByRole('button', { name: 'Accept and save' }).count()) > 0;
      await noteFocus(hostKey ? `host key: ${title}` : title, hostKey ? 'Reject' : null);
      if (hostKey) {
        asked.push(`host key: ${title}`);
        expect(await d.getByRole('heading', { name: 'Unknown host key' }).count()).toBe(1);
        expect(await d.getByTestId('host-key-fingerprint').textContent()).toMatch(/SHA256:/);
        if (!hostKeyChecked) {
          hostKeyChecked = true;
          await expectAccessible(page, 'host-key dialog');
          await screenshots(page, 'hostkey-dialog', VIEWPORT);
        }
        await d.getByRole('button', { name: 'Accept and save' }).click();
      } else {
        const input = d.locator('input[type="password"], input[type="text"]').first();
        const label = (await input.getAttribute('aria-label')) ?? (await d.locator('label').first().textContent()) ?? '';
        asked.push(`${label.trim()} (${title})`);
        if (/Verification/.test(label)) {
          // Masked: the code is typed into a password field, and never offered to be remembered.
          expect(await input.getAttribute('type')).toBe('password');
          expect(await d.getByRole('checkbox', { name: /Remember/ }).count()).toBe(0);
          if (shots) {
            await input.fill('000000');
            await expectAccessible(page, 'MFA prompt dialog');
            await screenshots(page, 'mfa-dialog', VIEWPORT);
          }
          // A fresh code, typed just before it is sent.
          await input.fill(totpCode(status.users.ops.totpSecret));
        } else {
          expect(await input.getAttribute('type')).toBe('password');
          await input.fill(status.users.ops.password);
          await d.getByRole('checkbox', { name: 'Remember in keychain' }).check();
        }
        await d.getByRole('button', { name: 'Answer' }).click();
      }
      await expect.poll(async () => ((await dialog().count()) === 0 ? '' : await dialog().first().textContent()), { timeout: 10_000 }).not.toBe(text);
    }
    throw new Error(`too many dialogs: ${asked.join('; ')}`);
  }

  /** The running pane's Circuit details, opened from its route header if they are not open. */
  async function openDetails() {
    const pane = runningPanes().filter({ visible: true });
    await expect.poll(() => pane.count()).toBe(1);
    const header = pane.getByRole('button', { name: /bastion-mfa.*bastion-key.*target/ });
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    const details = pane.getByRole('complementary', { name: 'Circuit details' });
    await details.waitFor();
    return details;
  }

  /** Every hop ready in the pane's Circuit details, and the target's own hostname. */
  async function expectConnectedDetails(): Promise<void> {
    const details = await openDetails();
    await expect.poll(() => details.getByTestId('circuit-state').getAttribute('data-state')).toBe('open');
    for (const i of [0, 1, 2]) await expect.poll(() => details.getByTestId(`hop-state-${i}`).getAttribute('data-state')).toBe('ready');
    // The target's own hostname, as it reported it.
    await expect.poll(() => details.getByTestId('circuit-state').textContent()).toMatch(/Connected to hl-target/);
  }

  it('imports and creates the lab hosts, builds the circuit by drag and keyboard, saves it as a profile', async () => {
    await page.goto(web.url);
    await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-state')).toBe('open');

    // Two hosts from a pasted ssh_config (no ProxyJump: the builder makes the chain).
    await library().getByRole('button', { name: 'Import ssh_config' }).first().click();
    const importDialog = page.getByRole('dialog', { name: 'Import ssh_config' });
    await importDialog.getByLabel('Or paste ssh_config text').fill(
      ['Host bastion-mfa', `  HostName ${addr('bastion-mfa')}`, '  User ops', 'Host bastion-key', `  HostName ${addr('bastion-key')}`, '  User ops', `  IdentityFile ${status.clientKey}`, '  ControlMaster auto', ''].join('\n'),
    );
    await importDialog.getByRole('button', { name: 'Import', exact: true }).click();
    const report = importDialog.getByRole('status', { name: 'Import report' });
    await expect.poll(() => report.getByRole('list', { name: 'Imported hosts' }).locator('li').count()).toBe(2);
    expect(await report.getByRole('list', { name: 'Import notes' }).textContent()).toContain('ControlMaster');
    await importDialog.getByRole('button', { name: 'Close import' }).click();
    await expect.poll(() => dialog().count()).toBe(0);

    // The third in the Add host dialog.
    await library().getByRole('button', { name: 'Add host' }).first().click();
    const hostDialog = page.getByRole('dialog', { name: 'Add host' });
    await hostDialog.getByLabel('Name', { exact: true }).fill('target');
    await hostDialog.getByLabel('Address', { exact: true }).fill(addr('target'));
    await hostDialog.getByLabel('User', { exact: true }).fill('ops');
    await hostDialog.getByRole('button', { name: 'Save host' }).click();
    await expect.poll(() => dialog().count()).toBe(0);
    await expect.poll(() => tree().locator('[role="treeitem"][data-key^="host:"]').count()).toBe(3);

    // The builder panel, from the title bar.
    await page.getByRole('banner').getByRole('button', { name: 'New circuit' }).click();
    await expect.poll(() => builder().isVisible()).toBe(true);

    // Drag target first, then bastion-key before it (library rows into the drop zones).
    await hostRow('target').dragTo(page.getByTestId('drop-zone-0'));
    await expect.poll(() => hopList().getByRole('listitem').count()).toBe(1);
    await hostRow('bastion-key').dragTo(page.getByTestId('drop-zone-0'));
    await expect.poll(() => hopList().getByRole('listitem').count()).toBe(2);

    // Then bastion-mfa by keyboard: the "next hop" select and Add hop, then Alt+↑ twice to the front.
    const pick = builder().getByLabel('Add a saved host as the next hop');
    const value = await pick.locator('option', { hasText: /^bastion-mfa / }).getAttribute('value');
    await pick.focus();
    await pick.selectOption(value!);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Add hop');
    await page.keyboard.press('Enter');
    await expect.poll(() => hopList().getByRole('listitem').count()).toBe(3);
    const mfaHop = hopList().getByRole('listitem', { name: /bastion-mfa/ });
    await mfaHop.focus();
    await page.keyboard.press('Alt+ArrowUp');
    await page.keyboard.press('Alt+ArrowUp');
    await expect
      .poll(async () => (await hopList().getByRole('listitem').allTextContents()).map((t) => /bastion-mfa|bastion-key|target/.exec(t)?.[0]))
      .toEqual(['bastion-mfa', 'bastion-key', 'target']);
    expect(await page.getByTestId('builder-announcement').textContent()).toContain('bastion-mfa moved to position 1 of 3');

    await builder().getByRole('button', { name: 'Preview export' }).click();
    await expect.poll(() => builder().getByLabel('ssh command').textContent()).toContain(`-J ops@${addr('bastion-mfa')}:22,ops@${addr('bastion-key')}:22 -p 22 ops@${addr('target')}`);
    await page.screenshot({ path: path.join(SHOTS, 'builder.png') });

    await builder().getByRole('button', { name: 'Save as profile' }).click();
    await builder().getByLabel('Profile name').fill('lab via two bastions');
    await builder().getByRole('button', { name: 'Save profile' }).click();
    await expect.poll(() => profileRow().count()).toBe(1);
  });

  it('connects from the library: host keys and MFA answered in dialogs, every hop ready, the target answers', async () => {
    // Enter on the saved circuit's tree row connects it.
    await profileRow().press('Enter');
    // Its tab appears at once, the pane showing the hop cards over the terminal area.
    await expect.poll(() => page.getByRole('region', { name: 'Connecting to target' }).count(), { timeout: 10_000 }).toBe(1);
    const asked = await answerDialogsUntilOpen(true);
    expect(asked.filter((a) => a.startsWith('host key'))).toHaveLength(3);
    expect(asked.some((a) => /Verification code/.test(a))).toBe(true);
    expect(asked.some((a) => /Password/i.test(a))).toBe(true);
    await expect.poll(() => page.locator('[data-testid^="workspace-tab-"]').filter({ hasText: /^lab via two bastions/ }).count()).toBe(1);
    await expectConnectedDetails();
    await runningPanes().first().screenshot({ path: path.join(SHOTS, 'connected.png') });
    expect(readFileSync(path.join(web.dataDir, 'known_hosts'), 'utf8').trim().split('\n')).toHaveLength(3);
  });

  it('after a reload, one click connects again: host keys trusted, the remembered password used, only the code asked', async () => {
    const details = await openDetails();
    await details.getByRole('button', { name: 'Disconnect' }).click();
    // A live terminal would end: the app asks first (badMoments.test.ts tests the question itself).
    const question = page.getByRole('alertdialog', { name: /^Disconnect 1 terminal on / });
    await expect.poll(() => question.isVisible()).toBe(true);
    await question.getByRole('button', { name: 'Disconnect' }).click();
    await expect.poll(() => runningPanes().count(), { timeout: 15_000 }).toBe(0);
    await page.reload();
    await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-state')).toBe('open');
    await expect.poll(() => profileRow().count()).toBe(1);
    // One click: the row's Connect button (shown on hover).
    await profileRow().hover();
    await profileRow().getByRole('button', { name: 'Connect lab via two bastions' }).click();
    const asked = await answerDialogsUntilOpen();
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatch(/Verification code/);
    await expectConnectedDetails();
    for (const shot of ['builder.png', 'connected.png', 'workspace-hostkey-dialog-1440x900-dark.png', 'workspace-mfa-dialog-1024x700-light.png']) {
      expect(statSync(path.join(SHOTS, shot)).size).toBeGreaterThan(5000);
    }
    expect(session.problems).toEqual([]);
  });

  // Known app bug (found while porting this test): the first dialog of a connection (hop 1's
  // host key) loses the focus to the new tab's terminal, which takes it once its view has
  // loaded (TerminalView's focus retries), behind the modal. Enter then does not reach Reject,
  // and keys typed for the dialog go to the terminal. Later dialogs keep it.
  it('every dialog held the keyboard focus while it was up (the host-key dialog on Reject)', () => {
    expect(focusOutside).toEqual([]);
  });
});
