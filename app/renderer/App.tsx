import { lazy, Suspense, useEffect, useId, useRef } from 'react';
import type { IDockviewPanelProps } from 'dockview-react';
import { Modal } from './components/Modal';
import { DialogHost } from './features/dialogs/DialogHost';
import { HostEditorDialog } from './features/hosts/HostEditorDialog';
import { ImportPanel } from './features/hosts/ImportPanel';
import { LibrarySidebar } from './features/library/LibrarySidebar';
import { CommandPalette } from './features/palette/CommandPalette';
import { ProfileEditorDialog } from './features/profiles/ProfileEditor';
import { useApplyTheme } from './features/settings/applyTheme';
import { AppShell } from './features/shell/AppShell';
import { formatChord, isMac, SHORTCUTS } from './stores/shortcuts';
import { useBuilderStore } from './stores/useBuilderStore';
import { useCircuitsStore } from './stores/useCircuitsStore';
import { useHostsStore } from './stores/useHostsStore';
import { usePaletteStore } from './stores/usePaletteStore';
import { useProfilesStore } from './stores/useProfilesStore';
import { useSettingsStore } from './stores/useSettingsStore';
import { useTerminalsStore } from './stores/useTerminalsStore';
import { activeTerminalKey, useWorkspaceStore } from './stores/useWorkspaceStore';
import { findTab } from './stores/terminalsLogic';
import { BuilderPanel } from './workspace/BuilderPanel';
import { EmptyWorkspace } from './workspace/EmptyWorkspace';
import { SettingsPanel } from './workspace/SettingsPanel';
import { StatusBar } from './workspace/StatusBar';
import { useAppShortcuts } from './workspace/useAppShortcuts';
import { Workspace } from './workspace/Workspace';

// xterm.js and its renderers are most of the bundle: loaded when the first terminal panel shows.
const LazyTerminalPanel = lazy(() => import('./workspace/TerminalPanel').then((m) => ({ default: m.TerminalPanel })));
function TerminalPanelSlot(props: IDockviewPanelProps) {
  return (
    <Suspense fallback={null}>
      <LazyTerminalPanel {...props} />
    </Suspense>
  );
}

/** Dialogs opened from the library, the palette or the empty state. */
function WorkspaceDialogs() {
  const dialog = useWorkspaceStore((s) => s.dialog);
  const openDialog = useWorkspaceStore((s) => s.openDialog);
  const openBuilder = useWorkspaceStore((s) => s.openBuilder);
  const importSshConfig = useHostsStore((s) => s.importSshConfig);
  const profiles = useProfilesStore((s) => s.profiles);
  const loadProfile = useBuilderStore((s) => s.loadProfile);
  const importTitle = useId();
  const close = () => openDialog(null);
  if (!dialog) return null;
  if (dialog.kind === 'host') return <HostEditorDialog hostId={dialog.hostId} onDone={close} />;
  if (dialog.kind === 'profile')
    return (
      <ProfileEditorDialog
        profileId={dialog.profileId}
        onDone={close}
        onEditRoute={(profileId) => {
          const profile = profiles.find((p) => p.id === profileId);
          if (profile) loadProfile(profile);
          close();
          openBuilder();
        }}
      />
    );
  return (
    <Modal labelledBy={importTitle} onEscape={close} className="modal-wide">
      <h2 id={importTitle}>Import ssh_config</h2>
      <ImportPanel onImport={importSshConfig} onClose={close} />
    </Modal>
  );
}

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
          if (tab) void useCircuitsStore.getState().close(tab.circuitId);
        },
      },
      { id: 'circuit-details', title: 'Show circuit details', group: 'Terminal', enabled: hasTerminal, run: () => ws().toggleDrawer(activeTerminalKey(ws().api)) },
    ]);
  }, [register]);
}

/** The window's composition: features don't import each other, so they meet here. */
export function App() {
  useApplyTheme();
  useAppShortcuts();
  useWorkspaceCommands();
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
          onDeleteHost={(host) => useHostsStore.getState().remove(host.id)}
          onAddHost={() => ws().openDialog({ kind: 'host', hostId: null })}
          onImport={() => ws().openDialog({ kind: 'import' })}
          onNewCircuit={() => ws().openBuilder()}
        />
      }
      workspace={<Workspace terminal={TerminalPanelSlot} builder={BuilderPanel} settings={SettingsPanel} empty={EmptyWorkspace} />}
      status={<StatusBar />}
      overlays={
        <>
          <WorkspaceDialogs />
          <CommandPalette
            hosts={hosts}
            profiles={profiles}
            onConnectProfile={(profile) => void openCircuit(profile.hostIds, profile.id)}
            onConnectHosts={(hostIds) => void openCircuit(hostIds)}
            saveHost={saveHost}
            connectionDefaults={connectionDefaults}
          />
          <DialogHost />
        </>
      }
    />
  );
}
