/**
 * The only code in the renderer that knows which transport is in use: the Electron preload's
 * window.hopline bridge if present, otherwise web mode's WebSocket.
 */
import { serviceDescriptors, type Services } from '../../shared/contract/channels';
import { createClient, type RpcTransport } from '../../shared/rpc/client';
import { BridgeTransport, type Bridge } from './bridgeTransport';
import { WebSocketTransport, type ConnectionState } from './webSocketTransport';

declare global {
  interface Window {
    hopline?: Bridge;
  }
}

const stateListeners = new Set<(state: ConnectionState) => void>();
let connectionState: ConnectionState = 'connecting';

function pickTransport(): RpcTransport {
  if (window.hopline) {
    connectionState = 'open';
    return new BridgeTransport(window.hopline);
  }
  const ws = new WebSocketTransport(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/rpc`);
  ws.onStateChange = (state) => {
    connectionState = state;
    for (const listener of stateListeners) listener(state);
  };
  return ws;
}

const transport = pickTransport();

export const rpc = {
  app: createClient<Services['app']>(serviceDescriptors.app, transport),
  hosts: createClient<Services['hosts']>(serviceDescriptors.hosts, transport),
  profiles: createClient<Services['profiles']>(serviceDescriptors.profiles, transport),
  circuits: createClient<Services['circuits']>(serviceDescriptors.circuits, transport),
  prompts: createClient<Services['prompts']>(serviceDescriptors.prompts, transport),
  credentials: createClient<Services['credentials']>(serviceDescriptors.credentials, transport),
};

export function onConnectionState(listener: (state: ConnectionState) => void): () => void {
  stateListeners.add(listener);
  listener(connectionState);
  return () => stateListeners.delete(listener);
}

export type { ConnectionState };
