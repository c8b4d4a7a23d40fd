/**
 * Where secret values live: the OS keychain (keytarBackend.ts) or, when that cannot be used,
 * this process's memory for one session. There is deliberately no third, on-disk backend.
 */

export interface SecretBackend {
  readonly kind: 'keychain' | 'session-memory';
  get(account: string): Promise<string | null>;
  set(account: string, value: string): Promise<void>;
  /** True when something was deleted. */
  delete(account: string): Promise<boolean>;
  /** Account names only: listing never needs the values. */
  accounts(): Promise<string[]>;
}

/** Session-only memory: gone when the process ends, never written anywhere. */
export class MemorySecretBackend implements SecretBackend {
  readonly kind = 'session-memory' as const;
  private readonly values = new Map<string, string>();

  async get(account: string): Promise<string | null> {
    return this.values.get(account) ?? null;
  }

  async set(account: string, value: string): Promise<void> {
    this.values.set(account, value);
  }

  async delete(account: string): Promise<boolean> {
    return this.values.delete(account);
  }

  async accounts(): Promise<string[]> {
    return [...this.values.keys()];
  }
}
