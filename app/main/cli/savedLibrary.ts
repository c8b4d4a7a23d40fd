/**
 * The app's saved hosts and profiles, for the CLI: the same document in the same data dir, so
 * `hopline exec --profile NAME` opens exactly what the app's Connect button opens, and a saved
 * host's name can stand for it on the command line (keeping its settings and keychain id).
 */
import { homedir } from 'node:os';
import type { ProfileSummary } from '../../shared/model/profile';
import type { HopSpec } from '../services/engine/hopSpec';
import { DocumentStore, type StoredHost } from '../services/profiles/documentStore';
import { hopSpecForHost, hopSpecsForHostIds } from '../services/profiles/hostToHop';

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

  /** The keychain id for a saved host's name, or null. */
  hostIdNamed(name: string): string | null {
    return this.hostNamed(name)?.id ?? null;
  }

  describeHost(hostId: string): string {
    return this.store.snapshot().hosts.find((h) => h.id === hostId)?.name ?? hostId.replace(/^ssh:/, '');
  }
}
