import { CircuitBuilder } from '../features/circuit-builder/CircuitBuilder';
import { BackendLostOverlay, useBackendDown } from './BackendLostOverlay';

/**
 * The circuit builder as a workspace panel: scrolls on its own, never above the terminals.
 * While the backend is unreachable it greys out and takes no input (Connect would go nowhere),
 * under a card that says why.
 */
export function BuilderPanel() {
  const down = useBackendDown();
  return (
    <div className={`view-panel${down ? ' view-down' : ''}`}>
      {down && <BackendLostOverlay />}
      <div className="view-live" inert={down}>
        <CircuitBuilder />
      </div>
    </div>
  );
}
