/**
 * Which OpenSSH user certificate goes with a private key, and whether it may be offered.
 *
 * As OpenSSH: a certificate is used with the key it certifies, looked for in the step's own
 * certificate file, then the hop's CertificateFile list (ssh_config), then `KEY-cert.pub` beside
 * the key. A certificate the user named that is expired, not yet valid, for other principals or
 * not signed by its CA stops the hop before anything is sent (sshd would refuse it and say
 * nothing useful); a `KEY-cert.pub` found by convention that fails the same checks is only
 * logged, and the key is offered alone, as OpenSSH would fall back to it.
 */
import { readFile } from 'node:fs/promises';
import { parseCertificateLine, userCertificateProblem, type SshCertificate } from './sshCertificate';

export interface ChosenCertificate {
  cert: SshCertificate;
  file: string;
  /** Named by the user (host settings or CertificateFile), not found beside the key. */
  explicit: boolean;
}

export interface CertificateChoice {
  chosen: ChosenCertificate | null;
  /** Why it must not be offered; set only with `chosen`. */
  problem: string | null;
  /** What was looked at and passed over, for the hop's log. */
  notes: string[];
}

/**
 * Finds the certificate for the key whose public blob is `publicKey`. `explicit` are the
 * user-named certificate files in order; `${keyFile}-cert.pub` is tried after them.
 */
export async function certificateFor(keyFile: string, publicKey: Buffer, explicit: readonly string[], user: string, nowSeconds?: number): Promise<CertificateChoice> {
  const notes: string[] = [];
  const candidates = [...new Set(explicit)].map((file) => ({ file, explicit: true }));
  const beside = `${keyFile}-cert.pub`;
  if (!explicit.includes(beside)) candidates.push({ file: beside, explicit: false });
  for (const { file, explicit: named } of candidates) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if (named) notes.push(`cannot read certificate ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      continue;
    }
    let cert: SshCertificate;
    try {
      cert = parseCertificateLine(text);
    } catch (error) {
      notes.push(`${file} is not a usable certificate: ${(error as Error).message}`);
      continue;
    }
    if (!cert.publicKey.equals(publicKey)) {
      if (named) notes.push(`certificate ${file} is for another key than ${keyFile}`);
      continue;
    }
    return { chosen: { cert, file, explicit: named }, problem: userCertificateProblem(cert, user, nowSeconds), notes };
  }
  return { chosen: null, problem: null, notes };
}
