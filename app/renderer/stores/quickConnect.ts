/**
 * Quick connect: a line typed as for `ssh` (`-J ops@bastion admin@db`), a saved host's or a
 * profile's name, turned into a circuit of saved hosts. Hops that match a saved host use it;
 * the others are saved as new hosts (folder "Quick connect"), so their host keys, secrets and
 * the circuit itself behave exactly as a circuit built by hand. Planning is pure; `quickConnect`
 * does the saving and opening through injected functions.
 */
import { ErrorCode, HoplineError } from '../../shared/model/errors';
import { HOST_DEFAULTS, type HostInput, type HostSummary } from '../../shared/model/host';
import { formatHopAddress, parseQuickConnect, type HopAddress } from '../../shared/model/hostAddress';
import type { ProfileSummary } from '../../shared/model/profile';
import type { ConnectionDefaults } from '../../shared/model/settings';

export const QUICK_CONNECT_FOLDER = 'Quick connect';

/** One hop of a planned circuit: a saved host, or a host to save first. `label` is `user@name` for display. */
export type PlannedHop = { kind: 'saved'; host: HostSummary; label: string } | { kind: 'new'; input: HostInput; label: string };

export interface QuickConnectPlan {
  /** Hop 0 first, the target last. The same new host twice in a line is one PlannedHop object. */
  hops: PlannedHop[];
}

const sameText = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The saved host a typed hop means, or null. */
function findSaved(hop: HopAddress, saved: readonly HostSummary[]): HostSummary | null {
  const port = hop.port ?? 22;
  const atAddress = saved.filter((h) => sameText(h.address, hop.host) && h.port === port);
  if (hop.user !== null) {
    const exact = atAddress.find((h) => h.user === hop.user);
    if (exact) return exact;
  } else if (atAddress.length > 0) {
    return atAddress[0]!;
  }
  // A saved host's name, as ssh takes an ssh_config alias: its own address, port and user apply
  // unless the line gives others.
  return saved.find((h) => sameText(h.name, hop.host) && (hop.user === null || h.user === hop.user) && (hop.port === null || h.port === hop.port)) ?? null;
}

/** A name not yet taken (case-insensitive): the address, else user@address[:port], else with a number. */
function uniqueName(hop: HopAddress, user: string, taken: Set<string>): string {
  const port = hop.port ?? 22;
  const candidates = [hop.host, formatHopAddress({ user, host: hop.host, port: null }), formatHopAddress({ user, host: hop.host, port })];
  const base = candidates[candidates.length - 1]!;
  for (let n = 2; candidates.length < 100; n++) candidates.push(`${base} (${n})`);
  return candidates.find((c) => !taken.has(c.toLowerCase())) ?? `${base} (${Date.now()})`;
}

/**
 * Matches each hop to a saved host (same address ignoring case, same port, same user; with no
 * user given, any user at that address, or a host saved under that name) or plans a new one.
 * A new host needs a user: the renderer does not know the local user name ssh would use, so it
 * throws INVALID_ARGUMENT asking for `user@host`.
 */
export function resolveQuickConnect(hops: readonly HopAddress[], savedHosts: readonly HostSummary[], defaults: ConnectionDefaults): QuickConnectPlan {
  if (hops.length === 0) throw new HoplineError(ErrorCode.INVALID_ARGUMENT, 'Type a destination: user@host');
  const taken = new Set(savedHosts.map((h) => h.name.toLowerCase()));
  const planned = new Map<string, PlannedHop>();
  const out: PlannedHop[] = [];
  for (const hop of hops) {
    const saved = findSaved(hop, savedHosts);
    if (saved) {
      out.push({ kind: 'saved', host: saved, label: `${saved.user}@${saved.name}` });
      continue;
    }
    if (hop.user === null) {
      throw new HoplineError(ErrorCode.INVALID_ARGUMENT, `No saved host is called ${JSON.stringify(hop.host)}. Give a user: user@${formatHopAddress({ ...hop, user: null })}`);
    }
    const port = hop.port ?? 22;
    const key = `${hop.user}@${hop.host.toLowerCase()}:${port}`;
    const again = planned.get(key);
    if (again) {
      out.push(again);
      continue;
    }
    const name = uniqueName(hop, hop.user, taken);
    taken.add(name.toLowerCase());
    const input: HostInput = {
      ...HOST_DEFAULTS,
      keepaliveIntervalSec: defaults.keepaliveIntervalSec,
      keepaliveCountMax: defaults.keepaliveCountMax,
      connectTimeoutSec: defaults.connectTimeoutSec,
      auth: HOST_DEFAULTS.auth.map((a) => ({ ...a })),
      name,
      address: hop.host,
      port,
      user: hop.user,
      folder: QUICK_CONNECT_FOLDER,
      tags: [],
    };
    const next: PlannedHop = { kind: 'new', input, label: formatHopAddress({ user: hop.user, host: hop.host, port }) };
    planned.set(key, next);
    out.push(next);
  }
  return { hops: out };
}

