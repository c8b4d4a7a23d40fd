import { FileInput, Plus, Route, Zap } from 'lucide-react';
import { formatChord, isMac } from '../stores/shortcuts';
import { usePaletteStore } from '../stores/usePaletteStore';
import { useWorkspaceStore } from '../stores/useWorkspaceStore';

/** What the centre says when nothing is open: how to get connected, in three ways. */
export function EmptyWorkspace() {
  const openDialog = useWorkspaceStore((s) => s.openDialog);
  const openBuilder = useWorkspaceStore((s) => s.openBuilder);
  const showPalette = usePaletteStore((s) => s.show);
  return (
    <div className="empty-workspace">
      <div className="empty-card">
        <h2 className="empty-title">Nothing open yet</h2>
        <p className="muted">Connect to a host, or through bastions, in a few keys. Host keys are checked on every hop before any password or code leaves this computer.</p>
        <div className="empty-actions">
          <button type="button" onClick={showPalette}>
            <Zap size={16} aria-hidden /> Quick connect <kbd>{formatChord('Mod+K', isMac())}</kbd>
          </button>
          <button type="button" className="secondary" onClick={() => openDialog({ kind: 'import' })}>
            <FileInput size={16} aria-hidden /> Import ssh_config
          </button>
          <button type="button" className="secondary" onClick={() => openDialog({ kind: 'host', hostId: null })}>
            <Plus size={16} aria-hidden /> Add host
          </button>
          <button type="button" className="secondary" onClick={openBuilder}>
            <Route size={16} aria-hidden /> New circuit
          </button>
        </div>
        <p className="hint">
          Quick connect takes <code>user@host</code>, <code>-J bastion user@host</code> or a saved name.
        </p>
      </div>
    </div>
  );
}
