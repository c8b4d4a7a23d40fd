import { create } from 'zustand';
import type { ProfileSummary } from '../../shared/model/profile';
import { insertAt, positionMessage } from './draftChain';

/**
 * The circuit being built: shared by the builder, the library (drag a host in) and the
 * profile list ("Edit" loads a profile here). Local UI state, so no contract events feed it.
 */
interface BuilderState {
  /** Host ids, hop 1 first, the target last. */
  hostIds: string[];
  /** The saved profile being edited, if the chain came from one. */
  profile: ProfileSummary | null;
  /** The latest change, for the builder's aria-live region. */
  announcement: string;
  setChain(hostIds: string[], announcement: string): void;
  /** Adds a host at `index` (default: the end, making it the target). */
  addHost(hostId: string, name: string, index?: number): void;
  loadProfile(profile: ProfileSummary): void;
  /** After saving: the chain now belongs to this profile. */
  attachProfile(profile: ProfileSummary): void;
  clear(): void;
}

export const useBuilderStore = create<BuilderState>((set) => ({
  hostIds: [],
  profile: null,
  announcement: '',
  setChain(hostIds, announcement) {
    set({ hostIds, announcement });
  },
  addHost(hostId, name, index) {
    set((s) => {
      const at = Math.min(index ?? s.hostIds.length, s.hostIds.length);
      const hostIds = insertAt(s.hostIds, at, hostId);
      return { hostIds, announcement: positionMessage(name, 'added at', at, hostIds.length) };
    });
  },
  loadProfile(profile) {
    set({ hostIds: [...profile.hostIds], profile, announcement: `Profile ${profile.name} loaded into the builder with ${profile.hostIds.length} hops` });
  },
  attachProfile(profile) {
    set({ profile });
  },
  clear() {
    set({ hostIds: [], profile: null, announcement: 'Circuit cleared' });
  },
}));
