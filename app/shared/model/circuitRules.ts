/**
 * What makes a chain of saved hosts a circuit Hopline can open, checked before connecting so the
 * builder can show every problem inline instead of one refusal at a time from the engine. The
 * engine applies the same rules again (it never trusts the renderer); these messages are for
 * the person fixing the chain.
 */
import type { HostSettings } from './host';
import { hopName, hopNameAtStart } from './hopName';

/** The deepest circuit the engine accepts (the same limit as OpenSSH's ProxyJump nesting). */
export const MAX_CIRCUIT_HOPS = 16;

/** The parts of a host that decide whether a chain is valid; `id` when it is a saved host. */
export type ChainHost = Pick<HostSettings, 'name' | 'address' | 'port' | 'user' | 'proxy'> & { id?: string };

export interface ChainProblem {
  /** The hop the problem is about (0-based), or null for the chain as a whole. */
  index: number | null;
  message: string;
}

const PROXY_NAMES: Record<NonNullable<HostSettings['proxy']>['kind'], string> = {
  command: 'a ProxyCommand',
  socks5: 'a SOCKS5 proxy',
  http: 'an HTTP CONNECT proxy',
};

function label(host: ChainHost, index: number): string {
  const name = host.name.trim() || host.address.trim() || 'unnamed host';
  return hopNameAtStart({ index, name });
}

function endpoint(host: ChainHost): string {
  return `${host.address.trim().toLowerCase()}:${host.port}`;
}

/** Every problem of the chain (length first, then in hop order); an empty list means it can be opened. */
export function validateChain(hosts: readonly ChainHost[]): ChainProblem[] {
  if (hosts.length === 0) return [{ index: null, message: 'Add at least one host to the circuit.' }];
  const problems: ChainProblem[] = [];
  if (hosts.length > MAX_CIRCUIT_HOPS) {
    problems.push({ index: MAX_CIRCUIT_HOPS, message: `This circuit has ${hosts.length} hops; Hopline allows at most ${MAX_CIRCUIT_HOPS}. Remove ${hosts.length - MAX_CIRCUIT_HOPS}.` });
  }
  const seenIds = new Map<string, number>();
  const seenEndpoints = new Map<string, number>();
  hosts.forEach((host, index) => {
    const who = label(host, index);
    if (!host.address.trim()) problems.push({ index, message: `${who} has no address.` });
    if (!host.user.trim()) problems.push({ index, message: `${who} has no user.` });
    if (!Number.isInteger(host.port) || host.port < 1 || host.port > 65535) problems.push({ index, message: `${who} has port ${host.port}; a port is a whole number from 1 to 65535.` });

    // A repeated host, or the same address:port under another name, would make the circuit
    // tunnel back to where it has already been: a cycle the engine refuses.
    const firstById = host.id === undefined ? undefined : seenIds.get(host.id);
    const firstByEndpoint = host.address.trim() ? seenEndpoints.get(endpoint(host)) : undefined;
    if (firstById !== undefined) {
      problems.push({ index, message: `${who} is the same host as ${hopName({ index: firstById, name: hosts[firstById]!.name })}: the circuit would go round in a cycle.` });
    } else if (firstByEndpoint !== undefined) {
      problems.push({ index, message: `${who} returns to ${endpoint(host)}, already ${hopName({ index: firstByEndpoint, name: hosts[firstByEndpoint]!.name })}: the circuit would go round in a cycle.` });
    }
    if (host.id !== undefined && !seenIds.has(host.id)) seenIds.set(host.id, index);
    if (host.address.trim() && !seenEndpoints.has(endpoint(host))) seenEndpoints.set(endpoint(host), index);

    // Only hop 1 is reached from this computer; every later hop is reached through the hop
    // before it (ProxyJump), so its own proxy would conflict with the chain.
    if (host.proxy && index > 0) {
      problems.push({ index, message: `${who} has ${PROXY_NAMES[host.proxy.kind]}, which conflicts with jumping through hop ${index}: only hop 1 can use a proxy. Move it to the front or remove its proxy.` });
    }
  });
  return problems;
}
