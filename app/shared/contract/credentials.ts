import type { Event } from '../model/event';
import { defineService } from './service';

/** Kinds of secret kept per saved host. Values never cross the contract outward. */
export type SecretKind = 'password' | 'passphrase' | 'totp' | 'answer';

export interface CredentialStatus {
  backend: 'keychain' | 'session-memory';
  /** Why the keychain could not be used, told once to the user as one plain sentence; null when it works. */
  unavailableReason: string | null;
  /** The raw error behind it (D-Bus's own words, say), shown only under "Details"; absent when there is none. */
  unavailableDetail?: string;
}

/**
 * What the keychain holds, by kind only (issue: credentials). The only values that travel are
 * inward, once: a TOTP secret the user enters. Passwords and answers are remembered from prompts.
 */
export interface ICredentialsService {
  status(): Promise<CredentialStatus>;
  listKinds(): Promise<{ hostId: string; kinds: SecretKind[] }[]>;
  /** "Forget saved secrets" for one host. */
  forget(hostId: string): Promise<void>;
  /** Base32 secret or an otpauth:// URI; `promptPattern` (a regex source) picks the prompt it answers. */
  setTotp(hostId: string, request: { secret: string; promptPattern?: string }): Promise<void>;
  onDidChangeStatus: Event<CredentialStatus>;
  onDidChangeKinds: Event<{ hostId: string; kinds: SecretKind[] }>;
}

export const credentialsService = defineService<ICredentialsService>()({
  name: 'credentials',
  methods: { status: true, listKinds: true, forget: true, setTotp: true },
  events: { onDidChangeStatus: true, onDidChangeKinds: true },
});
