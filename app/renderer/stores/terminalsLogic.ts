/**
 * Pure reducers of the terminals store: tabs per circuit, each tab one terminal at a time
 * (a tab outlives its shell: after an exit or a lost connection it shows why, and "Reconnect"
 * starts a new shell in the same tab).
 */
import type { TerminalSummary } from '../../shared/contract/terminals';
import { ErrorCode, HoplineError, type WireError } from '../../shared/model/errors';
import { toPlainText } from '../../shared/model/plainText';

export type TabStatus =
  /** Waiting for its circuit to be open and for the view to know its size. */
  | { kind: 'starting' }
  /** terminals.open is in flight. */
  | { kind: 'opening' }
  | { kind: 'running'; terminalId: string; streamId: number }
  /** The remote shell reported an exit status or a signal. */
  | { kind: 'exited'; terminalId: string; exitCode: number | null; signal: string | null }
  /**
   * It ended without one: the connection was lost (reason names the hop), closed, or it never
   * opened. `cause` says when it was not a failure: the user ended it here (Disconnect), or
   * Hopline's backend restarted and took every shell with it.
   */
  | { kind: 'ended'; terminalId: string | null; reason: WireError; cause?: EndCause };

/** Why a shell ended when that was no fault of a hop: shown plainly, not as an error. */
export type EndCause = 'user' | 'backend-restarted';

export const BACKEND_RESTARTED: WireError = {
  code: ErrorCode.DISCONNECTED,
  message: 'Hopline’s backend restarted, so this shell ended. Reconnect opens its circuit again.',
};

export const ENDED_BY_USER: WireError = { code: ErrorCode.DISCONNECTED, message: 'You disconnected this circuit.' };

export interface TerminalTab {
  /** This window's id for the tab; stays the same across reconnects. */
  key: string;
  circuitId: string;
  /** "Terminal N": numbered in its circuit in the order opened, never renumbered. */
  number: number;
  status: TabStatus;
  /** Counts the shells this tab has had: 1 for the first, +1 per reconnect. */
  session: number;
}

export interface TerminalsModel {
  tabs: TerminalTab[];
  /** The selected tab of each circuit. */
  active: Record<string, string>;
}

export const EMPTY_MODEL: TerminalsModel = { tabs: [], active: {} };

export function tabsOf(model: TerminalsModel, circuitId: string | null): TerminalTab[] {
  return circuitId === null ? [] : model.tabs.filter((t) => t.circuitId === circuitId);
}

export function findTab(model: TerminalsModel, key: string): TerminalTab | undefined {
  return model.tabs.find((t) => t.key === key);
}

/** The tab showing a terminal (running or ended with that id). */
export function tabOfTerminal(model: TerminalsModel, terminalId: string): TerminalTab | undefined {
  return model.tabs.find((t) => 'terminalId' in t.status && t.status.terminalId === terminalId);
}

function nextNumber(model: TerminalsModel, circuitId: string): number {
  return tabsOf(model, circuitId).reduce((n, t) => Math.max(n, t.number), 0) + 1;
}

/** A new tab, selected in its circuit. */
export function addTab(model: TerminalsModel, circuitId: string, key: string, status: TabStatus = { kind: 'starting' }): TerminalsModel {
  const tab: TerminalTab = { key, circuitId, number: nextNumber(model, circuitId), status, session: 1 };
  return { tabs: [...model.tabs, tab], active: { ...model.active, [circuitId]: key } };
}

function update(model: TerminalsModel, key: string, change: (tab: TerminalTab) => TerminalTab): TerminalsModel {
  let changed = false;
  const tabs = model.tabs.map((t) => {
    if (t.key !== key) return t;
    const next = change(t);
    changed ||= next !== t;
    return next;
  });
  return changed ? { ...model, tabs } : model;
}

export function setStatus(model: TerminalsModel, key: string, status: TabStatus): TerminalsModel {
  return update(model, key, (t) => ({ ...t, status }));
}

/** terminals.open answered: the tab runs that terminal (if it is still waiting for it). */
export function applyOpened(model: TerminalsModel, key: string, session: number, terminalId: string, streamId: number): TerminalsModel {
  // A tab adopted from list() meanwhile (a reconnect raced the open) would show it twice.
  const withoutAdopted: TerminalsModel = { ...model, tabs: model.tabs.filter((t) => t.key === key || !(t.status.kind === 'running' && t.status.terminalId === terminalId)) };
  return update(withoutAdopted, key, (t) => (t.session === session && t.status.kind === 'opening' ? { ...t, status: { kind: 'running', terminalId, streamId } } : t));
}

