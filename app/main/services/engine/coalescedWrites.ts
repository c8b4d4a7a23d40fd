/**
 * The first hop's socket writes what one turn of the event loop produced as one write, as
 * OpenSSH flushes its output buffer once per loop iteration.
 *
 * ssh2 writes every SSH packet on its own, and the socket has Nagle off (tcpConnect.ts), so a
 * channel's EOF and CLOSE, or a burst of packets for nested hops, leave as separate small
 * segments. Each bastion's sshd relays what it reads with one write per read, and OpenSSH leaves
 * Nagle on for non-interactive connections: the second small relayed write then waits for the
 * next hop's delayed ACK (up to 40 ms), and a forward's next connection waits behind it.
 * Corked until setImmediate (the same loop turn, after its I/O callbacks), the packets go out in
 * one writev, so each relay reads and writes them once.
 */
import type net from 'node:net';

export function coalesceWrites(socket: net.Socket): void {
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  let corked = false;
  const uncork = (): void => {
    corked = false;
    socket.uncork();
  };
  socket.write = ((...args: unknown[]): boolean => {
    if (!corked && !socket.destroyed) {
      corked = true;
      socket.cork();
      setImmediate(uncork);
    }
    return write(...args);
  }) as net.Socket['write'];
}
