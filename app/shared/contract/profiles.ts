import type { Event } from '../model/event';
import type { ProfileInput, ProfileSummary } from '../model/profile';
import { defineService } from './service';

export type { ProfileInput, ProfileSummary } from '../model/profile';

/** How the saved document fared at start: a corrupt file is set aside and the user told. */
export interface StoreStatus {
  /** Where an unreadable file was moved, or null when the file loaded (or did not exist). */
  setAsidePath: string | null;
  /** A sentence for the user, or null when all is well. */
  problem: string | null;
}

/** Saved circuit profiles (issue: builder and profiles). */
export interface IProfilesService {
  list(): Promise<ProfileSummary[]>;
  save(profile: ProfileInput): Promise<ProfileSummary>;
  remove(id: string): Promise<void>;
  storeStatus(): Promise<StoreStatus>;
  onDidChange: Event<ProfileSummary[]>;
}

export const profilesService = defineService<IProfilesService>()({
  name: 'profiles',
  methods: { list: true, save: true, remove: true, storeStatus: true },
  events: { onDidChange: true },
});
