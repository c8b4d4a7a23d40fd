import { useId, useState, type FormEvent } from 'react';
import { parseTags } from '../../stores/profilesLogic';
import { describeError } from '../../stores/describeError';
import { FormFooter } from '../../components/FormFooter';

export interface ProfileFields {
  name: string;
  folder: string;
  tags: string[];
}

/** Name, folder and tags for saving the chain as a profile. */
export function SaveProfileForm({ initial, onSave, onCancel }: { initial: ProfileFields; onSave(fields: ProfileFields): Promise<void>; onCancel(): void }) {
  const id = useId();
  const [name, setName] = useState(initial.name);
  const [folder, setFolder] = useState(initial.folder);
  const [tags, setTags] = useState(initial.tags.join(', '));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!name.trim()) {
      setError('A profile needs a name.');
      return;
    }
    setBusy(true);
    try {
      await onSave({ name: name.trim(), folder: folder.trim(), tags: parseTags(tags) });
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="save-profile" aria-label="Save as profile" onSubmit={(e) => void submit(e)}>
      <label htmlFor={`${id}-name`}>Profile name</label>
      <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} data-autofocus />
      <label htmlFor={`${id}-folder`}>Folder</label>
      <input id={`${id}-folder`} value={folder} onChange={(e) => setFolder(e.target.value)} placeholder="e.g. production" />
      <label htmlFor={`${id}-tags`}>Tags</label>
      <input id={`${id}-tags`} value={tags} onChange={(e) => setTags(e.target.value)} placeholder="comma separated" />
      <FormFooter error={error} busy={busy} submitLabel="Save profile" onCancel={onCancel} />
    </form>
  );
}
