/**
 * Terminals on circuit targets: tabs per circuit and what became of each shell, fed by the
 * terminals contract's events (onDidExit, onDidEnd) and by the circuits store (a circuit this
 * window connected reaching 'open' gets its first terminal; one that fails ends tabs waiting
 * for it).
 *
 * Bytes never pass through here: a tab's view ATTACHes to its stream (rpc terminalStreams).
 * The view reports its size; a tab starts its shell once its circuit is open and its size is
 * known, so the PTY starts at the fitted size.
 */
import { create } from 'zustand';
import { ErrorCode, type WireError } from '../../shared/model/errors';
import type { CircuitSummary } from '../../shared/model/hop';
import type { Disposable } from '../../shared/model/event';
import type { AttachOptions, StreamListener } from '../../shared/rpc/terminalStreams';
import type { TerminalSummary } from '../../shared/contract/terminals';
import { onConnectionState, openExternalLink, rpc, terminalStreams } from '../rpc';
import {
  activate,
  addTab,
  applyEnd,
  applyExit,
  applyOpened,
  asWireError,
  EMPTY_MODEL,
  endAllByRestart,
  endByUser,
  failWaiting,
  findTab,
  adoptedKey,
  reconcile,
  rehome,
  removeTab,
  restart,
  setStatus,
  tabOfTerminal,
  tabsOf,
  type TerminalsModel,
} from './terminalsLogic';
import { forgetCwd, NO_CWDS, recordCwd, type ShellCwds } from './shellCwdLogic';
import { useCircuitsStore } from './useCircuitsStore';

interface TerminalsState extends TerminalsModel {
  /** Internal bookkeeping (see Bookkeeping); never rendered. */
  book: Bookkeeping;
  /**
   * The remote PTY's size per running terminal, as the main side last reported it (any window
   * may have set it): a view whose own size differs shows this size until the user turns to it.
   */
  ptySizes: Record<string, { cols: number; rows: number }>;
  /**
   * Where each tab's shell last said it is (OSC 7), for a files view that follows the terminal
   * (shellCwdLogic.latestCwdOf). A tab's entry goes with the tab, and with its shell on Reconnect.
   */
  cwds: ShellCwds;
  /** The view of `key` parsed an OSC 7 report (features/terminals/osc7.ts): its shell is in `path`. */
  reportCwd(key: string, path: string): void;
  /** Asks the view of `key` to take the keyboard focus (bumped per request). */
  focus: { key: string; n: number } | null;
  /** Asks the view of `key` to open its find box (bumped per request). */
  search: { key: string; n: number } | null;
  requestSearch(key: string): void;
  /** A new tab on `circuitId`, selected; its shell starts as soon as the view has a size. */
  openTab(circuitId: string, key?: string): string;
  /** Closes the tab; a running shell is ended (the last one on its circuit releases the circuit). */
  close(key: string): Promise<void>;
  /**
   * The user's Disconnect (already confirmed): closes the circuit, and its tabs say they were
   * ended by the user rather than showing the end as an error.
   */
  disconnect(circuitId: string): Promise<void>;
  activate(key: string, focus?: boolean): void;
  /**
   * The view's fitted size: starts a waiting shell, or resizes the running PTY when it changed.
   * `claim`: send it even if unchanged here, because another window showing the same terminal
   * may have resized the PTY since (the user turned to this one: last active viewer wins).
   */
  reportSize(key: string, cols: number, rows: number, claim?: boolean): void;
  /**
   * A new shell in the same tab: on the same circuit while it is open; on a failed circuit after
   * repairing it (same id: the engine reuses the hops still up and asks MFA only for hops it must
   * rebuild); otherwise (closed, or unknown to the main side) after opening the circuit again
   * from the same hosts and profile, every tab of the old circuit moving with it.
   */
  reconnect(key: string): Promise<void>;
  /** Terminals the main side runs that this window shows no tab for yet get one (keyed by adoptedKey). */
  adopt(list: TerminalSummary[]): void;
  /**
   * A saved layout's terminal that no longer runs: a tab that says so, with Reconnect opening
   * its circuit again from the same hosts and profile.
   */
  restoreEnded(key: string, circuit: { hostIds: string[]; profileId: string | null; hopNames: string[] }): void;
}

/**
 * The byte path of a running terminal, for its view: output to xterm (ack only from xterm's
 * write callback, once parsed), keystrokes and pastes out at once.
 */
