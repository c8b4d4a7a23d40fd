import type { Disposable } from '../../shared/model/event';
import { unwrapResult, type RpcTransport } from '../../shared/rpc/client';
import type { Result } from '../../shared/rpc/protocol';

/** What the Electron preload puts on window.hopline: one function per channel. */
export type Bridge = Record<string, ((args: unknown[]) => Promise<Result>) | ((listener: (data: unknown) => void) => () => void)>;

export class BridgeTransport implements RpcTransport {
  constructor(private readonly bridge: Bridge) {}

  async call(channel: string, args: unknown[]): Promise<unknown> {
    const fn = this.bridge[channel] as ((args: unknown[]) => Promise<Result>) | undefined;
    if (!fn) throw new Error(`No bridge function for ${channel}`);
    return unwrapResult(await fn(args));
  }

  listen(channel: string, listener: (data: unknown) => void): Disposable {
    const fn = this.bridge[channel] as ((listener: (data: unknown) => void) => () => void) | undefined;
    if (!fn) throw new Error(`No bridge function for ${channel}`);
    const stop = fn(listener);
    return { dispose: stop };
  }
}
