/** The key-file step (keyAuth.ts): reading, decrypting with a saved or asked passphrase, skipping what cannot be used. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keyAuth } from '../../../../../../app/main/services/engine/auth/keyAuth';
import { attemptOf, FakeSession, typed, typedRemember } from './fakeAuthSession';

const dir = mkdtempSync(join(tmpdir(), 'hopline-keyauth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const keygen = (...args: string[]) => execFileSync('ssh-keygen', ['-q', ...args], { stdio: 'pipe' });
function keyFile(name: string, passphrase = ''): string {
  const file = join(dir, name);
  keygen('-t', 'ed25519', '-N', passphrase, '-f', file);
  return file;
}
const plain = keyFile('plain');
const locked = keyFile('locked', 'open sesame');
const step = (file: string) => ({ kind: 'publickey' as const, keyFile: file });

describe('keyAuth', () => {
  it('offers a plain key without asking anything', async () => {
    const session = new FakeSession();
    const offer = await keyAuth(session, step(plain), attemptOf(step(plain)));
    expect(offer?.auth).toMatchObject({ type: 'publickey', username: 'ops' });
    expect(offer?.auth.key).toBeInstanceOf(Buffer);
    expect(offer?.auth).not.toHaveProperty('passphrase');
    expect(offer?.triedAs).toBeUndefined();
    expect(session.questions).toEqual([]);
  });

  it('skips a key it cannot read, naming it', async () => {
    const session = new FakeSession();
    const missing = join(dir, 'missing');
    expect(await keyAuth(session, step(missing), attemptOf(step(missing)))).toBeNull();
    expect(session.lines).toEqual([`cannot read key ${missing} (ENOENT); skipping`]);
  });

  it('opens an encrypted key with the saved passphrase without asking', async () => {
    const session = new FakeSession();
    session.store.stored.set('passphrase', 'open sesame');
    const offer = await keyAuth(session, step(locked), attemptOf(step(locked)));
    expect(offer?.auth).toMatchObject({ passphrase: 'open sesame' });
    expect(session.questions).toEqual([]);
    expect(session.lines).toContain(`key ${locked} decrypted with the saved passphrase`);
  });

  it('asks when the saved passphrase is wrong, again after a wrong answer, and stores a ticked right one at once', async () => {
    const session = new FakeSession();
    session.store.stored.set('passphrase', 'stale');
    session.replies.push(typed('wrong'), typedRemember('open sesame'));
    const entry = attemptOf(step(locked));
    const offer = await keyAuth(session, step(locked), entry);
    expect(offer?.auth).toMatchObject({ passphrase: 'open sesame' });
    expect(session.questions.map((q) => q.instructions)).toEqual([`The saved passphrase does not decrypt ${locked}.`, 'That passphrase did not decrypt the key.']);
    expect(session.questions[0]).toMatchObject({ kind: 'passphrase', round: 1, prompts: [{ text: `Passphrase for ${locked}:`, echo: false, remember: 'offer' }] });
    // Decrypting proved it right: stored without waiting for the server.
    await new Promise((resolve) => setImmediate(resolve));
    expect(session.store.remembered).toEqual([{ secret: { kind: 'passphrase' }, value: 'open sesame' }]);
    expect(entry.toRemember).toEqual([]);
  });

  it('skips the key after three wrong passphrases', async () => {
    const session = new FakeSession({}, undefined);
    session.replies.push(typed('a'), typed('b'), typed('c'));
    expect(await keyAuth(session, step(locked), attemptOf(step(locked)))).toBeNull();
    expect(session.questions).toHaveLength(3);
    expect(session.questions[0]?.instructions).toBe(`The key ${locked} is encrypted.`);
    expect(session.lines.at(-1)).toMatch(new RegExp(`^key ${locked} unusable \\(.+\\); skipping$`));
  });

  it('passes a cancelled question on', async () => {
    const session = new FakeSession();
    const cancelled = new Error('cancelled');
    session.replies.push(cancelled);
    await expect(keyAuth(session, step(locked), attemptOf(step(locked)))).rejects.toBe(cancelled);
  });

  it('sends the certificate found beside the key, and names it for "Tried"', async () => {
    const file = keyFile('certified');
    keyFile('ca');
    keygen('-s', join(dir, 'ca'), '-I', 'ops-laptop', '-n', 'ops', `${file}.pub`);
    const session = new FakeSession();
    const offer = await keyAuth(session, step(file), attemptOf(step(file)));
    expect(offer?.auth.certificate).toBeInstanceOf(Buffer);
    expect(offer?.triedAs).toBe('publickey with certificate "ops-laptop"');
  });
});