export const terminalIo = {
  attach: (streamId: number, onData: StreamListener, options?: AttachOptions): Disposable => terminalStreams.attach(streamId, onData, options),
  input: (streamId: number, bytes: Uint8Array): void => terminalStreams.input(streamId, bytes),
};

/** Opens a link the user confirmed (a new tab in web mode, the system browser in Electron). */
export function openLink(url: string): Promise<void> {
  return openExternalLink(url);
}

/**
 * What the store tracks beside its state, for its own bookkeeping: not rendered, so kept out of
 * React's way, but inside the store (not module-level), so one store is all there is to reset.
 */
interface Bookkeeping {
  /** Sizes the views reported, and the size each running terminal was last given. */
  sizes: Map<string, { cols: number; rows: number }>;
  sentSizes: Map<string, string>;
  /** Sizes this window sent whose onDidResize has not come back yet, oldest first. */
  inFlight: Map<string, string[]>;
  /** Exit/end events that arrived before the open call that made their terminal answered. */
  early: Map<string, (model: TerminalsModel) => TerminalsModel>;
  /** Circuits this window asked to open, and those whose first terminal it already opened. */
  openedHere: Set<string>;
  autoOpened: Set<string>;
  /** Circuits the user disconnected: their tabs' ends are the user's doing. */
  endedByUser: Set<string>;
  /** The backend process the link last reached (AppInfo.instanceId); another one means a restart. */
  backendInstance: string | null;
}

function newBookkeeping(): Bookkeeping {
  return { sizes: new Map(), sentSizes: new Map(), inFlight: new Map(), early: new Map(), openedHere: new Set(), autoOpened: new Set(), endedByUser: new Set(), backendInstance: null };
}

function book(): Bookkeeping {
  return useTerminalsStore.getState().book;
}

function model(): TerminalsModel {
  const { tabs, active } = useTerminalsStore.getState();
  return { tabs, active };
}

function apply(change: (m: TerminalsModel) => TerminalsModel): void {
  const before = model();
  const after = change(before);
  if (after !== before) useTerminalsStore.setState({ tabs: after.tabs, active: after.active });
}

function requestFocus(key: string): void {
  useTerminalsStore.setState((s) => ({ focus: { key, n: (s.focus?.n ?? 0) + 1 } }));
}

function circuitOf(circuitId: string): CircuitSummary | undefined {
  return useCircuitsStore.getState().circuits[circuitId];
}

/** Starts the tab's shell if it waits and can: its circuit open, its size known. */
function maybeStart(key: string): void {
  const tab = findTab(model(), key);
  const size = book().sizes.get(key);
  if (!tab || tab.status.kind !== 'starting' || !size || circuitOf(tab.circuitId)?.state !== 'open') return;
  const { session, circuitId } = tab;
  apply((m) => setStatus(m, key, { kind: 'opening' }));
  rpc.terminals.open({ circuitId, cols: size.cols, rows: size.rows }).then(
    ({ terminalId, streamId }) => {
      const current = findTab(model(), key);
      if (!current || current.session !== session || current.status.kind !== 'opening') {
        // Closed (or restarted) while it opened: nobody will show it.
        void rpc.terminals.close(terminalId).catch(() => undefined);
        return;
      }
      book().sentSizes.set(terminalId, `${size.cols}x${size.rows}`);
      apply((m) => applyOpened(m, key, session, terminalId, streamId));
      const late = book().early.get(terminalId);
      book().early.delete(terminalId);
      if (late) apply(late);
      // The size may have changed while the open was in flight.
      const latest = book().sizes.get(key);
      if (latest) sendSize(terminalId, latest.cols, latest.rows);
    },
    (error: unknown) => {
      const current = findTab(model(), key);
      if (current?.session === session && current.status.kind === 'opening') apply((m) => setStatus(m, key, { kind: 'ended', terminalId: null, reason: asWireError(error) }));
    },
  );
}

function dropCwd(key: string): void {
  const before = useTerminalsStore.getState().cwds;
  const cwds = forgetCwd(before, key);
  if (cwds !== before) useTerminalsStore.setState({ cwds });
}

