/** The certificate step (userCertificate.ts): what goes with a key, and what stops the hop before anything is sent. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withUserCertificate } from '../../../../../../app/main/services/engine/auth/userCertificate';
import { ErrorCode, HoplineError } from '../../../../../../app/shared/model/errors';
import { FakeSession } from './fakeAuthSession';

const dir = mkdtempSync(join(tmpdir(), 'hopline-usercert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const keygen = (...args: string[]) => execFileSync('ssh-keygen', ['-q', ...args], { stdio: 'pipe' });
keygen('-t', 'ed25519', '-N', '', '-f', join(dir, 'ca'));
let n = 0;
/** A fresh key, certified by the CA with `opts` (-n principals, -V validity) unless opts is null. */
function certifiedKey(opts: string[] | null, id = `id-${n}`): { file: string; auth: { type: 'publickey'; username: string; key: Buffer } } {
  const file = join(dir, `k${n++}`);
  keygen('-t', 'ed25519', '-N', '', '-f', file);
  if (opts) keygen('-s', join(dir, 'ca'), '-I', id, ...opts, `${file}.pub`);
  return { file, auth: { type: 'publickey', username: 'ops', key: readFileSync(file) } };
}

describe('withUserCertificate', () => {
  it('sends the key alone when it has no certificate', async () => {
    const { file, auth } = certifiedKey(null);
    const session = new FakeSession();
    expect(await withUserCertificate(session, { kind: 'publickey', keyFile: file }, auth)).toEqual({ auth });
    expect(session.lines).toEqual([]);
  });

  it('adds a valid certificate and logs its key id and CA', async () => {
    const { file, auth } = certifiedKey(['-n', 'ops'], 'ops@example');
    const session = new FakeSession();
    const offer = await withUserCertificate(session, { kind: 'publickey', keyFile: file }, auth);
    expect(offer.auth).toMatchObject({ ...auth, certificate: expect.any(Buffer) });
    expect(offer.triedAs).toBe('publickey with certificate "ops@example"');
    expect(session.lines).toEqual([expect.stringMatching(new RegExp(`^key ${file} with certificate "ops@example" \\(${file}-cert\\.pub, CA SHA256:`))]);
  });

  it('stops the hop on a named certificate the server would refuse, naming the hop and the file', async () => {
    const { file, auth } = certifiedKey(['-n', 'someone-else'], 'wrong-user');
    const session = new FakeSession();
    const error = await withUserCertificate(session, { kind: 'publickey', keyFile: file, certificateFile: `${file}-cert.pub` }, auth).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HoplineError);
    expect((error as HoplineError).code).toBe(ErrorCode.AUTH_FAILED);
    expect((error as HoplineError).message).toBe(`Not sent to hop 1 (bastion) at ops@10.0.0.1:22: certificate "wrong-user" is not valid for user ops (principals: someone-else) (${file}-cert.pub)`);
  });

  it('names a certificate from the hop CertificateFile list too', async () => {
    const { file, auth } = certifiedKey(['-n', 'ops', '-V', '20200101:20200102'], 'old');
    const session = new FakeSession({ certificateFiles: [`${file}-cert.pub`] });
    await expect(withUserCertificate(session, { kind: 'publickey', keyFile: file }, auth)).rejects.toThrow(/^Not sent to hop 1 \(bastion\).*expired/);
  });

  it('offers the key alone, with a log line, when a certificate found beside it is unusable', async () => {
    const { file, auth } = certifiedKey(['-n', 'ops', '-V', '20200101:20200102'], 'expired');
    const session = new FakeSession();
    expect(await withUserCertificate(session, { kind: 'publickey', keyFile: file }, auth)).toEqual({ auth });
    expect(session.lines).toEqual([expect.stringMatching(new RegExp(`^not offering ${file}-cert\\.pub: certificate "expired" .*expired.*; offering the key alone$`))]);
  });
});
