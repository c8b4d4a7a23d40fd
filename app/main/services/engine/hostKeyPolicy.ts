/**
 * Host-key decisions for a hop, made before any credential leaves: the user's ~/.ssh/known_hosts
 * and the app's own known_hosts are consulted under the hop's configured name and port (never a
 * forwarded address). Unknown keys are put to the person. A changed key is refused, or (where
 * the shell offers it: the app, not the CLI) put to the person with the saved key beside it, who
 * may replace the saved line after checking the new key out of band. Revoked and CA-covered keys
 * are refused outright, with no way to click through, as ssh does.
 */
import { homedir } from 'node:os';
import path from 'node:path';
import { ErrorCode, HoplineError, type HopRef } from '../../../shared/model/errors';
import { hopName, hopNameAtStart } from '../../../shared/model/hopName';
import type { HostCertificateNote, HostKeyChange, HostKeyDecision } from '../../../shared/model/prompt';
import { toPlainText } from '../../../shared/model/plainText';
import { appendKnownHost, certAuthorityCovers, checkHostCertificate, checkHostKey, keyTypeOfBlob, KnownHostsChangedError, readKnownHostsSources, removeKnownHostsLines, sha256Fingerprint, type HostKeyVerdict, type KnownHostsSource, type KnownHostsWarning, type PreviousKey } from './knownHosts';
import { certTime, isCertificateType, parseCertificate, type SshCertificate } from './sshCertificate';

export interface HostKeyFiles {
  /** Read only: the user's own files (OpenSSH's UserKnownHostsFile). */
  userFiles: string[];
  /** Read and appended to by "accept and save": same format, so OpenSSH can read it too. */
  appFile: string;
  /**
   * Put a changed key to the person, who may replace the saved one, instead of refusing outright.
   * The app turns it on; the CLI leaves it off and refuses, as ssh does.
   */
  replaceChangedKeys?: boolean;
}

export function defaultHostKeyFiles(dataDir: string): HostKeyFiles {
  return { userFiles: [path.join(homedir(), '.ssh', 'known_hosts')], appFile: path.join(dataDir, 'known_hosts') };
}

export interface HostKeyOutcome {
  /** The plain key's type and fingerprint, for a certificate too (as ssh prints them). */
  type: string;
  sha256: string;
  how: 'known' | 'accepted-once' | 'saved' | 'replaced' | 'certified';
  /** The host certificate a trusted CA signed, when `how` is 'certified'. */
  certificate?: HostCertificateNote;
}

export type AskHostKey = (key: { host: string; port: number; type: string; sha256: string; otherKnownTypes: string[]; changed?: HostKeyChange; certificate?: HostCertificateNote }) => Promise<HostKeyDecision>;

/** OpenSSH's default certificate host-key algorithms, in its order (ssh-rsa-cert-v01 went in 8.8). */
export const CERT_HOST_KEY_ALGORITHMS = [
  'ssh-ed25519-cert-v01@openssh.com',
  'ecdsa-sha2-nistp256-cert-v01@openssh.com',
  'ecdsa-sha2-nistp384-cert-v01@openssh.com',
  'ecdsa-sha2-nistp521-cert-v01@openssh.com',
  'rsa-sha2-512-cert-v01@openssh.com',
  'rsa-sha2-256-cert-v01@openssh.com',
];
/** ssh2's default plain host-key algorithms, in its order. */
const PLAIN_HOST_KEY_ALGORITHMS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

/**
 * The host-key algorithms to offer a hop, or undefined for ssh2's defaults. As OpenSSH's
 * order_hostkeyalgs: when an @cert-authority line covers the host, every certificate algorithm
 * goes first, so a host with a certificate presents it. Otherwise certificates are not offered:
 * with no CA to check them against they would only be dropped back to the plain key.
 */
export async function hostKeyAlgorithmsFor(files: HostKeyFiles, host: string, port: number): Promise<string[] | undefined> {
  const sources = await readKnownHostsSources([...files.userFiles, files.appFile]);
  return certAuthorityCovers(sources, host, port) ? [...CERT_HOST_KEY_ALGORITHMS, ...PLAIN_HOST_KEY_ALGORITHMS] : undefined;
}

function where(hop: HopRef, host: string, port: number): string {
  return `${hopName(hop)} at ${host}:${port}`;
}

