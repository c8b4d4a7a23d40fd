import { useEffect, useMemo, useRef } from 'react';
import { toPlainText } from '../../../shared/model/plainText';
import { formatCircuitDetails, hopRows } from '../../stores/circuitsLogic';
import { describeError } from '../../stores/describeError';
import { useCircuitsStore } from '../../stores/useCircuitsStore';
import { useTerminalsStore } from '../../stores/useTerminalsStore';
import { CircuitStatus } from './CircuitStatus';

/** The live connection pane: the circuit this window opened (or picked), hop by hop. */
export function ConnectionView() {
  const circuits = useCircuitsStore((s) => s.circuits);
  const allHops = useCircuitsStore((s) => s.hops);
  const currentId = useCircuitsStore((s) => s.currentId);
  const opening = useCircuitsStore((s) => s.pending !== null);
  const openError = useCircuitsStore((s) => s.openError);
  const close = useCircuitsStore((s) => s.close);
  const select = useCircuitsStore((s) => s.select);
  const eventLog = useCircuitsStore((s) => s.eventLog);
  const openTerminal = useTerminalsStore((s) => s.openTab);

  const circuit = currentId ? circuits[currentId] : undefined;
  const hops = currentId ? allHops[currentId] : undefined;
  const rows = useMemo(() => (circuit ? hopRows(circuit, hops) : []), [circuit, hops]);
  const others = useMemo(() => Object.values(circuits).filter((c) => c.id !== currentId && (c.state === 'open' || c.state === 'opening')), [circuits, currentId]);

  // A Connect click far above (a long export preview) must not leave the hops' progress out of sight.
  const sectionRef = useRef<HTMLElement>(null);
  useEffect(() => {
    if (currentId || opening) sectionRef.current?.scrollIntoView?.({ block: 'start' });
  }, [currentId, opening]);

  async function details(): Promise<string> {
    if (!circuit) return '';
    const log = await eventLog(circuit.id).catch((error: unknown) => [`(event log unavailable: ${describeError(error)})`]);
    return formatCircuitDetails(circuit, rows, log);
  }

  return (
    <section ref={sectionRef} className="panel connection" aria-labelledby="connection-title">
      <h2 id="connection-title">Connection</h2>
      {openError && (
        <p role="alert" className="error">
          {openError}
        </p>
      )}
      {circuit ? (
        <CircuitStatus key={circuit.id} circuit={circuit} rows={rows} onDisconnect={() => void close(circuit.id)} onOpenTerminal={() => openTerminal(circuit.id)} details={details} />
      ) : (
        <p className="empty">{opening ? 'Opening the circuit…' : 'No circuit open. Build one and press Connect, or connect a saved profile.'}</p>
      )}
      {others.length > 0 && (
        <div className="other-circuits">
          <h3>Other open circuits</h3>
          <ul aria-label="Other open circuits">
            {others.map((c) => (
              <li key={c.id}>
                <span>{toPlainText(c.hopNames.join(' → '), 500)}</span>{' '}
                <button type="button" className="secondary small" aria-label={`Show circuit ${toPlainText(c.hopNames.join(' → '), 500)}`} onClick={() => select(c.id)}>
                  Show
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
