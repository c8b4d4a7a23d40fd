/** Pure helpers of the profile list: search and grouping by folder. */
import type { ProfileSummary } from '../../shared/model/profile';

/** Profiles whose name, folder or tags contain every word of the query (case-insensitive). */
export function filterProfiles(profiles: readonly ProfileSummary[], query: string): ProfileSummary[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return profiles.filter((profile) => {
    const haystack = [profile.name, profile.folder, ...profile.tags].join(' ').toLowerCase();
    return words.every((word) => haystack.includes(word));
  });
}

export interface ProfileGroup {
  /** '' for profiles outside any folder. */
  folder: string;
  profiles: ProfileSummary[];
}

/** Folders in alphabetical order (profiles outside a folder first), profiles by name within each. */
export function groupByFolder(profiles: readonly ProfileSummary[]): ProfileGroup[] {
  const groups = new Map<string, ProfileSummary[]>();
  for (const profile of profiles) {
    const folder = profile.folder.trim();
    groups.set(folder, [...(groups.get(folder) ?? []), profile]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b)))
    .map(([folder, list]) => ({ folder, profiles: list.sort((a, b) => a.name.localeCompare(b.name)) }));
}

/** "a, b ,, c" as tags: trimmed, empty ones dropped, duplicates once. */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(',').map((t) => t.trim()).filter(Boolean))];
}
