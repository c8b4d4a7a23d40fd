/**
 * CPU time of a command and of every process it starts, for the benches that compare Hopline's
 * one process with OpenSSH's several. `ssh -J` runs each jump as a ProxyCommand child that it
 * only signals on exit, never waits for: the jump processes are orphaned and reaped by init, so
 * neither getrusage(RUSAGE_CHILDREN) nor /usr/bin/time sees their CPU. A cgroup does: the
 * command joins a fresh cgroup (v2) before it execs, its descendants inherit it, and the
 * cgroup's cpu.stat sums all of them, exited ones included. Needs root, as the lab does.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface MeasuredRun {
  /** Wall time until the command itself exits (not its orphans). */
  ms: number;
  /** User + system CPU seconds of the command and all its descendants. */
  cpuSeconds: number;
  userSeconds: number;
  systemSeconds: number;
  code: number | null;
  stderr: string;
}

/** Where the cgroup v2 hierarchy is mounted (pure v2, or the hybrid `unified` mount), or null. */
export function cgroup2Root(): string | null {
  let mounts: string;
  try {
    mounts = readFileSync('/proc/mounts', 'utf8');
  } catch {
    return null;
  }
  for (const line of mounts.split('\n')) {
    const [, mountPoint, type] = line.split(' ');
    if (type === 'cgroup2' && mountPoint) return mountPoint;
  }
  return null;
}

/** Why CPU of a process tree cannot be measured here, or null. */
export function processCpuUnavailableReason(): string | null {
  if (process.getuid?.() !== 0) return 'measuring a process tree\'s CPU needs root (a cgroup)';
  return cgroup2Root() ? null : 'no cgroup v2 hierarchy is mounted';
}

let serial = 0;

function readCpuStat(dir: string): { user: number; system: number } {
  const stat = readFileSync(path.join(dir, 'cpu.stat'), 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(stat)?.[1] ?? NaN) / 1e6;
  return { user: field('user_usec'), system: field('system_usec') };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `cmd args` with stdout to /dev/null in a cgroup of its own; resolves once the command has
 * exited and every process it left behind has too (up to 10 s, then they are killed).
 */
export async function runInCgroup(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<MeasuredRun> {
  const root = cgroup2Root();
  if (!root) throw new Error('no cgroup v2 hierarchy is mounted');
  const dir = path.join(root, `hopline-bench-${process.pid}-${++serial}`);
  mkdirSync(dir);
  try {
    // The shell moves itself into the cgroup and then execs the command, so nothing the command
    // starts can escape it.
    const started = process.hrtime.bigint();
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn('/bin/sh', ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', dir, cmd, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let text = '';
      child.stderr.on('data', (d: Buffer) => (text += d.toString()));
      child.on('close', (exitCode) => resolve({ code: exitCode, stderr: text }));
    });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    for (let waited = 0; /populated 1/.test(readFileSync(path.join(dir, 'cgroup.events'), 'utf8')); waited += 20) {
      // A stuck leftover would hold the cgroup (and its CPU figure) open forever.
      if (waited === 10_000) writeFileSync(path.join(dir, 'cgroup.kill'), '1');
      await sleep(20);
    }
    const { user, system } = readCpuStat(dir);
    return { ms, cpuSeconds: user + system, userSeconds: user, systemSeconds: system, code, stderr };
  } finally {
    try {
      rmdirSync(dir);
    } catch {
      // Still populated after a kill: leave it; the name is unique to this run.
    }
  }
}
