/**
 * The circuit engine against hostile SSH servers on loopback (issue 7, item 3): floods, stalls,
 * broken handshakes and server text built to attack a terminal or a page. Each case goes through
 * the real CircuitEngine, most with the hostile server as hop 2 behind a well-behaved bastion, and
 * checks the same things: a typed error naming the hop, whose message is one plain line of
 * bounded length; bounded time (and memory, where the attack is size); nothing left open; and an
 * engine that still opens a good circuit afterwards.
 *
 * No lab needed: `HOPLINE_LAB=skip npx vitest run test/integration/hostileServers.test.ts`.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attachTerminalPrompter } from '../../app/main/cli/terminalPrompter';
import { CircuitEngine } from '../../app/main/services/engine/circuitEngine';
import { MAX_KBD_ROUNDS_PER_ATTEMPT } from '../../app/main/services/engine/hopConnector';
import type { HopSpec } from '../../app/main/services/engine/hopSpec';
import { PromptBroker } from '../../app/main/services/engine/promptBroker';
import { HoplineError, type ErrorCode, type HopRef } from '../../app/shared/model/errors';
import { hopName, hopNameAtStart } from '../../app/shared/model/hopName';
import { PROMPT_TEXT_LIMITS, type PromptRequest } from '../../app/shared/model/prompt';
import {
  actionableCharacters,
  disconnectOnAuth,
  endlessRounds,
  HOSTILE_TEXT,
  HostileServers,
  hostilePrompt,
  MADE_UP_ALGORITHMS,
  measurePeakGrowth,
  promptFlood,
  rawBehaviour,
  silentAuth,
  type SshServerOptions,
} from '../helpers/hostileServers';
import { checkLeaksAfterEach, TCP_RESOURCES } from '../helpers/leakCheck';
import { execText } from '../helpers/ssh';

/** Generous: these are liveness bounds, not performance goals. */
const QUICKLY_MS = 5000;
/** The connect timeout the stall cases run with. */
const SHORT_TIMEOUT_MS = 1500;
/** Memory a megabyte-sized attack may cost this process, server side included. */
const MEMORY_BOUND_MB = 50;
/** The longest error message we accept: a sentence or three, never a server's megabyte. */
const MAX_MESSAGE = 1000;

const hostile = new HostileServers();
let dir: string;
let knownHostsFile: string;
let broker: PromptBroker;
let engine: CircuitEngine;
let asked: PromptRequest[];

function newEngine(): { broker: PromptBroker; engine: CircuitEngine } {
  const b = new PromptBroker();
  return { broker: b, engine: new CircuitEngine({ hostKeyFiles: { userFiles: [], appFile: knownHostsFile }, prompts: b }) };
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'hl-hostile-'));
  knownHostsFile = path.join(dir, 'known_hosts');
  writeFileSync(knownHostsFile, '');
  ({ broker, engine } = newEngine());
  asked = [];
  broker.onDidRequest((r) => {
    asked.push(r);
    // Every ssh2 server's key is in known_hosts, so a host-key question means something went wrong.
    void (r.kind === 'host-key' ? broker.decideHostKey(r.id, 'reject') : broker.answer(r.id, r.prompts.map(() => '000000'), []));
  });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));
checkLeaksAfterEach(TCP_RESOURCES, async () => {
  await engine.dispose();
  await hostile.closeAll();
});

async function sshServer(options: SshServerOptions = {}): Promise<number> {
  const server = await hostile.ssh(options);
  writeFileSync(knownHostsFile, hostile.knownHosts());
  return server.port;
}

function hop(name: string, port: number, extra: Partial<HopSpec> = {}): HopSpec {
  return { name, host: '127.0.0.1', port, user: 'tester', auth: [{ kind: 'password' }], connectTimeoutMs: QUICKLY_MS, ...extra };
}

/** A well-behaved bastion that forwards to loopback, then `port` as hop 2. */
async function behindBastion(name: string, port: number, extra: Partial<HopSpec> = {}): Promise<HopSpec[]> {
  return [hop('bastion', await sshServer({ forwarding: 'loopback' })), hop(name, port, extra)];
}

/** Opens `specs`, expecting a typed failure; returns the error and how long it took. */
async function failure(specs: HopSpec[]): Promise<{ error: HoplineError; ms: number }> {
  const started = Date.now();
  const circuitId = randomUUID();
  const error = await engine.open(specs, circuitId).then(
    () => {
      throw new Error('expected the circuit to fail');
    },
    (e: unknown) => e,
  );
  const ms = Date.now() - started;
  // A failed circuit keeps its hops that are still up (a bastion) for a Retry until it is closed.
  await engine.close(circuitId);
  expect(error).toBeInstanceOf(HoplineError);
  return { error: error as HoplineError, ms };
}

