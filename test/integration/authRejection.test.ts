/**
 * A rejected sign-in on bastion-mfa (real sshd, PAM password + pam_google_authenticator over
 * keyboard-interactive), with the password saved in a real Secret Service: the next question
 * names the rejection and the hop, counts the attempt, and asks only the step in doubt; PAM's
 * restarted "Password:" is answered by the saved password without asking. A wrong saved password
 * is said plainly once a fresh code is rejected too. Cancelling ends in one plain sentence.
 */
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { CredentialStore } from '../../app/main/services/credentials/credentialStore';
import { CircuitEngine } from '../../app/main/services/engine/circuitEngine';
import type { HopSpec } from '../../app/main/services/engine/hopSpec';
import { PromptBroker } from '../../app/main/services/engine/promptBroker';
import type { HoplineError } from '../../app/shared/model/errors';
import type { HopStateEvent } from '../../app/shared/model/hop';
import type { PromptRequest } from '../../app/shared/model/prompt';
import { execText } from '../helpers/ssh';
import { secretServiceMissingReason, startSecretService, type SecretService } from '../helpers/secretService';
import { totpCode, type LabStatus } from '../lab/lab';
import { requirement } from '../setup/requirements';

const lab = inject('lab');
const runs =
  requirement('the real-OpenSSH lab', lab ? null : (inject('labMissing') ?? 'lab not up')) &&
  requirement('a Secret Service (dbus-run-session + gnome-keyring-daemon)', secretServiceMissingReason());

describe.runIf(runs)('a rejected sign-in on bastion-mfa, with the password saved', { timeout: 60_000 }, () => {
  const status = lab as LabStatus;
  const addr = (name: string) => status.hosts.find((h) => h.name === name)!.address;
  const ops = status?.users.ops;
  let service: SecretService;
  let store: CredentialStore;
  let broker: PromptBroker;
  let engine: CircuitEngine;
  let asked: PromptRequest[];
  let states: HopStateEvent[];
  let respond: (r: PromptRequest) => { answers: string[]; remember?: boolean[] } | 'cancel';

  /** A code no authenticator shows now (far from every code in the server's window). */
  const wrongCode = () => String((Number(totpCode(ops.totpSecret)) + 500_000) % 1_000_000).padStart(6, '0');

  beforeAll(async () => {
    service = await startSecretService();
    process.env.DBUS_SESSION_BUS_ADDRESS = service.address;
    store = new CredentialStore();
    expect((await store.status()).backend).toBe('keychain');
  });
  afterAll(async () => {
    await service?.stop();
    delete process.env.DBUS_SESSION_BUS_ADDRESS;
  });
  beforeEach(() => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hl-reject-'));
    copyFileSync(status.knownHosts, path.join(dir, 'known_hosts'));
    broker = new PromptBroker();
    engine = new CircuitEngine({ hostKeyFiles: { userFiles: [], appFile: path.join(dir, 'known_hosts') }, prompts: broker, secrets: store });
    asked = [];
    states = [];
    engine.onDidChangeHopState((e) => states.push(e));
    broker.onDidRequest((request) => {
      asked.push(request);
      const reply = respond(request);
      if (reply === 'cancel') void broker.cancel(request.id);
      else void broker.answer(request.id, reply.answers, reply.remember ?? []);
    });
  });
  afterEach(async () => {
    await engine.dispose();
    await store.forget('h-mfa-reject');
  });

  const mfa = (): HopSpec[] => [{ name: 'bastion-mfa', host: addr('bastion-mfa'), port: 22, user: 'ops', auth: [{ kind: 'keyboard-interactive' }], hostId: 'h-mfa-reject', connectTimeoutMs: 15_000 }];
  const summary = () => asked.map((a) => ({ round: a.round, prompts: a.prompts.map((p) => p.text), attempt: a.attempt?.number, rejection: a.rejection?.message ?? null }));

  it('a wrong code, then the right one: the second question names the rejection and the hop, and the saved password is not asked', async () => {
    await store.remember('h-mfa-reject', { kind: 'password' }, ops.password);
    let codes = 0;
    respond = (r) => ({ answers: r.prompts.map(() => (codes++ === 0 ? wrongCode() : totpCode(ops.totpSecret))) });
    const c = await engine.open(mfa());
    expect((await execText(engine.target(c.id), 'id -un')).stdout.trim()).toBe('ops');
    expect(summary()).toEqual([
      { round: 2, prompts: ['Verification code: '], attempt: 1, rejection: null },
      { round: 2, prompts: ['Verification code: '], attempt: 2, rejection: 'Hop 1 (bastion-mfa) rejected the verification code. Enter a new code.' },
    ]);
    expect(asked[1]!.rejection?.detail).toMatch(/does not say which answer was wrong/);
    const log = engine.eventLog(c.id).join('\n');
    // PAM started over from "Password:" and the saved password answered it both times.
    expect(log.match(/round 1: 1 prompt\(s\), 1 answered from (saved password|the attempt before)/g)).toHaveLength(2);
    expect(log).not.toContain(ops.password);
    // The hop's timings keep the person's time apart from the server's.
    const ready = states.find((s) => s.state === 'ready' && s.hop.index === 0)!;
    expect(ready.timings.userWaitMs).toBeGreaterThanOrEqual(0);
    expect(Math.abs(ready.timings.tcpMs! + ready.timings.handshakeMs! + ready.timings.authMs! + ready.timings.userWaitMs! - ready.timings.totalMs!)).toBeLessThanOrEqual(5);
  });

  it('a wrong saved password: after a fresh code is rejected too, the password is asked with a plain sentence, and replaced when ticked', async () => {
    await store.remember('h-mfa-reject', { kind: 'password' }, 'stale-saved-password');
    respond = (r) => ({ answers: r.prompts.map((p) => (/Verification/.test(p.text) ? totpCode(ops.totpSecret) : ops.password)), remember: r.prompts.map(() => true) });
    const c = await engine.open(mfa());
    expect((await execText(engine.target(c.id), 'id -un')).stdout.trim()).toBe('ops');
    expect(summary()).toEqual([
      // sshd's PAM asks for the code even after a wrong password (auth required): the failure never says which.
      { round: 2, prompts: ['Verification code: '], attempt: 1, rejection: null },
      { round: 2, prompts: ['Verification code: '], attempt: 2, rejection: 'Hop 1 (bastion-mfa) rejected the verification code. Enter a new code.' },
      { round: 1, prompts: ['Password: '], attempt: 3, rejection: 'Hop 1 (bastion-mfa) rejected the sign-in again, with a new code, so the saved password is probably wrong. Enter the password and a new code.' },
      { round: 2, prompts: ['Verification code: '], attempt: 3, rejection: null },
    ]);
    await expect.poll(() => store.get('h-mfa-reject', 'password')).toBe(ops.password);
  });

  it('cancelling the question after a rejection ends in one plain sentence naming the hop', async () => {
    await store.remember('h-mfa-reject', { kind: 'password' }, ops.password);
    respond = (r) => (r.rejection ? 'cancel' : { answers: [wrongCode()] });
    const error = (await engine.open(mfa()).catch((e: unknown) => e)) as HoplineError;
    expect(error.code).toBe('PROMPT_CANCELLED');
    expect(error.message).toMatch(/^You cancelled sign-in .*hop 1 \(bastion-mfa\)\.$/);
    expect(asked).toHaveLength(2);
  });
});
