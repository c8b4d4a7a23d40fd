/**
 * The app's saved hosts and profiles, for the CLI: the same document in the same data dir, so
 * `hopline exec --profile NAME` opens exactly what the app's Connect button opens, and a saved
 * host's name can stand for it on the command line (keeping its settings and keychain id).
 */
import { homedir } from 'node:os';
import { ErrorCode, HoplineError } from '../../shared/model/errors';
import type { ProfileSummary } from '../../shared/model/profile';
import type { HopSpec } from '../services/engine/hopSpec';
import { DocumentStore, type StoredHost } from '../services/profiles/documentStore';
import { hopSpecForHost, hopSpecsForHostIds } from '../services/profiles/hostToHop';

/** How the CLI turns one word of a command line into a hop (main.ts's hopFor): a saved host's name or [user@]host[:port]. */
export type CommandLineHopResolver = (text: string, library: SavedLibrary, identities: string[], port?: number | null) => HopSpec;

/** What a command line says its circuit is: `--profile NAME`, or the -J hops then the target. */
export interface CircuitWords {
  profile: string | null;
  /** -J / --via words, hop 0 first. */
  via: string[];
  /** The last hop's word; null for `proxy`, whose target is a plain host and port, not a hop. */
  target: string | null;
  /** -i key files, for hops typed as addresses. */
  identities: string[];
  /** -p / -P: the target's port, over a saved host's own. */
  port: number | null;
}

export class SavedLibrary {
  private constructor(readonly store: DocumentStore) {}

  static async open(dataDir: string): Promise<SavedLibrary> {
    const store = await DocumentStore.open(dataDir);
    const problem = store.status().problem;
    if (problem) process.stderr.write(`hopline: ${problem}\n`);
    return new SavedLibrary(store);
  }

  hostNamed(name: string): StoredHost | undefined {
    const matches = this.store.snapshot().hosts.filter((h) => h.name === name);
    if (matches.length > 1) throw new Error(`${matches.length} saved hosts are named "${name}"; rename one in the app`);
    return matches[0];
  }

  profileNamed(name: string): ProfileSummary | undefined {
    const matches = this.store.snapshot().profiles.filter((p) => p.name === name);
    if (matches.length > 1) throw new Error(`${matches.length} profiles are named "${name}" (folders ${matches.map((m) => `"${m.folder}"`).join(', ')}); rename one in the app`);
    return matches[0];
  }

  hostSpec(host: StoredHost): HopSpec {
    return hopSpecForHost(host, homedir());
  }

  /** The profile's circuit, hop 0 first; a host deleted since is named in the error. */
  profileSpecs(profile: ProfileSummary): HopSpec[] {
    return hopSpecsForHostIds(this.store.snapshot().hosts, profile.hostIds, homedir());
  }

  /**
   * The hops a command line names, hop 0 first, and the profile when it named one. A profile that
   * does not exist, or a malformed address or port, is the user's typing: it is thrown as
   * `usage(message)` so each command answers with its own usage text (exit 2).
   */
  circuitFor(words: CircuitWords, hopFor: CommandLineHopResolver, usage: (message: string) => Error): { hops: HopSpec[]; profile: ProfileSummary | null } {
    if (words.profile !== null) {
      const profile = this.profileNamed(words.profile);
      if (!profile) throw usage(`no saved profile is named "${words.profile}"`);
      return { hops: this.profileSpecs(profile), profile };
    }
    try {
      const jumps = words.via.map((text) => hopFor(text, this, words.identities));
      return { hops: words.target === null ? jumps : [...jumps, hopFor(words.target, this, words.identities, words.port)], profile: null };
    } catch (error) {
      if (error instanceof HoplineError && error.code === ErrorCode.INVALID_ARGUMENT) throw usage(error.message);
      throw error;
    }
  }

  /** The keychain id for a saved host's name, or null. */
  hostIdNamed(name: string): string | null {
    return this.hostNamed(name)?.id ?? null;
  }

  describeHost(hostId: string): string {
    return this.store.snapshot().hosts.find((h) => h.id === hostId)?.name ?? hostId.replace(/^ssh:/, '');
  }
}