/** The error is typed, names `hop`, and its message is one bounded line a terminal or a page can show as is. */
function expectHopError(error: HoplineError, code: ErrorCode, hop: HopRef): void {
  expect({ code: error.code, hop: error.hop }).toEqual({ code, hop });
  // The one hop-naming form, "hop N (name)", capitalised when it starts the sentence.
  expect([hopName(hop), hopNameAtStart(hop)].some((form) => error.message.includes(form)), error.message).toBe(true);
  expectPlainLine(error.message, MAX_MESSAGE);
  // Raw text (a server's own words) may ride along as the detail: plain and cut short too.
  if (error.detail !== undefined) expectPlainLine(error.detail, MAX_MESSAGE);
  expect(error.toWire()).toEqual({ code, message: error.message, hop, ...(error.detail !== undefined ? { detail: error.detail } : {}) });
}

function expectPlainLine(text: string, max: number): void {
  expect(actionableCharacters(text)).toEqual([]);
  expect(text).not.toMatch(/[\r\n]/);
  expect(text.length).toBeLessThanOrEqual(max);
}

/** After whatever happened, the same engine opens a good circuit, runs a command on it, and holds nothing when it is closed. */
async function expectEngineStillWorks(): Promise<void> {
  expect(engine.liveHopCount).toBe(0);
  const circuit = await engine.open([hop('good', await sshServer())]);
  expect((await execText(engine.target(circuit.id), 'echo ok')).stdout).toBe('ran: echo ok\n');
  await engine.close(circuit.id);
  expect(engine.liveHopCount).toBe(0);
  expect(await broker.outstanding()).toEqual([]);
}

describe('a megabyte of banner', () => {
  it.each([
    ['short lines', 40, /more than 1024 lines of text before its version string/],
    ['1000-character lines', 1000, /more than 64 kB of text before its version string/],
    ['one endless line', 2 ** 20, /more than 64 kB of text before its version string|Header line too long/],
  ])('1 MB of %s before the version string: HANDSHAKE_FAILED naming hop 2, quickly, memory bounded', async (_shape, lineLength, reason) => {
    const port = await hostile.raw(rawBehaviour.linesBeforeIdent(2 ** 20, lineLength));
    const specs = await behindBastion('chatty', port);
    const { outcome, rssMB, heapMB } = await measurePeakGrowth(() => failure(specs));
    expectHopError(outcome.error, 'HANDSHAKE_FAILED', { index: 1, name: 'chatty' });
    expect(outcome.error.message).toMatch(reason);
    expect(outcome.ms).toBeLessThan(QUICKLY_MS);
    expect(rssMB, `RSS grew ${rssMB.toFixed(1)} MB`).toBeLessThan(MEMORY_BOUND_MB);
    expect(heapMB, `heap grew ${heapMB.toFixed(1)} MB`).toBeLessThan(MEMORY_BOUND_MB);
    await expectEngineStillWorks();
  });

  it('the same as hop 1', async () => {
    const { error, ms } = await failure([hop('chatty', await hostile.raw(rawBehaviour.linesBeforeIdent(2 ** 20, 80)))]);
    expectHopError(error, 'HANDSHAKE_FAILED', { index: 0, name: 'chatty' });
    expect(ms).toBeLessThan(QUICKLY_MS);
    await expectEngineStillWorks();
  });

  it('a few lines of hostile text before the version string: the hop connects, the log holds them as one plain bounded line', async () => {
    const port = await sshServer({ greeting: Array.from({ length: 20 }, () => `${HOSTILE_TEXT}${'~'.repeat(200)}`).join('\r\n') });
    const circuit = await engine.open(await behindBastion('greeter', port));
    const logged = engine.eventLog(circuit.id).filter((l) => l.includes('text before the version string'));
    expect(logged).toHaveLength(1);
    expectPlainLine(logged[0]!, 1200);
    expect(logged[0]).toContain('hop 2 (greeter');
    expect(logged[0]).toContain('<img src=x onerror=alert(1)>');
    await engine.close(circuit.id);
    await expectEngineStillWorks();
  });

  it('a 1 MB SSH_MSG_USERAUTH_BANNER: refused by the packet limit, typed, naming hop 2, memory bounded', async () => {
    const port = await sshServer({ banner: `${HOSTILE_TEXT}\r\n${'Authorised use only. '.repeat(50_000)}` });
    const specs = await behindBastion('preachy', port);
    const { outcome, rssMB, heapMB } = await measurePeakGrowth(() => failure(specs));
    expectHopError(outcome.error, 'HANDSHAKE_FAILED', { index: 1, name: 'preachy' });
    expect(outcome.ms).toBeLessThan(QUICKLY_MS);
    expect(rssMB, `RSS grew ${rssMB.toFixed(1)} MB`).toBeLessThan(MEMORY_BOUND_MB);
    expect(heapMB, `heap grew ${heapMB.toFixed(1)} MB`).toBeLessThan(MEMORY_BOUND_MB);
    expect(asked).toEqual([]);
    await expectEngineStillWorks();
  });

  it('a 30 kB banner full of escapes and HTML: the hop connects, the log holds one plain bounded line of it', async () => {
    const port = await sshServer({ banner: `${HOSTILE_TEXT}\r\n${`${HOSTILE_TEXT}\r\n`.repeat(30_000 / HOSTILE_TEXT.length)}` });
    const circuit = await engine.open(await behindBastion('preachy', port));
    const logged = engine.eventLog(circuit.id).filter((l) => l.includes('banner:'));
    expect(logged).toHaveLength(1);
    expectPlainLine(logged[0]!, 1200);
    expect(logged[0]).toContain('hop 2 (preachy');
    await engine.close(circuit.id);
    await expectEngineStillWorks();
  });
});

