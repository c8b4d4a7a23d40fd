import { useAppStore } from '../../stores/useAppStore';

/**
 * The ping round trip: proof that calls and events both flow between window and services.
 * Lives in Settings → About; the e2e tests drive its data-testids.
 */
export function Diagnostics({ headingLevel = 4 }: { headingLevel?: 3 | 4 }) {
  const connection = useAppStore((s) => s.connection);
  const error = useAppStore((s) => s.error);
  const pongs = useAppStore((s) => s.pongs);
  const roundTripMs = useAppStore((s) => s.roundTripMs);
  const ping = useAppStore((s) => s.ping);
  const Heading = headingLevel === 3 ? 'h3' : 'h4';
  return (
    <section className="diagnostics" aria-label="Diagnostics">
      <Heading>Diagnostics</Heading>
      <div className="diagnostics-row">
        <button type="button" className="secondary small" onClick={() => void ping()} disabled={connection !== 'open'}>
          Ping main process
        </button>
        {roundTripMs !== null && <span data-testid="round-trip">Round trip: {roundTripMs} ms</span>}
        <ul aria-label="Events received" data-testid="pong-events" className="pongs">
          {pongs.map((pong) => (
            <li key={pong.nonce}>onDidPong {new Date(pong.at).toLocaleTimeString()}</li>
          ))}
        </ul>
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  );
}
