/**
 * The settings service for renderer tests, beside fakeRpc's others: `get`/`update` keep a saved
 * copy and merge patches as the real service does; `events.changed` fires onDidChange. fakeRpc's
 * `rpc.settings` is this one.
 */
import { vi } from 'vitest';
import { Emitter } from '../../../app/shared/model/event';
import { applySettingsPatch, SETTINGS_DEFAULTS, type AppSettings, type SettingsPatch, type WorkspaceLayout } from '../../../app/shared/model/settings';

function createSettingsFake() {
  const events = { changed: new Emitter<AppSettings>() };
  const state = { saved: SETTINGS_DEFAULTS, layout: null as WorkspaceLayout | null };
  const settings = {
    get: vi.fn(async (): Promise<AppSettings> => state.saved),
    update: vi.fn(async (patch: SettingsPatch): Promise<AppSettings> => {
      state.saved = applySettingsPatch(state.saved, patch);
      return state.saved;
    }),
    getLayout: vi.fn(async (): Promise<WorkspaceLayout | null> => state.layout),
    saveLayout: vi.fn(async (layout: WorkspaceLayout) => {
      state.layout = layout;
    }),
    onDidChange: events.changed.event,
  };
  return {
    settings,
    events,
    /** Back to the defaults, with the default implementations. */
    reset() {
      state.saved = SETTINGS_DEFAULTS;
      state.layout = null;
    },
  };
}

export const fakeSettings = createSettingsFake();
