/**
 * capShellWindow on a real ssh2 connection over loopback: once a shell channel is paused, the
 * server can get only about one capped window (plus the small stream buffer) out, where ssh2's
 * defaults let it send megabytes; and capped or not, every byte arrives in order and the stream
 * never stalls (ssh2's window accounting stays true).
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import ssh2, { type ClientChannel, type Connection, type ServerChannel } from 'ssh2';
import { afterEach, describe, expect, it } from 'vitest';
import { capShellWindow, SHELL_BUFFER_BYTES, SHELL_WINDOW_BYTES } from '../../../../../app/main/services/terminals/shellWindow';
import { testHostKey } from '../../../../helpers/hostKey';

const { Client, Server } = ssh2;
const MiB = 1024 * 1024;
const CHUNK = 32 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Byte i of the stream is i mod 251: any loss, duplicate or reordering shows. */
function chunkAt(offset: number): Buffer {
  const chunk = Buffer.alloc(CHUNK);
  for (let i = 0; i < CHUNK; i++) chunk[i] = (offset + i) % 251;
  return chunk;
}

interface Rig {
  client: InstanceType<typeof Client>;
  channel: ClientChannel;
  stop(): void;
}

const open: Array<() => void> = [];
afterEach(() => {
  for (const close of open.splice(0)) close();
});

/** A server whose shell writes the pattern as fast as the window lets it, up to `total` bytes. */
async function rig(total: number, cap: boolean): Promise<Rig> {
  let sent = 0;
  let stopped = false;
  const server = new Server({ hostKeys: [testHostKey().private] }, (conn: Connection) => {
    conn.on('authentication', (ctx) => ctx.accept());
    conn.on('ready', () => {
      conn.on('session', (accept) => {
        const session = accept();
        session.on('pty', (ok) => ok?.());
        session.on('shell', (accept) => {
          const channel: ServerChannel = accept();
          const pump = (): void => {
            while (!stopped && sent < total) {
              const chunk = chunkAt(sent);
              const more = channel.write(chunk, () => undefined);
              sent += chunk.length;
              if (!more) return void channel.once('drain', pump);
            }
            if (sent >= total) channel.end();
          };
          pump();
        });
      });
    });
    conn.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = new Client();
  client.on('error', () => undefined);
  client.connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, username: 'u', password: 'p', hostVerifier: () => true });
  await once(client, 'ready');
  const channel = await new Promise<ClientChannel>((resolve, reject) =>
    client.shell({ term: 'xterm-256color', cols: 80, rows: 24 }, (err, ch) => (err ? reject(err) : resolve(ch))),
  );
  if (cap) expect(capShellWindow(client, channel)).toBe(true);
  const stop = () => {
    stopped = true;
    client.end();
    server.close();
  };
  open.push(stop);
  return { client, channel, stop };
}

/** Reads (and checks) until `count` bytes arrived, then pauses. */
function readThenPause(channel: ClientChannel, count: number): Promise<void> {
  let received = 0;
  let bad = -1;
  return new Promise((resolve) => {
    channel.on('data', (data: Buffer) => {
      for (let i = 0; i < data.length; i++) if (bad < 0 && data[i] !== (received + i) % 251) bad = received + i;
      received += data.length;
      if (received >= count && !channel.isPaused()) {
        channel.pause();
        resolve();
      }
    });
    channel.on('close', () => expect(bad).toBe(-1));
  });
}

describe('capShellWindow (real ssh2 over loopback)', () => {
  async function aheadAfterPause(cap: boolean): Promise<number> {
    const r = await rig(64 * MiB, cap);
    // Past the 2 MiB granted when the channel opened, which SSH cannot take back.
    await readThenPause(r.channel, 4 * MiB);
    // On loopback everything the window allowed has arrived by now: ssh2 holds it in the
    // paused stream's buffer.
    await sleep(400);
    const ahead = r.channel.readableLength;
    r.stop();
    return ahead;
  }

  it('a paused shell channel lets the server get only about one small window ahead (ssh2 alone: megabytes)', async () => {
    const capped = await aheadAfterPause(true);
    const uncapped = await aheadAfterPause(false);
    console.info(`buffered after a pause: ${capped} bytes capped, ${uncapped} with ssh2's defaults`);
    // Window + stream buffer + one packet in flight, and a chunk the server's stream holds.
    expect(capped).toBeLessThanOrEqual(SHELL_WINDOW_BYTES + SHELL_BUFFER_BYTES + 2 * CHUNK);
    expect(uncapped).toBeGreaterThan(2 * MiB);
  });

  it('streams every byte in order, resuming after pauses, with the window capped', async () => {
    const total = 24 * MiB;
    const r = await rig(total, true);
    let received = 0;
    let bad = -1;
    let pauses = 0;
    r.channel.on('data', (data: Buffer) => {
      for (let i = 0; i < data.length; i++) if (bad < 0 && data[i] !== (received + i) % 251) bad = received + i;
      received += data.length;
      // A slow reader now and then, as the flow control pauses for a slow renderer.
      if (Math.floor(received / (3 * MiB)) > pauses) {
        pauses++;
        r.channel.pause();
        setTimeout(() => r.channel.resume(), 20);
      }
    });
    await once(r.channel, 'close');
    expect(bad).toBe(-1);
    expect(received).toBe(total);
    expect(pauses).toBeGreaterThan(4);
  });

  it('leaves a channel whose ssh2 internals are not as expected untouched', () => {
    const fake = { on: () => undefined, once: () => undefined } as unknown as ClientChannel;
    expect(capShellWindow({ shell: () => undefined } as never, fake)).toBe(false);
  });
});