/** What the known_hosts files say about the presented key: a certificate is read, then checked as ssh does. */
function check(sources: KnownHostsSource[], hop: HopRef, host: string, port: number, blob: Buffer): { type: string; blob: Buffer; verdict: HostKeyVerdict; warnings: KnownHostsWarning[]; certificate?: HostCertificateNote } {
  const presented = keyTypeOfBlob(blob);
  if (!isCertificateType(presented)) return { type: presented, blob, ...checkHostKey(sources, host, port, { type: presented, blob }) };
  let cert: SshCertificate;
  try {
    cert = parseCertificate(blob);
  } catch (error) {
    throw new HoplineError(ErrorCode.HOST_KEY_REJECTED, `${where(hop, host, port)} presented a host certificate Hopline cannot read (${(error as Error).message}).`, hop);
  }
  const { verdict, warnings, problem } = checkHostCertificate(sources, host, port, cert);
  const authority = verdict.kind === 'certified' ? `${displayPath(verdict.source)}:${verdict.line}` : undefined;
  const certificate: HostCertificateNote = {
    keyId: toPlainText(cert.keyId, 200),
    ca: cert.signatureKeyFingerprint,
    validAfter: certTime(cert.validAfter),
    validBefore: certTime(cert.validBefore),
    principals: cert.principals.slice(0, 50).map((p) => toPlainText(p, 200)),
    ...(problem ? { problem: toPlainText(problem, 600) } : {}),
    ...(authority ? { authority } : {}),
  };
  return { type: cert.keyType, blob: cert.publicKey, verdict, warnings, certificate };
}

export async function verifyHostKey(files: HostKeyFiles, hop: HopRef, host: string, port: number, presented: Buffer, ask: AskHostKey, log: (line: string) => void): Promise<HostKeyOutcome> {
  const sources = await readKnownHostsSources([...files.userFiles, files.appFile]);
  // For a certificate, `type` and `blob` are its plain key: what ssh saves and fingerprints.
  const { type, blob, verdict, warnings, certificate } = check(sources, hop, host, port, presented);
  const sha256 = sha256Fingerprint(blob);
  for (const w of warnings) log(`known_hosts: ${w.source}:${w.line} ignored (${w.reason})`);
  if (certificate?.problem) log(`host certificate "${certificate.keyId}" not accepted: ${certificate.problem}; checking its plain key ${type} ${sha256}, as ssh does`);
  const note = certificate ? { certificate } : {};

  switch (verdict.kind) {
    case 'certified':
      log(`host certificate "${certificate!.keyId}" for ${type} ${sha256} signed by CA ${certificate!.ca} (${verdict.source}:${verdict.line}), valid until ${certificate!.validBefore}`);
      return { type, sha256, how: 'certified', ...note };
    case 'trusted':
      log(`host key ${type} ${sha256} matches ${verdict.source}:${verdict.line}`);
      return { type, sha256, how: 'known' };
    case 'revoked': {
      const at = `${displayPath(verdict.source)} line ${verdict.line}`;
      const what = certificate?.problem ? `a host certificate ("${certificate.keyId}") for the ${type} key ${sha256}, but ${certificate.problem} (${at})` : `the ${type} key ${sha256}, which ${at} marks @revoked`;
      throw new HoplineError(ErrorCode.HOST_KEY_REVOKED, `${hopNameAtStart(hop)} at ${host}:${port} presented ${what}. Hopline refuses a revoked key, as ssh does.`, hop);
    }
    case 'changed': {
      const previous = verdict.previous.map((p) => `${p.sha256} (${p.source}:${p.line})`).join(', ');
      const refusal = new HoplineError(ErrorCode.HOST_KEY_CHANGED, `The host key of ${where(hop, host, port)} has CHANGED. Known: ${previous}. Presented: ${type} ${sha256}. This may be an attack; Hopline will not connect until the old entry is removed.`, hop);
      if (!files.replaceChangedKeys) throw refusal;
      log(`host key ${type} ${sha256} differs from the saved ${previous}; asking`);
      const decision = await ask({ host, port, type, sha256, otherKnownTypes: [], changed: { saved: verdict.previous.map((p) => savedKey(files, p)) }, ...note });
      if (decision === 'reject') throw new HoplineError(ErrorCode.HOST_KEY_REJECTED, `You chose not to connect to ${where(hop, host, port)}: its host key has changed (saved ${previous}; presented ${type} ${sha256}).`, hop);
      // An unknown key's answers never accept a changed one: only a replace does.
      if (decision !== 'replace' && decision !== 'replace-in-user-file') throw refusal;
      await replaceSavedKeys(files, hop, host, port, verdict.previous, decision, log);
      await appendKnownHost(files.appFile, host, port, type, blob).catch((error: unknown) => {
        throw unwritable(files.appFile, hop, error);
      });
      log(`host key ${type} ${sha256} saved to ${files.appFile} in place of the old one`);
      return { type, sha256, how: 'replaced' };
    }
    case 'cert-authority':
    case 'unknown': {
      // A plain key where only a CA is trusted is new to us, as in ssh: asked about, never trusted.
      const knownTypes = verdict.kind === 'unknown' ? verdict.knownTypes : [];
      const why = verdict.kind === 'cert-authority' ? ` (only a CA is trusted for this host, ${verdict.source}:${verdict.line}, and the key is not certified)` : knownTypes.length ? ` (known types for this host: ${knownTypes.join(', ')})` : '';
      log(`host key ${type} ${sha256} is unknown${why}; asking`);
      const decision = await ask({ host, port, type, sha256, otherKnownTypes: knownTypes, ...note });
      if (decision === 'reject') throw new HoplineError(ErrorCode.HOST_KEY_REJECTED, `The host key of ${where(hop, host, port)} (${type} ${sha256}) was rejected${certificate?.problem ? `; its certificate was not accepted: ${certificate.problem}` : ''}.`, hop);
      if (decision === 'accept-and-save') {
        await appendKnownHost(files.appFile, host, port, type, blob);
        log(`host key saved to ${files.appFile}`);
        return { type, sha256, how: 'saved' };
      }
      log('host key accepted for this connection only');
      return { type, sha256, how: 'accepted-once' };
    }
  }
}

