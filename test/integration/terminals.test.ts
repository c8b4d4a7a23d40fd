/**
 * Terminals end to end, as the renderer will use them: web mode in its own process, the lab's
 * three hops (user `bench`, key only, known host keys copied in), the JSON contract and the
 * binary terminal frames on one real WebSocket, and the shared TerminalStreams helper acking
 * what it received (standing in for xterm's write callback).
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FLOW_LIMITS } from '../../app/main/services/terminals/flowControl';
import { FLOW_LAW_DEFAULTS } from '../../app/shared/flow/flowLaw';
import type { WireError } from '../../app/shared/model/errors';
import type { HostInput } from '../../app/shared/model/host';
import { checkLeaksAfterEach, TCP_RESOURCES } from '../helpers/leakCheck';
import { startWebProcess, type WebProcess } from '../helpers/webProcess';
import { connectWeb, type WebClient } from '../helpers/webTerminalClient';
import { labKillSshd, labRestartSshd, type LabStatus } from '../lab/lab';
import { requirement } from '../setup/requirements';

const lab = inject('lab');
const runs = requirement('the real-OpenSSH lab', lab ? null : (inject('labMissing') ?? 'lab not up'));

const KiB = 1024;
const MiB = 1024 * KiB;
const BIG = 64 * MiB;
/** 'Z': the byte the big file is made of; no command typed below contains it. */
const Z = 0x5a;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One attached terminal's output, acked on receipt (like xterm's write callback) unless told not to. */
class Term {
  total = 0;
  zs = 0;
  unacked = 0;
  autoAck = true;
  private text = '';

