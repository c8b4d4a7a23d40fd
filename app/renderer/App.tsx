import { lazy, Suspense, useEffect, useRef, type ComponentType, type FunctionComponent } from 'react';
import type { IDockviewPanelProps } from 'dockview-react';
import { DialogHost } from './features/dialogs/DialogHost';
import { useGatewayCommands } from './features/gateway/useGatewayCommands';
import { LibrarySidebar } from './features/library/LibrarySidebar';
import { useApplyTheme } from './features/settings/applyTheme';
import { AppShell } from './features/shell/AppShell';
import { formatChord, isMac, SHORTCUTS } from './stores/shortcuts';
import { useCircuitsStore } from './stores/useCircuitsStore';
import { useForwardsStore } from './stores/useForwardsStore';
import { useHostsStore } from './stores/useHostsStore';
import { usePaletteStore } from './stores/usePaletteStore';
import { useProfilesStore } from './stores/useProfilesStore';
import { useSettingsStore } from './stores/useSettingsStore';
import { useTerminalsStore } from './stores/useTerminalsStore';
import { activeTerminalKey, useWorkspaceStore } from './stores/useWorkspaceStore';
import { findTab } from './stores/terminalsLogic';
import { requestDisconnect } from './stores/sessionEnding';
import { BuilderPanel } from './workspace/BuilderPanel';
import { EmptyWorkspace } from './workspace/EmptyWorkspace';
import { StatusBar } from './workspace/StatusBar';
import { useAppShortcuts } from './workspace/useAppShortcuts';
import { Workspace } from './workspace/Workspace';

// Heavy views load when first shown: xterm.js with the first terminal, the palette (cmdk) with
// its first opening, settings and the editors with theirs. The palette's chunk is fetched once the
// window is idle, so Ctrl+K never waits for the network.
const loadPalette = () => import('./features/palette/CommandPalette').then((m) => ({ default: m.CommandPalette }));
const CommandPalette = lazy(loadPalette);
const WorkspaceDialogs = lazy(() => import('./workspace/WorkspaceDialogs').then((m) => ({ default: m.WorkspaceDialogs })));

function slot(load: () => Promise<{ default: ComponentType<IDockviewPanelProps> }>): FunctionComponent<IDockviewPanelProps> {
  const Lazy = lazy(load);
  return function Slot(props: IDockviewPanelProps) {
    return (
      <Suspense fallback={null}>
        <Lazy {...props} />
      </Suspense>
    );
  };
}
const TerminalPanelSlot = slot(() => import('./workspace/TerminalPanel').then((m) => ({ default: m.TerminalPanel })));
const SettingsPanelSlot = slot(() => import('./workspace/SettingsPanel').then((m) => ({ default: m.SettingsPanel })));
const FilesPanelSlot = slot(() => import('./workspace/FilesPanel').then((m) => ({ default: m.FilesPanel })));

