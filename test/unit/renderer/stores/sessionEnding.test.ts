/**
 * Bad moments in the stores, with the fake rpc: the questions before live sessions end (closing a
 * live tab, Disconnect with N terminals), a Disconnect's tabs ending "by you" rather than as an
 * error, and a link that comes back to a restarted backend (its shells and circuits gone).
 */
import { act } from '@testing-library/react';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { requestCloseTab, requestDisconnect } from '../../../../app/renderer/stores/sessionEnding';
import { tabStatusText } from '../../../../app/renderer/stores/terminalsLogic';
import { useAppStore } from '../../../../app/renderer/stores/useAppStore';
import { useCircuitsStore } from '../../../../app/renderer/stores/useCircuitsStore';
import { useConfirmStore } from '../../../../app/renderer/stores/useConfirmStore';
import { useProfilesStore } from '../../../../app/renderer/stores/useProfilesStore';
import { useTerminalsStore } from '../../../../app/renderer/stores/useTerminalsStore';
import { startStores } from '../../../../app/renderer/stores/startStores';
import type { CircuitSummary } from '../../../../app/shared/model/hop';
import { fake } from '../fakeRpc';

vi.mock('../../../../app/renderer/rpc', async () => (await import('../fakeRpc')).rpcModule);

let stopStores: () => void;
beforeAll(() => {
  stopStores = startStores();
});
afterAll(() => stopStores());

let n = 0;
function circuit(extra: Partial<CircuitSummary> = {}): CircuitSummary {
  return { id: `se${++n}`, hostIds: ['h1', 'h2'], profileId: null, hopNames: ['bastion', 'hl-target'], state: 'open', error: null, ...extra };
}
const tabs = () => useTerminalsStore.getState().tabs;
const flush = () =>
  act(async () => {
    await new Promise((resolve) => setTimeout(resolve, 0));
  });

/** A circuit shown open with `count` tabs whose shells run. */
async function live(count: number, extra: Partial<CircuitSummary> = {}): Promise<{ c: CircuitSummary; keys: string[] }> {
  const c = circuit(extra);
  act(() => useCircuitsStore.setState((s) => ({ circuits: { ...s.circuits, [c.id]: c } })));
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const key = useTerminalsStore.getState().openTab(c.id);
    useTerminalsStore.getState().reportSize(key, 80, 24);
    keys.push(key);
  }
  await flush();
  for (const key of keys) expect(tabs().find((t) => t.key === key)?.status.kind).toBe('running');
  return { c, keys };
}

beforeEach(() => {
  useTerminalsStore.setState({ tabs: [], active: {}, focus: null, search: null });
  useCircuitsStore.setState({ circuits: {}, hops: {}, currentId: null, pending: null, openError: null, hostKeyAlerts: [], dismissedAlerts: [] });
  useProfilesStore.setState({ profiles: [] });
  vi.clearAllMocks();
});

