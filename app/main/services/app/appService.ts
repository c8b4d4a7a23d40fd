import { randomUUID } from 'node:crypto';
import type { AppInfo, IAppService, PongEvent, TransportKind } from '../../../shared/contract/app';
import { ErrorCode, HoplineError } from '../../../shared/model/errors';
import { Emitter } from '../../../shared/model/event';

export interface AppFacts {
  version: string;
  transport: TransportKind;
  dataDir: string;
  /** The system browser (Electron's shell.openExternal); absent in web mode. */
  openExternal?: (url: string) => Promise<void>;
}

/** Only plain web links leave the app: no file:, javascript:, custom schemes or embedded credentials. */
export function safeExternalUrl(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password || !url.hostname) return null;
  return url.href;
}

export class AppService implements IAppService {
  private readonly pong = new Emitter<PongEvent>();
  readonly onDidPong = this.pong.event;
  /** See AppInfo.instanceId: one per process (per service instance). */
  private readonly instanceId = randomUUID();

  constructor(private readonly facts: AppFacts) {}

  async version(): Promise<string> {
    return this.facts.version;
  }

  async info(): Promise<AppInfo> {
    return {
      name: 'Hopline',
      version: this.facts.version,
      transport: this.facts.transport,
      platform: process.platform,
      arch: process.arch,
      dataDir: this.facts.dataDir,
      versions: {
        node: process.versions.node,
        electron: process.versions.electron ?? null,
        chrome: process.versions.chrome ?? null,
      },
      instanceId: this.instanceId,
    };
  }

  async openExternal(text: string): Promise<void> {
    const url = safeExternalUrl(text);
    if (url === null) throw new HoplineError(ErrorCode.INVALID_ARGUMENT, 'Only http and https links (without user names or passwords) are opened');
    if (!this.facts.openExternal) throw new HoplineError(ErrorCode.NOT_AVAILABLE, 'This window opens links itself (web mode)');
    await this.facts.openExternal(url);
  }

  async ping(request: { nonce: string }): Promise<PongEvent> {
    const pong = { nonce: request.nonce, at: Date.now() };
    this.pong.fire(pong);
    return pong;
  }
}
