/**
 * Pure logic of the sidebar library: saved circuits (profiles) and hosts in one tree of folders,
 * flattened into rows for a virtualized list, with search and live status.
 *
 * Search stays O(n) per keystroke: each entry's lowercased haystack (name, folder, tags, user,
 * address, and for a profile every hop's name/user/address) and the name order are computed once
 * per (profiles, hosts) pair and cached by array identity, so typing only runs `includes`.
 */
import type { HostSummary } from '../../shared/model/host';
import type { CircuitSummary } from '../../shared/model/hop';
import type { ProfileColor, ProfileSummary } from '../../shared/model/profile';
import { hostEndpoint } from './hostsLogic';

/** A row's live state. 'forwarding' is "connected, with a port forward listening" on an open circuit. */
export type LibraryStatus = 'idle' | 'connecting' | 'connected' | 'forwarding' | 'failed';
export type LibrarySection = 'circuits' | 'hosts';

export const SECTION_LABELS: Record<LibrarySection, string> = { circuits: 'Circuits', hosts: 'Hosts' };

export const STATUS_LABELS: Record<LibraryStatus, string> = {
  idle: 'not connected',
  connecting: 'connecting',
  connected: 'connected',
  forwarding: 'connected with forwards',
  failed: 'failed',
};

interface RowBase {
  /** Stable and unique among the rows: the React key, and the key of the collapsed state for sections and folders. */
  key: string;
  /** 0 for section headers. */
  depth: number;
  /** For aria-level / aria-posinset / aria-setsize: the rows are virtualized, so the DOM alone cannot tell. */
  posinset: number;
  setsize: number;
  label: string;
}

export interface SectionRow extends RowBase {
  kind: 'section';
  section: LibrarySection;
  /** Entries under it (matching ones, when searching). */
  count: number;
  expanded: boolean;
}

export interface FolderRow extends RowBase {
  kind: 'folder';
  section: LibrarySection;
  /** Full path, segments joined by '/'. */
  path: string;
  count: number;
  expanded: boolean;
}

export interface ProfileRow extends RowBase {
  kind: 'profile';
  id: string;
  profile: ProfileSummary;
  /** The route: hop names joined by ' → '. */
  detail: string;
  tags: string[];
  color: ProfileColor | null;
  status: LibraryStatus;
  /** The lowercased text search runs against. */
  haystack: string;
}

export interface HostRow extends RowBase {
  kind: 'host';
  id: string;
  host: HostSummary;
  /** user@address[:port] */
  detail: string;
  tags: string[];
  status: LibraryStatus;
  haystack: string;
}

export type LibraryRow = SectionRow | FolderRow | ProfileRow | HostRow;
export type LibraryItemRow = ProfileRow | HostRow;

export function isItemRow(row: LibraryRow | undefined): row is LibraryItemRow {
  return row?.kind === 'profile' || row?.kind === 'host';
}

export function isGroupRow(row: LibraryRow | undefined): row is SectionRow | FolderRow {
  return row?.kind === 'section' || row?.kind === 'folder';
}

// ---------------------------------------------------------------------------------------------
// Search

/** The words of a query, lowercased; an entry matches when its haystack contains every one. */
export function queryWords(query: string): string[] {
  return query.toLowerCase().split(/\s+/).filter(Boolean);
}

/** Whether a haystack (already lowercased) contains every word of the query. */
export function matches(query: string | readonly string[], haystack: string): boolean {
  const words = typeof query === 'string' ? queryWords(query) : query;
  return words.every((word) => haystack.includes(word));
}

/** Splits a folder into its path segments: "prod / eu" → ["prod", "eu"]; '' or absent → []. */
export function folderSegments(folder: string | undefined): string[] {
  return (folder ?? '')
    .split('/')
    .map((s) => s.trim())
    .filter(Boolean);
}

function hostHaystackParts(host: HostSummary): string[] {
  return [host.name, host.user, host.address, `${host.user}@${host.address}`, `${host.address}:${host.port}`];
}

export function hostHaystack(host: HostSummary): string {
  return [...hostHaystackParts(host), host.folder ?? '', ...(host.tags ?? [])].join('\n').toLowerCase();
}

