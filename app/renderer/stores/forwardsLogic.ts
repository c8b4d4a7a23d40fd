/**
 * Pure logic of the forwards view: the store's per-circuit lists, what a row says (addresses,
 * counters in human units), and which circuits have a forward listening (tab and library marks).
 */
import type { ForwardSpec, ForwardStatus } from '../../shared/model/forward';

/** Forwards per circuit id, each list in the order the forwards were added. */
export type ForwardsByCircuit = Readonly<Record<string, readonly ForwardStatus[]>>;

/** The circuit's list with `status` put in (replacing the one of the same id, or appended). */
export function putForward(byCircuit: ForwardsByCircuit, status: ForwardStatus): ForwardsByCircuit {
  const list = byCircuit[status.circuitId] ?? [];
  const index = list.findIndex((f) => f.forwardId === status.forwardId);
  const next = index < 0 ? [...list, status] : list.map((f, i) => (i === index ? status : f));
  return { ...byCircuit, [status.circuitId]: next };
}

/** Without the forward; a circuit left with none drops out. */
export function dropForward(byCircuit: ForwardsByCircuit, circuitId: string, forwardId: string): ForwardsByCircuit {
  const list = byCircuit[circuitId];
  if (!list?.some((f) => f.forwardId === forwardId)) return byCircuit;
  const rest = list.filter((f) => f.forwardId !== forwardId);
  const next = { ...byCircuit };
  if (rest.length > 0) next[circuitId] = rest;
  else delete next[circuitId];
  return next;
}

/** A whole list() answer, grouped. */
export function groupForwards(list: readonly ForwardStatus[]): ForwardsByCircuit {
  let byCircuit: ForwardsByCircuit = {};
  for (const status of list) byCircuit = putForward(byCircuit, status);
  return byCircuit;
}

/** How many forwards of each circuit are listening (circuits with none are absent). */
export function countListening(byCircuit: ForwardsByCircuit): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [circuitId, list] of Object.entries(byCircuit)) {
    const n = list.filter((f) => f.state === 'listening').length;
    if (n > 0) counts[circuitId] = n;
  }
  return counts;
}

/** `previous` when `next` says the same, so subscribers to the counts re-render only on a change. */
export function sameCountsOr(previous: Readonly<Record<string, number>>, next: Record<string, number>): Readonly<Record<string, number>> {
  const a = Object.keys(previous);
  const b = Object.keys(next);
  return a.length === b.length && b.every((k) => previous[k] === next[k]) ? previous : next;
}

/** `host:port`, with an IPv6 host in brackets as URLs and ssh write it. */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Where the forward listens: the bound address once listening (a remote port 0 becomes the target's choice). */
export function listenAddress(status: Pick<ForwardStatus, 'spec' | 'boundAddress' | 'boundPort'>): string {
  const spec = status.spec;
  const bind = status.boundAddress ?? displayBind(spec);
  const port = status.boundPort ?? spec.bindPort;
  // Only -R may ask for port 0 (as in ssh): the target picks it.
  return port === 0 ? `${bind}, a port the target picks` : hostPort(bind, port);
}

/** The bind address as a user reads it: loopback by default, "all interfaces" for `*`. */
function displayBind(spec: ForwardSpec): string {
  if (spec.bindAddress === undefined || spec.bindAddress === '') return '127.0.0.1';
  return spec.bindAddress === '*' ? '0.0.0.0' : spec.bindAddress;
}

/** The address to paste into a client, for forwards that listen on this machine and know their port. */
export function copyableAddress(status: ForwardStatus): string | null {
  if (status.spec.kind === 'remote') return null;
  const port = status.boundPort ?? (status.spec.bindPort || null);
  if (port === null) return null;
  // A forward on every interface is still reached here through loopback.
  const bind = status.boundAddress ?? displayBind(status.spec);
  const local = bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind;
  return hostPort(local, port);
}

/** The one line a row leads with: `127.0.0.1:8080 → db.internal:5432`, or the SOCKS listener. */
export function routeText(status: ForwardStatus): string {
  const spec = status.spec;
  const listen = listenAddress(status);
  const dest = spec.host !== undefined && spec.hostPort !== undefined ? hostPort(spec.host, spec.hostPort) : '?';
  if (spec.kind === 'dynamic') return `${listen} → SOCKS proxy at the target`;
  if (spec.kind === 'remote') return `target ${listen} → ${dest} from here`;
  return `${listen} → ${dest}`;
}

export const KIND_TEXT: Readonly<Record<ForwardSpec['kind'], string>> = { local: 'Local', remote: 'Remote', dynamic: 'SOCKS' };

export const STATE_TEXT: Readonly<Record<ForwardStatus['state'], string>> = {
  stopped: 'stopped',
  starting: 'starting',
  listening: 'listening',
  waiting: 'waiting for the circuit',
  failed: 'failed',
};

/** "1 forward", "2 forwards". */
export function forwardsCountText(n: number): string {
  return n === 1 ? '1 forward' : `${n} forwards`;
}