function sendSize(terminalId: string, cols: number, rows: number, claim = false): void {
  const text = `${cols}x${rows}`;
  if (!claim && book().sentSizes.get(terminalId) === text) return;
  book().sentSizes.set(terminalId, text);
  book().inFlight.set(terminalId, [...(book().inFlight.get(terminalId) ?? []), text]);
  rpc.terminals.resize(terminalId, cols, rows).catch(() => {
    // It ended meanwhile: its end event says so.
    book().sentSizes.delete(terminalId);
  });
}

export const useTerminalsStore = create<TerminalsState>(() => ({
  ...EMPTY_MODEL,
  book: newBookkeeping(),
  ptySizes: {},
  cwds: NO_CWDS,
  reportCwd(key, path) {
    if (!findTab(model(), key)) return;
    const before = useTerminalsStore.getState().cwds;
    const cwds = recordCwd(before, key, path);
    // The same folder again (every prompt says it): nothing changed, nobody re-renders.
    if (cwds !== before) useTerminalsStore.setState({ cwds });
  },
  focus: null,
  search: null,
  requestSearch(key) {
    useTerminalsStore.setState((s) => ({ search: { key, n: (s.search?.n ?? 0) + 1 } }));
  },
  openTab(circuitId, key = crypto.randomUUID()) {
    apply((m) => addTab(m, circuitId, key));
    requestFocus(key);
    maybeStart(key);
    return key;
  },
  async close(key) {
    const tab = findTab(model(), key);
    if (!tab) return;
    apply((m) => removeTab(m, key));
    book().sizes.delete(key);
    dropCwd(key);
    // The only tab of a circuit still connecting: closing it means "never mind", so the circuit
    // (and any question it is waiting on) ends too. Hops other circuits share stay up.
    const circuit = circuitOf(tab.circuitId);
    const connecting = circuit?.state === 'opening' || (!circuit && useCircuitsStore.getState().pending?.circuitId === tab.circuitId);
    if ((tab.status.kind === 'starting' || tab.status.kind === 'opening') && connecting && tabsOf(model(), tab.circuitId).length === 0) {
      book().autoOpened.add(tab.circuitId);
      await useCircuitsStore.getState().close(tab.circuitId);
      return;
    }
    // The last tab of a failed circuit: the hops it keeps for a Reconnect are let go now.
    if (circuit?.state === 'failed' && tabsOf(model(), tab.circuitId).length === 0) {
      await useCircuitsStore.getState().close(tab.circuitId);
      return;
    }
    // A tab closed while its shell opens is handled when the open answers (maybeStart).
    if (tab.status.kind === 'running') {
      book().sentSizes.delete(tab.status.terminalId);
      await rpc.terminals.close(tab.status.terminalId).catch(() => undefined);
    }
  },
  async disconnect(circuitId) {
    book().endedByUser.add(circuitId);
    // close() reports a refusal in openError (and resolves either way).
    useCircuitsStore.setState({ openError: null });
    await useCircuitsStore.getState().close(circuitId);
    if (useCircuitsStore.getState().openError !== null) {
      book().endedByUser.delete(circuitId);
      return;
    }
    // Whatever of it has not ended by event yet (a shell whose end is still on its way, a tab
    // that was waiting for the circuit) ends now, as the user's doing.
    apply((m) => endByUser(m, new Set([circuitId])));
  },
  activate(key, focus = false) {
    apply((m) => activate(m, key));
    if (focus) requestFocus(key);
  },
  reportSize(key, cols, rows, claim = false) {
    if (!(cols > 0 && rows > 0)) return;
    book().sizes.set(key, { cols, rows });
    const tab = findTab(model(), key);
    if (tab?.status.kind === 'running') sendSize(tab.status.terminalId, cols, rows, claim);
    else maybeStart(key);
  },
  async reconnect(key) {
    const tab = findTab(model(), key);
    if (!tab || tab.status.kind === 'running' || tab.status.kind === 'opening') return;
    // The new shell starts in its own folder and says so at its first prompt.
    dropCwd(key);
    const circuit = circuitOf(tab.circuitId);
    if (circuit?.state === 'open' || circuit?.state === 'opening') {
      // The circuit is up (or coming up, e.g. another tab's Reconnect): a new shell on it.
      apply((m) => restart(m, key));
      requestFocus(key);
      maybeStart(key);
      return;
    }
    if (circuit?.state === 'failed') {
      // Reconnect and Retry touch only what died: the same circuit is repaired, its hops that are
      // still up reused (no question asked for them), and this tab's new shell starts once it is
      // open (the circuits subscription below). Other tabs of the circuit keep their Reconnect.
      apply((m) => restart(m, key));
      requestFocus(key);
      const error = await useCircuitsStore.getState().repair(circuit.id);
      // Refused before anything happened (the main side no longer knows the circuit, e.g. it
      // restarted): open it afresh below, as for a closed one.
      const refused = error?.code === ErrorCode.INVALID_ARGUMENT && circuitOf(circuit.id)?.state === 'failed';
      if (!refused) {
        if (error) apply((m) => failWaiting(m, circuit.id, error));
        return;
      }
    }
    if (!circuit || circuit.hostIds.length === 0) {
      apply((m) => setStatus(m, key, { kind: 'ended', terminalId: null, reason: { code: ErrorCode.INVALID_ARGUMENT, message: 'This circuit is no longer known, so it cannot be opened again. Connect it from the builder or a profile.' } }));
      return;
    }
    const circuitId = crypto.randomUUID();
    apply((m) => {
      const moved = rehome(m, tab.circuitId, circuitId);
      // Already restarted by a refused repair above: one new shell, one separator.
      return findTab(moved, key)?.status.kind === 'starting' ? moved : restart(moved, key);
    });
    requestFocus(key);
    const error = await useCircuitsStore.getState().open(circuit.hostIds, circuit.profileId ?? undefined, circuitId);
    // A failure after the circuit existed already ended the waiting tabs (its 'failed' change);
    // one refused before that leaves only this answer.
    if (error) apply((m) => failWaiting(m, circuitId, error));
  },
  adopt(list) {
    apply((m) => reconcile(m, list, new Set(), (summary) => adoptedKey(summary.terminalId)));
  },
  restoreEnded(key, circuit) {
    if (findTab(model(), key)) return;
    const circuitId = crypto.randomUUID();
    useCircuitsStore.getState().remember({ id: circuitId, hostIds: circuit.hostIds, profileId: circuit.profileId, hopNames: circuit.hopNames, state: 'closed', error: null });
    book().autoOpened.add(circuitId);
    apply((m) =>
      addTab(m, circuitId, key, {
        kind: 'ended',
        terminalId: null,
        reason: { code: ErrorCode.DISCONNECTED, message: 'This terminal ended while the window was closed. Reconnect opens its circuit again.' },
      }),
    );
  },
}));