export function applyExit(model: TerminalsModel, event: { terminalId: string; exitCode: number | null; signal: string | null }): TerminalsModel {
  const tab = tabOfTerminal(model, event.terminalId);
  if (!tab || tab.status.kind !== 'running') return model;
  return setStatus(model, tab.key, { kind: 'exited', terminalId: event.terminalId, exitCode: event.exitCode, signal: event.signal });
}

export function applyEnd(model: TerminalsModel, event: { terminalId: string; reason: WireError }): TerminalsModel {
  const tab = tabOfTerminal(model, event.terminalId);
  if (!tab || tab.status.kind !== 'running') return model;
  return setStatus(model, tab.key, { kind: 'ended', terminalId: event.terminalId, reason: event.reason });
}

/** Removes a tab; its circuit's selection moves to the neighbour (the next one, else the previous). */
export function removeTab(model: TerminalsModel, key: string): TerminalsModel {
  const tab = findTab(model, key);
  if (!tab) return model;
  const siblings = tabsOf(model, tab.circuitId);
  const index = siblings.findIndex((t) => t.key === key);
  const tabs = model.tabs.filter((t) => t.key !== key);
  const active = { ...model.active };
  if (active[tab.circuitId] === key) {
    const neighbour = siblings[index + 1] ?? siblings[index - 1];
    if (neighbour) active[tab.circuitId] = neighbour.key;
    else delete active[tab.circuitId];
  }
  return { tabs, active };
}

export function activate(model: TerminalsModel, key: string): TerminalsModel {
  const tab = findTab(model, key);
  if (!tab || model.active[tab.circuitId] === key) return model;
  return { ...model, active: { ...model.active, [tab.circuitId]: key } };
}

/** The tab's key that `circuitId` shows: its selection if still there, else its first tab. */
export function activeKey(model: TerminalsModel, circuitId: string | null): string | null {
  const tabs = tabsOf(model, circuitId);
  const chosen = circuitId ? model.active[circuitId] : undefined;
  return tabs.find((t) => t.key === chosen)?.key ?? tabs[0]?.key ?? null;
}

/** A reconnect opened a new circuit: every tab of the old one moves to it, numbers and selection kept. */
export function rehome(model: TerminalsModel, fromCircuitId: string, toCircuitId: string): TerminalsModel {
  if (fromCircuitId === toCircuitId) return model;
  const tabs = model.tabs.map((t) => (t.circuitId === fromCircuitId ? { ...t, circuitId: toCircuitId } : t));
  const active = { ...model.active };
  const selected = active[fromCircuitId];
  delete active[fromCircuitId];
  if (selected) active[toCircuitId] = selected;
  return { tabs, active };
}

/** A new shell in the same tab. */
export function restart(model: TerminalsModel, key: string): TerminalsModel {
  return update(model, key, (t) => ({ ...t, status: { kind: 'starting' }, session: t.session + 1 }));
}

/** Tabs still waiting for a circuit that failed or closed end with the circuit's reason. */
export function failWaiting(model: TerminalsModel, circuitId: string, reason: WireError): TerminalsModel {
  let next = model;
  for (const tab of tabsOf(model, circuitId)) {
    if (tab.status.kind === 'starting') next = setStatus(next, tab.key, { kind: 'ended', terminalId: null, reason });
  }
  return next;
}

/** Drops finished tabs (none running or starting) of circuits that are over and no longer shown. */
export function pruneFinished(model: TerminalsModel, isOver: (circuitId: string) => boolean, shownCircuitId: string | null): TerminalsModel {
  const keep = model.tabs.filter((t) => t.circuitId === shownCircuitId || !isOver(t.circuitId) || t.status.kind === 'starting' || t.status.kind === 'opening' || t.status.kind === 'running');
  if (keep.length === model.tabs.length) return model;
  const circuits = new Set(keep.map((t) => t.circuitId));
  return { tabs: keep, active: Object.fromEntries(Object.entries(model.active).filter(([circuitId]) => circuits.has(circuitId))) };
}

