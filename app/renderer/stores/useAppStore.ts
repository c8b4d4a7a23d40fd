import { create } from 'zustand';
import type { AppInfo, PongEvent } from '../../shared/contract/app';
import { HoplineError } from '../../shared/model/errors';
import { onConnectionState, rpc, type ConnectionState } from '../rpc';

interface AppState {
  connection: ConnectionState;
  info: AppInfo | null;
  error: string | null;
  /** The most recent onDidPong events, newest first. */
  pongs: PongEvent[];
  roundTripMs: number | null;
  loadInfo(): Promise<void>;
  ping(): Promise<void>;
}

function message(error: unknown): string {
  return error instanceof HoplineError ? `${error.code}: ${error.message}` : 'Unexpected error';
}

export const useAppStore = create<AppState>((set) => ({
  connection: 'connecting',
  info: null,
  error: null,
  pongs: [],
  roundTripMs: null,
  async loadInfo() {
    try {
      set({ info: await rpc.app.info(), error: null });
    } catch (error) {
      set({ error: message(error) });
    }
  },
  async ping() {
    const started = performance.now();
    try {
      await rpc.app.ping({ nonce: crypto.randomUUID() });
      set({ roundTripMs: Math.round((performance.now() - started) * 10) / 10, error: null });
    } catch (error) {
      set({ error: message(error) });
    }
  },
}));

/** Feeds the store from contract events, never from components talking to a transport (startStores). */
export function startAppStore(): () => void {
  const subs = [rpc.app.onDidPong((pong) => useAppStore.setState((s) => ({ pongs: [pong, ...s.pongs].slice(0, 5) })))];
  const stopLink = onConnectionState((connection) => {
    useAppStore.setState({ connection });
    if (connection === 'open') void useAppStore.getState().loadInfo();
  });
  return () => {
    for (const sub of subs) sub.dispose();
    stopLink();
  };
}
