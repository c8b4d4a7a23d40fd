/**
 * The byte stream under hop 0's SSH session: a direct TCP connection, or one made through the
 * hop's `proxy` (ProxyCommand, SOCKS5 or HTTP CONNECT). Later hops ride a direct-tcpip channel
 * of the hop before them and never come here.
 */
import path from 'node:path';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type { HopRef } from '../../../shared/model/errors';
import type { HopSpec, ProxySpec } from './hopSpec';
import { connectHttpProxy } from './httpConnectProxy';
import { splitArgv, spawnProxyCommand } from './proxyCommand';
import { connectSocks5 } from './socksProxy';
import { connectThrough, formatAddress } from './tcpConnect';
import { coalesceWrites } from './coalescedWrites';

export interface FirstHopSocket {
  /** Hand to ssh2 as its `sock`. */
  sock: Duplex;
  /** Tears the transport down; resolves once the socket is closed or the command reaped. */
  close(): Promise<void>;
  /** For logs and the UI: how hop 0 is reached. Never holds credentials or command arguments. */
  describe: string;
}

/**
 * Opens the transport for hop 0 according to `spec.proxy`. `timeoutMs` bounds reaching the hop
 * (and any proxy negotiation); the SSH handshake that follows has its own deadline.
 */
export async function openFirstHopSocket(spec: HopSpec, hop: HopRef, timeoutMs: number): Promise<FirstHopSocket> {
  const target = { host: spec.host, port: spec.port };
  const proxy = spec.proxy;
  if (!proxy) {
    const socket = await connectThrough(target, { timeoutMs, hop, what: 'host' });
    return socketTransport(socket, `direct TCP to ${formatAddress(target)}`);
  }
  switch (proxy.kind) {
    case 'command':
      return commandTransport(proxy, spec, hop);
    case 'socks5': {
      const socket = await connectSocks5(proxy, target, { timeoutMs, hop });
      return socketTransport(socket, `SOCKS5 proxy ${formatAddress(proxy)} to ${formatAddress(target)}`);
    }
    case 'http': {
      const socket = await connectHttpProxy(proxy, target, { timeoutMs, hop });
      return socketTransport(socket, `HTTP CONNECT proxy ${formatAddress(proxy)} to ${formatAddress(target)}`);
    }
  }
}

async function commandTransport(proxy: Extract<ProxySpec, { kind: 'command' }>, spec: HopSpec, hop: HopRef): Promise<FirstHopSocket> {
  const handle = spawnProxyCommand(proxy, { host: spec.host, port: spec.port, user: spec.user, name: spec.name }, hop);
  // A program that can't be started fails here rather than as a mysterious EOF under ssh2.
  await handle.started;
  return {
    sock: handle.stream,
    close: () => handle.close(),
    // Only the program's name: its arguments may carry secrets (`sshpass -p ...`).
    describe: `ProxyCommand ${programName(proxy.command)} (pid ${handle.pid ?? '?'})`,
  };
}

function programName(command: string): string {
  // Splitting succeeded a moment ago in spawnProxyCommand, so it can't throw here.
  return path.basename(splitArgv(command)[0] ?? '?');
}

function socketTransport(socket: net.Socket, describe: string): FirstHopSocket {
  coalesceWrites(socket);
  return { sock: socket, close: () => closeSocket(socket), describe };
}

/** Destroys the socket and resolves once its handle is closed. */
function closeSocket(socket: net.Socket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => {
    socket.once('close', () => resolve());
    socket.destroy();
  });
}
