/**
 * OpenSSH host certificates against the lab's real sshd: every lab host's ed25519 key carries a
 * certificate from the lab's host CA (HostCertificate). Here Hopline's known_hosts holds nothing
 * but `@cert-authority` lines, so a hop that connects without asking proves its certificate was
 * checked and accepted. A certificate for another name, an expired one, one from a revoked CA, and
 * a plain key under a CA-only entry each stop before the hop's sshd sees a single credential:
 * its log shows no authentication attempt at all.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { CircuitEngine } from '../../app/main/services/engine/circuitEngine';
import type { HopSpec } from '../../app/main/services/engine/hopSpec';
import { PromptBroker } from '../../app/main/services/engine/promptBroker';
import { ErrorCode, HoplineError } from '../../app/shared/model/errors';
import type { HostKeyDecision, PromptRequest } from '../../app/shared/model/prompt';
import { execText } from '../helpers/ssh';
import { labSetHostCertificate, type LabHostName, type LabStatus } from '../lab/lab';
import { requirement } from '../setup/requirements';

const lab = inject('lab');
const runs = requirement('the real-OpenSSH lab', lab ? null : (inject('labMissing') ?? 'lab not up'));

/** What sshd logs once a client sends any authentication request. */
const AUTH_ATTEMPT = /Accepted |Failed |Postponed |authenticating user|Invalid user|userauth/;

