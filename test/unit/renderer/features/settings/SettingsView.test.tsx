// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import axe from 'axe-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { applyTheme, resolveTheme, useApplyTheme } from '../../../../../app/renderer/features/settings/applyTheme';
import { SAVE_DELAY_MS } from '../../../../../app/renderer/features/settings/fields';
import { chordFromEvent, chordProblem, withOverride } from '../../../../../app/renderer/features/settings/shortcutRecording';
import { sessionLogDir, SettingsView } from '../../../../../app/renderer/features/settings/SettingsView';
import { effectiveChords, isMac } from '../../../../../app/renderer/stores/shortcuts';
import { useAppStore } from '../../../../../app/renderer/stores/useAppStore';
import { useCredentialsStore } from '../../../../../app/renderer/stores/useCredentialsStore';
import { useSettingsStore } from '../../../../../app/renderer/stores/useSettingsStore';
import { HoplineError } from '../../../../../app/shared/model/errors';
import { SETTINGS_DEFAULTS } from '../../../../../app/shared/model/settings';
import { fakeSettings } from '../../fakeSettings';
import { startStores } from '../../../../../app/renderer/stores/startStores';

vi.mock('../../../../../app/renderer/rpc', async () => (await import('../../fakeRpc')).rpcModule);

// The stores' feeds (contract events, the link's state), as main.tsx starts them.
let stopStores: () => void;
beforeAll(() => {
  stopStores = startStores();
});
afterAll(() => stopStores());

const info = { name: 'Hopline', version: '1.2.3', transport: 'web' as const, platform: 'linux', arch: 'x64', dataDir: '/home/me/.local/share/hopline', versions: { node: '22.1.0', electron: null, chrome: null }, instanceId: 'i1' };

function Window() {
  useApplyTheme();
  return <SettingsView />;
}

beforeEach(() => {
  fakeSettings.reset();
  useSettingsStore.setState({ settings: SETTINGS_DEFAULTS, saved: SETTINGS_DEFAULTS, pending: [], loaded: true, error: null });
  useAppStore.setState({ connection: 'open', info, error: null, pongs: [], roundTripMs: null });
  useCredentialsStore.setState({ status: { backend: 'keychain', unavailableReason: null }, error: null });
  delete document.documentElement.dataset.theme;
});
afterEach(() => {
  cleanup();
  vi.clearAllMocks();
  vi.useRealTimers();
});

describe('SettingsView: appearance', () => {
  it('saves the theme and sets data-theme on the page', async () => {
    render(<Window />);
    const theme = screen.getByRole('group', { name: 'Theme' });
    expect((within(theme).getByRole('radio', { name: /System/ }) as HTMLInputElement).checked).toBe(true);
    fireEvent.click(within(theme).getByRole('radio', { name: 'Dark' }));
    expect(fakeSettings.settings.update).toHaveBeenCalledWith({ theme: 'dark' });
    await waitFor(() => expect(document.documentElement.dataset.theme).toBe('dark'));
    fireEvent.click(within(theme).getByRole('radio', { name: 'Light' }));
    expect(fakeSettings.settings.update).toHaveBeenLastCalledWith({ theme: 'light' });
    await waitFor(() => expect(document.documentElement.dataset.theme).toBe('light'));
  });

  it('goes back to the saved theme, and says so, when the service refuses', async () => {
    fakeSettings.settings.update.mockRejectedValueOnce(new HoplineError('NOT_AVAILABLE', 'read-only'));
    render(<Window />);
    fireEvent.click(screen.getByRole('radio', { name: 'Dark' }));
    expect(await screen.findByText('Not saved: read-only.')).toBeTruthy();
    expect((screen.getByRole('radio', { name: /System/ }) as HTMLInputElement).checked).toBe(true);
  });
});

describe('applyTheme', () => {
  it('resolves system from the media query and follows it', () => {
    expect(resolveTheme('system', true)).toBe('dark');
    expect(resolveTheme('system', false)).toBe('light');
    expect(resolveTheme('light', true)).toBe('light');
    const listeners: (() => void)[] = [];
    const query = { matches: false, addEventListener: vi.fn((_: string, l: () => void) => listeners.push(l)), removeEventListener: vi.fn() };
    const spy = vi.spyOn(window, 'matchMedia').mockReturnValue(query as unknown as MediaQueryList);
    const root = document.createElement('html');
    const stop = applyTheme('system', root);
    expect(spy).toHaveBeenCalledWith('(prefers-color-scheme: dark)');
    expect(root.dataset.theme).toBe('light');
    query.matches = true;
    listeners.forEach((l) => l());
    expect(root.dataset.theme).toBe('dark');
    stop();
    expect(query.removeEventListener).toHaveBeenCalled();
    applyTheme('dark', root);
    expect(root.dataset.theme).toBe('dark');
    spy.mockRestore();
  });
});

