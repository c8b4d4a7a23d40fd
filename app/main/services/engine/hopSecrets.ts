/**
 * What the engine asks of the credential store while authenticating a hop with a saved host id.
 * Only ever called after that hop's host key has been accepted (ssh2 starts authentication after
 * hostVerifier answers), so no stored secret can reach an unverified host.
 */

export type StoredSecretKind = 'password' | 'passphrase';

export type RememberedSecret = { kind: StoredSecretKind } | { kind: 'answer'; promptText: string };

export interface HopSecrets {
  get(hostId: string, kind: StoredSecretKind): Promise<string | null>;
  /** A remembered answer to a static keyboard-interactive prompt with exactly this text. */
  answer(hostId: string, promptText: string): Promise<string | null>;
  /** The current code when a TOTP secret is stored for the host and its pattern matches the prompt. */
  totpCode(hostId: string, promptText: string): Promise<string | null>;
  remember(hostId: string, secret: RememberedSecret, value: string): Promise<void>;
}
