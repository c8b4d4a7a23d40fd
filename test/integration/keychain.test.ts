/**
 * The credential store against a real Secret Service (gnome-keyring in a private D-Bus session),
 * through keytar: the same path the app takes on a Linux desktop.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialStore } from '../../app/main/services/credentials/credentialStore';
import { KEYCHAIN_SERVICE } from '../../app/main/services/credentials/keytarBackend';
import { secretServiceMissingReason, startSecretService, type SecretService } from '../helpers/secretService';
import { requirement } from '../setup/requirements';

const runs = requirement('a Secret Service (dbus-run-session + gnome-keyring-daemon)', secretServiceMissingReason());

describe.runIf(runs)('credential store on a real Secret Service', () => {
  let service: SecretService;
  beforeAll(async () => {
    service = await startSecretService();
    // Before keytar's first load: libsecret connects to this session bus.
    process.env.DBUS_SESSION_BUS_ADDRESS = service.address;
  });
  afterAll(async () => {
    delete process.env.DBUS_SESSION_BUS_ADDRESS;
    await service?.stop();
  });

  it('stores, reads, replaces, lists kinds and forgets, in the keychain under service "Hopline"', async () => {
    const store = new CredentialStore();
    expect(await store.status()).toEqual({ backend: 'keychain', unavailableReason: null });
    await store.remember('host-a', { kind: 'password' }, 'correct horse');
    await store.remember('host-a', { kind: 'passphrase' }, 'battery staple');
    await store.setTotp('host-a', { secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' });
    await store.remember('host-b', { kind: 'answer', promptText: 'Site PIN: ' }, '4242');

    // A second store (a restarted app) reads what the first wrote: it is in the keychain, not in memory.
    const again = new CredentialStore();
    expect(await again.get('host-a', 'password')).toBe('correct horse');
    expect(await again.get('host-a', 'passphrase')).toBe('battery staple');
    expect(await again.totpCode('host-a', 'Verification code: ')).toMatch(/^\d{6}$/);
    expect(await again.answer('host-b', 'Site PIN: ')).toBe('4242');

    // keytar sees the entries under the app's service name.
    const keytar = (await import('keytar')).default;
    const accounts = (await keytar.findCredentials(KEYCHAIN_SERVICE)).map((c) => c.account).sort();
    expect(accounts).toEqual(expect.arrayContaining(['password@host-a', 'passphrase@host-a', 'totp@host-a']));

    await again.remember('host-a', { kind: 'password' }, 'new password');
    expect(await store.get('host-a', 'password')).toBe('new password');

    expect(await store.listKinds()).toEqual(expect.arrayContaining([
      { hostId: 'host-a', kinds: ['password', 'passphrase', 'totp'] },
      { hostId: 'host-b', kinds: ['answer'] },
    ]));

    await store.forget('host-a');
    expect(await again.get('host-a', 'password')).toBeNull();
    expect(await again.kindsFor('host-a')).toEqual([]);
    expect(await again.kindsFor('host-b')).toEqual(['answer']);
    await store.forget('host-b');
    expect(await store.listKinds()).toEqual([]);
  });
});