/** Early events kept at most: the rest are other windows' terminals, never claimed here. */
const EARLY_MEMORY = 100;

function onEnded(terminalId: string, change: (m: TerminalsModel) => TerminalsModel): void {
  book().sentSizes.delete(terminalId);
  book().inFlight.delete(terminalId);
  forgetPtySize(terminalId);
  const tab = tabOfTerminal(model(), terminalId);
  if (tab) {
    const byUser = book().endedByUser.has(tab.circuitId);
    apply((m) => (byUser ? endByUser(change(m), new Set([tab.circuitId])) : change(m)));
    return;
  }
  book().early.set(terminalId, change);
  if (book().early.size > EARLY_MEMORY) book().early.delete(book().early.keys().next().value!);
}

function forgetPtySize(terminalId: string): void {
  if (!(terminalId in useTerminalsStore.getState().ptySizes)) return;
  useTerminalsStore.setState((s) => {
    const { [terminalId]: _gone, ...rest } = s.ptySizes;
    return { ptySizes: rest };
  });
}

const CLOSED: WireError = { code: ErrorCode.DISCONNECTED, message: 'The circuit was closed' };

/**
 * The old backend's circuits are gone with it: shown closed (so Reconnect opens them again from
 * their hosts and profile instead of asking the new backend for a shell on a circuit it never had).
 */
function backendRestarted(): void {
  apply(endAllByRestart);
  useCircuitsStore.setState((s) => {
    const circuits = { ...s.circuits };
    let changed = false;
    for (const circuit of Object.values(s.circuits)) {
      if (circuit.state !== 'open' && circuit.state !== 'opening') continue;
      circuits[circuit.id] = { ...circuit, state: 'closed' };
      changed = true;
    }
    return changed ? { circuits } : {};
  });
}

/**
 * Feeds the store: the terminals contract's events, the circuits store (which drives when shells
 * start and which circuits get a first terminal), and the list of terminals when the link opens.
 * Called once by startStores().
 */