describe.runIf(runs)('host certificates against the lab', { timeout: 60_000 }, () => {
  const status = lab as LabStatus;
  const host = (name: LabHostName) => status.hosts.find((h) => h.name === name)!;
  const caLine = () => readFileSync(`${status.hostCa!}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
  const ed25519 = (name: LabHostName) => host(name).hostKeys.find((k) => k.type === 'ssh-ed25519')!;
  let dir: string;
  let file: string;
  let engine: CircuitEngine;
  let asked: PromptRequest[];
  let decide: HostKeyDecision;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'hl-hostcert-'));
    file = path.join(dir, 'known_hosts');
    writeFileSync(file, `@cert-authority * ${caLine()}\n`);
    const broker = new PromptBroker();
    asked = [];
    decide = 'reject';
    broker.onDidRequest((r) => {
      asked.push(r);
      void broker.decideHostKey(r.id, decide);
    });
    engine = new CircuitEngine({ hostKeyFiles: { userFiles: [], appFile: file }, prompts: broker });
  });
  /** Hosts a test gave another certificate (or none): each gets the default one back after it. */
  const altered = new Set<LabHostName>();
  const setCertificate = (name: LabHostName, opts: Parameters<typeof labSetHostCertificate>[1]) => {
    altered.add(name);
    return labSetHostCertificate(name, opts);
  };
  afterEach(async () => {
    await engine.dispose();
    rmSync(dir, { recursive: true, force: true });
    for (const name of altered) await labSetHostCertificate(name, {});
    altered.clear();
  });

  const hop = (name: LabHostName, auth: HopSpec['auth'] = [{ kind: 'publickey', keyFile: status.clientKey }]): HopSpec => ({ name, host: host(name).address, port: 22, user: 'bench', auth, connectTimeoutMs: 10_000 });
  const mark = (name: LabHostName) => statSync(host(name).sshdLog).size;
  const logSince = (name: LabHostName, at: number) => readFileSync(host(name).sshdLog, 'utf8').slice(at);
  const failure = async (specs: HopSpec[]): Promise<HoplineError> => {
    const error = await engine.open(specs).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HoplineError);
    return error as HoplineError;
  };

  it('trusts certified hosts as hops 1, 2 and 3 without asking, with a user certificate on hops 1 and 2', async () => {
    const key = path.join(dir, 'user');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    execFileSync('ssh-keygen', ['-q', '-s', status.userCa!, '-I', 'hostcert-user', '-n', 'bench', '-V', '-5m:+1h', `${key}.pub`]);
    const withCert: HopSpec['auth'] = [{ kind: 'publickey', keyFile: key }];
    const circuit = await engine.open([hop('bastion-mfa', withCert), hop('bastion-key', withCert), hop('target')]);
    expect((await execText(engine.target(circuit.id), 'hostname')).stdout.trim()).toBe('hl-target');
    expect(asked).toEqual([]);
    const log = engine.eventLog(circuit.id).join('\n');
    for (const name of ['bastion-mfa', 'bastion-key', 'target'] as const) {
      // The plain key's fingerprint, as ssh shows for a certificate, and the CA that vouched.
      expect(log).toContain(`host certificate "${name}" for ${ed25519(name).type} ${ed25519(name).sha256} signed by CA`);
    }
    // Nothing was saved: a CA-vouched key needs no line of its own.
    expect(readFileSync(file, 'utf8')).toBe(`@cert-authority * ${caLine()}\n`);
  });

  it('trusts an ECDSA host certificate the same way', async () => {
    await setCertificate('bastion-key', { keyType: 'ecdsa', id: 'bastion-key-ecdsa' });
    const circuit = await engine.open([hop('bastion-mfa'), hop('bastion-key'), hop('target')]);
    expect(asked).toEqual([]);
    const ecdsa = host('bastion-key').hostKeys.find((k) => k.type.startsWith('ecdsa-'))!;
    expect(engine.eventLog(circuit.id).join('\n')).toContain(`host certificate "bastion-key-ecdsa" for ${ecdsa.type} ${ecdsa.sha256} signed by CA`);
  });

  it('refuses a certificate for another name, asks about the plain key with the reason, and sends nothing when rejected', async () => {
    const cert = await setCertificate('target', { principals: 'db.other.example', id: 'target-wrong-name' });
    const at = mark('target');
    const error = await failure([hop('bastion-mfa'), hop('bastion-key'), hop('target')]);
    expect(error.code).toBe(ErrorCode.HOST_KEY_REJECTED);
    expect(error.message).toContain('hop 3 (target)');
    expect(error.message).toContain(`not valid for host ${host('target').address} (principals: db.other.example)`);
    expect(asked).toHaveLength(1);
    const note = asked[0]!.hostKey!.certificate!;
    expect(asked[0]!.hostKey).toMatchObject({ type: ed25519('target').type, sha256: ed25519('target').sha256 });
    // The dialog shows what `ssh-keygen -L` says about the same certificate.
    const listed = execFileSync('ssh-keygen', ['-L', '-f', cert], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
    expect(listed).toContain(`Key ID: "${note.keyId}"`);
    expect(listed).toContain(`Signing CA: ED25519 ${note.ca} `);
    const valid = /Valid: from (\S+) to (\S+)/.exec(listed)!;
    expect(`${valid[1]}Z`).toBe(note.validAfter);
    expect(`${valid[2]}Z`).toBe(note.validBefore);
    expect(listed).toMatch(new RegExp(`Principals: \\n\\s+${note.principals[0]!.replace(/\./g, '\\.')}\\n`));
    expect(logSince('target', at)).not.toMatch(AUTH_ATTEMPT);
  });

  it('refuses an expired certificate before anything is sent', async () => {
    await setCertificate('bastion-mfa', { validity: '-2d:-1d' });
    const at = mark('bastion-mfa');
    const error = await failure([hop('bastion-mfa'), hop('bastion-key'), hop('target')]);
    expect(error.message).toContain('hop 1 (bastion-mfa)');
    expect(error.message).toMatch(/its certificate was not accepted: host certificate "bastion-mfa" expired at \d{4}-\d\d-\d\dT/);
    expect(logSince('bastion-mfa', at)).not.toMatch(AUTH_ATTEMPT);
      });

  it('refuses a host whose CA is @revoked, without asking', async () => {
    writeFileSync(file, `@cert-authority * ${caLine()}\n@revoked * ${caLine()}\n`);
    const at = mark('bastion-mfa');
    const error = await failure([hop('bastion-mfa'), hop('bastion-key'), hop('target')]);
    expect(error.code).toBe(ErrorCode.HOST_KEY_REVOKED);
    expect(error.message).toContain('Hop 1 (bastion-mfa)');
    expect(error.message).toMatch(/its CA key SHA256:\S+ is marked @revoked/);
    expect(asked).toEqual([]);
    expect(logSince('bastion-mfa', at)).not.toMatch(AUTH_ATTEMPT);
  });

  it('asks about a plain host key under a CA-only entry, never trusting it silently; accepting once lets it through', async () => {
    await setCertificate('bastion-key', null);
    decide = 'accept-once';
    const circuit = await engine.open([hop('bastion-mfa'), hop('bastion-key'), hop('target')]);
    expect(asked.map((a) => [a.hop.name, a.hostKey?.certificate?.problem])).toEqual([['bastion-key', undefined]]);
    expect(asked[0]).toMatchObject({ hop: { index: 1, name: 'bastion-key' } });
    expect(asked[0]!.hostKey!.certificate).toBeUndefined();
    // The target still presents its certificate and is trusted through the CA.
    expect(engine.eventLog(circuit.id).join('\n')).toContain('host certificate "target"');
      });
});
