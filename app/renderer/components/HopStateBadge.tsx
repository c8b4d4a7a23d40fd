import type { HopStateName } from '../../shared/model/hop';

const LABELS: Record<HopStateName | 'pending', string> = {
  pending: 'waiting',
  connecting: 'connecting',
  handshake: 'handshake',
  'verifying-host-key': 'verifying host key',
  authenticating: 'authenticating',
  ready: 'ready',
  closed: 'closed',
  failed: 'failed',
};

/** A hop's live state as a word and a colour; the word alone carries the meaning. */
export function HopStateBadge({ state, testId }: { state: HopStateName | 'pending'; testId?: string }) {
  return (
    <span className={`hop-state hop-state-${state}`} data-testid={testId} data-state={state}>
      {LABELS[state]}
    </span>
  );
}
