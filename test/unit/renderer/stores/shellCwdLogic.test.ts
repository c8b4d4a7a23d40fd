import { describe, expect, it } from 'vitest';
import { forgetCwd, latestCwdOf, NO_CWDS, recordCwd } from '../../../../app/renderer/stores/shellCwdLogic';
import type { TerminalTab } from '../../../../app/renderer/stores/terminalsLogic';

const tab = (key: string, circuitId: string): TerminalTab => ({ key, circuitId, number: 1, status: { kind: 'running', terminalId: `t-${key}`, streamId: 1 }, session: 1 });

describe('shell folders per tab', () => {
  it('a move gets a new seq; the same folder again is no move (same object)', () => {
    const a = recordCwd(NO_CWDS, 'k1', '/tmp');
    expect(a.byTab.k1).toEqual({ path: '/tmp', seq: 1 });
    expect(recordCwd(a, 'k1', '/tmp')).toBe(a);
    const b = recordCwd(a, 'k1', '/srv');
    expect(b.byTab.k1).toEqual({ path: '/srv', seq: 2 });
  });

  it('the circuit’s latest is the tab that moved last, not the one whose prompt printed last', () => {
    const tabs = [tab('k1', 'c1'), tab('k2', 'c1'), tab('k3', 'c2')];
    let cwds = recordCwd(NO_CWDS, 'k1', '/tmp');
    cwds = recordCwd(cwds, 'k2', '/var/log');
    cwds = recordCwd(cwds, 'k3', '/elsewhere');
    // k1's prompt says /tmp again: k2's move stays the latest.
    cwds = recordCwd(cwds, 'k1', '/tmp');
    expect(latestCwdOf({ tabs }, cwds, 'c1')).toEqual({ path: '/var/log', seq: 2 });
    expect(latestCwdOf({ tabs }, cwds, 'c2')?.path).toBe('/elsewhere');
    expect(latestCwdOf({ tabs }, cwds, 'c3')).toBeNull();
    // A tab moved to another circuit (Reconnect) counts for its new circuit.
    const moved = [tab('k1', 'c1'), tab('k2', 'c9'), tab('k3', 'c2')];
    expect(latestCwdOf({ tabs: moved }, cwds, 'c1')?.path).toBe('/tmp');
    expect(latestCwdOf({ tabs: moved }, cwds, 'c9')?.path).toBe('/var/log');
  });

  it('forgetting a tab never lets a seq come back: the next move is newer than any before', () => {
    let cwds = recordCwd(NO_CWDS, 'k1', '/a');
    cwds = recordCwd(cwds, 'k2', '/b');
    cwds = forgetCwd(cwds, 'k2');
    expect(cwds.byTab.k2).toBeUndefined();
    expect(forgetCwd(cwds, 'k2')).toBe(cwds);
    cwds = recordCwd(cwds, 'k1', '/c');
    expect(cwds.byTab.k1).toEqual({ path: '/c', seq: 3 });
  });
});
