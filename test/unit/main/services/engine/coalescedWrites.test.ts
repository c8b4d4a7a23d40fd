/**
 * The first hop's writes per event-loop turn (coalescedWrites.ts): what ssh2 writes in one turn
 * leaves in one writev (one segment for the bastion's sshd to relay), and nothing is held past
 * that turn. A real loopback socket.
 */
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { coalesceWrites } from '../../../../../app/main/services/engine/coalescedWrites';

describe('coalesceWrites', () => {
  const cleanup: Array<() => void> = [];
  afterEach(() => {
    for (const fn of cleanup.splice(0)) fn();
  });

  async function pair(): Promise<{ client: net.Socket; received: () => Buffer }> {
    let got = Buffer.alloc(0);
    const server = net.createServer((s) => s.on('data', (chunk: Buffer) => (got = Buffer.concat([got, chunk]))));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = net.connect({ port: (server.address() as net.AddressInfo).port, host: '127.0.0.1', noDelay: true });
    await new Promise((resolve) => client.once('connect', resolve));
    cleanup.push(() => {
      client.destroy();
      server.close();
    });
    return { client, received: () => got };
  }

  it('sends the packets of one turn in one writev, in order', async () => {
    const { client, received } = await pair();
    coalesceWrites(client);
    const handle = client as unknown as { _writev: (...a: unknown[]) => void; _write: (...a: unknown[]) => void };
    const writev = vi.spyOn(handle, '_writev');
    const single = vi.spyOn(handle, '_write');
    client.write(Buffer.from('eof|'));
    client.write(Buffer.from('close|'));
    client.write('open|');
    await expect.poll(() => received().toString()).toBe('eof|close|open|');
    expect(writev).toHaveBeenCalledTimes(1);
    expect((writev.mock.calls[0]![0] as unknown[]).length).toBe(3);
    expect(single).not.toHaveBeenCalled();
  });

  it('holds nothing past its turn: a write on a later turn goes out by itself, callbacks run', async () => {
    const { client, received } = await pair();
    coalesceWrites(client);
    await new Promise<void>((resolve) => client.write('first', () => resolve()));
    await expect.poll(() => received().toString()).toBe('first');
    await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise<void>((resolve) => client.write(' then', () => resolve()));
    await expect.poll(() => received().toString()).toBe('first then');
  });

  it('a write on a destroyed socket fails as it would without it (no cork left behind)', async () => {
    const { client } = await pair();
    coalesceWrites(client);
    client.destroy();
    const failed = await new Promise<Error | null | undefined>((resolve) => client.write('late', resolve));
    expect(failed).toBeInstanceOf(Error);
  });
});
