import { toPlainText } from './plainText';
import type { HostCertificateNote } from './prompt';

/** The facts `ssh-keygen -L` prints about a host certificate, in one line (dialog, hop card and CLI alike). */
export function hostCertificateFacts(c: HostCertificateNote): string {
  const principals = c.principals.length ? c.principals.join(', ') : 'any host';
  return toPlainText(`Key ID "${c.keyId}", signed by CA ${c.ca}, valid from ${c.validAfter} to ${c.validBefore}, for ${principals}`, 800);
}
