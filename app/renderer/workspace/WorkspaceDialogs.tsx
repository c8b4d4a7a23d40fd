import { useId } from 'react';
import { Modal } from '../components/Modal';
import { HostEditorDialog } from '../features/hosts/HostEditorDialog';
import { ImportPanel } from '../features/hosts/ImportPanel';
import { ProfileEditorDialog } from '../features/profiles/ProfileEditor';
import { useBuilderStore } from '../stores/useBuilderStore';
import { useHostsStore } from '../stores/useHostsStore';
import { useProfilesStore } from '../stores/useProfilesStore';
import { useWorkspaceStore } from '../stores/useWorkspaceStore';

/** Dialogs opened from the library, the palette or the empty state. */
export function WorkspaceDialogs() {
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

