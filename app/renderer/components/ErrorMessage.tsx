import { useState } from 'react';
import { errorDetailsText, type ErrorDescription } from '../../shared/model/errorSentence';
import { explainError } from '../stores/describeError';

interface ErrorMessageProps {
  /** What went wrong: a thrown error, a WireError kept in a store, or a description made already. */
  error?: unknown;
  description?: ErrorDescription;
  /** 'alert' for a failure the user just caused; omit inside something that is a live region already. */
  role?: 'alert' | 'status';
  className?: string;
}

/**
 * Every error the same way: one plain sentence naming the hop, then a "Details" disclosure with
 * the code, the main side's message and the raw text, and a Copy button. A native
 * <details>/<summary>, so it opens with Enter or Space and screen readers announce its state;
 * what it holds is rendered only once opened, so nothing raw is read out before the user asks.
 */
export function ErrorMessage({ error, description, role, className }: ErrorMessageProps) {
  const described = description ?? explainError(error);
  const details = errorDetailsText(described);
  return (
    <div className={`error-message${className ? ` ${className}` : ''}`} role={role} data-code={described.code ?? undefined}>
      <p className="error-sentence">{described.sentence}</p>
      {details && <ErrorDetails text={details} />}
    </div>
  );
}

/** The disclosure, for a sentence shown some other way (a banner's own text) with raw text behind it. */
export function ErrorDetails({ text }: { text: string }) {
  const [open, setOpen] = useState(false);
  const [copyNote, setCopyNote] = useState<string | null>(null);
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setCopyNote('Copied.');
    } catch {
      // No clipboard (an insecure origin, or permission refused): the text is selectable above.
      setCopyNote('The clipboard is not available; select the text above to copy it.');
    }
  }

  return (
    <details className="error-details" open={open} onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary>Details</summary>
      {open && (
        <div className="error-details-body">
          <pre className="error-details-text" data-testid="error-details-text">
            {text}
          </pre>
          <button type="button" className="secondary" aria-label="Copy error details" onClick={() => void copy()}>
            Copy
          </button>
          {copyNote && (
            <span role="status" className="hint">
              {copyNote}
            </span>
          )}
        </div>
      )}
    </details>
  );
}
