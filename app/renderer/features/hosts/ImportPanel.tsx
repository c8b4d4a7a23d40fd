import { useId, useState, type FormEvent } from 'react';
import type { ImportReport } from '../../../shared/contract/hosts';
import { describeError } from '../../stores/describeError';
import { ImportReportView } from './ImportReportView';

/** Import hosts from an ssh_config file (default ~/.ssh/config) or from pasted text. */
export function ImportPanel({ onImport, onClose }: { onImport(request: { path?: string; text?: string }): Promise<ImportReport>; onClose(): void }) {
  const id = useId();
  const [path, setPath] = useState('');
  const [text, setText] = useState('');
  const [report, setReport] = useState<ImportReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    try {
      // Pasted text wins over a path; neither means the main side reads ~/.ssh/config.
      setReport(await onImport(text.trim() ? { text } : path.trim() ? { path: path.trim() } : {}));
      setError(null);
    } catch (e) {
      setError(describeError(e));
      setReport(null);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="import" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Import from ssh_config</h3>
      <form onSubmit={(e) => void submit(e)}>
        <label htmlFor={`${id}-path`}>ssh_config file</label>
        <input id={`${id}-path`} value={path} spellCheck={false} placeholder="~/.ssh/config" onChange={(e) => setPath(e.target.value)} />
        <label htmlFor={`${id}-text`}>Or paste ssh_config text</label>
        <textarea id={`${id}-text`} rows={6} value={text} spellCheck={false} onChange={(e) => setText(e.target.value)} />
        <div className="actions">
          {/* Not disabled while busy: a disabled button drops the focus, and Escape would no longer reach the dialog. */}
          <button type="submit" aria-disabled={busy}>
            Import
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            Close import
          </button>
        </div>
      </form>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {report && <ImportReportView report={report} />}
    </section>
  );
}
