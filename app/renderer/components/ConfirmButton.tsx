import { useState } from 'react';

/**
 * A destructive action in two clicks: the first turns the button into "Confirm …" next to a
 * "Keep" button, so nothing is lost to a stray click and no browser confirm() blocks the page.
 */
export function ConfirmButton({ label, confirmLabel, onConfirm, disabled }: { label: string; confirmLabel: string; onConfirm: () => void; disabled?: boolean }) {
  const [armed, setArmed] = useState(false);
  if (!armed) {
    return (
      <button type="button" className="secondary danger" disabled={disabled} onClick={() => setArmed(true)}>
        {label}
      </button>
    );
  }
  return (
    <span className="confirm">
      <button
        type="button"
        className="danger"
        // Focus follows the click, so keyboard users confirm (or Tab to Keep) from where they were.
        autoFocus
        onClick={() => {
          setArmed(false);
          onConfirm();
        }}
      >
        {confirmLabel}
      </button>
      <button type="button" className="secondary" onClick={() => setArmed(false)}>
        Keep
      </button>
    </span>
  );
}
