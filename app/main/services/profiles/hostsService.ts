/**
 * The hosts library over the document store. A host's id is made once (randomUUID) and never
 * changes, so renaming it keeps its keychain secrets and the profiles that use it.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { SecretKind } from '../../../shared/contract/credentials';
import type { IHostsService, ImportReport } from '../../../shared/contract/hosts';
import { ErrorCode, HoplineError } from '../../../shared/model/errors';
import { Emitter, type Disposable, type Event } from '../../../shared/model/event';
import type { HostInput, HostSettings, HostSummary } from '../../../shared/model/host';
import { TERMINAL_DEFAULTS } from '../../../shared/model/profile';
import { hostSettingsSchema, MAX_NAME } from '../../../shared/schema/hosts';
import { importSshConfig, type ImportedHost, type ImportNote, type SshConfigOptions } from '../engine/sshConfig';
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
  const { name, address, port, user, auth, agentForward, keepaliveIntervalSec, keepaliveCountMax, connectTimeoutSec, proxy, folder, tags } = input;
  // Folder and tags are stored only when they say something, so older documents stay as they were.
  return { name, address, port, user, auth, agentForward, keepaliveIntervalSec, keepaliveCountMax, connectTimeoutSec, proxy, ...(folder ? { folder } : {}), ...(tags?.length ? { tags: [...tags] } : {}) };
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

  async remove(id: string): Promise<void> {
    await this.store.update((draft) => {
      const host = draft.hosts.find((h) => h.id === id);
      if (!host) throw notFound(id);
      const users = draft.profiles.filter((p) => p.hostIds.includes(id)).map((p) => p.name);
      if (users.length > 0) {
        const which = users.length === 1 ? `the profile ${quoteList(users)}` : `the profiles ${quoteList(users)}`;
        throw new HoplineError(ErrorCode.INVALID_ARGUMENT, `"${host.name}" is used by ${which}: remove it from ${users.length === 1 ? 'that profile' : 'them'} first.`);
      }
      draft.hosts = draft.hosts.filter((h) => h.id !== id);
    });
    // After the host is gone, not before: a failed save must not cost the user their saved secrets.
    await this.secrets.forget(id);
  }

  async importSshConfig(request: { path?: string; text?: string }): Promise<ImportReport> {
    const source = request.text !== undefined ? { text: request.text, file: '(pasted text)' } : { file: this.configPath(request.path) };
    const parsed = importSshConfig(source, this.env);
    const notes = reportNotes([...parsed.notes, ...parsed.hosts.flatMap((h) => h.notes)]);
    const { imported, profiles } = await this.store.update((draft) => mergeImport(draft, parsed.hosts, this.env.homeDir, notes));
    return { imported, profiles, notes };
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

type ReportNote = ImportReport['notes'][number];

/** Every note once, in the contract's shape: the UI shows what was not understood and why. */
function reportNotes(notes: ImportNote[]): ReportNote[] {
  const seen = new Set<string>();
  const out: ReportNote[] = [];
  for (const n of notes) {
    const note: ReportNote = { severity: n.severity, file: n.file, line: n.line, message: n.message };
    if (n.host !== undefined) note.host = n.host;
    const key = JSON.stringify(note);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(note);
  }
  return out;
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

/** Adds the imported circuits to the draft, reusing equal hosts and profiles; says what it did in `notes`. */
function mergeImport(draft: HoplineDocument, hosts: ImportedHost[], homeDir: string, notes: ReportNote[]): Pick<ImportReport, 'imported' | 'profiles'> {
  const imported: ImportReport['imported'] = [];
  const profiles: ImportReport['profiles'] = [];
  const byKey = new Map(draft.hosts.map((h) => [hopKey(h, homeDir), h.id]));

  for (const entry of hosts) {
    if (!entry.ok || entry.hops.length === 0) continue;
    // Check every hop first, so an alias is imported whole or not at all.
    const settings = entry.hops.map((hop) => hostSettingsFromHop(hop));
    const invalid = settings.map((s, i) => ({ i, result: hostSettingsSchema.safeParse(s) })).find((c) => !c.result.success);
    if (invalid && !invalid.result.success) {
      const issue = invalid.result.error.issues[0];
      const where = issue?.path.length ? `${issue.path.map(String).join('.')}: ` : '';
      notes.push({ severity: 'error', file: entry.file, line: entry.line, host: entry.alias, message: `${entry.alias}: not imported: hop ${invalid.i + 1} (${entry.hops[invalid.i]?.name ?? '?'}) ${where}${issue?.message ?? 'invalid'}` });
      continue;
    }
    const hostIds = settings.map((s) => {
      const key = hopKey(s, homeDir);
      const existing = byKey.get(key);
      if (existing !== undefined) return existing;
      const host: StoredHost = { id: randomUUID(), ...s };
      draft.hosts.push(host);
      byKey.set(key, host.id);
      return host.id;
    });
    imported.push({ alias: entry.alias, hostId: hostIds[hostIds.length - 1]! });
    if (hostIds.length > 1) profiles.push(importProfile(draft, entry.alias, hostIds, notes, entry));
  }
  return { imported, profiles };
}

/** A profile for a multi-hop alias; an identical one from an earlier import is reused, not duplicated. */
function importProfile(draft: HoplineDocument, alias: string, hostIds: string[], notes: ReportNote[], at: { file: string; line: number }): { alias: string; profileId: string } {
  const name = alias.slice(0, MAX_NAME);
  const same = draft.profiles.find((p) => p.folder === IMPORTED_FOLDER && p.name === name && JSON.stringify(p.hostIds) === JSON.stringify(hostIds));
  if (same) {
    notes.push({ severity: 'info', file: at.file, line: at.line, host: alias, message: `${alias}: the profile "${name}" in ${IMPORTED_FOLDER} already has this circuit; it was kept, not duplicated` });
    return { alias, profileId: same.id };
  }
  const profile = { id: randomUUID(), name, folder: IMPORTED_FOLDER, tags: [], hostIds, terminal: { ...TERMINAL_DEFAULTS } };
  draft.profiles.push(profile);
  return { alias, profileId: profile.id };
}
