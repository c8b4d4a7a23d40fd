import { Banner } from '../../components/Banner';
import { ErrorDetails } from '../../components/ErrorMessage';
import { bannerReason } from '../../stores/credentialsLogic';
import { useCredentialsStore } from '../../stores/useCredentialsStore';
import { useProfilesStore } from '../../stores/useProfilesStore';

/** Start-up facts the user must hear once: no keychain (secrets last only this session), a profile file set aside. */
export function Banners() {
  const status = useCredentialsStore((s) => s.status);
  const keychainDetail = status?.unavailableDetail;
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
        // The main side words the reason as one sentence; its raw cause (D-Bus's words) waits under Details.
        <Banner onDismiss={dismissCredentials}>
          <span className="error-sentence">{reason}</span>
          {keychainDetail && <ErrorDetails text={`Detail: ${keychainDetail}`} />}
        </Banner>
      )}
      {storeProblem && !storeProblemDismissed && (
        <Banner tone="error" onDismiss={dismissStoreProblem}>
          {storeProblem}
        </Banner>
      )}
    </div>
  );
}
