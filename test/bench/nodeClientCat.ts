/**
 * The terminal benchmark's `cat` with no browser: web mode over the lab's 3 hops into a Node
 * WebSocket client. Not goals; they say what the Chromium figures stand against:
 * - `nodeClientCat`: the client acks each frame as it arrives, so it says how fast SSH, the PTY,
 *   Hopline's main side and its flow control deliver when the page is not what limits;
 * - `startPacedLoad`: the client acks at a set rate, so SSH and Hopline's main side carry a `cat`
 *   at the rate Hopline's page reached, while the page does something else (the raw write):
 *   the machine as loaded as during Hopline's `cat`, without Hopline's page.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LabStatus } from '../lab/lab';
import { startWebProcess } from '../helpers/webProcess';
import { connectWeb, sleep, type WebClient } from '../helpers/webTerminalClient';
import { saveBenchHosts } from './terminalClient';

const MiB = 1024 * 1024;

/** A shell on the lab's target through 3 hops, in its own web process, fed to `onData`. */
interface NodeShell {
  client: WebClient;
  streamId: number;
  input(text: string): void;
  close(): Promise<void>;
}

async function openNodeShell(status: LabStatus, onData: (data: Uint8Array, processed: () => void) => void): Promise<NodeShell> {
  const home = mkdtempSync(path.join(tmpdir(), 'hl-bench-node-home-'));
  const dataDir = mkdtempSync(path.join(tmpdir(), 'hl-bench-node-data-'));
  copyFileSync(status.knownHosts, path.join(dataDir, 'known_hosts'));
  const web = await startWebProcess({ dataDir, env: { PATH: process.env.PATH, HOME: home, DBUS_SESSION_BUS_ADDRESS: `unix:path=${path.join(home, 'no-bus')}` } });
  const cleanUp = async (client: WebClient | null) => {
    await client?.close();
    await web.stop();
    rmSync(home, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  };
  let client: WebClient | null = null;
  try {
    client = await connectWeb(web.port, web.token);
    const circuit = await client.api.circuits.open({ hostIds: await saveBenchHosts(client, status) });
    if (circuit.state !== 'open') throw new Error(`circuit is ${circuit.state}`);
    const { streamId } = await client.api.terminals.open({ circuitId: circuit.id, cols: 140, rows: 49, closeCircuitWhenLastEnds: true });
    client.streams.attach(streamId, onData);
    const opened = client;
    return {
      client: opened,
      streamId,
      input: (text) => opened.streams.input(streamId, Buffer.from(text)),
      async close() {
        await opened.api.circuits.close(circuit.id).catch(() => undefined);
        await cleanUp(opened);
      },
    };
  } catch (error) {
    await cleanUp(client);
    throw error;
  }
}

/** MiB/s of `cat file` for each round, from Enter to the marker after it; every frame acked at once. */
export async function nodeClientCat(status: LabStatus, file: string, rounds: number): Promise<number[]> {
  let tail = '';
  let bytes = 0;
  const shell = await openNodeShell(status, (data, processed) => {
    bytes += data.byteLength;
    tail = (tail + Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1')).slice(-256);
    processed();
  });
  try {
    await sleep(1000);
    const rates: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const marker = `nc-done-${round + 7}`;
      tail = '';
      const before = bytes;
      const start = performance.now();
      // The shell works the marker out, so the echoed command line never matches it.
      shell.input(`cat ${file}; echo "nc-done-$((${round}+7))"\r`);
      const deadline = start + 120_000;
      while (!tail.includes(`${marker}\r\n`)) {
        if (performance.now() > deadline) throw new Error(`no ${marker} within 120 s`);
        await sleep(2);
      }
      rates.push((bytes - before) / MiB / ((performance.now() - start) / 1000));
    }
    return rates;
  } finally {
    await shell.close();
  }
}

/** How often the paced client acks what its rate allows. */
const PACE_TICK_MS = 2;
/** How much unused rate the paced client may carry over, in time: about a round trip through the hops. */
const PACE_CREDIT_MS = 50;

export interface PacedLoad {
  /** Starts `cat file` over and over, acked at `mibPerSecond`; resolves once output flows. */
  start(file: string, mibPerSecond: number): Promise<void>;
  /** Marks the start of the window the rate is measured over. */
  mark(): void;
  /** Stops the `cat` loop; the MiB/s acked since mark(). */
  halt(): Promise<number>;
  close(): Promise<void>;
}

/**
 * A Node client that takes `cat` output at a set rate: frames wait, and are acked while the
 * bytes acked so far stay within rate × time. Hopline's flow control then holds the shell to that
 * rate, so sshd, the main side and the loopback carry what they did during Hopline's own `cat`.
 */
export async function startPacedLoad(status: LabStatus): Promise<PacedLoad> {
  const waiting: { bytes: number; processed: () => void }[] = [];
  let rate = 0;
  let since = 0;
  let allowed = 0;
  let acked = 0;
  let markAt = 0;
  let markAcked = 0;
  let received = 0;
  const shell = await openNodeShell(status, (data, processed) => {
    received += data.byteLength;
    if (rate === 0) processed();
    else waiting.push({ bytes: data.byteLength, processed });
  });
  const tick = setInterval(() => {
    if (rate === 0) return;
    const now = performance.now();
    allowed += ((now - since) / 1000) * rate * MiB;
    since = now;
    while (waiting.length > 0 && waiting[0]!.bytes <= allowed) {
      const frame = waiting.shift()!;
      allowed -= frame.bytes;
      acked += frame.bytes;
      frame.processed();
    }
    // Credit piles up only a little while nothing waits (output is a round trip away): enough to
    // hold the rate on average, not enough for a burst the page could not have taken either.
    if (waiting.length === 0) allowed = Math.min(allowed, rate * MiB * (PACE_CREDIT_MS / 1000));
  }, PACE_TICK_MS);
  const drain = () => {
    rate = 0;
    for (const frame of waiting.splice(0)) frame.processed();
  };
  await sleep(1000);
  return {
    async start(file, mibPerSecond) {
      rate = mibPerSecond;
      since = performance.now();
      allowed = 0;
      const before = acked;
      shell.input(`while cat ${file}; do :; done\r`);
      const deadline = performance.now() + 30_000;
      while (acked - before < 4 * MiB) {
        if (performance.now() > deadline) throw new Error('the paced cat did not start within 30 s');
        await sleep(20);
      }
    },
    mark() {
      markAt = performance.now();
      markAcked = acked;
    },
    async halt() {
      const mibPerSecond = (acked - markAcked) / MiB / ((performance.now() - markAt) / 1000);
      shell.input('\x03');
      drain();
      // Quiet before the next measurement: no output for 300 ms.
      const deadline = performance.now() + 10_000;
      for (let seen = received; ; seen = received) {
        await sleep(300);
        if (received === seen) break;
        if (performance.now() > deadline) throw new Error('the paced cat did not stop within 10 s of Ctrl-C');
      }
      return mibPerSecond;
    },
    async close() {
      clearInterval(tick);
      drain();
      await shell.close();
    },
  };
}
