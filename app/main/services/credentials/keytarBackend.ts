/**
 * The OS keychain through keytar: macOS Keychain, Windows Credential Manager, or the Secret
 * Service (gnome-keyring, KWallet) over D-Bus on Linux. keytar is a native module, loaded only
 * when first needed, so a machine where it cannot load still runs everything else.
 */
import type { SecretBackend } from './secretBackend';

/** The keychain service every Hopline entry is filed under. */
export const KEYCHAIN_SERVICE = 'Hopline';

interface Keytar {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<{ account: string; password: string }[]>;
}

/** Why the keychain cannot be used, phrased for the user. */
export class KeychainUnavailableError extends Error {
  override name = 'KeychainUnavailableError';
}

/** A locked keychain may wait for an unlock dialog that never comes (no display): give up after this. */
const PROBE_TIMEOUT_MS = 5000;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new KeychainUnavailableError(`${what} did not answer within ${ms / 1000} s (is it locked?)`)), ms);
      timer.unref();
    }),
  ]);
}

function explain(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  // libsecret says only "Could not connect: No such file or directory" when the session bus socket is missing.
  if (/autolaunch D-Bus|DBUS_SESSION_BUS_ADDRESS|dbus|^Could not connect:/i.test(text)) return `no D-Bus session to reach a Secret Service (${text})`;
  if (/org\.freedesktop\.secrets|ServiceUnknown|not provided by any \.service/i.test(text)) return `no Secret Service is running (${text})`;
  return text;
}

class KeytarBackend implements SecretBackend {
  readonly kind = 'keychain' as const;
  constructor(private readonly keytar: Keytar) {}

  get(account: string): Promise<string | null> {
    return withTimeout(this.keytar.getPassword(KEYCHAIN_SERVICE, account), PROBE_TIMEOUT_MS, 'The keychain');
  }

  set(account: string, value: string): Promise<void> {
    return withTimeout(this.keytar.setPassword(KEYCHAIN_SERVICE, account, value), PROBE_TIMEOUT_MS, 'The keychain');
  }

  delete(account: string): Promise<boolean> {
    return withTimeout(this.keytar.deletePassword(KEYCHAIN_SERVICE, account), PROBE_TIMEOUT_MS, 'The keychain');
  }

  async accounts(): Promise<string[]> {
    // keytar has no account-only listing; the values are dropped here and go no further.
    const found = await withTimeout(this.keytar.findCredentials(KEYCHAIN_SERVICE), PROBE_TIMEOUT_MS, 'The keychain');
    return found.map((c) => c.account);
  }
}

/**
 * Loads keytar and proves the keychain answers (a listing round trip). Throws
 * KeychainUnavailableError with a sentence for the user when either fails.
 */
export async function openKeychain(): Promise<SecretBackend> {
  let keytar: Keytar;
  try {
    const loaded = (await import('keytar')) as Keytar & { default?: Keytar };
    keytar = loaded.default ?? loaded;
  } catch (error) {
    throw new KeychainUnavailableError(`the keychain module could not be loaded (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`);
  }
  const backend = new KeytarBackend(keytar);
  try {
    await backend.accounts();
  } catch (error) {
    throw error instanceof KeychainUnavailableError ? error : new KeychainUnavailableError(explain(error));
  }
  return backend;
}
