/**
 * Reconnect and Retry touch only what died (issue 14, item 2 and 4), against real OpenSSH in the
 * lab: the target's sshd crashes, the bastions stay up (hop states say so), and repair() rebuilds
 * only the target under the same circuit id without one question; a circuit that failed while
 * opening keeps its live hops the same way; and what a failed circuit keeps is let go on close,
 * on its timeout, and when the person cancelled.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { CircuitEngine } from '../../app/main/services/engine/circuitEngine';
import type { HopSpec } from '../../app/main/services/engine/hopSpec';
import { PromptBroker } from '../../app/main/services/engine/promptBroker';
import type { WireError } from '../../app/shared/model/errors';
import type { HopStateEvent } from '../../app/shared/model/hop';
import type { PromptRequest } from '../../app/shared/model/prompt';
import { checkLeaksAfterEach, TCP_RESOURCES } from '../helpers/leakCheck';
import { execText } from '../helpers/ssh';
import { labKillSshd, labRestartSshd, labRestore, labSessionPids, totpCode, type LabStatus } from '../lab/lab';
import { requirement } from '../setup/requirements';

const lab = inject('lab');
const runs = requirement('the real-OpenSSH lab', lab ? null : (inject('labMissing') ?? 'lab not up'));

describe.runIf(runs)('reconnect rebuilds only the hops that died (lab)', () => {
  const status = lab as LabStatus;
  const addr = (name: string) => status.hosts.find((h) => h.name === name)!.address;
  const dir = mkdtempSync(path.join(tmpdir(), 'hl-reconnect-'));
  copyFileSync(status.knownHosts, path.join(dir, 'known_hosts'));
  let broker: PromptBroker;
  let engine: CircuitEngine;
  let asked: PromptRequest[];
  let states: HopStateEvent[];
  let failures: { circuitId: string; error: WireError }[];
  /** A hop whose questions are cancelled, as a person pressing Cancel would. */
  let cancelAtHop: number | null = null;

  const make = (keepLivePrefixMs?: number): void => {
    broker = new PromptBroker();
    engine = new CircuitEngine({ hostKeyFiles: { userFiles: [], appFile: path.join(dir, 'known_hosts') }, prompts: broker, ...(keepLivePrefixMs ? { keepLivePrefixMs } : {}) });
    engine.onDidChangeHopState((e) => states.push(e));
    engine.onDidFail((f) => failures.push(f));
    broker.onDidRequest((r) => {
      asked.push(r);
      if (r.hop.index === cancelAtHop) void broker.cancel(r.id);
      else void broker.answer(r.id, r.prompts.map((p) => (p.text.startsWith('Password') ? status.users.ops.password : totpCode(status.users.ops.totpSecret))), []);
    });
  };

  beforeEach(() => {
    asked = [];
    states = [];
    failures = [];
    cancelAtHop = null;
    make();
  });
  // The engine is disposed after each test, and then nothing of it may be left open.
  checkLeaksAfterEach(TCP_RESOURCES, async () => {
    await labRestore();
    await engine.dispose();
    expect(engine.describePool()).toEqual([]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const key = (): HopSpec['auth'] => [{ kind: 'publickey', keyFile: status.clientKey }];
  /** ops: password + TOTP on bastion-mfa (asked), a key on bastion-key and on the target (never asked). */
  const route = (): HopSpec[] => [
    { name: 'bastion-mfa', host: addr('bastion-mfa'), port: 22, user: 'ops', auth: [{ kind: 'keyboard-interactive' }], connectTimeoutMs: 10_000 },
    { name: 'bastion-key', host: addr('bastion-key'), port: 22, user: 'ops', auth: key(), connectTimeoutMs: 10_000 },
    { name: 'target', host: addr('target'), port: 22, user: 'ops', auth: key(), connectTimeoutMs: 10_000 },
  ];
  const statesOf = (circuitId: string, since: number, index: number) => states.slice(since).filter((s) => s.circuitId === circuitId && s.hop.index === index).map((s) => s.state);

  it("the target's sshd crashes: the bastions stay up and say so; repair rebuilds only the target, same id, no question", { timeout: 90_000 }, async () => {
    const circuit = await engine.open(route());
    expect(asked.map((a) => [a.hop.index, a.prompts.map((p) => p.text)])).toEqual([[0, ['Password: ']], [0, ['Verification code: ']]]);
    const mfaSessions = labSessionPids('bastion-mfa').length;

    const sinceKill = states.length;
    await labKillSshd('target');
    await expect.poll(() => failures.length, { timeout: 10_000 }).toBe(1);
    expect(failures[0]).toMatchObject({ circuitId: circuit.id, error: { code: 'HOP_LOST', hop: { index: 2, name: 'target' } } });
    // Truthful hop states: the target failed; the bastions, which did not close, are never said to.
    await expect.poll(() => statesOf(circuit.id, sinceKill, 2)).toContain('closed');
    expect(statesOf(circuit.id, sinceKill, 2)[0]).toBe('failed');
    expect(statesOf(circuit.id, sinceKill, 0)).toEqual([]);
    expect(statesOf(circuit.id, sinceKill, 1)).toEqual([]);
    expect(engine.liveHopCount).toBe(2);
    expect(labSessionPids('bastion-mfa').length).toBe(mfaSessions);
    expect(engine.eventLog(circuit.id).join('\n')).toMatch(/keeping hop 1 \(bastion-mfa\), hop 2 \(bastion-key\) up for a reconnect/);

    await labRestartSshd('target');
    asked.length = 0;
    const sinceRepair = states.length;
    const repaired = await engine.repair(circuit.id);
    expect(repaired).toMatchObject({ id: circuit.id, state: 'open', error: null });
    expect(asked).toEqual([]);
    expect(labSessionPids('bastion-mfa').length).toBe(mfaSessions);
    expect(statesOf(circuit.id, sinceRepair, 0)).toEqual(['ready']);
    expect(statesOf(circuit.id, sinceRepair, 1)).toEqual(['ready']);
    expect(statesOf(circuit.id, sinceRepair, 2)).toEqual(expect.arrayContaining(['connecting', 'authenticating', 'ready']));
    const log = engine.eventLog(circuit.id).join('\n');
    expect(log).toContain('hop 1 (bastion-mfa): still connected, reused');
    expect(log).toContain('hop 2 (bastion-key): still connected, reused');
    expect(log).toContain('hop 3 (target): rebuilding');
    expect(log).toMatch(/reconnected in \d+ ms/);
    expect((await execText(engine.target(circuit.id), 'hostname')).stdout.trim()).toBe('hl-target');
    expect(engine.liveHopCount).toBe(3);
    // Repairing an open circuit has nothing to do.
    expect(await engine.repair(circuit.id)).toMatchObject({ id: circuit.id, state: 'open' });
    await engine.close(circuit.id);
    expect(engine.liveHopCount).toBe(0);
  });

  it('a circuit that fails to open at the target keeps the bastions; Retry (repair) asks nothing again', { timeout: 90_000 }, async () => {
    await labKillSshd('target');
    const id = crypto.randomUUID();
    await expect(engine.open(route(), id)).rejects.toMatchObject({ hop: { index: 2, name: 'target' } });
    expect(asked.filter((a) => a.hop.index === 0)).toHaveLength(2);
    expect(engine.liveHopCount).toBe(2);
    // Still down: the repair fails the same way, and still keeps what is up.
    asked.length = 0;
    await expect(engine.repair(id)).rejects.toMatchObject({ hop: { index: 2, name: 'target' } });
    expect(engine.liveHopCount).toBe(2);
    await labRestartSshd('target');
    expect(await engine.repair(id)).toMatchObject({ id, state: 'open' });
    expect(asked).toEqual([]);
    expect((await execText(engine.target(id), 'echo back')).stdout.trim()).toBe('back');
  });

  it('what a failed circuit keeps is let go: at once on close, after the hold time without a reconnect, and never kept after a cancel', { timeout: 90_000 }, async () => {
    make(1500);
    await labKillSshd('target');
    const closed = crypto.randomUUID();
    await expect(engine.open(route(), closed)).rejects.toMatchObject({ hop: { index: 2 } });
    expect(engine.liveHopCount).toBe(2);
    await engine.close(closed);
    expect(engine.liveHopCount).toBe(0);
    await expect(engine.repair(closed)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });

    const timedOut = crypto.randomUUID();
    await expect(engine.open(route(), timedOut)).rejects.toMatchObject({ hop: { index: 2 } });
    expect(engine.liveHopCount).toBe(2);
    await expect.poll(() => engine.liveHopCount, { timeout: 5000 }).toBe(0);
    expect(engine.eventLog(timedOut).join('\n')).toMatch(/no reconnect within 2 s: closing the hops kept for it/);
    await labRestartSshd('target');

    // The person cancelled the target's password question: they gave up, so nothing is kept.
    cancelAtHop = 2;
    const byPassword = route();
    byPassword[2] = { ...byPassword[2]!, auth: [{ kind: 'password' }] };
    await expect(engine.open(byPassword)).rejects.toMatchObject({ code: 'PROMPT_CANCELLED', hop: { index: 2 } });
    expect(engine.liveHopCount).toBe(0);
  });
});
