import { create } from 'zustand';
import type { ProfileInput, ProfileSummary } from '../../shared/contract/profiles';
import { onConnectionState, rpc } from '../rpc';
import { describeError } from './describeError';
import { upsertById } from './lists';

interface ProfilesState {
  profiles: ProfileSummary[];
  loaded: boolean;
  error: string | null;
  /** The store's start-up problem (a corrupt file set aside), told once. */
  storeProblem: string | null;
  storeProblemDismissed: boolean;
  load(): Promise<void>;
  save(profile: ProfileInput): Promise<ProfileSummary>;
  remove(id: string): Promise<void>;
  dismissStoreProblem(): void;
}

export const useProfilesStore = create<ProfilesState>((set) => ({
  profiles: [],
  loaded: false,
  error: null,
  storeProblem: null,
  storeProblemDismissed: false,
  async load() {
    try {
      const [profiles, status] = await Promise.all([rpc.profiles.list(), rpc.profiles.storeStatus()]);
      set({ profiles, storeProblem: status.problem, loaded: true, error: null });
    } catch (error) {
      set({ error: describeError(error) });
    }
  },
  async save(profile) {
    const saved = await rpc.profiles.save(profile);
    set((s) => ({ profiles: upsertById(s.profiles, saved) }));
    return saved;
  },
  async remove(id) {
    await rpc.profiles.remove(id);
    set((s) => ({ profiles: s.profiles.filter((p) => p.id !== id) }));
  },
  dismissStoreProblem() {
    set({ storeProblemDismissed: true });
  },
}));

/** Feeds the store from contract events, and loads it when the link opens (startStores). */
export function startProfilesStore(): () => void {
  const subs = [rpc.profiles.onDidChange((profiles) => useProfilesStore.setState({ profiles, loaded: true }))];
  const stopLink = onConnectionState((connection) => {
    if (connection === 'open') void useProfilesStore.getState().load();
  });
  return () => {
    for (const sub of subs) sub.dispose();
    stopLink();
  };
}
