import { create } from 'zustand';
import type { AppInfo, PongEvent } from '../../shared/contract/app';
import { HoplineError } from '../../shared/model/errors';
import { onConnectionState, onLinkProgress, rpc, type ConnectionState, type LinkProgress } from '../rpc';

interface AppState {
  connection: ConnectionState;
  /** How reconnecting goes while the link is down: views grey out and show it. */
  link: LinkProgress;
  /**
   * The link was open and is not now: terminal and circuit views grey out and take no input.
   * (Not while the page first loads: nothing is on screen to grey out yet.)
   */
  backendDown: boolean;
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
  link: { attempt: 0, nextAttemptAt: null, authRejected: false },
  backendDown: false,
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
  let wasOpen = false;
  const stopLink = onConnectionState((connection) => {
    wasOpen ||= connection === 'open';
    useAppStore.setState({ connection, backendDown: wasOpen && connection !== 'open' });
    if (connection === 'open') void useAppStore.getState().loadInfo();
  });
  const stopProgress = onLinkProgress((link) => useAppStore.setState({ link }));
  return () => {
    for (const sub of subs) sub.dispose();
    stopLink();
    stopProgress();
  };
}
