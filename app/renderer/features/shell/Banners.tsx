import { Banner } from '../../components/Banner';
import { bannerReason } from '../../stores/credentialsLogic';
import { useCredentialsStore } from '../../stores/useCredentialsStore';
import { useProfilesStore } from '../../stores/useProfilesStore';

/** Start-up facts the user must hear once: no keychain (secrets last only this session), a profile file set aside. */
export function Banners() {
  const status = useCredentialsStore((s) => s.status);
  const dismissedReason = useCredentialsStore((s) => s.dismissedReason);
  const dismissCredentials = useCredentialsStore((s) => s.dismissBanner);
  const storeProblem = useProfilesStore((s) => s.storeProblem);
  const storeProblemDismissed = useProfilesStore((s) => s.storeProblemDismissed);
  const dismissStoreProblem = useProfilesStore((s) => s.dismissStoreProblem);
  const reason = bannerReason(status, dismissedReason);
  if (!reason && (!storeProblem || storeProblemDismissed)) return null;
  return (
    <div className="banners">
      {reason && (
        // The main side words the reason for the user (what failed, and where secrets go instead).
        <Banner onDismiss={dismissCredentials}>{reason}</Banner>
      )}
      {storeProblem && !storeProblemDismissed && (
        <Banner tone="error" onDismiss={dismissStoreProblem}>
          {storeProblem}
        </Banner>
      )}
    </div>
  );
}
