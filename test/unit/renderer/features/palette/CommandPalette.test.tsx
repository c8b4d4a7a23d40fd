// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CommandPalette, PALETTE_PLACEHOLDER, type CommandPaletteProps } from '../../../../../app/renderer/features/palette/CommandPalette';
import { usePaletteStore } from '../../../../../app/renderer/stores/usePaletteStore';
import { ErrorCode, HoplineError } from '../../../../../app/shared/model/errors';
import type { HostInput, HostSummary } from '../../../../../app/shared/model/host';
import { TERMINAL_DEFAULTS, type ProfileSummary } from '../../../../../app/shared/model/profile';
import { SETTINGS_DEFAULTS } from '../../../../../app/shared/model/settings';
import { hostSummary } from '../../hosts';

const profile = (name: string, hostIds: string[], over: Partial<ProfileSummary> = {}): ProfileSummary => ({ id: `id-${name}`, name, folder: '', tags: [], hostIds, terminal: TERMINAL_DEFAULTS, ...over });
const hosts = [hostSummary('bastion', { address: '203.0.113.7' }), hostSummary('db', { address: '10.0.0.5', folder: 'prod', user: 'admin' }), hostSummary('web', { tags: ['nginx'] })];
const profiles = [profile('prod db', ['bastion', 'db'], { folder: 'prod' }), profile('staging', ['web'])];

function props(over: Partial<CommandPaletteProps> = {}) {
  return {
    hosts,
    profiles,
    onConnectProfile: vi.fn<(profile: ProfileSummary) => void>(),
    onConnectHosts: vi.fn<(hostIds: string[]) => void>(),
    saveHost: vi.fn(async (input: HostInput): Promise<HostSummary> => ({ ...hostSummary('saved'), ...input, id: `saved-${input.name}` })),
    connectionDefaults: SETTINGS_DEFAULTS.connection,
    ...over,
  } satisfies CommandPaletteProps;
}

beforeEach(() => {
  usePaletteStore.setState({ open: false, commands: [] });
});
afterEach(cleanup);

const input = () => screen.getByRole('combobox');
const options = () => within(screen.getByRole('listbox')).queryAllByRole('option');
const type = (text: string) => fireEvent.change(input(), { target: { value: text } });
const press = (key: string) => fireEvent.keyDown(input(), { key });

function openPalette() {
  act(() => usePaletteStore.getState().show());
}

