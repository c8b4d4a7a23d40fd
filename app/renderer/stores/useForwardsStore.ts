/**
 * Port forwards of every circuit, as the forwards service reports them: list() when the link
 * opens (again after a reconnect, as the backend may have restarted), then onDidChange and
 * onDidRemove. Actions reject with the service's typed error; the view says it in words.
 */
import { create } from 'zustand';
import type { ForwardSpec, ForwardStatus } from '../../shared/model/forward';
import { onConnectionState, rpc } from '../rpc';
import { countListening, dropForward, groupForwards, putForward, sameCountsOr, type ForwardsByCircuit } from './forwardsLogic';

/** A request from the palette to show a circuit's forwards, or its add form, with the focus there. */
export interface ForwardsReveal {
  circuitId: string;
  target: 'list' | 'form';
  /** Changes on every request, so asking twice focuses twice. */
  n: number;
}

interface ForwardsState {
  byCircuit: ForwardsByCircuit;
  /** Listening forwards per circuit id; the same object until a count changes. */
  listening: Readonly<Record<string, number>>;
  reveal: ForwardsReveal | null;
  load(): Promise<void>;
  add(circuitId: string, spec: ForwardSpec): Promise<ForwardStatus>;
  start(forwardId: string): Promise<void>;
  stop(forwardId: string): Promise<void>;
  remove(circuitId: string, forwardId: string): Promise<void>;
  requestReveal(circuitId: string, target: ForwardsReveal['target']): void;
  /** The view did it: a later opening of the details does not move the focus again. */
  clearReveal(n: number): void;
}

/**
 * Forwards known to be removed: a change event still in flight when a remove lands must not bring
 * a row back. (Forward ids are random UUIDs, never reused.)
 */
const removed = new Set<string>();

function apply(status: ForwardStatus): void {
  if (removed.has(status.forwardId)) return;
  useForwardsStore.setState((s) => withCounts(s, putForward(s.byCircuit, status)));
}

function drop(circuitId: string, forwardId: string): void {
  removed.add(forwardId);
  useForwardsStore.setState((s) => withCounts(s, dropForward(s.byCircuit, circuitId, forwardId)));
}

function withCounts(s: ForwardsState, byCircuit: ForwardsByCircuit): Pick<ForwardsState, 'byCircuit' | 'listening'> {
  return { byCircuit, listening: sameCountsOr(s.listening, countListening(byCircuit)) };
}

let revealCount = 0;

export const useForwardsStore = create<ForwardsState>((set) => ({
  byCircuit: {},
  listening: {},
  reveal: null,
  async load() {
    try {
      const list = await rpc.forwards.list();
      useForwardsStore.setState((s) => withCounts(s, groupForwards(list.filter((f) => !removed.has(f.forwardId)))));
    } catch {
      // Events still flow without the list; the next reconnect lists again.
    }
  },
  async add(circuitId, spec) {
    const status = await rpc.forwards.add(circuitId, spec);
    apply(status);
    return status;
  },
  async start(forwardId) {
    const status = await rpc.forwards.start(forwardId);
    if (status) apply(status);
  },
  async stop(forwardId) {
    const status = await rpc.forwards.stop(forwardId);
    if (status) apply(status);
  },
  async remove(circuitId, forwardId) {
    await rpc.forwards.remove(forwardId);
    drop(circuitId, forwardId);
  },
  requestReveal(circuitId, target) {
    set({ reveal: { circuitId, target, n: ++revealCount } });
  },
  clearReveal(n) {
    set((s) => (s.reveal?.n === n ? { reveal: null } : {}));
  },
}));

/** Feeds the store from the forwards contract's events, and lists forwards when the link opens (startStores). */
export function startForwardsStore(): () => void {
  const subs = [rpc.forwards.onDidChange(apply), rpc.forwards.onDidRemove(({ circuitId, forwardId }) => drop(circuitId, forwardId))];
  const stopLink = onConnectionState((connection) => {
    if (connection === 'open') void useForwardsStore.getState().load();
  });
  return () => {
    for (const sub of subs) sub.dispose();
    stopLink();
  };
}
