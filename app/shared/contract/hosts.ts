import type { Event } from '../model/event';
import type { HostSummary } from '../model/hop';
import { defineService } from './service';

export interface HostInput {
  id?: string;
  name: string;
  address: string;
  port: number;
  user: string;
}

/** The hosts library (issue: builder and profiles). */
export interface IHostsService {
  list(): Promise<HostSummary[]>;
  save(host: HostInput): Promise<HostSummary>;
  remove(id: string): Promise<void>;
  onDidChange: Event<HostSummary[]>;
}

export const hostsService = defineService<IHostsService>()({
  name: 'hosts',
  methods: { list: true, save: true, remove: true },
  events: { onDidChange: true },
});
