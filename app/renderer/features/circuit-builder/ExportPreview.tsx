import { useState } from 'react';
import type { CircuitPreview } from '../../../shared/contract/circuits';
import { toPlainText } from '../../../shared/model/plainText';
import { ErrorMessage } from '../../components/ErrorMessage';

/** The circuit as OpenSSH would write it: an `ssh -J` line and an ssh_config block, or why not. */
export function ExportPreview({ disabled, onPreview }: { disabled: boolean; onPreview(): Promise<CircuitPreview> }) {
  const [preview, setPreview] = useState<CircuitPreview | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function load() {
    setBusy(true);
    try {
      setPreview(await onPreview());
      setError(null);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="export-preview">
      <button type="button" className="secondary" disabled={disabled || busy} onClick={() => void load()}>
        Preview export
      </button>
      {error !== null && <ErrorMessage error={error} role="alert" className="error" />}
      {preview && (
        <div className="preview-output">
          {preview.sshCommand !== null && (
            <>
              <h3>ssh command</h3>
              <pre aria-label="ssh command" data-testid="export-ssh-command">
                {toPlainText(preview.sshCommand)}
              </pre>
            </>
          )}
          {preview.sshConfig !== null && (
            <>
              <h3>ssh_config</h3>
              <pre aria-label="ssh_config block" data-testid="export-ssh-config">
                {toPlainText(preview.sshConfig, 65536)}
              </pre>
            </>
          )}
          {preview.problems.length > 0 && (
            <ul aria-label="Export problems" className="problems">
              {preview.problems.map((problem, i) => (
                <li key={i}>
                  <ErrorMessage error={problem} />
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
