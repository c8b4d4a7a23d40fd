/**
 * connectHop after a rejected keyboard-interactive attempt, against a fake PAM server (an ssh2
 * Server on loopback asking "Password: " then "Verification code: " in two rounds and failing the
 * whole attempt without saying which answer was wrong, as sshd + pam_unix + pam_google_authenticator
 * do), with an in-memory keychain and the real prompt broker. The lab test does the same against
 * real sshd; this one covers every branch quickly, and the timings.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectHop, type HopContext, type LiveHop } from '../../../../../app/main/services/engine/hopConnector';
import type { HopSecrets, RememberedSecret } from '../../../../../app/main/services/engine/hopSecrets';
import { PromptBroker } from '../../../../../app/main/services/engine/promptBroker';
import type { HoplineError } from '../../../../../app/shared/model/errors';
import type { HopTimings } from '../../../../../app/shared/model/hop';
import type { PromptRequest } from '../../../../../app/shared/model/prompt';
import { testHostKey } from '../../../../helpers/hostKey';

const { Server, utils } = ssh2;
const PASSWORD = 'right-password';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface FakePam {
  port: number;
  knownHostsLine: string;
  /** Every attempt's answers, in order: [password, code]. */
  attempts: string[][];
  close(): Promise<void>;
}

/** Accepts PASSWORD with any code in `goodCodes`; a wrong password still gets asked for the code (auth required). */
async function startFakePam(goodCodes: Set<string>): Promise<FakePam> {
  const keys = testHostKey();
  const parsed = utils.parseKey(keys.public);
  if (parsed instanceof Error) throw parsed;
  const attempts: string[][] = [];
  const server = new Server({ hostKeys: [keys.private] }, (client) => {
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'keyboard-interactive') return ctx.reject(['keyboard-interactive']);
      ctx.prompt([{ prompt: 'Password: ', echo: false }], (first) => {
        ctx.prompt([{ prompt: 'Verification code: ', echo: false }], (second) => {
          attempts.push([first[0] ?? '', second[0] ?? '']);
          if (first[0] === PASSWORD && goodCodes.has(second[0] ?? '')) ctx.accept();
          else ctx.reject(['keyboard-interactive']);
        });
      });
    });
    client.on('ready', () => client.end());
    client.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    knownHostsLine: `[127.0.0.1]:${port} ${parsed.type} ${parsed.getPublicSSH().toString('base64')}\n`,
    attempts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** An in-memory keychain: a saved password for host "h1", and what was remembered. */
class FakeSecrets implements HopSecrets {
  remembered: { secret: RememberedSecret; value: string }[] = [];
  constructor(private password: string | null) {}
  async get(_hostId: string, kind: 'password' | 'passphrase') {
    return kind === 'password' ? this.password : null;
  }
  async answer() {
    return null;
  }
  async totpCode() {
    return null;
  }
  async remember(_hostId: string, secret: RememberedSecret, value: string) {
    this.remembered.push({ secret, value });
  }
}

