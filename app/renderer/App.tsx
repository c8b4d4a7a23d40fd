import { CircuitBuilder } from './features/circuit-builder/CircuitBuilder';
import { ConnectionView } from './features/connection/ConnectionView';
import { DialogHost } from './features/dialogs/DialogHost';
import { HostsLibrary } from './features/hosts/HostsLibrary';
import { ProfilesPanel } from './features/profiles/ProfilesPanel';
import { AppShell } from './features/shell/AppShell';

/** The window's composition: features don't import each other, so they meet here. */
export function App() {
  return (
    <AppShell
      profiles={<ProfilesPanel />}
      workspace={
        <>
          <CircuitBuilder />
          <ConnectionView />
        </>
      }
      library={<HostsLibrary />}
      dialogs={<DialogHost />}
    />
  );
}
