import { describe, expect, it } from 'vitest';
import type { TerminalTab } from '../../../../app/renderer/stores/terminalsLogic';
import { rekeyDock, restorableFiles, savedTerminals, tabLabels, tabState, terminalPanelRef } from '../../../../app/renderer/stores/workspaceLayout';
import type { CircuitSummary } from '../../../../app/shared/model/hop';
import { TERMINAL_DEFAULTS, type ProfileSummary } from '../../../../app/shared/model/profile';
import type { WorkspaceLayout } from '../../../../app/shared/model/settings';

function circuit(id: string, extra: Partial<CircuitSummary> = {}): CircuitSummary {
  return { id, hostIds: ['h1', 'h2'], profileId: null, hopNames: ['bastion', 'target'], state: 'open', error: null, ...extra };
}

function profile(id: string, name: string, extra: Partial<ProfileSummary> = {}): ProfileSummary {
  return { id, name, folder: '', tags: [], hostIds: ['h1', 'h2'], terminal: { ...TERMINAL_DEFAULTS }, ...extra };
}

let number = 0;
function tab(key: string, circuitId: string, status: TerminalTab['status'] = { kind: 'running', terminalId: `t-${key}`, streamId: 1 }): TerminalTab {
  return { key, circuitId, number: ++number, status, session: 1 };
}

const lost = { code: 'HOP_LOST' as const, message: 'gone', hop: { index: 0, name: 'bastion' } };

describe('tab labels', () => {
  it('uses the profile\'s name, else the target\'s name, with the route and the profile\'s colour', () => {
    const circuits = { a: circuit('a', { profileId: 'p1' }), b: circuit('b', { hopNames: ['jump', 'db-1'] }) };
    const profiles = new Map([['p1', profile('p1', 'Lab', { color: 'teal' })]]);
    const labels = tabLabels([tab('ka', 'a'), tab('kb', 'b')], circuits, profiles);
    expect(labels.get('ka')).toEqual({ title: 'Lab', route: 'bastion › target', color: 'teal', state: 'running' });
    expect(labels.get('kb')).toEqual({ title: 'db-1', route: 'jump › db-1', color: null, state: 'running' });
  });

  it('falls back to the target when the profile is unknown, and to "Terminal" when the circuit is', () => {
    const labels = tabLabels([tab('k1', 'a'), tab('k2', 'gone')], { a: circuit('a', { profileId: 'deleted' }) }, new Map());
    expect(labels.get('k1')!.title).toBe('target');
    expect(labels.get('k2')).toEqual({ title: 'Terminal', route: '', color: null, state: 'running' });
  });

  it('numbers only the labels that collide, " 1", " 2"… in the order opened', () => {
    const circuits = { a: circuit('a'), b: circuit('b'), c: circuit('c', { hopNames: ['other'] }), d: circuit('d', { profileId: 'p1' }) };
    const profiles = new Map([['p1', profile('p1', 'target')]]);
    const labels = tabLabels([tab('k1', 'a'), tab('k2', 'c'), tab('k3', 'b'), tab('k4', 'a'), tab('k5', 'd')], circuits, profiles);
    // A profile named like a target collides with it too: the same text on two tabs.
    expect([...labels].map(([key, l]) => [key, l.title])).toEqual([
      ['k1', 'target 1'],
      ['k2', 'other'],
      ['k3', 'target 2'],
      ['k4', 'target 3'],
      ['k5', 'target 4'],
    ]);
    // One of a kind keeps its plain name.
    expect(tabLabels([tab('k1', 'a')], circuits, profiles).get('k1')!.title).toBe('target');
  });

  it('shows names as plain text', () => {
    const labels = tabLabels([tab('k', 'a')], { a: circuit('a', { hopNames: ['jump\x1b[2J', 'evil\x07'] }) }, new Map());
    expect(labels.get('k')).toMatchObject({ title: 'evil\\x07', route: 'jump\\x1b[2J › evil\\x07' });
  });

  it('maps each tab status (and its circuit) to a state', () => {
    const open = circuit('a');
    const failed = circuit('a', { state: 'failed', error: lost });
    expect(tabState({ kind: 'starting' }, open)).toBe('connecting');
    expect(tabState({ kind: 'opening' }, open)).toBe('connecting');
    expect(tabState({ kind: 'running', terminalId: 't', streamId: 1 }, open)).toBe('running');
    expect(tabState({ kind: 'exited', terminalId: 't', exitCode: 0, signal: null }, open)).toBe('exited');
    // Never started because the circuit failed.
    expect(tabState({ kind: 'ended', terminalId: null, reason: lost }, failed)).toBe('failed');
    // Was running, then lost its connection at a hop.
    expect(tabState({ kind: 'ended', terminalId: 't', reason: lost }, failed)).toBe('lost');
    expect(tabState({ kind: 'ended', terminalId: null, reason: lost }, circuit('a', { state: 'closed' }))).toBe('lost');
    // Ended without a hop to blame (closed, ended while the window was away).
    expect(tabState({ kind: 'ended', terminalId: 't', reason: { code: 'DISCONNECTED', message: 'closed' } }, open)).toBe('exited');
    expect(tabState({ kind: 'ended', terminalId: null, reason: { code: 'DISCONNECTED', message: 'closed' } }, undefined)).toBe('exited');

    const labels = tabLabels([tab('k', 'a', { kind: 'ended', terminalId: null, reason: lost })], { a: failed }, new Map());
    expect(labels.get('k')!.state).toBe('failed');
  });
});

