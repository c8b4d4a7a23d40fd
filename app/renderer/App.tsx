import { lazy, Suspense } from 'react';
import { CircuitBuilder } from './features/circuit-builder/CircuitBuilder';
import { ConnectionView } from './features/connection/ConnectionView';
import { DialogHost } from './features/dialogs/DialogHost';
import { HostsLibrary } from './features/hosts/HostsLibrary';
import { ProfilesPanel } from './features/profiles/ProfilesPanel';
import { AppShell } from './features/shell/AppShell';

// xterm.js and its renderers are most of the bundle: loaded when the window first shows a terminal area.
const TerminalsPanel = lazy(() => import('./features/terminals/TerminalsPanel').then((m) => ({ default: m.TerminalsPanel })));

/** The window's composition: features don't import each other, so they meet here. */
export function App() {
  return (
    <AppShell
      profiles={<ProfilesPanel />}
      workspace={
        <>
          <CircuitBuilder />
          <ConnectionView />
          <Suspense fallback={null}>
            <TerminalsPanel />
          </Suspense>
        </>
      }
      library={<HostsLibrary />}
      dialogs={<DialogHost />}
    />
  );
}
