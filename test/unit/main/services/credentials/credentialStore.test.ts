import { describe, expect, it } from 'vitest';
import { CredentialStore, keychainUnavailableSentence } from '../../../../../app/main/services/credentials/credentialStore';
import { KeychainUnavailableError } from '../../../../../app/main/services/credentials/keytarBackend';
import { MemorySecretBackend } from '../../../../../app/main/services/credentials/secretBackend';
import { parseTotpSetup, totpCode, totpMatches } from '../../../../../app/main/services/credentials/totp';
import type { CredentialStatus } from '../../../../../app/shared/contract/credentials';
import { HoplineError } from '../../../../../app/shared/model/errors';

/** An in-memory stand-in for the keychain (the real one is tested in test/integration/keychain.test.ts). */
function fakeKeychain() {
  const backend = new MemorySecretBackend();
  return { backend, open: async () => backend };
}

// RFC 6238 appendix B: the SHA-1 secret "12345678901234567890" in base32, 8 digits.
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

describe('CredentialStore', () => {
  it('stores per host and kind, lists kinds without values, and forgets one host only', async () => {
    const keychain = fakeKeychain();
    const store = new CredentialStore({ openKeychain: keychain.open });
    await store.remember('h1', { kind: 'password' }, 'pw-1');
    await store.remember('h1', { kind: 'answer', promptText: 'Favourite colour: ' }, 'blue');
    await store.remember('h2', { kind: 'passphrase' }, 'pp-2');
    expect(await store.get('h1', 'password')).toBe('pw-1');
    expect(await store.answer('h1', 'Favourite colour: ')).toBe('blue');
    expect(await store.answer('h1', 'Another prompt: ')).toBeNull();
    const kinds = await store.listKinds();
    expect(kinds).toEqual(expect.arrayContaining([{ hostId: 'h1', kinds: ['password', 'answer'] }, { hostId: 'h2', kinds: ['passphrase'] }]));
    expect(JSON.stringify(kinds)).not.toMatch(/pw-1|blue|pp-2/);
    // Accounts hold no values, and the prompt text is hashed rather than written out.
    expect((await keychain.backend.accounts()).join(' ')).not.toMatch(/colour/);

    await store.remember('h1', { kind: 'password' }, 'pw-1b');
    expect(await store.get('h1', 'password')).toBe('pw-1b');
    await store.forget('h1');
    expect(await store.get('h1', 'password')).toBeNull();
    expect(await store.kindsFor('h1')).toEqual([]);
    expect(await store.kindsFor('h2')).toEqual(['passphrase']);
  });

  it('host ids that contain @ and : (command-line hops) round-trip through the account names', async () => {
    const store = new CredentialStore({ openKeychain: fakeKeychain().open });
    await store.remember('ssh:ops@198.18.1.2:22', { kind: 'password' }, 'x');
    expect(await store.listKinds()).toEqual([{ hostId: 'ssh:ops@198.18.1.2:22', kinds: ['password'] }]);
  });

  it('fires kind changes, so the hosts library can update hasPassword and friends', async () => {
    const store = new CredentialStore({ openKeychain: fakeKeychain().open });
    const seen: unknown[] = [];
    store.onDidChangeKinds((e) => seen.push(e));
    await store.remember('h1', { kind: 'password' }, 'x');
    await store.setTotp('h1', { secret: RFC_SECRET });
    await store.forget('h1');
    expect(seen).toEqual([{ hostId: 'h1', kinds: ['password'] }, { hostId: 'h1', kinds: ['password', 'totp'] }, { hostId: 'h1', kinds: [] }]);
  });

  it('falls back to session memory when the keychain cannot be opened, and says why once', async () => {
    let opened = 0;
    const store = new CredentialStore({
      openKeychain: async () => {
        opened++;
        throw new KeychainUnavailableError('no D-Bus session to reach a Secret Service');
      },
    });
    const statuses: CredentialStatus[] = [];
    store.onDidChangeStatus((s) => statuses.push(s));
    await store.remember('h1', { kind: 'password' }, 'kept-in-memory');
    expect(await store.get('h1', 'password')).toBe('kept-in-memory');
    const status = await store.status();
    expect(status.backend).toBe('session-memory');
    // One plain sentence; the raw reason only as the detail.
    expect(status.unavailableReason).toBe(keychainUnavailableSentence());
    expect(status.unavailableReason).not.toContain('D-Bus');
    expect(status.unavailableDetail).toBe('no D-Bus session to reach a Secret Service');
    expect(statuses).toHaveLength(1);
    expect(opened).toBe(1);
  });

  it('memory mode never touches the keychain', async () => {
    let opened = false;
    const store = new CredentialStore({ mode: 'memory', openKeychain: async () => ((opened = true), new MemorySecretBackend()) });
    expect((await store.status()).backend).toBe('session-memory');
    expect(opened).toBe(false);
  });

  it('rejects bad host ids', async () => {
    const store = new CredentialStore({ mode: 'memory' });
    await expect(store.forget('')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(store.remember('x'.repeat(301), { kind: 'password' }, 'v')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('TOTP', () => {
  it('answers matching prompts with the current code from a base32 secret', async () => {
    const store = new CredentialStore({ mode: 'memory' });
    await store.setTotp('h1', { secret: RFC_SECRET.toLowerCase().replace(/(.{4})/g, '$1 ') });
    const code = await store.totpCode('h1', 'Verification code: ');
    expect(code).toMatch(/^\d{6}$/);
    expect(await store.totpCode('h1', 'Password: ')).toBeNull();
    expect(await store.totpCode('other', 'Verification code: ')).toBeNull();
  });

  it('matches RFC 6238 test vectors through an otpauth:// URI', () => {
    const entry = parseTotpSetup(`otpauth://totp/Lab:ops?secret=${RFC_SECRET}&algorithm=SHA1&digits=8&period=30`);
    expect(totpCode(entry, 59_000)).toBe('94287082');
    expect(totpCode(entry, 1_111_111_109_000)).toBe('07081804');
    expect(totpCode(entry, 2_000_000_000_000)).toBe('69279037');
  });

  it('uses the prompt pattern the user gives', () => {
    const entry = parseTotpSetup(RFC_SECRET, '^Duo passcode');
    expect(totpMatches(entry, 'Duo passcode: ')).toBe(true);
    expect(totpMatches(entry, 'Verification code: ')).toBe(false);
  });

  it('refuses bad input without repeating it', () => {
    const attempts = ['not base32 at all!', 'ABC', 'otpauth://hotp/x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=1', 'otpauth://totp/%%%'];
    for (const secret of attempts) {
      let error: unknown;
      try {
        parseTotpSetup(secret);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(HoplineError);
      expect((error as HoplineError).code).toBe('INVALID_ARGUMENT');
      expect((error as HoplineError).message).not.toContain(secret);
    }
    expect(() => parseTotpSetup(RFC_SECRET, '(')).toThrow(/not a valid regular expression/);
  });
});
