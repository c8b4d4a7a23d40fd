import { describe, expect, it, vi } from 'vitest';
import { startSavedForwards } from '../../../../../app/main/services/forwards/savedForwards';
import { Emitter } from '../../../../../app/shared/model/event';
import type { ForwardSpec, ForwardStatus } from '../../../../../app/shared/model/forward';
import type { CircuitSummary } from '../../../../../app/shared/model/hop';

const circuit = (state: CircuitSummary['state'], profileId: string | null = 'p1'): CircuitSummary => ({ id: 'c1', hostIds: ['h'], profileId, hopNames: ['h'], state, error: null });
const saved: ForwardSpec[] = [
  { kind: 'local', bindPort: 8080, host: 'db', hostPort: 5432, autoStart: true },
  { kind: 'dynamic', bindPort: 1080, autoStart: false },
  { kind: 'remote', bindPort: 9000, host: '127.0.0.1', hostPort: 80, autoStart: true },
];

function setUp(fail?: Error) {
  const changed = new Emitter<CircuitSummary>();
  let n = 0;
  const forwards = {
    add: vi.fn(async (circuitId: string, spec: ForwardSpec) => ({ forwardId: `f${++n}`, circuitId, spec }) as unknown as ForwardStatus),
    start: vi.fn(async (forwardId: string) => {
      if (fail) throw fail;
      return { forwardId } as unknown as ForwardStatus;
    }),
  };
  const errors: unknown[] = [];
  const sub = startSavedForwards({ onDidChange: changed.event }, forwards, (id) => (id === 'p1' ? saved : []), (e) => errors.push(e));
  return { changed, forwards, errors, sub };
}

describe('saved forwards start with their circuit', () => {
  it('starts only the "start with the circuit" ones, once per circuit, when it opens', async () => {
    const { changed, forwards, sub } = setUp();
    changed.fire(circuit('opening'));
    expect(forwards.add).not.toHaveBeenCalled();
    changed.fire(circuit('open'));
    await vi.waitFor(() => expect(forwards.start).toHaveBeenCalledTimes(2));
    expect(forwards.add.mock.calls.map(([id, spec]) => [id, spec.kind])).toEqual([
      ['c1', 'local'],
      ['c1', 'remote'],
    ]);
    // A failure and a repair: the running forwards carry on by themselves, nothing is added twice.
    changed.fire(circuit('failed'));
    changed.fire(circuit('opening'));
    changed.fire(circuit('open'));
    await Promise.resolve();
    expect(forwards.add).toHaveBeenCalledTimes(2);
    sub.dispose();
  });

  it('ignores circuits without a profile, and reports a forward that cannot start', async () => {
    const { changed, forwards, errors, sub } = setUp(new Error('127.0.0.1:8080 is already in use'));
    changed.fire(circuit('open', null));
    await Promise.resolve();
    expect(forwards.add).not.toHaveBeenCalled();
    changed.fire(circuit('open'));
    await vi.waitFor(() => expect(errors).toHaveLength(2));
    expect(String(errors[0])).toContain('already in use');
    sub.dispose();
  });
});