/** A profile's name, folder and tags, and every hop's name, user and address. */
export function profileHaystack(profile: ProfileSummary, hostsById: ReadonlyMap<string, HostSummary>): string {
  const hops = profile.hostIds.flatMap((id) => {
    const host = hostsById.get(id);
    return host ? hostHaystackParts(host) : [];
  });
  return [profile.name, profile.folder, ...profile.tags, ...hops].join('\n').toLowerCase();
}

export function profileRoute(profile: ProfileSummary, hostsById: ReadonlyMap<string, HostSummary>): string {
  return profile.hostIds.map((id) => hostsById.get(id)?.name ?? '(deleted host)').join(' → ');
}

interface IndexedProfile {
  profile: ProfileSummary;
  segments: string[];
  detail: string;
  haystack: string;
}

interface IndexedHost {
  host: HostSummary;
  segments: string[];
  detail: string;
  haystack: string;
}

export interface LibraryIndex {
  /** By name. */
  profiles: IndexedProfile[];
  /** By name. */
  hosts: IndexedHost[];
}

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
const indexCache = new WeakMap<readonly ProfileSummary[], WeakMap<readonly HostSummary[], LibraryIndex>>();

/** The search index of a library, cached by the identity of the two arrays (store state is immutable). */
export function indexLibrary(profiles: readonly ProfileSummary[], hosts: readonly HostSummary[]): LibraryIndex {
  let byHosts = indexCache.get(profiles);
  const cached = byHosts?.get(hosts);
  if (cached) return cached;
  const hostsById = new Map(hosts.map((h) => [h.id, h]));
  const index: LibraryIndex = {
    profiles: profiles
      .map((profile) => ({ profile, segments: folderSegments(profile.folder), detail: profileRoute(profile, hostsById), haystack: profileHaystack(profile, hostsById) }))
      .sort((a, b) => collator.compare(a.profile.name, b.profile.name)),
    hosts: hosts
      .map((host) => ({ host, segments: folderSegments(host.folder), detail: hostEndpoint(host), haystack: hostHaystack(host) }))
      .sort((a, b) => collator.compare(a.host.name, b.host.name)),
  };
  if (!byHosts) {
    byHosts = new WeakMap();
    indexCache.set(profiles, byHosts);
  }
  byHosts.set(hosts, index);
  return index;
}

// ---------------------------------------------------------------------------------------------
// Status

export type CircuitsInput = Readonly<Record<string, CircuitSummary>> | readonly CircuitSummary[];

interface Tally {
  open: number;
  /** Open circuits with a listening forward. */
  forwarding: number;
  opening: number;
  last: CircuitSummary['state'] | null;
}

export interface StatusIndex {
  profiles: ReadonlyMap<string, LibraryStatus>;
  hosts: ReadonlyMap<string, LibraryStatus>;
}

function circuitList(circuits: CircuitsInput): readonly CircuitSummary[] {
  return Array.isArray(circuits) ? (circuits as readonly CircuitSummary[]) : Object.values(circuits);
}

function tallyStatus(tally: Tally | undefined): LibraryStatus {
  if (!tally) return 'idle';
  if (tally.forwarding > 0) return 'forwarding';
  if (tally.open > 0) return 'connected';
  if (tally.opening > 0) return 'connecting';
  return tally.last === 'failed' ? 'failed' : 'idle';
}

/** Listening forwards per circuit id (useForwardsStore's `listening`); absent or 0: none. */
export type ForwardingInput = Readonly<Record<string, number>>;

const NO_FORWARDING: ForwardingInput = {};

function count(map: Map<string, Tally>, key: string, circuit: CircuitSummary, forwarding: ForwardingInput): void {
  const tally = map.get(key) ?? { open: 0, forwarding: 0, opening: 0, last: null };
  if (circuit.state === 'open') tally.open++;
  if (circuit.state === 'open' && (forwarding[circuit.id] ?? 0) > 0) tally.forwarding++;
  if (circuit.state === 'opening') tally.opening++;
  tally.last = circuit.state;
  map.set(key, tally);
}

