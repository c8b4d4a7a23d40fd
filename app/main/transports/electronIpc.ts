/**
 * The contract over Electron IPC. This file does not import electron: it is handed ipcMain and
 * the windows through the small structural types below, so it is unit-tested in plain Node.
 * Every handler checks the sender frame before anything else.
 */
import { channelTable } from '../../shared/contract/channels';
import { ErrorCode } from '../../shared/model/errors';
import type { Disposable } from '../../shared/model/event';
import type { Result } from '../../shared/rpc/protocol';
import type { RpcServer } from '../../shared/rpc/server';

export interface SenderFrameLike {
  readonly url: string;
  readonly parent: SenderFrameLike | null;
}

export interface IpcInvokeEventLike {
  readonly senderFrame: SenderFrameLike | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => Promise<unknown> | unknown): void;
  removeHandler(channel: string): void;
}

export interface EventSinkLike {
  isDestroyed(): boolean;
  send(channel: string, data: unknown): void;
}

/** The scheme and host the app's own pages are served from (see electron/protocol). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'hopline';

/**
 * Only the top frame of a page served from app://hopline may call. (URL.origin is "null" for
 * custom schemes in Node, so scheme and host are compared directly.)
 */
export function isTrustedSender(event: IpcInvokeEventLike): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false;
  try {
    const url = new URL(frame.url);
    return url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST;
  } catch {
    return false;
  }
}

export function attachElectronIpc(ipcMain: IpcMainLike, rpc: RpcServer, sinks: () => EventSinkLike[], onRefused: (channel: string) => void = () => undefined): Disposable {
  const methodChannels = channelTable.filter((entry) => entry.kind === 'method').map((entry) => entry.channel);
  for (const channel of methodChannels) {
    ipcMain.handle(channel, async (event, args): Promise<Result> => {
      if (!isTrustedSender(event)) {
        onRefused(channel);
        return { ok: false, error: { code: ErrorCode.FORBIDDEN, message: 'Caller is not the Hopline window' } };
      }
      return rpc.call(channel, args);
    });
  }
  // One renderer per window and every window is ours, so events go to all of them; the preload
  // hands each to the listeners subscribed for it.
  const subscriptions = rpc.eventChannels.map((channel) =>
    rpc.subscribe(channel, (data) => {
      for (const sink of sinks()) if (!sink.isDestroyed()) sink.send(channel, data);
    }),
  );
  return {
    dispose: () => {
      for (const channel of methodChannels) ipcMain.removeHandler(channel);
      for (const sub of subscriptions) sub?.dispose();
    },
  };
}
