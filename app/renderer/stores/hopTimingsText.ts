/**
 * A hop's timings as the hop list shows them: what the network and the server took, then the
 * time spent waiting for the user on its own ("handshake 120 ms · auth 340 ms · waiting for you
 * 6.2 s · total 6.7 s"), so a slow hop and a slow answer are never confused.
 */
import type { HopTimings } from '../../shared/model/hop';

/** "340 ms" below a second, "6.2 s" from there: the precision a person reads. */
export function formatDuration(ms: number): string {
  const whole = Math.max(0, Math.round(ms));
  return whole < 1000 ? `${whole} ms` : `${(whole / 1000).toFixed(1)} s`;
}

export function formatHopTimings(timings: HopTimings): { machine: string; wait: string | null; total: string | null } {
  const parts: string[] = [];
  if (timings.tcpMs !== undefined) parts.push(`tcp ${formatDuration(timings.tcpMs)}`);
  if (timings.handshakeMs !== undefined) parts.push(`handshake ${formatDuration(timings.handshakeMs)}`);
  if (timings.authMs !== undefined) parts.push(`auth ${formatDuration(timings.authMs)}`);
  return {
    machine: parts.join(' · '),
    // Nothing to say when nobody was asked anything.
    wait: timings.userWaitMs ? `waiting for you ${formatDuration(timings.userWaitMs)}` : null,
    total: timings.totalMs !== undefined ? `total ${formatDuration(timings.totalMs)}` : null,
  };
}

/** The whole line, for places that show it as one text. */
export function hopTimingsLine(timings: HopTimings): string {
  const t = formatHopTimings(timings);
  return [t.machine, t.wait, t.total].filter(Boolean).join(' · ');
}
