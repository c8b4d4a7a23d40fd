/**
 * Main-side memory per terminal: 50 shells open on one 3-hop circuit, driven over the contract
 * and the binary terminal frames on a WebSocket (no browser needed: what is measured is the web
 * process). Compared with the same process holding the same open circuit and no terminal.
 *
 * The web process is started here rather than through test/helpers/webProcess.ts because it
 * needs a node flag: `--inspect=127.0.0.1:0`, so that the bench can force a full garbage
 * collection (HeapProfiler.collectGarbage) before each reading and read process.memoryUsage()
 * from inside it (Runtime.evaluate) — nothing in the app has to expose either. The inspector
 * listens on loopback only, on a port of its own choosing, for this run alone. RSS is also
 * read from outside, from /proc/<pid>/status (VmRSS).
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import type { LabStatus } from '../lab/lab';
import type { BenchResult } from './engineBench';
import { startWebProcess, type WebProcess } from '../helpers/webProcess';
import { connectWeb, TextTerminal, type WebClient } from '../helpers/webTerminalClient';
import { saveBenchHosts } from './terminalClient';
import { FLOW_LAW_DEFAULTS } from '../../app/shared/flow/flowLaw';
import { FLOW_LIMITS } from '../../app/main/services/terminals/flowControl';

const TERMINALS = 50;
const WARMUP_TERMINALS = 5;
const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Inspected {
  web: WebProcess;
  inspector: WebSocket;
}

/** Web mode with the inspector on loopback: the bench forces GC and reads memory through it. */
async function startInspectedWebProcess(dataDir: string, env: NodeJS.ProcessEnv): Promise<Inspected> {
  const web = await startWebProcess({ dataDir, env, nodeArgs: ['--inspect=127.0.0.1:0'] });
  // Node prints the inspector's address on stderr before the script runs; stderr is another
  // pipe than the stdout that carried the URL, so allow it a moment to arrive.
  const address = () => /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[\w-]+)/.exec(web.stderr())?.[1];
  for (let i = 0; i < 100 && !address(); i++) await sleep(20);
  const inspectorUrl = address();
  if (!inspectorUrl) {
    await web.stop();
    throw new Error(`web mode (inspected) printed no inspector address; stderr: ${web.stderr()}`);
  }
  const inspector = new WebSocket(inspectorUrl);
  await new Promise<void>((resolve, reject) => {
    inspector.once('open', () => resolve());
    inspector.once('error', reject);
  });
  return { web, inspector };
}

let nextCommandId = 1;
function inspect<T>(inspector: WebSocket, method: string, params: Record<string, unknown> = {}): Promise<T> {
  const id = nextCommandId++;
  return new Promise((resolve, reject) => {
    const onMessage = (data: WebSocket.RawData): void => {
      const message = JSON.parse(String(data)) as { id?: number; result?: T; error?: { message: string } };
      if (message.id !== id) return;
      inspector.off('message', onMessage);
      if (message.error) reject(new Error(`${method}: ${message.error.message}`));
      else resolve(message.result as T);
    };
    inspector.on('message', onMessage);
    inspector.send(JSON.stringify({ id, method, params }));
  });
}

interface Reading {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/** Collects garbage (twice, with a pause for finalizers), then reads the process's memory. */
async function readMemory(target: Inspected): Promise<Reading> {
  for (let i = 0; i < 2; i++) {
    await inspect(target.inspector, 'HeapProfiler.collectGarbage');
    await sleep(300);
  }
  const evaluated = await inspect<{ result: { value: string } }>(target.inspector, 'Runtime.evaluate', {
    expression: 'JSON.stringify(process.memoryUsage())',
    returnByValue: true,
  });
  const usage = JSON.parse(evaluated.result.value) as NodeJS.MemoryUsage;
  // VmRSS as the kernel reports it, in kB: the figure `ps`/`top` show.
  const status = readFileSync(`/proc/${target.web.child.pid}/status`, 'utf8');
  const vmRss = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]) * 1024;
  return { rss: vmRss, heapUsed: usage.heapUsed, external: usage.external, arrayBuffers: usage.arrayBuffers };
}

async function openShells(client: WebClient, circuitId: string, count: number, tag: string): Promise<TextTerminal[]> {
  const terms: TextTerminal[] = [];
  for (let i = 0; i < count; i++) {
    // Kept open when the others close: the circuit stays for the next reading.
    const { terminalId, streamId } = await client.api.terminals.open({ circuitId, cols: 160, rows: 48, closeCircuitWhenLastEnds: false });
    terms.push(new TextTerminal(client, terminalId, streamId));
  }
  // Every one a live shell: it runs a command and its output comes back.
  for (const [i, term] of terms.entries()) term.type(`echo "${tag}-$((${i}+1000))"\r`);
  for (const [i, term] of terms.entries()) await term.waitFor(new RegExp(`${tag}-${i + 1000}\\r\\n`));
  return terms;
}

async function closeShells(client: WebClient, terms: TextTerminal[]): Promise<void> {
  for (const term of terms) await client.api.terminals.close(term.terminalId);
  for (let i = 0; i < 100 && (await client.api.terminals.list()).length > 0; i++) await sleep(50);
}

/**
 * A page that stops acking while its terminal floods: what the main side holds for it must stay
 * within flow control's ceiling (FLOW_LAW_DEFAULTS.ceilingBytes), however long the flood runs.
 * `yes` runs into a stream whose reader acks at once for FAST_MS (so the law's in-flight figure
 * grows toward its ceiling, as for a page parsing a fast log), then stops acking for FLOOD_MS;
 * the live heap + external memory (after GC) is compared with the same process just before the
 * acks stopped (the terminal's screen mirror already full of `yes`, so what grows is what flow
 * control lets pile up), and the bytes the page was sent after its last ack are counted.
 */
