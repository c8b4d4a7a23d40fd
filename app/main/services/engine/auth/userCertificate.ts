/**
 * The certificate step of key authentication: a key's auth object gains its OpenSSH user
 * certificate (found and checked by certificateAuth.ts) when there is one. A certificate the
 * user named that sshd would refuse stops the hop here, before anything is sent; one found
 * beside the key by convention is only logged, and the key goes alone, as OpenSSH falls back.
 */
import ssh2 from 'ssh2';
import { ErrorCode, HoplineError } from '../../../../shared/model/errors';
import { certificateFor } from '../certificateAuth';
import { MAX_SERVER_TEXT_IN_MESSAGE } from '../hopErrors';
import type { AuthStep } from '../hopSpec';
import { sanitizeForMessage } from '../tcpConnect';
import type { AuthOffer, AuthSession } from './authSession';

// ssh2 is CommonJS; Node's ESM loader cannot see all of its named exports (utils), so take them off the default.
const { utils } = ssh2;

/** ssh2's auth object for a private key. */
export type KeyAuthObject = { type: 'publickey'; username: string; key: Buffer; passphrase?: string };

export async function withUserCertificate(session: AuthSession, step: Extract<AuthStep, { kind: 'publickey' }>, auth: KeyAuthObject): Promise<AuthOffer> {
  const parsed = utils.parseKey(auth.key, auth.passphrase);
  if (parsed instanceof Error) return { auth };
  const { spec } = session;
  const explicit = [...(step.certificateFile ? [step.certificateFile] : []), ...(spec.certificateFiles ?? [])];
  const choice = await certificateFor(step.keyFile, parsed.getPublicSSH(), explicit, spec.user);
  for (const note of choice.notes) session.log(note);
  if (!choice.chosen) return { auth };
  const { cert, file, explicit: named } = choice.chosen;
  const keyId = sanitizeForMessage(cert.keyId, MAX_SERVER_TEXT_IN_MESSAGE);
  if (choice.problem) {
    const why = sanitizeForMessage(choice.problem, MAX_SERVER_TEXT_IN_MESSAGE * 2);
    if (named) throw new HoplineError(ErrorCode.AUTH_FAILED, `Not sent to ${session.label}: ${why} (${file})`, session.ref);
    session.log(`not offering ${file}: ${why}; offering the key alone`);
    return { auth };
  }
  session.log(`key ${step.keyFile} with certificate "${keyId}" (${file}, CA ${cert.signatureKeyFingerprint})`);
  // The refusal names the certificate by its key id, so a person knows which one the server turned down.
  return { auth: { ...auth, certificate: cert.blob }, triedAs: `publickey with certificate "${keyId}"` };
}
