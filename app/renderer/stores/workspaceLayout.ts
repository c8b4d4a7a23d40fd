/**
 * Pure pieces of the workspace: tab labels, what a saved panel refers to, and re-keying a saved
 * docking layout to the tabs this window has now. No DOM, no docking library: tested alone.
 */
import type { CircuitSummary } from '../../shared/model/hop';
import type { ProfileColor, ProfileSummary } from '../../shared/model/profile';
import type { PanelRef, WorkspaceLayout } from '../../shared/model/settings';
import { toPlainText } from '../../shared/model/plainText';
import type { TabStatus, TerminalTab } from './terminalsLogic';

export type TabState = 'connecting' | 'running' | 'exited' | 'lost' | 'failed';

export interface TabLabel {
  title: string;
  /** The route, hop names joined by ›, for the tab's tooltip and the pane header. */
  route: string;
  color: ProfileColor | null;
  state: TabState;
}

export function tabState(status: TabStatus, circuit: CircuitSummary | undefined): TabState {
  switch (status.kind) {
    case 'starting':
    case 'opening':
      return 'connecting';
    case 'running':
      return 'running';
    case 'exited':
      return 'exited';
    case 'ended':
      if (status.terminalId === null && circuit?.state === 'failed') return 'failed';
      return status.reason.hop ? 'lost' : 'exited';
  }
}

/**
 * A label per tab: its profile's name, else its target's name; where two tabs would read the
 * same, each gets " 1", " 2"… in the order opened (only those that collide).
 */
export function tabLabels(tabs: readonly TerminalTab[], circuits: Readonly<Record<string, CircuitSummary>>, profilesById: ReadonlyMap<string, ProfileSummary>): Map<string, TabLabel> {
  const base = tabs.map((tab) => {
    const circuit = circuits[tab.circuitId];
    const profile = circuit?.profileId ? profilesById.get(circuit.profileId) : undefined;
    const hopNames = circuit?.hopNames ?? [];
    const name = profile?.name ?? hopNames[hopNames.length - 1] ?? 'Terminal';
    return {
      key: tab.key,
      name: toPlainText(name, 120),
      route: toPlainText(hopNames.join(' › '), 500),
      color: profile?.color ?? null,
      state: tabState(tab.status, circuit),
    };
  });
  const counts = new Map<string, number>();
  for (const b of base) counts.set(b.name, (counts.get(b.name) ?? 0) + 1);
  const seen = new Map<string, number>();
  const out = new Map<string, TabLabel>();
  for (const b of base) {
    let title = b.name;
    if ((counts.get(b.name) ?? 0) > 1) {
      const n = (seen.get(b.name) ?? 0) + 1;
      seen.set(b.name, n);
      title = `${b.name} ${n}`;
    }
    out.set(b.key, { title, route: b.route, color: b.color, state: b.state });
  }
  return out;
}

/** What a terminal panel is saved as: enough to find it again, or to open its circuit again. */
export function terminalPanelRef(tab: TerminalTab, circuit: CircuitSummary | undefined, title: string): PanelRef {
  const terminalId = 'terminalId' in tab.status ? tab.status.terminalId : null;
  return { kind: 'terminal', terminalId, hostIds: circuit?.hostIds ?? [], profileId: circuit?.profileId ?? null, title };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * The saved docking layout with panel ids renamed (`rename`) and panels dropped (`keep` false).
 * Works on dockview's serialised shape: `grid.root` (branches of leaves whose data has `views`
 * and `activeView`), `panels` keyed by id, and `activeGroup`. A group left with no panel is dropped,
 * and a branch left empty with it. Returns null if nothing is left.
 */
export function rekeyDock(dock: unknown, rename: ReadonlyMap<string, string>, keep: (id: string) => boolean): unknown {
  if (!dock || typeof dock !== 'object') return null;
  const d = structuredClone(dock) as { grid?: { root?: Json }; panels?: Record<string, Json>; activeGroup?: string };
  if (!d.grid?.root || !d.panels) return null;
  const mapId = (id: string) => rename.get(id) ?? id;

  const panels: Record<string, Json> = {};
  for (const [id, panel] of Object.entries(d.panels)) {
    if (!keep(id)) continue;
    const next = mapId(id);
    panels[next] = panel && typeof panel === 'object' && !Array.isArray(panel) ? { ...panel, id: next } : panel;
  }
  d.panels = panels;

  const groups = new Set<string>();
  const walk = (node: Json): Json | null => {
    if (!node || typeof node !== 'object' || Array.isArray(node)) return null;
    if (node.type === 'leaf') {
      const data = node.data as { views?: string[]; activeView?: string; id?: string } | null;
      const views = (data?.views ?? []).filter((v) => typeof v === 'string' && keep(v)).map(mapId);
      if (views.length === 0) return null;
      if (data?.id) groups.add(data.id);
      const activeView = data?.activeView && keep(data.activeView) ? mapId(data.activeView) : views[0]!;
      return { ...node, data: { ...(data as object), views, activeView } as Json };
    }
    if (node.type === 'branch' && Array.isArray(node.data)) {
      const children = node.data.map(walk).filter((c): c is Json => c !== null);
      if (children.length === 0) return null;
      return { ...node, data: children };
    }
    return null;
  };
  const root = walk(d.grid.root);
  if (!root || Object.keys(panels).length === 0) return null;
  if (d.activeGroup && !groups.has(d.activeGroup)) delete d.activeGroup;
  // Floating and popout groups are not used by Hopline's workspace.
  delete (d as Record<string, unknown>).floatingGroups;
  delete (d as Record<string, unknown>).popoutGroups;
  // The root must stay a branch (dockview's grid always has one).
  d.grid.root = (root as { type?: string }).type === 'leaf' ? { type: 'branch', data: [root], size: (d.grid.root as { size?: number }).size ?? 0 } : root;
  return d;
}

/** Terminal panels of a saved layout, by panel id. */
export function savedTerminals(layout: WorkspaceLayout | null): [string, Extract<PanelRef, { kind: 'terminal' }>][] {
  if (!layout) return [];
  return Object.entries(layout.panels).flatMap(([id, ref]) => (ref.kind === 'terminal' ? [[id, ref] as [string, Extract<PanelRef, { kind: 'terminal' }>]] : []));
}

export type SavedFiles = Extract<PanelRef, { kind: 'files' }>;

/**
 * Files panels of a saved layout to bring back, by panel id: only those whose circuit the main
 * side still has open. One whose circuit closed or failed is left out rather than shown broken:
 * a files view cannot reconnect its circuit (its terminals come back with Reconnect), and after a
 * reconnect Browse files opens it again.
 */
export function restorableFiles(layout: WorkspaceLayout | null, circuits: Readonly<Record<string, CircuitSummary>>): [string, SavedFiles][] {
  if (!layout) return [];
  return Object.entries(layout.panels).flatMap(([id, ref]) => (ref.kind === 'files' && circuits[ref.circuitId]?.state === 'open' ? [[id, ref] as [string, SavedFiles]] : []));
}
