// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HOST_DRAG_TYPE } from '../../../../../app/renderer/components/dragTypes';
import { COLLAPSED_STORAGE_KEY, LibrarySidebar, type LibrarySidebarProps } from '../../../../../app/renderer/features/library/LibrarySidebar';
import { useAppStore } from '../../../../../app/renderer/stores/useAppStore';
import { useCircuitsStore } from '../../../../../app/renderer/stores/useCircuitsStore';
import { useHostsStore } from '../../../../../app/renderer/stores/useHostsStore';
import { useProfilesStore } from '../../../../../app/renderer/stores/useProfilesStore';
import { ErrorCode, HoplineError } from '../../../../../app/shared/model/errors';
import type { HostSummary } from '../../../../../app/shared/model/host';
import type { CircuitSummary } from '../../../../../app/shared/model/hop';
import { TERMINAL_DEFAULTS, type ProfileSummary } from '../../../../../app/shared/model/profile';
import { dragData } from '../../dragData';
import { hostSummary } from '../../hosts';
import { stubElementSizes } from '../../fakeLayout';

vi.mock('../../../../../app/renderer/rpc', async () => (await import('../../fakeRpc')).rpcModule);

const profile = (name: string, hostIds: string[], over: Partial<ProfileSummary> = {}): ProfileSummary => ({ id: `id-${name}`, name, folder: '', tags: [], hostIds, terminal: TERMINAL_DEFAULTS, ...over });
const hosts = [hostSummary('bastion', { address: '203.0.113.7' }), hostSummary('db', { address: '10.0.0.5', folder: 'prod' }), hostSummary('web', { tags: ['nginx'] })];
const profiles = [profile('prod db', ['bastion', 'db'], { folder: 'prod', color: 'red' }), profile('prod web', ['bastion', 'web'], { folder: 'prod' }), profile('lab', ['web'])];

stubElementSizes();

function props() {
  return {
    onConnectProfile: vi.fn<(profile: ProfileSummary) => void>(),
    onConnectHost: vi.fn<(host: HostSummary) => void>(),
    onEditProfile: vi.fn<(profile: ProfileSummary) => void>(),
    onEditHost: vi.fn<(host: HostSummary) => void>(),
    onDeleteProfile: vi.fn(async (_profile: ProfileSummary) => undefined),
    onDeleteHost: vi.fn(async (_host: HostSummary) => undefined),
    onAddHost: vi.fn<() => void>(),
    onImport: vi.fn<() => void>(),
    onNewCircuit: vi.fn<() => void>(),
  } satisfies LibrarySidebarProps;
}

beforeEach(() => {
  localStorage.removeItem(COLLAPSED_STORAGE_KEY);
  useProfilesStore.setState({ profiles, loaded: true, error: null });
  useHostsStore.setState({ hosts, loaded: true, error: null });
  useCircuitsStore.setState({ pending: null, currentId: null, circuits: {} });
});
afterEach(cleanup);