describe('SettingsView: terminal and connections', () => {
  it('never saves an invalid font size, and saves a valid one after a pause', async () => {
    render(<SettingsView />);
    const fontSize = screen.getByLabelText('Font size (px)');
    fireEvent.focus(fontSize);
    fireEvent.change(fontSize, { target: { value: '99' } });
    expect(screen.getByText(/Enter a whole number from 6 to 40 px\. Not saved\./)).toBeTruthy();
    expect(fontSize.getAttribute('aria-invalid')).toBe('true');
    fireEvent.blur(fontSize);
    await new Promise((r) => setTimeout(r, SAVE_DELAY_MS + 50));
    expect(fakeSettings.settings.update).not.toHaveBeenCalled();

    vi.useFakeTimers();
    fireEvent.focus(fontSize);
    fireEvent.change(fontSize, { target: { value: '1' } });
    fireEvent.change(fontSize, { target: { value: '16' } });
    expect(screen.queryByText(/Not saved/)).toBeNull();
    expect(fakeSettings.settings.update).not.toHaveBeenCalled();
    act(() => vi.advanceTimersByTime(SAVE_DELAY_MS));
    expect(fakeSettings.settings.update).toHaveBeenCalledTimes(1);
    expect(fakeSettings.settings.update).toHaveBeenCalledWith({ terminal: { fontSize: 16 } });
  });

  it('saves selects and checkboxes at once, and numbers when the field is left', () => {
    render(<SettingsView />);
    fireEvent.change(screen.getByLabelText('Cursor style'), { target: { value: 'bar' } });
    expect(fakeSettings.settings.update).toHaveBeenLastCalledWith({ terminal: { cursorStyle: 'bar' } });
    fireEvent.change(screen.getByLabelText('Bell'), { target: { value: 'none' } });
    expect(fakeSettings.settings.update).toHaveBeenLastCalledWith({ terminal: { bell: 'none' } });
    fireEvent.click(screen.getByLabelText('Copy on select'));
    expect(fakeSettings.settings.update).toHaveBeenLastCalledWith({ terminal: { copyOnSelect: true } });
    fireEvent.click(screen.getByLabelText('Log sessions of new saved circuits'));
    expect(fakeSettings.settings.update).toHaveBeenLastCalledWith({ sessionLogsByDefault: true });
    const timeout = screen.getByLabelText('Connect timeout (s)');
    fireEvent.focus(timeout);
    fireEvent.change(timeout, { target: { value: '45' } });
    fireEvent.blur(timeout);
    expect(fakeSettings.settings.update).toHaveBeenLastCalledWith({ connection: { connectTimeoutSec: 45 } });
  });

  it('shows a change made elsewhere in a field not being edited', () => {
    render(<SettingsView />);
    act(() => fakeSettings.events.changed.fire({ ...SETTINGS_DEFAULTS, terminal: { ...SETTINGS_DEFAULTS.terminal, scrollback: 9000 } }));
    expect((screen.getByLabelText('Scrollback (lines)') as HTMLInputElement).value).toBe('9000');
  });
});

