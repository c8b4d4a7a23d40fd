/**
 * The centre of the window: a dock (dockview) of tabs and splits. Every terminal tab of the
 * terminals store is a panel here; the builder, settings and files views are panels opened on
 * demand. The layout is saved in the app's document (settings.saveLayout) and brought back on
 * reload, with live terminals found again by id and ended ones offering Reconnect, and files
 * views of circuits still open back at the folder they showed.
 */
import { DockviewReact, type DockviewApi, type DockviewReadyEvent, type IDockviewPanel } from 'dockview-react';
import 'dockview-react/dist/styles/dockview.css';
import { useEffect, useRef, type FunctionComponent } from 'react';
import type { IDockviewPanelProps, IWatermarkPanelProps } from 'dockview-react';
import type { PanelRef, WorkspaceLayout } from '../../shared/model/settings';
import { onConnectionState, rpc } from '../rpc';
import { toPlainText } from '../../shared/model/plainText';
import { findTab } from '../stores/terminalsLogic';
import { useBuilderStore } from '../stores/useBuilderStore';
import { useCircuitsStore } from '../stores/useCircuitsStore';
import { useFilesStore } from '../stores/useFilesStore';
import { useProfilesStore } from '../stores/useProfilesStore';
import { useTerminalsStore } from '../stores/useTerminalsStore';
import { BUILDER_PANEL, filesCircuitOf, SETTINGS_PANEL, useWorkspaceStore } from '../stores/useWorkspaceStore';
import { rekeyDock, restorableFiles, savedTerminals, tabLabels, terminalPanelRef } from '../stores/workspaceLayout';
import { ConfirmHost } from './ConfirmHost';
import { WorkspaceTab } from './WorkspaceTab';
import './workspace.css';

/** How long the layout must hold still before it is saved. */
const SAVE_DELAY_MS = 400;

interface WorkspaceProps {
  terminal: FunctionComponent<IDockviewPanelProps>;
  builder: FunctionComponent<IDockviewPanelProps>;
  settings: FunctionComponent<IDockviewPanelProps>;
  files: FunctionComponent<IDockviewPanelProps>;
  empty: FunctionComponent<IWatermarkPanelProps>;
}

function labelsNow() {
  const { tabs } = useTerminalsStore.getState();
  const { circuits } = useCircuitsStore.getState();
  const profiles = new Map(useProfilesStore.getState().profiles.map((p) => [p.id, p]));
  return tabLabels(tabs, circuits, profiles);
}

/** The layout as saved: dockview's own JSON and what each panel shows. */
function currentLayout(api: DockviewApi): WorkspaceLayout {
  const labels = labelsNow();
  const { tabs } = useTerminalsStore.getState();
  const { circuits } = useCircuitsStore.getState();
  const panels: Record<string, PanelRef> = {};
  for (const panel of api.panels) {
    if (panel.id === BUILDER_PANEL) panels[panel.id] = { kind: 'builder', profileId: null };
    else if (panel.id === SETTINGS_PANEL) panels[panel.id] = { kind: 'settings' };
    else if (filesCircuitOf(panel.id) !== null) {
      // The files store holds the folder a view shows; the layout only copies it when saving.
      const circuitId = filesCircuitOf(panel.id)!;
      panels[panel.id] = { kind: 'files', circuitId, path: useFilesStore.getState().views[circuitId]?.path ?? null };
    } else {
      const tab = tabs.find((t) => t.key === panel.id);
      if (tab) panels[panel.id] = terminalPanelRef(tab, circuits[tab.circuitId], labels.get(tab.key)?.title ?? 'Terminal');
    }
  }
  return { version: 1, dock: api.toJSON(), panels };
}

/**
 * Brings a saved layout back: live terminals are adopted under their stable keys, ended ones
 * come back as tabs that say so, files views come back only while their circuit is open, then
 * the dock is rebuilt with the panels renamed to those keys.
 */
async function restore(api: DockviewApi): Promise<void> {
  // The circuits store is loaded first so files views are kept only for circuits still open, and
  // show their folder at once rather than "circuit closed" until the store catches up.
  const [layout, list] = await Promise.all([rpc.settings.getLayout().catch(() => null), rpc.terminals.list().catch(() => []), useCircuitsStore.getState().load()]);
  const terminals = useTerminalsStore.getState();
  terminals.adopt(list);
  if (!layout) return;
  const rename = new Map<string, string>();
  const keep = new Set<string>();
  for (const [panelId, ref] of savedTerminals(layout)) {
    const live = ref.terminalId ? list.find((t) => t.terminalId === ref.terminalId) : undefined;
    const tabs = useTerminalsStore.getState().tabs;
    const adopted = live ? tabs.find((t) => 'terminalId' in t.status && t.status.terminalId === live.terminalId) : undefined;
    if (adopted) {
      rename.set(panelId, adopted.key);
      keep.add(panelId);
    } else if (ref.hostIds.length > 0) {
      const circuitNames = ref.title ? [ref.title] : [];
      terminals.restoreEnded(panelId, { hostIds: ref.hostIds, profileId: ref.profileId, hopNames: circuitNames });
      keep.add(panelId);
    }
  }
  for (const [panelId, ref] of Object.entries(layout.panels)) if (ref.kind === 'builder' || ref.kind === 'settings') keep.add(panelId);
  const files = restorableFiles(layout, useCircuitsStore.getState().circuits);
  for (const [panelId] of files) keep.add(panelId);
  const dock = rekeyDock(layout.dock, rename, (id) => keep.has(id));
  if (!dock) return;
  // Each files view starts at its saved folder (its panel then finds the view already made).
  for (const [, ref] of files) useFilesStore.getState().open(ref.circuitId, ref.path ?? undefined);
  try {
    api.fromJSON(dock as Parameters<DockviewApi['fromJSON']>[0]);
  } catch {
    // A layout this version cannot read: start with the tabs alone (added by the sync below).
    api.clear();
    for (const [, ref] of files) useFilesStore.getState().close(ref.circuitId);
  }
}