describe('closing a tab', () => {
  it('asks before closing a live shell: Cancel keeps it, Close tab closes it', async () => {
    const { keys } = await live(1);
    const close = vi.fn();
    const first = requestCloseTab(keys[0]!, close);
    expect(useConfirmStore.getState().request).toMatchObject({ kind: 'close-tab', title: 'Close Terminal 1 on hl-target?', confirmLabel: 'Close tab' });
    expect(useConfirmStore.getState().request?.body).toMatch(/still running/);
    act(() => useConfirmStore.getState().answer(false));
    await expect(first).resolves.toBe(false);
    expect(close).not.toHaveBeenCalled();
    expect(useConfirmStore.getState().request).toBeNull();

    const second = requestCloseTab(keys[0]!, close);
    act(() => useConfirmStore.getState().answer(true));
    await expect(second).resolves.toBe(true);
    expect(close).toHaveBeenCalledTimes(1);
  });

  it('closes at once when the shell is not live (ended, or not started), and for non-terminal panels', async () => {
    const { keys } = await live(1);
    const [key] = keys;
    act(() => fake.events.terminalExited.fire({ terminalId: (tabs()[0]!.status as { terminalId: string }).terminalId, exitCode: 0, signal: null }));
    const close = vi.fn();
    await expect(requestCloseTab(key!, close)).resolves.toBe(true);
    await expect(requestCloseTab('builder', close)).resolves.toBe(true);
    expect(close).toHaveBeenCalledTimes(2);
    expect(useConfirmStore.getState().request).toBeNull();
  });

  it('a second question answers the first one "no": nothing ends on a stale question', async () => {
    const { keys } = await live(2);
    const closeA = vi.fn();
    const a = requestCloseTab(keys[0]!, closeA);
    const b = requestCloseTab(keys[1]!, vi.fn());
    await expect(a).resolves.toBe(false);
    expect(closeA).not.toHaveBeenCalled();
    expect(useConfirmStore.getState().request?.title).toBe('Close Terminal 2 on hl-target?');
    act(() => useConfirmStore.getState().answer(false));
    await expect(b).resolves.toBe(false);
  });
});

describe('Disconnect', () => {
  it('asks "Disconnect 2 terminals on <profile>?"; Cancel closes nothing', async () => {
    useProfilesStore.setState({ profiles: [{ id: 'p-db', name: 'prod-db', hostIds: ['h1', 'h2'] } as never] });
    const { c } = await live(2, { profileId: 'p-db' });
    const asked = requestDisconnect(c.id);
    expect(useConfirmStore.getState().request).toMatchObject({ kind: 'disconnect', title: 'Disconnect 2 terminals on prod-db?', confirmLabel: 'Disconnect' });
    act(() => useConfirmStore.getState().answer(false));
    await expect(asked).resolves.toBe(false);
    expect(fake.rpc.circuits.close).not.toHaveBeenCalled();
    expect(tabs().every((t) => t.status.kind === 'running')).toBe(true);
  });

  it('once confirmed, closes the circuit, and its tabs end "by you" even though the end events say DISCONNECTED', async () => {
    const { c } = await live(2);
    const ids = tabs().map((t) => (t.status as { terminalId: string }).terminalId);
    // The main side ends the shells (events) before close() answers, as it does.
    fake.rpc.circuits.close.mockImplementationOnce(async () => {
      fake.events.terminalEnded.fire({ terminalId: ids[0]!, reason: { code: 'DISCONNECTED', message: 'The circuit was closed' } });
      fake.events.circuitChanged.fire({ ...c, state: 'closed' });
    });
    const asked = requestDisconnect(c.id);
    expect(useConfirmStore.getState().request?.title).toBe('Disconnect 2 terminals on hl-target?');
    act(() => useConfirmStore.getState().answer(true));
    await act(async () => {
      await expect(asked).resolves.toBe(true);
    });
    expect(fake.rpc.circuits.close).toHaveBeenCalledWith(c.id);
    // Both: the one whose end event came, and the one whose event had not come yet.
    for (const tab of tabs()) {
      expect(tab.status).toMatchObject({ kind: 'ended', cause: 'user' });
      expect(tabStatusText(tab.status)).toBe('ended by you');
    }
    // A late end event for the second one does not turn it into an error.
    act(() => fake.events.terminalEnded.fire({ terminalId: ids[1]!, reason: { code: 'DISCONNECTED', message: 'The circuit was closed' } }));
    expect(tabs()[1]!.status).toMatchObject({ kind: 'ended', cause: 'user' });
  });

  it('asks nothing when no shell would end (all ended already), and a refused close ends nothing', async () => {
    const { c } = await live(1);
    act(() => fake.events.terminalExited.fire({ terminalId: (tabs()[0]!.status as { terminalId: string }).terminalId, exitCode: 0, signal: null }));
    fake.rpc.circuits.close.mockRejectedValueOnce(new Error('down'));
    await act(async () => {
      await expect(requestDisconnect(c.id)).resolves.toBe(true);
    });
    expect(useConfirmStore.getState().request).toBeNull();
    expect(fake.rpc.circuits.close).toHaveBeenCalledWith(c.id);
    // The refusal is said (openError); the exited tab stays as it was.
    expect(useCircuitsStore.getState().openError).not.toBeNull();
    expect(tabs()[0]!.status).toMatchObject({ kind: 'exited' });
  });
});

