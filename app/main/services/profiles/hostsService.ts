/**
 * The hosts library over the document store. A host's id is made once (randomUUID) and never
 * changes, so renaming it keeps its keychain secrets and the profiles that use it.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { SecretKind } from '../../../shared/contract/credentials';
import type { IHostsService, ImportCounts, ImportOutcome, ImportReport, ImportReportNote, RemoveHostOptions } from '../../../shared/contract/hosts';
import { ErrorCode, HoplineError } from '../../../shared/model/errors';
import { Emitter, type Disposable, type Event } from '../../../shared/model/event';
import type { ForwardSpec } from '../../../shared/model/forward';
import type { HostInput, HostSettings, HostSummary } from '../../../shared/model/host';
import { TERMINAL_DEFAULTS } from '../../../shared/model/profile';
import { hostSettingsSchema, MAX_NAME } from '../../../shared/schema/hosts';
import type { HopSpec } from '../engine/hopSpec';
import { importSshConfig, type GroupedNote, type ImportedHost, type SshConfigOptions } from '../engine/sshConfig';
import type { DocumentStore, HoplineDocument, StoredHost } from './documentStore';
import { expandHome, hostSettingsFromHop } from './hostToHop';

/** What the hosts library needs from the keychain side: which kinds of secret a host has, and forgetting them. */
export interface HostSecretKinds {
  /** Every host's kinds in one call: a keychain listing is one round trip, whatever the number of hosts. */
  listKinds(): Promise<{ hostId: string; kinds: SecretKind[] }[]>;
  forget(hostId: string): Promise<void>;
  onDidChangeKinds: Event<{ hostId: string; kinds: SecretKind[] }>;
}

/** Whose ~/.ssh the importer reads and who `User` defaults to. */
export type HostsEnvironment = SshConfigOptions;

export function defaultHostsEnvironment(): HostsEnvironment {
  let localUser: string;
  try {
    localUser = os.userInfo().username;
  } catch {
    // No passwd entry (a container running under an arbitrary uid).
    localUser = process.env.USER ?? process.env.USERNAME ?? 'root';
  }
  return { homeDir: os.homedir(), localUser };
}

export const IMPORTED_FOLDER = 'Imported';

const byName = (a: { name: string; id: string }, b: { name: string; id: string }): number =>
  a.name.localeCompare(b.name, undefined, { sensitivity: 'base', numeric: true }) || a.id.localeCompare(b.id);

/** Only the settings: a HostSummary passed back in must not drag its has* flags into the document. */
function settingsOf(input: HostSettings): HostSettings {
  const { name, address, port, user, auth, agentForward, keepaliveIntervalSec, keepaliveCountMax, connectTimeoutSec, proxy, folder, tags, knownHostsFiles } = input;
  // Folder, tags and known_hosts files are stored only when they say something, so older documents stay as they were.
  return {
    name, address, port, user, auth, agentForward, keepaliveIntervalSec, keepaliveCountMax, connectTimeoutSec, proxy,
    ...(folder ? { folder } : {}),
    ...(tags?.length ? { tags: [...tags] } : {}),
    ...(knownHostsFiles ? { knownHostsFiles: [...knownHostsFiles] } : {}),
  };
}

function notFound(id: string): HoplineError {
  return new HoplineError(ErrorCode.INVALID_ARGUMENT, `No saved host has the id ${id}.`);
}

function summaryOf(host: StoredHost, kinds: SecretKind[]): HostSummary {
  return {
    ...structuredClone(host),
    hasPassword: kinds.includes('password'),
    hasPassphrase: kinds.includes('passphrase'),
    hasTotp: kinds.includes('totp'),
    hasAnswers: kinds.includes('answer'),
  };
}

const quoteList = (names: string[]): string => names.map((n) => `"${n}"`).join(', ');

