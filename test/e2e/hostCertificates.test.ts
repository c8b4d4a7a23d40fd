/**
 * Host certificates in Debian's Chromium through web mode against the lab. Hopline's known_hosts
 * holds only an `@cert-authority` line for the lab's host CA. The target's certificate names
 * another host, so its plain key is asked about: the dialog says the certificate was presented
 * and why it was not accepted, with the facts `ssh-keygen -L` prints, and Reject has the focus.
 * Accepting once connects; the hop cards say the bastions were certified by the CA, until when.
 * axe-core over the dialog and the details; pictures in test-results/workspace-hostcert-*.png.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { serviceDescriptors, type Services } from '../../app/shared/contract/channels';
import { createClient } from '../../app/shared/rpc/client';
import { expectAccessible, screenshots, SHOT_SIZES } from '../helpers/browser';
import { e2eRuns, startE2eSession, type E2eSession } from '../helpers/e2eSession';
import { expectInViewport } from '../helpers/inViewport';
import { saveLabProfile } from '../helpers/labCircuitUi';
import type { WebProcess } from '../helpers/webProcess';
import { connectWs, type TestWsClient } from '../helpers/wsClient';
import { labSetHostCertificate, type LabStatus } from '../lab/lab';

const lab = inject('lab');
const runs = e2eRuns({ lab: true, secretService: true });

const PROFILE = 'certified lab';

describe.runIf(runs)('host certificates in Chromium', { timeout: 120_000 }, () => {
  const status = lab as LabStatus;
  const addr = (name: string) => status.hosts.find((h) => h.name === name)!.address;
  let session: E2eSession;
  let dataDir: string;
  let web: WebProcess;
  let client: TestWsClient;
  let page: Page;
  let certFile: string;

  beforeAll(async () => {
    session = await startE2eSession({ name: 'hc', viewport: SHOT_SIZES[0], secretService: true, clientKey: status.clientKey, webgl: false });
    ({ dataDir, web, page } = session);
    const ca = readFileSync(`${status.hostCa!}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
    writeFileSync(path.join(dataDir, 'known_hosts'), `@cert-authority * ${ca}\n`);

    client = await connectWs(web.port, web.token);
    await saveLabProfile({ hosts: createClient<Services['hosts']>(serviceDescriptors.hosts, client.rpc), profiles: createClient<Services['profiles']>(serviceDescriptors.profiles, client.rpc) }, status, PROFILE);

    certFile = await labSetHostCertificate('target', { principals: 'db.other.example', id: 'target-misissued' });
  });
  afterAll(async () => {
    await labSetHostCertificate('target', {});
    await client?.close();
    await session?.stop();
  });

  const profileRow = () => page.getByRole('navigation', { name: 'Library' }).getByRole('treeitem', { name: new RegExp(`^${PROFILE}\\b`) });

  it('asks about a host whose certificate names another host, saying why; the certified hops say which CA vouched for them', async () => {
    await page.goto(web.url);
    await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-state')).toBe('open');
    await expect.poll(() => profileRow().count(), { timeout: 15_000 }).toBe(1);
    await profileRow().focus();
    await page.keyboard.press('Enter');

    const dialog = page.getByRole('dialog', { name: /Unknown host key/ });
    await dialog.waitFor({ timeout: 30_000 });
    expect(await dialog.getByText('hop 3 of 3 · target', { exact: true }).isVisible()).toBe(true);
    const note = dialog.getByTestId('host-key-certificate');
    await expectInViewport(note);
    const text = (await note.textContent()) ?? '';
    expect(text).toContain(`Presented, but not accepted: host certificate "target-misissued" is not valid for host ${addr('target')} (principals: db.other.example)`);
    // The same facts as ssh-keygen -L about the same file.
    const listed = execFileSync('ssh-keygen', ['-L', '-f', certFile], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
    const signing = /Signing CA: \S+ (SHA256:\S+)/.exec(listed)![1]!;
    const valid = /Valid: from (\S+) to (\S+)/.exec(listed)!;
    expect(text).toContain(`Key ID "target-misissued", signed by CA ${signing}, valid from ${valid[1]}Z to ${valid[2]}Z, for db.other.example`);
    // The safe answer has the focus.
    await expect.poll(() => dialog.getByRole('button', { name: 'Reject' }).evaluate((e) => e === document.activeElement)).toBe(true);
    await expectAccessible(page, 'unknown host key dialog with a refused certificate');
    await screenshots(page, 'hostcert-refused', SHOT_SIZES[0]);

    // By keyboard: Shift+Tab from Reject reaches "Accept and save"… then "Accept once".
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    expect(await dialog.getByRole('button', { name: 'Accept once' }).evaluate((e) => e === document.activeElement)).toBe(true);
    await page.keyboard.press('Enter');

    const pane = page.locator('[data-testid="terminal-pane"].pane-running').filter({ visible: true });
    await expect.poll(() => pane.count(), { timeout: 30_000 }).toBe(1);
    const header = pane.getByRole('button', { name: /bastion-mfa.*bastion-key.*target/ });
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    const details = pane.getByRole('complementary', { name: 'Circuit details' });
    await details.waitFor();
    const ca = readFileSync(`${status.hostCa!}.pub`, 'utf8');
    const caFingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', '-'], { input: ca, encoding: 'utf8' }).split(' ')[1]!;
    for (const i of [0, 1]) {
      const certified = details.getByTestId(`hop-certified-${i}`);
      await expect.poll(() => certified.count(), { timeout: 15_000 }).toBe(1);
      expect(await certified.textContent()).toMatch(new RegExp(`^certified by CA ${caFingerprint.replace(/[+/]/g, '\\$&')}, valid until \\d{4}-\\d\\d-\\d\\dT`));
      await expectInViewport(certified);
    }
    // The target's key was accepted once, not certified.
    expect(await details.getByTestId('hop-certified-2').count()).toBe(0);
    await expectAccessible(page, 'circuit details with certified hops');
    await screenshots(page, 'hostcert-details', SHOT_SIZES[0]);
  });
});
