import type { Event } from '../model/event';
import type { AppSettings, SettingsPatch, WorkspaceLayout } from '../model/settings';
import { defineService } from './service';

export type { AppSettings, SettingsPatch, WorkspaceLayout } from '../model/settings';

/** App settings and the saved workspace layout, both in the app's document (issue: workspace). */
export interface ISettingsService {
  get(): Promise<AppSettings>;
  /** Merges the patch section by section, saves, fires onDidChange to every window, returns the result. */
  update(patch: SettingsPatch): Promise<AppSettings>;
  /** The last saved layout, or null on first launch. */
  getLayout(): Promise<WorkspaceLayout | null>;
  saveLayout(layout: WorkspaceLayout): Promise<void>;
  onDidChange: Event<AppSettings>;
}

export const settingsService = defineService<ISettingsService>()({
  name: 'settings',
  methods: { get: true, update: true, getLayout: true, saveLayout: true },
  events: { onDidChange: true },
});
