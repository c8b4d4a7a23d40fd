/** Reading and storing a hop's saved secrets (savedSecrets.ts): never for an unsaved host, never a value in the log. */
import { describe, expect, it } from 'vitest';
import { SavedSecrets } from '../../../../../../app/main/services/engine/auth/savedSecrets';
import { FakeSecrets } from './fakeAuthSession';

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('SavedSecrets', () => {
  it('reads each kind of secret for the saved host', async () => {
    const store = new FakeSecrets();
    store.stored.set('password', 'pw');
    store.stored.set('passphrase', 'pp');
    store.answers.set('Pet name: ', 'rex');
    store.totp = { pattern: /code/i, code: '123456' };
    const secrets = new SavedSecrets(store, 'h1', () => undefined);
    expect(await secrets.password()).toBe('pw');
    expect(await secrets.passphrase()).toBe('pp');
    expect(await secrets.answer('Pet name: ')).toBe('rex');
    expect(await secrets.totpCode('Verification code: ')).toBe('123456');
    expect(await secrets.totpCode('Password: ')).toBeNull();
  });

  it('asks nothing of the keychain for a hop that is not a saved host, and keeps nothing', async () => {
    const store = new FakeSecrets();
    store.stored.set('password', 'pw');
    const secrets = new SavedSecrets(store, undefined, () => undefined);
    expect(await secrets.password()).toBeNull();
    expect(store.reads).toBe(0);
    const entry = { toRemember: [{ secret: { kind: 'password' as const }, value: 'typed' }] };
    secrets.commit(entry);
    await flush();
    expect(store.remembered).toEqual([]);
    expect(entry.toRemember).toEqual([]);
  });

  it('treats a failing keychain as empty and logs the error name only', async () => {
    const store = new FakeSecrets();
    store.stored.set('password', 'secret-value');
    store.broken = true;
    const lines: string[] = [];
    const secrets = new SavedSecrets(store, 'h1', (line) => lines.push(line));
    expect(await secrets.password()).toBeNull();
    expect(lines).toEqual(['could not read the saved password (TypeError); asking instead']);
  });

  it('stores what was ticked once, and says so', async () => {
    const store = new FakeSecrets();
    const lines: string[] = [];
    const secrets = new SavedSecrets(store, 'h1', (line) => lines.push(line));
    const entry = { toRemember: [{ secret: { kind: 'answer' as const, promptText: 'Pet: ' }, value: 'rex' }] };
    secrets.commit(entry);
    secrets.commit(entry);
    await flush();
    expect(store.remembered).toEqual([{ secret: { kind: 'answer', promptText: 'Pet: ' }, value: 'rex' }]);
    expect(lines).toEqual(['saved the answer for next time']);
  });

  it('logs a store that cannot save', async () => {
    const store = new FakeSecrets();
    store.remember = () => Promise.reject(new RangeError('full'));
    const lines: string[] = [];
    new SavedSecrets(store, 'h1', (line) => lines.push(line)).commit({ toRemember: [{ secret: { kind: 'passphrase' }, value: 'x' }] });
    await flush();
    expect(lines).toEqual(['could not save the passphrase (RangeError)']);
  });
});
