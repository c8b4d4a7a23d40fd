import { KeyRound, Network, TriangleAlert } from 'lucide-react';
import { useMemo } from 'react';
import { useAppStore } from '../stores/useAppStore';
import { useCircuitsStore } from '../stores/useCircuitsStore';
import { useCredentialsStore } from '../stores/useCredentialsStore';
import { useTerminalsStore } from '../stores/useTerminalsStore';

const BACKEND_TEXT = {
  connecting: 'Starting…',
  open: 'Ready',
  closed: 'Hopline’s backend is unreachable, retrying…',
} as const;

/** What matters at a glance: circuits and terminals open, where secrets are kept, and the backend only when it is not well. */
export function StatusBar() {
  const connection = useAppStore((s) => s.connection);
  const authRejected = useAppStore((s) => s.link.authRejected);
  const backendDown = useAppStore((s) => s.backendDown);
  const info = useAppStore((s) => s.info);
  const circuits = useCircuitsStore((s) => s.circuits);
  const tabs = useTerminalsStore((s) => s.tabs);
  const credentials = useCredentialsStore((s) => s.status);
  const open = useMemo(() => Object.values(circuits).filter((c) => c.state === 'open').length, [circuits]);
  const connecting = useMemo(() => Object.values(circuits).filter((c) => c.state === 'opening').length, [circuits]);
  const running = tabs.filter((t) => t.status.kind === 'running').length;
  const keychain = credentials === null ? 'Keychain: checking…' : credentials.backend === 'keychain' ? 'Secrets in the OS keychain' : 'No keychain: secrets kept for this session only';

  return (
    <footer className="statusbar">
      <span className={`status-backend status-${connection}`} role="status" data-testid="connection-state" data-state={connection}>
        {connection === 'closed' && <TriangleAlert size={14} aria-hidden />}
        {connection === 'closed' && authRejected ? 'Hopline’s backend restarted: open the address it printed' : BACKEND_TEXT[connection]}
      </span>
      <span data-testid="status-circuits">
        <Network size={14} aria-hidden /> {open === 1 ? '1 circuit open' : `${open} circuits open`}
        {connecting > 0 && `, ${connecting} connecting`} · {running === 1 ? '1 terminal' : `${running} terminals`}
        {/* The counts are what the backend last said: it cannot say more while it is away. */}
        {backendDown && ' (last known)'}
      </span>
      <span className={credentials?.backend === 'session-memory' ? 'status-warning' : undefined} data-testid="status-keychain">
        <KeyRound size={14} aria-hidden /> {keychain}
      </span>
      <span className="status-right muted">{info ? `Hopline ${info.version} · ${info.transport === 'web' ? 'web mode' : 'desktop'}` : ''}</span>
    </footer>
  );
}
