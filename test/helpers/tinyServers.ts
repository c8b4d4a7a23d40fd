/**
 * Tiny TCP servers on 127.0.0.1 for the engine's transport tests, and the client-side checks
 * that go with them. A `TinyServers` keeps every server and socket it is given so that
 * `closeAll()` (run after each test) leaves nothing open.
 */
import { once } from 'node:events';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { expect } from 'vitest';
import { HoplineError, type HopRef } from '../../app/shared/model/errors';

export class TinyServers {
  private readonly servers: net.Server[] = [];
  private readonly sockets = new Set<net.Socket>();

  /** Keeps `socket` to be destroyed by closeAll(), and swallows its errors. */
  track(socket: net.Socket): net.Socket {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    return socket;
  }

  /** Listens on 127.0.0.1; every accepted socket is tracked before `onConnection` gets it. */
  async listen(onConnection: (socket: net.Socket) => void): Promise<number> {
    const server = net.createServer((socket) => onConnection(this.track(socket)));
    this.servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return (server.address() as net.AddressInfo).port;
  }

  /** A server that sends back whatever it receives. */
  echoServer(): Promise<number> {
    return this.listen((socket) => socket.pipe(socket));
  }

  /** Destroys the tracked sockets, then closes the servers. */
  async closeAll(): Promise<void> {
    this.sockets.forEach((socket) => socket.destroy());
    await Promise.all(this.servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

/** A port on 127.0.0.1 that nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves with the first `count` (or more) bytes that arrive, as UTF-8; rejects on an error first. */
export function readBytes(stream: Duplex, count: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      got = Buffer.concat([got, chunk]);
      if (got.length < count) return;
      stream.off('data', onData);
      stream.off('error', reject);
      resolve(got.toString('utf8'));
    };
    stream.on('data', onData);
    stream.once('error', reject);
  });
}

/** Writes `text` and expects it back, as through an echo server. */
export async function expectEcho(stream: Duplex, text: string): Promise<void> {
  stream.write(text);
  expect(await readBytes(stream, Buffer.byteLength(text))).toBe(text);
}

/** Expects `promise` to reject with a HoplineError for `hop`, and returns that error. */
export async function hoplineFailure(promise: Promise<unknown>, hop: HopRef): Promise<HoplineError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HoplineError);
  expect((error as HoplineError).hop).toEqual(hop);
  return error as HoplineError;
}