export function startTerminalsStore(): () => void {
  const subs = [
    // Any window's resize: the PTY's size now. Events come in the order the main side applied the
    // resizes, so one of this window's own sizes coming back is recognised by the in-flight list;
    // while a newer own size is still on its way it is skipped (showing it would flicker the view
    // back to an old size). Another window's size is kept for the view, and this window's next
    // fitted size goes out even if it equals what it sent before.
    rpc.terminals.onDidResize(({ terminalId, cols, rows }) => {
      if (!tabOfTerminal(model(), terminalId)) return;
      const { inFlight, sentSizes } = book();
      const text = `${cols}x${rows}`;
      const pending = inFlight.get(terminalId) ?? [];
      const own = pending.indexOf(text);
      if (own >= 0) {
        const newer = pending.slice(own + 1);
        if (newer.length > 0) {
          inFlight.set(terminalId, newer);
          return;
        }
        inFlight.delete(terminalId);
      } else {
        sentSizes.set(terminalId, text);
      }
      useTerminalsStore.setState((s) => ({ ptySizes: { ...s.ptySizes, [terminalId]: { cols, rows } } }));
    }),
    // Contract events: every terminal ends with exactly one of them.
    rpc.terminals.onDidExit((event) => onEnded(event.terminalId, (m) => applyExit(m, event))),
    rpc.terminals.onDidEnd((event) => onEnded(event.terminalId, (m) => applyEnd(m, event))),
  ];

  // The circuits store drives when shells start and which circuits get a first terminal.
  const stopCircuits = useCircuitsStore.subscribe((state, previous) => {
    const { openedHere, autoOpened } = book();
    if (state.pending && state.pending !== previous.pending) {
      const { circuitId } = state.pending;
      openedHere.add(circuitId);
      // Connect from this window means "give me a shell there", as `ssh -J` does: the tab appears
      // at once and shows the hops coming up until its shell starts (a Reconnect's tabs are there already).
      if (tabsOf(model(), circuitId).length === 0) {
        autoOpened.add(circuitId);
        useTerminalsStore.getState().openTab(circuitId);
      }
    }
    if (state.openFailure && state.openFailure !== previous.openFailure && !state.circuits[state.openFailure.circuitId]) {
      // Refused before a circuit existed (an invalid chain, an unknown host): only this tells.
      const { circuitId, error } = state.openFailure;
      apply((m) => failWaiting(m, circuitId, error));
    }
    if (state.circuits === previous.circuits) return;
    for (const circuit of Object.values(state.circuits)) {
      if (previous.circuits[circuit.id] === circuit) continue;
      if (circuit.state === 'open') {
        if (openedHere.has(circuit.id) && !autoOpened.has(circuit.id)) {
          autoOpened.add(circuit.id);
          if (tabsOf(model(), circuit.id).length === 0) useTerminalsStore.getState().openTab(circuit.id);
        }
        for (const tab of tabsOf(model(), circuit.id)) maybeStart(tab.key);
      } else if (circuit.state === 'failed' || circuit.state === 'closed') {
        const byUser = book().endedByUser.has(circuit.id);
        apply((m) => (byUser ? endByUser(failWaiting(m, circuit.id, CLOSED), new Set([circuit.id])) : failWaiting(m, circuit.id, circuit.error ?? CLOSED)));
      }
    }
  });

  // A window that loads (or reconnects) finds the terminals that exist, and learns which ended
  // meanwhile. A link that came back to another backend process (restarted) finds none of its
  // shells or circuits: its tabs say the backend restarted, and Reconnect opens the circuit again.
  const stopLink = onConnectionState((connection) => {
    if (connection !== 'open') return;
    const runningBefore = new Set(model().tabs.flatMap((t) => (t.status.kind === 'running' ? [t.status.terminalId] : [])));
    const instance = rpc.app.info().then(
      (info) => info.instanceId,
      () => null,
    );
    Promise.all([rpc.terminals.list(), instance]).then(
      ([list, instanceId]) => {
        const before = book().backendInstance;
        if (instanceId !== null) book().backendInstance = instanceId;
        if (before !== null && instanceId !== null && instanceId !== before) backendRestarted();
        apply((m) => reconcile(m, list, runningBefore, (summary) => adoptedKey(summary.terminalId)));
      },
      () => undefined,
    );
  });

  return () => {
    for (const sub of subs) sub.dispose();
    stopCircuits();
    stopLink();
  };
}
