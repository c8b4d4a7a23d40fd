/**
 * A modal form that does one thing when submitted (the files dialogs: New folder, Rename,
 * Permissions, Download to folder). Enter in a field submits, Escape and Cancel close, the title
 * names the dialog, and a refusal from the service is shown under the fields in the app's one way
 * (ErrorMessage, naming the hop) while the dialog stays open for another try. While the submit is
 * in flight the button is disabled and a second Enter does nothing.
 */
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { ErrorMessage } from './ErrorMessage';
import { Modal } from './Modal';

interface FormDialogOptions {
  /** Whether what is typed may be submitted now; Enter does nothing otherwise. */
  ready: boolean;
  /** The work itself; resolving closes the dialog, rejecting shows the error and keeps it. */
  submit(): Promise<void>;
  onClose(): void;
  /** Every attempt, ready or not, before anything else (a field marks itself touched). */
  onAttempt?(): void;
  /** After a refusal is shown (to put the focus back in the field to fix). */
  onRefused?(): void;
}

export interface FormDialogState {
  busy: boolean;
  error: unknown;
  /** For errors of the dialog's other buttons (a folder picker that failed); null clears. */
  setError(error: unknown): void;
  onSubmit(event: FormEvent): void;
  onClose(): void;
}

/** The state of one FormDialog: whether it is submitting, and the last refusal. */
export function useFormDialog({ ready, submit, onClose, onAttempt, onRefused }: FormDialogOptions): FormDialogState {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function run() {
    onAttempt?.();
    if (!ready || busy) return;
    setBusy(true);
    setError(null);
    try {
      await submit();
      onClose();
    } catch (caught) {
      setError(caught);
      setBusy(false);
      onRefused?.();
    }
  }

  return {
    busy,
    error,
    setError,
    onSubmit: (event) => {
      event.preventDefault();
      void run();
    },
    onClose,
  };
}

interface FormDialogProps {
  form: FormDialogState;
  title: ReactNode;
  /** A line under the title that the dialog is described by. */
  description?: ReactNode;
  submitLabel: string;
  /** The submit button is disabled while busy and when this is false (default: always allowed). */
  canSubmit?: boolean;
  className?: string;
  children: ReactNode;
}

export function FormDialog({ form, title, description, submitLabel, canSubmit = true, className, children }: FormDialogProps) {
  const id = useId();
  return (
    <Modal labelledBy={`${id}-title`} describedBy={description ? `${id}-desc` : undefined} onEscape={form.onClose} className={className}>
      <form onSubmit={form.onSubmit}>
        <h2 id={`${id}-title`}>{title}</h2>
        {description && (
          <p id={`${id}-desc`} className="hint">
            {description}
          </p>
        )}
        {children}
        {form.error !== null && <ErrorMessage error={form.error} role="alert" className="form-dialog-error" />}
        <div className="actions">
          <button type="submit" disabled={form.busy || !canSubmit}>
            {submitLabel}
          </button>
          <button type="button" className="secondary" onClick={form.onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}