/** `~` for the home directory: the dialog shows where a key was found without the full home path. */
function displayPath(file: string): string {
  const home = homedir();
  return file === home || file.startsWith(`${home}${path.sep}`) ? `~${file.slice(home.length)}` : file;
}

function savedKey(files: HostKeyFiles, p: PreviousKey): HostKeyChange['saved'][number] {
  return { type: p.type, sha256: p.sha256, file: displayPath(p.source), line: p.line, owner: p.source === files.appFile ? 'hopline' : 'user', hashed: p.hashed, otherNames: p.otherNames };
}

function unwritable(file: string, hop: HopRef, error: unknown): HoplineError {
  const code = (error as NodeJS.ErrnoException).code;
  return new HoplineError(ErrorCode.KNOWN_HOSTS_UNWRITABLE, `Could not update ${displayPath(file)} for ${hopName(hop)}${code ? ` (${code})` : ''}; the saved key was not replaced.`, hop);
}

/**
 * Removes the saved lines the person was shown, file by file, with the file names and lines
 * found here (nothing the renderer sent names a file). A line in the user's own known_hosts is
 * removed only when the person confirmed editing that file.
 */
async function replaceSavedKeys(files: HostKeyFiles, hop: HopRef, host: string, port: number, previous: PreviousKey[], decision: 'replace' | 'replace-in-user-file', log: (line: string) => void): Promise<void> {
  const bySource = new Map<string, PreviousKey[]>();
  for (const p of previous) bySource.set(p.source, [...(bySource.get(p.source) ?? []), p]);
  const userSources = [...bySource.keys()].filter((source) => source !== files.appFile);
  if (userSources.length > 0 && decision !== 'replace-in-user-file') {
    throw new HoplineError(ErrorCode.HOST_KEY_REJECTED, `The saved key of ${hopName(hop)} is in ${userSources.map(displayPath).join(', ')}, and editing that file was not confirmed; nothing was changed.`, hop);
  }
  // Hopline's own file first: a failure there leaves the user's file untouched.
  const order = [...bySource.keys()].sort((a, b) => Number(b === files.appFile) - Number(a === files.appFile));
  for (const source of order) {
    const lines = bySource.get(source) ?? [];
    try {
      const { backup, removed } = await removeKnownHostsLines(source, host, port, lines);
      log(`known_hosts: removed ${source} line${removed.length > 1 ? 's' : ''} ${removed.join(', ')}; the previous file is kept as ${backup}`);
    } catch (error) {
      if (error instanceof KnownHostsChangedError) {
        throw new HoplineError(ErrorCode.KNOWN_HOSTS_CHANGED, `${displayPath(source)} changed while you were deciding: line ${error.line} no longer holds the saved key of ${hopName(hop)}, so Hopline left that file as it is. Connect again to see what it holds now.`, hop);
      }
      throw unwritable(source, hop, error);
    }
  }
}
