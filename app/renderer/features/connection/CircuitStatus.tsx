import { useState } from 'react';
import type { CircuitSummary } from '../../../shared/model/hop';
import { toPlainText } from '../../../shared/model/plainText';
import type { HopRow } from '../../stores/circuitsLogic';
import { HopStatusList } from './HopStatusList';

const STATE_TEXT: Record<CircuitSummary['state'], string> = {
  opening: 'Connecting…',
  open: 'Connected',
  closed: 'Closed',
  failed: 'Failed',
};

interface CircuitStatusProps {
  circuit: CircuitSummary;
  rows: HopRow[];
  onDisconnect(): void;
  /** A new terminal on the circuit's target (offered while it is open). */
  onOpenTerminal(): void;
  /** The text block for "Copy details". */
  details(): Promise<string>;
}

/** One circuit: its state, hops, the failure if any (on the hop it concerns), and its actions. */
export function CircuitStatus({ circuit, rows, onDisconnect, onOpenTerminal, details }: CircuitStatusProps) {
  const [copyNote, setCopyNote] = useState<string | null>(null);
  const [fallback, setFallback] = useState<string | null>(null);
  const error = circuit.error;

  async function copy() {
    const text = await details();
    try {
      await navigator.clipboard.writeText(text);
      setCopyNote('Details copied to the clipboard.');
      setFallback(null);
    } catch {
      // No clipboard permission (or an insecure origin): show the text to copy by hand.
      setCopyNote('The clipboard is not available; copy the details below.');
      setFallback(text);
    }
  }

  return (
    <div className="circuit-status">
      <p className={`circuit-state circuit-${circuit.state}`} data-testid="circuit-state" data-state={circuit.state}>
        {STATE_TEXT[circuit.state]}
        {circuit.state === 'open' && circuit.remoteHostname && (
          // Reported by the target itself, so treated like any server text.
          <span className="muted"> to {toPlainText(circuit.remoteHostname, 255)}</span>
        )}
      </p>
      <HopStatusList rows={rows} />
      {error && (
        <div role="alert" className="failure">
          <p>
            <strong>{error.hop ? `Hop ${error.hop.index + 1} (${toPlainText(error.hop.name, 200)}) failed` : 'The circuit failed'}</strong>
            {': '}
            <code data-testid="circuit-error-code">{error.code}</code>
          </p>
          <p className="server-text" data-testid="circuit-error-message">
            {toPlainText(error.message)}
          </p>
        </div>
      )}
      <div className="actions">
        {circuit.state === 'open' && (
          <button type="button" onClick={onOpenTerminal}>
            Open terminal
          </button>
        )}
        {(circuit.state === 'opening' || circuit.state === 'open') && (
          <button type="button" className="danger" onClick={onDisconnect}>
            Disconnect
          </button>
        )}
        <button type="button" className="secondary" onClick={() => void copy()}>
          Copy details
        </button>
      </div>
      {copyNote && (
        <p role="status" className="hint">
          {copyNote}
        </p>
      )}
      {fallback && <textarea aria-label="Circuit details" readOnly value={fallback} rows={8} />}
    </div>
  );
}
