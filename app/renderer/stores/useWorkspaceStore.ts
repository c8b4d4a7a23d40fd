/**
 * The workspace: which panels the dock shows and where new ones go, the sidebar, the dialogs
 * opened from the library or the palette, and the app commands the shortcuts and the palette run.
 *
 * The dock itself (dockview) owns the layout; this store holds its API once it is ready and the
 * few facts around it. Terminal panels follow the terminals store (a tab there is a panel here);
 * the builder and settings are single panels opened on demand.
 */
import type { DockviewApi, DockviewGroupPanel } from 'dockview-react';
import { create } from 'zustand';
import type { ShortcutId } from './shortcuts';
import { requestCloseTab } from './sessionEnding';
import { useTerminalsStore } from './useTerminalsStore';
import { usePaletteStore } from './usePaletteStore';
import { findTab } from './terminalsLogic';
import { useCircuitsStore } from './useCircuitsStore';
import { toPlainText } from '../../shared/model/plainText';
import { FILES_PANEL_PREFIX, filesCircuitOf, filesPanelId } from '../../shared/model/settings';

export type WorkspaceDialog = { kind: 'host'; hostId: string | null } | { kind: 'profile'; profileId: string } | { kind: 'import' } | null;

export const BUILDER_PANEL = 'builder';
export const SETTINGS_PANEL = 'settings';
// A files view's panel id (`files:<circuitId>`): defined in shared, where the saved layout's schema checks it.
export { FILES_PANEL_PREFIX, filesCircuitOf, filesPanelId };

/** Where the next terminal panel goes: beside a group (a split) instead of into the active group. */
export interface Placement {
  referenceGroup: DockviewGroupPanel;
  direction: 'right' | 'below';
}

interface WorkspaceState {
  api: DockviewApi | null;
  sidebarCollapsed: boolean;
  dialog: WorkspaceDialog;
  /** The terminal panel whose circuit details are open over it. */
  drawer: string | null;
  /** Placements waiting for the terminal panel of a tab key. */
  placements: Record<string, Placement>;
  setApi(api: DockviewApi | null): void;
  setSidebarCollapsed(collapsed: boolean): void;
  openDialog(dialog: WorkspaceDialog): void;
  toggleDrawer(panelId: string | null): void;
  openBuilder(): void;
  openSettings(): void;
  /**
   * The circuit's files view (issue 16): opened beside the active panel, or brought forward if it
   * is open; the focus goes to its list. Without a circuit: the active panel's (a terminal or a
   * files view), else the one open circuit. Returns false when there is none to browse.
   */
  openFiles(circuitId?: string): boolean;
  /** Asks the files view of a circuit to take the focus (bumped per request). */
  filesFocus: { circuitId: string; n: number } | null;
  /** A new terminal on the circuit of the active terminal panel, in the same group or split off it. */
  newTerminal(where?: 'tab' | 'right' | 'below'): boolean;
  /** Moves the active panel into a new group to the right or below. */
  moveActive(direction: 'right' | 'below'): void;
  closeActive(): void;
  cycleTab(step: 1 | -1): void;
  focusNextGroup(): void;
  /** Puts the keyboard focus in the active panel (its terminal, if it is one). */
  focusActive(): void;
  run(id: ShortcutId): void;
}

/** The tab key of the active panel, if it is a terminal. */
export function activeTerminalKey(api: DockviewApi | null): string | null {
  const panel = api?.activePanel;
  if (!panel || panel.id === BUILDER_PANEL || panel.id === SETTINGS_PANEL) return null;
  return findTab(useTerminalsStore.getState(), panel.id) ? panel.id : null;
}

function openSingle(api: DockviewApi | null, id: string, component: string, title: string): void {
  if (!api) return;
  const existing = api.getPanel(id);
  if (existing) existing.api.setActive();
  else api.addPanel({ id, component, title });
}

