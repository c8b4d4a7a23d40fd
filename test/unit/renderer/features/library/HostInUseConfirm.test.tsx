// @vitest-environment happy-dom
/**
 * Deleting a host that circuits use (issue 14, item 9): before anything is done the question
 * lists those circuits and offers another host in its place in all of them, or Cancel.
 */
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LibrarySidebar, type LibrarySidebarProps } from '../../../../../app/renderer/features/library/LibrarySidebar';
import { useCircuitsStore } from '../../../../../app/renderer/stores/useCircuitsStore';
import { useHostsStore } from '../../../../../app/renderer/stores/useHostsStore';
import { useProfilesStore } from '../../../../../app/renderer/stores/useProfilesStore';
import { ErrorCode, HoplineError } from '../../../../../app/shared/model/errors';
import type { HostSummary } from '../../../../../app/shared/model/host';
import { TERMINAL_DEFAULTS, type ProfileSummary } from '../../../../../app/shared/model/profile';
import { fake } from '../../fakeRpc';
import { hostSummary } from '../../hosts';
import { stubElementSizes } from '../../fakeLayout';

vi.mock('../../../../../app/renderer/rpc', async () => (await import('../../fakeRpc')).rpcModule);

const profile = (name: string, hostIds: string[]): ProfileSummary => ({ id: `id-${name}`, name, folder: '', tags: [], hostIds, terminal: TERMINAL_DEFAULTS });
const hosts = [hostSummary('bastion'), hostSummary('bastion-2', { address: '198.51.100.2' }), hostSummary('db'), hostSummary('web'), hostSummary('spare', { port: 2222 })];
const profiles = [profile('prod db', ['bastion', 'db']), profile('prod web', ['bastion', 'web']), profile('lab', ['web']), profile('spare web', ['spare', 'web'])];

stubElementSizes();

/** The sidebar wired to the real hosts store, as App.tsx wires it, over the fake rpc. */
function props() {
  return {
    onConnectProfile: vi.fn<(profile: ProfileSummary) => void>(),
    onConnectHost: vi.fn<(host: HostSummary) => void>(),
    onEditProfile: vi.fn<(profile: ProfileSummary) => void>(),
    onEditHost: vi.fn<(host: HostSummary) => void>(),
    onDeleteProfile: vi.fn(async (_profile: ProfileSummary) => undefined),
    onDeleteHost: vi.fn((host: HostSummary, replaceWith?: string) => useHostsStore.getState().remove(host.id, replaceWith !== undefined ? { replaceWith } : undefined)),
    onAddHost: vi.fn<() => void>(),
    onImport: vi.fn<() => void>(),
    onNewCircuit: vi.fn<() => void>(),
  } satisfies LibrarySidebarProps;
}

beforeEach(() => {
  useProfilesStore.setState({ profiles, loaded: true, error: null });
  useHostsStore.setState({ hosts, loaded: true, error: null });
  useCircuitsStore.setState({ pending: null, currentId: null, circuits: {} });
  fake.rpc.hosts.remove.mockClear();
});
afterEach(cleanup);

const item = (name: string) => within(screen.getByRole('tree')).getByRole('treeitem', { name: new RegExp(`^${name}( |$)`) });

function askToDelete(name: string): HTMLElement {
  // A click makes the row the active one, as arrow keys do.
  fireEvent.click(item(name));
  act(() => item(name).focus());
  fireEvent.keyDown(item(name), { key: 'Delete' });
  return screen.getByRole('alertdialog');
}

describe('deleting a host that circuits use', () => {
  it('lists the circuits before anything is done, and offers only hosts that keep every circuit valid', () => {
    render(<LibrarySidebar {...props()} />);
    const dialog = askToDelete('bastion');
    expect(dialog.getAttribute('aria-labelledby')).toBeTruthy();
    expect(document.getElementById(dialog.getAttribute('aria-labelledby')!)?.textContent).toBe('Delete host “bastion”? 2 circuits use it:');
    const users = within(dialog).getByRole('list', { name: 'Circuits that use bastion' });
    expect(within(users).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['prod db', 'prod web']);
    // db and web are already in those circuits: a circuit never passes through one host twice.
    const picker = within(dialog).getByRole('combobox', { name: 'Replace it in all 2 with' });
    expect(within(picker).getAllByRole('option').map((o) => o.textContent)).toEqual(['Choose a host…', 'bastion-2 (ops@198.51.100.2)', 'spare (ops@spare.example:2222)']);
    expect(within(dialog).queryByRole('button', { name: 'Delete' })).toBeNull();
    expect((within(dialog).getByRole('button', { name: 'Replace and delete' }) as HTMLButtonElement).disabled).toBe(true);
    // The safe choice has the focus.
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(fake.rpc.hosts.remove).not.toHaveBeenCalled();
  });

  it('replaces the host in all of them and deletes it in one call, then says what took its place', async () => {
    const p = props();
    render(<LibrarySidebar {...p} />);
    const dialog = askToDelete('bastion');
    fireEvent.change(within(dialog).getByRole('combobox'), { target: { value: 'bastion-2' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Replace and delete' }));
    await waitFor(() => expect(fake.rpc.hosts.remove).toHaveBeenCalledExactlyOnceWith('bastion', { replaceWith: 'bastion-2' }));
    expect(await screen.findByText('Deleted “bastion”. “bastion-2” took its place in 2 circuits.')).toBeTruthy();
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(useHostsStore.getState().hosts.map((h) => h.id)).not.toContain('bastion');
  });

  it('cancels with the button or Escape, deleting nothing', () => {
    render(<LibrarySidebar {...props()} />);
    fireEvent.click(within(askToDelete('web')).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(document.activeElement).toBe(item('web'));
    fireEvent.keyDown(within(askToDelete('web')).getByRole('combobox'), { key: 'Escape' });
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(document.activeElement).toBe(item('web'));
    expect(fake.rpc.hosts.remove).not.toHaveBeenCalled();
  });

  it('says when no host can take its place, and offers only Cancel', () => {
    // web is in lab, prod web and spare web, with bastion and spare: only bastion-2 and db remain.
    useHostsStore.setState({ hosts: hosts.filter((h) => h.id !== 'bastion-2' && h.id !== 'db') });
    render(<LibrarySidebar {...props()} />);
    const dialog = askToDelete('web');
    expect(within(dialog).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['prod web', 'lab', 'spare web']);
    expect(dialog.textContent).toContain('No other host can take its place');
    expect(within(dialog).queryByRole('combobox')).toBeNull();
    expect(within(dialog).getAllByRole('button').map((b) => b.textContent)).toEqual(['Cancel']);
  });

  it('shows the main side’s refusal in words when the circuits changed meanwhile', async () => {
    fake.rpc.hosts.remove.mockRejectedValueOnce(new HoplineError(ErrorCode.INVALID_ARGUMENT, '"spare" is already in the circuit of "prod db": a circuit cannot pass through the same host twice. Choose another host.'));
    render(<LibrarySidebar {...props()} />);
    const dialog = askToDelete('bastion');
    fireEvent.change(within(dialog).getByRole('combobox'), { target: { value: 'spare' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Replace and delete' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Could not delete “bastion”: "spare" is already in the circuit of "prod db"');
    expect(useHostsStore.getState().hosts.map((h) => h.id)).toContain('bastion');
  });

  it('passes axe with the question open', async () => {
    const axe = (await import('axe-core')).default;
    const { container } = render(<LibrarySidebar {...props()} />);
    askToDelete('bastion');
    const results = await axe.run(container, { rules: { 'color-contrast': { enabled: false } } });
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`)).toEqual([]);
  });
});
