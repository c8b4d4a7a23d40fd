/**
 * Saved circuit profiles over the document store. A profile names its hops by host id, so it
 * follows its hosts through renames and edits; the store refuses a profile naming a missing host.
 */
import { randomUUID } from 'node:crypto';
import type { IProfilesService, StoreStatus } from '../../../shared/contract/profiles';
import { ErrorCode, HoplineError } from '../../../shared/model/errors';
import { Emitter, type Disposable } from '../../../shared/model/event';
import type { ForwardSpec } from '../../../shared/model/forward';
import type { ProfileInput, ProfileSummary } from '../../../shared/model/profile';
import { MAX_PROFILE_HOPS } from '../../../shared/schema/profiles';
import type { DocumentStore, HoplineDocument, StoredProfile } from './documentStore';

/** Folder first (top level, '', sorts first), then name: the order of the profiles sidebar. */
function byFolderAndName(a: StoredProfile, b: StoredProfile): number {
  const options = { sensitivity: 'base', numeric: true } as const;
  return a.folder.localeCompare(b.folder, undefined, options) || a.name.localeCompare(b.name, undefined, options) || a.id.localeCompare(b.id);
}

/** Only the profile's own fields, copied: the caller's object is never kept. */
function storedProfile(id: string, input: ProfileInput): StoredProfile {
  return {
    id,
    name: input.name,
    folder: input.folder,
    tags: [...input.tags],
    hostIds: [...input.hostIds],
    terminal: { ...input.terminal },
    ...(input.color ? { color: input.color } : {}),
    ...(input.forwards && input.forwards.length > 0 ? { forwards: storedForwards(input.forwards) } : {}),
  };
}

/**
 * The forwards copied field by field, each with an id: a new forward (no id yet) gets one here,
 * a saved one keeps its own, so the UI and the forwards service can follow it across edits.
 */
function storedForwards(forwards: readonly ForwardSpec[]): ForwardSpec[] {
  const ids = new Set<string>();
  return forwards.map((f) => {
    if (f.id !== undefined && ids.has(f.id)) throw invalid(`Two forwards of the profile have the id ${f.id}.`);
    const id = f.id ?? randomUUID();
    ids.add(id);
    const copy: ForwardSpec = { id, kind: f.kind, bindPort: f.bindPort };
    if (f.bindAddress !== undefined) copy.bindAddress = f.bindAddress;
    if (f.host !== undefined) copy.host = f.host;
    if (f.hostPort !== undefined) copy.hostPort = f.hostPort;
    if (f.autoStart !== undefined) copy.autoStart = f.autoStart;
    return copy;
  });
}

function invalid(message: string): HoplineError {
  return new HoplineError(ErrorCode.INVALID_ARGUMENT, message);
}

/** Checked against the draft inside the save queue, so a host removed a moment ago counts as missing. */
function checkHops(draft: HoplineDocument, hostIds: string[]): void {
  if (hostIds.length < 1 || hostIds.length > MAX_PROFILE_HOPS) throw invalid(`A profile has 1 to ${MAX_PROFILE_HOPS} hops, not ${hostIds.length}.`);
  const known = new Set(draft.hosts.map((h) => h.id));
  const missing = hostIds.find((id) => !known.has(id));
  if (missing !== undefined) throw invalid(`Hop ${hostIds.indexOf(missing) + 1} names a host that does not exist (id ${missing}).`);
  const twice = hostIds.find((id, i) => hostIds.indexOf(id) !== i);
  // The engine would refuse the circuit as a cycle when opened; say so when saving instead.
  if (twice !== undefined) {
    const name = draft.hosts.find((h) => h.id === twice)?.name ?? twice;
    throw invalid(`"${name}" appears twice in the circuit: a circuit cannot pass through the same host twice.`);
  }
}

export class ProfilesService implements IProfilesService, Disposable {
  private readonly changes = new Emitter<ProfileSummary[]>();
  readonly onDidChange = this.changes.event;
  private readonly subscription: Disposable;

  constructor(private readonly store: DocumentStore) {
    // From the store, not from save/remove: an ssh_config import (the hosts service) makes profiles too.
    this.subscription = store.onDidCommit(({ previous, current }) => {
      if (JSON.stringify(previous.profiles) !== JSON.stringify(current.profiles)) this.changes.fire(this.sorted(current));
    });
  }

  async list(): Promise<ProfileSummary[]> {
    return this.sorted(this.store.snapshot());
  }

  async save(input: ProfileInput): Promise<ProfileSummary> {
    const saved = await this.store.update((draft) => {
      checkHops(draft, input.hostIds);
      if (input.id === undefined) {
        const profile = storedProfile(randomUUID(), input);
        draft.profiles.push(profile);
        return profile;
      }
      const index = draft.profiles.findIndex((p) => p.id === input.id);
      if (index < 0) throw invalid(`No saved profile has the id ${input.id}.`);
      // Forwards left out keep the saved ones: callers that predate forwards (the builder's
      // "save changes", the sidebar's move to a folder) must not drop them. `[]` removes them.
      const saved = draft.profiles[index]!;
      const profile = storedProfile(input.id, input.forwards === undefined && saved.forwards ? { ...input, forwards: saved.forwards } : input);
      draft.profiles[index] = profile;
      return profile;
    });
    return structuredClone(saved);
  }

  async remove(id: string): Promise<void> {
    await this.store.update((draft) => {
      if (!draft.profiles.some((p) => p.id === id)) throw invalid(`No saved profile has the id ${id}.`);
      draft.profiles = draft.profiles.filter((p) => p.id !== id);
    });
  }

  async storeStatus(): Promise<StoreStatus> {
    return this.store.status();
  }

  dispose(): void {
    this.subscription.dispose();
    this.changes.dispose();
  }

  /** Copies: the store's document is frozen, and listeners may keep or change what they get. */
  private sorted(doc: HoplineDocument): ProfileSummary[] {
    return structuredClone([...doc.profiles].sort(byFolderAndName));
  }
}
