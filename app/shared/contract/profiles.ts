import type { Event } from '../model/event';
import { defineService } from './service';

export interface ProfileSummary {
  id: string;
  name: string;
  folder: string;
  tags: string[];
  /** The circuit by host ids, so editing a host once updates every profile using it. */
  hostIds: string[];
}

/** Saved circuit profiles (issue: builder and profiles). */
export interface IProfilesService {
  list(): Promise<ProfileSummary[]>;
  save(profile: Omit<ProfileSummary, 'id'> & { id?: string }): Promise<ProfileSummary>;
  remove(id: string): Promise<void>;
  onDidChange: Event<ProfileSummary[]>;
}

export const profilesService = defineService<IProfilesService>()({
  name: 'profiles',
  methods: { list: true, save: true, remove: true },
  events: { onDidChange: true },
});
