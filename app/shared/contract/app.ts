import type { Event } from '../model/event';
import { defineService } from './service';

export type TransportKind = 'electron' | 'web';

export interface AppInfo {
  name: string;
  version: string;
  transport: TransportKind;
  platform: string;
  arch: string;
  /** Where profiles, known_hosts and logs live (never secrets: those are in the OS keychain). */
  dataDir: string;
  versions: { node: string; electron: string | null; chrome: string | null };
  /**
   * A random id of this main-side process, new at every start: a window whose link comes back to
   * a different one knows the backend restarted, and with it every circuit and shell it had.
   */
  instanceId: string;
}

export interface PongEvent {
  nonce: string;
  at: number;
}

/** Application facts and a round-trip diagnostic that proves calls and events both flow. */
export interface IAppService {
  version(): Promise<string>;
  info(): Promise<AppInfo>;
  /** Fires onDidPong to every subscriber with the same nonce, then returns it. */
  ping(request: { nonce: string }): Promise<PongEvent>;
  /**
   * Opens an http(s) link in the system browser, re-validated here (Electron). Web mode answers
   * NOT_AVAILABLE: the page opens the link itself in a new tab with noopener.
   */
  openExternal(url: string): Promise<void>;
  onDidPong: Event<PongEvent>;
}

export const appService = defineService<IAppService>()({
  name: 'app',
  methods: { version: true, info: true, ping: true, openExternal: true },
  events: { onDidPong: true },
});
