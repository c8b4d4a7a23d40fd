import { useId, useMemo, useState } from 'react';
import type { ProfileSummary } from '../../../shared/model/profile';
import { describeError } from '../../stores/describeError';
import { filterProfiles, groupByFolder } from '../../stores/profilesLogic';
import { useBuilderStore } from '../../stores/useBuilderStore';
import { useCircuitsStore } from '../../stores/useCircuitsStore';
import { useHostsStore } from '../../stores/useHostsStore';
import { useProfilesStore } from '../../stores/useProfilesStore';
import { ProfileList } from './ProfileList';

/** The left sidebar: saved circuit profiles, searchable, grouped by folder. */
export function ProfilesPanel() {
  const id = useId();
  const profiles = useProfilesStore((s) => s.profiles);
  const loadError = useProfilesStore((s) => s.error);
  const remove = useProfilesStore((s) => s.remove);
  const hosts = useHostsStore((s) => s.hosts);
  const openCircuit = useCircuitsStore((s) => s.open);
  const opening = useCircuitsStore((s) => s.pending !== null);
  const loadProfile = useBuilderStore((s) => s.loadProfile);
  const [query, setQuery] = useState('');
  const [error, setError] = useState<string | null>(null);

  const groups = useMemo(() => groupByFolder(filterProfiles(profiles, query)), [profiles, query]);
  const hostsById = useMemo(() => new Map(hosts.map((h) => [h.id, h])), [hosts]);

  async function onDelete(profile: ProfileSummary) {
    try {
      await remove(profile.id);
      setError(null);
    } catch (e) {
      setError(describeError(e));
    }
  }

  return (
    <div className="profiles">
      <h2>Saved circuits</h2>
      <label htmlFor={`${id}-search`} className="sr-only">
        Search profiles
      </label>
      <input id={`${id}-search`} type="search" placeholder="Search name, folder, tag" value={query} onChange={(e) => setQuery(e.target.value)} />
      {(error ?? loadError) && (
        <p role="alert" className="error">
          {error ?? loadError}
        </p>
      )}
      {profiles.length === 0 ? (
        <p className="empty">No saved circuits yet. Build one and use “Save as profile”.</p>
      ) : groups.length === 0 ? (
        <p className="empty">No profile matches “{query}”.</p>
      ) : (
        <ProfileList
          groups={groups}
          hostsById={hostsById}
          connectDisabled={opening}
          onConnect={(profile) => void openCircuit(profile.hostIds, profile.id)}
          onEdit={loadProfile}
          onDelete={(profile) => void onDelete(profile)}
        />
      )}
    </div>
  );
}
