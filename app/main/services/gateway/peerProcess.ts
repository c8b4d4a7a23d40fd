/**
 * Who ran `hopline proxy`: ssh runs its ProxyCommand through `sh -c exec …`, so the proxy's parent
 * is the ssh (started by a person, scp, rsync, git or VS Code). Told to the app so that its list
 * of external sessions can say "ssh prod-db ls" rather than only an address.
 *
 * Linux only, from /proc (one small read, no process started: the proxy's start-up stays fast).
 * Elsewhere, or when /proc says nothing, the app shows the session without it.
 */
import { readFileSync } from 'node:fs';
import type { GatewayPeer } from '../../../shared/contract/gateway';

/** Longer command lines are cut: the app shows one line. */
export const PEER_COMMAND_MAX = 500;

/** A /proc cmdline (NUL-separated argv) as one line, control characters made spaces. */
export function commandLineOf(cmdline: Buffer | string): string {
  const text = typeof cmdline === 'string' ? cmdline : cmdline.toString('utf8');
  const line = text
    .split('\0')
    .filter((word) => word !== '')
    .join(' ')
    .replace(/\p{Cc}/gu, ' ')
    .trim();
  return line.length > PEER_COMMAND_MAX ? `${line.slice(0, PEER_COMMAND_MAX - 1)}…` : line;
}

export function parentPeer(ppid: number = process.ppid, platform: NodeJS.Platform = process.platform): GatewayPeer | undefined {
  if (platform !== 'linux' || !Number.isInteger(ppid) || ppid <= 1) return undefined;
  try {
    const command = commandLineOf(readFileSync(`/proc/${ppid}/cmdline`));
    return command ? { pid: ppid, command } : undefined;
  } catch {
    return undefined;
  }
}
