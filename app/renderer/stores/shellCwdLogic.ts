/**
 * Where each terminal's shell says it is (OSC 7, features/terminals/osc7.ts), per tab, and which
 * of a circuit's shells moved last: the folder a files view that follows the terminal shows.
 *
 * Shells report at every prompt, most often the same folder again. Only a change counts as a move
 * (a new `seq`), so pressing Enter in one terminal does not pull the files view back from the
 * folder another terminal just went to.
 */
import type { TerminalsModel } from './terminalsLogic';

export interface ShellCwdReport {
  path: string;
  /** Orders moves across all tabs: higher is more recent. */
  seq: number;
}

export interface ShellCwds {
  /** Per tab key. */
  readonly byTab: Readonly<Record<string, ShellCwdReport>>;
  /** The last seq given: never reused, so a follower that saw seq N knows anything above it is new. */
  readonly last: number;
}

export const NO_CWDS: ShellCwds = { byTab: {}, last: 0 };

/** The tab's shell reported `path`: a move if it differs from what it said before (same object otherwise). */
export function recordCwd(cwds: ShellCwds, key: string, path: string): ShellCwds {
  if (cwds.byTab[key]?.path === path) return cwds;
  const seq = cwds.last + 1;
  return { byTab: { ...cwds.byTab, [key]: { path, seq } }, last: seq };
}

/** The tab is gone, or its shell is (a new one has not said where it is yet). */
export function forgetCwd(cwds: ShellCwds, key: string): ShellCwds {
  if (!(key in cwds.byTab)) return cwds;
  const { [key]: _gone, ...rest } = cwds.byTab;
  return { byTab: rest, last: cwds.last };
}

/**
 * The most recent move among the circuit's tabs, or null when none of its shells reported a
 * folder. Tabs are matched by their circuit now (a Reconnect may have moved them to a new one).
 */
export function latestCwdOf(model: Pick<TerminalsModel, 'tabs'>, cwds: ShellCwds, circuitId: string): ShellCwdReport | null {
  let latest: ShellCwdReport | null = null;
  for (const tab of model.tabs) {
    if (tab.circuitId !== circuitId) continue;
    const report = cwds.byTab[tab.key];
    if (report && (!latest || report.seq > latest.seq)) latest = report;
  }
  return latest;
}
