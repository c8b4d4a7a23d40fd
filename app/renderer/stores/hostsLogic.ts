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

/** The profiles whose circuits pass through the host, in the order given (the library's). */
export function profilesUsingHost<P extends { hostIds: readonly string[] }>(hostId: string, profiles: readonly P[]): P[] {
  return profiles.filter((p) => p.hostIds.includes(hostId));
}

/**
 * Hosts that can take a deleted host's place in every circuit that uses it: any other host not
 * already in one of those circuits (a circuit never passes through the same host twice; the main
 * side refuses it too).
 */
export function replacementCandidates<H extends { id: string }>(hostId: string, hosts: readonly H[], profiles: readonly { hostIds: readonly string[] }[]): H[] {
  const taken = new Set(profilesUsingHost(hostId, profiles).flatMap((p) => p.hostIds));
  taken.add(hostId);
  return hosts.filter((h) => !taken.has(h.id));
}
