/**
 * Host certificates through the host-key policy, with certificates made by the real ssh-keygen:
 * a certificate from a CA an @cert-authority line trusts for the host is accepted without asking;
 * one for another name, expired, from an unknown CA or carrying critical options is dropped back
 * to its plain key, which is then checked as any key (asked about, or trusted if saved), as ssh
 * does; a revoked CA or key is refused outright. The algorithms offered follow OpenSSH's order.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { CERT_HOST_KEY_ALGORITHMS, hostKeyAlgorithmsFor, verifyHostKey, type AskHostKey, type HostKeyFiles } from '../../../../../app/main/services/engine/hostKeyPolicy';
import { sha256Fingerprint } from '../../../../../app/main/services/engine/knownHosts';
import { hostCertificateProblem, parseCertificateLine } from '../../../../../app/main/services/engine/sshCertificate';
import { ErrorCode, HoplineError } from '../../../../../app/shared/model/errors';
import { hostCertificateFacts } from '../../../../../app/shared/model/hostCertificateFacts';
import type { HostKeyDecision } from '../../../../../app/shared/model/prompt';

const root = mkdtempSync(join(tmpdir(), 'hopline-hostcert-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const keygen = (...args: string[]): string => execFileSync('ssh-keygen', args, { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });

let n = 0;
function key(type = 'ed25519'): { file: string; line: string; blob: Buffer } {
  const file = join(root, `k${n++}`);
  keygen('-q', '-t', type, '-N', '', '-C', '', '-f', file);
  const [t, b64] = readFileSync(`${file}.pub`, 'utf8').trim().split(' ') as [string, string];
  return { file, line: `${t} ${b64}`, blob: Buffer.from(b64, 'base64') };
}
/** A host certificate for `host` signed by `ca`; returns its blob and file. */
function hostCert(ca: { file: string }, host: { file: string }, ...opts: string[]): { blob: Buffer; file: string } {
  keygen('-q', '-s', ca.file, '-h', ...opts, `${host.file}.pub`);
  const file = `${host.file}-cert.pub`;
  return { file, blob: Buffer.from(readFileSync(file, 'utf8').trim().split(' ')[1]!, 'base64') };
}

const ca = key();
const otherCa = key();
const hostKey = key('ecdsa');
const hostKeyEd = key();
const HOST = 'db.internal.example';
const hop = { index: 0, name: 'db' };

