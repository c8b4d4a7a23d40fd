/**
 * A UI step several Chromium e2e tests start from: the lab's three hosts imported from pasted
 * ssh_config text (user `bench`, the lab's client key, so no dialogs when the host keys are
 * known), put in a new circuit by keyboard in the builder panel, hop 1 to the target, and
 * Connect pressed. What the connect then shows is each test's to assert. Beside it, the other
 * steps those tests share: a palette command by keyboard, and a saved profile opened from the library.
 */
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import type { Services } from '../../app/shared/contract/channels';
import { TERMINAL_DEFAULTS, type ProfileInput } from '../../app/shared/model/profile';
import { benchHost, CIRCUIT_HOSTS } from '../bench/terminalClient';
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

/**
 * Runs a command palette entry as a user would: Ctrl+Shift+P, its title typed, Enter. The first
 * option must be that very command (so Enter runs it and not a near match), and the palette is
 * gone afterwards.
 */
export async function runPaletteCommand(page: Page, command: string): Promise<void> {
  await page.keyboard.press('Control+Shift+P');
  const dialog = page.getByRole('dialog', { name: 'Command palette' });
  await dialog.waitFor();
  await page.keyboard.type(command);
  await expect.poll(() => dialog.getByRole('option').first().locator('.palette-title').textContent()).toBe(command);
  await page.keyboard.press('Enter');
  await expect.poll(() => dialog.count()).toBe(0);
}

/**
 * Opens a saved profile from the library by keyboard (its row focused, Enter) and waits until the
 * circuit's first terminal, in the visible pane, is running.
 */
export async function openSavedProfileByKeyboard(page: Page, url: string, profile: string): Promise<void> {
  await page.goto(url);
  await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-state')).toBe('open');
  const row = page.getByRole('navigation', { name: 'Library' }).getByRole('treeitem', { name: new RegExp(`^${profile}\\b`) });
  await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1);
  await row.focus();
  await page.keyboard.press('Enter');
  const pane = page.getByTestId('terminal-pane').filter({ visible: true });
  await expect.poll(() => pane.getByRole('region', { name: /^Terminal on / }).getAttribute('data-status'), { timeout: 30_000 }).toBe('running');
}

/**
 * The saved library a user would have, saved through the services: the lab's three hosts (user
 * `bench`, the lab's client key) and a profile `name` through them, hop 1 to the target. `extra`
 * adds to the profile (its forwards, say).
 */
export async function saveLabProfile(api: Pick<Services, 'hosts' | 'profiles'>, status: LabStatus, name: string, extra: Partial<ProfileInput> = {}): Promise<void> {
  const hostIds: string[] = [];
  for (const hostName of CIRCUIT_HOSTS) hostIds.push((await api.hosts.save(benchHost(status, hostName))).id);
  await api.profiles.save({ name, folder: '', tags: [], hostIds, terminal: TERMINAL_DEFAULTS, ...extra });
}
