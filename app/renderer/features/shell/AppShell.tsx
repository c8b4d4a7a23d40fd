import type { ReactNode } from 'react';
import { ConnectionBadge } from '../../components/ConnectionBadge';
import { useAppStore } from '../../stores/useAppStore';
import { Banners } from './Banners';
import { Diagnostics } from './Diagnostics';

interface AppShellProps {
  /** Saved circuit profiles, left. */
  profiles?: ReactNode;
  /** The builder and the live connection, middle. */
  workspace?: ReactNode;
  /** The hosts library, right. */
  library?: ReactNode;
  /** Modal dialogs, over everything. */
  dialogs?: ReactNode;
}

/**
 * The frame of the app as an ops user expects a desktop tool to look: saved circuits on the
 * left, the circuit and its connection in the middle, the hosts library on the right, a status
 * bar below. The panes come in as props from main.tsx, because features don't import each other.
 */
export function AppShell({ profiles, workspace, library, dialogs }: AppShellProps) {
  const info = useAppStore((s) => s.info);
  const connection = useAppStore((s) => s.connection);

  return (
    <div className="shell">
      <header className="titlebar">
        <h1>Hopline</h1>
        <span className="version" data-testid="app-version">
          {info ? `v${info.version}` : '…'}
        </span>
      </header>
      <Banners />
      <aside className="sidebar" aria-label="Saved circuits">
        {profiles}
      </aside>
      <main className="workspace">
        {workspace}
        <Diagnostics />
      </main>
      <aside className="library" aria-label="Hosts library">
        {library}
      </aside>
      <footer className="statusbar">
        <ConnectionBadge state={connection} />
        {info && (
          <span data-testid="app-info">
            {info.transport} mode · {info.platform}/{info.arch} · node {info.versions.node} · data in {info.dataDir}
          </span>
        )}
      </footer>
      {dialogs}
    </div>
  );
}
