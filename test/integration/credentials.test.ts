/**
 * Saved secrets in use: the engine against the lab with the credential store on a real Secret
 * Service. Remembered answers are stored only once accepted; a saved password and TOTP secret
 * open bastion-mfa with no prompt; a rejected saved password costs one prompt, not a loop; and
 * afterwards no secret value is found in the data dir, logs, events or the keyring's files.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { CredentialStore } from '../../app/main/services/credentials/credentialStore';
import { CircuitEngine } from '../../app/main/services/engine/circuitEngine';
import type { HopSpec } from '../../app/main/services/engine/hopSpec';
import { PromptBroker } from '../../app/main/services/engine/promptBroker';
import type { HoplineError } from '../../app/shared/model/errors';
import type { PromptRequest } from '../../app/shared/model/prompt';
import { execText } from '../helpers/ssh';
import { contentsUnder, filesUnder } from '../helpers/files';
import { secretServiceMissingReason, startSecretService, type SecretService } from '../helpers/secretService';
import { startHoneypot, type Honeypot } from '../lab/honeypot';
import { totpCode, type LabStatus } from '../lab/lab';
import { requirement } from '../setup/requirements';

const lab = inject('lab');
const runs =
  requirement('the real-OpenSSH lab', lab ? null : (inject('labMissing') ?? 'lab not up')) &&
  requirement('a Secret Service (dbus-run-session + gnome-keyring-daemon)', secretServiceMissingReason());


describe.runIf(runs)('saved secrets against the lab and a real Secret Service', () => {
  const status = lab as LabStatus;
  const addr = (name: string) => status.hosts.find((h) => h.name === name)!.address;
  const ops = status?.users.ops;
  let service: SecretService;
  let store: CredentialStore;
  let pot: Honeypot;
  let dir: string;
  let broker: PromptBroker;
  let engine: CircuitEngine;
  let asked: PromptRequest[];
  let respond: (r: PromptRequest) => { answers: string[]; remember?: boolean[] } | 'cancel';
  /** Everything that left the engine or the store: events, prompts, logs. Searched for secrets at the end. */
  const recorded: string[] = [];
  const stderrWrite = process.stderr.write.bind(process.stderr);

  beforeAll(async () => {
    service = await startSecretService();
    process.env.DBUS_SESSION_BUS_ADDRESS = service.address;
    store = new CredentialStore();
    expect((await store.status()).backend).toBe('keychain');
    store.onDidChangeKinds((e) => recorded.push(JSON.stringify(e)));
    pot = await startHoneypot();
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      recorded.push(String(chunk));
      return stderrWrite(chunk, ...rest);
    }) as typeof process.stderr.write;
  });
  afterAll(async () => {
    process.stderr.write = stderrWrite;
    await pot?.close();
    await service?.stop();
    delete process.env.DBUS_SESSION_BUS_ADDRESS;
  });

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'hl-cred-'));
    copyFileSync(status.knownHosts, path.join(dir, 'known_hosts'));
    writeFileSync(path.join(dir, 'known_hosts'), `[127.0.0.1]:${pot.port} ${pot.hostKey.type} ${pot.hostKey.blob.toString('base64')}\n`, { flag: 'a' });
    broker = new PromptBroker();
    engine = new CircuitEngine({ hostKeyFiles: { userFiles: [], appFile: path.join(dir, 'known_hosts') }, prompts: broker, secrets: store });
    asked = [];
    engine.onDidChangeHopState((e) => recorded.push(JSON.stringify(e)));
    engine.onDidChange((e) => recorded.push(JSON.stringify(e)));
    engine.onDidFail((e) => recorded.push(JSON.stringify(e)));
    broker.onDidRequest((request) => {
      asked.push(request);
      recorded.push(JSON.stringify(request));
      const reply = respond(request);
      if (reply === 'cancel') void broker.cancel(request.id);
      else void broker.answer(request.id, reply.answers, reply.remember ?? []);
    });
  });
  afterEach(async () => {
    for (const c of engine.list()) recorded.push(...engine.eventLog(c.id));
    await engine.dispose();
    for (const file of filesUnder(dir)) recorded.push(readFileSync(file, 'latin1'));
  });

  const hop = (name: string, host: string, user: string, auth: HopSpec['auth'], hostId: string, port = 22): HopSpec => ({ name, host, port, user, auth, hostId, connectTimeoutMs: 10_000 });
  const circuit = (): HopSpec[] => [
    hop('bastion-mfa', addr('bastion-mfa'), 'ops', [{ kind: 'keyboard-interactive' }], 'h-mfa'),
    hop('bastion-key', addr('bastion-key'), 'ops', [{ kind: 'publickey', keyFile: status.clientKey }], 'h-key'),
    hop('target', addr('target'), 'ops', [{ kind: 'password' }], 'h-target'),
  ];
  /** bench's key on both bastions, then ops' password on the target. */
  const viaKeys = (): HopSpec[] => [
    hop('bastion-mfa', addr('bastion-mfa'), 'bench', [{ kind: 'publickey', keyFile: status.clientKey }], 'h-mfa-bench'),
    hop('bastion-key', addr('bastion-key'), 'bench', [{ kind: 'publickey', keyFile: status.clientKey }], 'h-key-bench'),
    hop('target', addr('target'), 'ops', [{ kind: 'password' }], 'h-target'),
  ];
  const openAndCheck = async (specs: HopSpec[]) => {
    const c = await engine.open(specs);
    recorded.push(...engine.eventLog(c.id));
    expect((await execText(engine.target(c.id), 'id -un')).stdout.trim()).toBe('ops');
    return c;
  };

  it('remembers what the person ticked, once the server accepted it, and never a one-time code', async () => {
    respond = (r) => ({
      answers: r.prompts.map((p) => (/Verification/.test(p.text) ? totpCode(ops.totpSecret) : ops.password)),
      remember: r.prompts.map(() => true),
    });
    await openAndCheck(circuit());
    expect(asked.map((a) => a.prompts.map((p) => [p.text, p.remember]))).toEqual([
      [['Password: ', 'offer']],
      [['Verification code: ', 'never']],
      [[`Password for ops@${addr('target')}:`, 'offer']],
    ]);
    await expect.poll(() => store.kindsFor('h-target')).toEqual(['password']);
    // The keyboard-interactive "Password: " is the account password: kept as the host's password.
    expect(await store.kindsFor('h-mfa')).toEqual(['password']);
    expect(await store.get('h-mfa', 'password')).toBe(ops.password);
  });

  it('does not remember an answer the server rejected', async () => {
    respond = (r) => (r.round > 1 ? 'cancel' : { answers: ['typed-wrong-password'], remember: [true] });
    const error = (await engine.open([hop('honeypot', '127.0.0.1', 'victim', [{ kind: 'password' }], 'h-pot-reject', pot.port)]).catch((e: unknown) => e)) as HoplineError;
    expect(error.code).toBe('PROMPT_CANCELLED');
    expect(await store.kindsFor('h-pot-reject')).toEqual([]);
  });

  it('opens the 3-hop circuit through bastion-mfa with a saved password and TOTP secret, asking nothing', async () => {
    await store.setTotp('h-mfa', { secret: ops.totpSecret });
    const c = await openAndCheck(circuit());
    expect(asked).toEqual([]);
    const log = engine.eventLog(c.id).join('\n');
    expect(log).toMatch(/hop 1 \(bastion-mfa[^\n]*round 1: 1 prompt\(s\), 1 answered from saved password/);
    expect(log).toMatch(/hop 1 \(bastion-mfa[^\n]*round 2: 1 prompt\(s\), 1 answered from TOTP/);
    expect(log).toMatch(/hop 3 \(target[^\n]*using the saved password/);
  });

  it('a saved password the server rejects costs one prompt, not a retry loop', async () => {
    await store.remember('h-pot', { kind: 'password' }, 'saved-but-wrong');
    const before = pot.attempts.length;
    respond = () => ({ answers: ['typed-by-person'] });
    const error = (await engine.open([hop('honeypot', '127.0.0.1', 'victim', [{ kind: 'password' }], 'h-pot', pot.port)]).catch((e: unknown) => e)) as HoplineError;
    expect(error.code).toBe('AUTH_FAILED');
    expect(pot.attempts.slice(before).filter((a) => a.method === 'password').map((a) => a.value)).toEqual(['saved-but-wrong', 'typed-by-person']);
    expect(asked).toHaveLength(1);
    expect(asked[0]!.rejection?.message).toBe('Hop 1 (honeypot) rejected the saved password. Enter the password.');
    expect(asked[0]!.attempt).toEqual({ number: 2, of: 2 });
    await store.forget('h-pot');
  });

  it('against real sshd: a wrong saved password is asked once and replaced only when the person ticks remember', async () => {
    await store.remember('h-target', { kind: 'password' }, 'stale-password');
    respond = () => ({ answers: [ops.password], remember: [false] });
    await openAndCheck(viaKeys());
    expect(asked).toHaveLength(1);
    expect(await store.get('h-target', 'password')).toBe('stale-password');
    await engine.dispose();

    asked.length = 0;
    respond = () => ({ answers: [ops.password], remember: [true] });
    await openAndCheck(viaKeys());
    expect(asked).toHaveLength(1);
    await expect.poll(() => store.get('h-target', 'password')).toBe(ops.password);
  });

  it('leaves no secret value in the data dir, logs, events, prompts or the keyring files', async () => {
    const secrets = [ops.password, ops.totpSecret, 'saved-but-wrong', 'stale-password', 'typed-wrong-password'];
    expect(recorded.length).toBeGreaterThan(50);
    const haystack = [...recorded, ...contentsUnder(service.home)].join('\n');
    for (const secret of secrets) expect(haystack.includes(secret), `found a secret (${secret.length} chars)`).toBe(false);
    // The search itself works: the hop names it should find are there.
    expect(haystack).toContain('bastion-mfa');
  });
});
