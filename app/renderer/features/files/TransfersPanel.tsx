/**
 * The transfer queue of one circuit, at the foot of its files view: an overall bar in the header,
 * then a row per transfer with its own bar (and the file being sent now, when there are several),
 * rate and time left, Cancel, Retry, Dismiss, and, when a file is already there, the question
 * with its answers and "apply to all".
 */
import { ArrowDownToLine, ArrowUpFromLine, ChevronDown, ChevronUp, RotateCcw, X } from 'lucide-react';
import { useId, useState } from 'react';
import { toPlainText } from '../../../shared/model/plainText';
import type { ConflictChoice, TransferStatus } from '../../../shared/model/remoteFile';
import { displayName } from '../../../shared/model/remoteNames';
import { ErrorMessage } from '../../components/ErrorMessage';

import { fraction, isActive, overall, progressText } from '../../stores/transfersLogic';
import { useTransfersStore } from '../../stores/useTransfersStore';
import { formatBytes } from '../../../shared/model/byteSize';

interface TransfersPanelProps {
  transfers: readonly TransferStatus[];
  open: boolean;
  onToggle(): void;
}

function Bar({ value, label }: { value: number | null; label: string }) {
  // A native <progress>: announced with its value; without one it is indeterminate.
  return <progress className="tq-bar" aria-label={label} max={1} {...(value === null ? {} : { value })} />;
}

const CHOICES: { choice: ConflictChoice; label: string }[] = [
  { choice: 'overwrite', label: 'Overwrite' },
  { choice: 'skip', label: 'Skip' },
  { choice: 'rename', label: 'Keep both' },
  { choice: 'resume', label: 'Resume' },
];

function ConflictQuestion({ t }: { t: TransferStatus }) {
  const id = useId();
  const [forAll, setForAll] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const answer = useTransfersStore((s) => s.answer);
  const conflict = t.conflict!;
  return (
    <div className="tq-conflict" role="group" aria-labelledby={`${id}-q`}>
      <p id={`${id}-q`} className="tq-question">
        “{displayName(conflict.path, 300)}” is already there ({formatBytes(conflict.existingSize)} there, {formatBytes(conflict.incomingSize)} new).
      </p>
      <div className="tq-answers">
        {CHOICES.filter((c) => c.choice !== 'resume' || conflict.canResume).map((c) => (
          <button key={c.choice} type="button" className="secondary small" onClick={() => answer(t.transferId, c.choice, forAll).catch(setError)}>
            {c.label}
          </button>
        ))}
        {t.filesTotal > 1 && (
          <label className="checkbox tq-forall">
            <input type="checkbox" checked={forAll} onChange={(event) => setForAll(event.target.checked)} />
            Apply to all
          </label>
        )}
      </div>
      {error !== null && <ErrorMessage error={error} role="alert" />}
    </div>
  );
}

function TransferRow({ t }: { t: TransferStatus }) {
  const localError = useTransfersStore((s) => s.localErrors[t.transferId]);
  const { cancel, retry, dismiss } = useTransfersStore.getState();
  const [actionError, setActionError] = useState<unknown>(null);
  const label = displayName(t.label, 200);
  const act = (run: () => Promise<void>) => {
    setActionError(null);
    run().catch(setActionError);
  };
  const active = isActive(t);
  const Icon = t.direction === 'upload' ? ArrowUpFromLine : ArrowDownToLine;
  const current = t.currentFile && t.filesTotal > 1 ? t.currentFile : null;
  return (
    <li className={`tq-row tq-${t.state}`} data-testid="transfer-row" data-state={t.state} aria-label={`${t.direction === 'upload' ? 'Upload' : 'Download'} of ${label}`}>
      <div className="tq-line">
        <Icon size={14} aria-hidden className="tq-icon" />
        <span className="tq-label" title={label}>
          {label}
        </span>
        <span className="tq-text" data-testid="transfer-progress-text">
          {progressText(t)}
        </span>
        <span className="tq-actions">
          {active && (
            <button type="button" className="icon-button" aria-label={`Cancel ${label}`} title="Cancel" onClick={() => act(() => cancel(t.transferId))}>
              <X size={14} aria-hidden />
            </button>
          )}
          {(t.state === 'failed' || t.state === 'cancelled') && (
            <button type="button" className="icon-button" aria-label={`Retry ${label}`} title="Retry (resumes what already arrived)" onClick={() => act(() => retry(t.transferId))}>
              <RotateCcw size={14} aria-hidden />
            </button>
          )}
          {!active && (
            <button type="button" className="secondary small" aria-label={`Dismiss ${label}`} onClick={() => act(() => dismiss(t.transferId))}>
              Dismiss
            </button>
          )}
        </span>
      </div>
      {t.state !== 'cancelled' && <Bar value={t.state === 'done' ? 1 : fraction(t.bytesDone, t.bytesTotal)} label={`${label}: ${t.direction === 'upload' ? 'uploaded' : 'downloaded'}`} />}
      {current && (
        <div className="tq-current">
          <span className="tq-current-name" title={displayName(current.path)}>
            {displayName(current.path, 300)}
          </span>
          <Bar value={fraction(current.bytesDone, current.bytesTotal)} label={`${displayName(current.path, 300)}: this file`} />
        </div>
      )}
      {t.state === 'asking' && t.conflict && <ConflictQuestion t={t} />}
      {t.state === 'failed' && t.error && <ErrorMessage error={t.error} className="tq-error" />}
      {localError !== undefined && <ErrorMessage error={localError} className="tq-error" />}
      {actionError !== null && <ErrorMessage error={actionError} role="alert" className="tq-error" />}
      {t.notes.length > 0 && (
        <ul className="tq-notes">
          {t.notes.slice(0, 5).map((note, i) => (
            <li key={i}>{toPlainText(note, 300)}</li>
          ))}
          {t.notes.length > 5 && <li>…and {t.notes.length - 5} more</li>}
        </ul>
      )}
    </li>
  );
}

export function TransfersPanel({ transfers, open, onToggle }: TransfersPanelProps) {
  const id = useId();
  const total = overall(transfers);
  const summary =
    total.active > 0
      ? `${total.active} under way · ${formatBytes(total.bytesDone)}${total.bytesTotal > 0 ? ` of ${formatBytes(total.bytesTotal)}` : ''}`
      : `${transfers.length} finished`;
  return (
    <section className={`tq${open ? ' tq-open' : ''}`} aria-labelledby={`${id}-title`} data-testid="transfers">
      <div className="tq-head">
        <button type="button" className="tq-toggle" aria-expanded={open} aria-controls={`${id}-list`} onClick={onToggle}>
          {open ? <ChevronDown size={14} aria-hidden /> : <ChevronUp size={14} aria-hidden />}
          <span id={`${id}-title`} className="tq-title">
            Transfers
          </span>
          <span className="tq-summary">{summary}</span>
        </button>
        {total.active > 0 && <Bar value={total.fraction} label="All transfers" />}
      </div>
      {open && (
        <ul id={`${id}-list`} className="tq-list">
          {transfers.map((t) => (
            <TransferRow key={t.transferId} t={t} />
          ))}
        </ul>
      )}
    </section>
  );
}
