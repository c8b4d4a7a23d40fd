import { describe, expect, it } from 'vitest';
import type { CircuitSummary, HopStateEvent } from '../../../../app/shared/model/hop';
import { hopTimingsLine as formatTimings } from '../../../../app/renderer/stores/hopTimingsText';
import { addHostKeyAlert, applyFailure, applyHopState, formatCircuitDetails, hopRows, hopsForRepair, matchesPending } from '../../../../app/renderer/stores/circuitsLogic';
import { hasControlChars } from '../controlChars';

const circuit = (over: Partial<CircuitSummary> = {}): CircuitSummary => ({ id: 'c1', hostIds: ['a', 'b'], profileId: null, hopNames: ['bastion', 'target'], state: 'opening', error: null, ...over });
const event = (index: number, state: HopStateEvent['state'], over: Partial<HopStateEvent> = {}): HopStateEvent => ({ circuitId: 'c1', hop: { index, name: index === 0 ? 'bastion' : 'target' }, state, timings: {}, ...over });

describe('circuits reducers', () => {
  it('accumulates timings and keeps facts across hop events', () => {
    let hops = applyHopState(undefined, event(0, 'connecting'));
    hops = applyHopState(hops, event(0, 'handshake', { timings: { tcpMs: 3 } }));
    hops = applyHopState(hops, event(0, 'authenticating', { timings: { handshakeMs: 20 }, hostKeyFingerprint: 'SHA256:x' }));
    hops = applyHopState(hops, event(0, 'ready', { timings: { authMs: 30, totalMs: 53 }, authMethod: 'publickey' }));
    expect(hops[0]).toEqual({ index: 0, name: 'bastion', state: 'ready', timings: { tcpMs: 3, handshakeMs: 20, authMs: 30, totalMs: 53 }, shared: false, authMethod: 'publickey', hostKeyFingerprint: 'SHA256:x' });
    expect(formatTimings(hops[0]!.timings)).toBe('tcp 3 ms · handshake 20 ms · auth 30 ms · total 53 ms');
  });

  it('a repair keeps the rows of hops still up and starts the others over', () => {
    let hops = applyHopState(undefined, event(0, 'ready', { timings: { totalMs: 50 }, authMethod: 'keyboard-interactive' }));
    hops = applyHopState(hops, event(1, 'ready', { timings: { totalMs: 20 }, authMethod: 'publickey' }));
    hops = applyHopState(hops, event(1, 'failed'));
    const next = hopsForRepair(hops);
    expect(next[0]).toBe(hops[0]);
    expect(next[1]).toBeUndefined();
    const rows = hopRows(circuit({ state: 'opening' }), next);
    expect(rows.map((r) => [r.state, formatTimings(r.timings), r.authMethod ?? null])).toEqual([['ready', 'total 50 ms', 'keyboard-interactive'], ['pending', '', null]]);
  });

  it('marks a shared hop', () => {
    expect(applyHopState(undefined, event(1, 'ready', { shared: true }))[1]!.shared).toBe(true);
  });

  it('builds rows for every hop, pending until reported, the failing one flagged', () => {
    const hops = applyHopState(undefined, event(0, 'ready'));
    expect(hopRows(circuit(), hops).map((r) => r.state)).toEqual(['ready', 'pending']);
    const failed = applyFailure(circuit(), 'c1', { code: 'AUTH_FAILED', message: 'no', hop: { index: 1, name: 'target' } });
    const rows = hopRows(failed, hops);
    expect(rows.map((r) => [r.state, r.failing])).toEqual([
      ['ready', false],
      ['failed', true],
    ]);
  });

  it('infers hop states for a circuit opened before the window loaded', () => {
    expect(hopRows(circuit({ state: 'open' }), undefined).map((r) => r.state)).toEqual(['ready', 'ready']);
  });

  it('recognises the circuit this window asked for', () => {
    const pending = { circuitId: 'c1' };
    expect(matchesPending(pending, circuit())).toBe(true);
    expect(matchesPending(pending, circuit({ state: 'open' }))).toBe(true);
    // Another window's circuit of the same hosts is not this one.
    expect(matchesPending(pending, circuit({ id: 'c2' }))).toBe(false);
    expect(matchesPending(null, circuit())).toBe(false);
  });

  it('alerts once per circuit, only for changed or revoked keys, never after dismissal', () => {
    const changed = { circuitId: 'c1', error: { code: 'HOST_KEY_CHANGED' as const, message: 'm' }, hopCount: 2 };
    let alerts = addHostKeyAlert([], [], changed);
    alerts = addHostKeyAlert(alerts, [], changed);
    expect(alerts).toHaveLength(1);
    expect(addHostKeyAlert([], [], { ...changed, error: { code: 'AUTH_FAILED', message: 'm' } })).toEqual([]);
    expect(addHostKeyAlert([], ['c1'], changed)).toEqual([]);
    expect(addHostKeyAlert([], [], { ...changed, error: { code: 'HOST_KEY_REVOKED', message: 'm' } })).toHaveLength(1);
  });

  it('formats details with the error and the log, control characters made visible', () => {
    const failed = applyFailure(circuit(), 'c1', { code: 'HOP_UNREACHABLE', message: 'gone\x1b[2J', hop: { index: 0, name: 'bastion' } });
    const text = formatCircuitDetails(failed, hopRows(failed, undefined), ['+     1 ms  opening', 'banner \x07']);
    expect(text).toContain('Hops: bastion -> target');
    expect(text).toContain('Error at hop 1 (bastion): HOP_UNREACHABLE: gone\\x1b[2J');
    expect(text).toContain('+     1 ms  opening');
    expect(hasControlChars(text)).toBe(false);
  });
});