describe('keyboard-interactive floods', () => {
  it('1000 prompts in one round: refused before anyone is asked, naming hop 2', async () => {
    const port = await sshServer({ auth: promptFlood(1000) });
    const { error, ms } = await failure(await behindBastion('quizmaster', port, { auth: [{ kind: 'keyboard-interactive' }] }));
    expectHopError(error, 'AUTH_FAILED', { index: 1, name: 'quizmaster' });
    expect(error.message).toContain('1000 prompts');
    expect(ms).toBeLessThan(QUICKLY_MS);
    expect(asked).toEqual([]);
    await expectEngineStillWorks();
  });

  it(`1000 rounds of one prompt: stopped after ${MAX_KBD_ROUNDS_PER_ATTEMPT} rounds, naming hop 2`, async () => {
    const record = { answered: 0 };
    const port = await sshServer({ auth: endlessRounds(1000, record) });
    const { error } = await failure(await behindBastion('quizmaster', port, { auth: [{ kind: 'keyboard-interactive' }] }));
    expectHopError(error, 'AUTH_FAILED', { index: 1, name: 'quizmaster' });
    expect(error.message).toMatch(/keyboard-interactive rounds/);
    expect(asked.map((a) => [a.kind, a.round, a.hop.index])).toEqual(Array.from({ length: MAX_KBD_ROUNDS_PER_ATTEMPT }, (_, i) => ['keyboard-interactive', i + 1, 1]));
    expect(record.answered).toBe(MAX_KBD_ROUNDS_PER_ATTEMPT);
    await expectEngineStillWorks();
  });

  it('endless rounds with no prompt (ssh2 answers those itself): nobody is asked, and the connect timeout ends it, naming hop 2', async () => {
    const record = { answered: 0 };
    const port = await sshServer({ auth: endlessRounds(Number.POSITIVE_INFINITY, record, 0) });
    const { error, ms } = await failure(await behindBastion('quizmaster', port, { auth: [{ kind: 'keyboard-interactive' }], connectTimeoutMs: SHORT_TIMEOUT_MS }));
    expectHopError(error, 'HOP_TIMEOUT', { index: 1, name: 'quizmaster' });
    expect(error.message).toMatch(/during authentication/);
    expect(ms).toBeLessThan(SHORT_TIMEOUT_MS + QUICKLY_MS);
    expect(asked).toEqual([]);
    expect(record.answered).toBeGreaterThan(MAX_KBD_ROUNDS_PER_ATTEMPT);
    await expectEngineStillWorks();
  });
});

