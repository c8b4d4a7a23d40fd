/**
 * "Download to folder…": remote entries into a folder on this computer (the one Hopline's backend
 * runs on), folders recursively, with what to do when a file is already there.
 */
import { useId, useState } from 'react';
import type { ConflictPolicy } from '../../../shared/model/remoteFile';
import { FormDialog, useFormDialog } from '../../components/FormDialog';

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
  const form = useFormDialog({ ready: folder.trim() !== '', submit: () => onSubmit(folder.trim(), conflict), onClose });

  async function choose() {
    if (!chooseFolder || form.busy) return;
    form.setError(null);
    try {
      const picked = await chooseFolder(folder.trim());
      if (picked !== null) setFolder(picked);
    } catch (caught) {
      form.setError(caught);
    }
  }

  return (
    <FormDialog
      form={form}
      title={`Download ${what}`}
      description={`Into a folder on this computer${hasFolders ? '; folders come with everything in them' : ''}.`}
      submitLabel="Download"
      canSubmit={folder.trim() !== ''}
      className="files-dialog"
    >
      <label htmlFor={`${id}-folder`}>Folder</label>
      <div className="files-dialog-folder">
        <input id={`${id}-folder`} className="files-dialog-input" value={folder} data-autofocus spellCheck={false} autoComplete="off" onChange={(event) => setFolder(event.target.value)} />
        {chooseFolder && (
          <button type="button" className="secondary" disabled={form.busy} onClick={() => void choose()}>
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
    </FormDialog>
  );
}
