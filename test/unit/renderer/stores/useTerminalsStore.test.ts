import { act } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { useCircuitsStore } from '../../../../app/renderer/stores/useCircuitsStore';
import { useTerminalsStore } from '../../../../app/renderer/stores/useTerminalsStore';
import { HoplineError } from '../../../../app/shared/model/errors';
import type { CircuitSummary } from '../../../../app/shared/model/hop';
import { fake } from '../fakeRpc';
import { startStores } from '../../../../app/renderer/stores/startStores';

vi.mock('../../../../app/renderer/rpc', async () => (await import('../fakeRpc')).rpcModule);

// The stores' feeds (contract events, the link's state), as main.tsx starts them.
let stopStores: () => void;
beforeAll(() => {
  stopStores = startStores();
});
afterAll(() => stopStores());

let n = 0;
/** Module-level bookkeeping survives between tests: every test uses circuits of its own. */
function circuit(state: CircuitSummary['state'], extra: Partial<CircuitSummary> = {}): CircuitSummary {
  return { id: `c${++n}`, hostIds: ['h1', 'h2', 'h3'], profileId: 'p1', hopNames: ['bastion', 'inner', 'target'], state, error: null, ...extra };
}

function show(c: CircuitSummary): void {
  act(() => useCircuitsStore.setState((s) => ({ circuits: { ...s.circuits, [c.id]: c } })));
}

const tabs = () => useTerminalsStore.getState().tabs;
const flush = () => act(async () => {
  await new Promise((resolve) => setTimeout(resolve, 0));
});

beforeEach(() => {
  useTerminalsStore.setState({ tabs: [], active: {}, focus: null, search: null });
  useCircuitsStore.setState({ circuits: {}, hops: {}, currentId: null, pending: null, openError: null, hostKeyAlerts: [], dismissedAlerts: [] });
  vi.clearAllMocks();
});
afterEach(() => vi.restoreAllMocks());

