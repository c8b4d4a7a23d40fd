/**
 * sshCertificate.ts against certificates made by the real ssh-keygen: every field agrees with
 * `ssh-keygen -L`, the CA signature verifies for each CA key type (and fails when a byte of the
 * signed part changes), and the pre-send checks name what is wrong.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, describe, expect, it } from 'vitest';
import {
  certTime,
  FOREVER,
  parseCertificate,
  parseCertificateLine,
  userCertificateProblem,
  verifyCertificateSignature,
} from '../../../../../app/main/services/engine/sshCertificate';

const dir = mkdtempSync(join(tmpdir(), 'hopline-cert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const keygen = (...args: string[]): string => execFileSync('ssh-keygen', args, { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
let n = 0;
function key(type: string): string {
  const path = join(dir, `k${n++}`);
  keygen('-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', '', '-C', '', '-f', path);
  return path;
}
function sign(ca: string, user: string, ...opts: string[]): string {
  keygen('-q', '-s', ca, ...opts, `${user}.pub`);
  return `${user}-cert.pub`;
}

/** The fields of `ssh-keygen -L`, by label (multi-line ones as lists). */
function listing(certFile: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  let list: string[] | null = null;
  for (const line of keygen('-L', '-f', certFile).split('\n').slice(1)) {
    const m = /^ {8}([A-Za-z ]+): ?(.*)$/.exec(line);
    if (m) {
      list = null;
      if (m[2] === '') out[m[1]!] = list = [];
      else out[m[1]!] = m[2]!;
    } else if (list && line.trim()) list.push(line.trim());
  }
  return out;
}

const CA_TYPES = [
  ['ed25519', 'ED25519', 'ssh-ed25519'],
  ['ecdsa', 'ECDSA', 'ecdsa-sha2-nistp256'],
  ['rsa', 'RSA', 'rsa-sha2-512'],
] as const;

describe('parseCertificate agrees with ssh-keygen -L', () => {
  for (const [caType, caLabel, sigAlg] of CA_TYPES) {
    it(`a user certificate signed by an ${caType} CA`, () => {
      const ca = key(caType);
      const user = key('ed25519');
      const file = sign(ca, user, '-I', 'alice@corp', '-n', 'bench,root', '-z', '42', '-O', 'force-command=/bin/true', '-V', '20260101000000:20270101120000');
      const cert = parseCertificateLine(readFileSync(file, 'utf8'));
      const l = listing(file);
      expect(l['Type']).toBe(`${cert.certType} ${cert.kind} certificate`);
      expect(l['Signing CA']).toBe(`${caLabel} ${cert.signatureKeyFingerprint} (using ${cert.signatureAlgorithm})`);
      expect(cert.signatureAlgorithm).toBe(sigAlg);
      expect(l['Key ID']).toBe(`"${cert.keyId}"`);
      expect(l['Serial']).toBe(String(cert.serial));
      expect(l['Valid']).toBe(`from ${certTime(cert.validAfter).replace('Z', '')} to ${certTime(cert.validBefore).replace('Z', '')}`);
      expect(l['Principals']).toEqual(cert.principals);
      expect(l['Critical Options']).toEqual(cert.criticalOptions.map((o) => `${o.name} ${o.value}`));
      expect(l['Extensions']).toEqual(cert.extensions.map((e) => e.name));
      expect(cert.keyId).toBe('alice@corp');
      expect(cert.principals).toEqual(['bench', 'root']);
      // The certified key is the user's own public key.
      const pub = ssh2.utils.parseKey(readFileSync(`${user}.pub`));
      if (pub instanceof Error) throw pub;
      expect(cert.publicKey.equals(pub.getPublicSSH())).toBe(true);
      expect(verifyCertificateSignature(cert)).toBe(true);
    });
  }

  it('an RSA key certified forever with no principals, and a host certificate', () => {
    const ca = key('ed25519');
    const user = key('rsa');
    const file = sign(ca, user, '-I', 'forever');
    const cert = parseCertificateLine(readFileSync(file, 'utf8'));
    expect(listing(file)['Valid']).toBe('forever');
    expect(cert.validBefore).toBe(FOREVER);
    expect(cert.keyType).toBe('ssh-rsa');
    expect(cert.principals).toEqual([]);
    expect(userCertificateProblem(cert, 'anyone')).toBeNull();
    const host = sign(ca, key('ecdsa'), '-h', '-I', 'host1', '-n', 'target');
    const hostCert = parseCertificateLine(readFileSync(host, 'utf8'));
    expect(hostCert.kind).toBe('host');
    expect(listing(host)['Type']).toBe(`${hostCert.certType} host certificate`);
    expect(userCertificateProblem(hostCert, 'bench')).toMatch(/host certificate/);
  });
});

describe('checks before sending', () => {
  const ca = key('ed25519');
  const user = key('ed25519');
  const t = (iso: string) => Math.floor(Date.parse(iso) / 1000);

  it('names expiry, not-yet-valid and a wrong principal; empty principals mean anyone', () => {
    const cert = parseCertificateLine(readFileSync(sign(ca, user, '-I', 'ops-7', '-n', 'bench', '-V', '20260101000000:20260201000000'), 'utf8'));
    expect(userCertificateProblem(cert, 'bench', t('2026-01-15T00:00:00Z'))).toBeNull();
    expect(userCertificateProblem(cert, 'bench', t('2026-02-01T00:00:00Z'))).toBe('certificate "ops-7" expired at 2026-02-01T00:00:00Z');
    expect(userCertificateProblem(cert, 'bench', t('2025-12-31T00:00:00Z'))).toBe('certificate "ops-7" is not valid before 2026-01-01T00:00:00Z');
    expect(userCertificateProblem(cert, 'root', t('2026-01-15T00:00:00Z'))).toBe('certificate "ops-7" is not valid for user root (principals: bench)');
  });

  it('refuses a certificate whose signed part was altered', () => {
    const cert = parseCertificateLine(readFileSync(sign(ca, user, '-I', 'key-id-marker-x', '-n', 'bench'), 'utf8'));
    const blob = Buffer.from(cert.blob);
    // Flip a byte of the key id: still parses, no longer verifies. The id is long
    // enough that random nonce or key bytes cannot match it by chance.
    const at = blob.indexOf(Buffer.from('key-id-marker-x', 'utf8')) + 'key-id-marker-'.length;
    blob[at] = 'y'.charCodeAt(0);
    const forged = parseCertificate(blob);
    expect(forged.keyId).toBe('key-id-marker-y');
    expect(verifyCertificateSignature(forged)).toBe(false);
    expect(userCertificateProblem(forged, 'bench')).toMatch(/signature its CA key \(SHA256:.+\) does not verify/);
  });

  it('rejects what is not a certificate, and truncated blobs', () => {
    expect(() => parseCertificateLine(readFileSync(`${user}.pub`, 'utf8'))).toThrow(/not an OpenSSH certificate/);
    const cert = parseCertificateLine(readFileSync(sign(ca, user, '-I', 'z'), 'utf8'));
    expect(() => parseCertificate(cert.blob.subarray(0, cert.blob.length - 5))).toThrow(/truncated/);
  });
});
