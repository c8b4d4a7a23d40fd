import { useMemo } from 'react';
import type { ProfileSummary } from '../../../shared/model/profile';
import { toPlainText } from '../../../shared/model/plainText';
import { activeKey as activeKeyOf, tabsOf } from '../../stores/terminalsLogic';
import { useCircuitsStore } from '../../stores/useCircuitsStore';
import { useProfilesStore } from '../../stores/useProfilesStore';
import { useTerminalsStore } from '../../stores/useTerminalsStore';
import { panelDomId, tabDomId, TerminalTabs } from './TerminalTabs';
import { resolveTerminalOptions } from './terminalSettings';
import { TerminalView } from './TerminalView';

/**
 * Terminals of the circuit on screen, as tabs. Every tab's view stays mounted (stacked, only the
 * selected one of the circuit on screen visible) so switching tabs or circuits never loses a
 * terminal's screen or scrollback, and hidden terminals keep reading their output.
 */
export function TerminalsPanel() {
  const currentId = useCircuitsStore((s) => s.currentId);
  const circuits = useCircuitsStore((s) => s.circuits);
  const profiles = useProfilesStore((s) => s.profiles);
  const tabs = useTerminalsStore((s) => s.tabs);
  const active = useTerminalsStore((s) => s.active);
  const focus = useTerminalsStore((s) => s.focus);
  const search = useTerminalsStore((s) => s.search);
  const requestSearch = useTerminalsStore((s) => s.requestSearch);
  const openTab = useTerminalsStore((s) => s.openTab);
  const close = useTerminalsStore((s) => s.close);
  const activate = useTerminalsStore((s) => s.activate);

  const circuit = currentId ? circuits[currentId] : undefined;
  const shownTabs = useMemo(() => tabsOf({ tabs, active }, currentId), [tabs, active, currentId]);
  const shownKey = activeKeyOf({ tabs, active }, currentId);
  const profilesById = useMemo(() => new Map<string, ProfileSummary>(profiles.map((p) => [p.id, p])), [profiles]);

  if (tabs.length === 0 && circuit?.state !== 'open') return null;

  const optionsFor = (circuitId: string) => {
    const profileId = circuits[circuitId]?.profileId;
    return resolveTerminalOptions(profileId ? profilesById.get(profileId)?.terminal : null);
  };
  const targetOf = (circuitId: string) => {
    const names = circuits[circuitId]?.hopNames ?? [];
    return names[names.length - 1] ?? 'the target';
  };
  const newDisabledReason = circuit?.state === 'open' ? null : 'The circuit is not open';
  const showPanel = circuit !== undefined && (circuit.state === 'open' || shownTabs.length > 0);

  return (
    <section className={`panel terminals${showPanel ? '' : ' terminals-idle'}`} aria-labelledby="terminals-title" hidden={!showPanel}>
      <div className="panel-head">
        <h2 id="terminals-title">Terminals</h2>
        {circuit && <span className="muted">on {toPlainText(targetOf(circuit.id), 200)}</span>}
      </div>
      {showPanel && currentId && (
        <TerminalTabs
          tabs={shownTabs}
          activeKey={shownKey}
          onActivate={(key, pointer) => activate(key, pointer)}
          onClose={(key) => void close(key)}
          onNew={() => openTab(currentId)}
          onFind={() => shownKey && requestSearch(shownKey)}
          newDisabledReason={newDisabledReason}
        />
      )}
      {showPanel && shownTabs.length === 0 && <p className="empty">No terminal on this circuit. Use “New terminal” to open a shell on its target.</p>}
      <div className={`terminal-stack${shownTabs.length > 0 ? '' : ' terminal-stack-empty'}`}>
        {tabs.map((tab) => (
          <TerminalView
            key={tab.key}
            tab={tab}
            visible={showPanel && tab.key === shownKey}
            options={optionsFor(tab.circuitId)}
            targetName={targetOf(tab.circuitId)}
            focusNonce={focus?.key === tab.key ? focus.n : null}
            searchNonce={search?.key === tab.key ? search.n : null}
            labelledBy={tabDomId(tab.key)}
            panelId={panelDomId(tab.key)}
          />
        ))}
      </div>
    </section>
  );
}