describe('SettingsView: keychain, logs, about', () => {
  it('keeps the raw reason the keychain failed under Details', () => {
    useCredentialsStore.setState({ status: { backend: 'session-memory', unavailableReason: "Hopline can't reach your system keychain.", unavailableDetail: 'Could not connect: No such file or directory' } });
    render(<SettingsView />);
    expect(document.body.textContent).not.toContain('Could not connect');
    fireEvent.click(screen.getByText('Details'));
    expect(screen.getByTestId('error-details-text').textContent).toBe('Detail: Could not connect: No such file or directory');
  });

  it('tells where secrets and logs go, and carries the diagnostics', async () => {
    useCredentialsStore.setState({ status: { backend: 'session-memory', unavailableReason: 'No Secret Service on D-Bus' } });
    render(<SettingsView />);
    expect(screen.getByText(/kept in memory only, and forgotten when Hopline quits/)).toBeTruthy();
    expect(screen.getByText('Why: No Secret Service on D-Bus')).toBeTruthy();
    expect(screen.getByText('/home/me/.local/share/hopline/session-logs')).toBeTruthy();
    expect(screen.getByText('1.2.3')).toBeTruthy();
    expect(screen.getByText('Web mode (in a browser)')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Ping main process' }));
    await waitFor(() => expect(screen.getByTestId('round-trip').textContent).toMatch(/Round trip: [\d.]+ ms/));
    expect(screen.getByTestId('pong-events')).toBeTruthy();
  });

  it('writes the log folder with the data dir’s separator', () => {
    expect(sessionLogDir('C:\\Users\\me\\AppData\\Hopline')).toBe('C:\\Users\\me\\AppData\\Hopline\\session-logs');
    expect(sessionLogDir('/data/')).toBe('/data/session-logs');
  });
});

describe('SettingsView: shortcuts', () => {
  const mac = isMac();

  it('refuses Ctrl+C and a chord another command has, and records a free one', () => {
    render(<SettingsView />);
    const row = screen.getByRole('row', { name: /Split right/ });
    fireEvent.click(within(row).getByRole('button', { name: 'Change shortcut for Split right' }));
    const recorder = screen.getByRole('dialog', { name: 'Record a shortcut for Split right' });
    expect(document.activeElement).toBe(recorder);

    fireEvent.keyDown(recorder, { key: 'c', code: 'KeyC', ctrlKey: true });
    expect(within(recorder).getByRole('alert').textContent).toMatch(/belongs to the shell/);
    fireEvent.keyDown(recorder, { key: 'T', code: 'KeyT', ctrlKey: !mac, metaKey: mac, shiftKey: true });
    expect(within(recorder).getByRole('alert').textContent).toMatch(/already the shortcut for “New terminal on the same circuit”/);
    expect(fakeSettings.settings.update).not.toHaveBeenCalled();

    fireEvent.keyDown(recorder, { key: 'X', code: 'KeyX', ctrlKey: !mac, metaKey: mac, shiftKey: true });
    expect(fakeSettings.settings.update).toHaveBeenCalledWith({ shortcuts: { splitRight: 'Mod+Shift+X' } });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(within(screen.getByRole('row', { name: /Split right/ })).getByText(mac ? '⇧⌘X' : 'Ctrl+Shift+X')).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Change shortcut for Split right' }));
  });

  it('cancels with Escape and resets a custom chord', () => {
    useSettingsStore.setState({ settings: { ...SETTINGS_DEFAULTS, shortcuts: { splitDown: 'F9', splitRight: 'F8' } } });
    render(<SettingsView />);
    fireEvent.click(screen.getByRole('button', { name: 'Change shortcut for Split down' }));
    fireEvent.keyDown(screen.getByRole('dialog'), { key: 'Escape', code: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(fakeSettings.settings.update).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: 'Reset shortcut for Split down' }));
    expect(fakeSettings.settings.update).toHaveBeenCalledWith({ shortcuts: { splitRight: 'F8' } });
  });

  it('turns key events into chords and checks them', () => {
    expect(chordFromEvent({ key: 'Shift', code: 'ShiftLeft', ctrlKey: false, metaKey: false, altKey: false, shiftKey: true }, false)).toBeNull();
    expect(chordFromEvent({ key: '}', code: 'BracketRight', ctrlKey: true, metaKey: false, altKey: false, shiftKey: true }, false)).toBe('Mod+Shift+]');
    expect(chordFromEvent({ key: 'k', code: 'KeyK', ctrlKey: false, metaKey: true, altKey: false, shiftKey: false }, true)).toBe('Mod+K');
    expect(chordFromEvent({ key: 'F7', code: 'F7', ctrlKey: false, metaKey: false, altKey: false, shiftKey: false }, false)).toBe('F7');
    const chords = effectiveChords({});
    expect(chordProblem('newTab', 'Mod+Shift+C', chords, false)).toMatch(/copying/);
    expect(chordProblem('newTab', 'Alt+X', chords, false)).toMatch(/shell/);
    expect(chordProblem('newTab', 'X', chords, false)).toMatch(/shell/);
    expect(chordProblem('newTab', 'F7', chords, false)).toBeNull();
    expect(chordProblem('newTab', 'Mod+Shift+T', chords, false)).toBeNull();
    expect(withOverride({ newTab: 'F7' }, 'newTab', 'Mod+Shift+T', false)).toEqual({});
  });
});

describe('SettingsView: accessibility', () => {
  it('has no serious axe violations', async () => {
    const { container } = render(<SettingsView />);
    const result = await axe.run(container, { rules: { 'color-contrast': { enabled: false }, region: { enabled: false } } });
    const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`)).toEqual([]);
  });
});
