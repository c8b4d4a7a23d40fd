/**
 * Hop engine benchmarks against the lab (`npm run bench`; needs root). Each prints a ratio of
 * Hopline against real OpenSSH measured in the same run, with both raw figures and the ciphers
 * each side negotiated. All runs use the key-only `bench` user, so like is compared with like.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CircuitEngine } from '../../app/main/services/engine/circuitEngine';
import type { HopSpec } from '../../app/main/services/engine/hopSpec';
import { PromptBroker } from '../../app/main/services/engine/promptBroker';
import { execText } from '../helpers/ssh';
import type { LabStatus } from '../lab/lab';
import { runInCgroup, type MeasuredRun } from './processCpu';

export interface BenchResult {
  name: string;
  ratio: number;
  goal: string;
  met: boolean;
  detail: string;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

function timeCommand(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): { ms: number; stderr: string; status: number | null } {
  const started = process.hrtime.bigint();
  const run = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 300_000 });
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, stderr: run.stderr, status: run.status };
}

function opensshCipher(verboseStderr: string): string {
  const ciphers = [...verboseStderr.matchAll(/kex: server->client cipher: (\S+)/g)].map((m) => m[1]);
  return ciphers.length ? ciphers.join(' / ') : 'unknown';
}

function hoplineCipher(eventLog: string): string {
  const ciphers = [...eventLog.matchAll(/cipher \S+ out, (\S+?)(?:\/\S+)? in/g)].map((m) => m[1]);
  return ciphers.length ? ciphers.join(' / ') : 'unknown';
}

export async function runEngineBenchmarks(status: LabStatus, log: (line: string) => void): Promise<BenchResult[]> {
  const addr = (name: string) => status.hosts.find((h) => h.name === name)!.address;
  const home = mkdtempSync(path.join(tmpdir(), 'hl-bench-'));
  const dataDir = path.join(home, 'data');
  mkdirSync(dataDir);
  copyFileSync(status.knownHosts, path.join(dataDir, 'known_hosts'));
  const env = { PATH: process.env.PATH!, HOME: home };
  const ssh = ['-F', status.sshConfig];
  const jump = `bench@${addr('bastion-mfa')},bench@${addr('bastion-key')}`;
  const target = `bench@${addr('target')}`;
  const hopline = (cmd: string, verbose = false) => [
    'dist/main/cli.cjs', 'exec', ...(verbose ? ['-v'] : []), '-i', status.clientKey, '--via', `bench@${addr('bastion-mfa')}`, '--via', `bench@${addr('bastion-key')}`, '--data-dir', dataDir, target, '--', cmd,
  ];
  const results: BenchResult[] = [];

  // 1. Cold 3-hop `exec -- true`, whole process, against `ssh -J b1,b2 target true`.
  {
    const rounds = 7;
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const a = timeCommand(process.execPath, hopline('true'), env);
      const b = timeCommand('ssh', [...ssh, '-J', jump, target, 'true'], env);
      if (a.status !== 0 || b.status !== 0) throw new Error(`cold exec failed: hopline ${a.status} ${a.stderr} / ssh ${b.status} ${b.stderr}`);
      ours.push(a.ms);
      theirs.push(b.ms);
    }
    const h = median(ours);
    const o = median(theirs);
    const ourCipher = hoplineCipher(timeCommand(process.execPath, hopline('true', true), env).stderr);
    const theirCipher = opensshCipher(timeCommand('ssh', [...ssh, '-v', '-J', jump, target, 'true'], env).stderr);
    const ratio = h / o;
    results.push({ name: 'cold 3-hop exec true (hopline ÷ ssh -J)', ratio, goal: '≤ 0.8', met: ratio <= 0.8, detail: `hopline median ${h.toFixed(0)} ms, ssh -J ${o.toFixed(0)} ms over ${rounds} rounds; ciphers hopline ${ourCipher}, ssh ${theirCipher}` });
  }

  // 2. 256 MiB from the target through 3 hops to /dev/null: throughput and CPU per GiB, against
  // `ssh -J` with OpenSSH's own defaults and against `ssh -J` held to the cipher Hopline
  // negotiated. The cipher goes in a config file: `-o` would not reach the jump processes, which
  // ssh starts with `-F` only. CPU is the whole process tree's (processCpu.ts): OpenSSH's is the
  // main ssh and both jump processes, which ssh -J leaves for init to reap.
  {
    const mib = 256;
    const file = path.join(status.dir, 'bench-256m.bin');
    const made = spawnSync('sh', ['-c', `head -c ${mib * 1024 * 1024} /dev/urandom > '${file}'`]);
    if (made.status !== 0) throw new Error('could not make the 256 MiB file');
    const ourCipher = hoplineCipher(timeCommand(process.execPath, hopline('true', true), env).stderr);
    const cipherName = ourCipher.split(' / ')[0]!;
    if (!/^[\w.@-]+$/.test(cipherName)) throw new Error(`could not tell which cipher Hopline negotiated: ${ourCipher}`);
    const sameCipherConfig = path.join(home, 'same_cipher_config');
    // Include first: after a Host line it would apply to that host only.
    writeFileSync(sameCipherConfig, `Include ${status.sshConfig}\nHost *\n  Ciphers ${cipherName}\n`);
    const theirSameCipher = opensshCipher(timeCommand('ssh', ['-F', sameCipherConfig, '-v', '-J', jump, target, 'true'], env).stderr);
    const theirDefault = opensshCipher(timeCommand('ssh', [...ssh, '-v', '-J', jump, target, 'true'], env).stderr);
    const runs = { hopline: [] as MeasuredRun[], sshDefault: [] as MeasuredRun[], sshSameCipher: [] as MeasuredRun[] };
    try {
      const cmd = `cat '${file}'`;
      for (let i = 0; i < 3; i++) {
        runs.hopline.push(await runInCgroup(process.execPath, hopline(cmd), env));
        runs.sshDefault.push(await runInCgroup('ssh', [...ssh, '-J', jump, target, cmd], env));
        runs.sshSameCipher.push(await runInCgroup('ssh', ['-F', sameCipherConfig, '-J', jump, target, cmd], env));
      }
    } finally {
      rmSync(file, { force: true });
    }
    for (const [who, list] of Object.entries(runs)) {
      const failed = list.find((r) => r.code !== 0);
      if (failed) throw new Error(`256 MiB through 3 hops failed (${who}): exit ${failed.code} ${failed.stderr}`);
    }
    const mibPerSecond = (list: MeasuredRun[]) => median(list.map((r) => mib / (r.ms / 1000)));
    const cpuPerGib = (list: MeasuredRun[]) => median(list.map((r) => (r.cpuSeconds * 1024) / mib));
    const h = mibPerSecond(runs.hopline);
    const oDefault = mibPerSecond(runs.sshDefault);
    const oSame = mibPerSecond(runs.sshSameCipher);
    const hCpu = cpuPerGib(runs.hopline);
    const oCpuDefault = cpuPerGib(runs.sshDefault);
    const oCpuSame = cpuPerGib(runs.sshSameCipher);
    const ciphers = `ciphers hopline ${ourCipher}; ssh defaults ${theirDefault}; ssh held to ${theirSameCipher}`;
    const byDefault = h / oDefault;
    results.push({ name: '256 MiB through 3 hops, throughput (hopline ÷ ssh -J, OpenSSH defaults)', ratio: byDefault, goal: '≥ 1.5', met: byDefault >= 1.5, detail: `hopline ${h.toFixed(1)} MiB/s, ssh -J ${oDefault.toFixed(1)} MiB/s (median of 3, whole process incl. setup); ${ciphers}` });
    const bySame = h / oSame;
    results.push({ name: '256 MiB through 3 hops, throughput (hopline ÷ ssh -J, same cipher)', ratio: bySame, goal: '≥ 1.2', met: bySame >= 1.2, detail: `hopline ${h.toFixed(1)} MiB/s, ssh -J with Ciphers ${cipherName} ${oSame.toFixed(1)} MiB/s (median of 3)` });
    const cpuRatio = hCpu / oCpuSame;
    results.push({ name: 'CPU-seconds per GiB through 3 hops (hopline ÷ ssh -J, same cipher, all its processes)', ratio: cpuRatio, goal: '≤ 0.8', met: cpuRatio <= 0.8, detail: `hopline ${hCpu.toFixed(2)} CPU-s/GiB (one process), ssh -J ${oCpuSame.toFixed(2)} CPU-s/GiB with ${cipherName} and ${oCpuDefault.toFixed(2)} with its defaults (ssh and both jump processes summed; median of 3, user + system, setup included)` });
  }

  // 3. A second target through an already-open bastion: in-process Hopline against OpenSSH reusing a ControlMaster.
  {
    const broker = new PromptBroker();
    const engine = new CircuitEngine({ hostKeyFiles: { userFiles: [], appFile: path.join(dataDir, 'known_hosts') }, prompts: broker });
    const key = [{ kind: 'publickey' as const, keyFile: status.clientKey }];
    const bastion: HopSpec = { name: 'bastion-mfa', host: addr('bastion-mfa'), port: 22, user: 'bench', auth: key };
    const warm = await engine.open([bastion]);
    const control = path.join(home, 'cm-%C');
    const cmConfig = path.join(home, 'cm_config');
    // Include first: after a Host line it would apply to that host only.
    writeFileSync(cmConfig, `Include ${status.sshConfig}\nHost ${addr("bastion-mfa")}\n  ControlMaster auto\n  ControlPath ${control}\n  ControlPersist 60\n`);
    const master = timeCommand('ssh', ['-F', cmConfig, `bench@${addr('bastion-mfa')}`, 'true'], env);
    if (master.status !== 0) throw new Error(`ControlMaster failed: ${master.stderr}`);
    const ours: number[] = [];
    const theirs: number[] = [];
    try {
      for (let i = 0; i < 9; i++) {
        const started = process.hrtime.bigint();
        const second = await engine.open([bastion, { name: 'bastion-key', host: addr('bastion-key'), port: 22, user: 'bench', auth: key }]);
        await execText(engine.target(second.id), 'true');
        await engine.close(second.id);
        ours.push(Number(process.hrtime.bigint() - started) / 1e6);
        const b = timeCommand('ssh', ['-F', cmConfig, '-J', `bench@${addr('bastion-mfa')}`, `bench@${addr('bastion-key')}`, 'true'], env);
        if (b.status !== 0) throw new Error(`ssh via ControlMaster failed: ${b.stderr}`);
        theirs.push(b.ms);
      }
    } finally {
      spawnSync('ssh', ['-F', cmConfig, '-O', 'exit', `bench@${addr('bastion-mfa')}`], { env, stdio: 'ignore' });
      await engine.close(warm.id);
      await engine.dispose();
    }
    const h = median(ours);
    const o = median(theirs);
    const ratio = h / o;
    results.push({ name: 'second target via a warm bastion (hopline in process ÷ ssh ControlMaster)', ratio, goal: '≤ 1.0', met: ratio <= 1.0, detail: `hopline ${h.toFixed(1)} ms, ssh ${o.toFixed(1)} ms (median of 9; open + exec true + close)` });
  }
  rmSync(home, { recursive: true, force: true });
  for (const r of results) log(`${r.met ? 'MET ' : 'MISS'} ${r.name}: ratio ${r.ratio.toFixed(2)} (goal ${r.goal}) — ${r.detail}`);
  return results;
}
