/**
 * One terminal panel of the workspace: a one-line header with the circuit's route (a button that
 * opens the circuit's hop cards, timings and event log over the terminal, never pushing it down),
 * the terminal itself, and, while the circuit comes up, its hop cards over the terminal area.
 */
import type { IDockviewPanelProps } from 'dockview-react';
import { ChevronDown, ChevronUp, FolderOpen } from 'lucide-react';
import { useEffect, useMemo, useState } from 'react';
import { toPlainText } from '../../shared/model/plainText';
import { CircuitStatus } from '../features/connection/CircuitStatus';
import { ForwardsPanel } from '../features/forwards/ForwardsPanel';
import { GatewayPanel } from '../features/gateway/GatewayPanel';
import { resolveTerminalOptions } from '../features/terminals/terminalSettings';
import { TerminalView } from '../features/terminals/TerminalView';
import { formatCircuitDetails, hopRows } from '../stores/circuitsLogic';
import type { TabStatus } from '../stores/terminalsLogic';
import { describeError } from '../stores/describeError';
import { requestDisconnect } from '../stores/sessionEnding';
import { isMac, shortcutFor } from '../stores/shortcuts';
import { useCircuitsStore } from '../stores/useCircuitsStore';
import { useProfilesStore } from '../stores/useProfilesStore';
import { useSettingsStore } from '../stores/useSettingsStore';
import { useTerminalsStore } from '../stores/useTerminalsStore';
import { useWorkspaceStore } from '../stores/useWorkspaceStore';
import { tabState } from '../stores/workspaceLayout';
import { BackendLostOverlay, useBackendDown } from './BackendLostOverlay';

/** A shell that ended through no fault of a hop says why in the header, not "ended". */
function endCauseText(status: TabStatus): string | null {
  if (status.kind !== 'ended' || !status.cause) return null;
  return status.cause === 'user' ? 'ended by you' : 'backend restarted';
}

const STATE_TEXT = { connecting: 'connecting…', running: 'connected', exited: 'ended', lost: 'connection lost', failed: 'failed' } as const;

