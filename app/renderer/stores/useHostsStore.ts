import { create } from 'zustand';
import type { HostInput, HostSummary, ImportReport, RemoveHostOptions } from '../../shared/contract/hosts';
import { onConnectionState, rpc } from '../rpc';
import { describeError } from './describeError';
import { upsertById } from './lists';

interface HostsState {
  hosts: HostSummary[];
  loaded: boolean;
  /** Why the list could not be loaded; action errors are thrown to the caller instead. */
  error: string | null;
  load(): Promise<void>;
  save(host: HostInput): Promise<HostSummary>;
  duplicate(id: string): Promise<HostSummary>;
  /**
   * Rejects (e.g. HOST_IN_USE while a profile uses the host) with a typed error for the caller to
   * show; with `replaceWith`, that host takes its place in every profile in the same write.
   */
  remove(id: string, options?: RemoveHostOptions): Promise<void>;
  importSshConfig(request: { path?: string; text?: string }): Promise<ImportReport>;
}

export const useHostsStore = create<HostsState>((set) => ({
  hosts: [],
  loaded: false,
  error: null,
  async load() {
    try {
      set({ hosts: await rpc.hosts.list(), loaded: true, error: null });
    } catch (error) {
      set({ error: describeError(error) });
    }
  },
  async save(host) {
    const saved = await rpc.hosts.save(host);
    set((s) => ({ hosts: upsertById(s.hosts, saved) }));
    return saved;
  },
  async duplicate(id) {
    const copy = await rpc.hosts.duplicate(id);
    set((s) => ({ hosts: upsertById(s.hosts, copy) }));
    return copy;
  },
  async remove(id, options) {
    // The id alone when there is no replacement: the call reads as it did before replacements.
    await (options?.replaceWith !== undefined ? rpc.hosts.remove(id, options) : rpc.hosts.remove(id));
    set((s) => ({ hosts: s.hosts.filter((h) => h.id !== id) }));
  },
  importSshConfig(request) {
    return rpc.hosts.importSshConfig(request);
  },
}));

/** Feeds the store from contract events, never from components talking to a transport (startStores). */
export function startHostsStore(): () => void {
  const subs = [rpc.hosts.onDidChange((hosts) => useHostsStore.setState({ hosts, loaded: true }))];
  const stopLink = onConnectionState((connection) => {
    if (connection === 'open') void useHostsStore.getState().load();
  });
  return () => {
    for (const sub of subs) sub.dispose();
    stopLink();
  };
}
