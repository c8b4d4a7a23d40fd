import type { Event } from '../model/event';
import type { HostInput, HostSummary } from '../model/host';
import { defineService } from './service';

export type { HostInput, HostSummary } from '../model/host';

/** What an import did to one saved host or profile. */
export type ImportOutcome = 'new' | 'unchanged' | 'updated';

export type ImportCounts = Record<ImportOutcome, number>;

export interface ImportReportNote {
  /** `warning`: imported, but likely not to work as written (a key file that does not exist). */
  severity: 'ignored' | 'error' | 'warning' | 'info';
  file: string;
  line: number;
  /** Says nothing about whom it concerns: `hosts` does. */
  message: string;
  /** The one host it concerns, when there is exactly one (older reports named only this). */
  host?: string;
  /** The keyword the note is about (`Host` for a pattern block). */
  directive?: string;
  /** Every host it applies to, first seen first: one note per source line, not one per host. */
  hosts?: string[];
}

/** What an ssh_config import did: hosts added, and every line it did not act on, with why. */
export interface ImportReport {
  /** Each alias and the saved host it became, and what happened to that host. */
  imported: { alias: string; hostId: string; outcome?: ImportOutcome }[];
  /** Profiles made for aliases reached through ProxyJump/ProxyCommand chains. */
  profiles: { alias: string; profileId: string; outcome?: ImportOutcome }[];
  notes: ImportReportNote[];
  /** Distinct saved hosts (every hop, jump hosts included) and profiles, by what the import did to them. */
  counts?: { hosts: ImportCounts; profiles: ImportCounts };
}

export interface RemoveHostOptions {
  /**
   * Put this saved host in the deleted host's place in every profile that uses it, all in the
   * same write as the deletion: either every profile is changed and the host is gone, or nothing.
   */
  replaceWith?: string;
}

/** The hosts library (issue: builder and profiles). */
export interface IHostsService {
  list(): Promise<HostSummary[]>;
  save(host: HostInput): Promise<HostSummary>;
  duplicate(id: string): Promise<HostSummary>;
  /**
   * Also forgets the host's keychain secrets. Refused (HOST_IN_USE, naming the profiles) while a
   * profile still uses the host, unless `replaceWith` names the host to put in its place.
   */
  remove(id: string, options?: RemoveHostOptions): Promise<void>;
  /** `path` absent: ~/.ssh/config. `text`: a pasted config. */
  importSshConfig(request: { path?: string; text?: string }): Promise<ImportReport>;
  onDidChange: Event<HostSummary[]>;
}

export const hostsService = defineService<IHostsService>()({
  name: 'hosts',
  methods: { list: true, save: true, duplicate: true, remove: true, importSshConfig: true },
  events: { onDidChange: true },
});
