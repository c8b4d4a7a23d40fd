/**
 * The questions asked before the user ends live sessions, and the endings themselves:
 * closing a tab whose shell is live, and Disconnect with terminals on the circuit.
 *
 * OpenSSH servers do not tell a client which process holds a PTY's foreground, so "is anything
 * running in it?" cannot be known: any live shell is asked about. A tab whose shell has ended,
 * or never started, closes at once.
 */
import { toPlainText } from '../../shared/model/plainText';
import { findTab, liveTabsOf } from './terminalsLogic';
import { useCircuitsStore } from './useCircuitsStore';
import { useConfirmStore } from './useConfirmStore';
import { useProfilesStore } from './useProfilesStore';
import { useTerminalsStore } from './useTerminalsStore';

/** What the user calls the circuit: its profile's name, else its target's. */
export function circuitName(circuitId: string): string {
  const circuit = useCircuitsStore.getState().circuits[circuitId];
  const profile = circuit?.profileId ? useProfilesStore.getState().profiles.find((p) => p.id === circuit.profileId) : undefined;
  const hopNames = circuit?.hopNames ?? [];
  return toPlainText(profile?.name ?? hopNames[hopNames.length - 1] ?? 'this circuit', 120);
}

/**
 * Closes a tab the user asked to close (its close mark, Delete, Mod+W, the palette), asking
 * first if its shell is live. `close` removes the panel; the dock then ends the shell.
 * Resolves whether it closed.
 */
export async function requestCloseTab(key: string, close: () => void): Promise<boolean> {
  const tab = findTab(useTerminalsStore.getState(), key);
  if (tab?.status.kind === 'running') {
    const name = circuitName(tab.circuitId);
    const confirmed = await useConfirmStore.getState().ask({
      kind: 'close-tab',
      title: `Close Terminal ${tab.number} on ${name}?`,
      body: `Its shell on ${name} is still running. Closing the tab ends the shell and anything running in it.`,
      confirmLabel: 'Close tab',
    });
    // It may have ended, or been closed elsewhere, while the question was open: close what is left.
    if (!confirmed) return false;
  }
  close();
  return true;
}

/** The user's Disconnect: asks first when it ends live terminals ("Disconnect 2 terminals on prod-db?"). */
export async function requestDisconnect(circuitId: string): Promise<boolean> {
  const live = liveTabsOf(useTerminalsStore.getState(), circuitId).length;
  if (live > 0) {
    const name = circuitName(circuitId);
    const what = live === 1 ? '1 terminal' : `${live} terminals`;
    const confirmed = await useConfirmStore.getState().ask({
      kind: 'disconnect',
      title: `Disconnect ${what} on ${name}?`,
      body: `${live === 1 ? 'Its shell ends' : 'Their shells end'}, with anything running in ${live === 1 ? 'it' : 'them'}, and the circuit closes. Hops that other circuits use stay up.`,
      confirmLabel: 'Disconnect',
    });
    if (!confirmed) return false;
  }
  await useTerminalsStore.getState().disconnect(circuitId);
  return true;
}