describe('server text with escape sequences and HTML', () => {
  const name = `${HOSTILE_TEXT}${'N'.repeat(3000)}`;
  const instructions = `${HOSTILE_TEXT}\n${'I'.repeat(15_000)}`;
  const prompt = `${HOSTILE_TEXT} Code: ${'P'.repeat(3000)}`;

  it('reaches the prompt broker as plain text within the prompt limits; the answer still works', async () => {
    const port = await sshServer({ auth: hostilePrompt(name, instructions, prompt) });
    const circuit = await engine.open(await behindBastion('artful', port, { auth: [{ kind: 'keyboard-interactive' }] }));
    expect(circuit.state).toBe('open');
    expect(asked).toHaveLength(1);
    const request = asked[0]!;
    expect(request.hop).toEqual({ index: 1, count: 2, name: 'artful' });
    for (const [text, max] of [
      [request.name, PROMPT_TEXT_LIMITS.name],
      [request.instructions, PROMPT_TEXT_LIMITS.instructions],
      [request.prompts[0]!.text, PROMPT_TEXT_LIMITS.prompt],
    ] as const) {
      expect(actionableCharacters(text)).toEqual([]);
      expect(text.length).toBeLessThanOrEqual(max);
      // Shown, not obeyed: the escapes are visible as text, and the HTML is just characters.
      expect(text).toContain('\\x1b]0;pwned\\x07');
      expect(text).toContain('\\u202e');
      expect(text).toContain('<img src=x onerror=alert(1)>');
    }
    expect(request.prompts[0]!.text).toMatch(/more characters\)$/);
    await engine.close(circuit.id);
    await expectEngineStillWorks();
  });

  it('the CLI prompter writes no control sequence to stderr or to HOPLINE_ASKPASS', async () => {
    const port = await sshServer({ auth: hostilePrompt(name, instructions, prompt) });
    const specs = await behindBastion('artful', port, { auth: [{ kind: 'keyboard-interactive' }] });
    const questions = path.join(dir, 'questions.jsonl');
    const askpass = path.join(dir, 'askpass');
    writeFileSync(askpass, `#!${process.execPath}\nrequire('fs').appendFileSync(${JSON.stringify(questions)}, JSON.stringify(process.argv[2]) + '\\n');\nprocess.stdout.write('123456\\n');\n`);
    chmodSync(askpass, 0o700);
    let stderr = '';
    const sink = { write: (chunk: string) => ((stderr += chunk), true) } as unknown as NodeJS.WritableStream;
    const cli = newEngine();
    attachTerminalPrompter(cli.broker, sink, { HOPLINE_ASKPASS: askpass });
    try {
      const circuit = await cli.engine.open(specs);
      expect(circuit.state).toBe('open');
    } finally {
      await cli.engine.dispose();
    }
    const asks = readFileSync(questions, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as string);
    expect(asks).toHaveLength(1);
    expect(asks[0]).toMatch(/^\[hop 2 of 2 · artful\] /);
    expectPlainLine(asks[0]!, 700);
    expect(actionableCharacters(stderr)).toEqual([]);
    expect(stderr).toContain('[hop 2 of 2 · artful] ');
    expect(stderr.length).toBeLessThan(PROMPT_TEXT_LIMITS.name + PROMPT_TEXT_LIMITS.instructions + 100);
    await expectEngineStillWorks();
  });

  it("a DISCONNECT whose reason is hostile text: HANDSHAKE_FAILED naming hop 2, the server's words plain and cut short", async () => {
    const port = await hostile.raw(rawBehaviour.disconnectWith(2, `${HOSTILE_TEXT}${'D'.repeat(30_000)}`));
    const { error, ms } = await failure(await behindBastion('rude', port));
    expectHopError(error, 'HANDSHAKE_FAILED', { index: 1, name: 'rude' });
    expect(error.message).toContain('disconnected during the SSH handshake');
    expect(error.message).toContain('<img src=x onerror=alert(1)>');
    expect(ms).toBeLessThan(QUICKLY_MS);
    await expectEngineStillWorks();
  });

  it('a DISCONNECT during authentication (as OpenSSH sends after too many failures): AUTH_FAILED naming hop 2', async () => {
    const { error, ms } = await failure(await behindBastion('strict', await sshServer({ auth: disconnectOnAuth(2) })));
    expectHopError(error, 'AUTH_FAILED', { index: 1, name: 'strict' });
    expect(error.message).toContain('disconnected during authentication: PROTOCOL_ERROR');
    expect(error.detail).toBe('SSH disconnect reason 2');
    expect(ms).toBeLessThan(QUICKLY_MS);
    await expectEngineStillWorks();
  });

  it('a bastion refusing the forward with hostile text: FORWARD_REFUSED naming hop 1, plain and cut short', async () => {
    const bastion = await sshServer({ forwarding: { refuseWith: `${HOSTILE_TEXT}${'R'.repeat(30_000)}` } });
    const { error, ms } = await failure([hop('gatekeeper', bastion), hop('beyond', await sshServer())]);
    expectHopError(error, 'FORWARD_REFUSED', { index: 0, name: 'gatekeeper' });
    expect(error.message).toContain('for hop 2 (beyond)');
    // The server's text is under Details, not in the sentence.
    expect(error.detail).toContain('<img src=x onerror=alert(1)>');
    expect(error.message).not.toContain('<img');
    expect(ms).toBeLessThan(QUICKLY_MS);
    await expectEngineStillWorks();
  });
});

