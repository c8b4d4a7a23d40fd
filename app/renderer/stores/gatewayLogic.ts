/**
 * Pure logic of the "Use from other tools" view: the external sessions per circuit (sessions
 * riding the app's hops through `hopline proxy`), what a row says, and how many ride each circuit
 * (the tab's mark).
 */
import type { GatewaySession } from '../../shared/contract/gateway';
import { toPlainText } from '../../shared/model/plainText';
import { hostPort } from './forwardsLogic';

/** The sessions riding one circuit, oldest first. */
export function sessionsOn(sessions: readonly GatewaySession[], circuitId: string): GatewaySession[] {
  return sessions.filter((s) => s.circuitId === circuitId).sort((a, b) => a.startedAt - b.startedAt || a.id.localeCompare(b.id));
}

/** How many external sessions ride each circuit (circuits with none are absent). */
export function countRiding(sessions: readonly GatewaySession[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of sessions) counts[s.circuitId] = (counts[s.circuitId] ?? 0) + 1;
  return counts;
}

/** Who runs it, as one line: the peer's command (untrusted: made plain), or what is known without it. */
export function peerText(session: GatewaySession): string {
  if (!session.peer) return 'An external ssh (its program is not known)';
  return toPlainText(session.peer.command, 300);
}

/** `pid 4242`, or null when the proxy did not say. */
export function peerPid(session: GatewaySession): string | null {
  return session.peer ? `pid ${session.peer.pid}` : null;
}

/** Where it goes and through which hops: `10.0.0.5:22 through bastion, inner`. */
export function destinationText(session: GatewaySession): string {
  const to = hostPort(toPlainText(session.destination.host, 300), session.destination.port);
  return session.via.length === 0 ? to : `${to} through ${session.via.map((n) => toPlainText(n, 120)).join(', ')}`;
}

/** "since 10:42:03": the local wall-clock time it started. */
export function startedText(startedAt: number): string {
  const d = new Date(startedAt);
  const two = (n: number) => String(n).padStart(2, '0');
  return `since ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** "1 external session", "2 external sessions". */
export function ridingText(n: number): string {
  return n === 1 ? '1 external session' : `${n} external sessions`;
}

/** The one-line explanation under the block, naming the alias to type. */
export function explanationText(hostAlias: string): string {
  return `ssh ${hostAlias}, scp, rsync -e ssh, git and VS Code Remote-SSH ride this circuit without another code.`;
}

/** Whether the block sends ssh through `hopline proxy` (a one-hop profile's block connects directly). */
export function blockRidesCircuit(text: string): boolean {
  return /^\s+ProxyCommand /m.test(text);
}
