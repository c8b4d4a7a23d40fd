/**
 * "Download to folder…": remote entries into a folder on this computer (the one Hopline's backend
 * runs on), folders recursively, with what to do when a file is already there.
 */
import { useId, useState, type FormEvent } from 'react';
import type { ConflictPolicy } from '../../../shared/model/remoteFile';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Modal } from '../../components/Modal';

interface DownloadToDialogProps {
  what: string;
  initialFolder: string;
  hasFolders: boolean;
  onSubmit(localDir: string, conflict: ConflictPolicy): Promise<void>;
  onClose(): void;
  /** The desktop app's native folder picker (null when cancelled); without it the folder is typed only. */
  chooseFolder?: (current: string) => Promise<string | null>;
}

export const CONFLICT_LABELS: Record<ConflictPolicy, string> = {
  ask: 'Ask me',
  overwrite: 'Overwrite',
  skip: 'Skip',
  rename: 'Keep both (rename the new one)',
  resume: 'Resume a partial file',
};

export function DownloadToDialog({ what, initialFolder, hasFolders, onSubmit, onClose, chooseFolder }: DownloadToDialogProps) {
  const id = useId();
  const [folder, setFolder] = useState(initialFolder);
  const [conflict, setConflict] = useState<ConflictPolicy>('ask');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!folder.trim() || busy) return;
    setBusy(true);
    setError(null);
    try {
      await onSubmit(folder.trim(), conflict);
      onClose();
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  }

  async function choose() {
    if (!chooseFolder || busy) return;
    setError(null);
    try {
      const picked = await chooseFolder(folder.trim());
      if (picked !== null) setFolder(picked);
    } catch (caught) {
      setError(caught);
    }
  }

  return (
    <Modal labelledBy={`${id}-title`} describedBy={`${id}-desc`} onEscape={onClose} className="files-dialog">
      <form onSubmit={(event) => void submit(event)}>
        <h2 id={`${id}-title`}>Download {what}</h2>
        <p id={`${id}-desc`} className="hint">
          Into a folder on this computer{hasFolders ? '; folders come with everything in them' : ''}.
        </p>
        <label htmlFor={`${id}-folder`}>Folder</label>
        <div className="files-dialog-folder">
          <input id={`${id}-folder`} className="files-dialog-input" value={folder} data-autofocus spellCheck={false} autoComplete="off" onChange={(event) => setFolder(event.target.value)} />
          {chooseFolder && (
            <button type="button" className="secondary" disabled={busy} onClick={() => void choose()}>
              Choose…
            </button>
          )}
        </div>
        <label htmlFor={`${id}-conflict`}>When a file is already there</label>
        <select id={`${id}-conflict`} value={conflict} onChange={(event) => setConflict(event.target.value as ConflictPolicy)}>
          {(Object.keys(CONFLICT_LABELS) as ConflictPolicy[]).map((policy) => (
            <option key={policy} value={policy}>
              {CONFLICT_LABELS[policy]}
            </option>
          ))}
        </select>
        {error !== null && <ErrorMessage error={error} role="alert" className="files-dialog-error" />}
        <div className="actions">
          <button type="submit" disabled={busy || !folder.trim()}>
            Download
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}