describe('stalls', () => {
  const stalls: [string, () => Promise<number>, RegExp][] = [
    ['after its version string', () => hostile.raw(rawBehaviour.identThenSilence), /during the SSH handshake/],
    ['after its KEXINIT', () => hostile.raw(rawBehaviour.kexInitThenSilence), /during the SSH handshake/],
    ['on an authentication request', () => sshServer({ auth: silentAuth }), /during authentication/],
  ];

  it.each(stalls)('a server that goes silent %s: HOP_TIMEOUT naming hop 2 once its connect timeout has passed', async (_what, start, phase) => {
    const specs = await behindBastion('sleepy', await start(), { connectTimeoutMs: SHORT_TIMEOUT_MS });
    const { error, ms } = await failure(specs);
    expectHopError(error, 'HOP_TIMEOUT', { index: 1, name: 'sleepy' });
    expect(error.message).toMatch(phase);
    expect(ms).toBeGreaterThanOrEqual(SHORT_TIMEOUT_MS - 50);
    expect(ms).toBeLessThan(SHORT_TIMEOUT_MS + QUICKLY_MS);
    await expectEngineStillWorks();
  });

  it('a bastion that never answers the channel open: HOP_TIMEOUT naming hop 2, the hop it could not reach', async () => {
    const bastion = await sshServer({ forwarding: 'stall' });
    const { error, ms } = await failure([hop('tarpit', bastion), hop('beyond', await sshServer(), { connectTimeoutMs: SHORT_TIMEOUT_MS })]);
    expectHopError(error, 'HOP_TIMEOUT', { index: 1, name: 'beyond' });
    expect(error.message).toContain('through hop 1 (tarpit)');
    expect(ms).toBeGreaterThanOrEqual(SHORT_TIMEOUT_MS - 50);
    expect(ms).toBeLessThan(SHORT_TIMEOUT_MS + QUICKLY_MS);
    await expectEngineStillWorks();
  });
});

describe('broken handshakes', () => {
  it('a server that closes right after the version exchange: HANDSHAKE_FAILED naming hop 2, quickly', async () => {
    const { error, ms } = await failure(await behindBastion('shy', await hostile.raw(rawBehaviour.closeAfterIdent)));
    expectHopError(error, 'HANDSHAKE_FAILED', { index: 1, name: 'shy' });
    expect(error.message).toContain('closed the connection during the SSH handshake');
    expect(ms).toBeLessThan(QUICKLY_MS);
    await expectEngineStillWorks();
  });

  it('the same as hop 1', async () => {
    const { error, ms } = await failure([hop('shy', await hostile.raw(rawBehaviour.closeAfterIdent))]);
    expectHopError(error, 'HANDSHAKE_FAILED', { index: 0, name: 'shy' });
    expect(ms).toBeLessThan(QUICKLY_MS);
    await expectEngineStillWorks();
  });

  it('a server offering only made-up algorithms: HANDSHAKE_FAILED naming hop 2, no algorithm in common, quickly', async () => {
    const { error, ms } = await failure(await behindBastion('exotic', await hostile.raw(rawBehaviour.kexInitWith(MADE_UP_ALGORITHMS))));
    expectHopError(error, 'HANDSHAKE_FAILED', { index: 1, name: 'exotic' });
    expect(error.message).toContain('no key exchange algorithm in common with the server');
    expect(ms).toBeLessThan(QUICKLY_MS);
    await expectEngineStillWorks();
  });

  it('an ssh2 server offering only a key exchange ssh2 will not use (diffie-hellman-group1-sha1): the same, as hop 1', async () => {
    const port = await sshServer({ algorithms: { kex: ['diffie-hellman-group1-sha1'] } });
    const { error, ms } = await failure([hop('antique', port)]);
    expectHopError(error, 'HANDSHAKE_FAILED', { index: 0, name: 'antique' });
    expect(error.message).toContain('no key exchange algorithm in common with the server');
    expect(ms).toBeLessThan(QUICKLY_MS);
    await expectEngineStillWorks();
  });
});