  constructor(private readonly client: WebClient, readonly terminalId: string, readonly streamId: number) {
    client.streams.attach(streamId, (bytes) => {
      this.total += bytes.length;
      for (let i = 0; i < bytes.length; i++) if (bytes[i] === Z) this.zs++;
      // Keep the last 256 KiB as text: enough for any marker, bounded for 64 MiB.
      this.text = (this.text + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')).slice(-256 * KiB);
      if (this.autoAck) client.streams.ack(streamId, bytes.length);
      else this.unacked += bytes.length;
    });
  }

  get output(): string {
    return this.text;
  }

  type(text: string): void {
    this.client.streams.input(this.streamId, Buffer.from(text, 'utf8'));
  }

  /** Acks everything held back, and acks on receipt from now on. */
  release(): void {
    this.autoAck = true;
    const owed = this.unacked;
    this.unacked = 0;
    this.client.streams.ack(this.streamId, owed);
  }

  async waitFor(pattern: RegExp, timeout = 15_000): Promise<void> {
    await expect.poll(() => this.text, { timeout, interval: 20 }).toMatch(pattern);
  }

  /** Resolves once no byte arrived for `quietMs`; returns when the last byte came. */
  async quiet(quietMs: number, limitMs: number): Promise<number> {
    const started = Date.now();
    let seen = this.total;
    let lastChange = Date.now();
    while (Date.now() - lastChange < quietMs) {
      if (Date.now() - started > limitMs) throw new Error(`output did not go quiet within ${limitMs} ms`);
      await sleep(20);
      if (this.total !== seen) {
        seen = this.total;
        lastChange = Date.now();
      }
    }
    return lastChange;
  }
}

describe.runIf(runs)('terminals over web mode (lab, binary frames)', () => {
  const status = lab as LabStatus;
  const addr = (name: string) => status.hosts.find((h) => h.name === name)!.address;
  let web: WebProcess;
  let home: string;
  let dataDir: string;
  let hostIds: string[] = [];
  const opened: WebClient[] = [];
  const bigFile = `/tmp/hl-terminals-${process.pid}`;

  const client = async (): Promise<WebClient> => {
    const c = await connectWeb(web.port, web.token);
    opened.push(c);
    return c;
  };

  const host = (name: string): HostInput => ({
    name, address: addr(name), port: 22, user: 'bench', auth: [{ kind: 'publickey', keyFile: status.clientKey }],
    agentForward: false, keepaliveIntervalSec: 15, keepaliveCountMax: 3, connectTimeoutSec: 10, proxy: null,
  });

  const openTerm = async (c: WebClient, circuitId: string, cols = 80, rows = 24, closeCircuitWhenLastEnds?: boolean): Promise<Term> => {
    const { terminalId, streamId } = await c.api.terminals.open({ circuitId, cols, rows, ...(closeCircuitWhenLastEnds === undefined ? {} : { closeCircuitWhenLastEnds }) });
    return new Term(c, terminalId, streamId);
  };

  const circuitIsGone = async (c: WebClient, circuitId: string) => !(await c.api.circuits.list()).some((x) => x.id === circuitId);

  beforeAll(async () => {
    home = mkdtempSync(path.join(tmpdir(), 'hl-terminals-home-'));
    dataDir = mkdtempSync(path.join(tmpdir(), 'hl-terminals-data-'));
    copyFileSync(status.knownHosts, path.join(dataDir, 'known_hosts'));
    // No session bus: the credential store says so and keeps to memory; `bench` needs no secret.
    web = await startWebProcess({ dataDir, env: { PATH: process.env.PATH, HOME: home, DBUS_SESSION_BUS_ADDRESS: `unix:path=${path.join(home, 'no-bus')}` } });
    const setup = await connectWeb(web.port, web.token);
    try {
      hostIds = [];
      for (const name of ['bastion-mfa', 'bastion-key', 'target']) hostIds.push((await setup.api.hosts.save(host(name))).id);
    } finally {
      await setup.close();
    }
  });
  afterAll(async () => {
    await web?.stop();
    for (const dir of [home, dataDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // Every WebSocket a test opens is closed after it, and nothing is left open in this process.
  checkLeaksAfterEach(TCP_RESOURCES, async () => {
    for (const c of opened.splice(0)) {
      expect(c.errors, 'no error frame came back').toEqual([]);
      await c.close();
    }
  });

  it('two terminals on one circuit: echo round trip, TERM, stty size at open and after a resize; the last one closes the circuit', async () => {
    const c = await client();
    const circuit = await c.api.circuits.open({ hostIds });
    expect(circuit).toMatchObject({ state: 'open', remoteHostname: 'hl-target' });
    const one = await openTerm(c, circuit.id, 100, 30);
    const two = await openTerm(c, circuit.id, 90, 20);
    expect(one.streamId).not.toBe(two.streamId);
    expect((await c.api.terminals.list()).filter((t) => t.circuitId === circuit.id)).toEqual([
      { terminalId: one.terminalId, streamId: one.streamId, circuitId: circuit.id, cols: 100, rows: 30 },
      { terminalId: two.terminalId, streamId: two.streamId, circuitId: circuit.id, cols: 90, rows: 20 },
    ]);

    one.type('echo "hl-$((40+2))-one:$TERM"\r');
    await one.waitFor(/hl-42-one:xterm-256color/);
    expect(two.output).not.toContain('hl-42-one');
    two.type('echo "$(whoami)@$(hostname)"; stty size\r');
    await two.waitFor(/bench@hl-target\r\n20 90\r\n/);
    await c.api.terminals.resize(two.terminalId, 132, 43);
    two.type('stty size\r');
    await two.waitFor(/43 132\r\n/);
    one.type('stty size\r');
    await one.waitFor(/30 100\r\n/);

    await c.api.terminals.close(one.terminalId);
    expect(await circuitIsGone(c, circuit.id)).toBe(false);
    await c.api.terminals.close(two.terminalId);
    await expect.poll(() => circuitIsGone(c, circuit.id)).toBe(true);
    expect((await c.api.terminals.list()).filter((t) => t.circuitId === circuit.id)).toEqual([]);
  });

  it('a new connection (a reloaded page) finds a terminal in list() and attaches again by stream id', async () => {
    const first = await client();
    const circuit = await first.api.circuits.open({ hostIds });
    const term = await openTerm(first, circuit.id);
    term.type('echo "first-$((1+1))"\r');
    await term.waitFor(/first-2/);
    await first.close();

    const second = await client();
    const listed = (await second.api.terminals.list()).find((t) => t.terminalId === term.terminalId)!;
    expect(listed.streamId).toBe(term.streamId);
    const again = new Term(second, listed.terminalId, listed.streamId);
    again.type('echo "second-$((2+2))"\r');
    await again.waitFor(/second-4/);
    await second.api.terminals.close(term.terminalId);
    await expect.poll(() => circuitIsGone(second, circuit.id)).toBe(true);
  });

  it('a second client attaching with replay gets the screen (the earlier marker) first, then the live output, while the first keeps its stream', async () => {
    const first = await client();
    const circuit = await first.api.circuits.open({ hostIds });
    const term = await openTerm(first, circuit.id, 80, 24);
    term.type('echo "before-$((20+3))"\r');
    await term.waitFor(/before-23\r\n/);
    // A full-screen program's alternate screen is part of what comes back.
    term.type(`printf '\\e[?1049h'; echo "inside-$((30+4))"\r`);
    await term.waitFor(/inside-34\r\n/);

    const second = await client();
    const listed = (await second.api.terminals.list()).find((t) => t.terminalId === term.terminalId)!;
    const chunks: string[] = [];
    second.streams.attach(
      listed.streamId,
      (bytes, processed) => {
        chunks.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
        processed();
      },
      { replay: true },
    );
    await expect.poll(() => chunks.join(''), { timeout: 15_000, interval: 20 }).toMatch(/inside-34/);
    const replayed = chunks.join('');
    // The earlier output, in the order it was on screen, inside the alternate screen.
    const enter = replayed.indexOf('\x1b[?1049h');
    expect(enter).toBeGreaterThan(replayed.indexOf('before-23\r\n'));
    expect(replayed.indexOf('before-23\r\n')).toBeGreaterThanOrEqual(0);
    expect(replayed.indexOf('inside-34', enter)).toBeGreaterThan(enter);
    // Live output follows, once, on both clients.
    second.streams.input(listed.streamId, Buffer.from('echo "after-$((40+5))"\r'));
    await term.waitFor(/after-45\r\n/);
    await expect.poll(() => chunks.join(''), { timeout: 15_000, interval: 20 }).toMatch(/after-45\r\n/);
    expect(chunks.join('').match(/after-45\r\n/g)).toHaveLength(1);
    expect(chunks.join('').match(/before-23\r\n/g)).toHaveLength(1);
    await first.api.circuits.close(circuit.id);
  });

  it('cat of 64 MiB arrives byte for byte with acks; with acks withheld the output stops near the high watermark, then resumes', { timeout: 240_000 }, async () => {
    const c = await client();
    const circuit = await c.api.circuits.open({ hostIds });
    const term = await openTerm(c, circuit.id);
    // \132 is 'Z': the command line itself holds none.
    term.type(`head -c ${BIG} /dev/zero | tr '\\0' '\\132' > ${bigFile}; echo "made-$((6*7))"\r`);
    await term.waitFor(/made-42/, 60_000);
    expect(term.zs).toBe(0);

    const started = Date.now();
    term.type(`cat ${bigFile}; echo; echo "done-$((6*7))"\r`);
    await term.waitFor(/done-42/, 120_000);
    const seconds = (Date.now() - started) / 1000;
    expect(term.zs).toBe(BIG);
    console.info(`64 MiB through 3 hops and the WebSocket in ${seconds.toFixed(1)} s (${(64 / seconds).toFixed(1)} MiB/s), ${c.binaryFrames} binary frames`);

    // The same again, acking nothing: the channel pauses, the remote stalls, bytes stop arriving.
    const held = await openTerm(c, circuit.id);
    held.type('echo "ready-$((3*3))"\r');
    await held.waitFor(/ready-9/);
    held.autoAck = false;
    const before = held.total;
    held.type(`cat ${bigFile}; echo; echo "end-$((6*7))"\r`);
    await held.quiet(1500, 30_000);
    const plateau = held.total;
    const unackedAtPlateau = held.unacked;
    console.info(`withholding acks: output stopped at ${plateau - before} bytes (${unackedAtPlateau} unacked; in-flight floor ${FLOW_LAW_DEFAULTS.floorBytes}, slow start ${FLOW_LAW_DEFAULTS.restartBytes})`);
    // Everything the main side sent is unacknowledged, and it stays paused: the channel paused when
    // the reader furthest behind (this client, or the screen mirror while it parsed) owed HIGH, the
    // page leg of flow control's law (app/shared/flow/flowLaw.ts), which for a viewer that has
    // acked nothing but echoes stays near where a new terminal starts: at least the floor, and at
    // most slow start's cap. So the plateau lies in that range, plus at most one 64 KiB batch.
    expect(unackedAtPlateau).toBeGreaterThanOrEqual(FLOW_LAW_DEFAULTS.floorBytes);
    expect(unackedAtPlateau).toBeLessThanOrEqual(FLOW_LAW_DEFAULTS.restartBytes + FLOW_LIMITS.batchBytes);
    await sleep(1000);
    expect(held.total).toBe(plateau);
    // Acks again: the rest flows, and not a byte was lost to the pause.
    held.release();
    await held.waitFor(/end-42/, 120_000);
    expect(held.zs).toBe(BIG);

    term.type(`rm -f ${bigFile}; echo "removed-$((5*5))"\r`);
    await term.waitFor(/removed-25/);
    await c.api.circuits.close(circuit.id);
  });

  it('`yes` then Ctrl-C goes quiet within a bounded time, and the shell answers again', { timeout: 60_000 }, async () => {
    const c = await client();
    const circuit = await c.api.circuits.open({ hostIds });
    const term = await openTerm(c, circuit.id);
    term.type('echo "go-$((2*2))"\r');
    await term.waitFor(/go-4/);
    term.type('yes\r');
    await expect.poll(() => term.total, { timeout: 15_000, interval: 20 }).toBeGreaterThan(4 * MiB);
    const interrupted = Date.now();
    term.type('\x03');
    const lastByte = await term.quiet(500, 20_000);
    const tookMs = lastByte - interrupted;
    console.info(`yes: quiet ${tookMs} ms after Ctrl-C`);
    expect(tookMs).toBeLessThan(5000);
    term.type('echo "alive-$((2+3))"\r');
    await term.waitFor(/alive-5/);
    await c.api.circuits.close(circuit.id);
  });

  it('`exit 3` arrives through onDidExit; with closeCircuitWhenLastEnds false the circuit stays open', async () => {
    const c = await client();
    const exits: unknown[] = [];
    const ends: unknown[] = [];
    c.api.terminals.onDidExit((e) => exits.push(e));
    c.api.terminals.onDidEnd((e) => ends.push(e));
    const circuit = await c.api.circuits.open({ hostIds });
    const term = await openTerm(c, circuit.id, 80, 24, false);
    term.type('echo "bye-$((1+2))"; exit 3\r');
    await expect.poll(() => exits).toEqual([{ terminalId: term.terminalId, exitCode: 3, signal: null }]);
    expect(term.output).toMatch(/bye-3/);
    expect(ends).toEqual([]);
    expect((await c.api.terminals.list()).some((t) => t.terminalId === term.terminalId)).toBe(false);
    await sleep(300);
    expect(await circuitIsGone(c, circuit.id)).toBe(false);
    // One more shell on the same open circuit needs no new connection.
    const another = await openTerm(c, circuit.id);
    another.type('kill -KILL $$\r');
    await expect.poll(() => exits).toContainEqual({ terminalId: another.terminalId, exitCode: null, signal: 'SIGKILL' });
    await expect.poll(() => circuitIsGone(c, circuit.id)).toBe(true);
  });

  it('closing the circuit ends its terminals with onDidEnd', async () => {
    const c = await client();
    const ends: { terminalId: string; reason: WireError }[] = [];
    c.api.terminals.onDidEnd((e) => ends.push(e));
    const circuit = await c.api.circuits.open({ hostIds });
    const a = await openTerm(c, circuit.id);
    const b = await openTerm(c, circuit.id);
    a.type('echo "a-$((1+1))"\r');
    await a.waitFor(/a-2/);
    await c.api.circuits.close(circuit.id);
    await expect.poll(() => ends.length).toBe(2);
    expect(ends).toEqual([
      { terminalId: a.terminalId, reason: { code: 'DISCONNECTED', message: 'The circuit was closed' } },
      { terminalId: b.terminalId, reason: { code: 'DISCONNECTED', message: 'The circuit was closed' } },
    ]);
    expect(await c.api.terminals.list()).toEqual([]);
  });

  it('a lost hop ends the circuit\'s terminals with the error naming that hop', { timeout: 60_000 }, async () => {
    const c = await client();
    const ends: { terminalId: string; reason: WireError }[] = [];
    c.api.terminals.onDidEnd((e) => ends.push(e));
    const circuit = await c.api.circuits.open({ hostIds });
    const a = await openTerm(c, circuit.id);
    const b = await openTerm(c, circuit.id);
    b.type('echo "b-$((4+4))"\r');
    await b.waitFor(/b-8/);
    await labKillSshd('bastion-key');
    try {
      await expect.poll(() => ends.length, { timeout: 10_000 }).toBe(2);
      for (const [i, term] of [a, b].entries()) {
        expect(ends[i]).toMatchObject({ terminalId: term.terminalId, reason: { code: 'HOP_LOST', hop: { index: 1, name: 'bastion-key' } } });
      }
      expect(await c.api.terminals.list()).toEqual([]);
    } finally {
      await labRestartSshd('bastion-key');
    }
  });

  it('answers a terminal frame for a stream that does not exist with a typed error, and keeps the connection', async () => {
    const c = await client();
    c.streams.attach(0xfffffff0, () => undefined);
    await expect.poll(() => c.errors.length).toBe(1);
    expect(c.errors[0]).toMatchObject({ code: 'INVALID_ARGUMENT' });
    c.errors.length = 0;
    expect(await c.api.terminals.list()).toEqual([]);
  });
});