describe('terminals store', () => {
  it('Connect from this window opens a tab at once; its shell starts once the circuit is open, at the size the view reports', async () => {
    const c = circuit('opening');
    fake.rpc.circuits.open.mockReturnValueOnce(new Promise(() => undefined));
    void useCircuitsStore.getState().open(c.hostIds, undefined, c.id);
    // The tab is there as soon as the open starts (it shows the hops coming up), before any event.
    expect(tabs()).toHaveLength(1);
    expect(tabs()[0]).toMatchObject({ circuitId: c.id, number: 1, status: { kind: 'starting' } });
    expect(useTerminalsStore.getState().focus?.key).toBe(tabs()[0]!.key);
    show(c);
    // The view knows its size, but the circuit is not open yet: no shell.
    useTerminalsStore.getState().reportSize(tabs()[0]!.key, 120, 40);
    expect(fake.rpc.terminals.open).not.toHaveBeenCalled();
    show({ ...c, state: 'open' });
    // No second tab: the one opened at once gets the shell, at the fitted size.
    expect(tabs()).toHaveLength(1);
    expect(fake.rpc.terminals.open).toHaveBeenCalledWith({ circuitId: c.id, cols: 120, rows: 40 });
    await flush();
    expect(tabs()[0]!.status).toMatchObject({ kind: 'running' });
    // Another change of the same open circuit opens nothing more.
    show({ ...c, state: 'open', remoteHostname: 'hl-target' });
    expect(tabs()).toHaveLength(1);
    expect(fake.rpc.terminals.open).toHaveBeenCalledTimes(1);
  });

  it('a circuit that opens before the view has a size waits for it: the PTY starts at the fitted size', async () => {
    const c = circuit('opening');
    fake.rpc.circuits.open.mockReturnValueOnce(new Promise(() => undefined));
    void useCircuitsStore.getState().open(c.hostIds, 'p1', c.id);
    show({ ...c, state: 'open' });
    expect(tabs()).toHaveLength(1);
    expect(fake.rpc.terminals.open).not.toHaveBeenCalled();
    useTerminalsStore.getState().reportSize(tabs()[0]!.key, 100, 30);
    expect(fake.rpc.terminals.open).toHaveBeenCalledWith({ circuitId: c.id, cols: 100, rows: 30 });
  });

  it('closing the only tab of a circuit still connecting closes the circuit', async () => {
    const c = circuit('opening');
    fake.rpc.circuits.open.mockReturnValueOnce(new Promise(() => undefined));
    void useCircuitsStore.getState().open(c.hostIds, undefined, c.id);
    show(c);
    const key = tabs()[0]!.key;
    await act(() => useTerminalsStore.getState().close(key));
    expect(tabs()).toEqual([]);
    expect(fake.rpc.circuits.close).toHaveBeenCalledWith(c.id);
    expect(fake.rpc.terminals.close).not.toHaveBeenCalled();
    // It opening after all brings no tab back.
    show({ ...c, state: 'open' });
    expect(tabs()).toEqual([]);
  });

  it('closing one of two tabs of a circuit still connecting leaves the circuit alone', async () => {
    const c = circuit('opening');
    fake.rpc.circuits.open.mockReturnValueOnce(new Promise(() => undefined));
    void useCircuitsStore.getState().open(c.hostIds, undefined, c.id);
    show(c);
    const second = useTerminalsStore.getState().openTab(c.id);
    await act(() => useTerminalsStore.getState().close(second));
    expect(tabs()).toHaveLength(1);
    expect(fake.rpc.circuits.close).not.toHaveBeenCalled();
  });

  it('an open refused before any circuit existed ends the tab it opened with that reason', async () => {
    fake.rpc.circuits.open.mockRejectedValueOnce(new HoplineError('INVALID_ARGUMENT', 'Unknown host id x'));
    const id = `refused-${++n}`;
    await act(async () => void (await useCircuitsStore.getState().open(['x'], undefined, id)));
    expect(tabs()).toHaveLength(1);
    const status = tabs()[0]!.status;
    expect(status).toMatchObject({ kind: 'ended', terminalId: null, reason: { code: 'INVALID_ARGUMENT' } });
    // The reason's message is the circuits store's openError, which already carries the code
    // ("INVALID_ARGUMENT: Unknown host id x"): see the report.
    expect(status.kind === 'ended' && status.reason.message).toContain('Unknown host id x');
  });

  it('a circuit this window did not open gets no terminal by itself; "Open terminal" adds one', async () => {
    const c = circuit('open');
    show(c);
    expect(tabs()).toEqual([]);
    const key = useTerminalsStore.getState().openTab(c.id);
    useTerminalsStore.getState().reportSize(key, 80, 24);
    await flush();
    expect(fake.rpc.terminals.open).toHaveBeenCalledTimes(1);
  });

  it('a tab waits for its circuit to open; a failure of the circuit ends it with the failing hop', () => {
    const c = circuit('opening');
    show(c);
    const key = useTerminalsStore.getState().openTab(c.id);
    useTerminalsStore.getState().reportSize(key, 80, 24);
    expect(fake.rpc.terminals.open).not.toHaveBeenCalled();
    const error = { code: 'AUTH_FAILED' as const, message: 'no', hop: { index: 1, name: 'inner' } };
    show({ ...c, state: 'failed', error });
    expect(tabs()[0]!.status).toEqual({ kind: 'ended', terminalId: null, reason: error });
  });

  it('sends a resize only when the fitted size changes', async () => {
    const c = circuit('open');
    show(c);
    const key = useTerminalsStore.getState().openTab(c.id);
    useTerminalsStore.getState().reportSize(key, 80, 24);
    await flush();
    const { terminalId } = tabs()[0]!.status as { terminalId: string };
    useTerminalsStore.getState().reportSize(key, 80, 24);
    expect(fake.rpc.terminals.resize).not.toHaveBeenCalled();
    useTerminalsStore.getState().reportSize(key, 100, 30);
    useTerminalsStore.getState().reportSize(key, 100, 30);
    expect(fake.rpc.terminals.resize).toHaveBeenCalledTimes(1);
    expect(fake.rpc.terminals.resize).toHaveBeenCalledWith(terminalId, 100, 30);
    useTerminalsStore.getState().reportSize(key, 0, 30);
    expect(fake.rpc.terminals.resize).toHaveBeenCalledTimes(1);
    // Another window may have resized the PTY: the window the user turns to claims its size again.
    useTerminalsStore.getState().reportSize(key, 100, 30, true);
    expect(fake.rpc.terminals.resize).toHaveBeenCalledTimes(2);
    // This window's own resizes coming back: an older one while a newer is on its way is
    // skipped (the view would flicker back to it); the last one is the PTY's size.
    fake.events.terminalResized.fire({ terminalId, cols: 100, rows: 30 });
    expect(useTerminalsStore.getState().ptySizes[terminalId]).toBeUndefined();
    fake.events.terminalResized.fire({ terminalId, cols: 100, rows: 30 });
    expect(useTerminalsStore.getState().ptySizes[terminalId]).toEqual({ cols: 100, rows: 30 });
    // Another window did resize it, and said so: the PTY's size is kept for the view, and this
    // window's unchanged fitted size is no longer "already sent".
    fake.events.terminalResized.fire({ terminalId, cols: 60, rows: 10 });
    expect(useTerminalsStore.getState().ptySizes[terminalId]).toEqual({ cols: 60, rows: 10 });
    useTerminalsStore.getState().reportSize(key, 100, 30);
    expect(fake.rpc.terminals.resize).toHaveBeenCalledTimes(3);
    // Another window's terminal (no tab here) is none of this window's business.
    fake.events.terminalResized.fire({ terminalId: 'elsewhere', cols: 1, rows: 1 });
    expect(useTerminalsStore.getState().ptySizes.elsewhere).toBeUndefined();
  });

  it('shows the remote exit status and the end reason from the contract events, even when they beat the open answer', async () => {
    const c = circuit('open');
    show(c);
    const a = useTerminalsStore.getState().openTab(c.id);
    const b = useTerminalsStore.getState().openTab(c.id);
    let answer!: (value: { terminalId: string; streamId: number }) => void;
    fake.rpc.terminals.open.mockImplementationOnce(async () => ({ terminalId: 'ta', streamId: 70 }));
    fake.rpc.terminals.open.mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)));
    useTerminalsStore.getState().reportSize(a, 80, 24);
    useTerminalsStore.getState().reportSize(b, 80, 24);
    await flush();
    act(() => fake.events.terminalExited.fire({ terminalId: 'ta', exitCode: 3, signal: null }));
    expect(tabs()[0]!.status).toEqual({ kind: 'exited', terminalId: 'ta', exitCode: 3, signal: null });
    const lost = { code: 'HOP_LOST' as const, message: 'inner closed', hop: { index: 1, name: 'inner' } };
    act(() => fake.events.terminalEnded.fire({ terminalId: 'tb', reason: lost }));
    answer({ terminalId: 'tb', streamId: 71 });
    await flush();
    expect(tabs()[1]!.status).toEqual({ kind: 'ended', terminalId: 'tb', reason: lost });
  });

  it('an open that fails ends the tab with the typed error', async () => {
    const c = circuit('open');
    show(c);
    fake.rpc.terminals.open.mockRejectedValueOnce(new HoplineError('FORWARD_REFUSED', 'Hop 3 (target) refused a shell', { index: 2, name: 'target' }));
    const key = useTerminalsStore.getState().openTab(c.id);
    useTerminalsStore.getState().reportSize(key, 80, 24);
    await flush();
    expect(tabs()[0]!.status).toEqual({ kind: 'ended', terminalId: null, reason: { code: 'FORWARD_REFUSED', message: 'Hop 3 (target) refused a shell', hop: { index: 2, name: 'target' } } });
  });

  it('closing a tab ends its shell; one closed while its shell opens ends that shell when it answers', async () => {
    const c = circuit('open');
    show(c);
    const a = useTerminalsStore.getState().openTab(c.id);
    useTerminalsStore.getState().reportSize(a, 80, 24);
    await flush();
    const { terminalId } = tabs()[0]!.status as { terminalId: string };
    await act(() => useTerminalsStore.getState().close(a));
    expect(fake.rpc.terminals.close).toHaveBeenCalledWith(terminalId);
    expect(tabs()).toEqual([]);

    let answer!: (value: { terminalId: string; streamId: number }) => void;
    fake.rpc.terminals.open.mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)));
    const b = useTerminalsStore.getState().openTab(c.id);
    useTerminalsStore.getState().reportSize(b, 80, 24);
    await act(() => useTerminalsStore.getState().close(b));
    expect(fake.rpc.terminals.close).toHaveBeenCalledTimes(1);
    answer({ terminalId: 'late', streamId: 99 });
    await flush();
    expect(fake.rpc.terminals.close).toHaveBeenLastCalledWith('late');
    expect(tabs()).toEqual([]);
  });

  it('Reconnect of a failed circuit repairs it under the same id (the engine reuses the hops still up) and starts a new shell in the same tab', async () => {
    const c = circuit('open');
    show(c);
    const a = useTerminalsStore.getState().openTab(c.id);
    const b = useTerminalsStore.getState().openTab(c.id);
    useTerminalsStore.getState().reportSize(a, 90, 30);
    useTerminalsStore.getState().reportSize(b, 90, 30);
    await flush();
    const lost = { code: 'HOP_LOST' as const, message: 'target closed', hop: { index: 2, name: 'target' } };
    for (const tab of tabs()) act(() => fake.events.terminalEnded.fire({ terminalId: (tab.status as { terminalId: string }).terminalId, reason: lost }));
    show({ ...c, state: 'failed', error: lost });
    fake.rpc.terminals.open.mockClear();

    fake.rpc.circuits.repair.mockImplementationOnce(async (id: string) => {
      // The engine reports the repaired circuit open before the call answers.
      fake.events.circuitChanged.fire({ ...c, id, state: 'open', error: null });
      return { ...c, id, state: 'open' as const, error: null };
    });
    await act(() => useTerminalsStore.getState().reconnect(a));
    await flush();
    expect(fake.rpc.circuits.repair).toHaveBeenCalledWith(c.id);
    expect(fake.rpc.circuits.open).not.toHaveBeenCalled();
    expect(tabs().map((t) => t.circuitId)).toEqual([c.id, c.id]);
    expect(fake.rpc.terminals.open).toHaveBeenCalledWith({ circuitId: c.id, cols: 90, rows: 30 });
    expect(tabs()[0]).toMatchObject({ key: a, session: 2, status: { kind: 'running' } });
    expect(tabs()[1]!.status.kind).toBe('ended');
  });

  it('a repair that fails again ends the reconnected tab with the new reason; closing the last tab of a failed circuit lets its kept hops go', async () => {
    const c = circuit('failed', { error: { code: 'HOP_LOST', message: 'target closed', hop: { index: 2, name: 'target' } } });
    show(c);
    const key = useTerminalsStore.getState().openTab(c.id);
    act(() => useTerminalsStore.setState((s) => ({ tabs: s.tabs.map((t) => ({ ...t, status: { kind: 'ended' as const, terminalId: 'x', reason: c.error! } })) })));
    const refused = { code: 'HOP_UNREACHABLE' as const, message: 'hop 3 (target) refused the connection', hop: { index: 2, name: 'target' } };
    fake.rpc.circuits.repair.mockImplementationOnce(async (id: string) => {
      fake.events.circuitChanged.fire({ ...c, id, state: 'failed', error: refused });
      throw new HoplineError(refused.code, refused.message, refused.hop);
    });
    await act(() => useTerminalsStore.getState().reconnect(key));
    expect(tabs()[0]).toMatchObject({ key, session: 2, status: { kind: 'ended', terminalId: null, reason: { code: 'HOP_UNREACHABLE' } } });
    expect(fake.rpc.circuits.open).not.toHaveBeenCalled();

    await act(() => useTerminalsStore.getState().close(key));
    expect(fake.rpc.circuits.close).toHaveBeenCalledWith(c.id);
  });

  it('Reconnect of a failed circuit the main side no longer knows opens it again from the same hosts and profile, moves the tabs, and starts a shell in the same tab', async () => {
    const c = circuit('open');
    show(c);
    const a = useTerminalsStore.getState().openTab(c.id);
    const b = useTerminalsStore.getState().openTab(c.id);
    useTerminalsStore.getState().reportSize(a, 90, 30);
    useTerminalsStore.getState().reportSize(b, 90, 30);
    await flush();
    const lost = { code: 'HOP_LOST' as const, message: 'inner closed', hop: { index: 1, name: 'inner' } };
    for (const tab of tabs()) act(() => fake.events.terminalEnded.fire({ terminalId: (tab.status as { terminalId: string }).terminalId, reason: lost }));
    show({ ...c, state: 'failed', error: lost });
    fake.rpc.terminals.open.mockClear();

    fake.rpc.circuits.repair.mockRejectedValueOnce(new HoplineError('INVALID_ARGUMENT', 'This circuit is no longer known'));
    fake.rpc.circuits.open.mockImplementationOnce(async (request: { hostIds: string[]; profileId?: string; circuitId?: string }) => ({ ...c, id: request.circuitId!, state: 'open' as const, error: null }));
    await act(() => useTerminalsStore.getState().reconnect(a));
    const request = fake.rpc.circuits.open.mock.calls[0]![0] as { hostIds: string[]; profileId?: string; circuitId?: string };
    expect(request).toMatchObject({ hostIds: ['h1', 'h2', 'h3'], profileId: 'p1' });
    expect(request.circuitId).not.toBe(c.id);
    // Both tabs moved to the new circuit; the one reconnected runs a new shell (session 2) at its size.
    expect(tabs().map((t) => t.circuitId)).toEqual([request.circuitId, request.circuitId]);
    expect(fake.rpc.terminals.open).toHaveBeenCalledWith({ circuitId: request.circuitId, cols: 90, rows: 30 });
    await flush();
    expect(tabs()[0]).toMatchObject({ key: a, session: 2, status: { kind: 'running' } });
    expect(tabs()[1]!.status.kind).toBe('ended');
    // No extra "first terminal" for the reconnected circuit.
    expect(tabs()).toHaveLength(2);

    // The other tab's Reconnect uses the circuit that is open now.
    fake.rpc.circuits.open.mockClear();
    await act(() => useTerminalsStore.getState().reconnect(b));
    await flush();
    expect(fake.rpc.circuits.open).not.toHaveBeenCalled();
    expect(tabs()[1]).toMatchObject({ session: 2, status: { kind: 'running' } });
  });

  it('a Reconnect refused before any circuit exists ends the tab with that error', async () => {
    const c = circuit('closed');
    show(c);
    const key = useTerminalsStore.getState().openTab(c.id);
    act(() => useTerminalsStore.setState((s) => ({ tabs: s.tabs.map((t) => ({ ...t, status: { kind: 'exited' as const, terminalId: 'x', exitCode: 0, signal: null } })) })));
    fake.rpc.circuits.open.mockRejectedValueOnce(new HoplineError('INVALID_ARGUMENT', 'Unknown host id h2'));
    await act(() => useTerminalsStore.getState().reconnect(key));
    // The circuits subscription ends the waiting tab first, with openError as the message (the
    // code already in it); reconnect's own typed error then finds nothing waiting.
    const status = tabs()[0]!.status;
    expect(status).toMatchObject({ kind: 'ended', terminalId: null, reason: { code: 'INVALID_ARGUMENT' } });
    expect(status.kind === 'ended' && status.reason.message).toContain('Unknown host id h2');
    // Still the same tab: no extra one for the circuit it tried to open.
    expect(tabs()).toHaveLength(1);
    expect(tabs()[0]).toMatchObject({ key, session: 2 });
  });

  it('finds the terminals that exist when the link opens (a reloaded page)', async () => {
    const c = circuit('open');
    fake.rpc.terminals.list.mockResolvedValueOnce([{ terminalId: 'old', streamId: 5, circuitId: c.id, cols: 80, rows: 24 }]);
    act(() => fake.events.connection.fire('open'));
    await flush();
    // Keyed by the terminal id, so a saved layout's panel finds it again.
    expect(tabs()).toEqual([expect.objectContaining({ key: 't-old', circuitId: c.id, number: 1, status: { kind: 'running', terminalId: 'old', streamId: 5 } })]);
  });

  it('adopt() gives each running terminal without a tab one, keyed t-<terminalId>, once', () => {
    const c = circuit('open');
    show(c);
    const list = [
      { terminalId: 'ad1', streamId: 41, circuitId: c.id, cols: 80, rows: 24 },
      { terminalId: 'ad2', streamId: 42, circuitId: c.id, cols: 80, rows: 24 },
    ];
    act(() => useTerminalsStore.getState().adopt(list));
    expect(tabs().map((t) => [t.key, t.number, t.status])).toEqual([
      ['t-ad1', 1, { kind: 'running', terminalId: 'ad1', streamId: 41 }],
      ['t-ad2', 2, { kind: 'running', terminalId: 'ad2', streamId: 42 }],
    ]);
    const before = useTerminalsStore.getState().tabs;
    act(() => useTerminalsStore.getState().adopt(list));
    expect(useTerminalsStore.getState().tabs).toBe(before);
    // A terminal already shown under another key (opened here) is not adopted a second time.
    const key = useTerminalsStore.getState().openTab(c.id);
    act(() => useTerminalsStore.setState((s) => ({ tabs: s.tabs.map((t) => (t.key === key ? { ...t, status: { kind: 'running' as const, terminalId: 'mine', streamId: 43 } } : t)) })));
    act(() => useTerminalsStore.getState().adopt([...list, { terminalId: 'mine', streamId: 43, circuitId: c.id, cols: 80, rows: 24 }]));
    expect(tabs().map((t) => t.key)).toEqual(['t-ad1', 't-ad2', key]);
  });

  it('restoreEnded() makes an ended tab whose Reconnect opens the circuit with the saved hosts and profile', async () => {
    act(() => useTerminalsStore.getState().restoreEnded('saved-1', { hostIds: ['h7', 'h8'], profileId: 'p9', hopNames: ['jump', 'box'] }));
    expect(tabs()).toHaveLength(1);
    const tab = tabs()[0]!;
    expect(tab).toMatchObject({ key: 'saved-1', number: 1, session: 1, status: { kind: 'ended', terminalId: null, reason: { code: 'DISCONNECTED' } } });
    // Its circuit is known (ended), so the tab can name its hops.
    expect(useCircuitsStore.getState().circuits[tab.circuitId]).toMatchObject({ hostIds: ['h7', 'h8'], profileId: 'p9', hopNames: ['jump', 'box'], state: 'closed' });
    // The same key again (a second restore of the layout) changes nothing.
    act(() => useTerminalsStore.getState().restoreEnded('saved-1', { hostIds: ['x'], profileId: null, hopNames: ['x'] }));
    expect(tabs()).toHaveLength(1);

    fake.rpc.circuits.open.mockImplementationOnce(async (request: { hostIds: string[]; profileId?: string; circuitId?: string }) => ({ id: request.circuitId!, hostIds: request.hostIds, profileId: request.profileId ?? null, hopNames: ['jump', 'box'], state: 'open' as const, error: null }));
    await act(() => useTerminalsStore.getState().reconnect('saved-1'));
    const request = fake.rpc.circuits.open.mock.calls[0]![0] as { hostIds: string[]; profileId?: string; circuitId?: string };
    expect(request).toMatchObject({ hostIds: ['h7', 'h8'], profileId: 'p9' });
    expect(request.circuitId).not.toBe(tab.circuitId);
    // The same tab, on the new circuit, waiting for its view's size; no extra tab.
    expect(tabs()).toEqual([expect.objectContaining({ key: 'saved-1', circuitId: request.circuitId, session: 2, status: { kind: 'starting' } })]);
    useTerminalsStore.getState().reportSize('saved-1', 80, 24);
    expect(fake.rpc.terminals.open).toHaveBeenCalledWith({ circuitId: request.circuitId, cols: 80, rows: 24 });
    await flush();
    expect(tabs()[0]!.status.kind).toBe('running');
  });

  it('restoreEnded() without a profile reconnects from the hosts alone', async () => {
    act(() => useTerminalsStore.getState().restoreEnded('saved-2', { hostIds: ['h1'], profileId: null, hopNames: ['solo'] }));
    fake.rpc.circuits.open.mockReturnValueOnce(new Promise(() => undefined));
    void useTerminalsStore.getState().reconnect('saved-2');
    await flush();
    const request = fake.rpc.circuits.open.mock.calls[0]![0] as { hostIds: string[]; profileId?: string };
    expect(request.hostIds).toEqual(['h1']);
    expect(request).not.toHaveProperty('profileId');
  });
});
