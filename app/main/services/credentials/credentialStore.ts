/**
 * The credential store: per saved host, its password, key passphrase, remembered answers to
 * static keyboard-interactive prompts, an optional TOTP secret and a first-hop proxy password.
 *
 * Values live in the OS keychain (service "Hopline", account `<kind>@<hostId>`), or, when the
 * keychain cannot be used, in this process's memory for the session; the user is told once why.
 * There is no plaintext fallback. Nothing here logs, returns over the contract, or throws a value.
 */
import { createHash } from 'node:crypto';
import type { CredentialStatus, ICredentialsService, SecretKind } from '../../../shared/contract/credentials';
import { ErrorCode, HoplineError } from '../../../shared/model/errors';
import { Emitter } from '../../../shared/model/event';
import type { HopSecrets, RememberedSecret, StoredSecretKind } from '../engine/hopSecrets';
import { log } from '../log';
import { openKeychain } from './keytarBackend';
import { MemorySecretBackend, type SecretBackend } from './secretBackend';
import { parseTotpSetup, totpCode, totpMatches, type TotpEntry } from './totp';

export interface CredentialStoreOptions {
  /** 'memory': never touch the keychain (tests, or a user who said so). Default 'auto'. */
  mode?: 'auto' | 'memory';
  /** How to reach the keychain; replaced in unit tests. */
  openKeychain?: () => Promise<SecretBackend>;
}

const KINDS: readonly SecretKind[] = ['password', 'passphrase', 'totp', 'answer'];

function answerKey(promptText: string): string {
  return `answer:${createHash('sha256').update(promptText).digest('hex').slice(0, 24)}`;
}

function account(hostId: string, kind: string): string {
  return `${kind}@${hostId}`;
}

/** `<kind>[:hash]@<hostId>` back to its parts; null for entries that are not ours. */
function parseAccount(name: string): { hostId: string; kind: SecretKind } | null {
  const at = name.indexOf('@');
  if (at <= 0) return null;
  const kind = name.slice(0, at).split(':')[0] as SecretKind;
  return KINDS.includes(kind) ? { hostId: name.slice(at + 1), kind } : null;
}

/** What the system keychain is called where it is not obvious: the name a user would search for. */
const KEYCHAIN_NAMES: Partial<Record<NodeJS.Platform, string>> = { linux: ' (Secret Service)', freebsd: ' (Secret Service)', win32: ' (Windows Credential Manager)' };

/** The no-keychain sentence: what failed, and what it means for the passwords the user saves. */
export function keychainUnavailableSentence(platform: NodeJS.Platform = process.platform): string {
  return `Hopline can't reach your system keychain${KEYCHAIN_NAMES[platform] ?? ''}, so passwords can't be saved: any you choose to remember are kept in memory until Hopline quits, never on disk.`;
}

function checkHostId(hostId: string): void {
  if (hostId.length === 0 || hostId.length > 300) throw new HoplineError(ErrorCode.INVALID_ARGUMENT, 'A host id is 1 to 300 characters');
}

export class CredentialStore implements ICredentialsService, HopSecrets {
  private backendPromise: Promise<SecretBackend> | null = null;
  private current: CredentialStatus = { backend: 'keychain', unavailableReason: null };
  private readonly statusChanged = new Emitter<CredentialStatus>();
  private readonly kindsChanged = new Emitter<{ hostId: string; kinds: SecretKind[] }>();
  readonly onDidChangeStatus = this.statusChanged.event;
  readonly onDidChangeKinds = this.kindsChanged.event;

  constructor(private readonly options: CredentialStoreOptions = {}) {}

  /** The backend, opened on first use: the keychain, or session memory with the reason told once. */
  private backend(): Promise<SecretBackend> {
    this.backendPromise ??= (async () => {
      if (this.options.mode === 'memory') {
        this.setStatus({ backend: 'session-memory', unavailableReason: 'Saving secrets in the keychain is turned off; they are kept in memory for this session only.' });
        return new MemorySecretBackend();
      }
      try {
        return await (this.options.openKeychain ?? openKeychain)();
      } catch (error) {
        // The sentence is for the person; the raw text (D-Bus's "Could not connect: …") only under Details.
        const detail = error instanceof Error ? error.message : String(error);
        this.setStatus({ backend: 'session-memory', unavailableReason: keychainUnavailableSentence(), ...(detail ? { unavailableDetail: detail } : {}) });
        return new MemorySecretBackend();
      }
    })();
    return this.backendPromise;
  }

  private setStatus(status: CredentialStatus): void {
    this.current = status;
    this.statusChanged.fire({ ...status });
  }

  async status(): Promise<CredentialStatus> {
    await this.backend();
    return { ...this.current };
  }

  async listKinds(): Promise<{ hostId: string; kinds: SecretKind[] }[]> {
    const byHost = new Map<string, Set<SecretKind>>();
    for (const name of await (await this.backend()).accounts()) {
      const parsed = parseAccount(name);
      if (!parsed) continue;
      const kinds = byHost.get(parsed.hostId) ?? new Set<SecretKind>();
      kinds.add(parsed.kind);
      byHost.set(parsed.hostId, kinds);
    }
    return [...byHost].map(([hostId, kinds]) => ({ hostId, kinds: KINDS.filter((k) => kinds.has(k)) }));
  }

  async kindsFor(hostId: string): Promise<SecretKind[]> {
    return (await this.listKinds()).find((e) => e.hostId === hostId)?.kinds ?? [];
  }

  async forget(hostId: string): Promise<void> {
    checkHostId(hostId);
    const backend = await this.backend();
    const mine = (await backend.accounts()).filter((name) => parseAccount(name)?.hostId === hostId);
    for (const name of mine) await backend.delete(name);
    if (mine.length > 0) this.kindsChanged.fire({ hostId, kinds: [] });
  }

  async setTotp(hostId: string, request: { secret: string; promptPattern?: string }): Promise<void> {
    checkHostId(hostId);
    const entry = parseTotpSetup(request.secret, request.promptPattern);
    await this.put(hostId, 'totp', JSON.stringify(entry));
  }

  // --- HopSecrets: the engine's side -----------------------------------------------------------

  async get(hostId: string, kind: StoredSecretKind): Promise<string | null> {
    return (await this.backend()).get(account(hostId, kind));
  }

  async answer(hostId: string, promptText: string): Promise<string | null> {
    return (await this.backend()).get(account(hostId, answerKey(promptText)));
  }

  async totpCode(hostId: string, promptText: string): Promise<string | null> {
    const stored = await (await this.backend()).get(account(hostId, 'totp'));
    if (!stored) return null;
    let entry: TotpEntry;
    try {
      entry = JSON.parse(stored) as TotpEntry;
    } catch {
      log.warn(`the stored TOTP entry for host ${hostId} is unreadable; ignoring it`);
      return null;
    }
    return totpMatches(entry, promptText) ? totpCode(entry) : null;
  }

  async remember(hostId: string, secret: RememberedSecret, value: string): Promise<void> {
    checkHostId(hostId);
    await this.put(hostId, secret.kind === 'answer' ? answerKey(secret.promptText) : secret.kind, value);
  }

  private async put(hostId: string, key: string, value: string): Promise<void> {
    const backend = await this.backend();
    await backend.set(account(hostId, key), value);
    this.kindsChanged.fire({ hostId, kinds: await this.kindsFor(hostId) });
  }
}
