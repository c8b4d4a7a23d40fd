/**
 * Which live hops a `hopline proxy` request can ride. The request names its jump hops as the
 * CLI takes them (a saved profile, or -J words); the app turns them into addresses (user, host,
 * port) with its own saved library, the same way the CLI would, and looks for a circuit whose
 * first hops are up at exactly those addresses.
 *
 * A profile's jump hops are all its hops but the last: the destination ssh names (%h %p) takes
 * the place of the profile's target, which the external ssh reaches and authenticates itself.
 * Addresses are compared, not whole hop settings: a hop that is up at user@host:port has passed
 * its host-key check and authentication, whatever settings got it there.
 */
import { parseHopAddress } from '../../../shared/model/hostAddress';
import type { StoredHost, StoredProfile } from '../profiles/documentStore';
import { tcpServicePort } from '../engine/servicePorts';
import type { HopSpec } from '../engine/hopSpec';
import type { GatewayRoute } from './controlProtocol';

export interface HopAddressKey {
  host: string;
  port: number;
  user: string;
}

export type RouteResolution = { ok: true; hops: HopAddressKey[]; profileId: string | null } | { ok: false; message: string };

function unique<T extends { name: string }>(items: readonly T[], name: string, what: string): T | undefined | Error {
  const matches = items.filter((i) => i.name === name);
  if (matches.length > 1) return new Error(`${matches.length} saved ${what} are named "${name}"; rename one in the app`);
  return matches[0];
}

export function resolveRoute(route: GatewayRoute, library: { hosts: readonly StoredHost[]; profiles: readonly StoredProfile[] }, localUser: string): RouteResolution {
  const ofHost = (h: StoredHost): HopAddressKey => ({ host: h.address, port: h.port, user: h.user });
  if (route.kind === 'profile') {
    const profile = unique(library.profiles, route.name, 'profiles');
    if (profile instanceof Error) return { ok: false, message: profile.message };
    if (!profile) return { ok: false, message: `no saved profile is named "${route.name}"` };
    const hops: HopAddressKey[] = [];
    for (const id of profile.hostIds.slice(0, -1)) {
      const host = library.hosts.find((h) => h.id === id);
      if (!host) return { ok: false, message: `profile "${route.name}" names a host that is no longer saved` };
      hops.push(ofHost(host));
    }
    return { ok: true, hops, profileId: profile.id };
  }
  const hops: HopAddressKey[] = [];
  for (const text of route.hops) {
    const saved = unique(library.hosts, text, 'hosts');
    if (saved instanceof Error) return { ok: false, message: saved.message };
    if (saved) {
      hops.push(ofHost(saved));
      continue;
    }
    try {
      const address = parseHopAddress(text, tcpServicePort);
      hops.push({ host: address.host, port: address.port ?? 22, user: address.user ?? localUser });
    } catch (error) {
      return { ok: false, message: error instanceof Error ? error.message : String(error) };
    }
  }
  return { ok: true, hops, profileId: null };
}

export function sameAddress(a: HopAddressKey, b: Pick<HopSpec, 'host' | 'port' | 'user'>): boolean {
  return a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port && a.user === b.user;
}

export interface LiveChain<C> {
  circuitId: string;
  profileId: string | null;
  state: string;
  hops: { spec: HopSpec; client: C }[];
}

/**
 * The live chain to ride: one whose first hops are up at the route's addresses. An open circuit
 * of the route's own profile first, then any open one, then a failed circuit's kept hops.
 */
export function pickChain<C>(chains: readonly LiveChain<C>[], route: { hops: HopAddressKey[]; profileId: string | null }): LiveChain<C> | null {
  if (route.hops.length === 0) return null;
  const fits = chains.filter((c) => c.hops.length >= route.hops.length && route.hops.every((hop, i) => sameAddress(hop, c.hops[i]!.spec)));
  const rank = (c: LiveChain<C>): number => (c.state === 'open' ? 0 : 2) + (route.profileId !== null && c.profileId === route.profileId ? 0 : 1);
  return [...fits].sort((a, b) => rank(a) - rank(b))[0] ?? null;
}