/** By circuits, then by forwarding: both keep their identity until they change. */
const statusCache = new WeakMap<object, WeakMap<object, StatusIndex>>();

/**
 * Status of every profile and host in one pass over the circuits (in the order the store learnt
 * of them, so the last one of a profile is its most recent). A host's status counts only
 * circuits opened without a profile whose target (last hop) is that host.
 */
export function indexStatuses(circuits: CircuitsInput, forwarding: ForwardingInput = NO_FORWARDING): StatusIndex {
  let byForwarding = statusCache.get(circuits);
  const cached = byForwarding?.get(forwarding);
  if (cached) return cached;
  const profiles = new Map<string, Tally>();
  const hosts = new Map<string, Tally>();
  for (const circuit of circuitList(circuits)) {
    if (circuit.profileId) count(profiles, circuit.profileId, circuit, forwarding);
    else if (circuit.hostIds.length > 0) count(hosts, circuit.hostIds[circuit.hostIds.length - 1]!, circuit, forwarding);
  }
  const index: StatusIndex = {
    profiles: new Map([...profiles].map(([id, tally]) => [id, tallyStatus(tally)])),
    hosts: new Map([...hosts].map(([id, tally]) => [id, tallyStatus(tally)])),
  };
  if (!byForwarding) statusCache.set(circuits, (byForwarding = new WeakMap()));
  byForwarding.set(forwarding, index);
  return index;
}

/**
 * Forwarding if an open circuit of the profile has a listening forward, connected if any circuit
 * of it is open, connecting if one is opening, failed if its most recent one failed.
 */
export function statusOfProfile(profileId: string, circuits: CircuitsInput, forwarding?: ForwardingInput): LibraryStatus {
  return indexStatuses(circuits, forwarding).profiles.get(profileId) ?? 'idle';
}

/** As statusOfProfile, over the one-host circuits (no profile) whose last hop is the host. */
export function statusOfHost(hostId: string, circuits: CircuitsInput, forwarding?: ForwardingInput): LibraryStatus {
  return indexStatuses(circuits, forwarding).hosts.get(hostId) ?? 'idle';
}

// ---------------------------------------------------------------------------------------------
// Rows

export function sectionKey(section: LibrarySection): string {
  return `section:${section}`;
}

export function folderKey(section: LibrarySection, path: string): string {
  return `folder:${section}:${path}`;
}

export interface BuildLibraryInput {
  profiles: readonly ProfileSummary[];
  hosts: readonly HostSummary[];
  circuits: CircuitsInput;
  /** Listening forwards per circuit id, for the 'forwarding' status. */
  forwarding?: ForwardingInput;
  query: string;
  /** Keys (sectionKey/folderKey) of collapsed sections and folders. Ignored while searching, so every match shows. */
  collapsed: ReadonlySet<string> | readonly string[];
}

interface FolderNode<T> {
  name: string;
  path: string;
  folders: Map<string, FolderNode<T>>;
  items: T[];
  count: number;
}

function newNode<T>(name: string, path: string): FolderNode<T> {
  return { name, path, folders: new Map(), items: [], count: 0 };
}

function insert<T>(root: FolderNode<T>, segments: readonly string[], item: T): void {
  let node = root;
  node.count++;
  for (const segment of segments) {
    // Folder names group case-insensitively ("Prod" and "prod" are one folder, shown as first seen).
    const key = segment.toLowerCase();
    let child = node.folders.get(key);
    if (!child) {
      child = newNode(segment, node.path ? `${node.path}/${segment}` : segment);
      node.folders.set(key, child);
    }
    node = child;
    node.count++;
  }
  node.items.push(item);
}

/**
 * The flattened, visible rows of the library: "Circuits" then "Hosts", each with its folders
 * (sub-folders first, by name) and entries (by name). While a query is typed only matching
 * entries and the folders holding them show, all expanded, and a section with no match is left
 * out; otherwise both sections always show and collapsed ones hide their contents.
 */