describe('a lost backend', () => {
  it('greys out only after the link had been open, and says how reconnecting goes', () => {
    expect(useAppStore.getState().backendDown).toBe(false);
    act(() => fake.events.connection.fire('open'));
    expect(useAppStore.getState().backendDown).toBe(false);
    act(() => fake.events.connection.fire('closed'));
    expect(useAppStore.getState().backendDown).toBe(true);
    act(() => fake.events.linkProgress.fire({ attempt: 3, nextAttemptAt: 5000, authRejected: false }));
    expect(useAppStore.getState().link).toEqual({ attempt: 3, nextAttemptAt: 5000, authRejected: false });
    act(() => fake.events.connection.fire('connecting'));
    expect(useAppStore.getState().backendDown).toBe(true);
    act(() => fake.events.connection.fire('open'));
    expect(useAppStore.getState().backendDown).toBe(false);
  });

  it('back to the same backend: running tabs stay running (their streams re-attach)', async () => {
    act(() => fake.events.connection.fire('open'));
    await flush();
    const { c } = await live(1);
    const terminalId = (tabs()[0]!.status as { terminalId: string }).terminalId;
    act(() => fake.events.connection.fire('closed'));
    fake.rpc.terminals.list.mockResolvedValueOnce([{ terminalId, streamId: 1, circuitId: c.id, cols: 80, rows: 24 }]);
    act(() => fake.events.connection.fire('open'));
    await flush();
    expect(tabs()[0]!.status).toMatchObject({ kind: 'running', terminalId });
    expect(useCircuitsStore.getState().circuits[c.id]?.state).toBe('open');
  });

  it('back to a restarted backend: tabs say the backend restarted, circuits show closed, and Reconnect opens the circuit again', async () => {
    act(() => fake.events.connection.fire('open'));
    await flush();
    const { c, keys } = await live(2);
    const waiting = useTerminalsStore.getState().openTab(c.id);
    act(() => useTerminalsStore.setState((s) => ({ tabs: s.tabs.map((t) => (t.key === waiting ? { ...t, status: { kind: 'starting' as const } } : t)) })));
    act(() => fake.events.connection.fire('closed'));
    // A new process: another instance id (every info() call from now on, the app store's too).
    const first = await fake.rpc.app.info();
    fake.rpc.app.info.mockResolvedValue({ ...first, instanceId: 'backend-2' });
    fake.rpc.terminals.list.mockResolvedValueOnce([]);
    act(() => fake.events.connection.fire('open'));
    await flush();
    for (const key of [...keys, waiting]) {
      const tab = tabs().find((t) => t.key === key)!;
      expect(tab.status).toMatchObject({ kind: 'ended', cause: 'backend-restarted' });
      expect(tabStatusText(tab.status)).toBe('backend restarted');
    }
    expect(useCircuitsStore.getState().circuits[c.id]?.state).toBe('closed');
    // Reconnect: the circuit is opened again from its hosts, on the new backend.
    fake.rpc.circuits.open.mockReturnValueOnce(new Promise(() => undefined));
    void useTerminalsStore.getState().reconnect(keys[0]!);
    await flush();
    expect(fake.rpc.circuits.open).toHaveBeenCalledWith(expect.objectContaining({ hostIds: c.hostIds }));
    expect(tabs().find((t) => t.key === keys[0])!.status.kind).toBe('starting');
    // Put the fake back on the first backend for the rest of the file.
    fake.rpc.app.info.mockResolvedValue(first);
  });
});
