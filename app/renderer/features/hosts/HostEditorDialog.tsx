import { useId, useMemo, useState } from 'react';
import { HOST_DEFAULTS } from '../../../shared/model/host';
import { ConfirmButton } from '../../components/ConfirmButton';
import { Modal } from '../../components/Modal';
import { describeError } from '../../stores/describeError';
import { secretBadges } from '../../stores/hostsLogic';
import { useCredentialsStore } from '../../stores/useCredentialsStore';
import { useHostsStore } from '../../stores/useHostsStore';
import { useProfilesStore } from '../../stores/useProfilesStore';
import { useSettingsStore } from '../../stores/useSettingsStore';
import { HostForm } from './HostForm';
import { toForm } from './hostFormModel';
import { TotpSetup } from './TotpSetup';

export interface HostEditorDialogProps {
  /** null: a new host, starting from the connection defaults in settings. */
  hostId: string | null;
  onDone(): void;
}

/** Every folder in the library (hosts and profiles), for the folder field's suggestions. */
function useLibraryFolders(): string[] {
  const hosts = useHostsStore((s) => s.hosts);
  const profiles = useProfilesStore((s) => s.profiles);
  return useMemo(() => {
    const all = new Set<string>();
    for (const h of hosts) if (h.folder) all.add(h.folder);
    for (const p of profiles) if (p.folder) all.add(p.folder);
    return [...all].sort((a, b) => a.localeCompare(b));
  }, [hosts, profiles]);
}

/**
 * Add or edit a host in a modal: its settings, and for a saved host its keychain entries
 * (forget them, set up TOTP), duplicate and delete.
 */
export function HostEditorDialog({ hostId, onDone }: HostEditorDialogProps) {
  const titleId = useId();
  // Duplicating switches the dialog to the copy.
  const [currentId, setCurrentId] = useState(hostId);
  const host = useHostsStore((s) => (currentId ? s.hosts.find((h) => h.id === currentId) : undefined));
  const { save, duplicate, remove } = useHostsStore.getState();
  const kinds = useCredentialsStore((s) => (currentId ? s.kinds[currentId] : undefined));
  const forget = useCredentialsStore((s) => s.forget);
  const setTotp = useCredentialsStore((s) => s.setTotp);
  const connection = useSettingsStore((s) => s.settings.connection);
  const folders = useLibraryFolders();
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  // A new host's defaults are read once, so a settings change does not reset what is being typed.
  const [newForm] = useState(() => toForm({ ...HOST_DEFAULTS, ...connection, name: '', address: '', user: '' }));

  async function attempt(action: () => Promise<unknown>, done: string) {
    try {
      await action();
      setMessage({ ok: true, text: done });
    } catch (error) {
      setMessage({ ok: false, text: describeError(error) });
    }
  }

  const title = currentId === null ? 'Add host' : 'Edit host';
  const badges = host ? secretBadges(host, kinds) : [];

  return (
    <Modal labelledBy={titleId} onEscape={onDone} className="modal-wide host-editor-dialog">
      <h2 id={titleId}>
        {title}
        {host && <span className="muted"> · {host.name}</span>}
      </h2>
      {message && (
        <p role={message.ok ? 'status' : 'alert'} className={message.ok ? 'hint' : 'error'}>
          {message.text}
        </p>
      )}
      {currentId === null ? (
        <HostForm
          key="new"
          initial={newForm}
          folders={folders}
          showHeading={false}
          onSave={async (input) => {
            await save(input);
            onDone();
          }}
          onCancel={onDone}
        />
      ) : !host ? (
        <>
          <p className="error" role="alert">
            This host is no longer in the library.
          </p>
          <div className="actions">
            <button type="button" onClick={onDone}>
              Close
            </button>
          </div>
        </>
      ) : (
        <>
          <HostForm
            key={host.id}
            initial={toForm(host)}
            folders={folders}
            showHeading={false}
            onSave={async (input) => {
              await save(input);
              onDone();
            }}
            onCancel={onDone}
          >
            <button
              type="button"
              className="secondary"
              onClick={() =>
                void attempt(async () => {
                  const copy = await duplicate(host.id);
                  setCurrentId(copy.id);
                }, `Duplicated ${host.name}: now editing the copy.`)
              }
            >
              Duplicate
            </button>
            <ConfirmButton
              label="Delete"
              confirmLabel="Confirm delete"
              onConfirm={() =>
                void attempt(async () => {
                  await remove(host.id);
                  onDone();
                }, `Deleted ${host.name} and its saved secrets.`)
              }
            />
          </HostForm>
          <section className="secrets" aria-labelledby={`${titleId}-secrets`}>
            <h3 id={`${titleId}-secrets`}>Saved secrets</h3>
            {/* Plain text: SecretBadges' aria-label on a bare span is prohibited ARIA (axe: aria-prohibited-attr). */}
            <p>{badges.length > 0 ? <>The keychain holds: {badges.join(', ')}.</> : 'Nothing saved for this host.'}</p>
            <ConfirmButton
              label="Forget saved secrets"
              confirmLabel="Confirm forget"
              disabled={badges.length === 0}
              onConfirm={() => void attempt(() => forget(host.id), `Forgot the saved secrets of ${host.name}.`)}
            />
            <TotpSetup key={host.id} hostName={host.name} onSave={(secret, pattern) => setTotp(host.id, secret, pattern)} />
          </section>
        </>
      )}
    </Modal>
  );
}
