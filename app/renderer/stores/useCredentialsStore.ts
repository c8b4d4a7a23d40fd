import { create } from 'zustand';
import type { CredentialStatus, SecretKind } from '../../shared/contract/credentials';
import { onConnectionState, rpc } from '../rpc';
import { describeError } from './describeError';

interface CredentialsState {
  status: CredentialStatus | null;
  /** The unavailable-keychain reason the user dismissed, so the banner is shown once. */
  dismissedReason: string | null;
  /** Secret kinds per host id: kinds only, never values. */
  kinds: Record<string, SecretKind[]>;
  error: string | null;
  load(): Promise<void>;
  dismissBanner(): void;
  forget(hostId: string): Promise<void>;
  /** Sends the secret once; nothing of it is kept here. */
  setTotp(hostId: string, secret: string, promptPattern?: string): Promise<void>;
}

export const useCredentialsStore = create<CredentialsState>((set, get) => ({
  status: null,
  dismissedReason: null,
  kinds: {},
  error: null,
  async load() {
    try {
      const [status, list] = await Promise.all([rpc.credentials.status(), rpc.credentials.listKinds()]);
      set({ status, kinds: Object.fromEntries(list.map((entry) => [entry.hostId, entry.kinds])), error: null });
    } catch (error) {
      set({ error: describeError(error) });
    }
  },
  dismissBanner() {
    set({ dismissedReason: get().status?.unavailableReason ?? null });
  },
  async forget(hostId) {
    await rpc.credentials.forget(hostId);
    set((s) => ({ kinds: { ...s.kinds, [hostId]: [] } }));
  },
  async setTotp(hostId, secret, promptPattern) {
    await rpc.credentials.setTotp(hostId, promptPattern ? { secret, promptPattern } : { secret });
  },
}));

/** Feeds the store from the credentials contract's events, and loads it when the link opens (startStores). */
export function startCredentialsStore(): () => void {
  const subs = [
    rpc.credentials.onDidChangeStatus((status) => useCredentialsStore.setState({ status })),
    rpc.credentials.onDidChangeKinds(({ hostId, kinds }) => useCredentialsStore.setState((s) => ({ kinds: { ...s.kinds, [hostId]: kinds } }))),
  ];
  const stopLink = onConnectionState((connection) => {
    if (connection === 'open') void useCredentialsStore.getState().load();
  });
  return () => {
    for (const sub of subs) sub.dispose();
    stopLink();
  };
}
