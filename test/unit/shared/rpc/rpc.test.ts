import { describe, expect, it, vi } from 'vitest';
import { appService, type IAppService } from '../../../../app/shared/contract/app';
import { serviceDescriptors } from '../../../../app/shared/contract/channels';
import { ErrorCode, HoplineError } from '../../../../app/shared/model/errors';
import { Emitter } from '../../../../app/shared/model/event';
import { createClient, FrameTransport } from '../../../../app/shared/rpc/client';
import { register, RpcConnection, RpcServer } from '../../../../app/shared/rpc/server';
import { appSchemas } from '../../../../app/shared/schema/app';

/** An in-memory app service; `ping` can be told to throw. */
class FakeAppService implements IAppService {
  private readonly pong = new Emitter<{ nonce: string; at: number }>();
  readonly onDidPong = this.pong.event;
  failWith: unknown = null;
  async version() {
    return '9.9.9';
  }
  async info() {
    return { name: 'Hopline', version: '9.9.9', transport: 'web' as const, platform: 'test', arch: 'x', dataDir: '/d', versions: { node: '20', electron: null, chrome: null }, instanceId: 'i1' };
  }
  async ping({ nonce }: { nonce: string }) {
    if (this.failWith) throw this.failWith;
    const p = { nonce, at: 1 };
    this.pong.fire(p);
    return p;
  }
  async openExternal() {
    throw new HoplineError('NOT_AVAILABLE', 'web mode');
  }
}

/** A server and a client joined by an in-memory frame pipe (frames JSON round-tripped, as on the wire). */
function pair(onInternalError = vi.fn()) {
  const impl = new FakeAppService();
  const server = new RpcServer([register(appService, impl, appSchemas)], onInternalError);
  const sent: unknown[] = [];
  const link: { connection?: RpcConnection } = {};
  const transport = new FrameTransport((frame) => {
    sent.push(frame);
    void link.connection!.handle(JSON.parse(JSON.stringify(frame)));
  });
  const connection = new RpcConnection(server, (frame) => transport.receive(JSON.parse(JSON.stringify(frame))));
  link.connection = connection;
  const client = createClient<IAppService>(serviceDescriptors.app, transport);
  return { impl, server, transport, connection, client, sent, onInternalError };
}

describe('rpc over a frame pipe', () => {
  it('calls a method and returns its value', async () => {
    const { client } = pair();
    await expect(client.version()).resolves.toBe('9.9.9');
    await expect(client.info()).resolves.toMatchObject({ name: 'Hopline', transport: 'web' });
  });

  it('delivers events to subscribers and stops after dispose, unsubscribing once', async () => {
    const { client, sent } = pair();
    const a = vi.fn();
    const b = vi.fn();
    const subA = client.onDidPong(a);
    const subB = client.onDidPong(b);
    expect(sent.filter((f) => (f as { type: string }).type === 'subscribe')).toHaveLength(1);
    await client.ping({ nonce: 'n1' });
    expect(a).toHaveBeenCalledWith({ nonce: 'n1', at: 1 });
    expect(b).toHaveBeenCalledTimes(1);
    subA.dispose();
    await client.ping({ nonce: 'n2' });
    expect(a).toHaveBeenCalledTimes(1);
    expect(b).toHaveBeenCalledTimes(2);
    subB.dispose();
    expect(sent.filter((f) => (f as { type: string }).type === 'unsubscribe')).toHaveLength(1);
  });

  it('rejects invalid arguments with INVALID_ARGUMENT naming the method', async () => {
    const { client } = pair();
    const cases: unknown[] = [{}, { nonce: '' }, { nonce: 'x'.repeat(129) }, { nonce: 'ok', extra: 1 }, null, 'str'];
    for (const bad of cases) {
      const error = await client.ping(bad as { nonce: string }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HoplineError);
      expect((error as HoplineError).code).toBe(ErrorCode.INVALID_ARGUMENT);
      expect((error as HoplineError).message).toContain('app.ping');
    }
  });

  it('refuses unknown, prototype and not-yet-served channels with typed errors', async () => {
    const { transport } = pair();
    for (const channel of ['app:nope', '__proto__', 'app:__proto__', 'app:constructor', 'constructor:x', 'app:toString', 'app:hasOwnProperty']) {
      const error = (await transport.call(channel, []).catch((e: unknown) => e)) as HoplineError;
      expect(error.code).toBe(ErrorCode.METHOD_NOT_FOUND);
    }
    const notYet = (await transport.call('hosts:list', []).catch((e: unknown) => e)) as HoplineError;
    expect(notYet.code).toBe(ErrorCode.NOT_AVAILABLE);
  });

  it('passes HoplineErrors through and hides the text of any other error', async () => {
    const { client, impl, onInternalError } = pair();
    impl.failWith = new HoplineError(ErrorCode.AUTH_FAILED, 'Authentication failed at hop 2', { index: 1, name: 'bastion-key' });
    await expect(client.ping({ nonce: 'a' })).rejects.toMatchObject({ code: 'AUTH_FAILED', hop: { index: 1, name: 'bastion-key' } });
    impl.failWith = new Error('password=hunter2 rejected');
    const error = (await client.ping({ nonce: 'b' }).catch((e: unknown) => e)) as HoplineError;
    expect(error.code).toBe(ErrorCode.INTERNAL);
    expect(error.message).not.toContain('hunter2');
    expect(onInternalError).toHaveBeenCalledTimes(1);
  });

  it('fails pending calls with DISCONNECTED when the pipe goes away', async () => {
    const transport = new FrameTransport(() => undefined);
    const call = transport.call('app:version', []);
    transport.disconnected('gone');
    await expect(call).rejects.toMatchObject({ code: 'DISCONNECTED' });
  });

  it('stops sending to a closed connection and drops its subscriptions', async () => {
    const { client, connection, impl } = pair();
    const listener = vi.fn();
    client.onDidPong(listener);
    await client.version();
    connection.close();
    impl.failWith = null;
    await impl.ping({ nonce: 'after-close' });
    expect(listener).not.toHaveBeenCalled();
  });

  it('requires every served method to have a schema and implementation', () => {
    const incomplete = { ...appSchemas } as Partial<typeof appSchemas>;
    delete incomplete.ping;
    expect(() => new RpcServer([register(appService, new FakeAppService(), incomplete as typeof appSchemas)])).toThrow(/app\.ping/);
  });
});
