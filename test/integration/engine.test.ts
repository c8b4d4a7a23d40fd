/**
 * The hop engine against real OpenSSH in the lab (and an ssh2 honeypot on loopback).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { CircuitEngine } from '../../app/main/services/engine/circuitEngine';
import type { HopSpec } from '../../app/main/services/engine/hopSpec';
import { PromptBroker } from '../../app/main/services/engine/promptBroker';
import { HoplineError } from '../../app/shared/model/errors';
import type { HopStateEvent } from '../../app/shared/model/hop';
import type { PromptRequest } from '../../app/shared/model/prompt';
import { execText } from '../helpers/ssh';
import { startHoneypot } from '../lab/honeypot';
import { labKillSshd, labRestartSshd, labSetLink, totpCode, type LabStatus } from '../lab/lab';
import { requirement } from '../setup/requirements';

const lab = inject('lab');
const runs = requirement('the real-OpenSSH lab', lab ? null : (inject('labMissing') ?? 'lab not up'));

type Responder = (request: PromptRequest) => { answers?: string[]; hostKey?: 'accept-once' | 'accept-and-save' | 'reject'; cancel?: true };

describe.runIf(runs)('hop engine against the lab', () => {
  const status = lab as LabStatus;
  const addr = (name: string) => status.hosts.find((h) => h.name === name)!.address;
  let dir: string;
  let broker: PromptBroker;
  let engine: CircuitEngine;
  let asked: PromptRequest[];
  let states: HopStateEvent[];
  let respond: Responder;

  const opsAnswers: Responder = (r) => ({ answers: r.prompts.map((p) => (p.text.startsWith('Password') ? status.users.ops.password : totpCode(status.users.ops.totpSecret))) });

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'hl-engine-'));
    copyFileSync(status.knownHosts, path.join(dir, 'known_hosts'));
    broker = new PromptBroker();
    engine = new CircuitEngine({ hostKeyFiles: { userFiles: [], appFile: path.join(dir, 'known_hosts') }, prompts: broker });
    asked = [];
    states = [];
    respond = opsAnswers;
    engine.onDidChangeHopState((e) => states.push(e));
    broker.onDidRequest((request) => {
      asked.push(request);
      const reply = respond(request);
      if (reply.cancel) void broker.cancel(request.id);
      else if (reply.hostKey) void broker.decideHostKey(request.id, reply.hostKey);
      else void broker.answer(request.id, reply.answers ?? [], []);
    });
  });
  afterEach(async () => {
    await engine.dispose();
  });

  const hop = (name: string, host: string, user: string, auth: HopSpec['auth'], port = 22, extra: Partial<HopSpec> = {}): HopSpec => ({ name, host, port, user, auth, connectTimeoutMs: 10_000, ...extra });
  const key = (): HopSpec['auth'] => [{ kind: 'publickey', keyFile: status.clientKey }];

  it('opens 3 hops: password + TOTP on bastion-mfa through prompt events, key on bastion-key, password on the target', async () => {
    const circuit = await engine.open([
      hop('bastion-mfa', addr('bastion-mfa'), 'ops', [{ kind: 'keyboard-interactive' }]),
      hop('bastion-key', addr('bastion-key'), 'ops', key()),
      hop('target', addr('target'), 'ops', [{ kind: 'password' }]),
    ]);
    const out = await execText(engine.target(circuit.id), 'hostname -I; id -un');
    expect(out.stdout.split(/\s+/)).toEqual(expect.arrayContaining(['198.18.3.2', 'ops']));
    // Two keyboard-interactive rounds on hop 1, then the target's password, each labelled with its hop.
    expect(asked.map((a) => [a.kind, a.hop.index, a.hop.count, a.hop.name, a.round, a.prompts.map((p) => p.text)])).toEqual([
      ['keyboard-interactive', 0, 3, 'bastion-mfa', 1, ['Password: ']],
      ['keyboard-interactive', 0, 3, 'bastion-mfa', 2, ['Verification code: ']],
      ['password', 2, 3, 'target', 1, [`Password for ops@${addr('target')}:`]],
    ]);
    expect(asked[1]!.prompts[0]).toMatchObject({ echo: false, remember: 'never' });
    const ready = states.filter((s) => s.state === 'ready');
    expect(ready.map((s) => [s.hop.index, s.authMethod])).toEqual([[0, 'keyboard-interactive'], [1, 'publickey'], [2, 'password']]);
    for (const s of ready) expect(s.hostKeyFingerprint).toMatch(/^SHA256:/);
    const log = engine.eventLog(circuit.id).join('\n');
    expect(log).toContain('authenticated with keyboard-interactive');
    expect(log).not.toContain(status.users.ops.password);
  });

  it('continues after partial success (publickey,keyboard-interactive) and re-asks only the code after a wrong one', async () => {
    let codes = 0;
    respond = (r) => ({
      answers: r.prompts.map((p) => {
        if (p.text.startsWith('Password')) return status.users.mixed.password;
        codes++;
        const right = totpCode(status.users.mixed.totpSecret);
        return codes === 1 ? String((Number(right) + 500_000) % 1_000_000).padStart(6, '0') : right;
      }),
    });
    const circuit = await engine.open([hop('bastion-mfa', addr('bastion-mfa'), 'mixed', [...key(), { kind: 'keyboard-interactive' }])]);
    expect((await execText(engine.target(circuit.id), 'id -un')).stdout.trim()).toBe('mixed');
    const texts = asked.map((a) => a.prompts.map((p) => p.text).join('|'));
    expect(texts.filter((t) => t.startsWith('Password'))).toHaveLength(1);
    expect(texts.filter((t) => t.startsWith('Verification'))).toHaveLength(2);
    expect(engine.eventLog(circuit.id).join('\n')).toMatch(/publickey accepted \(partial success\)/);
  });

  it('opens an 8-hop circuit through lab endpoints, and refuses a cycle', async () => {
    const b = (n: string, host: string, port: number) => hop(n, host, 'bench', key(), port);
    const circuit = await engine.open([
      b('mfa', addr('bastion-mfa'), 22), b('mfa:2222', addr('bastion-mfa'), 2222), b('mfa:2223', addr('bastion-mfa'), 2223),
      b('key', addr('bastion-key'), 22), b('key:2222', addr('bastion-key'), 2222),
      b('target', addr('target'), 22), b('target:2222', addr('target'), 2222), b('target:2223', addr('target'), 2223),
    ]);
    expect((await execText(engine.target(circuit.id), 'echo deep')).stdout.trim()).toBe('deep');
    expect(engine.liveHopCount).toBe(8);
    const cycle = engine.open([b('mfa', addr('bastion-mfa'), 22), b('key', addr('bastion-key'), 22), b('mfa again', addr('bastion-mfa'), 22)]);
    await expect(cycle).rejects.toMatchObject({ code: 'CIRCUIT_CYCLE', hop: { index: 2, name: 'mfa again' } });
    const tooDeep = engine.open(Array.from({ length: 17 }, (_, i) => b(`h${i}`, `198.18.9.${i + 1}`, 22)));
    await expect(tooDeep).rejects.toMatchObject({ code: 'CIRCUIT_TOO_DEEP' });
  });

  it("stops at the inner bastion when its host key changed, naming the hop with both fingerprints", async () => {
    const other = path.join(dir, 'other');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const fake = readFileSync(`${other}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
    const file = path.join(dir, 'known_hosts');
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => !(l.startsWith(`${addr('bastion-key')} `) && l.includes('ssh-ed25519')));
    writeFileSync(file, [...lines, `${addr('bastion-key')} ${fake}`].join('\n') + '\n');
    const oldFp = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${other}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
    const realFp = status.hosts.find((h) => h.name === 'bastion-key')!.hostKeys.find((k) => k.type === 'ssh-ed25519')!.sha256;
    const error = (await engine
      .open([hop('bastion-mfa', addr('bastion-mfa'), 'bench', key()), hop('bastion-key', addr('bastion-key'), 'ops', [{ kind: 'password' }]), hop('target', addr('target'), 'bench', key())])
      .catch((e: unknown) => e)) as HoplineError;
    expect(error).toBeInstanceOf(HoplineError);
    expect(error.code).toBe('HOST_KEY_CHANGED');
    expect(error.hop).toEqual({ index: 1, name: 'bastion-key' });
    expect(error.message).toContain(oldFp);
    expect(error.message).toContain(realFp);
    expect(asked.filter((a) => a.kind === 'password')).toHaveLength(0);
    // bastion-mfa stays up for a Retry (once the key is settled) until the failed circuit is closed.
    expect(engine.liveHopCount).toBe(1);
  });

  it('shares one bastion between two circuits to two targets (one TCP connection) and closes hops target-first', async () => {
    const mfa = hop('bastion-mfa', addr('bastion-mfa'), 'bench', key());
    const a = await engine.open([mfa, hop('key:22', addr('bastion-key'), 'bench', key())]);
    const b = await engine.open([mfa, hop('key:2222', addr('bastion-key'), 'bench', key(), 2222)]);
    expect(states.filter((s) => s.circuitId === b.id && s.hop.index === 0 && s.state === 'ready')[0]).toMatchObject({ shared: true });
    const established = () => spawnSync('ss', ['-Htn', 'state', 'established', 'dst', `${addr('bastion-mfa')}:22`], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).length;
    expect(established()).toBe(1);
    expect(engine.liveHopCount).toBe(3);
    await engine.close(a.id);
    expect(engine.liveHopCount).toBe(2);
    expect((await execText(engine.target(b.id), 'echo still')).stdout.trim()).toBe('still');
    await engine.close(b.id);
    expect(engine.liveHopCount).toBe(0);
    await expect.poll(established).toBe(0);
  });

  it('ends the circuit cleanly when a keyboard-interactive prompt is cancelled', async () => {
    respond = () => ({ cancel: true });
    const error = (await engine.open([hop('bastion-mfa', addr('bastion-mfa'), 'ops', [{ kind: 'keyboard-interactive' }]), hop('bastion-key', addr('bastion-key'), 'ops', key())]).catch((e: unknown) => e)) as HoplineError;
    expect(error.code).toBe('PROMPT_CANCELLED');
    expect(error.hop).toEqual({ index: 0, name: 'bastion-mfa' });
    expect(engine.liveHopCount).toBe(0);
    expect(await broker.outstanding()).toEqual([]);
  });

  it.each([
    ['ed25519, OpenSSH format, encrypted', ['-t', 'ed25519'], 'correct horse'],
    ['ecdsa, PEM format, no passphrase', ['-t', 'ecdsa', '-m', 'PEM'], ''],
    ['rsa 3072, PEM format, encrypted', ['-t', 'rsa', '-b', '3072', '-m', 'PEM'], 'battery staple'],
  ])('authenticates with a %s key, asking its passphrase when it has one', async (_name, keygen, passphrase) => {
    const keyFile = path.join(dir, 'user_key');
    execFileSync('ssh-keygen', ['-q', ...keygen, '-N', passphrase, '-C', 'hopline-test', '-f', keyFile]);
    const authorized = path.join(status.dir, 'authorized_keys', 'bench');
    const original = readFileSync(authorized, 'utf8');
    writeFileSync(authorized, original + readFileSync(`${keyFile}.pub`, 'utf8'));
    let wrongFirst = passphrase !== '';
    respond = (r) => {
      const answer = wrongFirst ? 'wrong' : passphrase;
      wrongFirst = false;
      return { answers: r.prompts.map(() => answer) };
    };
    try {
      const circuit = await engine.open([hop('bastion-mfa', addr('bastion-mfa'), 'bench', [{ kind: 'publickey', keyFile }])]);
      expect((await execText(engine.target(circuit.id), 'id -un')).stdout.trim()).toBe('bench');
      expect(asked.map((a) => a.kind)).toEqual(passphrase ? ['passphrase', 'passphrase'] : []);
      if (passphrase) expect(asked[1]!.instructions).toMatch(/did not decrypt/);
    } finally {
      writeFileSync(authorized, original);
    }
  });

  it('authenticates through an SSH agent', async () => {
    const socket = path.join(dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    try {
      await expect.poll(() => existsSync(socket)).toBe(true);
      execFileSync('ssh-add', ['-q', status.clientKey], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
      const circuit = await engine.open([hop('bastion-mfa', addr('bastion-mfa'), 'bench', [{ kind: 'agent', socket }]), hop('bastion-key', addr('bastion-key'), 'bench', [{ kind: 'agent', socket }])]);
      expect((await execText(engine.target(circuit.id), 'hostname -I')).stdout.trim().split(' ')).toContain(addr('bastion-key'));
      expect(states.filter((s) => s.state === 'ready').map((s) => s.authMethod)).toEqual(['agent', 'agent']);
    } finally {
      agent.kill();
    }
  });

  it('reaches the first hop through a ProxyCommand, checks its host key like any other, and reaps the child', async () => {
    const script = path.join(dir, 'tcp-proxy.cjs');
    writeFileSync(script, "const s = require('net').connect(Number(process.argv[3]), process.argv[2]); process.stdin.pipe(s); s.pipe(process.stdout); s.on('error', (e) => { process.stderr.write(String(e.code)); process.exit(3); });\n");
    const proxy = { kind: 'command' as const, command: `${process.execPath} ${script} %h %p` };
    const children = () => spawnSync('pgrep', ['-f', script], { encoding: 'utf8' }).stdout.trim();
    const circuit = await engine.open([hop('bastion-mfa', addr('bastion-mfa'), 'bench', key(), 22, { proxy }), hop('bastion-key', addr('bastion-key'), 'bench', key())]);
    expect((await execText(engine.target(circuit.id), 'hostname -I')).stdout.trim().split(' ')).toContain(addr('bastion-key'));
    expect(children()).not.toBe('');
    await engine.close(circuit.id);
    expect(children()).toBe('');

    writeFileSync(path.join(dir, 'known_hosts'), `${addr('bastion-mfa')} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n`);
    const changed = engine.open([hop('bastion-mfa', addr('bastion-mfa'), 'bench', key(), 22, { proxy })]);
    await expect(changed).rejects.toMatchObject({ code: 'HOST_KEY_CHANGED', hop: { index: 0 } });
    await expect.poll(children).toBe('');

    const failing = engine.open([hop('bastion-mfa', '198.18.77.1', 'bench', key(), 22, { proxy, connectTimeoutMs: 5000 })]);
    await expect(failing).rejects.toMatchObject({ code: 'PROXY_FAILED', hop: { index: 0 } });
    await expect.poll(children).toBe('');
  });

  it('notices a silent link loss between the bastions by keepalive within interval × count, naming bastion-key', async () => {
    const alive = { keepaliveIntervalMs: 1000, keepaliveCountMax: 2 };
    const through = await engine.open([hop('bastion-mfa', addr('bastion-mfa'), 'bench', key(), 22, alive), hop('bastion-key', addr('bastion-key'), 'bench', key(), 22, alive), hop('target', addr('target'), 'bench', key())]);
    const failures: { circuitId: string; error: { code: string; message: string; hop?: { index: number; name: string } } }[] = [];
    engine.onDidFail((f) => failures.push(f));
    const started = Date.now();
    labSetLink('mfa-key', false);
    try {
      await expect.poll(() => failures.length, { timeout: 10_000, interval: 100 }).toBe(1);
      const took = Date.now() - started;
      // ssh2 counts a keepalive as missed at each interval tick: allow one interval of slack.
      expect(took).toBeLessThan(1000 * (2 + 1) + 1000);
      expect(failures[0]).toMatchObject({ circuitId: through.id, error: { code: 'HOP_LOST', hop: { index: 1, name: 'bastion-key' } } });
      expect(failures[0]!.error.message).toMatch(/keepalive/);
      // bastion-mfa is still up: the failed circuit keeps it for a reconnect until it is closed.
      expect(engine.liveHopCount).toBe(1);
      await engine.close(through.id);
      await expect.poll(() => engine.liveHopCount).toBe(0);
    } finally {
      labSetLink('mfa-key', true);
    }
  });

  it('ends every circuit through bastion-key, naming it, when its sshd dies; others keep working', async () => {
    const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'ProcessWrap' || r === 'PipeWrap').length;
    const socketsBefore = sockets();
    const mfa = hop('bastion-mfa', addr('bastion-mfa'), 'bench', key(), 22, { keepaliveIntervalMs: 1000, keepaliveCountMax: 2 });
    const through = await engine.open([mfa, hop('bastion-key', addr('bastion-key'), 'bench', key(), 22, { keepaliveIntervalMs: 1000, keepaliveCountMax: 2 }), hop('target', addr('target'), 'bench', key())]);
    const unaffected = await engine.open([mfa, hop('mfa:2222', addr('bastion-mfa'), 'bench', key(), 2222)]);
    const failures: { circuitId: string; error: { code: string; hop?: { index: number; name: string } } }[] = [];
    engine.onDidFail((f) => failures.push(f));
    const started = Date.now();
    await labKillSshd('bastion-key');
    try {
      await expect.poll(() => failures.length, { timeout: 5000 }).toBe(1);
      expect(Date.now() - started).toBeLessThan(2 * 1000 + 1000);
      expect(failures[0]).toMatchObject({ circuitId: through.id, error: { code: 'HOP_LOST', hop: { index: 1, name: 'bastion-key' } } });
      expect((await execText(engine.target(unaffected.id), 'echo alive')).stdout.trim()).toBe('alive');
      expect(engine.liveHopCount).toBe(2);
      await engine.dispose();
      expect(engine.describePool()).toEqual([]);
      await expect.poll(() => sockets() <= socketsBefore).toBe(true);
    } finally {
      await labRestartSshd('bastion-key');
    }
  });
});

describe('hop engine against a honeypot', () => {
  const pot = startHoneypot();
  afterAll(async () => (await pot).close());

  async function attempt(respond: (r: PromptRequest, broker: PromptBroker) => void, knownHosts = '') {
    const dir = mkdtempSync(path.join(tmpdir(), 'hl-pot-'));
    writeFileSync(path.join(dir, 'known_hosts'), knownHosts);
    const broker = new PromptBroker();
    const engine = new CircuitEngine({ hostKeyFiles: { userFiles: [], appFile: path.join(dir, 'known_hosts') }, prompts: broker });
    broker.onDidRequest((r) => respond(r, broker));
    const spec: HopSpec = { name: 'honeypot', host: '127.0.0.1', port: (await pot).port, user: 'victim', auth: [{ kind: 'password' }, { kind: 'keyboard-interactive' }], connectTimeoutMs: 5000 };
    const error = (await engine.open([spec]).catch((e: unknown) => e)) as HoplineError;
    await engine.dispose();
    return error;
  }

  it('sends nothing secret when the unknown host key is rejected', async () => {
    const before = (await pot).attempts.length;
    const error = await attempt((r, b) => void b.decideHostKey(r.id, 'reject'));
    expect(error.code).toBe('HOST_KEY_REJECTED');
    expect((await pot).attempts.slice(before)).toEqual([]);
  });

  it('sends nothing secret when the host-key prompt is cancelled', async () => {
    const before = (await pot).attempts.length;
    const error = await attempt((r, b) => void b.cancel(r.id));
    expect(error.code).toBe('PROMPT_CANCELLED');
    expect((await pot).attempts.slice(before)).toEqual([]);
  });

  it('sends nothing secret when the host key changed', async () => {
    const before = (await pot).attempts.length;
    const fakeKey = 'AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
    const error = await attempt(() => undefined, `[127.0.0.1]:${(await pot).port} ssh-ed25519 ${fakeKey}\n`);
    expect(error.code).toBe('HOST_KEY_CHANGED');
    expect((await pot).attempts.slice(before).filter((a) => a.revealing)).toEqual([]);
  });

  it("a circuit waiting on a hop another circuit is connecting is not failed by that circuit's close at its prompt: it connects the hop itself", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hl-pot-'));
    writeFileSync(path.join(dir, 'known_hosts'), '');
    const broker = new PromptBroker();
    const engine = new CircuitEngine({ hostKeyFiles: { userFiles: [], appFile: path.join(dir, 'known_hosts') }, prompts: broker });
    const spec: HopSpec = { name: 'honeypot', host: '127.0.0.1', port: (await pot).port, user: 'victim', auth: [{ kind: 'password' }], connectTimeoutMs: 5000 };
    const asked: PromptRequest[] = [];
    broker.onDidRequest((r) => asked.push(r));
    const first = engine.open([spec], 'first').catch((e: unknown) => e as HoplineError);
    await vi.waitFor(() => expect(asked).toHaveLength(1));
    // The second joins the first's connect, which waits on the first's host-key question.
    const second = engine.open([spec], 'second').catch((e: unknown) => e as HoplineError);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await engine.close('first');
    expect(await first).toMatchObject({ code: 'PROMPT_CANCELLED', hop: { index: 0, name: 'honeypot' } });
    // The second asks its own question (and fails on its own answer).
    await vi.waitFor(() => expect(asked.filter((r) => r.circuitId === 'second')).toHaveLength(1));
    await broker.decideHostKey(asked.find((r) => r.circuitId === 'second')!.id, 'reject');
    expect(await second).toMatchObject({ code: 'HOST_KEY_REJECTED', hop: { index: 0 } });
    await engine.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('does send credentials once the key is accepted (the honeypot does record them)', async () => {
    const before = (await pot).attempts.length;
    const error = await attempt((r, b) => {
      if (r.kind === 'host-key') void b.decideHostKey(r.id, 'accept-once');
      else void b.answer(r.id, r.prompts.map(() => 'not-a-real-secret'), []);
    });
    expect(error.code).toBe('AUTH_FAILED');
    expect((await pot).attempts.slice(before).filter((a) => a.revealing).length).toBeGreaterThan(0);
  });
});
