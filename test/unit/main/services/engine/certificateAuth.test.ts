/**
 * Finding the certificate for a key (certificateAuth.ts), ssh_config's CertificateFile, and a
 * host's certificateFile on its way to the engine and back (hostToHop.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, describe, expect, it } from 'vitest';
import { certificateFor } from '../../../../../app/main/services/engine/certificateAuth';
import { circuitForAlias, exportSshConfig, parseSshConfig } from '../../../../../app/main/services/engine/sshConfig';
import { hopSpecForHost, hostSettingsFromHop } from '../../../../../app/main/services/profiles/hostToHop';
import { hostAuthMethodSchema } from '../../../../../app/shared/schema/hosts';

const dir = mkdtempSync(join(tmpdir(), 'hopline-certauth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const keygen = (...args: string[]) => execFileSync('ssh-keygen', ['-q', ...args], { stdio: 'pipe' });
keygen('-t', 'ed25519', '-N', '', '-f', join(dir, 'ca'));
let n = 0;
function key(): { file: string; pub: Buffer } {
  const file = join(dir, `k${n++}`);
  keygen('-t', 'ed25519', '-N', '', '-f', file);
  const parsed = ssh2.utils.parseKey(readFileSync(file));
  if (parsed instanceof Error) throw parsed;
  return { file, pub: parsed.getPublicSSH() };
}
const certify = (file: string, ...opts: string[]) => keygen('-s', join(dir, 'ca'), '-I', `id-${file.slice(-2)}`, ...opts, `${file}.pub`);

describe('certificateFor', () => {
  it('finds KEY-cert.pub beside the key, and none when there is none', async () => {
    const k = key();
    expect((await certificateFor(k.file, k.pub, [], 'bench')).chosen).toBeNull();
    certify(k.file, '-n', 'bench');
    const choice = await certificateFor(k.file, k.pub, [], 'bench');
    expect(choice.chosen?.file).toBe(`${k.file}-cert.pub`);
    expect(choice.chosen?.explicit).toBe(false);
    expect(choice.problem).toBeNull();
  });

  it('prefers a named certificate, skips one for another key (saying so), and reports a problem', async () => {
    const a = key();
    const b = key();
    certify(a.file, '-n', 'ops');
    certify(b.file, '-n', 'bench');
    const choice = await certificateFor(a.file, a.pub, [`${b.file}-cert.pub`, join(dir, 'missing-cert.pub')], 'bench');
    expect(choice.notes).toEqual([`certificate ${b.file}-cert.pub is for another key than ${a.file}`, `cannot read certificate ${join(dir, 'missing-cert.pub')} (ENOENT)`]);
    expect(choice.chosen?.file).toBe(`${a.file}-cert.pub`);
    expect(choice.problem).toBe(`certificate "id-${a.file.slice(-2)}" is not valid for user bench (principals: ops)`);
    const named = await certificateFor(b.file, b.pub, [`${b.file}-cert.pub`], 'bench');
    expect(named.chosen?.explicit).toBe(true);
  });

  it('passes over a file that is not a certificate', async () => {
    const k = key();
    const bogus = join(dir, 'bogus-cert.pub');
    writeFileSync(bogus, readFileSync(`${k.file}.pub`));
    const choice = await certificateFor(k.file, k.pub, [bogus], 'bench');
    expect(choice.chosen).toBeNull();
    expect(choice.notes[0]).toMatch(/is not a usable certificate: not an OpenSSH certificate/);
  });
});

describe('CertificateFile in ssh_config and on a host', () => {
  it('ssh_config CertificateFile accumulates, expanded, onto the hop; the import pairs it with the key', () => {
    const text = ['Host app', '  HostName 10.0.0.5', '  User bench', '  IdentityFile ~/.ssh/id_ed25519', '  CertificateFile ~/.ssh/id_ed25519-cert.pub', '  CertificateFile %d/certs/%r.pub', ''].join('\n');
    const opts = { homeDir: '/home/u', localUser: 'u' };
    const { hops } = circuitForAlias(parseSshConfig({ text, file: 'test.conf' }, opts), 'app', opts);
    expect(hops[0]!.certificateFiles).toEqual(['/home/u/.ssh/id_ed25519-cert.pub', '/home/u/certs/bench.pub']);
    const settings = hostSettingsFromHop(hops[0]!);
    expect(settings.auth[0]).toEqual({ kind: 'publickey', keyFile: '/home/u/.ssh/id_ed25519', certificateFile: '/home/u/.ssh/id_ed25519-cert.pub' });
  });

  it('an exported ssh_config keeps the certificate beside its key, and reads back', () => {
    const text = exportSshConfig([{ name: 'app', host: '10.0.0.5', port: 22, user: 'bench', auth: [{ kind: 'publickey', keyFile: '/k/id', certificateFile: '/k/id-cert.pub' }] }], 'app');
    expect(text).toMatch(/IdentityFile "\/k\/id"\n\s+CertificateFile "\/k\/id-cert.pub"/);
    const opts = { homeDir: '/home/u', localUser: 'u' };
    expect(circuitForAlias(parseSshConfig({ text, file: 'x.conf' }, opts), 'app', opts).hops[0]!.certificateFiles).toEqual(['/k/id-cert.pub']);
  });

  it("a host's certificateFile is validated, expanded and reaches the engine's step", () => {
    const method = { kind: 'publickey', keyFile: '~/.ssh/id_ed25519', certificateFile: '~/.ssh/id_ed25519-cert.pub' } as const;
    expect(hostAuthMethodSchema.parse(method)).toEqual(method);
    expect(hostAuthMethodSchema.safeParse({ ...method, certificateFile: 'a\u0007b' }).success).toBe(false);
    const spec = hopSpecForHost(
      { id: 'h1', name: 'app', address: 'app', port: 22, user: 'bench', auth: [method], agentForward: false, keepaliveIntervalSec: 0, keepaliveCountMax: 3, connectTimeoutSec: 10, proxy: null } as never,
      '/home/u',
    );
    expect(spec.auth[0]).toEqual({ kind: 'publickey', keyFile: '/home/u/.ssh/id_ed25519', certificateFile: '/home/u/.ssh/id_ed25519-cert.pub' });
  });
});
