import { useId, useMemo, useState } from 'react';
import type { HostSummary } from '../../../shared/model/host';
import { ConfirmButton } from '../../components/ConfirmButton';
import { describeError } from '../../stores/describeError';
import { filterHosts, secretBadges } from '../../stores/hostsLogic';
import { useBuilderStore } from '../../stores/useBuilderStore';
import { useCredentialsStore } from '../../stores/useCredentialsStore';
import { useHostsStore } from '../../stores/useHostsStore';
import { HostForm } from './HostForm';
import { toForm } from './hostFormModel';
import { HostList } from './HostList';
import { ImportPanel } from './ImportPanel';
import { SecretBadges } from './SecretBadges';
import { TotpSetup } from './TotpSetup';

type Mode = { kind: 'list' } | { kind: 'new' } | { kind: 'edit'; hostId: string } | { kind: 'import' };

/** The hosts library pane: search, add/edit, import, and the source of hops for the builder. */
export function HostsLibrary() {
  const id = useId();
  const hosts = useHostsStore((s) => s.hosts);
  const loadError = useHostsStore((s) => s.error);
  const { save, duplicate, remove, importSshConfig } = useHostsStore.getState();
  const kinds = useCredentialsStore((s) => s.kinds);
  const forget = useCredentialsStore((s) => s.forget);
  const setTotp = useCredentialsStore((s) => s.setTotp);
  const addHost = useBuilderStore((s) => s.addHost);
  const [query, setQuery] = useState('');
  const [mode, setMode] = useState<Mode>({ kind: 'list' });
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const shown = useMemo(() => filterHosts(hosts, query), [hosts, query]);
  const editing = mode.kind === 'edit' ? hosts.find((h) => h.id === mode.hostId) : undefined;

  async function attempt(action: () => Promise<unknown>, done: string) {
    try {
      await action();
      setMessage({ ok: true, text: done });
    } catch (error) {
      setMessage({ ok: false, text: describeError(error) });
    }
  }

  function hostActions(host: HostSummary) {
    return (
      <>
        <button type="button" className="secondary" onClick={() => void attempt(async () => setMode({ kind: 'edit', hostId: (await duplicate(host.id)).id }), `Duplicated ${host.name}.`)}>
          Duplicate
        </button>
        <ConfirmButton
          label="Delete"
          confirmLabel="Confirm delete"
          onConfirm={() =>
            void attempt(async () => {
              await remove(host.id);
              setMode({ kind: 'list' });
            }, `Deleted ${host.name} and its saved secrets.`)
          }
        />
      </>
    );
  }

  return (
    <div className="hosts">
      <div className="panel-head">
        <h2>Hosts</h2>
        <button type="button" onClick={() => setMode({ kind: 'new' })}>
          Add host
        </button>
        <button type="button" className="secondary" onClick={() => setMode({ kind: 'import' })}>
          Import ssh_config
        </button>
      </div>
      {message && (
        <p role={message.ok ? 'status' : 'alert'} className={message.ok ? 'hint' : 'error'}>
          {message.text}
        </p>
      )}
      {loadError && (
        <p role="alert" className="error">
          {loadError}
        </p>
      )}

      {mode.kind === 'new' && (
        <HostForm
          key="new"
          initial={toForm()}
          onSave={async (input) => {
            const saved = await save(input);
            setMessage({ ok: true, text: `Saved ${saved.name}.` });
            setMode({ kind: 'list' });
          }}
          onCancel={() => setMode({ kind: 'list' })}
        />
      )}
      {editing && (
        <div className="host-editor">
          <HostForm
            key={editing.id}
            initial={toForm(editing)}
            onSave={async (input) => {
              const saved = await save(input);
              setMessage({ ok: true, text: `Saved ${saved.name}.` });
            }}
            onCancel={() => setMode({ kind: 'list' })}
          >
            {hostActions(editing)}
          </HostForm>
          <section className="secrets" aria-label={`Saved secrets of ${editing.name}`}>
            <h3>Saved secrets</h3>
            <p>
              {secretBadges(editing, kinds[editing.id]).length > 0 ? 'The keychain holds:' : 'Nothing saved for this host.'} <SecretBadges badges={secretBadges(editing, kinds[editing.id])} />
            </p>
            <ConfirmButton label="Forget saved secrets" confirmLabel="Confirm forget" onConfirm={() => void attempt(() => forget(editing.id), `Forgot the saved secrets of ${editing.name}.`)} />
            <TotpSetup key={editing.id} hostName={editing.name} onSave={(secret, pattern) => setTotp(editing.id, secret, pattern)} />
          </section>
        </div>
      )}
      {mode.kind === 'import' && <ImportPanel onImport={importSshConfig} onClose={() => setMode({ kind: 'list' })} />}

      <label htmlFor={`${id}-search`} className="sr-only">
        Search hosts
      </label>
      <input id={`${id}-search`} type="search" placeholder="Search hosts" value={query} onChange={(e) => setQuery(e.target.value)} />
      {hosts.length === 0 ? (
        <p className="empty">No hosts yet. Add one, or import your ssh_config.</p>
      ) : shown.length === 0 ? (
        <p className="empty">No host matches “{query}”.</p>
      ) : (
        <HostList
          hosts={shown}
          kinds={kinds}
          onAddToCircuit={(host) => addHost(host.id, host.name)}
          onEdit={(host) => setMode({ kind: 'edit', hostId: host.id })}
        />
      )}
    </div>
  );
}