describe('CommandPalette', () => {
  it('is a labelled modal dialog with a combobox and a listbox, shown by the store', () => {
    render(<CommandPalette {...props()} />);
    expect(screen.queryByRole('dialog')).toBeNull();
    openPalette();
    const dialog = screen.getByRole('dialog', { name: 'Command palette' });
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(input().getAttribute('placeholder')).toBe(PALETTE_PLACEHOLDER);
    expect(document.activeElement).toBe(input());
    expect(screen.getByRole('listbox')).toBeTruthy();
  });

  it('puts "Connect to" first for a -J line and, on Enter, saves the new hosts and connects them in order', async () => {
    const p = props();
    render(<CommandPalette {...p} />);
    openPalette();
    type('ssh -J bastion,ops@hop2.example root@10.0.0.5 -p 2200');
    const first = options()[0]!;
    expect(first.textContent).toMatch(/^Connect to ops@bastion → ops@hop2\.example → root@10\.0\.0\.5:2200/);
    expect(first.textContent).toMatch(/New: ops@hop2\.example, root@10\.0\.0\.5:2200 will be saved in “Quick connect”/);
    expect(first.getAttribute('aria-selected')).toBe('true');
    press('Enter');
    await waitFor(() => expect(p.onConnectHosts).toHaveBeenCalledWith(['bastion', 'saved-hop2.example', 'saved-10.0.0.5']));
    expect(vi.mocked(p.saveHost).mock.calls.map(([h]) => [h.name, h.address, h.port, h.user, h.folder])).toEqual([
      ['hop2.example', 'hop2.example', 22, 'ops', 'Quick connect'],
      ['10.0.0.5', '10.0.0.5', 2200, 'root', 'Quick connect'],
    ]);
    expect(usePaletteStore.getState().open).toBe(false);
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('connects saved hosts without saving anything', async () => {
    const p = props();
    render(<CommandPalette {...p} />);
    openPalette();
    type('-J bastion admin@10.0.0.5');
    expect(options()[0]!.textContent).toMatch(/All hops are saved hosts/);
    press('Enter');
    await waitFor(() => expect(p.onConnectHosts).toHaveBeenCalledWith(['bastion', 'db']));
    expect(p.saveHost).not.toHaveBeenCalled();
  });

  it('finds a profile by the address of one of its hops, and Enter connects it', async () => {
    const p = props();
    render(<CommandPalette {...p} />);
    openPalette();
    type('203.0.113');
    const names = options().map((o) => o.textContent);
    expect(names.some((n) => n?.startsWith('prod db'))).toBe(true);
    expect(names.some((n) => n?.startsWith('staging'))).toBe(false);
    const row = options().find((o) => o.textContent?.startsWith('prod db'))!;
    expect(row.textContent).toContain('bastion → db');
    fireEvent.click(row);
    await waitFor(() => expect(p.onConnectProfile).toHaveBeenCalledWith(profiles[0]));
  });

  it('fuzzy-matches hosts by name, tag and user@address', () => {
    render(<CommandPalette {...props()} />);
    openPalette();
    type('ngx');
    expect(options().map((o) => o.textContent)).toEqual([expect.stringMatching(/^web/)]);
    type('admin@10');
    expect(options().some((o) => o.textContent?.startsWith('db'))).toBe(true);
  });

  it('Escape closes it and gives the focus back', () => {
    render(
      <>
        <button type="button">before</button>
        <CommandPalette {...props()} />
      </>,
    );
    const before = screen.getByRole('button', { name: 'before' });
    before.focus();
    openPalette();
    expect(document.activeElement).toBe(input());
    press('Escape');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(usePaletteStore.getState().open).toBe(false);
    expect(document.activeElement).toBe(before);
    // It opens empty again, however it was closed.
    openPalette();
    type('staging');
    act(() => usePaletteStore.getState().hide());
    openPalette();
    expect((input() as HTMLInputElement).value).toBe('');
  });

  it('runs registered commands, shows their shortcut, and hides disabled ones', async () => {
    const split = vi.fn();
    const reconnect = vi.fn();
    render(<CommandPalette {...props()} />);
    const unregister = usePaletteStore.getState().register([
      { id: 'split-right', title: 'Split right', group: 'Terminal', shortcut: 'Ctrl+Shift+E', run: split },
      { id: 'reconnect', title: 'Reconnect this terminal', group: 'Terminal', enabled: () => false, run: reconnect },
      { id: 'settings', title: 'Settings', group: 'Workspace', keywords: ['preferences'], run: vi.fn() },
    ]);
    openPalette();
    type('split');
    const first = options()[0]!;
    expect(first.textContent).toBe('Split rightCtrl+Shift+E');
    type('reconnect');
    expect(options().some((o) => o.textContent?.includes('Reconnect'))).toBe(false);
    type('prefs');
    expect(options()[0]!.textContent).toBe('Settings');
    type('split');
    press('Enter');
    await waitFor(() => expect(split).toHaveBeenCalledTimes(1));
    expect(usePaletteStore.getState().open).toBe(false);
    act(() => unregister());
    expect(usePaletteStore.getState().commands).toEqual([]);
  });

  it('shows a command’s failure inside the palette', async () => {
    render(<CommandPalette {...props()} />);
    usePaletteStore.getState().register([{ id: 'boom', title: 'Boom', group: 'Test', run: () => Promise.reject(new HoplineError(ErrorCode.NOT_AVAILABLE, 'Not now.')) }]);
    openPalette();
    type('boom');
    press('Enter');
    expect((await screen.findByRole('alert')).textContent).toBe('Not now.');
    expect(usePaletteStore.getState().open).toBe(true);
  });

  it('says in plain words why a line cannot be used, without throwing', () => {
    const p = props();
    render(<CommandPalette {...p} />);
    openPalette();
    type('me@a me@b');
    expect(screen.getByText(/Give one destination: found "me@a" and "me@b"/)).toBeTruthy();
    expect(options().some((o) => o.textContent?.startsWith('Connect to'))).toBe(false);
    type('-J nowhere.example me@t');
    expect(screen.getByText('No saved host is called "nowhere.example". Give a user: user@nowhere.example')).toBeTruthy();
    // A plain search word is not treated as a failed address.
    type('prod');
    expect(screen.queryByText(/Give a user/)).toBeNull();
  });

  it('shows a refused save inline and stays open', async () => {
    const p = props({ saveHost: vi.fn(async () => Promise.reject(new HoplineError(ErrorCode.INVALID_ARGUMENT, 'A host named "x" exists.'))) });
    render(<CommandPalette {...p} />);
    openPalette();
    type('me@new.example');
    press('Enter');
    expect((await screen.findByRole('alert')).textContent).toBe('A host named "x" exists.');
    expect(p.onConnectHosts).not.toHaveBeenCalled();
    expect(screen.getByRole('dialog')).toBeTruthy();
  });

  it('connects a profile typed by its name', async () => {
    const p = props();
    render(<CommandPalette {...p} />);
    openPalette();
    type('Staging');
    expect(options()[0]!.textContent).toMatch(/^Connect to staging/);
    press('Enter');
    await waitFor(() => expect(p.onConnectProfile).toHaveBeenCalledWith(profiles[1]));
  });

  it('renders a bounded number of rows for a big library', () => {
    const many = Array.from({ length: 2000 }, (_, i) => hostSummary(`host-${i}`, { address: `10.1.${Math.floor(i / 250)}.${i % 250}` }));
    render(<CommandPalette {...props({ hosts: many, profiles: [] })} />);
    openPalette();
    expect(options().length).toBeLessThanOrEqual(20);
    const started = performance.now();
    type('host-19');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(options().length).toBeGreaterThan(0);
    expect(options().length).toBeLessThanOrEqual(50);
    // The exact name is a saved host: "Connect to" it first, then the best matches.
    expect(options()[0]!.textContent).toMatch(/^Connect to ops@host-19Saved host$/);
    expect(options()[1]!.textContent).toMatch(/^host-19/);
  });

  it('passes axe with no serious violations', async () => {
    const axe = (await import('axe-core')).default;
    usePaletteStore.getState().register([{ id: 'settings', title: 'Settings', group: 'Workspace', shortcut: 'Ctrl+,', run: vi.fn() }]);
    const { baseElement } = render(<CommandPalette {...props()} />);
    openPalette();
    type('-J bastion me@new.example');
    const results = await axe.run(baseElement, { rules: { 'color-contrast': { enabled: false } } });
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`)).toEqual([]);
  });
});
