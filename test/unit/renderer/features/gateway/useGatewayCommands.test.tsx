// @vitest-environment happy-dom
/**
 * The gateway's palette commands for the active terminal's circuit: "Use this circuit from other
 * tools…" opens its details at the panel (never toggling them shut), and "Copy ssh_config block
 * for this profile" copies the profile's block (asking for it when none is shown yet) and says so
 * in the panel; both are offered only where they can act.
 */
import { cleanup, renderHook } from '@testing-library/react';
import type { DockviewApi } from 'dockview-react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { useGatewayCommands } from '../../../../../app/renderer/features/gateway/useGatewayCommands';
import { startStores } from '../../../../../app/renderer/stores/startStores';
import { useCircuitsStore } from '../../../../../app/renderer/stores/useCircuitsStore';
import { useGatewayStore } from '../../../../../app/renderer/stores/useGatewayStore';
import { usePaletteStore } from '../../../../../app/renderer/stores/usePaletteStore';
import { useTerminalsStore } from '../../../../../app/renderer/stores/useTerminalsStore';
import { useWorkspaceStore } from '../../../../../app/renderer/stores/useWorkspaceStore';
import { fake } from '../../fakeRpc';

vi.mock('../../../../../app/renderer/rpc', async () => (await import('../../fakeRpc')).rpcModule);

let stopStores: () => void;
beforeAll(() => {
  stopStores = startStores();
});
afterAll(() => stopStores());

const writeText = vi.fn(async (_text: string) => undefined);
const command = (id: string) => usePaletteStore.getState().commands.find((c) => c.id === id)!;

function activeTab(profileId: string | null): void {
  useWorkspaceStore.setState({ api: { activePanel: { id: 'k1' } } as unknown as DockviewApi, drawer: null });
  useTerminalsStore.setState({ tabs: [{ key: 'k1', circuitId: 'c1', number: 1, status: { kind: 'running', terminalId: 't1', streamId: 1 }, session: 1 }] });
  useCircuitsStore.setState({ circuits: { c1: { id: 'c1', hostIds: ['h1', 'h2'], profileId, hopNames: ['b', 't'], state: 'open', error: null } } });
}

beforeEach(() => {
  vi.clearAllMocks();
  useGatewayStore.setState({ sessions: [], riding: {}, blocks: {}, reveal: null });
  Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
  fake.rpc.gateway.sshConfigFor.mockResolvedValue({ text: 'Host prod-db\n', hostAlias: 'prod-db' });
});
afterEach(() => {
  cleanup();
  useWorkspaceStore.setState({ api: null, drawer: null });
  useTerminalsStore.setState({ tabs: [] });
});

describe('gateway palette commands', () => {
  it('are offered only with a terminal, and copying only for a circuit opened from a profile', () => {
    renderHook(() => useGatewayCommands());
    expect(command('gateway-show').enabled!()).toBe(false);
    expect(command('gateway-copy').enabled!()).toBe(false);
    activeTab(null);
    expect(command('gateway-show').enabled!()).toBe(true);
    expect(command('gateway-copy').enabled!()).toBe(false);
    activeTab('p1');
    expect(command('gateway-copy').enabled!()).toBe(true);
  });

  it('"Use this circuit from other tools…" opens the details at the panel, and a second run keeps them open', async () => {
    renderHook(() => useGatewayCommands());
    activeTab('p1');
    await command('gateway-show').run();
    expect(useWorkspaceStore.getState().drawer).toBe('k1');
    expect(useGatewayStore.getState().reveal).toMatchObject({ circuitId: 'c1', notice: null });
    await command('gateway-show').run();
    expect(useWorkspaceStore.getState().drawer).toBe('k1');
  });

  it('"Copy ssh_config block for this profile" asks for the block, copies it and says so in the panel', async () => {
    renderHook(() => useGatewayCommands());
    activeTab('p1');
    await command('gateway-copy').run();
    expect(fake.rpc.gateway.sshConfigFor).toHaveBeenCalledWith('p1');
    expect(writeText).toHaveBeenCalledWith('Host prod-db\n');
    expect(useWorkspaceStore.getState().drawer).toBe('k1');
    expect(useGatewayStore.getState().reveal).toMatchObject({ circuitId: 'c1', notice: 'Copied the Host block for prod-db: paste it into ~/.ssh/config.' });
    // A block already shown is copied as it is, without asking again.
    await command('gateway-copy').run();
    expect(fake.rpc.gateway.sshConfigFor).toHaveBeenCalledTimes(1);
    writeText.mockRejectedValueOnce(new Error('denied'));
    await command('gateway-copy').run();
    expect(useGatewayStore.getState().reveal?.notice).toBe('The clipboard is not available here: select the block and copy it.');
  });
});
