/**
 * A rejected verification code, end to end in Debian's Chromium through web mode against the
 * lab's bastion-mfa (real sshd, PAM password + pam_google_authenticator), with the password saved
 * in a real Secret Service: the user types a wrong code, and the next dialog says which hop
 * rejected what, counts the attempt, holds the focus in the code field, and asks only for the
 * code (the saved password answers PAM's restarted "Password:" by itself); the right code
 * connects. The hop's timings then show the time spent on dialogs apart from the handshake and
 * auth times. axe-core runs over the rejection dialog, pictured at 1024×700 and 1440×900, light
 * and dark, in test-results/workspace-auth-rejection-*.png.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CredentialStore } from '../../app/main/services/credentials/credentialStore';
import { expectAccessible, screenshots } from '../helpers/browser';
import { e2eRuns, startE2eSession, type E2eSession } from '../helpers/e2eSession';
import type { WebProcess } from '../helpers/webProcess';
import { totpCode, type LabStatus } from '../lab/lab';

const lab = inject('lab');
const runs = e2eRuns({ lab: true, secretService: true });

const VIEWPORT = { width: 1440, height: 900 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.runIf(runs)('a rejected verification code in Chromium', { timeout: 120_000 }, () => {
  const status = lab as LabStatus;
  const addr = (name: string) => status.hosts.find((h) => h.name === name)!.address;
  let session: E2eSession;
  let web: WebProcess;
  let page: Page;

  beforeAll(async () => {
    session = await startE2eSession({ name: 'reject', viewport: VIEWPORT, secretService: true });
    ({ web, page } = session);
  });
  afterAll(() => session?.stop());

  const library = () => page.getByRole('navigation', { name: 'Library' });
  const hostRow = () => library().locator('[role="treeitem"][data-key^="host:"]').filter({ has: page.locator('.lib-name', { hasText: /^bastion-mfa$/ }) });
  const dialog = () => page.getByRole('dialog');
  const runningPanes = () => page.locator('[data-testid="terminal-pane"].pane-running');
  /** A code no authenticator shows now (far from every code in the server's window). */
  const wrongCode = () => String((Number(totpCode(status.users.ops.totpSecret)) + 500_000) % 1_000_000).padStart(6, '0');

  /** The next dialog, once one is up: its text. */
  async function nextDialog(): Promise<string> {
    await expect.poll(() => dialog().count(), { timeout: 30_000 }).toBe(1);
    return (await dialog().textContent()) ?? '';
  }

  /** Whether the focus is on the dialog's input labelled `label`. */
  const focusedOn = (label: RegExp) =>
    page.evaluate((source) => {
      const active = document.activeElement as HTMLInputElement | null;
      const labelText = active?.id ? document.querySelector(`label[for="${CSS.escape(active.id)}"]`)?.textContent ?? '' : '';
      return Boolean(active?.closest('[aria-modal="true"]')) && new RegExp(source).test(labelText);
    }, label.source);

  it('saves bastion-mfa as a host, with its password in the keychain', async () => {
    await page.goto(web.url);
    await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-state')).toBe('open');
    await library().getByRole('button', { name: 'Add host' }).first().click();
    const hostDialog = page.getByRole('dialog', { name: 'Add host' });
    await hostDialog.getByLabel('Name', { exact: true }).fill('bastion-mfa');
    await hostDialog.getByLabel('Address', { exact: true }).fill(addr('bastion-mfa'));
    await hostDialog.getByLabel('User', { exact: true }).fill('ops');
    await hostDialog.getByRole('button', { name: 'Save host' }).click();
    await expect.poll(() => hostRow().count()).toBe(1);
    // The password as "Remember" would have saved it: in the same Secret Service, under the host's id.
    const hostId = (await hostRow().getAttribute('data-key'))!.replace(/^host:/, '');
    process.env.DBUS_SESSION_BUS_ADDRESS = session.service!.address;
    try {
      const store = new CredentialStore();
      expect((await store.status()).backend).toBe('keychain');
      await store.remember(hostId, { kind: 'password' }, status.users.ops.password);
    } finally {
      delete process.env.DBUS_SESSION_BUS_ADDRESS;
    }
    await expect.poll(async () => (await library().getByRole('treeitem', { name: /bastion-mfa/ }).first().textContent()) ?? '').toMatch(/bastion-mfa/);
  });

  it('a wrong code: the next dialog names the rejection and the hop, counts the attempt, and asks only for the code', async () => {
    await hostRow().press('Enter');
    // The host key is new to this data dir: accepted after a moment's reading (that time is the user's).
    let text = await nextDialog();
    expect(text).toMatch(/Unknown host key/);
    await sleep(1200);
    await dialog().getByRole('button', { name: 'Accept and save' }).click();

    // The saved password answers "Password:"; only the code is asked.
    await expect.poll(async () => ((await dialog().count()) ? ((await dialog().textContent()) ?? '') : ''), { timeout: 30_000 }).toMatch(/Verification code/);
    text = (await dialog().textContent()) ?? '';
    expect(text).not.toMatch(/rejected/);
    expect(await dialog().getByLabel(/Password/).count()).toBe(0);
    await dialog().getByLabel(/Verification code/).fill(wrongCode());
    await dialog().getByRole('button', { name: 'Answer' }).click();

    // The next dialog says what happened, at which hop, and which attempt this is.
    const notice = dialog().getByTestId('prompt-rejection');
    await expect.poll(() => notice.count(), { timeout: 30_000 }).toBe(1);
    expect(await notice.locator('.rejection-message').textContent()).toBe('Hop 1 (bastion-mfa) rejected the verification code. Enter a new code.');
    expect(await notice.locator('.rejection-detail').textContent()).toMatch(/does not say which answer was wrong/);
    expect(await dialog().textContent()).toMatch(/hop 1 of 1 · bastion-mfa · round 2 · attempt 2 of 3/);
    // Only the code: no password field, no "Remember" (codes are never kept).
    expect(await dialog().locator('input[type="password"], input[type="text"]').count()).toBe(1);
    expect(await dialog().getByLabel(/Password/).count()).toBe(0);
    expect(await dialog().getByRole('checkbox').count()).toBe(0);
    // Seen and usable: in the viewport, the notice announced with the dialog, the focus in the code field.
    await expect.poll(() => notice.isVisible()).toBe(true);
    const box = (await notice.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(VIEWPORT.height);
    expect((await dialog().getAttribute('aria-describedby'))!.split(' ')).toContain(await notice.getAttribute('id'));
    await expect.poll(() => focusedOn(/Verification code/)).toBe(true);

    await expectAccessible(page, 'rejection dialog');
    await screenshots(page, 'auth-rejection', VIEWPORT);
    await expect.poll(() => focusedOn(/Verification code/)).toBe(true);

    // Typed where the focus is: the right code, then Enter.
    await page.keyboard.type(totpCode(status.users.ops.totpSecret));
    await page.keyboard.press('Enter');
    await expect.poll(() => runningPanes().count(), { timeout: 30_000 }).toBe(1);
    expect(await dialog().count()).toBe(0);
  });

  it("the hop's timings keep the time spent on dialogs apart from the handshake and auth", async () => {
    const pane = runningPanes().filter({ visible: true });
    const header = pane.getByRole('button', { name: /bastion-mfa/ }).first();
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    const details = pane.getByRole('complementary', { name: 'Circuit details' });
    await details.waitFor();
    const timings = details.getByTestId('hop-timings-0');
    await expect.poll(() => timings.textContent()).toMatch(/waiting for you/);
    const text = (await timings.textContent())!;
    const ms = (what: string) => {
      const m = new RegExp(`${what} ([\\d.]+) (ms|s)`).exec(text)!;
      return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
    };
    // At least the 1.2 s spent reading the host key, and the typing: none of it in the handshake or auth.
    expect(ms('waiting for you')).toBeGreaterThanOrEqual(1200);
    expect(ms('handshake')).toBeLessThan(1200);
    expect(await details.getByTestId('hop-wait-0').isVisible()).toBe(true);
    await details.screenshot({ path: path.join('test-results', 'auth-rejection-timings.png') });
  });

  it('giving up: Cancel on the retried question ends in one plain sentence naming the hop', async () => {
    // Disconnect (confirming, if the app asks), so the next connect signs in afresh.
    const pane = runningPanes().filter({ visible: true });
    await pane.getByRole('complementary', { name: 'Circuit details' }).getByRole('button', { name: 'Disconnect' }).click();
    await expect
      .poll(async () => {
        const confirm = page.getByRole('alertdialog').or(dialog()).getByRole('button', { name: /^(Disconnect|End)/ });
        if (await confirm.count()) await confirm.first().click();
        return runningPanes().count();
      }, { timeout: 15_000 })
      .toBe(0);
    await hostRow().press('Enter');
    await expect.poll(async () => ((await dialog().count()) ? ((await dialog().textContent()) ?? '') : ''), { timeout: 30_000 }).toMatch(/Verification code/);
    await dialog().getByLabel(/Verification code/).fill(wrongCode());
    await dialog().getByRole('button', { name: 'Answer' }).click();
    await expect.poll(() => dialog().getByTestId('prompt-rejection').count(), { timeout: 30_000 }).toBe(1);
    await dialog().getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => dialog().count()).toBe(0);
    const ending = page.getByText('You cancelled sign-in to hop 1 (bastion-mfa).', { exact: false }).filter({ visible: true });
    await expect.poll(() => ending.count(), { timeout: 15_000 }).toBeGreaterThan(0);
    // The failed hop still says how long the user spent on its dialogs.
    await expect.poll(() => page.getByTestId('hop-wait-0').filter({ visible: true }).count()).toBeGreaterThan(0);
    await page.screenshot({ path: path.join('test-results', 'auth-rejection-cancelled.png') });
    expect(session.problems).toEqual([]);
  });
});
