/** Pure helpers of the hosts library, kept apart from the store so they test without a transport. */
import type { SecretKind } from '../../shared/contract/credentials';
import type { HostSummary } from '../../shared/model/host';

export type SecretBadge = 'password' | 'passphrase' | 'TOTP' | 'answers';

/**
 * Which secrets a host has in the keychain. The credentials service's live list wins over the
 * flags in the host summary, which are only as fresh as the last hosts list.
 */
export function secretBadges(host: HostSummary, kinds?: readonly SecretKind[]): SecretBadge[] {
  const has = kinds
    ? { password: kinds.includes('password'), passphrase: kinds.includes('passphrase'), totp: kinds.includes('totp'), answers: kinds.includes('answer') }
    : { password: host.hasPassword, passphrase: host.hasPassphrase, totp: host.hasTotp, answers: host.hasAnswers };
  const badges: SecretBadge[] = [];
  if (has.password) badges.push('password');
  if (has.passphrase) badges.push('passphrase');
  if (has.totp) badges.push('TOTP');
  if (has.answers) badges.push('answers');
  return badges;
}

export function hostEndpoint(host: Pick<HostSummary, 'user' | 'address' | 'port'>): string {
  return `${host.user || '?'}@${host.address || '?'}${host.port === 22 ? '' : `:${host.port}`}`;
}
