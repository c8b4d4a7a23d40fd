import { useId, useState, type FormEvent, type ReactNode } from 'react';
import type { HostInput } from '../../../shared/model/host';
import { describeError } from '../../stores/describeError';
import { AuthMethodsEditor } from './AuthMethodsEditor';
import { Field } from './Field';
import { fromForm, type FormErrors, type HostFormState } from './hostFormModel';
import { ProxyFields } from './ProxyFields';
import { FormFooter } from '../../components/FormFooter';

interface HostFormProps {
  initial: HostFormState;
  onSave(input: HostInput): Promise<void>;
  onCancel(): void;
  /** Extra actions for a saved host (duplicate, delete), shown beside Save. */
  children?: ReactNode;
  /** Folders already in the library, offered as the folder field's suggestions. */
  folders?: readonly string[];
  /** Off when a dialog's title already says what the form is. */
  showHeading?: boolean;
}

/** Add or edit one host's settings. Secrets are never typed here: they are asked for when needed. */
export function HostForm({ initial, onSave, onCancel, children, folders = [], showHeading = true }: HostFormProps) {
  const id = useId();
  const [form, setForm] = useState(initial);
  const [errors, setErrors] = useState<FormErrors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const patch = (change: Partial<HostFormState>) => setForm((f) => ({ ...f, ...change }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    const { input, errors: found } = fromForm(form);
    setErrors(found);
    if (!input) return;
    setBusy(true);
    try {
      await onSave(input);
      setFailure(null);
    } catch (error) {
      setFailure(describeError(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="host-form" aria-label={form.id ? `Edit host ${initial.name}` : 'New host'} onSubmit={(e) => void submit(e)} noValidate>
      {showHeading && <h3>{form.id ? `Edit ${initial.name}` : 'New host'}</h3>}
      <Field id={`${id}-name`} label="Name" value={form.name} error={errors.name} data-autofocus onChange={(e) => patch({ name: e.target.value })} />
      <Field id={`${id}-address`} label="Address" value={form.address} spellCheck={false} placeholder="host name or IP" error={errors.address} onChange={(e) => patch({ address: e.target.value })} />
      <div className="field-row">
        <Field id={`${id}-port`} label="Port" value={form.port} inputMode="numeric" error={errors.port} onChange={(e) => patch({ port: e.target.value })} />
        <Field id={`${id}-user`} label="User" value={form.user} spellCheck={false} error={errors.user} onChange={(e) => patch({ user: e.target.value })} />
      </div>
      <div className="field-row">
        <Field
          id={`${id}-folder`}
          label="Folder"
          value={form.folder}
          list={`${id}-folders`}
          placeholder="none: top level"
          autoComplete="off"
          error={errors.folder}
          onChange={(e) => patch({ folder: e.target.value })}
        />
        <Field id={`${id}-tags`} label="Tags" value={form.tags} placeholder="comma separated, e.g. prod, db" autoComplete="off" error={errors.tags} onChange={(e) => patch({ tags: e.target.value })} />
      </div>
      <datalist id={`${id}-folders`}>
        {folders.map((folder) => (
          <option key={folder} value={folder} />
        ))}
      </datalist>
      <AuthMethodsEditor idPrefix={id} methods={form.auth} error={errors.auth} onChange={(auth) => patch({ auth })} />
      <label className="checkbox">
        <input type="checkbox" checked={form.agentForward} onChange={(e) => patch({ agentForward: e.target.checked })} />
        Forward SSH agent
      </label>
      <div className="field-row">
        <Field id={`${id}-ka-interval`} label="Keepalive interval (s)" value={form.keepaliveIntervalSec} inputMode="numeric" error={errors.keepaliveIntervalSec} onChange={(e) => patch({ keepaliveIntervalSec: e.target.value })} />
        <Field id={`${id}-ka-count`} label="Keepalive count" value={form.keepaliveCountMax} inputMode="numeric" error={errors.keepaliveCountMax} onChange={(e) => patch({ keepaliveCountMax: e.target.value })} />
        <Field id={`${id}-timeout`} label="Connect timeout (s)" value={form.connectTimeoutSec} inputMode="numeric" error={errors.connectTimeoutSec} onChange={(e) => patch({ connectTimeoutSec: e.target.value })} />
      </div>
      <ProxyFields idPrefix={id} form={form} errors={errors} onChange={patch} />
      {form.knownHostsFiles && (
        // From the ssh_config's UserKnownHostsFile: shown so the user knows where keys are looked up.
        <p className="muted known-hosts-files">
          Host keys are checked against {form.knownHostsFiles.length > 0 ? form.knownHostsFiles.join(', ') : 'no known_hosts file of yours'} and Hopline’s own known_hosts (UserKnownHostsFile, from the ssh_config import).{' '}
          <button type="button" className="secondary small" onClick={() => patch({ knownHostsFiles: undefined })}>
            Use ~/.ssh/known_hosts instead
          </button>
        </p>
      )}
      <FormFooter error={failure} busy={busy} submitLabel="Save host" onCancel={onCancel}>
        {children}
      </FormFooter>
    </form>
  );
}