export function buildLibraryRows({ profiles, hosts, circuits, forwarding, query, collapsed }: BuildLibraryInput): LibraryRow[] {
  const words = queryWords(query);
  const searching = words.length > 0;
  const isCollapsed = (key: string) => !searching && (collapsed instanceof Set ? collapsed.has(key) : (collapsed as readonly string[]).includes(key));
  const index = indexLibrary(profiles, hosts);
  const statuses = indexStatuses(circuits, forwarding);

  const profileRoot = newNode<IndexedProfile>('', '');
  for (const entry of index.profiles) if (!searching || matches(words, entry.haystack)) insert(profileRoot, entry.segments, entry);
  const hostRoot = newNode<IndexedHost>('', '');
  for (const entry of index.hosts) if (!searching || matches(words, entry.haystack)) insert(hostRoot, entry.segments, entry);

  const rows: LibraryRow[] = [];

  function emit<T>(section: LibrarySection, node: FolderNode<T>, depth: number, toRow: (item: T, depth: number, posinset: number, setsize: number) => LibraryRow): void {
    const folders = [...node.folders.values()].sort((a, b) => collator.compare(a.name, b.name));
    const setsize = folders.length + node.items.length;
    let pos = 0;
    for (const folder of folders) {
      const key = folderKey(section, folder.path);
      const expanded = !isCollapsed(key);
      rows.push({ kind: 'folder', key, section, path: folder.path, label: folder.name, depth, posinset: ++pos, setsize, count: folder.count, expanded });
      if (expanded) emit(section, folder, depth + 1, toRow);
    }
    for (const item of node.items) rows.push(toRow(item, depth, ++pos, setsize));
  }

  const sections = [
    { section: 'circuits' as const, root: profileRoot },
    { section: 'hosts' as const, root: hostRoot },
  ].filter(({ root }) => !searching || root.count > 0);

  sections.forEach(({ section, root }, i) => {
    const key = sectionKey(section);
    const expanded = !isCollapsed(key);
    rows.push({ kind: 'section', key, section, label: SECTION_LABELS[section], depth: 0, posinset: i + 1, setsize: sections.length, count: root.count, expanded });
    if (!expanded) return;
    if (section === 'circuits') {
      emit(section, root as FolderNode<IndexedProfile>, 1, (entry, depth, posinset, setsize) => ({
        kind: 'profile',
        key: `profile:${entry.profile.id}`,
        id: entry.profile.id,
        profile: entry.profile,
        label: entry.profile.name,
        detail: entry.detail,
        tags: entry.profile.tags,
        color: entry.profile.color ?? null,
        status: statuses.profiles.get(entry.profile.id) ?? 'idle',
        haystack: entry.haystack,
        depth,
        posinset,
        setsize,
      }));
    } else {
      emit(section, root as FolderNode<IndexedHost>, 1, (entry, depth, posinset, setsize) => ({
        kind: 'host',
        key: `host:${entry.host.id}`,
        id: entry.host.id,
        host: entry.host,
        label: entry.host.name,
        detail: entry.detail,
        tags: entry.host.tags ?? [],
        status: statuses.hosts.get(entry.host.id) ?? 'idle',
        haystack: entry.haystack,
        depth,
        posinset,
        setsize,
      }));
    }
  });
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Navigation helpers (pure, for the tree's keyboard handling)

/** The first entry (profile or host) row, or -1. */
export function firstItemIndex(rows: readonly LibraryRow[]): number {
  return rows.findIndex(isItemRow);
}

/** The row's parent (the nearest row above it with a smaller depth), or -1 for a section. */
export function parentIndex(rows: readonly LibraryRow[], index: number): number {
  const depth = rows[index]?.depth ?? 0;
  for (let i = index - 1; i >= 0; i--) if (rows[i]!.depth < depth) return i;
  return -1;
}

/** Typeahead: the next row after `from` (wrapping) whose label starts with `prefix`, or -1. */
export function nextRowStartingWith(rows: readonly LibraryRow[], from: number, prefix: string): number {
  const p = prefix.toLowerCase();
  for (let step = 1; step <= rows.length; step++) {
    const i = (from + step) % rows.length;
    if (rows[i]!.label.toLowerCase().startsWith(p)) return i;
  }
  return -1;
}
