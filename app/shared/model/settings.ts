/**
 * App-wide settings and the saved workspace layout, kept in the app's document beside hosts and
 * profiles. Neither ever holds a secret: settings are preferences, the layout names terminals
 * and circuits by id and by the saved hosts they were opened from.
 */

export type ThemeChoice = 'system' | 'light' | 'dark';
export type CursorStyle = 'block' | 'bar' | 'underline';
export type BellStyle = 'none' | 'visual' | 'sound';

/** How every terminal looks unless its profile says otherwise (font size, scrollback, copy-on-select). */
export interface TerminalAppearance {
  fontFamily: string;
  fontSize: number;
  scrollback: number;
  cursorStyle: CursorStyle;
  cursorBlink: boolean;
  copyOnSelect: boolean;
  bell: BellStyle;
}

/** Defaults a new host starts with (quick connect, the host form). */
export interface ConnectionDefaults {
  keepaliveIntervalSec: number;
  keepaliveCountMax: number;
  connectTimeoutSec: number;
}

export interface AppSettings {
  theme: ThemeChoice;
  terminal: TerminalAppearance;
  connection: ConnectionDefaults;
  /** New profiles start with their session log on. */
  sessionLogsByDefault: boolean;
  /** Shortcut overrides: command id -> key chord ("Ctrl+Shift+T"); absent ids keep their default. */
  shortcuts: Record<string, string>;
  sidebarCollapsed: boolean;
}

/** A part of the settings to change; each section is merged into the saved one. */
export interface SettingsPatch {
  theme?: ThemeChoice;
  terminal?: Partial<TerminalAppearance>;
  connection?: Partial<ConnectionDefaults>;
  sessionLogsByDefault?: boolean;
  shortcuts?: Record<string, string>;
  sidebarCollapsed?: boolean;
}

export const SETTINGS_DEFAULTS: AppSettings = {
  theme: 'system',
  terminal: {
    fontFamily: '',
    fontSize: 13,
    scrollback: 5000,
    cursorStyle: 'block',
    cursorBlink: true,
    copyOnSelect: false,
    bell: 'visual',
  },
  connection: { keepaliveIntervalSec: 15, keepaliveCountMax: 3, connectTimeoutSec: 15 },
  sessionLogsByDefault: false,
  shortcuts: {},
  sidebarCollapsed: false,
};

/** What a workspace panel shows. A terminal panel remembers its circuit's route so an ended one can reconnect. */
export type PanelRef =
  | {
      kind: 'terminal';
      /** The main side's terminal id while it ran; null if it never started. */
      terminalId: string | null;
      hostIds: string[];
      profileId: string | null;
      /** The tab's label when saved (shown until the terminal is found again). */
      title: string;
    }
  | { kind: 'builder'; profileId: string | null }
  | { kind: 'settings' }
  /**
   * A circuit's files view (issue 16). Comes back after a reload only while its circuit is still
   * open; `path` is the folder it showed (null if none had opened yet, so it opens at home).
   */
  | { kind: 'files'; circuitId: string; path: string | null };

/** A files view's panel id: the prefix and its circuit's id (one files view per circuit). */
export const FILES_PANEL_PREFIX = 'files:';
export const filesPanelId = (circuitId: string): string => `${FILES_PANEL_PREFIX}${circuitId}`;
export const filesCircuitOf = (panelId: string): string | null => (panelId.startsWith(FILES_PANEL_PREFIX) ? panelId.slice(FILES_PANEL_PREFIX.length) : null);

/** The workspace as saved: the docking layout (opaque to the main side, bounded) and what each panel shows. */
export interface WorkspaceLayout {
  version: 1;
  /** The docking library's own serialised layout (dockview's toJSON()). */
  dock: unknown;
  panels: Record<string, PanelRef>;
}

/**
 * `patch` over `settings` as the settings service merges it: terminal and connection field by
 * field, shortcuts as a whole, the rest replaced.
 */
export function applySettingsPatch(settings: AppSettings, patch: SettingsPatch): AppSettings {
  const { terminal, connection, shortcuts, ...scalars } = patch;
  return {
    ...settings,
    ...scalars,
    terminal: { ...settings.terminal, ...(terminal ?? {}) },
    connection: { ...settings.connection, ...(connection ?? {}) },
    shortcuts: shortcuts ? { ...shortcuts } : settings.shortcuts,
  };
}
