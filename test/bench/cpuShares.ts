/**
 * Where the machine's CPU went during a stretch of a benchmark, by kind of process, read from
 * /proc (utime + stime of every process alive at both ends): the page's renderer, the rest of
 * Chromium, Hopline's main process, the lab's sshd processes, everything else. A terminal
 * benchmark's ratio is set against a raw xterm write that has a core to itself; during Hopline's
 * run the same page shares the machine with SSH and the browser's network side, and this says by
 * how much (npm run bench -- terminals prints it beside the throughput).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export type CpuGroup = 'Chromium renderer' | 'Chromium, other processes' | 'Hopline main' | 'sshd' | 'other';
export type CpuSnapshot = { at: number; ticks: Map<number, { group: CpuGroup; ticks: number }> };

let clockTicks: number | null = null;
function ticksPerSecond(): number {
  if (clockTicks === null) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

function groupOf(comm: string, cmdline: string): CpuGroup {
  if (/chrom/i.test(comm) || cmdline.includes('/chromium')) return cmdline.includes('--type=renderer') ? 'Chromium renderer' : 'Chromium, other processes';
  if (cmdline.includes('web.cjs')) return 'Hopline main';
  if (comm === 'sshd' || cmdline.startsWith('sshd')) return 'sshd';
  return 'other';
}

export function cpuSnapshot(): CpuSnapshot {
  const ticks = new Map<number, { group: CpuGroup; ticks: number }>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // comm may hold spaces and parentheses: the fields after it start at the last ')'.
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      const used = Number(fields[11]) + Number(fields[12]);
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      ticks.set(pid, { group: groupOf(comm, cmdline), ticks: used });
    } catch {
      // Gone between the listing and the read.
    }
  }
  return { at: performance.now(), ticks };
}

/** Cores used by each group between two snapshots (processes alive at both). */
export function cpuShares(before: CpuSnapshot, after: CpuSnapshot): Map<CpuGroup, number> {
  const seconds = (after.at - before.at) / 1000;
  const shares = new Map<CpuGroup, number>();
  for (const [pid, now] of after.ticks) {
    const then = before.ticks.get(pid);
    if (!then) continue;
    const cores = (now.ticks - then.ticks) / ticksPerSecond() / seconds;
    shares.set(now.group, (shares.get(now.group) ?? 0) + cores);
  }
  return shares;
}

/** "Chromium renderer 0.95, …; 1.90 cores in all". */
export function describeShares(shares: Map<CpuGroup, number>): string {
  const order: CpuGroup[] = ['Chromium renderer', 'Chromium, other processes', 'Hopline main', 'sshd', 'other'];
  const total = [...shares.values()].reduce((a, b) => a + b, 0);
  return `${order.map((g) => `${g} ${(shares.get(g) ?? 0).toFixed(2)}`).join(', ')}; ${total.toFixed(2)} cores in all`;
}

/** The median of each group over several stretches. */
export function medianShares(list: Map<CpuGroup, number>[]): Map<CpuGroup, number> {
  const out = new Map<CpuGroup, number>();
  const groups = new Set(list.flatMap((m) => [...m.keys()]));
  for (const g of groups) {
    const values = list.map((m) => m.get(g) ?? 0).sort((a, b) => a - b);
    out.set(g, values[Math.floor(values.length / 2)]!);
  }
  return out;
}