/** Workspace commands in the palette, beside the connect items the palette makes itself. */
function useWorkspaceCommands(): void {
  const register = usePaletteStore((s) => s.register);
  useEffect(() => {
    const mac = isMac();
    const ws = () => useWorkspaceStore.getState();
    const chord = (id: string) => {
      const chords = useSettingsStore.getState().chords() as Record<string, string>;
      return chords[id] ? formatChord(chords[id], mac) : undefined;
    };
    const hasTerminal = () => activeTerminalKey(ws().api) !== null;
    const activeTab = () => {
      const key = activeTerminalKey(ws().api);
      return key ? findTab(useTerminalsStore.getState(), key) : undefined;
    };
    const label = (id: string) => SHORTCUTS.find((s) => s.id === id)?.label ?? id;
    /** Opens the active terminal's circuit details (never toggling them shut) at its forwards. */
    const revealForwards = (target: 'list' | 'form') => {
      const key = activeTerminalKey(ws().api);
      const tab = activeTab();
      if (!key || !tab) return;
      if (ws().drawer !== key) ws().toggleDrawer(key);
      useForwardsStore.getState().requestReveal(tab.circuitId, target);
    };
    return register([
      { id: 'new-circuit', title: 'New circuit', group: 'Workspace', keywords: ['builder', 'chain', 'jump'], shortcut: chord('newCircuit'), run: () => ws().openBuilder() },
      { id: 'import', title: 'Import ssh_config', group: 'Library', keywords: ['config', 'hosts'], run: () => ws().openDialog({ kind: 'import' }) },
      { id: 'add-host', title: 'Add host', group: 'Library', run: () => ws().openDialog({ kind: 'host', hostId: null }) },
      { id: 'settings', title: 'Settings', group: 'Workspace', keywords: ['preferences', 'theme', 'font', 'shortcuts'], shortcut: chord('settings'), run: () => ws().openSettings() },
      { id: 'toggle-sidebar', title: 'Show or hide the sidebar', group: 'Workspace', shortcut: chord('toggleSidebar'), run: () => ws().run('toggleSidebar') },
      { id: 'new-terminal', title: label('newTab'), group: 'Terminal', shortcut: chord('newTab'), enabled: hasTerminal, run: () => void ws().newTerminal('tab') },
      { id: 'split-right', title: 'Split right: a new terminal beside this one', group: 'Terminal', shortcut: chord('splitRight'), enabled: hasTerminal, run: () => void ws().newTerminal('right') },
      { id: 'split-down', title: 'Split down: a new terminal below this one', group: 'Terminal', shortcut: chord('splitDown'), enabled: hasTerminal, run: () => void ws().newTerminal('below') },
      { id: 'move-right', title: 'Move this tab to a new pane on the right', group: 'Terminal', run: () => ws().moveActive('right') },
      { id: 'move-down', title: 'Move this tab to a new pane below', group: 'Terminal', run: () => ws().moveActive('below') },
      { id: 'next-pane', title: label('focusNextPane'), group: 'Terminal', shortcut: chord('focusNextPane'), run: () => ws().focusNextGroup() },
      {
        id: 'reconnect',
        title: 'Reconnect this terminal',
        group: 'Terminal',
        enabled: () => {
          const kind = activeTab()?.status.kind;
          return kind === 'ended' || kind === 'exited';
        },
        run: () => {
          const tab = activeTab();
          if (tab) void useTerminalsStore.getState().reconnect(tab.key);
        },
      },
      { id: 'close-terminal', title: 'Close this tab', group: 'Terminal', shortcut: chord('closeTab'), run: () => ws().closeActive() },
      {
        id: 'disconnect',
        title: 'Disconnect this circuit',
        group: 'Terminal',
        enabled: () => {
          const tab = activeTab();
          const state = tab ? useCircuitsStore.getState().circuits[tab.circuitId]?.state : undefined;
          return state === 'open' || state === 'opening';
        },
        run: () => {
          const tab = activeTab();
          // Asks first when it ends live terminals; their tabs then say "ended by you".
          if (tab) void requestDisconnect(tab.circuitId);
        },
      },
      { id: 'circuit-details', title: 'Show circuit details', group: 'Terminal', enabled: hasTerminal, run: () => ws().toggleDrawer(activeTerminalKey(ws().api)) },
      {
        id: 'forward-add',
        title: 'Add a port forward to this circuit…',
        group: 'Terminal',
        keywords: ['tunnel', 'forward', 'port', 'socks', '-L', '-R', '-D'],
        enabled: () => {
          const tab = activeTab();
          return tab !== undefined && useCircuitsStore.getState().circuits[tab.circuitId]?.state === 'open';
        },
        run: () => revealForwards('form'),
      },
      {
        id: 'files-browse',
        title: 'Browse files on this circuit',
        group: 'Terminal',
        keywords: ['sftp', 'files', 'upload', 'download', 'scp', 'transfer'],
        shortcut: chord('browseFiles'),
        enabled: () => {
          const tab = activeTab();
          const circuits = Object.values(useCircuitsStore.getState().circuits);
          if (tab) return useCircuitsStore.getState().circuits[tab.circuitId]?.state === 'open';
          return circuits.filter((c) => c.state === 'open').length === 1;
        },
        run: () => void ws().openFiles(),
      },
      { id: 'forwards-show', title: 'Show forwards', group: 'Terminal', keywords: ['tunnel', 'port', 'socks'], enabled: hasTerminal, run: () => revealForwards('list') },
    ]);
  }, [register]);
}

