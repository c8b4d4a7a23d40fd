import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { useSettingsStore } from '../../../../app/renderer/stores/useSettingsStore';
import { HoplineError } from '../../../../app/shared/model/errors';
import { applySettingsPatch, SETTINGS_DEFAULTS, type AppSettings } from '../../../../app/shared/model/settings';
import { fake } from '../fakeRpc';
import { fakeSettings } from '../fakeSettings';
import { startStores } from '../../../../app/renderer/stores/startStores';

vi.mock('../../../../app/renderer/rpc', async () => (await import('../fakeRpc')).rpcModule);

// The stores' feeds (contract events, the link's state), as main.tsx starts them.
let stopStores: () => void;
beforeAll(() => {
  stopStores = startStores();
});
afterAll(() => stopStores());

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

beforeEach(() => {
  fakeSettings.reset();
  useSettingsStore.setState({ settings: SETTINGS_DEFAULTS, saved: SETTINGS_DEFAULTS, pending: [], loaded: false, error: null });
});
afterEach(() => vi.clearAllMocks());

describe('applySettingsPatch', () => {
  it('merges terminal and connection field by field and replaces shortcuts as a whole', () => {
    const start = applySettingsPatch(SETTINGS_DEFAULTS, { shortcuts: { palette: 'Mod+Shift+K', newTab: 'F7' } });
    const next = applySettingsPatch(start, { theme: 'dark', terminal: { fontSize: 16 }, connection: { connectTimeoutSec: 30 }, shortcuts: { newTab: 'F8' } });
    expect(next.theme).toBe('dark');
    expect(next.terminal).toEqual({ ...SETTINGS_DEFAULTS.terminal, fontSize: 16 });
    expect(next.connection).toEqual({ ...SETTINGS_DEFAULTS.connection, connectTimeoutSec: 30 });
    expect(next.shortcuts).toEqual({ newTab: 'F8' });
    expect(SETTINGS_DEFAULTS.terminal.fontSize).toBe(13);
  });
});

describe('useSettingsStore', () => {
  it('shows the defaults until loaded, and loads when the link opens', async () => {
    expect(useSettingsStore.getState().settings).toEqual(SETTINGS_DEFAULTS);
    const saved: AppSettings = { ...SETTINGS_DEFAULTS, theme: 'light', terminal: { ...SETTINGS_DEFAULTS.terminal, fontSize: 15 } };
    fakeSettings.settings.get.mockResolvedValueOnce(saved);
    fake.events.connection.fire('open');
    await vi.waitFor(() => expect(useSettingsStore.getState().loaded).toBe(true));
    expect(useSettingsStore.getState().settings).toEqual(saved);
    expect(fakeSettings.settings.get).toHaveBeenCalledTimes(1);
  });

  it('says why the settings could not be loaded', async () => {
    fakeSettings.settings.get.mockRejectedValueOnce(new HoplineError('NOT_AVAILABLE', 'disk full'));
    await useSettingsStore.getState().load();
    expect(useSettingsStore.getState()).toMatchObject({ loaded: false, error: 'Disk full.' });
  });

  it('applies a change at once and keeps what the service saved', async () => {
    const reply = deferred<AppSettings>();
    fakeSettings.settings.update.mockReturnValueOnce(reply.promise);
    const done = useSettingsStore.getState().update({ terminal: { fontSize: 18 } });
    expect(useSettingsStore.getState().settings.terminal.fontSize).toBe(18);
    expect(fakeSettings.settings.update).toHaveBeenCalledWith({ terminal: { fontSize: 18 } });
    reply.resolve({ ...SETTINGS_DEFAULTS, terminal: { ...SETTINGS_DEFAULTS.terminal, fontSize: 18 } });
    await done;
    expect(useSettingsStore.getState()).toMatchObject({ pending: [], error: null });
    expect(useSettingsStore.getState().saved.terminal.fontSize).toBe(18);
  });

  it('undoes a refused change, keeps another one in flight, and says why', async () => {
    const first = deferred<AppSettings>();
    const second = deferred<AppSettings>();
    fakeSettings.settings.update.mockReturnValueOnce(first.promise).mockReturnValueOnce(second.promise);
    const a = useSettingsStore.getState().update({ theme: 'dark' });
    const b = useSettingsStore.getState().update({ terminal: { bell: 'none' } });
    expect(useSettingsStore.getState().settings).toMatchObject({ theme: 'dark', terminal: { bell: 'none' } });
    first.reject(new HoplineError('INVALID_ARGUMENT', 'no'));
    await a;
    // The refused theme is undone; the bell change still shows while it is in flight.
    expect(useSettingsStore.getState().settings).toMatchObject({ theme: 'system', terminal: { bell: 'none' } });
    expect(useSettingsStore.getState().error).toBe('Not saved: No.');
    second.resolve({ ...SETTINGS_DEFAULTS, terminal: { ...SETTINGS_DEFAULTS.terminal, bell: 'none' } });
    await b;
    expect(useSettingsStore.getState().settings).toMatchObject({ theme: 'system', terminal: { bell: 'none' } });
    expect(useSettingsStore.getState().error).toBeNull();
  });

  it('follows changes made in another window, with its own unsaved ones over them', async () => {
    const reply = deferred<AppSettings>();
    fakeSettings.settings.update.mockReturnValueOnce(reply.promise);
    const done = useSettingsStore.getState().update({ sessionLogsByDefault: true });
    fakeSettings.events.changed.fire({ ...SETTINGS_DEFAULTS, theme: 'light' });
    expect(useSettingsStore.getState().settings).toMatchObject({ theme: 'light', sessionLogsByDefault: true });
    expect(useSettingsStore.getState().loaded).toBe(true);
    reply.resolve({ ...SETTINGS_DEFAULTS, theme: 'light', sessionLogsByDefault: true });
    await done;
    expect(useSettingsStore.getState().settings).toMatchObject({ theme: 'light', sessionLogsByDefault: true });
  });

  it('gives the chords in force: valid overrides over the defaults', () => {
    useSettingsStore.setState({ settings: { ...SETTINGS_DEFAULTS, shortcuts: { splitRight: 'Mod+Shift+R', newTab: 'Mod+' } } });
    const chords = useSettingsStore.getState().chords();
    expect(chords.splitRight).toBe('Mod+Shift+R');
    expect(chords.newTab).toBe('Mod+Shift+T');
    expect(chords.palette).toBe('Mod+K');
  });
});
