import type { HostSummary } from '../../../shared/model/host';
import type { ProfileSummary } from '../../../shared/model/profile';
import { ConfirmButton } from '../../components/ConfirmButton';
import type { ProfileGroup } from '../../stores/profilesLogic';

interface ProfileListProps {
  groups: ProfileGroup[];
  hostsById: ReadonlyMap<string, HostSummary>;
  /** Connecting is refused while another open from this window is in flight. */
  connectDisabled: boolean;
  onConnect(profile: ProfileSummary): void;
  onEdit(profile: ProfileSummary): void;
  onDelete(profile: ProfileSummary): void;
}

/** Saved profiles by folder, each with one-click Connect. */
export function ProfileList({ groups, hostsById, connectDisabled, onConnect, onEdit, onDelete }: ProfileListProps) {
  return (
    <div className="profile-groups">
      {groups.map((group) => (
        <section key={group.folder || '(none)'} className="profile-group" aria-label={group.folder ? `Folder ${group.folder}` : 'Not in a folder'}>
          {group.folder && <h3 className="folder">{group.folder}</h3>}
          <ul className="profile-list" role="list" aria-label={group.folder ? `Profiles in ${group.folder}` : 'Profiles'}>
            {group.profiles.map((profile) => (
              <li key={profile.id} className="profile" aria-label={profile.name}>
                <div className="profile-name">{profile.name}</div>
                <div className="profile-route muted">{profile.hostIds.map((id) => hostsById.get(id)?.name ?? '(deleted host)').join(' → ')}</div>
                {profile.tags.length > 0 && (
                  <div className="tags" aria-label="Tags">
                    {profile.tags.map((tag) => (
                      <span key={tag} className="tag">
                        {tag}
                      </span>
                    ))}
                  </div>
                )}
                <div className="actions">
                  <button type="button" disabled={connectDisabled} onClick={() => onConnect(profile)}>
                    Connect
                  </button>
                  <button type="button" className="secondary" onClick={() => onEdit(profile)}>
                    Edit
                  </button>
                  <ConfirmButton label="Delete" confirmLabel="Confirm delete" onConfirm={() => onDelete(profile)} />
                </div>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}
