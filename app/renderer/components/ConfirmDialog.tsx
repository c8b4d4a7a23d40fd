import { useId, useState } from 'react';
import { Modal } from './Modal';

interface ConfirmDialogProps {
  title: string;
  body: string;
  confirmLabel: string;
  onConfirm(): void;
  onCancel(): void;
  testId?: string;
  /** The destructive button waits until exactly this is typed (a recursive delete's folder name). */
  typeToConfirm?: string;
}

/**
 * "End this?" before a live session is lost. Cancel has the focus, as in an ops tool: Enter
 * pressed out of habit keeps the session, Escape cancels, and Tab reaches the destructive button.
 */
export function ConfirmDialog({ title, body, confirmLabel, onConfirm, onCancel, testId, typeToConfirm }: ConfirmDialogProps) {
  const id = useId();
  const [typed, setTyped] = useState('');
  const armed = typeToConfirm === undefined || typed === typeToConfirm;
  return (
    <Modal role="alertdialog" labelledBy={`${id}-title`} describedBy={`${id}-desc`} onEscape={onCancel} className="confirm-dialog">
      <h2 id={`${id}-title`} data-testid={testId}>
        {title}
      </h2>
      <p id={`${id}-desc`}>{body}</p>
      {typeToConfirm !== undefined && (
        <>
          <label htmlFor={`${id}-typed`}>Type “{typeToConfirm}” to confirm</label>
          <input
            id={`${id}-typed`}
            className="confirm-typed"
            data-autofocus
            value={typed}
            autoComplete="off"
            spellCheck={false}
            onChange={(event) => setTyped(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter' && armed) onConfirm();
            }}
          />
        </>
      )}
      <div className="actions">
        <button type="button" className="danger" disabled={!armed} onClick={onConfirm}>
          {confirmLabel}
        </button>
        <button type="button" className="secondary" data-autofocus={typeToConfirm === undefined ? true : undefined} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </Modal>
  );
}
