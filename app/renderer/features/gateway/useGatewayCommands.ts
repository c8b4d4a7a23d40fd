/**
 * The gateway's palette commands, registered while the App is mounted (App.tsx composes them as
 * it does the forwards' ones): open "Use from other tools" for the active terminal's circuit, and
 * copy its profile's ssh_config block.
 */
import { useEffect } from 'react';
import { findTab } from '../../stores/terminalsLogic';
import { useCircuitsStore } from '../../stores/useCircuitsStore';
import { useGatewayStore } from '../../stores/useGatewayStore';
import { usePaletteStore } from '../../stores/usePaletteStore';
import { useTerminalsStore } from '../../stores/useTerminalsStore';
import { activeTerminalKey, useWorkspaceStore } from '../../stores/useWorkspaceStore';
import { copyText } from './copyText';

/** The active terminal's panel key, circuit and the profile it was opened from. */
function activeCircuit(): { key: string; circuitId: string; profileId: string | null } | null {
  const key = activeTerminalKey(useWorkspaceStore.getState().api);
  const tab = key ? findTab(useTerminalsStore.getState(), key) : undefined;
  if (!key || !tab) return null;
  return { key, circuitId: tab.circuitId, profileId: useCircuitsStore.getState().circuits[tab.circuitId]?.profileId ?? null };
}

/** Opens the circuit details (never toggling them shut) at "Use from other tools", saying `notice` there. */
function revealPanel(key: string, circuitId: string, notice: string | null = null): void {
  const ws = useWorkspaceStore.getState();
  if (ws.drawer !== key) ws.toggleDrawer(key);
  useGatewayStore.getState().requestReveal(circuitId, notice);
}

export function useGatewayCommands(): void {
  const register = usePaletteStore((s) => s.register);
  useEffect(
    () =>
      register([
        {
          id: 'gateway-show',
          title: 'Use this circuit from other tools…',
          group: 'Terminal',
          keywords: ['ssh_config', 'ssh config', 'proxy', 'gateway', 'scp', 'rsync', 'git', 'vs code', 'remote-ssh', 'external sessions'],
          enabled: () => activeCircuit() !== null,
          run: () => {
            const active = activeCircuit();
            if (active) revealPanel(active.key, active.circuitId);
          },
        },
        {
          id: 'gateway-copy',
          title: 'Copy ssh_config block for this profile',
          group: 'Terminal',
          keywords: ['ssh_config', 'ssh config', 'proxy', 'gateway', 'host block', 'clipboard'],
          enabled: () => activeCircuit()?.profileId != null,
          run: async () => {
            const active = activeCircuit();
            if (!active?.profileId) return;
            const known = useGatewayStore.getState().blocks[active.profileId];
            // A block already shown is copied at once; else it is asked for first (a refusal shows in the palette).
            const block = known?.status === 'ready' ? known.block : await useGatewayStore.getState().loadBlock(active.profileId);
            const copied = await copyText(block.text);
            revealPanel(active.key, active.circuitId, copied ? `Copied the Host block for ${block.hostAlias}: paste it into ~/.ssh/config.` : 'The clipboard is not available here: select the block and copy it.');
          },
        },
      ]),
    [register],
  );
}
