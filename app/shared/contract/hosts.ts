import type { Event } from '../model/event';
import type { HostInput, HostSummary } from '../model/host';
import { defineService } from './service';

export type { HostInput, HostSummary } from '../model/host';

/** What an ssh_config import did: hosts added, and every line it did not act on, with why. */
export interface ImportReport {
  imported: { alias: string; hostId: string }[];
  /** Profiles made for aliases reached through ProxyJump/ProxyCommand chains. */
  profiles: { alias: string; profileId: string }[];
  notes: { severity: 'ignored' | 'error' | 'info'; file: string; line: number; message: string; host?: string }[];
}

/** The hosts library (issue: builder and profiles). */
export interface IHostsService {
  list(): Promise<HostSummary[]>;
  save(host: HostInput): Promise<HostSummary>;
  duplicate(id: string): Promise<HostSummary>;
  /** Also forgets the host's keychain secrets. Refused while a profile still uses the host. */
  remove(id: string): Promise<void>;
  /** `path` absent: ~/.ssh/config. `text`: a pasted config. */
  importSshConfig(request: { path?: string; text?: string }): Promise<ImportReport>;
  onDidChange: Event<HostSummary[]>;
}

export const hostsService = defineService<IHostsService>()({
  name: 'hosts',
  methods: { list: true, save: true, duplicate: true, remove: true, importSshConfig: true },
  events: { onDidChange: true },
});
