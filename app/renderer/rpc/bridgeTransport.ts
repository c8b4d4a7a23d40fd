import type { Disposable } from '../../shared/model/event';
import { unwrapResult, type RpcTransport } from '../../shared/rpc/client';
import type { Result } from '../../shared/rpc/protocol';
import { TERMINAL_BRIDGE_SEND, TERMINAL_BRIDGE_SUBSCRIBE } from '../../shared/rpc/terminalFrames';

type MethodFn = (args: unknown[]) => Promise<Result>;
type EventFn = (listener: (data: unknown) => void) => () => void;
type SendFrameFn = (bytes: Uint8Array) => void;
type OnFrameFn = (listener: (bytes: Uint8Array) => void) => () => void;

/**
 * What the Electron preload puts on window.hopline: one function per contract channel, plus
 * `terminal:sendFrame` / `terminal:onFrame` for binary terminal frames.
 */
export type Bridge = Record<string, MethodFn | EventFn | SendFrameFn | OnFrameFn>;

export class BridgeTransport implements RpcTransport {
  constructor(private readonly bridge: Bridge) {}

  async call(channel: string, args: unknown[]): Promise<unknown> {
    const fn = this.bridge[channel] as MethodFn | undefined;
    if (!fn) throw new Error(`No bridge function for ${channel}`);
    return unwrapResult(await fn(args));
  }

  listen(channel: string, listener: (data: unknown) => void): Disposable {
    const fn = this.bridge[channel] as EventFn | undefined;
    if (!fn) throw new Error(`No bridge function for ${channel}`);
    const stop = fn(listener);
    return { dispose: stop };
  }

  /** Sends one terminal frame over IPC (dropped if this preload has no terminal bridge). */
  sendTerminalFrame(bytes: Uint8Array): void {
    const fn = this.bridge[TERMINAL_BRIDGE_SEND] as SendFrameFn | undefined;
    fn?.(bytes);
  }

  /** Every terminal frame main sends to this window. */
  onTerminalFrame(listener: (bytes: Uint8Array) => void): Disposable {
    const fn = this.bridge[TERMINAL_BRIDGE_SUBSCRIBE] as OnFrameFn | undefined;
    if (!fn) return { dispose: () => undefined };
    return { dispose: fn(listener) };
  }
}
