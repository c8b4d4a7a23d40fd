/**
 * Signing in with a private key file. An encrypted key is opened with the saved passphrase, else
 * the person is asked (three tries); decrypting proves a passphrase right, so a ticked "remember"
 * is stored at once. The key then goes with its user certificate, if it has one (userCertificate.ts).
 */
import { readFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import type { AuthStep } from '../hopSpec';
import type { AuthOffer, AuthSession } from './authSession';
import type { StepAttempt } from './authSteps';
import { withUserCertificate } from './userCertificate';

// ssh2 is CommonJS; Node's ESM loader cannot see all of its named exports (utils), so take them off the default.
const { utils } = ssh2;

/** How often the person may try a passphrase before the key is skipped. */
const PASSPHRASE_TRIES = 3;

/** Null when the key cannot be used (unreadable, or no passphrase opened it): the step is skipped. */
export async function keyAuth(session: AuthSession, step: Extract<AuthStep, { kind: 'publickey' }>, entry: StepAttempt): Promise<AuthOffer | null> {
  const username = session.spec.user;
  let data: Buffer;
  try {
    data = await readFile(step.keyFile);
  } catch (error) {
    session.log(`cannot read key ${step.keyFile} (${(error as NodeJS.ErrnoException).code ?? 'error'}); skipping`);
    return null;
  }
  let parsed = utils.parseKey(data);
  const encrypted = (p: typeof parsed): boolean => p instanceof Error && /passphrase|encrypted|decrypt/i.test(p.message);
  let savedFailed = false;
  if (encrypted(parsed)) {
    const passphrase = await session.secrets.passphrase();
    if (passphrase !== null) {
      if (!(utils.parseKey(data, passphrase) instanceof Error)) {
        session.log(`key ${step.keyFile} decrypted with the saved passphrase`);
        return withUserCertificate(session, step, { type: 'publickey', username, key: data, passphrase });
      }
      savedFailed = true;
      session.log(`the saved passphrase does not decrypt ${step.keyFile}`);
    }
  }
  for (let i = 0; encrypted(parsed) && i < PASSPHRASE_TRIES; i++) {
    const reply = await session.ask({
      kind: 'passphrase',
      round: i + 1,
      name: 'Key passphrase',
      instructions: i > 0 ? 'That passphrase did not decrypt the key.' : savedFailed ? `The saved passphrase does not decrypt ${step.keyFile}.` : `The key ${step.keyFile} is encrypted.`,
      prompts: [{ text: `Passphrase for ${step.keyFile}:`, echo: false, remember: 'offer' }],
    });
    const passphrase = reply.answers[0] ?? '';
    const attempt = utils.parseKey(data, passphrase);
    if (!(attempt instanceof Error)) {
      // Decrypting proves the passphrase right, whatever the server thinks of the key.
      if (reply.remember[0]) entry.toRemember.push({ secret: { kind: 'passphrase' }, value: passphrase });
      session.secrets.commit(entry);
      return withUserCertificate(session, step, { type: 'publickey', username, key: data, passphrase });
    }
    parsed = attempt;
  }
  if (parsed instanceof Error) {
    session.log(`key ${step.keyFile} unusable (${parsed.message}); skipping`);
    return null;
  }
  return withUserCertificate(session, step, { type: 'publickey', username, key: data });
}
