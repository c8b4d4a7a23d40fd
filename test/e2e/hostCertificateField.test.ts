/**
 * The host editor's "Certificate file" (issue 17, item 2), in Debian's Chromium through web mode:
 * a host imported from ssh_config text with `IdentityFile` and `CertificateFile` shows the
 * certificate under its key, labelled, in view, and next in the Tab order after the key; changed
 * by keyboard and saved with Enter, the saved host carries the new path (what the engine and
 * `hopline ssh-config` then use); emptied, the certificate is gone from the host. A new host's
 * field starts empty, marked optional.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceClients } from '../../app/shared/rpc/serviceClients';
import { expectAccessible, screenshots } from '../helpers/browser';
import { e2eRuns, startE2eSession, type E2eSession } from '../helpers/e2eSession';
import { expectInViewport } from '../helpers/inViewport';
import { runPaletteCommand } from '../helpers/labCircuitUi';
import { connectWs, type TestWsClient } from '../helpers/wsClient';

const runs = e2eRuns();
const VIEWPORT = { width: 1024, height: 700 };

const CONFIG = ['Host db', '  HostName db.example.net', '  User ops', '  IdentityFile ~/.ssh/id_db', '  CertificateFile ~/.ssh/id_db-cert.pub', ''].join('\n');

describe.runIf(runs)('the host editor’s certificate file, in Chromium', { timeout: 90_000 }, () => {
  let session: E2eSession;
  let page: Page;
  let client: TestWsClient;

  beforeAll(async () => {
    session = await startE2eSession({ name: 'hostcert', viewport: VIEWPORT });
    page = session.page;
    client = await connectWs(session.web.port, session.web.token);
  });
  afterAll(async () => {
    await client?.close();
    await session?.stop();
  });

  const library = () => page.getByRole('navigation', { name: 'Library' });
  const editor = () => page.getByRole('dialog', { name: /^Edit host/ });
  const keyField = () => editor().getByRole('textbox', { name: 'Key file path for method 1' });
  const certificateField = () => editor().getByRole('textbox', { name: 'Certificate file for method 1' });
  const focused = (locator: ReturnType<Page['locator']>) => locator.evaluate((el) => el === document.activeElement);

  /** Replaces what the focused field holds, presses Enter, and answers the saved host's one key method. */
  async function replaceAndSave(text: string) {
    await page.keyboard.press('ControlOrMeta+A');
    if (text) await page.keyboard.type(text);
    else await page.keyboard.press('Backspace');
    await page.keyboard.press('Enter');
    await expect.poll(() => editor().count()).toBe(0);
    const keys = (await createServiceClients(client.rpc).hosts.list()).find((h) => h.name === 'db')!.auth.filter((m) => m.kind === 'publickey');
    expect(keys).toHaveLength(1);
    return keys[0]!;
  }

  /** F2 on the host's row in the library: the editor, as a keyboard user opens it. */
  async function openEditor(): Promise<void> {
    const row = library().getByRole('treeitem', { name: /^db\b/ });
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1);
    await row.focus();
    await page.keyboard.press('F2');
    await expect.poll(() => editor().isVisible()).toBe(true);
  }

  it('imports a host with a CertificateFile, and its editor shows the certificate under the key, labelled and in view', async () => {
    await page.goto(session.web.url);
    await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-state')).toBe('open');
    await library().getByRole('button', { name: 'Import ssh_config' }).first().click();
    const importDialog = page.getByRole('dialog', { name: 'Import ssh_config' });
    await importDialog.getByLabel('Or paste ssh_config text').fill(CONFIG);
    await importDialog.getByRole('button', { name: 'Import', exact: true }).click();
    await expect.poll(() => importDialog.getByRole('status', { name: 'Import report' }).getByRole('list', { name: 'Imported hosts' }).locator('li').count()).toBe(1);
    await importDialog.getByRole('button', { name: 'Close import' }).click();
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);

    await openEditor();
    expect(await certificateField().inputValue()).toMatch(/\.ssh\/id_db-cert\.pub$/);
    expect(await keyField().inputValue()).toMatch(/\.ssh\/id_db$/);
    // A visible label says what the field is; its full name also says which method it belongs to.
    await certificateField().scrollIntoViewIfNeeded();
    await expectInViewport(certificateField());
    const label = editor().locator('label').filter({ hasText: /^Certificate file/ });
    expect(await label.count()).toBe(1);
    expect(await label.isVisible()).toBe(true);
    await expectInViewport(label);
    await expectAccessible(page, 'host editor with a certificate file');
    await screenshots(page, 'host-editor-certificate', VIEWPORT);
  });

  it('Tab goes from the key to its certificate; a new path typed and Enter saves it on the host', async () => {
    await keyField().focus();
    await page.keyboard.press('Tab');
    await expect.poll(() => focused(certificateField())).toBe(true);
    const method = await replaceAndSave('~/.ssh/ca/db-cert.pub');
    expect(method).toMatchObject({ kind: 'publickey', certificateFile: '~/.ssh/ca/db-cert.pub' });
    expect(method.keyFile).toMatch(/\.ssh\/id_db$/);
  });

  it('emptied and saved, the host has no certificate any more', async () => {
    await openEditor();
    expect(await certificateField().inputValue()).toBe('~/.ssh/ca/db-cert.pub');
    await certificateField().focus();
    expect(await replaceAndSave('')).not.toHaveProperty('certificateFile');
  });

  it('a new host starts with an empty, optional certificate field under its default key; Escape leaves without saving', async () => {
    await runPaletteCommand(page, 'Add host');
    const dialog = page.getByRole('dialog', { name: 'Add host' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    const field = dialog.getByRole('textbox', { name: 'Certificate file for method 1' });
    expect(await field.inputValue()).toBe('');
    expect(await field.getAttribute('placeholder')).toMatch(/^optional/);
    await field.scrollIntoViewIfNeeded();
    await expectInViewport(field);
    await expectAccessible(page, 'new host with an empty certificate file');
    await screenshots(page, 'host-editor-certificate-empty', VIEWPORT);
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
    expect((await createServiceClients(client.rpc).hosts.list()).map((h) => h.name)).toEqual(['db']);
    expect(session.problems).toEqual([]);
  });
});
