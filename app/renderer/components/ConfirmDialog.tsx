import { useId } from 'react';
import { Modal } from './Modal';

interface ConfirmDialogProps {
  title: string;
  body: string;
  confirmLabel: string;
  onConfirm(): void;
  onCancel(): void;
  testId?: string;
}

/**
 * "End this?" before a live session is lost. Cancel has the focus, as in an ops tool: Enter
 * pressed out of habit keeps the session, Escape cancels, and Tab reaches the destructive button.
 */
export function ConfirmDialog({ title, body, confirmLabel, onConfirm, onCancel, testId }: ConfirmDialogProps) {
  const id = useId();
  return (
    <Modal role="alertdialog" labelledBy={`${id}-title`} describedBy={`${id}-desc`} onEscape={onCancel} className="confirm-dialog">
      <h2 id={`${id}-title`} data-testid={testId}>
        {title}
      </h2>
      <p id={`${id}-desc`}>{body}</p>
      <div className="actions">
        <button type="button" className="danger" onClick={onConfirm}>
          {confirmLabel}
        </button>
        <button type="button" className="secondary" data-autofocus onClick={onCancel}>
          Cancel
        </button>
      </div>
    </Modal>
  );
}
