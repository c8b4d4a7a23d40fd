/**
 * The gateway for OpenSSH tools as the app shows it: which external sessions ride which circuit
 * (sessions() when the link opens, then onDidChangeSessions, which also carries the byte counters
 * while sessions move data), and each profile's ssh_config block, asked when a view needs it.
 */
import { create } from 'zustand';
import type { GatewaySession, SshConfigBlock } from '../../shared/contract/gateway';
import { onConnectionState, rpc } from '../rpc';
import { describeError } from './describeError';
import { sameCountsOr } from './forwardsLogic';
import { countRiding } from './gatewayLogic';

export type BlockState = { status: 'loading' } | { status: 'ready'; block: SshConfigBlock } | { status: 'failed'; message: string };

/** A request (from the palette) to show a circuit's "Use from other tools" panel with the focus there, and what to say in it. */
export interface GatewayReveal {
  circuitId: string;
  /** Said in the panel's status line ("Copied …"), or null. */
  notice: string | null;
  /** Changes on every request, so asking twice focuses twice. */
  n: number;
}

interface GatewayState {
  sessions: readonly GatewaySession[];
  /** External sessions per circuit id; the same object until a count changes. */
  riding: Readonly<Record<string, number>>;
  /** ssh_config blocks by profile id. */
  blocks: Readonly<Record<string, BlockState>>;
  reveal: GatewayReveal | null;
  load(): Promise<void>;
  /** Asks for the profile's block again (the profile or its hosts may have changed); rejects with the service's error. */
  loadBlock(profileId: string): Promise<SshConfigBlock>;
  requestReveal(circuitId: string, notice?: string | null): void;
  /** The view did it: a later opening of the details does not move the focus again. */
  clearReveal(n: number): void;
}

function applySessions(list: readonly GatewaySession[]): void {
  useGatewayStore.setState((s) => ({ sessions: list, riding: sameCountsOr(s.riding, countRiding(list)) }));
}

let revealCount = 0;
/** Per profile, the latest request: an older answer arriving late does not replace a newer one. */
const blockRequests = new Map<string, number>();
let blockRequestCount = 0;

export const useGatewayStore = create<GatewayState>((set) => ({
  sessions: [],
  riding: {},
  blocks: {},
  reveal: null,
  async load() {
    try {
      applySessions(await rpc.gateway.sessions());
    } catch {
      // Events still flow without the list; the next reconnect lists again.
    }
  },
  async loadBlock(profileId) {
    const n = ++blockRequestCount;
    blockRequests.set(profileId, n);
    const put = (state: BlockState) => {
      if (blockRequests.get(profileId) === n) set((s) => ({ blocks: { ...s.blocks, [profileId]: state } }));
    };
    // A block already shown stays while it is asked again, so the panel does not flicker.
    set((s) => (s.blocks[profileId]?.status === 'ready' ? {} : { blocks: { ...s.blocks, [profileId]: { status: 'loading' } } }));
    try {
      const block = await rpc.gateway.sshConfigFor(profileId);
      put({ status: 'ready', block });
      return block;
    } catch (error) {
      put({ status: 'failed', message: describeError(error) });
      throw error;
    }
  },
  requestReveal(circuitId, notice = null) {
    set({ reveal: { circuitId, notice, n: ++revealCount } });
  },
  clearReveal(n) {
    set((s) => (s.reveal?.n === n ? { reveal: null } : {}));
  },
}));

/** Feeds the store from the gateway contract's event, and lists sessions when the link opens (startStores). */
export function startGatewayStore(): () => void {
  const sub = rpc.gateway.onDidChangeSessions(applySessions);
  const stopLink = onConnectionState((connection) => {
    if (connection === 'open') void useGatewayStore.getState().load();
  });
  return () => {
    sub.dispose();
    stopLink();
  };
}