/** The window's composition: features don't import each other, so they meet here. */
export function App() {
  useApplyTheme();
  useAppShortcuts();
  useWorkspaceCommands();
  useGatewayCommands();
  const sidebarCollapsed = useWorkspaceStore((s) => s.sidebarCollapsed);
  const ws = useWorkspaceStore.getState;
  const settingsLoaded = useSettingsStore((s) => s.loaded);
  const savedCollapsed = useSettingsStore((s) => s.settings.sidebarCollapsed);
  const hosts = useHostsStore((s) => s.hosts);
  const profiles = useProfilesStore((s) => s.profiles);
  const saveHost = useHostsStore((s) => s.save);
  const connectionDefaults = useSettingsStore((s) => s.settings.connection);
  const openCircuit = useCircuitsStore((s) => s.open);
  const searchRef = useRef<HTMLInputElement>(null);
  const paletteOpen = usePaletteStore((s) => s.open);
  const dialogOpen = useWorkspaceStore((s) => s.dialog !== null);

  useEffect(() => {
    const idle = window.requestIdleCallback ?? ((fn: () => void) => window.setTimeout(fn, 500));
    idle(() => void loadPalette().catch(() => undefined));
  }, []);

  // The sidebar's state lives in settings, so it is the same after a reload.
  useEffect(() => {
    if (settingsLoaded) ws().setSidebarCollapsed(savedCollapsed);
  }, [settingsLoaded, savedCollapsed, ws]);
  useEffect(
    () =>
      useWorkspaceStore.subscribe((s, prev) => {
        if (s.sidebarCollapsed !== prev.sidebarCollapsed && s.sidebarCollapsed !== useSettingsStore.getState().settings.sidebarCollapsed) {
          void useSettingsStore.getState().update({ sidebarCollapsed: s.sidebarCollapsed });
        }
      }),
    [],
  );
  useEffect(() => {
    searchRef.current?.setAttribute('id', 'library-search');
  });

  return (
    <AppShell
      sidebarCollapsed={sidebarCollapsed}
      onToggleSidebar={() => ws().run('toggleSidebar')}
      onQuickConnect={() => usePaletteStore.getState().show()}
      onNewCircuit={() => ws().openBuilder()}
      onSettings={() => ws().openSettings()}
      onSkipToWorkspace={() => {
        if (ws().api?.activePanel) ws().focusActive();
        else document.getElementById('workspace')?.focus();
      }}
      sidebar={
        <LibrarySidebar
          searchRef={searchRef}
          onConnectProfile={(profile) => void openCircuit(profile.hostIds, profile.id)}
          onConnectHost={(host) => void openCircuit([host.id])}
          onEditProfile={(profile) => ws().openDialog({ kind: 'profile', profileId: profile.id })}
          onEditHost={(host) => ws().openDialog({ kind: 'host', hostId: host.id })}
          onDeleteProfile={(profile) => useProfilesStore.getState().remove(profile.id)}
          onDeleteHost={(host, replaceWith) => useHostsStore.getState().remove(host.id, replaceWith !== undefined ? { replaceWith } : undefined)}
          onAddHost={() => ws().openDialog({ kind: 'host', hostId: null })}
          onImport={() => ws().openDialog({ kind: 'import' })}
          onNewCircuit={() => ws().openBuilder()}
        />
      }
      workspace={<Workspace terminal={TerminalPanelSlot} builder={BuilderPanel} settings={SettingsPanelSlot} files={FilesPanelSlot} empty={EmptyWorkspace} />}
      status={<StatusBar />}
      overlays={
        <>
          <Suspense fallback={null}>
            {dialogOpen && <WorkspaceDialogs />}
            {paletteOpen && (
              <CommandPalette
                hosts={hosts}
                profiles={profiles}
                onConnectProfile={(profile) => void openCircuit(profile.hostIds, profile.id)}
                onConnectHosts={(hostIds) => void openCircuit(hostIds)}
                saveHost={saveHost}
                connectionDefaults={connectionDefaults}
              />
            )}
          </Suspense>
          <DialogHost />
        </>
      }
    />
  );
}
