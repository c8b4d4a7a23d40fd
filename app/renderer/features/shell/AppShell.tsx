import { PanelLeft, Route, Search, Settings } from 'lucide-react';
import type { ReactNode } from 'react';
import { formatChord, isMac } from '../../stores/shortcuts';
import { Banners } from './Banners';

interface AppShellProps {
  /** The library, left; collapsible. */
  sidebar: ReactNode;
  sidebarCollapsed: boolean;
  onToggleSidebar(): void;
  /** The workspace: tabs and splits. */
  workspace: ReactNode;
  status: ReactNode;
  /** Modal dialogs and the palette, over everything. */
  overlays: ReactNode;
  onQuickConnect(): void;
  onNewCircuit(): void;
  onSettings(): void;
  /** The skip link: puts the focus in the active terminal. */
  onSkipToWorkspace(): void;
}

/**
 * The frame: a slim title bar (sidebar toggle, quick connect, new circuit, settings), the library
 * on the left, the workspace filling the rest, a status bar. The parts come in as props because
 * features don't import each other.
 */
export function AppShell({ sidebar, sidebarCollapsed, onToggleSidebar, workspace, status, overlays, onQuickConnect, onNewCircuit, onSettings, onSkipToWorkspace }: AppShellProps) {
  const mac = isMac();
  return (
    <div className={`shell${sidebarCollapsed ? ' sidebar-collapsed' : ''}`}>
      <a
        className="skip-link"
        href="#workspace"
        onClick={(event) => {
          event.preventDefault();
          onSkipToWorkspace();
        }}
      >
        Skip to the terminal
      </a>
      <header className="titlebar">
        <button
          type="button"
          className="icon-button"
          aria-label={sidebarCollapsed ? 'Show sidebar' : 'Hide sidebar'}
          aria-expanded={!sidebarCollapsed}
          aria-controls="sidebar"
          title={`${sidebarCollapsed ? 'Show' : 'Hide'} sidebar (${formatChord('Mod+Shift+B', mac)})`}
          onClick={onToggleSidebar}
        >
          <PanelLeft size={18} aria-hidden />
        </button>
        <h1>Hopline</h1>
        <button type="button" className="quick-connect" onClick={onQuickConnect} aria-keyshortcuts={mac ? 'Meta+K' : 'Control+K'}>
          <Search size={15} aria-hidden />
          <span>Quick connect or run a command…</span>
          <kbd>{formatChord('Mod+K', mac)}</kbd>
        </button>
        <div className="titlebar-actions">
          <button type="button" className="secondary small" onClick={onNewCircuit}>
            <Route size={15} aria-hidden /> New circuit
          </button>
          <button type="button" className="icon-button" aria-label="Settings" title={`Settings (${formatChord('Mod+,', mac)})`} onClick={onSettings}>
            <Settings size={18} aria-hidden />
          </button>
        </div>
      </header>
      <Banners />
      <aside id="sidebar" className="sidebar" aria-label="Sidebar" hidden={sidebarCollapsed}>
        {sidebar}
      </aside>
      <main id="workspace" className="workspace" tabIndex={-1}>
        {workspace}
      </main>
      {status}
      {overlays}
    </div>
  );
}