export function TerminalPanel({ api }: IDockviewPanelProps) {
  const key = api.id;
  const tab = useTerminalsStore((s) => s.tabs.find((t) => t.key === key));
  const focus = useTerminalsStore((s) => (s.focus?.key === key ? s.focus.n : null));
  const search = useTerminalsStore((s) => (s.search?.key === key ? s.search.n : null));
  const circuit = useCircuitsStore((s) => (tab ? s.circuits[tab.circuitId] : undefined));
  const hops = useCircuitsStore((s) => (tab ? s.hops[tab.circuitId] : undefined));
  const eventLog = useCircuitsStore((s) => s.eventLog);
  const profile = useProfilesStore((s) => (circuit?.profileId ? s.profiles.find((p) => p.id === circuit.profileId) : undefined));
  const settings = useSettingsStore((s) => s.settings);
  const drawerOpen = useWorkspaceStore((s) => s.drawer === key);
  const toggleDrawer = useWorkspaceStore((s) => s.toggleDrawer);
  const openTab = useTerminalsStore((s) => s.openTab);
  const reconnect = useTerminalsStore((s) => s.reconnect);
  const [visible, setVisible] = useState(api.isVisible);
  const [log, setLog] = useState<string[] | null>(null);
  const backendDown = useBackendDown();

  useEffect(() => {
    setVisible(api.isVisible);
    const sub = api.onDidVisibilityChange((event) => setVisible(event.isVisible));
    return () => sub.dispose();
  }, [api]);

  const rows = useMemo(() => (circuit ? hopRows(circuit, hops) : []), [circuit, hops]);
  const options = useMemo(
    () => resolveTerminalOptions(profile?.terminal ?? { fontSize: settings.terminal.fontSize, scrollback: settings.terminal.scrollback, copyOnSelect: settings.terminal.copyOnSelect }),
    [profile?.terminal, settings.terminal.fontSize, settings.terminal.scrollback, settings.terminal.copyOnSelect],
  );

  // The event log is read when the details open (it changes only while the circuit is busy).
  useEffect(() => {
    if (!drawerOpen || !circuit) return;
    let live = true;
    eventLog(circuit.id).then(
      (lines) => live && setLog(lines),
      (error: unknown) => live && setLog([`(event log unavailable: ${describeError(error)})`]),
    );
    return () => {
      live = false;
    };
  }, [drawerOpen, circuit, eventLog]);

  if (!tab) return <div className="pane pane-missing">This terminal is gone.</div>;

  const state = tabState(tab.status, circuit);
  const hopNames = circuit?.hopNames ?? [];
  const target = hopNames[hopNames.length - 1] ?? 'the target';
  const route = hopNames.map((n) => toPlainText(n, 120));
  const coming = circuit?.state === 'opening' || (circuit?.state === 'failed' && !('terminalId' in tab.status && tab.status.terminalId !== null));

  const status = circuit && (
    <CircuitStatus
      key={circuit.id}
      circuit={circuit}
      rows={rows}
      onDisconnect={() => void requestDisconnect(circuit.id)}
      onOpenTerminal={() => openTab(circuit.id)}
      onRetry={() => void reconnect(key)}
      details={async () => formatCircuitDetails(circuit, rows, await eventLog(circuit.id).catch(() => []))}
    />
  );

  return (
    <div className={`pane pane-${state}${backendDown ? ' pane-down' : ''}`} data-testid="terminal-pane" data-pane={key} data-backend={backendDown ? 'down' : 'up'}>
      <div className="pane-header">
        <button
          type="button"
          className="pane-route"
          aria-expanded={drawerOpen}
          aria-controls={`drawer-${key}`}
          title="Show the circuit: hops, timings and event log"
          onClick={() => toggleDrawer(key)}
        >
          <span className={`pane-dot pane-dot-${state}`} aria-hidden />
          <span className="pane-hops">
            {route.length === 0
              ? 'Circuit'
              : route.map((name, i) => (
                  <span key={i} className={i === route.length - 1 ? 'pane-hop pane-target' : 'pane-hop'}>
                    {name}
                  </span>
                ))}
          </span>
          <span className="pane-state">{backendDown ? 'backend unreachable' : (endCauseText(tab.status) ?? STATE_TEXT[state])}</span>
          {drawerOpen ? <ChevronUp size={14} aria-hidden /> : <ChevronDown size={14} aria-hidden />}
        </button>
        {circuit?.state === 'open' && !backendDown && (
          <button type="button" className="pane-files" title="Browse files on this circuit" onClick={() => useWorkspaceStore.getState().openFiles(circuit.id)}>
            <FolderOpen size={14} aria-hidden />
            <span>Files</span>
          </button>
        )}
      </div>
      <div className="pane-body">
        {/* While the backend is unreachable nothing here takes input or focus (inert), and it looks it. */}
        <div className="pane-live" inert={backendDown}>
          <TerminalView
            tab={tab}
            visible={visible}
            options={options}
            targetName={target}
            focusNonce={focus}
            searchNonce={search}
            label={`Terminal on ${toPlainText(target, 120)}`}
            panelId={`terminal-panel-${key}`}
            isAppShortcut={(event) => shortcutFor(event, useSettingsStore.getState().chords(), { mac: isMac(), inTerminal: true }) !== null}
            appearance={settings.terminal}
          />
          {coming && !drawerOpen && status && (
            <div className="pane-overlay" role="region" aria-label={`${circuit?.state === 'failed' ? 'Could not connect to' : 'Connecting to'} ${toPlainText(target, 120)}`}>
              <div className="pane-card">
                {status}
                {circuit?.state === 'failed' && (
                  <div className="actions">
                    <button type="button" className="secondary" onClick={() => api.close()}>
                      Close tab
                    </button>
                  </div>
                )}
              </div>
            </div>
          )}
          {drawerOpen && (
            <aside id={`drawer-${key}`} className="pane-drawer" aria-label="Circuit details">
              <div className="pane-drawer-head">
                <h2>Circuit</h2>
                <button type="button" className="secondary small" onClick={() => toggleDrawer(null)}>
                  Close details
                </button>
              </div>
              {status}
              {circuit && <ForwardsPanel circuitId={circuit.id} circuitState={circuit.state} />}
              {circuit && <GatewayPanel circuitId={circuit.id} profileId={circuit.profileId} />}
              <h3>Event log</h3>
              <pre className="event-log" tabIndex={0} aria-label="Event log">
                {(log ?? ['Loading…']).map((line) => toPlainText(line, 2000)).join('\n')}
              </pre>
            </aside>
          )}
        </div>
        {backendDown && <BackendLostOverlay />}
      </div>
    </div>
  );
}
