import { useState } from 'react';
import type { CircuitSummary } from '../../../shared/model/hop';
import { toPlainText } from '../../../shared/model/plainText';
import type { HopRow } from '../../stores/circuitsLogic';
import { HopStatusList } from './HopStatusList';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useAppStore } from '../../stores/useAppStore';

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
  /**
   * Retry of a failed circuit: the same repair as a terminal's Reconnect (hops still up are
   * reused, only the dead ones rebuilt). Offered while the circuit is failed.
   */
  onRetry?(): void;
  /** The text block for "Copy details". */
  details(): Promise<string>;
}

/** One circuit: its state, hops, the failure if any (on the hop it concerns), and its actions. */
export function CircuitStatus({ circuit, rows, onDisconnect, onOpenTerminal, onRetry, details }: CircuitStatusProps) {
  const [copyNote, setCopyNote] = useState<string | null>(null);
  const [fallback, setFallback] = useState<string | null>(null);
  const error = circuit.error;
  // With the backend out of reach, the last known state may no longer be true: say so rather than "Connected".
  const backendDown = useAppStore((s) => s.backendDown);

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
        {backendDown ? `${STATE_TEXT[circuit.state]} when last heard from; the backend is unreachable` : STATE_TEXT[circuit.state]}
        {!backendDown && circuit.state === 'open' && circuit.remoteHostname && (
          // Reported by the target itself, so treated like any server text.
          <span className="muted"> to {toPlainText(circuit.remoteHostname, 255)}</span>
        )}
      </p>
      <HopStatusList rows={rows} />
      {error && (
        // One plain sentence naming the hop; the code and the raw text wait under "Details".
        <div role="alert" className="failure" data-testid="circuit-error">
          <ErrorMessage error={error} />
        </div>
      )}
      <div className="actions">
        {circuit.state === 'failed' && onRetry && (
          <button type="button" onClick={onRetry}>
            Retry
          </button>
        )}
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
