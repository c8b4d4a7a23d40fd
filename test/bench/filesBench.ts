/**
 * File transfer benchmarks against the lab (`npm run bench -- files`; needs root): Hopline's
 * `hopline cp` (the built CLI, as a user runs it: its own process, the circuit opened by it)
 * against OpenSSH's `sftp -J` and `scp -J` on the same three hops with the key-only `bench` user,
 * measured in the same run, whole commands (connection setup included on both sides).
 *
 *   1. 256 MiB download: hopline ÷ sftp (and ÷ scp), as throughput (goal ≥ 1.0);
 *   2. 256 MiB upload: the same;
 *   3. 1,000 files of 4 KiB in nested folders uploaded recursively: hopline ÷ sftp `put -r`, as
 *      time (goal ≤ 1.0).
 *   4. A folder of 100,000 entries listed to its end, both sides on a connection that is up
 *      already: the files service (what the files view calls: openDir, then readDir until done,
 *      with a fresh SFTP session each round) ÷ `sftp ls -1f` over an OpenSSH ControlMaster
 *      (a new sftp process and session each round). The issue sets no ratio for it; the figure
 *      is the time to every entry, and the first page's time is printed beside it.
 *
 * Rounds alternate the tools so drift hits each alike; the median of ROUNDS is compared.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CircuitEngine } from '../../app/main/services/engine/circuitEngine';
import type { HopSpec } from '../../app/main/services/engine/hopSpec';
import { PromptBroker } from '../../app/main/services/engine/promptBroker';
import { FilesService } from '../../app/main/services/files/filesService';
import { SftpSessions } from '../../app/main/services/files/sftpSessions';
import { TransferQueue } from '../../app/main/services/files/transferQueue';
import type { LabStatus } from '../lab/lab';
import type { BenchResult } from './engineBench';

const MIB = 1024 * 1024;
const BIG = 256 * MIB;
const ROUNDS = Number(process.env.HOPLINE_BENCH_ROUNDS ?? 3);
const SMALL_FILES = 1000;
const SMALL_SIZE = 4096;
/** The lab's bench user (lab.ts). */
const BENCH_UID = 48101;
const BENCH_GID = 48100;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/** Runs a command to its end; milliseconds. Throws with its output if it fails. */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { env, stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    if (input !== undefined) child.stdin!.end(input);
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code === 0) resolve(ms);
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr.slice(0, 2000)}`));
    });
  });
}

/** A file of random bytes, written in 1 MiB pieces. */
function randomFile(file: string, size: number): void {
  const piece = randomBytes(MIB);
  const parts: Buffer[] = [];
  // Random per MiB would cost seconds for 256 MiB; varying one piece is enough (no compression is on anyway).
  for (let left = size, i = 0; left > 0; left -= MIB, i++) {
    const part = Buffer.from(piece.subarray(0, Math.min(MIB, left)));
    part.writeUInt32BE(i, 0);
    parts.push(part);
  }
  writeFileSync(file, Buffer.concat(parts));
}

function chownTree(root: string): void {
  chownSync(root, BENCH_UID, BENCH_GID);
}

export async function runFilesBenchmarks(status: LabStatus, log: (line: string) => void): Promise<BenchResult[]> {
  const host = (name: string) => status.hosts.find((h) => h.name === name)!;
  const home = mkdtempSync(path.join(tmpdir(), 'hl-bench-files-'));
  const dataDir = path.join(home, 'data');
  mkdirSync(dataDir);
  copyFileSync(status.knownHosts, path.join(dataDir, 'known_hosts'));
  const env = { PATH: process.env.PATH!, HOME: home };
  const jump = `bench@${host('bastion-mfa').address},bench@${host('bastion-key').address}`;
  const target = `bench@${host('target').address}`;
  // The lab's homes are plain folders on this machine: the target's files are made and checked here.
  const remoteHome = path.join(status.dir, 'home', 'bench');
  const remoteDir = path.join(remoteHome, `bench-files-${process.pid}`);
  mkdirSync(remoteDir);
  chownTree(remoteDir);
  const results: BenchResult[] = [];

  const hoplineCp = (...args: string[]) => timed(process.execPath, ['dist/main/cli.cjs', 'cp', '-q', '-i', status.clientKey, '-J', jump, '--data-dir', dataDir, ...args], env);
  const sftp = (batch: string) => timed('sftp', ['-q', '-F', status.sshConfig, '-J', jump, '-b', '-', target], env, batch);
  const scp = (...args: string[]) => timed('scp', ['-q', '-F', status.sshConfig, '-J', jump, ...args], env);

  try {
    const bigLocal = path.join(home, 'big.bin');
    randomFile(bigLocal, BIG);
    const bigRemote = path.join(remoteDir, 'big.bin');
    copyFileSync(bigLocal, bigRemote);
    chownSync(bigRemote, BENCH_UID, BENCH_GID);

    const rate = (ms: number): number => BIG / MIB / (ms / 1000);
    const expectSize = (file: string): void => {
      const size = statSync(file).size;
      if (size !== BIG) throw new Error(`${file}: ${size} bytes, expected ${BIG}`);
    };

    // 1. Download.
    {
      const times: Record<'hopline' | 'sftp' | 'scp', number[]> = { hopline: [], sftp: [], scp: [] };
      const into = path.join(home, 'down');
      const tools = {
        hopline: () => hoplineCp(`${target}:${bigRemote}`, path.join(into, 'big.bin')),
        sftp: () => sftp(`get ${bigRemote} ${path.join(into, 'big.bin')}\n`),
        scp: () => scp(`${target}:${bigRemote}`, path.join(into, 'big.bin')),
      };
      for (let round = 0; round < ROUNDS; round++) {
        const order = (['hopline', 'sftp', 'scp'] as const).slice();
        if (round % 2) order.reverse();
        for (const tool of order) {
          rmSync(into, { recursive: true, force: true });
          mkdirSync(into);
          times[tool].push(await tools[tool]());
          expectSize(path.join(into, 'big.bin'));
        }
      }
      const h = rate(median(times.hopline));
      const s = rate(median(times.sftp));
      const c = rate(median(times.scp));
      results.push({ name: '256 MiB download over 3 hops, throughput (hopline cp ÷ sftp -J)', ratio: h / s, goal: '≥ 1.0', met: h / s >= 1.0, detail: `hopline ${h.toFixed(1)} MiB/s, sftp ${s.toFixed(1)} MiB/s (median of ${ROUNDS}, whole command)` });
      results.push({ name: '256 MiB download over 3 hops, throughput (hopline cp ÷ scp -J)', ratio: h / c, goal: '≥ 1.0', met: h / c >= 1.0, detail: `hopline ${h.toFixed(1)} MiB/s, scp ${c.toFixed(1)} MiB/s (median of ${ROUNDS}, whole command)` });
    }

    // 2. Upload.
    {
      const times: Record<'hopline' | 'sftp' | 'scp', number[]> = { hopline: [], sftp: [], scp: [] };
      const up = path.join(remoteDir, 'up.bin');
      const tools = {
        hopline: () => hoplineCp(bigLocal, `${target}:${up}`),
        sftp: () => sftp(`put ${bigLocal} ${up}\n`),
        scp: () => scp(bigLocal, `${target}:${up}`),
      };
      for (let round = 0; round < ROUNDS; round++) {
        const order = (['hopline', 'sftp', 'scp'] as const).slice();
        if (round % 2) order.reverse();
        for (const tool of order) {
          rmSync(up, { force: true });
          times[tool].push(await tools[tool]());
          expectSize(up);
        }
      }
      rmSync(up, { force: true });
      const h = rate(median(times.hopline));
      const s = rate(median(times.sftp));
      const c = rate(median(times.scp));
      results.push({ name: '256 MiB upload over 3 hops, throughput (hopline cp ÷ sftp -J)', ratio: h / s, goal: '≥ 1.0', met: h / s >= 1.0, detail: `hopline ${h.toFixed(1)} MiB/s, sftp ${s.toFixed(1)} MiB/s (median of ${ROUNDS}, whole command)` });
      results.push({ name: '256 MiB upload over 3 hops, throughput (hopline cp ÷ scp -J)', ratio: h / c, goal: '≥ 1.0', met: h / c >= 1.0, detail: `hopline ${h.toFixed(1)} MiB/s, scp ${c.toFixed(1)} MiB/s (median of ${ROUNDS}, whole command)` });
    }

    // 3. 1,000 files of 4 KiB, 10 × 10 folders of 10, uploaded recursively.
    {
      const tree = path.join(home, 'tree');
      for (let a = 0; a < 10; a++) {
        for (let b = 0; b < 10; b++) {
          const folder = path.join(tree, `a${a}`, `b${b}`);
          mkdirSync(folder, { recursive: true });
          for (let c = 0; c < SMALL_FILES / 100; c++) writeFileSync(path.join(folder, `f${c}.dat`), randomBytes(SMALL_SIZE));
        }
      }
      const times: Record<'hopline' | 'sftp', number[]> = { hopline: [], sftp: [] };
      const dest = path.join(remoteDir, 'tree');
      const tools = {
        hopline: () => hoplineCp('-r', tree, `${target}:${remoteDir}`),
        // Into an existing folder, sftp's put -r adds the source's name, as hopline cp -r does.
        sftp: () => sftp(`put -r ${tree} ${remoteDir}\n`),
      };
      for (let round = 0; round < ROUNDS; round++) {
        for (const tool of round % 2 ? (['sftp', 'hopline'] as const) : (['hopline', 'sftp'] as const)) {
          rmSync(dest, { recursive: true, force: true });
          times[tool].push(await tools[tool]());
          const count = statSync(path.join(dest, 'a9', 'b9', 'f9.dat')).size;
          if (count !== SMALL_SIZE) throw new Error(`${tool}: the tree did not arrive whole`);
        }
      }
      rmSync(dest, { recursive: true, force: true });
      const h = median(times.hopline);
      const s = median(times.sftp);
      results.push({ name: `${SMALL_FILES} files of 4 KiB uploaded recursively over 3 hops, time (hopline cp -r ÷ sftp -J put -r)`, ratio: h / s, goal: '≤ 1.0', met: h / s <= 1.0, detail: `hopline ${(h / 1000).toFixed(2)} s, sftp ${(s / 1000).toFixed(2)} s (median of ${ROUNDS}, whole command)` });
    }

    // 4. A folder of 100,000 entries, listed to its end on a warm connection.
    results.push(await listingBenchmark(status, remoteDir, home, jump, target, env));
  } finally {
    rmSync(remoteDir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  }
  for (const r of results) log(`${r.met ? 'MET ' : 'MISS'} ${r.name}: ratio ${r.ratio.toFixed(2)} (goal ${r.goal}) — ${r.detail}`);
  return results;
}

const LISTING_ENTRIES = 100_000;

async function listingBenchmark(status: LabStatus, remoteDir: string, home: string, jump: string, target: string, env: NodeJS.ProcessEnv): Promise<BenchResult> {
  const host = (name: string) => status.hosts.find((h) => h.name === name)!;
  const many = path.join(remoteDir, 'many');
  mkdirSync(many);
  for (let i = 0; i < LISTING_ENTRIES; i++) writeFileSync(path.join(many, `entry-${i}.log`), '');
  chownTree(many);

  const hop = (name: string): HopSpec => ({ name, host: host(name).address, port: 22, user: 'bench', auth: [{ kind: 'publickey', keyFile: status.clientKey }], connectTimeoutMs: 10_000 });
  const engine = new CircuitEngine({ hostKeyFiles: { userFiles: [], appFile: status.knownHosts }, prompts: new PromptBroker() });
  const control = path.join(home, 'cm.sock');
  const master = spawn('ssh', ['-F', status.sshConfig, '-J', jump, '-M', '-S', control, '-N', '-o', 'ControlPersist=no', target], { env, stdio: 'ignore' });
  try {
    const circuitId = (await engine.open([hop('bastion-mfa'), hop('bastion-key'), hop('target')])).id;
    for (let waited = 0; !existsSync(control); waited += 50) {
      if (waited > 20_000) throw new Error('the OpenSSH ControlMaster did not come up');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const times: Record<'hopline' | 'sftp', number[]> = { hopline: [], sftp: [] };
    const firstPage: number[] = [];
    const hoplineList = async (): Promise<number> => {
      // A fresh session per round, as sftp starts one per process.
      const sessions = new SftpSessions(engine);
      const files = new FilesService({ sessions, transfers: new TransferQueue({ sessions }) });
      try {
        const started = process.hrtime.bigint();
        const { dirId } = await files.openDir(circuitId, many);
        let count = 0;
        for (;;) {
          const page = await files.readDir(dirId);
          if (count === 0) firstPage.push(Number(process.hrtime.bigint() - started) / 1e6);
          count += page.entries.length;
          if (page.done) break;
        }
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        if (count !== LISTING_ENTRIES) throw new Error(`hopline listed ${count} entries, expected ${LISTING_ENTRIES}`);
        return ms;
      } finally {
        files.dispose();
        sessions.dispose();
      }
    };
    const sftpList = () => timed('sftp', ['-q', '-F', status.sshConfig, '-o', `ControlPath=${control}`, '-b', '-', target], env, `ls -1f ${many}\n`);
    for (let round = 0; round < ROUNDS; round++) {
      for (const tool of round % 2 ? (['sftp', 'hopline'] as const) : (['hopline', 'sftp'] as const)) times[tool].push(tool === 'hopline' ? await hoplineList() : await sftpList());
    }
    const h = median(times.hopline);
    const s = median(times.sftp);
    return { name: `${LISTING_ENTRIES.toLocaleString('en')} entries listed to the end, warm (files service ÷ sftp ls -1f over a ControlMaster)`, ratio: h / s, goal: '≤ 1.0', met: h / s <= 1.0, detail: `hopline ${(h / 1000).toFixed(2)} s (first page ${median(firstPage).toFixed(0)} ms), sftp ${(s / 1000).toFixed(2)} s (median of ${ROUNDS})` };
  } finally {
    master.kill();
    await engine.dispose();
  }
}
