import { useAppStore } from '../../stores/useAppStore';
import { ConnectionBadge } from '../../components/ConnectionBadge';

/**
 * The frame of the app as an ops user expects a desktop tool to look: saved circuits on the
 * left, the circuit and its connection in the middle, a status bar below. The panes fill in as
 * the builder and terminal features land.
 */
export function AppShell() {
  const info = useAppStore((s) => s.info);
  const connection = useAppStore((s) => s.connection);
  const error = useAppStore((s) => s.error);
  const pongs = useAppStore((s) => s.pongs);
  const roundTripMs = useAppStore((s) => s.roundTripMs);
  const ping = useAppStore((s) => s.ping);

  return (
    <div className="shell">
      <header className="titlebar">
        <h1>Hopline</h1>
        <span className="version" data-testid="app-version">
          {info ? `v${info.version}` : '…'}
        </span>
      </header>
      <aside className="sidebar" aria-label="Saved circuits">
        <h2>Circuits</h2>
        <p className="empty">No saved circuits yet.</p>
      </aside>
      <main className="workspace">
        <section className="panel" aria-label="Circuit">
          <h2>Circuit</h2>
          <ol className="chain" aria-label="Hops">
            <li className="hop local">This computer</li>
          </ol>
        </section>
        <section className="panel" aria-label="Diagnostics">
          <h2>Diagnostics</h2>
          <p>Calls the main side and waits for its event, to show the link between window and services works.</p>
          <button type="button" onClick={() => void ping()} disabled={connection !== 'open'}>
            Ping main process
          </button>
          {roundTripMs !== null && <p data-testid="round-trip">Round trip: {roundTripMs} ms</p>}
          <ul aria-label="Events received" data-testid="pong-events">
            {pongs.map((pong) => (
              <li key={pong.nonce}>onDidPong {new Date(pong.at).toLocaleTimeString()}</li>
            ))}
          </ul>
          {error && (
            <p role="alert" className="error">
              {error}
            </p>
          )}
        </section>
      </main>
      <footer className="statusbar">
        <ConnectionBadge state={connection} />
        {info && (
          <span data-testid="app-info">
            {info.transport} mode · {info.platform}/{info.arch} · node {info.versions.node} · data in {info.dataDir}
          </span>
        )}
      </footer>
    </div>
  );
}
