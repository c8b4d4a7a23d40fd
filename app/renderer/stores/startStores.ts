/**
 * Starts every store's feed (contract events, the link's state, store-to-store reactions) once,
 * explicitly, from main.tsx: importing a store subscribes to nothing. Returns what stops them all.
 */
import { startAppStore } from './useAppStore';
import { startCircuitsStore } from './useCircuitsStore';
import { startCredentialsStore } from './useCredentialsStore';
import { startFilesStore } from './useFilesStore';
import { startForwardsStore } from './useForwardsStore';
import { startGatewayStore } from './useGatewayStore';
import { startHostsStore } from './useHostsStore';
import { startProfilesStore } from './useProfilesStore';
import { startPromptsStore } from './usePromptsStore';
import { startSettingsStore } from './useSettingsStore';
import { startTerminalsStore } from './useTerminalsStore';
import { startTransfersStore } from './useTransfersStore';

export function startStores(): () => void {
  const stops = [startAppStore(), startHostsStore(), startProfilesStore(), startCredentialsStore(), startSettingsStore(), startCircuitsStore(), startPromptsStore(), startTerminalsStore(), startForwardsStore(), startTransfersStore(), startFilesStore(), startGatewayStore()];
  return () => {
    for (const stop of stops.reverse()) stop();
  };
}
