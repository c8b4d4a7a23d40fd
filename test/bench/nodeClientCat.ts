/**
 * The terminal benchmark's `cat` with no browser: web mode over the lab's 3 hops into a Node
 * WebSocket client that acks each frame as it arrives. Not a goal: it says how fast SSH, the
 * PTY, Hopline's main side and its flow control deliver when the page is not what limits, so the
 * Chromium figure beside it can be read (npm run bench -- terminals prints both).
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LabStatus } from '../lab/lab';
import { startWebProcess } from '../helpers/webProcess';
import { connectWeb, sleep } from '../helpers/webTerminalClient';
import { saveBenchHosts } from './terminalClient';

const MiB = 1024 * 1024;

/** MiB/s of `cat file` for each round, from Enter to the marker after it. */
export async function nodeClientCat(status: LabStatus, file: string, rounds: number): Promise<number[]> {
  const home = mkdtempSync(path.join(tmpdir(), 'hl-bench-node-home-'));
  const dataDir = mkdtempSync(path.join(tmpdir(), 'hl-bench-node-data-'));
  copyFileSync(status.knownHosts, path.join(dataDir, 'known_hosts'));
  const web = await startWebProcess({ dataDir, env: { PATH: process.env.PATH, HOME: home, DBUS_SESSION_BUS_ADDRESS: `unix:path=${path.join(home, 'no-bus')}` } });
  const client = await connectWeb(web.port, web.token);
  try {
    const circuit = await client.api.circuits.open({ hostIds: await saveBenchHosts(client, status) });
    if (circuit.state !== 'open') throw new Error(`circuit is ${circuit.state}`);
    const { streamId } = await client.api.terminals.open({ circuitId: circuit.id, cols: 140, rows: 49, closeCircuitWhenLastEnds: true });
    let tail = '';
    let bytes = 0;
    client.streams.attach(streamId, (data, processed) => {
      bytes += data.byteLength;
      tail = (tail + Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1')).slice(-256);
      processed();
    });
    await sleep(1000);
    const rates: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const marker = `nc-done-${round + 7}`;
      tail = '';
      const before = bytes;
      const start = performance.now();
      // The shell works the marker out, so the echoed command line never matches it.
      client.streams.input(streamId, Buffer.from(`cat ${file}; echo "nc-done-$((${round}+7))"\r`));
      const deadline = start + 120_000;
      while (!tail.includes(`${marker}\r\n`)) {
        if (performance.now() > deadline) throw new Error(`no ${marker} within 120 s`);
        await sleep(2);
      }
      rates.push((bytes - before) / MiB / ((performance.now() - start) / 1000));
    }
    await client.api.circuits.close(circuit.id);
    return rates;
  } finally {
    await client.close();
    await web.stop();
    rmSync(home, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
}
