/**
 * The control socket between `hopline proxy` and the app (Electron or web mode) that holds live
 * hops. Both ends live on this computer under one user; this file is what they share.
 *
 * Where: <data dir>/gateway/control.sock, in a directory made 0700, the socket chmod 0600, and a
 * random token in <data dir>/gateway/token (0600), new at every start.
 *
 * Who may connect (Node has no SO_PEERCRED, and nothing in node_modules reads peer credentials):
 *  1. the kernel: connect() on a Unix socket needs write permission on the socket file and search
 *     permission on every directory above it, so with the directory 0700 and the socket 0600 no
 *     other non-root uid gets as far as connect() (it fails EACCES);
 *  2. a capability: the first line must carry the token, which only a process that can read a
 *     0600 file of this uid has. A socket or directory whose mode was loosened by someone still
 *     admits no other uid. (root passes both, as it passes every file permission.)
 *
 * Wire: the client sends one JSON line (a request), the app answers one JSON line. After a
 * `connect` answered `ok`, the socket carries the destination's bytes both ways, half-close
 * included, as a direct-tcpip channel does (`ssh -W`).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Socket } from 'node:net';
import type { GatewayPeer, GatewaySession } from '../../../shared/contract/gateway';

/** Linux's sun_path holds 108 bytes with the NUL; macOS 104. Longer paths cannot be bound. */
export const MAX_SOCKET_PATH = process.platform === 'darwin' ? 103 : 107;
/** A request or reply line never needs more; a longer one is refused, not buffered. */
export const MAX_LINE_BYTES = 64 * 1024;
/** How long either end waits for the other's line. */
export const LINE_TIMEOUT_MS = 10_000;

export interface ControlPaths {
  dir: string;
  socket: string;
  token: string;
}

export function controlPaths(dataDir: string): ControlPaths {
  const dir = path.join(path.resolve(dataDir), 'gateway');
  return { dir, socket: path.join(dir, 'control.sock'), token: path.join(dir, 'token') };
}

/** How the proxy names the hops before the destination: a saved profile (its hops but the target), or -J hops. */
export type GatewayRoute = { kind: 'profile'; name: string } | { kind: 'via'; hops: string[] };

export type ControlRequest =
  /** `peer`: the process that ran the proxy (its ProxyCommand's ssh), for the app to show; optional. */
  | { v: 1; op: 'connect'; token: string; route: GatewayRoute; host: string; port: number; peer?: GatewayPeer }
  /** The external sessions riding circuits now (what the app would show). */
  | { v: 1; op: 'list'; token: string };

// One model of a session for the socket and the app's contract.
export type { GatewayPeer, GatewaySession } from '../../../shared/contract/gateway';

export type ControlRefusal = 'NO_LIVE_CIRCUIT' | 'BAD_TOKEN' | 'BAD_REQUEST' | 'UNKNOWN_ROUTE' | 'FORWARD_FAILED';

export type ControlReply =
  | { ok: true; circuitId: string; via: string[] }
  | { ok: true; sessions: GatewaySession[] }
  | { ok: false; code: ControlRefusal; message: string };

/** Compares tokens without leaking how much of a guess was right. */
export function tokenDigest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/**
 * Reads one `\n`-terminated line from the socket and puts back whatever followed it (the far
 * end's first bytes may arrive in the same chunk). Rejects on a line too long, a timeout, or
 * the socket ending first.
 */
export function readLine(socket: Socket, timeoutMs = LINE_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const finish = (error: Error | null, line?: string, rest?: Buffer): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      socket.pause();
      if (rest && rest.length > 0) socket.unshift(rest);
      if (error) reject(error);
      else resolve(line!);
    };
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const at = buffered.indexOf(0x0a);
      if (at >= 0) return finish(null, buffered.subarray(0, at).toString('utf8'), buffered.subarray(at + 1));
      if (buffered.length > MAX_LINE_BYTES) finish(new Error('the control line is too long'));
    };
    const onEnd = (): void => finish(new Error('the other end closed the control socket'));
    const onError = (error: Error): void => finish(error);
    const timer = setTimeout(() => finish(new Error(`no answer on the control socket within ${timeoutMs / 1000} s`)), timeoutMs);
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', onError);
    socket.resume();
  });
}

export function writeLine(socket: Socket, message: ControlRequest | ControlReply): void {
  socket.write(`${JSON.stringify(message)}\n`);
}
