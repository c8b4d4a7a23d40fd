/**
 * The forwards store over the fake rpc, started as main.tsx starts it: list() when the link opens
 * (and again after a reconnect), then the service's change and remove events, per circuit.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startStores } from '../../../../app/renderer/stores/startStores';
import { useForwardsStore } from '../../../../app/renderer/stores/useForwardsStore';
import { ErrorCode, HoplineError } from '../../../../app/shared/model/errors';
import type { ForwardStatus } from '../../../../app/shared/model/forward';
import { fake } from '../fakeRpc';

vi.mock('../../../../app/renderer/rpc', async () => (await import('../fakeRpc')).rpcModule);

let stopStores: () => void;
beforeAll(() => {
  stopStores = startStores();
});
afterAll(() => stopStores());

let n = 0;
function forward(circuitId: string, extra: Partial<ForwardStatus> = {}): ForwardStatus {
  return {
    forwardId: `f${++n}`,
    circuitId,
    spec: { kind: 'local', bindPort: 8080, host: 'db.internal', hostPort: 5432 },
    state: 'listening',
    boundAddress: '127.0.0.1',
    boundPort: 8080,
    openConnections: 0,
    totalConnections: 0,
    bytesOut: 0,
    bytesIn: 0,
    ...extra,
  };
}

const state = () => useForwardsStore.getState();
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

beforeEach(() => {
  useForwardsStore.setState({ byCircuit: {}, listening: {}, reveal: null });
  vi.clearAllMocks();
});

describe('forwards store', () => {
  it('lists the forwards when the link opens, and lists again after a reconnect (the backend may have restarted)', async () => {
    const a = forward('c1');
    const b = forward('c1', { state: 'stopped' });
    const c = forward('c2');
    fake.rpc.forwards.list.mockResolvedValueOnce([a, b, c]);
    fake.events.connection.fire('open');
    await settle();
    expect(state().byCircuit).toEqual({ c1: [a, b], c2: [c] });
    expect(state().listening).toEqual({ c1: 1, c2: 1 });

    // After a restart the backend has none: the old rows go.
    fake.events.connection.fire('connecting');
    fake.rpc.forwards.list.mockResolvedValueOnce([]);
    fake.events.connection.fire('open');
    await settle();
    expect(fake.rpc.forwards.list).toHaveBeenCalledTimes(2);
    expect(state().byCircuit).toEqual({});
    expect(state().listening).toEqual({});
  });

  it('follows change events per circuit, in the order added, and keeps the listening counts stable until they change', () => {
    const a = forward('c1');
    fake.events.forwardChanged.fire(a);
    const counts = state().listening;
    expect(counts).toEqual({ c1: 1 });
    // Counters change a few times a second: the counts object (the tab and library input) stays the same.
    fake.events.forwardChanged.fire({ ...a, openConnections: 3, bytesIn: 2048 });
    expect(state().byCircuit.c1).toEqual([{ ...a, openConnections: 3, bytesIn: 2048 }]);
    expect(state().listening).toBe(counts);
    const b = forward('c1', { state: 'starting' });
    fake.events.forwardChanged.fire(b);
    expect(state().byCircuit.c1!.map((f) => f.forwardId)).toEqual([a.forwardId, b.forwardId]);
    expect(state().listening).toBe(counts);
    fake.events.forwardChanged.fire({ ...b, state: 'listening' });
    expect(state().listening).toEqual({ c1: 2 });
    fake.events.forwardChanged.fire({ ...a, state: 'waiting' });
    expect(state().listening).toEqual({ c1: 1 });
  });

  it('drops a removed forward, and a change event still in flight does not bring it back', async () => {
    const a = forward('c1');
    const b = forward('c1');
    fake.events.forwardChanged.fire(a);
    fake.events.forwardChanged.fire(b);
    fake.events.forwardRemoved.fire({ forwardId: a.forwardId, circuitId: 'c1' });
    expect(state().byCircuit.c1).toEqual([b]);
    fake.events.forwardChanged.fire({ ...a, state: 'stopped' });
    expect(state().byCircuit.c1).toEqual([b]);
    // The circuit's last one gone, the circuit drops out.
    await state().remove('c1', b.forwardId);
    expect(fake.rpc.forwards.remove).toHaveBeenCalledWith(b.forwardId);
    expect(state().byCircuit).toEqual({});
    expect(state().listening).toEqual({});
  });

  it('add, stop and start call the service and keep its answer; a refusal rejects with the typed error', async () => {
    const spec = { kind: 'local' as const, bindPort: 8022, host: '127.0.0.1', hostPort: 22 };
    const added = forward('c9', { spec, boundPort: 40123 });
    fake.rpc.forwards.add.mockResolvedValueOnce(added);
    await expect(state().add('c9', spec)).resolves.toEqual(added);
    expect(fake.rpc.forwards.add).toHaveBeenCalledWith('c9', spec);
    expect(state().byCircuit.c9).toEqual([added]);

    fake.rpc.forwards.stop.mockResolvedValueOnce({ ...added, state: 'stopped' });
    await state().stop(added.forwardId);
    expect(state().byCircuit.c9![0]!.state).toBe('stopped');
    expect(state().listening).toEqual({});

    fake.rpc.forwards.start.mockRejectedValueOnce(new HoplineError(ErrorCode.PORT_IN_USE, '127.0.0.1:40123 is in use'));
    await expect(state().start(added.forwardId)).rejects.toMatchObject({ code: ErrorCode.PORT_IN_USE });
    expect(state().byCircuit.c9![0]!.state).toBe('stopped');
  });

  it('a reveal request names the circuit and changes every time; clearing it only clears that one', () => {
    state().requestReveal('c1', 'form');
    const first = state().reveal!;
    expect(first).toMatchObject({ circuitId: 'c1', target: 'form' });
    state().requestReveal('c1', 'list');
    const second = state().reveal!;
    expect(second.n).not.toBe(first.n);
    state().clearReveal(first.n);
    expect(state().reveal).toBe(second);
    state().clearReveal(second.n);
    expect(state().reveal).toBeNull();
  });
});
