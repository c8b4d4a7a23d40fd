/**
 * New folder and Rename: one field, checked as it is typed (no "/", no NUL, not "." or ".."),
 * the service's refusal shown under it in the app's one way (ErrorMessage, naming the hop).
 */
import { useId, useRef, useState, type FormEvent } from 'react';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Modal } from '../../components/Modal';
import { nameProblem } from '../../stores/filesLogic';

interface NameDialogProps {
  title: string;
  label: string;
  submitLabel: string;
  initial: string;
  /** Resolves when done; a rejection is shown and the dialog stays. */
  onSubmit(name: string): Promise<void>;
  onClose(): void;
}

export function NameDialog({ title, label, submitLabel, initial, onSubmit, onClose }: NameDialogProps) {
  const id = useId();
  const [name, setName] = useState(initial);
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const problem = nameProblem(name);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setTouched(true);
    if (problem || busy) return;
    setBusy(true);
    setError(null);
    try {
      await onSubmit(name);
      onClose();
    } catch (caught) {
      setError(caught);
      setBusy(false);
      inputRef.current?.focus();
    }
  }

  return (
    <Modal labelledBy={`${id}-title`} onEscape={onClose} className="files-dialog">
      <form onSubmit={(event) => void submit(event)}>
        <h2 id={`${id}-title`}>{title}</h2>
        <label htmlFor={`${id}-name`}>{label}</label>
        <input
          ref={inputRef}
          id={`${id}-name`}
          className="files-dialog-input"
          value={name}
          data-autofocus
          autoComplete="off"
          spellCheck={false}
          aria-invalid={touched && problem !== null}
          aria-describedby={touched && problem ? `${id}-problem` : undefined}
          onFocus={(event) => {
            // Rename selects the name without its extension, as file managers do.
            const dot = event.currentTarget.value.lastIndexOf('.');
            event.currentTarget.setSelectionRange(0, dot > 0 ? dot : event.currentTarget.value.length);
          }}
          onChange={(event) => {
            setName(event.target.value);
            setTouched(true);
          }}
        />
        {touched && problem && (
          <p id={`${id}-problem`} className="error files-dialog-problem">
            {problem}
          </p>
        )}
        {error !== null && <ErrorMessage error={error} role="alert" className="files-dialog-error" />}
        <div className="actions">
          <button type="submit" disabled={busy || (touched && problem !== null)}>
            {submitLabel}
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}
