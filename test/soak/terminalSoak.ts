/**
 * The terminal load soak: web mode in its own process, 50 terminals on 5 circuits that all go
 * through one shared bastion (bastion-mfa: one SSH connection carries every byte), each running
 * the checked generator for 60 s flat out. The client is the renderer's protocol on one
 * WebSocket, acking output only after it has been verified (as xterm acks after parsing).
 * Passes when every terminal is alive afterwards and every byte is accounted for.
 */
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { WireError } from '../../app/shared/model/errors';
import type { HostInput } from '../../app/shared/model/host';
import { startWebProcess, type WebProcess } from '../helpers/webProcess';
import { labConnections, type LabHostName, type LabStatus } from '../lab/lab';
import { GENERATOR_PERL, StreamVerifier, type StreamReport } from './checkedStream';
import { connectWeb, sleep, waitUntil, type WebClient } from '../helpers/webTerminalClient';

export interface SoakOptions {
  terminals: number;
  seconds: number;
  log(line: string): void;
}

export interface SoakResult {
  ok: boolean;
  problems: string[];
}

/** A lab sshd endpoint, saved as a host of its own. */
interface Endpoint {
  host: LabHostName;
  port: number;
}

/**
 * Five circuits, every one starting with bastion-mfa:22 and otherwise different, so they share
 * hop 1 and nothing else is forced: three reach a target port, one stops at bastion-key, one at
 * bastion-mfa itself.
 */
const ROUTES: Endpoint[][] = [
  [{ host: 'bastion-mfa', port: 22 }, { host: 'bastion-key', port: 22 }, { host: 'target', port: 22 }],
  [{ host: 'bastion-mfa', port: 22 }, { host: 'bastion-key', port: 22 }, { host: 'target', port: 2222 }],
  [{ host: 'bastion-mfa', port: 22 }, { host: 'bastion-key', port: 2222 }, { host: 'target', port: 2223 }],
  [{ host: 'bastion-mfa', port: 22 }, { host: 'bastion-key', port: 2223 }],
  [{ host: 'bastion-mfa', port: 22 }],
];

const MB = 1024 * 1024;

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

class SoakTerminal {
  readonly verifier: StreamVerifier;
  startedAt = 0;
  doneAt = 0;
  received = 0;

  constructor(private readonly client: WebClient, readonly k: number, readonly circuit: number, readonly terminalId: string, readonly streamId: number) {
    this.verifier = new StreamVerifier(k);
    client.streams.attach(streamId, (bytes, processed) => {
      this.received += bytes.byteLength;
      const wasDone = this.verifier.done;
      this.verifier.feed(bytes);
      if (!this.startedAt && this.verifier.streamedBytes > 0) this.startedAt = Date.now();
      if (!wasDone && this.verifier.done) this.doneAt = Date.now();
      // Acked once verified, as the renderer acks once xterm has parsed.
      processed();
    });
  }

  type(text: string): void {
    this.client.streams.input(this.streamId, Buffer.from(text, 'utf8'));
  }
}

