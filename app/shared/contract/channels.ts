/**
 * The one table of every channel in the contract. Both transports (Electron IPC and the web
 * mode WebSocket) and the preload allowlist are derived from it; nothing else names channels.
 */
import { appService, type IAppService } from './app';
import { circuitsService, type ICircuitsService } from './circuits';
import { credentialsService, type ICredentialsService } from './credentials';
import { filesService, type IFilesService } from './files';
import { forwardsService, type IForwardsService } from './forwards';
import { gatewayService, type IGatewayService } from './gateway';
import { hostsService, type IHostsService } from './hosts';
import { profilesService, type IProfilesService } from './profiles';
import { promptsService, type IPromptsService } from './prompts';
import { settingsService, type ISettingsService } from './settings';
import { terminalsService, type ITerminalsService } from './terminals';
import { channelOf } from './service';

/** Service name -> its interface. */
export interface Services {
  app: IAppService;
  hosts: IHostsService;
  profiles: IProfilesService;
  circuits: ICircuitsService;
  prompts: IPromptsService;
  terminals: ITerminalsService;
  credentials: ICredentialsService;
  settings: ISettingsService;
  forwards: IForwardsService;
  gateway: IGatewayService;
  files: IFilesService;
}
export type ServiceName = keyof Services;

export const serviceDescriptors = {
  app: appService,
  hosts: hostsService,
  profiles: profilesService,
  circuits: circuitsService,
  prompts: promptsService,
  terminals: terminalsService,
  credentials: credentialsService,
  settings: settingsService,
  forwards: forwardsService,
  gateway: gatewayService,
  files: filesService,
} as const;

export interface ChannelEntry {
  channel: string;
  service: ServiceName;
  member: string;
  kind: 'method' | 'event';
}

export const channelTable: readonly ChannelEntry[] = Object.freeze(
  (Object.keys(serviceDescriptors) as ServiceName[]).flatMap((service) => {
    const d = serviceDescriptors[service];
    return [
      ...Object.keys(d.methods).map((member) => ({ channel: channelOf(service, member), service, member, kind: 'method' as const })),
      ...Object.keys(d.events).map((member) => ({ channel: channelOf(service, member), service, member, kind: 'event' as const })),
    ];
  }),
);
