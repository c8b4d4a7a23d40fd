import type { SecretBadge } from '../../stores/hostsLogic';

/** Which secrets the keychain holds for a host: names only, never values. */
export function SecretBadges({ badges }: { badges: SecretBadge[] }) {
  if (badges.length === 0) return null;
  return (
    <span className="badges" aria-label={`Saved: ${badges.join(', ')}`}>
      {badges.map((badge) => (
        <span key={badge} className="badge-secret" aria-hidden="true">
          {badge}
        </span>
      ))}
    </span>
  );
}
