/**
 * OpenSSH user certificates against the lab's real sshd (TrustedUserCAKeys on every host). The
 * user key here is in no authorized_keys file, so a login proves the certificate was accepted;
 * sshd's own log says which certificate (key id, CA). A certificate that is expired or names
 * other principals stops the hop before a single publickey request reaches its sshd. A
 * certificate loaded into ssh-agent is offered from there too.
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { CircuitEngine } from '../../app/main/services/engine/circuitEngine';
import type { HopSpec } from '../../app/main/services/engine/hopSpec';
import { PromptBroker } from '../../app/main/services/engine/promptBroker';
import { HoplineError } from '../../app/shared/model/errors';
import { execText } from '../helpers/ssh';
import type { LabHostName, LabStatus } from '../lab/lab';
import { requirement } from '../setup/requirements';

const lab = inject('lab');
const runs = requirement('the real-OpenSSH lab', lab ? null : (inject('labMissing') ?? 'lab not up'));

describe.runIf(runs)('user certificates against the lab', { timeout: 60_000 }, () => {
  const status = lab as LabStatus;
  const host = (name: LabHostName) => status.hosts.find((h) => h.name === name)!;
  let dir: string;
  let engine: CircuitEngine;
  let n = 0;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'hl-cert-'));
    copyFileSync(status.knownHosts, path.join(dir, 'known_hosts'));
    const broker = new PromptBroker();
    // Nothing here should ask a person anything.
    broker.onDidRequest((r) => void broker.cancel(r.id));
    engine = new CircuitEngine({ hostKeyFiles: { userFiles: [], appFile: path.join(dir, 'known_hosts') }, prompts: broker });
  });
  afterEach(async () => {
    await engine.dispose();
  });

  const keygen = (...args: string[]) => execFileSync('ssh-keygen', ['-q', ...args], { stdio: 'pipe' });
  /** A fresh key (in no authorized_keys) with a certificate from `ca`; returns the key's path. */
  function certifiedKey(opts: { type?: string; id: string; principals?: string; validity?: string; ca?: string }): string {
    const key = path.join(dir, `user${n++}`);
    keygen('-t', opts.type ?? 'ed25519', '-N', '', '-f', key);
    keygen('-s', opts.ca ?? status.userCa!, '-I', opts.id, ...(opts.principals ? ['-n', opts.principals] : []), ...(opts.validity ? ['-V', opts.validity] : []), `${key}.pub`);
    return key;
  }
  const hop = (name: LabHostName, auth: HopSpec['auth']): HopSpec => ({ name, host: host(name).address, port: 22, user: 'bench', auth, connectTimeoutMs: 10_000 });
  /** What sshd logged since `mark` (a byte offset). */
  const logSince = (name: LabHostName, mark: number) => readFileSync(host(name).sshdLog, 'utf8').slice(mark);
  const marks = () => Object.fromEntries((['bastion-mfa', 'bastion-key', 'target'] as const).map((h) => [h, statSync(host(h).sshdLog).size])) as Record<LabHostName, number>;

  it('logs in with a certificate as hop 1, hop 2 and hop 3 (CertificateFile, and KEY-cert.pub beside the key)', async () => {
    expect(status.userCa).toBeTruthy();
    const key = certifiedKey({ id: 'lab-ops-1', principals: 'bench', validity: '-5m:+1h' });
    const mark = marks();
    const circuit = await engine.open([
      hop('bastion-mfa', [{ kind: 'publickey', keyFile: key, certificateFile: `${key}-cert.pub` }]),
      hop('bastion-key', [{ kind: 'publickey', keyFile: key }]),
      hop('target', [{ kind: 'publickey', keyFile: key }]),
    ]);
    const out = await execText(engine.target(circuit.id), 'id -un; hostname');
    expect(out.stdout.trim().split('\n')).toEqual(['bench', 'hl-target']);
    for (const name of ['bastion-mfa', 'bastion-key', 'target'] as const) {
      expect(logSince(name, mark[name])).toMatch(/Accepted publickey for bench .* ED25519-CERT SHA256:\S+ ID lab-ops-1 \(serial 0\) CA ED25519 SHA256:/);
    }
  });

  it('an RSA key with a certificate signs with SHA-2 (sshd refuses ssh-rsa SHA-1 certificates) as hop 2', async () => {
    const key = certifiedKey({ type: 'rsa', id: 'lab-rsa', principals: 'bench' });
    const mark = marks();
    const circuit = await engine.open([hop('bastion-mfa', [{ kind: 'publickey', keyFile: status.clientKey }]), hop('bastion-key', [{ kind: 'publickey', keyFile: key }])]);
    expect((await execText(engine.target(circuit.id), 'id -un')).stdout.trim()).toBe('bench');
    expect(logSince('bastion-key', mark['bastion-key'])).toMatch(/Accepted publickey for bench .* RSA-CERT SHA256:\S+ ID lab-rsa/);
  });

  it('uses a certificate the agent holds, as hop 1 and hop 2', async () => {
    const key = certifiedKey({ id: 'lab-agent', principals: 'bench', validity: '-5m:+1h' });
    const socket = path.join(dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 20));
      // ssh-add loads the key and KEY-cert.pub beside it; the plain key is in no authorized_keys.
      execFileSync('ssh-add', [key], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'pipe' });
      const mark = marks();
      const circuit = await engine.open([hop('bastion-mfa', [{ kind: 'agent', socket }]), hop('bastion-key', [{ kind: 'agent', socket }])]);
      expect((await execText(engine.target(circuit.id), 'id -un')).stdout.trim()).toBe('bench');
      for (const name of ['bastion-mfa', 'bastion-key'] as const) {
        expect(logSince(name, mark[name])).toMatch(/Accepted publickey for bench .* ED25519-CERT SHA256:\S+ ID lab-agent/);
      }
    } finally {
      agent.kill();
    }
  });

  const failure = async (specs: HopSpec[]): Promise<HoplineError> => {
    const error = (await engine.open(specs).catch((e: unknown) => e)) as HoplineError;
    expect(error).toBeInstanceOf(HoplineError);
    return error;
  };

  it('an expired certificate fails at hop 2 before anything is sent, saying when it expired', async () => {
    const key = certifiedKey({ id: 'lab-old', principals: 'bench', validity: '20200101000000:20200102000000' });
    const mark = marks();
    const error = await failure([hop('bastion-mfa', [{ kind: 'publickey', keyFile: status.clientKey }]), hop('bastion-key', [{ kind: 'publickey', keyFile: key, certificateFile: `${key}-cert.pub` }])]);
    expect(error.code).toBe('AUTH_FAILED');
    expect(error.hop).toEqual({ index: 1, name: 'bastion-key' });
    expect(error.message).toContain('hop 2 (bastion-key)');
    expect(error.message).toContain('certificate "lab-old" expired at 2020-01-02T00:00:00Z');
    // sshd saw the connection, never a publickey request.
    expect(logSince('bastion-key', mark['bastion-key'])).not.toMatch(/publickey|Failed/);
  });

  it('a certificate for other principals fails at hop 3 before anything is sent, naming the user', async () => {
    const key = certifiedKey({ id: 'lab-ops-only', principals: 'ops,root' });
    const mark = marks();
    const error = await failure([
      hop('bastion-mfa', [{ kind: 'publickey', keyFile: status.clientKey }]),
      hop('bastion-key', [{ kind: 'publickey', keyFile: status.clientKey }]),
      hop('target', [{ kind: 'publickey', keyFile: key, certificateFile: `${key}-cert.pub` }]),
    ]);
    expect(error.code).toBe('AUTH_FAILED');
    expect(error.hop).toEqual({ index: 2, name: 'target' });
    expect(error.message).toContain('certificate "lab-ops-only" is not valid for user bench (principals: ops, root)');
    expect(logSince('target', mark.target)).not.toMatch(/publickey|Failed/);
  });

  it('a certificate from a CA the server does not trust is refused, and the error names the hop and the key id', async () => {
    const otherCa = path.join(dir, 'other_ca');
    keygen('-t', 'ed25519', '-N', '', '-f', otherCa);
    const key = certifiedKey({ id: 'lab-untrusted', principals: 'bench', ca: otherCa });
    const error = await failure([hop('bastion-mfa', [{ kind: 'publickey', keyFile: status.clientKey }]), hop('bastion-key', [{ kind: 'publickey', keyFile: key }])]);
    expect(error.code).toBe('AUTH_FAILED');
    expect(error.hop).toEqual({ index: 1, name: 'bastion-key' });
    expect(error.message).toContain('hop 2 (bastion-key)');
    expect(error.message).toContain('publickey with certificate "lab-untrusted"');
  });
});