export class HostsService implements IHostsService, Disposable {
  private readonly changes = new Emitter<HostSummary[]>();
  readonly onDidChange = this.changes.event;
  private readonly subscriptions: Disposable[];
  /** Lists are computed and fired one at a time, so listeners never see an older list after a newer one. */
  private firing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: DocumentStore,
    private readonly secrets: HostSecretKinds,
    private readonly env: HostsEnvironment = defaultHostsEnvironment(),
  ) {
    this.subscriptions = [
      store.onDidCommit(({ previous, current }) => {
        if (JSON.stringify(previous.hosts) !== JSON.stringify(current.hosts)) this.fireList();
      }),
      secrets.onDidChangeKinds(({ hostId }) => {
        if (this.store.snapshot().hosts.some((h) => h.id === hostId)) this.fireList();
      }),
    ];
  }

  async list(): Promise<HostSummary[]> {
    const hosts = [...this.store.snapshot().hosts].sort(byName);
    const kinds = await this.kindsByHost();
    return hosts.map((h) => summaryOf(h, kinds.get(h.id) ?? []));
  }

  async save(input: HostInput): Promise<HostSummary> {
    const settings = settingsOf(input);
    const saved = await this.store.update((draft) => {
      if (input.id === undefined) {
        const host: StoredHost = { id: randomUUID(), ...settings };
        draft.hosts.push(host);
        return host;
      }
      const index = draft.hosts.findIndex((h) => h.id === input.id);
      if (index < 0) throw notFound(input.id);
      const host: StoredHost = { id: input.id, ...settings };
      draft.hosts[index] = host;
      return host;
    });
    return summaryOf(saved, (await this.kindsByHost()).get(saved.id) ?? []);
  }

  /** Same settings, "<name> (copy)", a new id; the keychain secrets stay with the original. */
  async duplicate(id: string): Promise<HostSummary> {
    const copy = await this.store.update((draft) => {
      const original = draft.hosts.find((h) => h.id === id);
      if (!original) throw notFound(id);
      const suffix = ' (copy)';
      const host: StoredHost = { ...structuredClone(original), id: randomUUID(), name: `${original.name.slice(0, MAX_NAME - suffix.length)}${suffix}` };
      draft.hosts.push(host);
      return host;
    });
    return summaryOf(copy, (await this.kindsByHost()).get(copy.id) ?? []);
  }

  async remove(id: string, options: RemoveHostOptions = {}): Promise<void> {
    const { replaceWith } = options;
    await this.store.update((draft) => {
      const host = draft.hosts.find((h) => h.id === id);
      if (!host) throw notFound(id);
      const users = draft.profiles.filter((p) => p.hostIds.includes(id));
      if (users.length > 0 && replaceWith === undefined) {
        const names = users.map((p) => p.name);
        const which = names.length === 1 ? `the profile ${quoteList(names)}` : `the ${names.length} profiles ${quoteList(names)}`;
        throw new HoplineError(ErrorCode.HOST_IN_USE, `"${host.name}" is used by ${which}: choose a host to put in its place, or remove it from ${names.length === 1 ? 'that profile' : 'them'} first.`);
      }
      if (replaceWith !== undefined) replaceInProfiles(draft, host, replaceWith);
      draft.hosts = draft.hosts.filter((h) => h.id !== id);
    });
    // After the host is gone, not before: a failed save must not cost the user their saved secrets.
    await this.secrets.forget(id);
  }

  async importSshConfig(request: { path?: string; text?: string }): Promise<ImportReport> {
    const source = request.text !== undefined ? { text: request.text, file: '(pasted text)' } : { file: this.configPath(request.path) };
    const parsed = importSshConfig(source, this.env);
    const notes = parsed.report.map((n) => reportNote(n, this.env.homeDir));
    const merged = await this.store.update((draft) => mergeImport(draft, parsed.hosts, this.env.homeDir, notes));
    return { ...merged, notes };
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.changes.dispose();
  }

  /** `~/...` or absolute; a relative path would depend on the directory Hopline was started in. */
  private configPath(requested: string | undefined): string {
    if (requested === undefined) return path.join(this.env.homeDir, '.ssh', 'config');
    const file = expandHome(requested, this.env.homeDir);
    if (!path.isAbsolute(file)) throw new HoplineError(ErrorCode.INVALID_ARGUMENT, `Give the ssh config file as an absolute path or one starting with ~/ (not ${JSON.stringify(requested)}).`);
    return file;
  }

  private async kindsByHost(): Promise<Map<string, SecretKind[]>> {
    return new Map((await this.secrets.listKinds()).map((e) => [e.hostId, e.kinds]));
  }

  private fireList(): void {
    this.firing = this.firing
      .then(() => this.list())
      .then(
        (hosts) => this.changes.fire(hosts),
        (error: unknown) => Emitter.onListenerError(error),
      );
  }
}

/**
 * Puts `replaceWith` where `host` is in every profile's circuit, in the caller's draft (so in the
 * same write as the deletion). Every profile is checked before any is changed: a replacement
 * already in a circuit would pass through one host twice, which no circuit may.
 */
function replaceInProfiles(draft: HoplineDocument, host: StoredHost, replaceWith: string): void {
  if (replaceWith === host.id) throw new HoplineError(ErrorCode.INVALID_ARGUMENT, `"${host.name}" cannot replace itself: choose another host.`);
  const replacement = draft.hosts.find((h) => h.id === replaceWith);
  if (!replacement) throw new HoplineError(ErrorCode.INVALID_ARGUMENT, `No saved host has the id ${replaceWith}: the replacement was deleted or never saved.`);
  const clashes = draft.profiles.filter((p) => p.hostIds.includes(host.id) && p.hostIds.includes(replaceWith)).map((p) => p.name);
  if (clashes.length > 0) {
    throw new HoplineError(
      ErrorCode.INVALID_ARGUMENT,
      `"${replacement.name}" is already in ${clashes.length === 1 ? 'the circuit' : 'the circuits'} of ${quoteList(clashes)}: a circuit cannot pass through the same host twice. Choose another host.`,
    );
  }
  draft.profiles = draft.profiles.map((p) => (p.hostIds.includes(host.id) ? { ...p, hostIds: p.hostIds.map((h) => (h === host.id ? replaceWith : h)) } : p));
}

