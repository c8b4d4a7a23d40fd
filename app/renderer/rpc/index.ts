/**
 * The only code in the renderer that knows which transport is in use: the Electron preload's
 * window.hopline bridge if present, otherwise web mode's WebSocket. Terminal bytes travel beside
 * the JSON contract as binary frames on the same transport (`terminalStreams`).
 */
import type { RpcTransport } from '../../shared/rpc/client';
import { createServiceClients } from '../../shared/rpc/serviceClients';
import { TerminalStreams } from '../../shared/rpc/terminalStreams';
import { BridgeTransport, type Bridge } from './bridgeTransport';
import { LINK_UP, WebSocketTransport, type ConnectionState, type LinkProgress } from './webSocketTransport';

declare global {
  interface Window {
    hopline?: Bridge;
  }
}

const stateListeners = new Set<(state: ConnectionState) => void>();
let connectionState: ConnectionState = 'connecting';
const progressListeners = new Set<(progress: LinkProgress) => void>();
let linkProgress: LinkProgress = LINK_UP;
let retryLink: () => void = () => undefined;

interface Picked {
  transport: RpcTransport;
  streams: TerminalStreams;
  kind: 'electron' | 'web';
}

function reportFrameError(error: { code: string; message: string }): void {
  // A frame from main we could not read: dropped. Not an error of this page's making.
  console.warn(`Hopline: terminal frame dropped (${error.code}: ${error.message})`);
}

function pickTransport(): Picked {
  if (window.hopline) {
    connectionState = 'open';
    const bridge = new BridgeTransport(window.hopline);
    const streams = new TerminalStreams({ sendFrame: (bytes) => bridge.sendTerminalFrame(bytes), onError: reportFrameError });
    bridge.onTerminalFrame((bytes) => streams.receive(bytes));
    return { transport: bridge, streams, kind: 'electron' };
  }
  // Everything from the server comes on a streamed response beside the socket (downlinkRecords.ts).
  const ws = new WebSocketTransport(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/rpc`, `${location.origin}/downlink`);
  // Frames sent while the socket is down are dropped: keystrokes then are lost (the terminal
  // shows it is disconnected), and ATTACH/ACK state is rebuilt on the next open below.
  const streams = new TerminalStreams({ sendFrame: (bytes) => void ws.sendBinary(bytes), onError: reportFrameError });
  ws.onBinary = (data) => streams.receive(data);
  // Every open is a new server-side connection with nothing attached: ATTACH again (the first
  // open included, for streams attached before the socket was up).
  ws.onOpen = () => streams.reattachAll();
  ws.onStateChange = (state) => {
    connectionState = state;
    for (const listener of stateListeners) listener(state);
  };
  ws.onProgress = (progress) => {
    linkProgress = progress;
    for (const listener of progressListeners) listener(progress);
  };
  retryLink = () => ws.retryNow();
  return { transport: ws, streams, kind: 'web' };
}

const picked = pickTransport();
const transport = picked.transport;

export const rpc = createServiceClients(transport);

/** Terminal output/input/acks for every terminal in this window, on the active transport. */
export const terminalStreams: TerminalStreams = picked.streams;

/**
 * Opens an http(s) link the user confirmed. Electron: the main side re-validates it and hands
 * it to the system browser (app.openExternal). Web mode: a new tab without an opener or referrer.
 * Callers validate first (features/terminals/linkSafety.ts); main validates again.
 */
export async function openExternalLink(url: string): Promise<void> {
  if (picked.kind === 'electron') {
    await rpc.app.openExternal(url);
    return;
  }
  window.open(url, '_blank', 'noopener,noreferrer');
}

export function onConnectionState(listener: (state: ConnectionState) => void): () => void {
  stateListeners.add(listener);
  listener(connectionState);
  return () => stateListeners.delete(listener);
}

/** How reconnecting goes while the link is down (web mode; Electron's bridge never goes down). */
export function onLinkProgress(listener: (progress: LinkProgress) => void): () => void {
  progressListeners.add(listener);
  listener(linkProgress);
  return () => progressListeners.delete(listener);
}

/** Skips the rest of the backoff and tries to reach the backend now. */
export function retryLinkNow(): void {
  retryLink();
}

export type { ConnectionState, LinkProgress };
