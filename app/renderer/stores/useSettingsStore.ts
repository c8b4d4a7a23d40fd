import { create } from 'zustand';
import { applySettingsPatch, SETTINGS_DEFAULTS, type AppSettings, type SettingsPatch } from '../../shared/model/settings';
import { onConnectionState, rpc } from '../rpc';
import { describeError } from './describeError';
import { effectiveChords, type ShortcutId } from './shortcuts';


/** One change in flight; told apart from the others by identity. */
interface PendingPatch {
  patch: SettingsPatch;
}

interface SettingsState {
  /** What the window shows and uses: the saved settings with any unconfirmed changes over them. */
  settings: AppSettings;
  /** The settings as the service last reported them. */
  saved: AppSettings;
  /** Changes sent but not yet confirmed, oldest first (shown at once; undone if refused). */
  pending: PendingPatch[];
  loaded: boolean;
  /** Why the settings could not be loaded, or the last change was refused (plain text). */
  error: string | null;
  load(): Promise<void>;
  /** Applies the change at once and saves it; if the service refuses, it is undone and `error` says why. Never rejects. */
  update(patch: SettingsPatch): Promise<void>;
  /** The chord in force for every command (the user's overrides over the defaults). */
  chords(): Record<ShortcutId, string>;
  dismissError(): void;
}

function shown(saved: AppSettings, pending: readonly PendingPatch[]): AppSettings {
  return pending.reduce((settings, p) => applySettingsPatch(settings, p.patch), saved);
}

export const useSettingsStore = create<SettingsState>((set, get) => ({
  settings: SETTINGS_DEFAULTS,
  saved: SETTINGS_DEFAULTS,
  pending: [],
  loaded: false,
  error: null,
  async load() {
    try {
      const saved = await rpc.settings.get();
      set((s) => ({ saved, settings: shown(saved, s.pending), loaded: true, error: null }));
    } catch (error) {
      set({ error: describeError(error) });
    }
  },
  async update(patch) {
    const entry: PendingPatch = { patch };
    set((s) => {
      const pending = [...s.pending, entry];
      return { pending, settings: shown(s.saved, pending) };
    });
    try {
      const saved = await rpc.settings.update(patch);
      set((s) => {
        const pending = s.pending.filter((p) => p !== entry);
        return { saved, pending, settings: shown(saved, pending), error: null };
      });
    } catch (error) {
      set((s) => {
        const pending = s.pending.filter((p) => p !== entry);
        return { pending, settings: shown(s.saved, pending), error: `Not saved: ${describeError(error)}` };
      });
    }
  },
  chords() {
    return effectiveChords(get().settings.shortcuts);
  },
  dismissError() {
    set({ error: null });
  },
}));

/** Fed by contract events (another window's change included), never by components talking to a transport (startStores). */
export function startSettingsStore(): () => void {
  const subs = [rpc.settings.onDidChange((saved) => useSettingsStore.setState((s) => ({ saved, settings: shown(saved, s.pending), loaded: true })))];
  const stopLink = onConnectionState((connection) => {
    if (connection === 'open') void useSettingsStore.getState().load();
  });
  return () => {
    for (const sub of subs) sub.dispose();
    stopLink();
  };
}