export function Workspace({ terminal, builder, settings, files, empty }: WorkspaceProps) {
  const apiRef = useRef<DockviewApi | null>(null);
  const setApi = useWorkspaceStore((s) => s.setApi);

  function onReady(event: DockviewReadyEvent) {
    apiRef.current = event.api;
    setApi(event.api);
  }

  // Wire the dock to the stores once it is ready and the main side answers.
  useEffect(() => {
    let disposed = false;
    let restored = false;
    let saveTimer: ReturnType<typeof setTimeout> | undefined;
    /** Panels this code removes (their tab is gone): not a user's close. */
    const removing = new Set<string>();
    const subs: { dispose(): void }[] = [];
    const api = () => apiRef.current;

    const sync = (): void => {
      const dock = api();
      if (!dock || !restored) return;
      const { tabs } = useTerminalsStore.getState();
      const labels = labelsNow();
      const keys = new Set(tabs.map((t) => t.key));
      for (const tab of tabs) {
        const title = labels.get(tab.key)?.title ?? 'Terminal';
        const existing = dock.getPanel(tab.key);
        if (existing) {
          if (existing.title !== title) existing.api.setTitle(title);
          continue;
        }
        const placement = useWorkspaceStore.getState().placements[tab.key];
        const reference = placement && dock.groups.includes(placement.referenceGroup) ? placement : undefined;
        dock.addPanel({
          id: tab.key,
          component: 'terminal',
          title,
          ...(reference ? { position: { referenceGroup: reference.referenceGroup, direction: reference.direction } } : {}),
        });
        if (placement) useWorkspaceStore.setState((s) => ({ placements: Object.fromEntries(Object.entries(s.placements).filter(([k]) => k !== tab.key)) }));
      }
      const editing = useBuilderStore.getState().profile;
      const builderTitle = editing ? `Edit ${toPlainText(editing.name, 80)}` : 'New circuit';
      const builderPanel = dock.getPanel(BUILDER_PANEL);
      if (builderPanel && builderPanel.title !== builderTitle) builderPanel.api.setTitle(builderTitle);
      for (const panel of [...dock.panels]) {
        // Files views (issue 16) live beside the terminals, not in the terminals store.
        if (panel.id === BUILDER_PANEL || panel.id === SETTINGS_PANEL || keys.has(panel.id) || filesCircuitOf(panel.id) !== null) continue;
        removing.add(panel.id);
        panel.api.close();
      }
    };

    const scheduleSave = (): void => {
      if (!restored) return;
      clearTimeout(saveTimer);
      saveTimer = setTimeout(() => {
        const dock = api();
        if (dock) void rpc.settings.saveLayout(currentLayout(dock)).catch(() => undefined);
      }, SAVE_DELAY_MS);
    };

    const start = async (): Promise<void> => {
      const dock = api();
      if (!dock) return;
      await restore(dock).catch(() => undefined);
      if (disposed) return;
      restored = true;
      sync();
      subs.push(
        dock.onDidRemovePanel((panel: IDockviewPanel) => {
          if (removing.delete(panel.id)) return;
          if (useWorkspaceStore.getState().drawer === panel.id) useWorkspaceStore.getState().toggleDrawer(null);
          // The user closed the tab: end its shell (the last one on a circuit releases it).
          if (findTab(useTerminalsStore.getState(), panel.id)) void useTerminalsStore.getState().close(panel.id);
        }),
        dock.onDidActivePanelChange((event) => {
          const key = event.panel?.id;
          if (key && findTab(useTerminalsStore.getState(), key)) useTerminalsStore.getState().activate(key, true);
        }),
        dock.onDidLayoutChange(scheduleSave),
      );
      const unsubs = [
        useTerminalsStore.subscribe((s, prev) => {
          if (s.tabs !== prev.tabs) {
            sync();
            scheduleSave();
          }
        }),
        useCircuitsStore.subscribe((s, prev) => s.circuits !== prev.circuits && sync()),
        useProfilesStore.subscribe((s, prev) => s.profiles !== prev.profiles && sync()),
        useBuilderStore.subscribe((s, prev) => s.profile !== prev.profile && sync()),
        // A files view went to another folder: the saved layout follows, so a reload comes back there.
        useFilesStore.subscribe((s, prev) => {
          if (s.views !== prev.views && Object.values(s.views).some((v) => prev.views[v.circuitId]?.path !== v.path)) scheduleSave();
        }),
      ];
      subs.push({ dispose: () => unsubs.forEach((u) => u()) });
    };

    // Restore once, when the main side first answers.
    let started = false;
    const stopListening = onConnectionState((state) => {
      if (state !== 'open' || started) return;
      started = true;
      // The dock's onReady runs in the same commit as this effect; wait for it if needed.
      const go = () => (apiRef.current ? void start() : setTimeout(go, 20));
      go();
    });
    return () => {
      disposed = true;
      clearTimeout(saveTimer);
      stopListening();
      for (const sub of subs) sub.dispose();
    };
  }, []);

  return (
    <>
      <DockviewReact
        className="hl-dock dockview-theme-light"
        components={{ terminal, builder, settings, files }}
        defaultTabComponent={WorkspaceTab}
        watermarkComponent={empty}
        onReady={onReady}
        defaultRenderer="always"
        disableFloatingGroups
        noPanelsOverlay="watermark"
      />
      {/* Questions before live sessions end (closing a live tab, Disconnect). */}
      <ConfirmHost />
    </>
  );
}
