/**
 * The contract over Electron IPC. This file does not import electron: it is handed ipcMain and
 * the windows through the small structural types below, so it is unit-tested in plain Node.
 * Every handler checks the sender frame before anything else.
 *
 * Terminal frames use one more channel, `terminal:frame`, both ways: the renderer sends a
 * Uint8Array (ipcRenderer.send), main answers on the same channel to that window only. Each
 * window is one terminal frame connection; it ends when the window's page navigates (a reload
 * attaches again) or the window is destroyed.
 */
import { channelTable } from '../../shared/contract/channels';
import { ErrorCode, type WireError } from '../../shared/model/errors';
import type { Disposable } from '../../shared/model/event';
import type { Result } from '../../shared/rpc/protocol';
import type { RpcServer } from '../../shared/rpc/server';
import { TERMINAL_FRAME_CHANNEL } from '../../shared/rpc/terminalFrames';
import { log } from '../services/log';
import { type TerminalFrameConnection, type TerminalFrameHub } from '../services/terminals/streamRouter';

export interface SenderFrameLike {
  readonly url: string;
  readonly parent: SenderFrameLike | null;
}

export interface IpcInvokeEventLike {
  readonly senderFrame: SenderFrameLike | null;
}

/** The window that sent a message (Electron's WebContents). */
export interface FrameSenderLike {
  readonly id: number;
  isDestroyed(): boolean;
  send(channel: string, data: unknown): void;
  on(event: 'did-navigate' | 'destroyed', listener: () => void): unknown;
  removeListener(event: 'did-navigate' | 'destroyed', listener: () => void): unknown;
}

export interface IpcMainEventLike extends IpcInvokeEventLike {
  readonly sender: FrameSenderLike;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => Promise<unknown> | unknown): void;
  removeHandler(channel: string): void;
  on(channel: string, listener: (event: IpcMainEventLike, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: IpcMainEventLike, ...args: unknown[]) => void): unknown;
}

export interface ElectronIpcOptions {
  /** Terminal frames; default: the hub compose.ts linked to `rpc`. Without one, frames are dropped. */
  terminals?: TerminalFrameHub;
  /** A terminal frame that could not be used (there is no error channel back): default, a log line. */
  onTerminalFrameError?: (error: WireError) => void;
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

export function attachElectronIpc(ipcMain: IpcMainLike, rpc: RpcServer, sinks: () => EventSinkLike[], onRefused: (channel: string) => void = () => undefined, options: ElectronIpcOptions = {}): Disposable {
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
  const terminals = attachTerminalFrames(ipcMain, options.terminals, onRefused, options.onTerminalFrameError ?? ((error) => log.warn(`terminal frame dropped: ${error.code}: ${error.message}`)));
  return {
    dispose: () => {
      for (const channel of methodChannels) ipcMain.removeHandler(channel);
      for (const sub of subscriptions) sub?.dispose();
      terminals.dispose();
    },
  };
}

/** `terminal:frame` from trusted windows, one terminal frame connection per window. */
function attachTerminalFrames(ipcMain: IpcMainLike, hub: TerminalFrameHub | undefined, onRefused: (channel: string) => void, onError: (error: WireError) => void): Disposable {
  const connections = new Map<number, { connection: TerminalFrameConnection; sender: FrameSenderLike; gone: () => void }>();
  const drop = (id: number): void => {
    const entry = connections.get(id);
    if (!entry) return;
    connections.delete(id);
    entry.sender.removeListener('did-navigate', entry.gone);
    entry.sender.removeListener('destroyed', entry.gone);
    entry.connection.close();
  };
  const connectionFor = (hub: TerminalFrameHub, sender: FrameSenderLike): TerminalFrameConnection => {
    const existing = connections.get(sender.id);
    if (existing) return existing.connection;
    const connection = hub.connect({
      send: (frame) => {
        if (!sender.isDestroyed()) sender.send(TERMINAL_FRAME_CHANNEL, frame);
      },
      error: onError,
    });
    const id = sender.id;
    const gone = (): void => drop(id);
    connections.set(id, { connection, sender, gone });
    // A new page in the window is a new client: what the old one attached is dropped.
    sender.on('did-navigate', gone);
    sender.on('destroyed', gone);
    return connection;
  };
  const listener = (event: IpcMainEventLike, data: unknown): void => {
    if (!isTrustedSender(event)) {
      onRefused(TERMINAL_FRAME_CHANNEL);
      return;
    }
    if (!hub) return onError({ code: ErrorCode.NOT_AVAILABLE, message: 'Terminal frames are not available in this build' });
    if (!(data instanceof Uint8Array)) return onError({ code: ErrorCode.BAD_FRAME, message: 'A terminal frame must be a Uint8Array' });
    connectionFor(hub, event.sender).receive(data);
  };
  ipcMain.on(TERMINAL_FRAME_CHANNEL, listener as (event: IpcMainEventLike, ...args: unknown[]) => void);
  return {
    dispose: () => {
      ipcMain.removeListener(TERMINAL_FRAME_CHANNEL, listener as (event: IpcMainEventLike, ...args: unknown[]) => void);
      for (const id of [...connections.keys()]) drop(id);
    },
  };
}