/** `/home/ana/.ssh/config` as `~/.ssh/config`: how people write and recognise their own files. */
function tildePaths(text: string, homeDir: string): string {
  const home = homeDir.replace(/[/\\]+$/, '');
  return home.length > 1 ? text.split(`${home}${path.sep}`).join(`~${path.sep}`) : text;
}

/** A grouped note in the contract's shape; `host` too when it concerns exactly one. */
function reportNote(n: GroupedNote, homeDir: string): ImportReportNote {
  const note: ImportReportNote = { severity: n.severity, file: tildePaths(n.file, homeDir), line: n.line, message: tildePaths(n.message, homeDir), hosts: [...n.hosts] };
  if (n.directive !== undefined) note.directive = n.directive;
  if (n.hosts.length === 1) note.host = n.hosts[0];
  return note;
}

/**
 * Two hosts are the same hop when they reach the same account the same way: address (case does
 * not matter to DNS), port, user, auth (with `~/` expanded, as the importer writes full paths)
 * and proxy. Name and timers may differ: the existing host wins.
 */
function hopKey(settings: HostSettings, homeDir: string): string {
  const auth = settings.auth.map((m) => (m.kind === 'publickey' ? { kind: m.kind, keyFile: expandHome(m.keyFile, homeDir) } : m));
  return JSON.stringify([settings.address.toLowerCase(), settings.port, settings.user, auth, settings.proxy]);
}

const zeroCounts = (): ImportCounts => ({ new: 0, unchanged: 0, updated: 0 });

/** The settings an ssh_config states for a hop: what it leaves unsaid keeps the saved host's value. */
function statedSettings(hop: HopSpec, settings: HostSettings): Partial<HostSettings> {
  const stated: Partial<HostSettings> = {};
  if (hop.agentForward !== undefined) stated.agentForward = settings.agentForward;
  if (hop.keepaliveIntervalMs !== undefined) {
    stated.keepaliveIntervalSec = settings.keepaliveIntervalSec;
    stated.keepaliveCountMax = settings.keepaliveCountMax;
  }
  if (hop.connectTimeoutMs !== undefined) stated.connectTimeoutSec = settings.connectTimeoutSec;
  if (settings.knownHostsFiles !== undefined) stated.knownHostsFiles = settings.knownHostsFiles;
  return stated;
}

const differs = (host: StoredHost, changes: Partial<HostSettings>): boolean =>
  Object.entries(changes).some(([k, v]) => JSON.stringify(host[k as keyof HostSettings]) !== JSON.stringify(v));

/** Builds the hosts of one import: which saved host each hop becomes, and what that did to it. */
class HostMerger {
  readonly outcomes = new Map<string, ImportOutcome>();
  private readonly byKey: Map<string, string>;

  constructor(private readonly draft: HoplineDocument, private readonly homeDir: string) {
    this.byKey = new Map(draft.hosts.map((h) => [hopKey(h, homeDir), h.id]));
  }

  /**
   * The same hop (address, port, user, keys, proxy) is the same host, whatever its name; a host
   * of the same name and address is that host with new settings (the config changed). A host is
   * changed at most once per import: the first alias that reaches it wins.
   */
  hostFor(hop: HopSpec, settings: HostSettings): string {
    const key = hopKey(settings, this.homeDir);
    const stated = statedSettings(hop, settings);
    const same = this.byKey.get(key);
    if (same !== undefined) return this.touch(same, stated);
    const renamed = this.draft.hosts.find((h) => h.name === settings.name && h.address.toLowerCase() === settings.address.toLowerCase() && !this.outcomes.has(h.id));
    if (renamed) {
      this.byKey.set(key, renamed.id);
      return this.touch(renamed.id, { port: settings.port, user: settings.user, auth: settings.auth, proxy: settings.proxy, ...stated });
    }
    const host: StoredHost = { id: randomUUID(), ...settings };
    this.draft.hosts.push(host);
    this.byKey.set(key, host.id);
    this.outcomes.set(host.id, 'new');
    return host.id;
  }

  private touch(id: string, changes: Partial<HostSettings>): string {
    if (this.outcomes.has(id)) return id;
    const index = this.draft.hosts.findIndex((h) => h.id === id);
    const host = this.draft.hosts[index]!;
    if (!differs(host, changes)) {
      this.outcomes.set(id, 'unchanged');
      return id;
    }
    this.draft.hosts[index] = { ...host, ...changes };
    this.outcomes.set(id, 'updated');
    return id;
  }

