import type { Event } from '../model/event';
import { defineService } from './service';

export type SecretKind = 'password' | 'passphrase' | 'totp' | 'answer';

export interface CredentialStatus {
  backend: 'keychain' | 'session-memory';
  /** Why the keychain could not be used, told once to the user; null when it works. */
  unavailableReason: string | null;
}

/** What the keychain holds, by kind only: values never cross the contract (issue: credentials). */
export interface ICredentialsService {
  status(): Promise<CredentialStatus>;
  listKinds(): Promise<{ hostId: string; kinds: SecretKind[] }[]>;
  forget(hostId: string): Promise<void>;
  onDidChangeStatus: Event<CredentialStatus>;
}

export const credentialsService = defineService<ICredentialsService>()({
  name: 'credentials',
  methods: { status: true, listKinds: true, forget: true },
  events: { onDidChangeStatus: true },
});