export const useWorkspaceStore = create<WorkspaceState>((set, get) => ({
  api: null,
  sidebarCollapsed: false,
  dialog: null,
  drawer: null,
  placements: {},
  setApi(api) {
    set({ api });
  },
  setSidebarCollapsed(sidebarCollapsed) {
    set({ sidebarCollapsed });
  },
  openDialog(dialog) {
    set({ dialog });
  },
  toggleDrawer(panelId) {
    set((s) => ({ drawer: panelId !== null && s.drawer === panelId ? null : panelId }));
  },
  openBuilder() {
    openSingle(get().api, BUILDER_PANEL, 'builder', 'New circuit');
  },
  openSettings() {
    openSingle(get().api, SETTINGS_PANEL, 'settings', 'Settings');
  },
  filesFocus: null,
  openFiles(circuitId) {
    const { api } = get();
    if (!api) return false;
    const active = api.activePanel?.id ?? null;
    const activeTab = active ? findTab(useTerminalsStore.getState(), active) : undefined;
    const open = Object.values(useCircuitsStore.getState().circuits).filter((c) => c.state === 'open');
    const id = circuitId ?? activeTab?.circuitId ?? (active ? filesCircuitOf(active) : null) ?? (open.length === 1 ? open[0]!.id : null);
    if (!id) return false;
    const panelId = filesPanelId(id);
    const existing = api.getPanel(panelId);
    if (existing) existing.api.setActive();
    else {
      const hopNames = useCircuitsStore.getState().circuits[id]?.hopNames ?? [];
      const target = toPlainText(hopNames[hopNames.length - 1] ?? 'circuit', 80);
      api.addPanel({ id: panelId, component: 'files', title: `Files · ${target}` });
    }
    set((s) => ({ filesFocus: { circuitId: id, n: (s.filesFocus?.n ?? 0) + 1 } }));
    return true;
  },
  newTerminal(where = 'tab') {
    const { api } = get();
    const key = activeTerminalKey(api);
    const tab = key ? findTab(useTerminalsStore.getState(), key) : undefined;
    if (!api || !tab) return false;
    const group = api.activePanel?.group;
    const newKey = crypto.randomUUID();
    if (where !== 'tab' && group) set((s) => ({ placements: { ...s.placements, [newKey]: { referenceGroup: group, direction: where } } }));
    useTerminalsStore.getState().openTab(tab.circuitId, newKey);
    return true;
  },
  moveActive(direction) {
    const { api } = get();
    const panel = api?.activePanel;
    if (!api || !panel || panel.group.panels.length < 2) return;
    panel.api.moveTo({ group: panel.group, position: direction === 'right' ? 'right' : 'bottom' });
    get().focusActive();
  },
  closeActive() {
    // A live shell is asked about first (sessionEnding.ts).
    const panel = get().api?.activePanel;
    if (panel) void requestCloseTab(panel.id, () => panel.api.close());
  },
  cycleTab(step) {
    const group = get().api?.activePanel?.group;
    if (!group || group.panels.length < 2) return;
    const index = group.panels.findIndex((p) => p.id === group.activePanel?.id);
    const next = group.panels[(index + step + group.panels.length) % group.panels.length];
    next?.api.setActive();
    get().focusActive();
  },
  focusNextGroup() {
    const api = get().api;
    if (!api || api.groups.length < 2) return;
    const index = api.groups.findIndex((g) => g.id === api.activeGroup?.id);
    const next = api.groups[(index + 1) % api.groups.length];
    next?.activePanel?.api.setActive();
    get().focusActive();
  },
  focusActive() {
    const key = activeTerminalKey(get().api);
    const files = filesCircuitOf(get().api?.activePanel?.id ?? '');
    if (key) useTerminalsStore.getState().activate(key, true);
    else if (files) set((s) => ({ filesFocus: { circuitId: files, n: (s.filesFocus?.n ?? 0) + 1 } }));
    else get().api?.activePanel?.view.content.element.querySelector<HTMLElement>('h1, h2, [tabindex], input, button')?.focus();
  },
  run(id) {
    const s = get();
    switch (id) {
      case 'palette':
      case 'paletteAnywhere':
        usePaletteStore.getState().show();
        break;
      case 'newTab':
        if (!s.newTerminal('tab')) usePaletteStore.getState().show();
        break;
      case 'closeTab':
        s.closeActive();
        break;
      case 'nextTab':
      case 'nextTabAlt':
        s.cycleTab(1);
        break;
      case 'previousTab':
      case 'previousTabAlt':
        s.cycleTab(-1);
        break;
      case 'splitRight':
        s.newTerminal('right');
        break;
      case 'splitDown':
        s.newTerminal('below');
        break;
      case 'focusNextPane':
        s.focusNextGroup();
        break;
      case 'toggleSidebar':
        s.setSidebarCollapsed(!s.sidebarCollapsed);
        break;
      case 'focusSidebar':
        if (s.sidebarCollapsed) s.setSidebarCollapsed(false);
        // After the sidebar is shown again (next frame).
        requestAnimationFrame(() => document.getElementById('library-search')?.focus());
        break;
      case 'focusWorkspace':
        s.focusActive();
        break;
      case 'newCircuit':
        s.openBuilder();
        break;
      case 'settings':
        s.openSettings();
        break;
      case 'browseFiles':
        s.openFiles();
        break;
    }
  },
}));
