import type { AppInfo, IAppService, PongEvent, TransportKind } from '../../../shared/contract/app';
import { Emitter } from '../../../shared/model/event';

export interface AppFacts {
  version: string;
  transport: TransportKind;
  dataDir: string;
}

export class AppService implements IAppService {
  private readonly pong = new Emitter<PongEvent>();
  readonly onDidPong = this.pong.event;

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
    };
  }

  async ping(request: { nonce: string }): Promise<PongEvent> {
    const pong = { nonce: request.nonce, at: Date.now() };
    this.pong.fire(pong);
    return pong;
  }
}
