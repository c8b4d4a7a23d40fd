import { CircuitBuilder } from '../features/circuit-builder/CircuitBuilder';

/** The circuit builder as a workspace panel: scrolls on its own, never above the terminals. */
export function BuilderPanel() {
  return (
    <div className="view-panel">
      <CircuitBuilder />
    </div>
  );
}