describe('terminal panel refs', () => {
  it('saves the terminal id, hosts, profile and title', () => {
    const c = circuit('a', { profileId: 'p1' });
    expect(terminalPanelRef(tab('k', 'a', { kind: 'running', terminalId: 'T1', streamId: 3 }), c, 'Lab')).toEqual({ kind: 'terminal', terminalId: 'T1', hostIds: ['h1', 'h2'], profileId: 'p1', title: 'Lab' });
    expect(terminalPanelRef(tab('k', 'a', { kind: 'starting' }), undefined, 'x')).toEqual({ kind: 'terminal', terminalId: null, hostIds: [], profileId: null, title: 'x' });
  });
});

/** A dockview-shaped layout: two groups side by side, the right one split in two. */
function dock() {
  return {
    grid: {
      root: {
        type: 'branch',
        data: [
          { type: 'leaf', data: { id: 'g1', views: ['a', 'b'], activeView: 'b' }, size: 300 },
          {
            type: 'branch',
            data: [
              { type: 'leaf', data: { id: 'g2', views: ['c'], activeView: 'c' }, size: 200 },
              { type: 'leaf', data: { id: 'g3', views: ['d'], activeView: 'd' }, size: 200 },
            ],
            size: 500,
          },
        ],
        size: 600,
      },
      width: 800,
      height: 600,
      orientation: 'HORIZONTAL',
    },
    panels: {
      a: { id: 'a', contentComponent: 'terminal', title: 'A' },
      b: { id: 'b', contentComponent: 'terminal', title: 'B' },
      c: { id: 'c', contentComponent: 'builder', title: 'C' },
      d: { id: 'd', contentComponent: 'terminal', title: 'D' },
    },
    activeGroup: 'g3',
    floatingGroups: [],
    popoutGroups: [],
  };
}

type Leaf = { type: 'leaf'; data: { id: string; views: string[]; activeView: string } };
type Branch = { type: 'branch'; data: (Leaf | Branch)[]; size: number };
type Dock = Omit<ReturnType<typeof dock>, 'grid'> & { grid: Omit<ReturnType<typeof dock>['grid'], 'root'> & { root: Branch } };

const all = () => true;

