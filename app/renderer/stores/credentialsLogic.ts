/** Pure helpers of the credentials status: what the user is told, and how. */
import type { CredentialStatus } from '../../shared/contract/credentials';

/** The banner to show, once: a reason the keychain is unavailable that the user has not dismissed. */
export function bannerReason(status: CredentialStatus | null, dismissedReason: string | null): string | null {
  if (!status || status.backend !== 'session-memory' || !status.unavailableReason) return null;
  return status.unavailableReason === dismissedReason ? null : status.unavailableReason;
}

/** The remember box says where the secret would go, so nobody believes it survives a restart when it won't. */
export function rememberLabel(status: CredentialStatus | null): string {
  return status?.backend === 'session-memory' ? 'Remember for this session' : 'Remember in keychain';
}