  counts(): ImportCounts {
    const counts = zeroCounts();
    for (const outcome of this.outcomes.values()) counts[outcome]++;
    return counts;
  }
}

/** Adds the imported circuits to the draft, reusing equal hosts and profiles; says what it did, counted. */
function mergeImport(draft: HoplineDocument, hosts: ImportedHost[], homeDir: string, notes: ImportReportNote[]): Omit<ImportReport, 'notes'> {
  const imported: ImportReport['imported'] = [];
  const profiles: ImportReport['profiles'] = [];
  const merger = new HostMerger(draft, homeDir);
  const profileCounts = zeroCounts();

  for (const entry of hosts) {
    if (!entry.ok || entry.hops.length === 0) continue;
    // Check every hop first, so an alias is imported whole or not at all.
    const settings = entry.hops.map((hop) => hostSettingsFromHop(hop));
    const invalid = settings.map((s, i) => ({ i, result: hostSettingsSchema.safeParse(s) })).find((c) => !c.result.success);
    if (invalid && !invalid.result.success) {
      const issue = invalid.result.error.issues[0];
      const where = issue?.path.length ? `${issue.path.map(String).join('.')}: ` : '';
      const message = `not imported: hop ${invalid.i + 1} (${entry.hops[invalid.i]?.name ?? '?'}) ${where}${issue?.message ?? 'invalid'}`;
      notes.push({ severity: 'error', file: entry.file, line: entry.line, host: entry.alias, hosts: [entry.alias], message });
      continue;
    }
    const hostIds = settings.map((s, i) => merger.hostFor(entry.hops[i]!, s));
    const targetId = hostIds[hostIds.length - 1]!;
    imported.push({ alias: entry.alias, hostId: targetId, outcome: merger.outcomes.get(targetId) ?? 'unchanged' });
    // A jump chain needs a profile to be one circuit; so do a host's forwards, which live on
    // profiles (a single-hop alias with LocalForward lines gets a one-hop profile).
    const forwards = entry.settings.forwards ?? [];
    if (hostIds.length > 1 || forwards.length > 0) {
      const profile = importProfile(draft, entry.alias, hostIds, forwards);
      profileCounts[profile.outcome]++;
      profiles.push(profile);
    }
  }
  return { imported, profiles, counts: { hosts: merger.counts(), profiles: profileCounts } };
}

/** The same forward, whatever its id and autoStart: OpenSSH's forward_equals. */
const forwardKey = (f: ForwardSpec): string => JSON.stringify([f.kind, f.bindAddress ?? null, f.bindPort, f.host ?? null, f.hostPort ?? null]);

/**
 * The saved forwards plus the imported ones not already there (each with a new id). Never
 * drops one: a forward added in the app, or one the config no longer has, stays until the user
 * removes it, and a saved forward keeps its id and its "start with the circuit" choice.
 */
function mergedForwards(saved: readonly ForwardSpec[], imported: readonly ForwardSpec[]): ForwardSpec[] {
  const keys = new Set(saved.map(forwardKey));
  const added = imported.filter((f) => !keys.has(forwardKey(f))).map((f) => ({ ...f, id: randomUUID() }));
  return [...saved, ...added];
}

/**
 * A profile for a multi-hop alias, or an alias with forwards. The one of that name in the
 * Imported folder is the same profile: kept when its circuit and forwards are the same, its hops
 * replaced and new forwards added when the config changed.
 */
function importProfile(draft: HoplineDocument, alias: string, hostIds: string[], forwards: readonly ForwardSpec[]): { alias: string; profileId: string; outcome: ImportOutcome } {
  const name = alias.slice(0, MAX_NAME);
  const index = draft.profiles.findIndex((p) => p.folder === IMPORTED_FOLDER && p.name === name);
  const same = draft.profiles[index];
  if (same) {
    const merged = mergedForwards(same.forwards ?? [], forwards);
    const sameForwards = merged.length === (same.forwards ?? []).length;
    if (JSON.stringify(same.hostIds) === JSON.stringify(hostIds) && sameForwards) return { alias, profileId: same.id, outcome: 'unchanged' };
    draft.profiles[index] = { ...same, hostIds: [...hostIds], ...(merged.length > 0 ? { forwards: merged } : {}) };
    return { alias, profileId: same.id, outcome: 'updated' };
  }
  const added = mergedForwards([], forwards);
  const profile = { id: randomUUID(), name, folder: IMPORTED_FOLDER, tags: [], hostIds, terminal: { ...TERMINAL_DEFAULTS }, ...(added.length > 0 ? { forwards: added } : {}) };
  draft.profiles.push(profile);
  return { alias, profileId: profile.id, outcome: 'new' };
}
