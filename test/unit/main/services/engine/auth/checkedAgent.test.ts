/**
 * CheckedAgent against a real ssh-agent: certificates it holds are checked before any is
 * offered, as a certificate from a file is; an expired one and one for another user are held
 * back with the reason in the log, while plain keys and a good certificate pass through.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ParsedKey } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckedAgent } from '../../../../../../app/main/services/engine/auth/checkedAgent';

const dir = mkdtempSync(join(tmpdir(), 'hopline-checked-agent-'));
const socket = join(dir, 'agent.sock');
let agent: ChildProcess;
const keygen = (...args: string[]) => execFileSync('ssh-keygen', ['-q', ...args], { stdio: 'pipe' });

beforeAll(async () => {
  agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 20));
  keygen('-t', 'ed25519', '-N', '', '-f', join(dir, 'ca'));
  for (const [name, opts] of [['good', ['-n', 'ops', '-V', '-5m:+1h']], ['expired', ['-n', 'ops', '-V', '-2d:-1d']], ['other', ['-n', 'root']]] as const) {
    keygen('-t', 'ed25519', '-N', '', '-f', join(dir, name));
    keygen('-s', join(dir, 'ca'), '-I', `id-${name}`, ...opts, `${join(dir, name)}.pub`);
    // Adds the key and, from KEY-cert.pub beside it, its certificate.
    execFileSync('ssh-add', [join(dir, name)], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'pipe' });
  }
});
afterAll(() => {
  agent?.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('CheckedAgent', () => {
  it('offers plain keys and good certificates, and says why it held back the others', async () => {
    const log: string[] = [];
    const keys = await new Promise<ParsedKey[]>((resolve, reject) => new CheckedAgent(socket, 'ops', (l) => log.push(l)).getIdentities((err, k) => (err ? reject(err) : resolve((k ?? []) as ParsedKey[]))));
    const certs = keys.filter((k) => Buffer.isBuffer((k as { certificate?: Buffer }).certificate));
    expect(keys.length - certs.length).toBe(3);
    expect(certs).toHaveLength(1);
    expect((certs[0] as unknown as { certificate: Buffer }).certificate.includes(Buffer.from('id-good'))).toBe(true);
    expect(log).toHaveLength(2);
    expect(log.join('\n')).toMatch(/agent: not offering certificate "id-expired" expired at \d{4}-/);
    expect(log.join('\n')).toContain('agent: not offering certificate "id-other" is not valid for user ops (principals: root)');
  });
});
