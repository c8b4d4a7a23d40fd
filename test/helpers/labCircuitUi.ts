/**
 * A UI step several Chromium e2e tests start from: the lab's three hosts imported from pasted
 * ssh_config text (user `bench`, the lab's client key, so no dialogs when the host keys are
 * known), put in a new circuit by keyboard in the builder panel, hop 1 to the target, and
 * Connect pressed. What the connect then shows is each test's to assert.
 */
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import type { LabStatus } from '../lab/lab';

export async function importLabHostsAndConnectByKeyboard(page: Page, url: string, status: LabStatus): Promise<void> {
  const addr = (name: string) => status.hosts.find((h) => h.name === name)!.address;
  await page.goto(url);
  await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-state')).toBe('open');
  const library = page.getByRole('navigation', { name: 'Library' });
  await library.getByRole('button', { name: 'Import ssh_config' }).first().click();
  const importDialog = page.getByRole('dialog', { name: 'Import ssh_config' });
  const block = (name: string) => [`Host ${name}`, `  HostName ${addr(name)}`, '  User bench', `  IdentityFile ${status.clientKey}`];
  await importDialog.getByLabel('Or paste ssh_config text').fill([...block('bastion-mfa'), ...block('bastion-key'), ...block('target'), ''].join('\n'));
  await importDialog.getByRole('button', { name: 'Import', exact: true }).click();
  await expect.poll(() => importDialog.getByRole('status', { name: 'Import report' }).getByRole('list', { name: 'Imported hosts' }).locator('li').count()).toBe(3);
  await importDialog.getByRole('button', { name: 'Close import' }).click();
  await expect.poll(() => page.getByRole('dialog').count()).toBe(0);

  // The builder panel, and the next-hop select by keyboard: in order, hop 1 to the target.
  await page.getByRole('banner').getByRole('button', { name: 'New circuit' }).click();
  const builder = page.getByRole('region', { name: 'Circuit', exact: true });
  const hops = builder.getByRole('list', { name: 'Circuit hops' });
  const pick = builder.getByLabel('Add a saved host as the next hop');
  for (const [i, name] of ['bastion-mfa', 'bastion-key', 'target'].entries()) {
    await pick.focus();
    await pick.selectOption((await pick.locator('option', { hasText: new RegExp(`^${name} `) }).getAttribute('value'))!);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await expect.poll(() => hops.getByRole('listitem').count()).toBe(i + 1);
  }
  await builder.getByRole('button', { name: 'Connect', exact: true }).click();
}
