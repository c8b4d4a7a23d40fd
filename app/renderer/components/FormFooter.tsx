import type { ReactNode } from 'react';

interface FormFooterProps {
  /** Shown as an alert above the buttons (already plain text). */
  error: string | null | undefined;
  busy: boolean;
  submitLabel: string;
  onCancel: () => void;
  /** Also disable Cancel while busy (a prompt answer in flight cannot be taken back). */
  lockCancelWhileBusy?: boolean;
  /** Extra buttons after Cancel. */
  children?: ReactNode;
}

/** The end of every form: its error, the submit button, Cancel. */
export function FormFooter({ error, busy, submitLabel, onCancel, lockCancelWhileBusy = false, children }: FormFooterProps) {
  return (
    <>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="submit" disabled={busy}>
          {submitLabel}
        </button>
        <button type="button" className="secondary" disabled={lockCancelWhileBusy && busy} onClick={onCancel}>
          Cancel
        </button>
        {children}
      </div>
    </>
  );
}