const tree = () => screen.getByRole('tree');
// A row's accessible name is its visible text: its name first, then its route or count and tags.
const item = (name: string) => within(tree()).getByRole('treeitem', { name: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}( |$)`) });
const itemNames = () => within(tree()).getAllByRole('treeitem').map((el) => el.dataset.label);
const focused = () => (document.activeElement as HTMLElement | null)?.dataset.label;

describe('LibrarySidebar', () => {
  it('shows circuits and hosts in one tree, with folders, levels and one tab stop', () => {
    render(<LibrarySidebar {...props()} />);
    expect(screen.getByRole('navigation', { name: 'Library' })).toBeTruthy();
    expect(itemNames()).toEqual(['Circuits', 'prod', 'prod db', 'prod web', 'lab', 'Hosts', 'prod', 'db', 'bastion', 'web']);
    expect(item('prod db').getAttribute('aria-level')).toBe('3');
    expect(item('Circuits').getAttribute('aria-expanded')).toBe('true');
    expect(within(tree()).getAllByRole('treeitem').filter((el) => el.tabIndex === 0)).toHaveLength(1);
    // The route, and the row actions out of the tab order.
    expect(within(tree()).getByRole('treeitem', { name: 'prod db bastion → db' })).toBeTruthy();
    expect(within(tree()).getByRole('treeitem', { name: 'Hosts 3' })).toBeTruthy();
    expect(within(item('prod db')).getByRole('button', { name: 'Connect prod db' }).tabIndex).toBe(-1);
    expect(item('web').textContent).toContain('nginx');
  });

  it('shows live status: a profile with an open circuit is connected', () => {
    const circuits: Record<string, CircuitSummary> = {
      c1: { id: 'c1', hostIds: ['bastion', 'db'], profileId: 'id-prod db', hopNames: [], state: 'open', error: null },
      c2: { id: 'c2', hostIds: ['web'], profileId: null, hopNames: [], state: 'failed', error: null },
    };
    useCircuitsStore.setState({ circuits });
    render(<LibrarySidebar {...props()} />);
    const description = (name: string) => document.getElementById(item(name).getAttribute('aria-describedby')!)?.textContent;
    expect(description('prod db')).toContain('connected');
    expect(description('web')).toContain('failed');
    expect(description('prod web')).toContain('not connected');
  });

  it('says a live status is only the last word while the backend is unreachable', () => {
    const circuits: Record<string, CircuitSummary> = { c1: { id: 'c1', hostIds: ['bastion', 'db'], profileId: 'id-prod db', hopNames: [], state: 'open', error: null } };
    useCircuitsStore.setState({ circuits });
    render(<LibrarySidebar {...props()} />);
    const description = (name: string) => document.getElementById(item(name).getAttribute('aria-describedby')!)?.textContent;
    act(() => useAppStore.setState({ backendDown: true }));
    expect(description('prod db')).toContain('connected when last heard from (backend unreachable)');
    expect(screen.getByRole('navigation', { name: 'Library' }).className).toContain('lib-backend-down');
    act(() => useAppStore.setState({ backendDown: false }));
    expect(description('prod db')).not.toContain('backend unreachable');
  });

  it('moves with Down and connects the focused profile with Enter', async () => {
    const p = props();
    render(<LibrarySidebar {...p} />);
    const first = item('Circuits');
    act(() => first.focus());
    fireEvent.keyDown(first, { key: 'ArrowDown' });
    await waitFor(() => expect(focused()).toBe('prod'));
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowDown' });
    await waitFor(() => expect(focused()).toBe('prod db'));
    expect(item('prod db').tabIndex).toBe(0);
    fireEvent.keyDown(document.activeElement!, { key: 'Enter' });
    expect(p.onConnectProfile).toHaveBeenCalledExactlyOnceWith(profiles[0]);
    fireEvent.keyDown(document.activeElement!, { key: 'F2' });
    expect(p.onEditProfile).toHaveBeenCalledExactlyOnceWith(profiles[0]);
    fireEvent.keyDown(document.activeElement!, { key: 'End' });
    await waitFor(() => expect(focused()).toBe('web'));
    fireEvent.keyDown(document.activeElement!, { key: 'Enter' });
    expect(p.onConnectHost).toHaveBeenCalledExactlyOnceWith(hosts[2]);
  });

  it('collapses and expands folders with Left/Right and remembers it', async () => {
    render(<LibrarySidebar {...props()} />);
    act(() => item('Circuits').focus());
    fireEvent.keyDown(item('Circuits'), { key: 'ArrowDown' });
    await waitFor(() => expect(focused()).toBe('prod'));
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowLeft' });
    expect(itemNames()).toEqual(['Circuits', 'prod', 'lab', 'Hosts', 'prod', 'db', 'bastion', 'web']);
    expect(JSON.parse(localStorage.getItem(COLLAPSED_STORAGE_KEY)!)).toEqual(['folder:circuits:prod']);
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowLeft' });
    await waitFor(() => expect(focused()).toBe('Circuits'));
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowDown' });
    await waitFor(() => expect(focused()).toBe('prod'));
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowRight' });
    expect(itemNames()).toContain('prod db');
  });

  it('finds a profile by the address of one of its hops, and Enter in the search box connects it', () => {
    const p = props();
    render(<LibrarySidebar {...p} />);
    const search = screen.getByRole('searchbox', { name: 'Search library' });
    fireEvent.change(search, { target: { value: '10.0.0.5' } });
    expect(itemNames()).toEqual(['Circuits', 'prod', 'prod db', 'Hosts', 'prod', 'db']);
    fireEvent.keyDown(search, { key: 'Enter' });
    expect(p.onConnectProfile).toHaveBeenCalledExactlyOnceWith(profiles[0]);
    fireEvent.change(search, { target: { value: 'no such thing' } });
    expect(screen.queryByRole('tree')).toBeNull();
    expect(screen.getByText('No circuit or host matches “no such thing”.')).toBeTruthy();
  });

  it('keeps fewer than 200 rows in the DOM with 2,000 profiles, and still finds one by address', () => {
    const many = Array.from({ length: 2000 }, (_, i) => profile(`p${String(i).padStart(4, '0')}`, i === 1999 ? ['bastion', 'db'] : ['web'], { folder: `f${i % 10}` }));
    useProfilesStore.setState({ profiles: many });
    const p = props();
    render(<LibrarySidebar {...p} />);
    const rendered = within(tree()).getAllByRole('treeitem').length;
    expect(rendered).toBeGreaterThan(10);
    expect(rendered).toBeLessThan(200);
    const search = screen.getByRole('searchbox', { name: 'Search library' });
    fireEvent.change(search, { target: { value: '10.0.0.5' } });
    expect(itemNames()).toEqual(['Circuits', 'f9', 'p1999', 'Hosts', 'prod', 'db']);
    fireEvent.keyDown(search, { key: 'Enter' });
    expect(p.onConnectProfile).toHaveBeenCalledExactlyOnceWith(many[1999]);
  });

  it('drags a host with the builder’s payload, and double-click connects', () => {
    const p = props();
    render(<LibrarySidebar {...p} />);
    const data = dragData();
    fireEvent.dragStart(item('db'), { dataTransfer: data });
    expect(data.getData(HOST_DRAG_TYPE)).toBe('db');
    fireEvent.doubleClick(item('lab'));
    expect(p.onConnectProfile).toHaveBeenCalledExactlyOnceWith(profiles[2]);
  });

  it('asks before deleting, and says in words why the main side refused', async () => {
    const p = props();
    p.onDeleteHost.mockRejectedValueOnce(new HoplineError(ErrorCode.HOST_IN_USE, '"bastion" is used by 2 profiles: remove it from them first.'));
    // No circuit uses bastion as far as this window knows (another window just added them): the plain question.
    useProfilesStore.setState({ profiles: [] });
    render(<LibrarySidebar {...p} />);
    act(() => item('bastion').focus());
    fireEvent.keyDown(item('bastion'), { key: 'Delete' });
    const dialog = screen.getByRole('alertdialog');
    expect(dialog.textContent).toContain('Delete host “bastion”?');
    expect(p.onDeleteHost).not.toHaveBeenCalled();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));
    expect(await screen.findByRole('alert')).toHaveProperty('textContent', expect.stringContaining('Could not delete “bastion”: "bastion" is used by 2 profiles'));
    expect(screen.getByRole('alert').textContent).not.toContain('HOST_IN_USE');
    expect(p.onDeleteHost).toHaveBeenCalledExactlyOnceWith(hosts[0]);
  });

  it('offers Connect, Edit and Delete in the More menu', async () => {
    const p = props();
    render(<LibrarySidebar {...p} />);
    fireEvent.click(within(item('lab')).getByRole('button', { name: 'More actions for lab' }));
    const menu = screen.getByRole('menu', { name: 'Actions for lab' });
    fireEvent.click(within(menu).getByRole('menuitem', { name: 'Delete…' }));
    fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(p.onDeleteProfile).toHaveBeenCalledExactlyOnceWith(profiles[2]));
    expect(await screen.findByText('Deleted “lab”.')).toBeTruthy();
  });

  it('calls the header buttons', () => {
    const p = props();
    render(<LibrarySidebar {...p} />);
    fireEvent.click(screen.getByRole('button', { name: 'Add host' }));
    fireEvent.click(screen.getByRole('button', { name: 'Import ssh_config' }));
    fireEvent.click(screen.getByRole('button', { name: 'New circuit' }));
    expect([p.onAddHost, p.onImport, p.onNewCircuit].map((f) => f.mock.calls.length)).toEqual([1, 1, 1]);
  });

  it('says what to do when the library is empty', () => {
    useProfilesStore.setState({ profiles: [] });
    useHostsStore.setState({ hosts: [] });
    const p = props();
    render(<LibrarySidebar {...p} />);
    expect(screen.queryByRole('tree')).toBeNull();
    const nav = screen.getByRole('navigation', { name: 'Library' });
    expect(nav.textContent).toContain('Your library is empty.');
    expect(nav.textContent).toMatch(/quick-connect .*Ctrl\+K|⌘K/);
    const imports = screen.getAllByRole('button', { name: 'Import ssh_config' });
    expect(imports).toHaveLength(2);
    fireEvent.click(imports[1]!);
    fireEvent.click(screen.getAllByRole('button', { name: 'Add host' })[1]!);
    expect(p.onImport).toHaveBeenCalledOnce();
    expect(p.onAddHost).toHaveBeenCalledOnce();
  });

  it('passes axe with no serious violations', async () => {
    const axe = (await import('axe-core')).default;
    const { container } = render(<LibrarySidebar {...props()} />);
    const results = await axe.run(container, { rules: { 'color-contrast': { enabled: false } } });
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`)).toEqual([]);
  });
});
