import { describe, expect, it } from 'vitest';
import {
  activate,
  activeKey,
  addTab,
  adoptedKey,
  applyEnd,
  applyExit,
  applyOpened,
  asWireError,
  EMPTY_MODEL,
  failWaiting,
  pruneFinished,
  reconcile,
  rehome,
  removeTab,
  restart,
  setStatus,
  tabStatusText,
  tabsOf,
  type TerminalsModel,
} from '../../../../app/renderer/stores/terminalsLogic';
import { HoplineError } from '../../../../app/shared/model/errors';

function running(model: TerminalsModel, key: string, terminalId: string, streamId: number): TerminalsModel {
  return setStatus(model, key, { kind: 'running', terminalId, streamId });
}

const lost = { code: 'HOP_LOST' as const, message: 'Hop 2 (inner) closed the connection', hop: { index: 1, name: 'inner' } };

describe('terminal tabs', () => {
  it('numbers tabs per circuit in the order opened, never renumbering, and selects the new one', () => {
    let m = addTab(EMPTY_MODEL, 'c1', 'a');
    m = addTab(m, 'c1', 'b');
    m = addTab(m, 'c2', 'x');
    expect(tabsOf(m, 'c1').map((t) => [t.key, t.number])).toEqual([['a', 1], ['b', 2]]);
    expect(tabsOf(m, 'c2').map((t) => t.number)).toEqual([1]);
    expect(m.active).toEqual({ c1: 'b', c2: 'x' });
    m = removeTab(m, 'a');
    m = addTab(m, 'c1', 'c');
    expect(tabsOf(m, 'c1').map((t) => [t.key, t.number])).toEqual([['b', 2], ['c', 3]]);
  });

  it('closing the selected tab selects its neighbour: the next one, else the previous', () => {
    let m = addTab(addTab(addTab(EMPTY_MODEL, 'c', 'a'), 'c', 'b'), 'c', 'd');
    m = activate(m, 'b');
    m = removeTab(m, 'b');
    expect(activeKey(m, 'c')).toBe('d');
    m = removeTab(m, 'd');
    expect(activeKey(m, 'c')).toBe('a');
    m = removeTab(m, 'a');
    expect(activeKey(m, 'c')).toBeNull();
    expect(m.active).toEqual({});
    expect(removeTab(m, 'nope')).toBe(m);
  });

  it('an open answer makes a waiting tab run; one for an old session or a closed tab changes nothing', () => {
    let m = setStatus(addTab(EMPTY_MODEL, 'c', 'a'), 'a', { kind: 'opening' });
    expect(applyOpened(m, 'a', 2, 't1', 1).tabs[0]!.status).toEqual({ kind: 'opening' });
    m = applyOpened(m, 'a', 1, 't1', 1);
    expect(m.tabs[0]!.status).toEqual({ kind: 'running', terminalId: 't1', streamId: 1 });
    expect(applyOpened(m, 'gone', 1, 't2', 2)).toEqual(m);
  });

  it('an open answer drops a tab that adopted the same terminal from list() meanwhile', () => {
    let m = setStatus(addTab(EMPTY_MODEL, 'c', 'a'), 'a', { kind: 'opening' });
    m = reconcile(m, [{ terminalId: 't1', streamId: 1, circuitId: 'c', cols: 80, rows: 24 }], new Set(), () => 'adopted');
    expect(m.tabs).toHaveLength(2);
    m = applyOpened(m, 'a', 1, 't1', 1);
    expect(m.tabs.map((t) => t.key)).toEqual(['a']);
  });

  it('exit and end events reach the tab running that terminal, once', () => {
    let m = running(addTab(addTab(EMPTY_MODEL, 'c', 'a'), 'c', 'b'), 'a', 't1', 1);
    m = running(m, 'b', 't2', 2);
    m = applyExit(m, { terminalId: 't1', exitCode: 3, signal: null });
    m = applyEnd(m, { terminalId: 't2', reason: lost });
    expect(m.tabs[0]!.status).toEqual({ kind: 'exited', terminalId: 't1', exitCode: 3, signal: null });
    expect(m.tabs[1]!.status).toEqual({ kind: 'ended', terminalId: 't2', reason: lost });
    // A second event for an ended terminal, or one for an unknown terminal, changes nothing.
    expect(applyEnd(m, { terminalId: 't1', reason: lost })).toBe(m);
    expect(applyExit(m, { terminalId: 'other', exitCode: 0, signal: null })).toBe(m);
  });

  it('the tab says how its shell ended: exit status, signal, lost connection', () => {
    expect(tabStatusText({ kind: 'running', terminalId: 't', streamId: 1 })).toBe('');
    expect(tabStatusText({ kind: 'starting' })).toBe('starting');
    expect(tabStatusText({ kind: 'exited', terminalId: 't', exitCode: 3, signal: null })).toBe('exited 3');
    expect(tabStatusText({ kind: 'exited', terminalId: 't', exitCode: null, signal: 'SIGKILL' })).toBe('killed by SIGKILL');
    expect(tabStatusText({ kind: 'exited', terminalId: 't', exitCode: null, signal: null })).toBe('exited');
    expect(tabStatusText({ kind: 'ended', terminalId: 't', reason: lost })).toBe('connection lost');
    expect(tabStatusText({ kind: 'ended', terminalId: null, reason: { code: 'DISCONNECTED', message: 'closed' } })).toBe('ended');
    // A signal name is remote text: no control characters reach the tab.
    expect(tabStatusText({ kind: 'exited', terminalId: 't', exitCode: null, signal: 'X\x1b[2J' })).toBe('killed by X\\x1b[2J');
  });

  it('a reconnect moves every tab of the old circuit to the new one, numbers and selection kept, and restarts one', () => {
    let m = addTab(addTab(addTab(EMPTY_MODEL, 'old', 'a'), 'old', 'b'), 'other', 'x');
    m = activate(m, 'a');
    m = rehome(m, 'old', 'new');
    m = restart(m, 'a');
    expect(tabsOf(m, 'new').map((t) => [t.key, t.number])).toEqual([['a', 1], ['b', 2]]);
    expect(tabsOf(m, 'old')).toEqual([]);
    expect(m.active).toEqual({ new: 'a', other: 'x' });
    expect(m.tabs[0]).toMatchObject({ status: { kind: 'starting' }, session: 2 });
    expect(m.tabs[1]!.session).toBe(1);
  });

  it('tabs waiting for a circuit that failed end with its reason; running ones wait for their own event', () => {
    let m = running(addTab(addTab(EMPTY_MODEL, 'c', 'a'), 'c', 'b'), 'b', 't2', 2);
    m = failWaiting(m, 'c', lost);
    expect(m.tabs[0]!.status).toEqual({ kind: 'ended', terminalId: null, reason: lost });
    expect(m.tabs[1]!.status.kind).toBe('running');
  });

  it('prunes finished tabs of circuits that are over and not on screen', () => {
    let m = addTab(addTab(addTab(EMPTY_MODEL, 'gone', 'a'), 'shown', 'b'), 'live', 'c');
    m = setStatus(m, 'a', { kind: 'exited', terminalId: 't', exitCode: 0, signal: null });
    m = setStatus(m, 'b', { kind: 'exited', terminalId: 'u', exitCode: 0, signal: null });
    m = running(m, 'c', 'v', 3);
    const over = (id: string) => id !== 'live';
    const pruned = pruneFinished(m, over, 'shown');
    expect(pruned.tabs.map((t) => t.key)).toEqual(['b', 'c']);
    expect(pruned.active).toEqual({ shown: 'b', live: 'c' });
    expect(pruneFinished(pruned, over, 'shown')).toBe(pruned);
  });

  it('reconciles with list(): adopts unknown terminals (without taking the selection), ends vanished ones', () => {
    let m = running(addTab(addTab(EMPTY_MODEL, 'c', 'a'), 'c', 'b'), 'a', 't1', 1);
    m = running(m, 'b', 't2', 2);
    m = activate(m, 'a');
    const asked: string[] = [];
    const next = reconcile(
      m,
      [
        { terminalId: 't1', streamId: 1, circuitId: 'c', cols: 80, rows: 24 },
        { terminalId: 't9', streamId: 9, circuitId: 'c', cols: 80, rows: 24 },
        { terminalId: 't7', streamId: 7, circuitId: 'd', cols: 80, rows: 24 },
      ],
      new Set(['t1', 't2']),
      // The key comes from the terminal's summary (the store uses adoptedKey(terminalId)).
      (summary) => {
        asked.push(summary.terminalId);
        return `new-${summary.terminalId}`;
      },
    );
    // Asked only for the terminals that get a tab.
    expect(asked).toEqual(['t9', 't7']);
    expect(next.tabs.find((t) => t.key === 'b')!.status).toMatchObject({ kind: 'ended', reason: { code: 'DISCONNECTED' } });
    expect(next.tabs.find((t) => t.key === 'new-t9')).toMatchObject({ circuitId: 'c', number: 3, status: { kind: 'running', terminalId: 't9', streamId: 9 } });
    expect(next.tabs.find((t) => t.key === 'new-t7')).toMatchObject({ circuitId: 'd', number: 1 });
    expect(next.active).toEqual({ c: 'a', d: 'new-t7' });
  });

  it('an adopted terminal\'s key depends only on its id, so every window and every load agrees on it', () => {
    expect(adoptedKey('abc')).toBe('t-abc');
    expect(adoptedKey('abc')).toBe(adoptedKey('abc'));
    expect(adoptedKey('abd')).not.toBe(adoptedKey('abc'));
  });

  it('a running tab missing from a list asked before it ran is left alone', () => {
    const m = running(addTab(EMPTY_MODEL, 'c', 'a'), 'a', 't1', 1);
    expect(reconcile(m, [], new Set(), () => 'k')).toEqual(m);
  });

  it('typed errors keep code and hop; anything else is generic', () => {
    expect(asWireError(new HoplineError('HOP_LOST', 'gone', { index: 1, name: 'inner' }))).toEqual({ code: 'HOP_LOST', message: 'gone', hop: { index: 1, name: 'inner' } });
    expect(asWireError(new Error('secret path /root/x'))).toEqual({ code: 'INTERNAL', message: 'Unexpected error' });
  });
});
