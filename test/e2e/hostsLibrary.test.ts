/**
 * Issue 14, items 8 and 9 in a real Chromium against web mode: the ssh_config import report as a
 * person reads it (counts, one line per source line with its hosts), and deleting a host that
 * circuits use (the question lists them and offers a replacement before anything is done).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, screenshots, SHOT_SIZES } from '../helpers/browser';
import { e2eRuns, startE2eSession, type E2eSession } from '../helpers/e2eSession';
import type { WebProcess } from '../helpers/webProcess';

const runs = e2eRuns({ secretService: true });

/** Nine hosts under one `Host *`, a pattern block that reaches none, a key that is not there. */
const CONFIG = `Host bastion
    HostName bastion.example.net
    User ops
    IdentityFile ~/.ssh/id_present
    UserKnownHostsFile ~/.ssh/known_hosts_corp
    StrictHostKeyChecking accept-new

Host bastion2
    HostName bastion2.example.net
    User ops

Host web1 web2 web3 web4 web5 db1 db2
    ProxyJump bastion
    IdentityFile ~/.ssh/id_missing

Host k8s-*.corp.example
    User kube
    ProxyJump bastion
    ForwardAgent yes

Host *
    ServerAliveInterval 30
    ControlMaster auto
    AddKeysToAgent yes
`;

describe.runIf(runs)('the hosts library in Chromium: import report and deleting a host in use', { timeout: 120_000 }, () => {
  let session: E2eSession;
  let web: WebProcess;
  let page: Page;

  beforeAll(async () => {
    session = await startE2eSession({
      name: 'hosts',
      viewport: SHOT_SIZES[1],
      secretService: true,
      prepare: ({ home }) => {
        mkdirSync(path.join(home, '.ssh'), { mode: 0o700 });
        writeFileSync(path.join(home, '.ssh', 'config'), CONFIG);
        writeFileSync(path.join(home, '.ssh', 'id_present'), 'only its existence matters here\n', { mode: 0o600 });
      },
    });
    ({ web, page } = session);
  });
  afterAll(() => session?.stop());

  const library = () => page.getByRole('navigation', { name: 'Library' });
  const tree = () => library().getByRole('tree');

  it('imports ~/.ssh/config with a grouped report, and a re-import adds nothing', async () => {
    await page.goto(web.url);
    await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-state')).toBe('open');
    await library().getByRole('button', { name: 'Import ssh_config' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Import', exact: true }).click();
    const report = dialog.getByRole('status', { name: 'Import report' });
    await expect.poll(() => report.getByText(/^Hosts:/).textContent()).toBe('Hosts: 9 new, 0 unchanged, 0 updated.');
    expect(await report.getByText(/^Profiles/).textContent()).toBe('Profiles for jump chains: 7 new, 0 unchanged, 0 updated.');
    // Paths under the home directory read as the user writes them.
    expect(await report.getByText('~/.ssh/config:14', { exact: true }).count()).toBe(1);
    const notes = report.getByRole('list', { name: 'Import notes' }).getByRole('listitem');
    // Nine hosts under `Host *`: one line per source line, not one per host (seven in all).
    expect(await notes.count()).toBe(7);
    const controlMaster = notes.filter({ hasText: 'ControlMaster' });
    expect(await controlMaster.textContent()).toMatch(/config:23 Hopline does not act on ControlMaster — applies to 9 hosts: bastion, bastion2, web1…All 9 hosts/);
    expect(await notes.filter({ hasText: 'k8s-*.corp.example' }).textContent()).toContain('no concrete host in the file matches it: its User, ProxyJump, ForwardAgent were not imported');
    expect(await notes.filter({ hasText: 'id_missing' }).textContent()).toMatch(/^warning .*does not exist.*applies to 7 hosts: web1, web2, web3…/);
    expect(await notes.filter({ hasText: 'UserKnownHostsFile' }).textContent()).toContain('UserKnownHostsFile honoured');
    expect(await notes.filter({ hasText: 'StrictHostKeyChecking' }).textContent()).toContain('StrictHostKeyChecking accept-new: not honoured');
    // The full list is there on demand.
    await controlMaster.getByText('All 9 hosts').click();
    expect(await controlMaster.locator('details').textContent()).toContain('bastion, bastion2, web1, web2, web3, web4, web5, db1, db2');
    await expectAccessible(page, 'import report');
    await report.scrollIntoViewIfNeeded();
    await screenshots(page, 'import-report', SHOT_SIZES[1]);

    await dialog.getByRole('button', { name: 'Import', exact: true }).click();
    await expect.poll(() => report.getByText(/^Hosts:/).textContent()).toBe('Hosts: 0 new, 9 unchanged, 0 updated.');
    expect(await report.getByText(/^Profiles/).textContent()).toBe('Profiles for jump chains: 0 new, 7 unchanged, 0 updated.');
    // Escape still reaches the dialog after an import (the button kept the focus).
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
    await library().getByRole('button', { name: 'Import ssh_config' }).first().click();
    await dialog.getByRole('button', { name: 'Close import' }).click();
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
    expect(await tree().getByRole('treeitem', { name: /^web1 / }).count()).toBe(2);
  });

  it('deleting a host seven circuits use lists them first, and replaces it in all of them in one step', async () => {
    const bastion = tree().getByRole('treeitem', { name: /^bastion ops@/ });
    await bastion.click();
    await page.keyboard.press('Delete');
    const question = library().getByRole('alertdialog', { name: /Delete host “bastion”\? 7 circuits use it/ });
    await expect.poll(() => question.isVisible()).toBe(true);
    const users = question.getByRole('list', { name: 'Circuits that use bastion' }).getByRole('listitem');
    expect((await users.allTextContents()).sort()).toEqual(['db1', 'db2', 'web1', 'web2', 'web3', 'web4', 'web5']);
    const cancel = question.getByRole('button', { name: 'Cancel' });
    expect(await cancel.evaluate((el) => el === document.activeElement)).toBe(true);
    const box = (await question.boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(page.viewportSize()!.height);
    // Only bastion2 keeps every circuit valid: the others are in them already.
    const picker = question.getByRole('combobox', { name: 'Replace it in all 7 with' });
    expect(await picker.locator('option').allTextContents()).toEqual(['Choose a host…', 'bastion2 (ops@bastion2.example.net)']);
    expect(await question.getByRole('button', { name: 'Replace and delete' }).isDisabled()).toBe(true);
    await expectAccessible(page, 'delete host in use');
    await screenshots(page, 'host-delete-in-use', SHOT_SIZES[1]);

    // By keyboard: back to the picker, choose, and confirm.
    await page.keyboard.press('Shift+Tab');
    await picker.selectOption({ label: 'bastion2 (ops@bastion2.example.net)' });
    await question.getByRole('button', { name: 'Replace and delete' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => library().getByText('Deleted “bastion”. “bastion2” took its place in 7 circuits.').isVisible()).toBe(true);
    expect(await tree().getByRole('treeitem', { name: /^bastion ops@/ }).count()).toBe(0);
    await expect.poll(() => tree().getByRole('treeitem', { name: 'web1 bastion2 → web1' }).count()).toBe(1);
    expect(session.problems).toEqual([]);
  });
});