/**
 * After (re)connecting to the main side: terminals this window does not show yet get a tab
 * (a reloaded page finds its terminals again), and tabs that were running before the list was
 * asked for but are missing from it ended while this window could not hear it.
 */
export function reconcile(model: TerminalsModel, list: readonly TerminalSummary[], runningBefore: ReadonlySet<string>, newKey: (summary: TerminalSummary) => string): TerminalsModel {
  const live = new Set(list.map((t) => t.terminalId));
  let next = model;
  for (const tab of model.tabs) {
    if (tab.status.kind === 'running' && runningBefore.has(tab.status.terminalId) && !live.has(tab.status.terminalId)) {
      next = setStatus(next, tab.key, {
        kind: 'ended',
        terminalId: tab.status.terminalId,
        reason: { code: ErrorCode.DISCONNECTED, message: 'The terminal ended while this window was disconnected' },
      });
    }
  }
  for (const summary of list) {
    if (tabOfTerminal(next, summary.terminalId)) continue;
    const hadSelection = summary.circuitId in next.active;
    const selected = next.active[summary.circuitId];
    next = addTab(next, summary.circuitId, newKey(summary), { kind: 'running', terminalId: summary.terminalId, streamId: summary.streamId });
    // An adopted terminal does not take the selection from one the user is looking at.
    if (hadSelection && selected) next = { ...next, active: { ...next.active, [summary.circuitId]: selected } };
  }
  return next;
}

/** Tabs of these circuits that are still ending (Disconnect asked) end as "by you", not as an error. */
export function endByUser(model: TerminalsModel, circuitIds: ReadonlySet<string>): TerminalsModel {
  let next = model;
  for (const tab of model.tabs) {
    if (!circuitIds.has(tab.circuitId)) continue;
    const s = tab.status;
    if (s.kind === 'running' || s.kind === 'starting' || s.kind === 'opening') {
      next = setStatus(next, tab.key, { kind: 'ended', terminalId: 'terminalId' in s ? s.terminalId : null, reason: ENDED_BY_USER, cause: 'user' });
    } else if (s.kind === 'ended' && s.cause === undefined) {
      // The end event beat this: it is still the user's doing.
      next = setStatus(next, tab.key, { ...s, reason: ENDED_BY_USER, cause: 'user' });
    }
  }
  return next;
}

/**
 * The link came back to a new backend process: every shell and circuit this window knew is gone
 * with the old one. Tabs that were live (or on their way) say so, plainly, with Reconnect.
 */
export function endAllByRestart(model: TerminalsModel): TerminalsModel {
  let next = model;
  for (const tab of model.tabs) {
    const s = tab.status;
    if (s.kind === 'running' || s.kind === 'starting' || s.kind === 'opening') {
      next = setStatus(next, tab.key, { kind: 'ended', terminalId: 'terminalId' in s ? s.terminalId : null, reason: BACKEND_RESTARTED, cause: 'backend-restarted' });
    }
  }
  return next;
}

/** Tabs whose shell is live (running) on a circuit: what a Disconnect would end. */
export function liveTabsOf(model: TerminalsModel, circuitId: string): TerminalTab[] {
  return tabsOf(model, circuitId).filter((t) => t.status.kind === 'running');
}

/** The tab key a window gives a terminal it finds running (after a reload): the same in every window and every load, so a saved layout finds it. */
export function adoptedKey(terminalId: string): string {
  return `t-${terminalId}`;
}

/** The short status a tab carries after its name ("exited 3"); empty while it runs. */
export function tabStatusText(status: TabStatus): string {
  switch (status.kind) {
    case 'starting':
    case 'opening':
      return 'starting';
    case 'running':
      return '';
    case 'exited':
      if (status.signal) return `killed by ${toPlainText(status.signal, 20)}`;
      return status.exitCode === null ? 'exited' : `exited ${status.exitCode}`;
    case 'ended':
      if (status.cause === 'user') return 'ended by you';
      if (status.cause === 'backend-restarted') return 'backend restarted';
      return status.reason.hop ? 'connection lost' : 'ended';
  }
}

/** A rejected call's error as a WireError (typed errors keep their code and hop; anything else is ours). */
export function asWireError(error: unknown): WireError {
  if (error instanceof HoplineError) return error.toWire();
  return { code: ErrorCode.INTERNAL, message: 'Unexpected error' };
}