function files(text: string): HostKeyFiles {
  const dir = join(root, `case-${n++}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'known_hosts'), text);
  return { userFiles: [], appFile: join(dir, 'known_hosts') };
}
async function verify(known: HostKeyFiles, blob: Buffer, decision: HostKeyDecision = 'reject') {
  const ask = vi.fn<AskHostKey>(async () => decision);
  const log: string[] = [];
  const outcome = await verifyHostKey(known, hop, HOST, 22, blob, ask, (line) => log.push(line)).catch((e: unknown) => e as HoplineError);
  return { outcome, ask, log };
}

describe('a host certificate', () => {
  it('from a CA trusted for the host is accepted without asking, reported with the plain key and the CA', async () => {
    const cert = hostCert(ca, hostKey, '-I', 'db-2026', '-n', `${HOST},db`, '-V', '-5m:+1d');
    const known = files(`@cert-authority *.internal.example ${ca.line}\n`);
    const { outcome, ask } = await verify(known, cert.blob);
    expect(ask).not.toHaveBeenCalled();
    expect(outcome).toMatchObject({ how: 'certified', type: 'ecdsa-sha2-nistp256', sha256: sha256Fingerprint(hostKey.blob), certificate: { keyId: 'db-2026', ca: sha256Fingerprint(ca.blob), principals: [HOST, 'db'], authority: `${known.appFile}:1` } });
    expect((outcome as { certificate: { problem?: string } }).certificate.problem).toBeUndefined();
    // Nothing is saved: the CA vouches for it.
    expect(readFileSync(known.appFile, 'utf8')).toBe(`@cert-authority *.internal.example ${ca.line}\n`);
  });

  it('with no principals is valid for any host, as in ssh; ed25519 host keys too', async () => {
    const cert = hostCert(ca, hostKeyEd, '-I', 'any');
    const { outcome } = await verify(files(`@cert-authority * ${ca.line}\n`), cert.blob);
    expect(outcome).toMatchObject({ how: 'certified', type: 'ssh-ed25519', sha256: sha256Fingerprint(hostKeyEd.blob) });
  });

  it('for another name is not accepted: its plain key is asked about, with the reason, and rejecting names the hop', async () => {
    const cert = hostCert(ca, hostKey, '-I', 'web', '-n', 'web.internal.example');
    const { outcome, ask } = await verify(files(`@cert-authority * ${ca.line}\n`), cert.blob);
    expect(ask).toHaveBeenCalledTimes(1);
    const asked = ask.mock.calls[0]![0];
    expect(asked).toMatchObject({ type: 'ecdsa-sha2-nistp256', sha256: sha256Fingerprint(hostKey.blob), certificate: { keyId: 'web', problem: `host certificate "web" is not valid for host ${HOST} (principals: web.internal.example)` } });
    expect(outcome).toBeInstanceOf(HoplineError);
    expect((outcome as HoplineError).code).toBe(ErrorCode.HOST_KEY_REJECTED);
    expect((outcome as HoplineError).message).toContain('hop 1 (db)');
    expect((outcome as HoplineError).message).toContain('its certificate was not accepted: host certificate "web" is not valid for host');
  });

  it('whose plain key is already saved is trusted through that line, as ssh retries with the plain key', async () => {
    const cert = hostCert(otherCa, hostKey, '-I', 'stranger', '-n', HOST);
    const { outcome, ask, log } = await verify(files(`@cert-authority * ${ca.line}\n${HOST} ${hostKey.line}\n`), cert.blob);
    expect(ask).not.toHaveBeenCalled();
    expect(outcome).toMatchObject({ how: 'known', sha256: sha256Fingerprint(hostKey.blob) });
    expect(log.join('\n')).toContain(`signed by CA ${sha256Fingerprint(otherCa.blob)}, which no @cert-authority line for ${HOST} trusts`);
  });

  it('accepted and saved by the person saves the plain key, which ssh reads back', async () => {
    const cert = hostCert(otherCa, hostKey, '-I', 'stranger');
    const known = files(`@cert-authority * ${ca.line}\n`);
    const { outcome } = await verify(known, cert.blob, 'accept-and-save');
    expect(outcome).toMatchObject({ how: 'saved' });
    expect(readFileSync(known.appFile, 'utf8')).toContain(`\n${HOST} ${hostKey.line}\n`);
    expect(keygen('-F', HOST, '-f', known.appFile)).toContain(hostKey.line);
  });

  it('expired, not yet valid, or with critical options is not accepted', () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = parseCertificateLine(readFileSync(hostCert(ca, hostKey, '-I', 'old', '-V', '-2d:-1d').file, 'utf8'));
    expect(hostCertificateProblem(expired, HOST, now)).toMatch(/^host certificate "old" expired at \d{4}-/);
    const future = parseCertificateLine(readFileSync(hostCert(ca, hostKey, '-I', 'soon', '-V', '+1d:+2d').file, 'utf8'));
    expect(hostCertificateProblem(future, HOST, now)).toMatch(/^host certificate "soon" is not valid before /);
    const optioned = parseCertificateLine(readFileSync(hostCert(ca, hostKey, '-I', 'opt', '-O', 'force-command=/bin/true').file, 'utf8'));
    expect(hostCertificateProblem(optioned, HOST, now)).toBe('host certificate "opt" carries critical options (force-command), which a host certificate may not');
    // A user certificate is never a host's.
    keygen('-q', '-s', ca.file, '-I', 'user', `${hostKeyEd.file}.pub`);
    const user = parseCertificateLine(readFileSync(`${hostKeyEd.file}-cert.pub`, 'utf8'));
    expect(hostCertificateProblem(user, HOST, now)).toBe('host certificate "user" is a user certificate, not a host certificate');
  });

  it('from a revoked CA, or for a revoked key, is refused outright without asking', async () => {
    const cert = hostCert(ca, hostKey, '-I', 'db', '-n', HOST);
    for (const revoked of [ca.line, hostKey.line]) {
      const { outcome, ask } = await verify(files(`@cert-authority * ${ca.line}\n@revoked * ${revoked}\n`), cert.blob);
      expect(ask).not.toHaveBeenCalled();
      expect((outcome as HoplineError).code).toBe(ErrorCode.HOST_KEY_REVOKED);
      expect((outcome as HoplineError).message).toContain(revoked === ca.line ? `its CA key ${sha256Fingerprint(ca.blob)} is marked @revoked` : 'its key is marked @revoked');
    }
  });

  it('that cannot be read is refused, naming the hop', async () => {
    const cert = hostCert(ca, hostKey, '-I', 'db');
    const { outcome } = await verify(files(`@cert-authority * ${ca.line}\n`), cert.blob.subarray(0, 60));
    expect((outcome as HoplineError).code).toBe(ErrorCode.HOST_KEY_REJECTED);
    expect((outcome as HoplineError).message).toMatch(/^hop 1 \(db\) at db\.internal\.example:22 presented a host certificate Hopline cannot read/);
  });

  it('is described with the facts ssh-keygen -L prints', () => {
    const cert = hostCert(ca, hostKey, '-I', 'db-facts', '-n', `${HOST},db`, '-V', '20260101000000:20270101000000');
    const listed = keygen('-L', '-f', cert.file);
    const facts = hostCertificateFacts({ keyId: 'db-facts', ca: sha256Fingerprint(ca.blob), validAfter: '2026-01-01T00:00:00Z', validBefore: '2027-01-01T00:00:00Z', principals: [HOST, 'db'] });
    expect(listed).toContain('Valid: from 2026-01-01T00:00:00 to 2027-01-01T00:00:00');
    expect(listed).toContain(`Signing CA: ED25519 ${sha256Fingerprint(ca.blob)}`);
    expect(facts).toBe(`Key ID "db-facts", signed by CA ${sha256Fingerprint(ca.blob)}, valid from 2026-01-01T00:00:00Z to 2027-01-01T00:00:00Z, for ${HOST}, db`);
  });
});

describe('host-key algorithms offered', () => {
  it('put every certificate algorithm first when an @cert-authority line covers the host, as OpenSSH', async () => {
    const algorithms = await hostKeyAlgorithmsFor(files(`@cert-authority *.internal.example ${ca.line}\n`), HOST, 22);
    expect(algorithms?.slice(0, CERT_HOST_KEY_ALGORITHMS.length)).toEqual(CERT_HOST_KEY_ALGORITHMS);
    expect(algorithms).toContain('ssh-ed25519');
  });

  it('are left to ssh2 (no certificates) when no CA covers the host', async () => {
    expect(await hostKeyAlgorithmsFor(files(`@cert-authority *.other.example ${ca.line}\n${HOST} ${hostKey.line}\n`), HOST, 22)).toBeUndefined();
    expect(await hostKeyAlgorithmsFor(files(`@cert-authority *.internal.example ${ca.line}\n`), HOST, 2222)).toBeUndefined();
  });
});