const FAST_MS = 2000;
const FLOOD_MS = 5000;

async function nonAckingFlood(client: WebClient, target: Inspected, circuitId: string): Promise<BenchResult> {
  // Flow control pauses once the page leg is reached, so one batch may go past it.
  const bound = FLOW_LAW_DEFAULTS.ceilingBytes + FLOW_LIMITS.batchBytes;
  const { terminalId, streamId } = await client.api.terminals.open({ circuitId, cols: 160, rows: 48, closeCircuitWhenLastEnds: false });
  let received = 0;
  let acking = true;
  // Output counted; reported processed at once while `acking`, never after.
  const sub = client.streams.attach(streamId, (bytes, processed) => {
    if (acking) return processed();
    received += bytes.byteLength;
  });
  client.streams.input(streamId, Buffer.from('yes\r', 'utf8'));
  await sleep(FAST_MS);
  const before = await readMemory(target);
  acking = false;
  await sleep(FLOOD_MS);
  const receivedAtEnd = received;
  const during = await readMemory(target);
  sub.dispose();
  await client.api.terminals.close(terminalId);
  const grown = (during.heapUsed + during.external - before.heapUsed - before.external) / MB;
  const worst = Math.max(grown, receivedAtEnd / MB);
  return {
    name: `main-side memory under a page that stops acking (\`yes\`, ${FLOOD_MS / 1000} s unacked, after GC)`,
    ratio: worst,
    goal: `≤ the ${FLOW_LAW_DEFAULTS.ceilingBytes / MB} MiB in-flight ceiling + one ${FLOW_LIMITS.batchBytes / 1024} KiB batch`,
    met: worst <= bound / MB,
    detail: `heap + external grew ${grown.toFixed(2)} MiB (RSS ${((during.rss - before.rss) / MB).toFixed(2)} MiB); the page was sent ${(receivedAtEnd / MB).toFixed(2)} MiB after its last ack`,
  };
}

export async function runTerminalMemoryBenchmark(status: LabStatus, log: (line: string) => void): Promise<[BenchResult, BenchResult]> {
  const home = mkdtempSync(path.join(tmpdir(), 'hl-bench-mem-home-'));
  const dataDir = mkdtempSync(path.join(tmpdir(), 'hl-bench-mem-data-'));
  copyFileSync(status.knownHosts, path.join(dataDir, 'known_hosts'));
  const env = { PATH: process.env.PATH, HOME: home, DBUS_SESSION_BUS_ADDRESS: `unix:path=${path.join(home, 'no-bus')}` };
  const target = await startInspectedWebProcess(dataDir, env);
  let client: WebClient | null = null;
  try {
    client = await connectWeb(target.web.port, target.web.token);
    const hostIds = await saveBenchHosts(client, status);
    const circuit = await client.api.circuits.open({ hostIds });
    if (circuit.state !== 'open') throw new Error(`circuit is ${circuit.state}`);
    // Warm-up: the first shells pay for code compiled and pools filled once per process.
    await closeShells(client, await openShells(client, circuit.id, WARMUP_TERMINALS, 'warm'));
    const before = await readMemory(target);
    const terms = await openShells(client, circuit.id, TERMINALS, 'mem');
    await sleep(500);
    const after = await readMemory(target);
    await closeShells(client, terms);
    const closed = await readMemory(target);
    const bounded = await nonAckingFlood(client, target, circuit.id);
    await client.api.circuits.close(circuit.id);
    if (client.errors.length) throw new Error(`error frames: ${client.errors.map((e) => `${e.code}: ${e.message}`).join('; ')}`);

    const per = (a: Reading, b: Reading, key: keyof Reading) => (b[key] - a[key]) / TERMINALS / MB;
    const rss = per(before, after, 'rss');
    const heap = per(before, after, 'heapUsed');
    const external = per(before, after, 'external');
    const worst = Math.max(rss, heap + external);
    const fmt = (n: number) => `${n >= 0 ? '' : '−'}${Math.abs(n).toFixed(3)}`;
    log(
      `memory readings (MiB; rss/heapUsed/external/arrayBuffers): before ${[before.rss, before.heapUsed, before.external, before.arrayBuffers].map((n) => (n / MB).toFixed(1)).join('/')}, ` +
        `${TERMINALS} open ${[after.rss, after.heapUsed, after.external, after.arrayBuffers].map((n) => (n / MB).toFixed(1)).join('/')}, ` +
        `all closed ${[closed.rss, closed.heapUsed, closed.external, closed.arrayBuffers].map((n) => (n / MB).toFixed(1)).join('/')}`,
    );
    const perTerminal: BenchResult = {
      name: `main-side memory per terminal (${TERMINALS} shells on one 3-hop circuit, after GC)`,
      ratio: worst,
      goal: '≤ 3 MiB each (RSS, and heap + external)',
      met: worst <= 3,
      detail: `per terminal: RSS ${fmt(rss)} MiB, heapUsed ${fmt(heap)} MiB, external ${fmt(external)} MiB; after closing all ${TERMINALS}: heapUsed ${fmt((closed.heapUsed - before.heapUsed) / MB)} MiB, RSS ${fmt((closed.rss - before.rss) / MB)} MiB vs before`,
    };
    return [perTerminal, bounded];
  } finally {
    await client?.close();
    target.inspector.terminate();
    await target.web.stop();
    rmSync(home, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
}
