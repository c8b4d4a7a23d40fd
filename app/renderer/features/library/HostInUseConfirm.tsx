import { useId, useState, type Ref } from 'react';
import type { HostSummary } from '../../../shared/model/host';
import type { ProfileSummary } from '../../../shared/model/profile';
import { toPlainText } from '../../../shared/model/plainText';
import { hostEndpoint } from '../../stores/hostsLogic';

export interface HostInUseConfirmProps {
  host: HostSummary;
  /** The profiles whose circuits pass through `host`. */
  users: readonly ProfileSummary[];
  /** Hosts that may take its place in all of them (none already in one of those circuits). */
  candidates: readonly HostSummary[];
  busy: boolean;
  /** The id of the host chosen to take its place; the main side swaps and deletes in one write. */
  onReplace(replaceWith: string): void;
  onCancel(): void;
  /** Labels the surrounding alertdialog. */
  titleId: string;
  cancelRef?: Ref<HTMLButtonElement>;
}

/**
 * The delete question for a host that circuits use: which ones, before anything is done, and the
 * one way forward that keeps them working: another host in its place in all of them, or cancel.
 */
export function HostInUseConfirm({ host, users, candidates, busy, onReplace, onCancel, titleId, cancelRef }: HostInUseConfirmProps) {
  const id = useId();
  const [choice, setChoice] = useState('');
  const count = users.length === 1 ? '1 circuit uses it' : `${users.length} circuits use it`;
  const chosen = candidates.some((h) => h.id === choice) ? choice : '';
  return (
    <>
      <p id={titleId}>
        Delete host “{toPlainText(host.name, 200)}”? {count}:
      </p>
      <ul className="lib-confirm-users" aria-label={`Circuits that use ${toPlainText(host.name, 200)}`}>
        {users.map((p) => (
          <li key={p.id}>{toPlainText(p.name, 200)}</li>
        ))}
      </ul>
      {candidates.length > 0 ? (
        <div className="lib-confirm-replace">
          <label htmlFor={`${id}-with`}>Replace it in {users.length === 1 ? 'that circuit' : `all ${users.length}`} with</label>
          <select id={`${id}-with`} value={chosen} disabled={busy} onChange={(e) => setChoice(e.target.value)}>
            <option value="">Choose a host…</option>
            {candidates.map((h) => (
              <option key={h.id} value={h.id}>
                {toPlainText(h.name, 200)} ({toPlainText(hostEndpoint(h), 300)})
              </option>
            ))}
          </select>
        </div>
      ) : (
        <p className="muted">No other host can take its place: every other host is already in one of these circuits, or there is none. Edit the circuits first.</p>
      )}
      <div className="lib-confirm-actions">
        {candidates.length > 0 && (
          <button type="button" className="danger small" disabled={busy || chosen === ''} onClick={() => onReplace(chosen)}>
            Replace and delete
          </button>
        )}
        <button type="button" className="secondary small" disabled={busy} ref={cancelRef} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </>
  );
}
