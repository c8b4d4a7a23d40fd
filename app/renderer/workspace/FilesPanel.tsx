/**
 * A circuit's files view as a workspace panel (issue 16). The panel id names the circuit
 * (`files:<circuitId>`); the view lists its target's home folder when it opens (or, after a
 * reload, the folder it showed: Workspace's restore makes the view first) and forgets its
 * state when the panel closes. While the circuit is not open, the view says so instead of failing
 * every call; while the backend is unreachable it greys out and takes no input.
 */
import type { IDockviewPanelProps } from 'dockview-react';
import { useEffect } from 'react';
import { toPlainText } from '../../shared/model/plainText';
import { FilesView } from '../features/files/FilesView';
import { useCircuitsStore } from '../stores/useCircuitsStore';
import { useFilesStore } from '../stores/useFilesStore';
import { filesCircuitOf, useWorkspaceStore } from '../stores/useWorkspaceStore';
import { BackendLostOverlay, useBackendDown } from './BackendLostOverlay';

export function FilesPanel({ api }: IDockviewPanelProps) {
  const circuitId = filesCircuitOf(api.id) ?? '';
  const circuit = useCircuitsStore((s) => s.circuits[circuitId]);
  const focus = useWorkspaceStore((s) => (s.filesFocus?.circuitId === circuitId ? s.filesFocus.n : null));
  const down = useBackendDown();
  const hopNames = circuit?.hopNames ?? [];
  const target = toPlainText(hopNames[hopNames.length - 1] ?? 'the target', 120);
  const open = circuit?.state === 'open';

  // The panel closed: stop any listing and forget the view.
  useEffect(() => () => useFilesStore.getState().close(circuitId), [circuitId]);

  return (
    <div className={`pane files-pane${down ? ' pane-down' : ''}`} data-testid="files-pane" data-circuit={circuitId}>
      <div className="pane-header">
        <div className="pane-route files-route">
          <span className={`pane-dot pane-dot-${open ? 'running' : 'lost'}`} aria-hidden />
          <span className="pane-hops">
            {hopNames.map((name, i) => (
              <span key={i} className={i === hopNames.length - 1 ? 'pane-hop pane-target' : 'pane-hop'}>
                {toPlainText(name, 120)}
              </span>
            ))}
          </span>
          <span className="pane-state">{down ? 'backend unreachable' : open ? 'files' : 'circuit closed'}</span>
        </div>
      </div>
      <div className="pane-body">
        <div className="pane-live" inert={down}>
          {open ? (
            <FilesView circuitId={circuitId} targetName={target} focusNonce={focus} />
          ) : (
            <div className="files-closed">
              <p>
                The circuit to {target} is {circuit ? (circuit.state === 'opening' ? 'still connecting' : 'not open') : 'closed'}. Files show here while it is open.
              </p>
              <button type="button" className="secondary" onClick={() => api.close()}>
                Close files
              </button>
            </div>
          )}
        </div>
        {down && <BackendLostOverlay />}
      </div>
    </div>
  );
}