export async function runTerminalSoak(status: LabStatus, options: SoakOptions): Promise<SoakResult> {
  const { log } = options;
  const problems: string[] = [];
  const home = mkdtempSync(path.join(tmpdir(), 'hl-soak-home-'));
  const dataDir = mkdtempSync(path.join(tmpdir(), 'hl-soak-data-'));
  // The generator goes where the lab's `bench` user can read it (the lab shares this filesystem).
  const genDir = mkdtempSync(path.join(tmpdir(), 'hl-soak-gen-'));
  chmodSync(genDir, 0o755);
  const generator = path.join(genDir, 'gen.pl');
  writeFileSync(generator, GENERATOR_PERL, { mode: 0o644 });
  copyFileSync(status.knownHosts, path.join(dataDir, 'known_hosts'));

  let web: WebProcess | null = null;
  let client: WebClient | null = null;
  try {
    web = await startWebProcess({ dataDir, env: { PATH: process.env.PATH, HOME: home, DBUS_SESSION_BUS_ADDRESS: `unix:path=${path.join(home, 'no-bus')}` } });
    const webPid = web.child.pid!;
    client = await connectWeb(web.port, web.token);
    const api = client.api;
    const ends: { terminalId: string; reason: WireError }[] = [];
    const exits: unknown[] = [];
    const failures: unknown[] = [];
    const sharedFirstHop = new Set<string>();
    api.terminals.onDidEnd((e) => ends.push(e));
    api.terminals.onDidExit((e) => exits.push(e));
    api.circuits.onDidFail((f) => failures.push(f));
    api.circuits.onDidChangeHopState((e) => {
      if (e.hop.index === 0 && e.state === 'ready' && e.shared) sharedFirstHop.add(e.circuitId);
    });

    // Saved hosts: the lab's `bench` user (key only), host keys known, default keepalives.
    const ids = new Map<string, string>();
    const addr = (name: LabHostName) => status.hosts.find((h) => h.name === name)!.address;
    for (const { host, port } of ROUTES.flat()) {
      const name = port === 22 ? host : `${host}:${port}`;
      if (ids.has(name)) continue;
      const input: HostInput = {
        name, address: addr(host), port, user: 'bench', auth: [{ kind: 'publickey', keyFile: status.clientKey }],
        agentForward: false, keepaliveIntervalSec: 15, keepaliveCountMax: 3, connectTimeoutSec: 15, proxy: null,
      };
      ids.set(name, (await api.hosts.save(input)).id);
    }
    const circuitIds: string[] = [];
    for (const route of ROUTES) {
      const hostIds = route.map(({ host, port }) => ids.get(port === 22 ? host : `${host}:${port}`)!);
      circuitIds.push((await api.circuits.open({ hostIds })).id);
    }
    if (sharedFirstHop.size !== ROUTES.length - 1) problems.push(`expected ${ROUTES.length - 1} circuits to join the shared bastion-mfa, ${sharedFirstHop.size} did`);

    const terms: SoakTerminal[] = [];
    for (let k = 0; k < options.terminals; k++) {
      const circuit = k % circuitIds.length;
      const { terminalId, streamId } = await api.terminals.open({ circuitId: circuitIds[circuit]!, cols: 120, rows: 40 });
      terms.push(new SoakTerminal(client, k, circuit, terminalId, streamId));
    }
    log(`${terms.length} terminals on ${circuitIds.length} circuits through one bastion-mfa connection (web mode pid ${webPid}, RSS ${rssMb(webPid).toFixed(0)} MB)`);

    const started = Date.now();
    for (const t of terms) t.type(`stty -opost; perl ${generator} ${t.k} ${options.seconds}; stty opost\r`);
    // Progress every 10 s, and proof that one TCP connection carries it all.
    let lastBytes = 0;
    let lastAt = started;
    let connectionSamples = 0;
    const deadline = started + (options.seconds + 180) * 1000;
    while (!terms.every((t) => t.verifier.done)) {
      if (Date.now() > deadline) {
        problems.push(`${terms.filter((t) => !t.verifier.done).length} terminal(s) had not finished ${options.seconds + 180} s after the start`);
        break;
      }
      if (ends.length > 0 || exits.length > 0) break;
      await sleep(1000);
      if (Date.now() - lastAt >= 10_000) {
        const bytes = terms.reduce((n, t) => n + t.received, 0);
        const connections = labConnections('client', 'bastion-mfa');
        connectionSamples++;
        if (connections !== 1) problems.push(`${connections} TCP connections to bastion-mfa at ${((Date.now() - started) / 1000).toFixed(0)} s (expected the one shared)`);
        log(`  ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s: ${(bytes / MB).toFixed(0)} MiB so far, ${((bytes - lastBytes) / MB / ((Date.now() - lastAt) / 1000)).toFixed(1)} MiB/s, ${terms.filter((t) => t.verifier.done).length} done, TCP connections to bastion-mfa: ${connections}, web mode RSS ${rssMb(webPid).toFixed(0)} MB`);
        lastBytes = bytes;
        lastAt = Date.now();
      }
    }
    if (connectionSamples === 0) problems.push('the stream ended before the shared connection could be sampled');

    // All alive: every shell answers a round trip after its stream.
    const alive = await Promise.all(
      terms.map(async (t) => {
        if (!t.verifier.done) return false;
        t.type(`echo "alive-$((${t.k}+1000))"\r`);
        try {
          await waitUntil(() => t.verifier.after.includes(`alive-${t.k + 1000}`), `terminal ${t.k} to answer`, 30_000);
          return true;
        } catch {
          return false;
        }
      }),
    );

    const reports: StreamReport[] = terms.map((t) => t.verifier.report());
    const bad = reports.filter((r) => !r.ok);
    for (const r of bad.slice(0, 10)) {
      problems.push(`terminal ${r.k}: ${r.state}, got ${r.lines} lines / ${r.bytes} bytes / ${r.sha256 ?? '-'}, generator wrote ${r.remote ? `${r.remote.lines} lines / ${r.remote.bytes} bytes / ${r.remote.sha256}` : '?'}${r.firstMismatch ? `; first mismatch: ${r.firstMismatch}` : ''}`);
    }
    if (bad.length > 10) problems.push(`... and ${bad.length - 10} more terminals not accounted for`);
    const dead = terms.filter((_, i) => !alive[i]).map((t) => t.k);
    if (dead.length > 0) problems.push(`terminals not answering after the stream: ${dead.join(', ')}`);
    if (ends.length > 0) problems.push(`terminals ended: ${JSON.stringify(ends.slice(0, 5))}`);
    if (exits.length > 0) problems.push(`shells exited: ${JSON.stringify(exits.slice(0, 5))}`);
    if (failures.length > 0) problems.push(`circuits failed: ${JSON.stringify(failures.slice(0, 5))}`);
    if (client.errors.length > 0) problems.push(`error frames: ${JSON.stringify(client.errors.slice(0, 5))}`);
    const openCircuits = (await api.circuits.list()).filter((c) => c.state === 'open').length;
    const openTerminals = (await api.terminals.list()).length;
    if (openCircuits !== circuitIds.length || openTerminals !== terms.length) problems.push(`after the stream: ${openCircuits} circuits and ${openTerminals} terminals open, expected ${circuitIds.length} and ${terms.length}`);

    // The summary.
    const window = (Math.max(...terms.map((t) => t.doneAt)) - Math.min(...terms.filter((t) => t.startedAt).map((t) => t.startedAt))) / 1000;
    const total = reports.reduce((n, r) => n + r.bytes, 0);
    const perTerminal = reports.map((r) => r.bytes).sort((a, b) => a - b);
    const perCircuit = circuitIds.map((_, c) => terms.filter((t) => t.circuit === c).reduce((n, t) => n + t.verifier.streamedBytes, 0));
    log(`streamed ${(total / MB).toFixed(1)} MiB in ${window.toFixed(1)} s: ${(total / MB / window).toFixed(1)} MiB/s through the one bastion connection`);
    log(`per terminal: min ${(perTerminal[0]! / MB).toFixed(2)} MiB, median ${(perTerminal[Math.floor(perTerminal.length / 2)]! / MB).toFixed(2)} MiB, max ${(perTerminal[perTerminal.length - 1]! / MB).toFixed(2)} MiB; lines ${reports.reduce((n, r) => n + r.lines, 0)}`);
    log(`per circuit (${ROUTES.map((r) => r.map((e) => (e.port === 22 ? e.host : `${e.host}:${e.port}`)).join(' > ')).join(' | ')}): ${perCircuit.map((b) => `${(b / MB).toFixed(1)} MiB`).join(', ')}`);
    log(`accounted for: ${reports.filter((r) => r.ok).length}/${reports.length} terminals (count and SHA-256 equal the generator's, every line as expected); alive afterwards: ${alive.filter(Boolean).length}/${terms.length}; web mode RSS ${rssMb(webPid).toFixed(0)} MB`);
    if (perTerminal[0] === 0) problems.push('a terminal streamed nothing');

    for (const id of circuitIds) await api.circuits.close(id);
    await waitUntil(async () => (await api.circuits.list()).length === 0 && (await api.terminals.list()).length === 0, 'every circuit and terminal to close', 30_000);
    await waitUntil(() => labConnections('client', 'bastion-mfa') === 0, 'web mode to close its connection to bastion-mfa', 10_000);
    log(`all closed; web mode RSS ${rssMb(webPid).toFixed(0)} MB`);
    return { ok: problems.length === 0, problems };
  } finally {
    await client?.close();
    await web?.stop();
    for (const dir of [home, dataDir, genDir]) rmSync(dir, { recursive: true, force: true });
  }
}