describe('rekeyDock', () => {
  it('renames panel ids in the panels and in the groups\' views and active view, leaving the input alone', () => {
    const input = dock();
    const before = structuredClone(input);
    const out = rekeyDock(input, new Map([['b', 'B2'], ['d', 'D2']]), all) as Dock;
    expect(input).toEqual(before);
    expect(Object.keys(out.panels).sort()).toEqual(['B2', 'D2', 'a', 'c']);
    expect(out.panels).toMatchObject({ B2: { id: 'B2', title: 'B' }, D2: { id: 'D2', title: 'D' }, a: { id: 'a' } });
    const [left, right] = out.grid.root.data as [Leaf, Branch];
    expect(left.data).toEqual({ id: 'g1', views: ['a', 'B2'], activeView: 'B2' });
    expect((right.data[1] as Leaf).data).toEqual({ id: 'g3', views: ['D2'], activeView: 'D2' });
    expect(out.activeGroup).toBe('g3');
    // Sizes and the grid's own fields are kept.
    expect(out.grid).toMatchObject({ width: 800, height: 600, orientation: 'HORIZONTAL' });
    expect(left).toMatchObject({ size: 300 });
    // Floating and popout groups are dropped.
    expect(out).not.toHaveProperty('floatingGroups');
    expect(out).not.toHaveProperty('popoutGroups');
  });

  it('drops panels; a group\'s active view dropped falls back to its first view', () => {
    const out = rekeyDock(dock(), new Map(), (id) => id !== 'b') as Dock;
    expect(Object.keys(out.panels).sort()).toEqual(['a', 'c', 'd']);
    expect((out.grid.root.data[0] as Leaf).data).toEqual({ id: 'g1', views: ['a'], activeView: 'a' });
  });

  it('drops groups left empty, and branches left empty with them; the active group goes if its group went', () => {
    const out = rekeyDock(dock(), new Map(), (id) => id !== 'd') as Dock;
    const right = out.grid.root.data[1] as Branch;
    expect(right.data).toHaveLength(1);
    expect((right.data[0] as Leaf).data.id).toBe('g2');
    expect(out).not.toHaveProperty('activeGroup');

    const noRight = rekeyDock(dock(), new Map(), (id) => id === 'a' || id === 'b') as Dock;
    expect(noRight.grid.root.type).toBe('branch');
    expect(noRight.grid.root.data).toHaveLength(1);
    expect((noRight.grid.root.data[0] as Leaf).data.id).toBe('g1');
    expect(Object.keys(noRight.panels)).toEqual(['a', 'b']);
  });

  it('keeps the active group while its group stays', () => {
    const out = rekeyDock(dock(), new Map(), (id) => id !== 'a') as Dock;
    expect(out.activeGroup).toBe('g3');
  });

  it('keeps the root a branch when a single group is left at the top', () => {
    const single = {
      grid: { root: { type: 'leaf', data: { id: 'g1', views: ['a', 'b'], activeView: 'a' }, size: 640 }, width: 640, height: 480, orientation: 'HORIZONTAL' },
      panels: { a: { id: 'a' }, b: { id: 'b' } },
      activeGroup: 'g1',
    };
    const out = rekeyDock(single, new Map([['a', 'x']]), (id) => id !== 'b') as { grid: { root: Branch }; activeGroup?: string; panels: object };
    expect(out.grid.root).toEqual({ type: 'branch', size: 640, data: [{ type: 'leaf', size: 640, data: { id: 'g1', views: ['x'], activeView: 'x' } }] });
    expect(out.activeGroup).toBe('g1');
    expect(out.panels).toEqual({ x: { id: 'x' } });
  });

  it('returns null when nothing is left, or when the layout is not one', () => {
    expect(rekeyDock(dock(), new Map(), () => false)).toBeNull();
    expect(rekeyDock(null, new Map(), all)).toBeNull();
    expect(rekeyDock('dock', new Map(), all)).toBeNull();
    expect(rekeyDock({ panels: {} }, new Map(), all)).toBeNull();
    expect(rekeyDock({ grid: { root: { type: 'branch', data: [] } }, panels: {} }, new Map(), all)).toBeNull();
  });
});

describe('savedTerminals', () => {
  it('lists the terminal panels of a saved layout by panel id, nothing without one', () => {
    const layout: WorkspaceLayout = {
      version: 1,
      dock: dock(),
      panels: {
        a: { kind: 'terminal', terminalId: 'T1', hostIds: ['h1'], profileId: 'p1', title: 'Lab' },
        c: { kind: 'builder', profileId: null },
        s: { kind: 'settings' },
        d: { kind: 'terminal', terminalId: null, hostIds: ['h2'], profileId: null, title: 'db' },
      },
    };
    expect(savedTerminals(layout)).toEqual([
      ['a', { kind: 'terminal', terminalId: 'T1', hostIds: ['h1'], profileId: 'p1', title: 'Lab' }],
      ['d', { kind: 'terminal', terminalId: null, hostIds: ['h2'], profileId: null, title: 'db' }],
    ]);
    expect(savedTerminals(null)).toEqual([]);
    expect(savedTerminals({ version: 1, dock: null, panels: {} })).toEqual([]);
  });
});

describe('restorableFiles', () => {
  it('brings back the files views of circuits still open, with their folders; not those of circuits closed, failed or gone', () => {
    const layout: WorkspaceLayout = {
      version: 1,
      dock: dock(),
      panels: {
        a: { kind: 'terminal', terminalId: 'T1', hostIds: ['h1'], profileId: null, title: 'Lab' },
        'files:open': { kind: 'files', circuitId: 'open', path: '/home/bench/logs' },
        'files:fresh': { kind: 'files', circuitId: 'fresh', path: null },
        'files:closed': { kind: 'files', circuitId: 'closed', path: '/srv' },
        'files:failed': { kind: 'files', circuitId: 'failed', path: '/srv' },
        'files:opening': { kind: 'files', circuitId: 'opening', path: '/srv' },
        'files:gone': { kind: 'files', circuitId: 'gone', path: '/srv' },
      },
    };
    const circuits = {
      open: circuit('open'),
      fresh: circuit('fresh'),
      closed: circuit('closed', { state: 'closed' }),
      failed: circuit('failed', { state: 'failed', error: lost }),
      opening: circuit('opening', { state: 'opening' }),
    };
    expect(restorableFiles(layout, circuits)).toEqual([
      ['files:open', { kind: 'files', circuitId: 'open', path: '/home/bench/logs' }],
      ['files:fresh', { kind: 'files', circuitId: 'fresh', path: null }],
    ]);
    expect(restorableFiles(layout, {})).toEqual([]);
    expect(restorableFiles(null, circuits)).toEqual([]);
  });
});