describe('connectHop: a rejected keyboard-interactive attempt asks again only what is in doubt', () => {
  let pam: FakePam;
  let dir: string;
  let broker: PromptBroker;
  let asked: PromptRequest[];
  let live: LiveHop | null;
  let lastTimings: HopTimings;

  beforeEach(async () => {
    pam = await startFakePam(new Set(['222222', '333333']));
    dir = mkdtempSync(path.join(tmpdir(), 'hl-kbd-'));
    writeFileSync(path.join(dir, 'known_hosts'), pam.knownHostsLine);
    broker = new PromptBroker();
    asked = [];
    live = null;
  });
  afterEach(async () => {
    await live?.end();
    await pam.close();
  });

  const ctx = (): HopContext => ({
    circuitId: 'c1',
    ref: { index: 0, name: 'bastion-mfa' },
    count: 1,
    spec: { name: 'bastion-mfa', host: '127.0.0.1', port: pam.port, user: 'ops', auth: [{ kind: 'keyboard-interactive' }], hostId: 'h1', connectTimeoutMs: 10_000 },
  });
  const open = (secrets: FakeSecrets, knownHosts = path.join(dir, 'known_hosts')) =>
    connectHop(ctx(), {
      hostKeyFiles: { userFiles: [], appFile: knownHosts },
      prompts: broker,
      secrets,
      log: () => undefined,
      state: (_s, d) => (lastTimings = { ...d.timings }),
    });
  /** Answers each question with the next of `replies` (by prompt text), after `delayMs`. */
  const answerWith = (replies: Record<string, string[]>, delayMs = 0, remember = false) =>
    broker.onDidRequest((r) => {
      asked.push(r);
      void sleep(delayMs).then(() =>
        r.kind === 'host-key'
          ? broker.decideHostKey(r.id, 'accept-once')
          : broker.answer(
              r.id,
              r.prompts.map((p) => replies[p.text]!.shift()!),
              r.prompts.map(() => remember),
            ),
      );
    });

  it('a saved password and a wrong code: the next dialog names the rejection, counts the attempt, and does not ask the password', async () => {
    answerWith({ 'Verification code: ': ['000000', '222222'] });
    live = await open(new FakeSecrets(PASSWORD));
    expect(asked.map((a) => [a.round, a.prompts.map((p) => p.text), a.attempt, a.rejection?.message ?? null])).toEqual([
      [2, ['Verification code: '], { number: 1, of: 3 }, null],
      [2, ['Verification code: '], { number: 2, of: 3 }, 'Hop 1 (bastion-mfa) rejected the verification code. Enter a new code.'],
    ]);
    // PAM started over from "Password: ": the saved password answered it again by itself.
    expect(pam.attempts).toEqual([
      [PASSWORD, '000000'],
      [PASSWORD, '222222'],
    ]);
  });

  it('a wrong saved password: a fresh code is tried once, then the password is asked with a plain sentence, and kept when ticked', async () => {
    answerWith({ 'Verification code: ': ['222222', '333333', '222222'], 'Password: ': [PASSWORD] }, 0, true);
    const secrets = new FakeSecrets('stale');
    live = await open(secrets);
    expect(asked.map((a) => [a.round, a.prompts.map((p) => p.text), a.attempt?.number, a.rejection?.message ?? null])).toEqual([
      [2, ['Verification code: '], 1, null],
      [2, ['Verification code: '], 2, 'Hop 1 (bastion-mfa) rejected the verification code. Enter a new code.'],
      [1, ['Password: '], 3, 'Hop 1 (bastion-mfa) rejected the sign-in again, with a new code, so the saved password is probably wrong. Enter the password and a new code.'],
      [2, ['Verification code: '], 3, null],
    ]);
    expect(pam.attempts.map((a) => a[0])).toEqual(['stale', 'stale', PASSWORD]);
    // Stored only once accepted; never a code.
    await expect.poll(() => secrets.remembered).toEqual([{ secret: { kind: 'password' }, value: PASSWORD }]);
  });

  it('cancelling the retried question ends with a plain sentence naming the hop', async () => {
    broker.onDidRequest((r) => {
      asked.push(r);
      void sleep(200).then(() => (r.rejection ? broker.cancel(r.id) : broker.answer(r.id, ['000000'], [false])));
    });
    const error = (await open(new FakeSecrets(PASSWORD)).catch((e: unknown) => e)) as HoplineError;
    expect(error.code).toBe('PROMPT_CANCELLED');
    expect(error.message).toMatch(/^You cancelled sign-in .*hop 1 \(bastion-mfa\)\.$/);
    expect(asked).toHaveLength(2);
    // The hop list still learns how long the person spent, though the hop never became ready.
    expect(lastTimings.userWaitMs).toBeGreaterThanOrEqual(400);
  });

  it('handshake and auth times leave out the time the person took; that is reported on its own', async () => {
    // An unknown host key (an empty known_hosts) asks a person too.
    const empty = path.join(dir, 'empty_known_hosts');
    writeFileSync(empty, '');
    answerWith({ 'Verification code: ': ['000000', '222222'] }, 600);
    live = await open(new FakeSecrets(PASSWORD), empty);
    expect(asked.map((a) => a.kind)).toEqual(['host-key', 'keyboard-interactive', 'keyboard-interactive']);
    const t = live.timings;
    expect(t.userWaitMs).toBeGreaterThanOrEqual(3 * 600);
    // Everything is accounted for once: the parts add up to the wall-clock total.
    expect(Math.abs(t.tcpMs! + t.handshakeMs! + t.authMs! + t.userWaitMs! - t.totalMs!)).toBeLessThanOrEqual(5);
    expect(t.handshakeMs!).toBeGreaterThanOrEqual(0);
    expect(t.handshakeMs!).toBeLessThan(600);
    expect(lastTimings).toEqual(t);
  });
});
