import type { ConnectionState } from '../rpc';

const LABELS: Record<ConnectionState, string> = {
  connecting: 'Connecting to main process…',
  open: 'Connected',
  closed: 'Main process unreachable, retrying…',
};

export function ConnectionBadge({ state }: { state: ConnectionState }) {
  return (
    <span className={`badge badge-${state}`} role="status" data-testid="connection-state" data-state={state}>
      {LABELS[state]}
    </span>
  );
}