/** `ops@bastion → admin@db`. */
export function describeRoute(plan: QuickConnectPlan): string {
  return plan.hops.map((h) => h.label).join(' → ');
}

/** What a line typed in the palette would connect: a profile by its name, or a planned circuit. */
export type QuickConnectTarget = { kind: 'profile'; profile: ProfileSummary } | { kind: 'route'; plan: QuickConnectPlan };

/**
 * Pure: a profile's exact name (ignoring case) first, then the line read as for ssh (where a
 * saved host's name stands for that host). Throws INVALID_ARGUMENT with a sentence for the user.
 */
export function planQuickConnect(text: string, hosts: readonly HostSummary[], profiles: readonly ProfileSummary[], defaults: ConnectionDefaults): QuickConnectTarget {
  const trimmed = text.trim();
  const profile = profiles.find((p) => sameText(p.name, trimmed));
  if (profile && trimmed) return { kind: 'profile', profile };
  const host = hosts.find((h) => sameText(h.name, trimmed));
  if (host && trimmed) return { kind: 'route', plan: { hops: [{ kind: 'saved', host, label: `${host.user}@${host.name}` }] } };
  return { kind: 'route', plan: resolveQuickConnect(parseQuickConnect(trimmed).hops, hosts, defaults) };
}

export interface QuickConnectDeps {
  hosts: readonly HostSummary[];
  profiles?: readonly ProfileSummary[];
  defaults: ConnectionDefaults;
  saveHost(input: HostInput): Promise<HostSummary>;
  open(hostIds: string[]): Promise<unknown> | void;
  /** A profile named by the line; without it, a profile's name opens its hosts. */
  openProfile?(profile: ProfileSummary): Promise<unknown> | void;
}

export type QuickConnectResult = { kind: 'profile'; profile: ProfileSummary } | { kind: 'route'; hostIds: string[]; saved: HostSummary[] };

/**
 * Plans `text`, saves the hosts it needs (in order, stopping at the first refusal, which
 * rejects), then opens the circuit. Rejects with INVALID_ARGUMENT when the line can't be read.
 */
export async function quickConnect(text: string, deps: QuickConnectDeps): Promise<QuickConnectResult> {
  const target = planQuickConnect(text, deps.hosts, deps.profiles ?? [], deps.defaults);
  if (target.kind === 'profile') {
    await (deps.openProfile ? deps.openProfile(target.profile) : deps.open([...target.profile.hostIds]));
    return target;
  }
  return connectPlan(target.plan, deps);
}

/** Saves the plan's new hosts and opens the circuit. */
export async function connectPlan(plan: QuickConnectPlan, deps: Pick<QuickConnectDeps, 'saveHost' | 'open'>): Promise<QuickConnectResult & { kind: 'route' }> {
  const savedIds = new Map<PlannedHop, HostSummary>();
  const saved: HostSummary[] = [];
  const hostIds: string[] = [];
  for (const hop of plan.hops) {
    if (hop.kind === 'saved') {
      hostIds.push(hop.host.id);
      continue;
    }
    let host = savedIds.get(hop);
    if (!host) {
      host = await deps.saveHost(hop.input);
      savedIds.set(hop, host);
      saved.push(host);
    }
    hostIds.push(host.id);
  }
  await deps.open(hostIds);
  return { kind: 'route', hostIds, saved };
}
