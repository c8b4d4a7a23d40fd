import { create } from 'zustand';
import type { CircuitPreview } from '../../shared/contract/circuits';
import { ErrorCode, HoplineError, type WireError } from '../../shared/model/errors';
import type { CircuitSummary } from '../../shared/model/hop';
import { onConnectionState, rpc } from '../rpc';
import { describeError } from './describeError';
import { addHostKeyAlert, applyFailure, applyHopState, hopsForRepair, matchesPending, type HopLive, type HostKeyAlert, type PendingOpen } from './circuitsLogic';

interface CircuitsState {
  circuits: Record<string, CircuitSummary>;
  /** Live hop states and timings per circuit id, as onDidChangeHopState reports them. */
  hops: Record<string, HopLive[]>;
  /** The circuit the connection view shows. */
  currentId: string | null;
  /** An open asked for from this window whose circuit id is not known yet. */
  pending: PendingOpen | null;
  /** Why the last open failed before a circuit existed (e.g. refused as invalid). */
  openError: string | null;
  /** The same refusal, typed, with the circuit id the caller chose: its waiting tabs end with it. */
  openFailure: { circuitId: string; error: WireError } | null;
  /** Changed or revoked host keys: blocking warnings until the user closes them. */
  hostKeyAlerts: HostKeyAlert[];
  dismissedAlerts: string[];
  load(): Promise<void>;
  /**
   * Opens a circuit from this window. `circuitId` lets a caller (a terminal's Reconnect) know
   * the circuit before it exists. Resolves with why it failed, or null once it is open.
   */
  open(hostIds: string[], profileId?: string, circuitId?: string): Promise<WireError | null>;
  /**
   * Reconnect / Retry of a failed circuit, same id: the engine reuses its hops that are still up
   * and rebuilds the rest (asking only what those need). Resolves like open.
   */
  repair(circuitId: string): Promise<WireError | null>;
  close(circuitId: string): Promise<void>;
  select(circuitId: string | null): void;
  eventLog(circuitId: string): Promise<string[]>;
  /** With a saved profile's id, its forwards are in the export too. */
  preview(hostIds: string[], profileId?: string): Promise<CircuitPreview>;
  dismissHostKeyAlert(circuitId: string): void;
  /** A circuit known only from a saved layout (already ended), so its tab can reconnect it. */
  remember(circuit: CircuitSummary): void;
}

function noteFailure(circuitId: string, error: WireError): void {
  useCircuitsStore.setState((s) => {
    const circuit = applyFailure(s.circuits[circuitId], circuitId, error);
    return {
      circuits: { ...s.circuits, [circuitId]: circuit },
      hostKeyAlerts: addHostKeyAlert(s.hostKeyAlerts, s.dismissedAlerts, { circuitId, error, hopCount: circuit.hopNames.length || null }),
    };
  });
}

function noteChange(circuit: CircuitSummary): void {
  useCircuitsStore.setState((s) => {
    const mine = matchesPending(s.pending, circuit);
    const repairing = s.circuits[circuit.id]?.state === 'failed' && circuit.state === 'opening';
    return {
      circuits: { ...s.circuits, [circuit.id]: circuit },
      ...(repairing ? { hops: { ...s.hops, [circuit.id]: hopsForRepair(s.hops[circuit.id]) } } : {}),
      ...(mine ? { currentId: circuit.id, pending: null } : {}),
      ...(circuit.error
        ? { hostKeyAlerts: addHostKeyAlert(s.hostKeyAlerts, s.dismissedAlerts, { circuitId: circuit.id, error: circuit.error, hopCount: circuit.hopNames.length || null }) }
        : {}),
    };
  });
}

export const useCircuitsStore = create<CircuitsState>((set, get) => ({
  circuits: {},
  hops: {},
  currentId: null,
  pending: null,
  openError: null,
  openFailure: null,
  hostKeyAlerts: [],
  dismissedAlerts: [],
  async load() {
    try {
      const list = await rpc.circuits.list();
      set((s) => ({ circuits: { ...s.circuits, ...Object.fromEntries(list.map((c) => [c.id, c])) } }));
    } catch {
      // The list only restores circuits opened before this window; events still flow without it.
    }
  },
  async open(hostIds, profileId, circuitId = crypto.randomUUID()) {
    set({ pending: { circuitId }, currentId: null, openError: null });
    try {
      const circuit = await rpc.circuits.open(profileId ? { hostIds, profileId, circuitId } : { hostIds, circuitId });
      noteChange(circuit);
      set({ currentId: circuit.id, pending: null });
      return circuit.error;
    } catch (error) {
      // A circuit that got as far as 'opening' reports its failure through events; an open
      // refused before that (invalid, unknown host) has only this rejection to tell.
      const wire = error instanceof HoplineError ? error.toWire() : { code: ErrorCode.INTERNAL, message: 'Unexpected error' };
      if (!get().currentId) set({ openError: describeError(error), openFailure: { circuitId, error: wire } });
      set({ pending: null });
      if (error instanceof HoplineError && get().currentId) noteFailure(get().currentId!, { code: error.code, message: error.message, ...(error.hop ? { hop: error.hop } : {}) });
      return wire;
    }
  },
  async repair(circuitId) {
    try {
      const circuit = await rpc.circuits.repair(circuitId);
      noteChange(circuit);
      return circuit.error;
    } catch (error) {
      // A repair that got as far as 'opening' reports its failure through events too; one refused
      // before that (the circuit is no longer known, a host was deleted) has only this answer.
      return error instanceof HoplineError ? error.toWire() : { code: ErrorCode.INTERNAL, message: 'Unexpected error' };
    }
  },
  async close(circuitId) {
    try {
      await rpc.circuits.close(circuitId);
    } catch (error) {
      set({ openError: describeError(error) });
    }
  },
  select(circuitId) {
    set({ currentId: circuitId, openError: null });
  },
  eventLog(circuitId) {
    return rpc.circuits.eventLog(circuitId);
  },
  preview(hostIds, profileId) {
    return rpc.circuits.preview(profileId === undefined ? { hostIds } : { hostIds, profileId });
  },
  remember(circuit) {
    set((s) => (s.circuits[circuit.id] ? {} : { circuits: { ...s.circuits, [circuit.id]: circuit } }));
  },
  dismissHostKeyAlert(circuitId) {
    set((s) => ({ hostKeyAlerts: s.hostKeyAlerts.filter((a) => a.circuitId !== circuitId), dismissedAlerts: [...s.dismissedAlerts, circuitId] }));
  },
}));

/** Feeds the store from the circuits contract's events, and lists circuits when the link opens (startStores). */
export function startCircuitsStore(): () => void {
  const subs = [
    rpc.circuits.onDidChange(noteChange),
    rpc.circuits.onDidFail(({ circuitId, error }) => noteFailure(circuitId, error)),
    rpc.circuits.onDidChangeHopState((event) =>
      useCircuitsStore.setState((s) => ({ hops: { ...s.hops, [event.circuitId]: applyHopState(s.hops[event.circuitId], event) } })),
    ),
  ];
  const stopLink = onConnectionState((connection) => {
    if (connection === 'open') void useCircuitsStore.getState().load();
  });
  return () => {
    for (const sub of subs) sub.dispose();
    stopLink();
  };
}
