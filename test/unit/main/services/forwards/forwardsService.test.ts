/**
 * ForwardsService against a fake engine whose target "forwards out" to a local echo server:
 * nothing binds before the circuit is open, connections wait through a failure, counters are
 * throttled, refusals name the hop, and a closed circuit takes its forwards with it.
 */
import net from 'node:net';
import type { Client } from 'ssh2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ForwardsService, type ForwardsEngine } from '../../../../../app/main/services/forwards/forwardsService';
import { ErrorCode, HoplineError } from '../../../../../app/shared/model/errors';
import { Emitter } from '../../../../../app/shared/model/event';
import type { ForwardStatus } from '../../../../../app/shared/model/forward';
import type { CircuitSummary } from '../../../../../app/shared/model/hop';
import { checkLeaksAfterEach, TCP_RESOURCES } from '../../../../helpers/leakCheck';
import { freePort } from '../../../../helpers/ports';

const HOPS = ['bastion', 'jump', 'db-host'];

class FakeEngine implements ForwardsEngine {
  readonly changed = new Emitter<CircuitSummary>();
  readonly onDidChange = this.changed.event;
  state: CircuitSummary['state'] = 'opening';
  /** What forwardOut answers: connect to the echo server, or refuse with an SSH reason code. */
  refuse: { reason: number; message: string } | null = null;
  constructor(private readonly echoPort: () => number) {}

  summary(): CircuitSummary {
    const error = this.state === 'failed' ? { code: ErrorCode.HOP_LOST, message: 'Hop 2 (jump) closed the connection.', hop: { index: 1, name: 'jump' } } : null;
    return { id: 'c1', hostIds: HOPS, profileId: null, hopNames: HOPS, state: this.state, error };
  }
  set(state: CircuitSummary['state']): void {
    this.state = state;
    this.changed.fire(this.summary());
  }
  list(): CircuitSummary[] {
    return this.state === 'open' || this.state === 'opening' ? [this.summary()] : [];
  }
  target(): Client {
    if (this.state !== 'open') throw new HoplineError(ErrorCode.INVALID_ARGUMENT, 'No open circuit c1');
    const client = {
      forwardOut: (_src: string, _sport: number, _host: string, _port: number, cb: (err: Error | undefined, channel?: net.Socket) => void) => {
        if (this.refuse) return cb(Object.assign(new Error(`(SSH) Channel open failure: ${this.refuse.message}`), { reason: this.refuse.reason }));
        const socket = net.connect({ host: '127.0.0.1', port: this.echoPort(), allowHalfOpen: true }, () => cb(undefined, socket));
      },
    };
    return client as unknown as Client;
  }
}

function echo(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    let got = '';
    socket.on('data', (d: Buffer) => (got += d.toString()));
    socket.on('close', () => resolve(got));
    socket.on('error', reject);
    socket.end(text);
  });
}

describe('ForwardsService', () => {
  let echoServer: net.Server;
  let engine: FakeEngine;
  let service: ForwardsService;
  let seen: ForwardStatus[];

  beforeAll(async () => {
    echoServer = net.createServer({ allowHalfOpen: true }, (s) => {
      s.on('error', () => undefined);
      s.pipe(s);
    });
    await new Promise<void>((resolve) => echoServer.listen(0, '127.0.0.1', resolve));
  });
  beforeEach(() => {
    engine = new FakeEngine(() => (echoServer.address() as net.AddressInfo).port);
    engine.set('opening');
    service = new ForwardsService({ engine, connectTimeoutMs: 2000 });
    seen = [];
    service.onDidChange((s) => seen.push(s));
  });
  afterAll(async () => {
    await new Promise((resolve) => echoServer.close(resolve));
  });
  // The forwards are ended with the service, and then nothing of theirs may be left open.
  checkLeaksAfterEach(TCP_RESOURCES, () => service.dispose());

  it('binds nothing before the circuit is open, then listens and carries bytes both ways', async () => {
    const added = await service.add('c1', { kind: 'local', bindPort: await freePort(), host: 'db', hostPort: 5432 });
    expect(added).toMatchObject({ state: 'waiting', openConnections: 0 });
    expect(added.boundPort).toBeUndefined();
    expect(service.serverOf(added.forwardId)).toBeNull();
    engine.set('open');
    await expect.poll(async () => (await service.list())[0]?.state).toBe('listening');
    const [status] = await service.list();
    expect(await echo(status!.boundPort!, 'ping')).toBe('ping');
    await expect.poll(async () => (await service.list())[0]).toMatchObject({ totalConnections: 1, openConnections: 0, bytesOut: 4, bytesIn: 4 });
  });

  it('reports counters at most 4 times a second, state changes at once', async () => {
    engine.set('open');
    const f = await service.add('c1', { kind: 'local', bindPort: await freePort(), host: 'db', hostPort: 5432 });
    const since = seen.length;
    const started = Date.now();
    for (let i = 0; i < 20; i++) expect(await echo(f.boundPort!, `n${i}`)).toBe(`n${i}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const elapsed = Date.now() - started;
    const counterEvents = seen.slice(since).filter((s) => s.forwardId === f.forwardId);
    expect(counterEvents.length).toBeLessThanOrEqual(Math.ceil(elapsed / 250) + 1);
    expect(counterEvents.at(-1)).toMatchObject({ totalConnections: 20, bytesOut: counterEvents.at(-1)!.bytesIn });
    await service.stop(f.forwardId);
    expect(seen.at(-1)).toMatchObject({ state: 'stopped' });
  });

  it('a connection during a failure waits for the circuit; past the timeout it is refused naming the dead hop', async () => {
    engine.set('open');
    const f = await service.add('c1', { kind: 'local', bindPort: await freePort(), host: 'db', hostPort: 5432 });
    engine.set('failed');
    expect(seen.at(-1)).toMatchObject({ state: 'waiting', lastError: { code: 'HOP_LOST' } });
    const waiting = echo(f.boundPort!, 'later');
    await new Promise((resolve) => setTimeout(resolve, 200));
    engine.set('opening');
    engine.set('open');
    expect(await waiting).toBe('later');
    expect(service.serverOf(f.forwardId)!.listening).toBe(true);

    engine.set('failed');
    const started = Date.now();
    expect(await echo(f.boundPort!, 'never')).toBe('');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect((await service.list())[0]!.lastError).toEqual({ code: 'HOP_LOST', message: 'The circuit was not back within 2 s, so a connection was refused: Hop 2 (jump) closed the connection.', hop: { index: 1, name: 'jump' } });
  });

  it("a server's refusal is FORWARD_REFUSED naming the target hop; a dynamic forward answers SOCKS 'not allowed'", async () => {
    engine.set('open');
    engine.refuse = { reason: 1, message: 'open failed' };
    const f = await service.add('c1', { kind: 'local', bindPort: await freePort(), host: 'db', hostPort: 5432 });
    expect(await echo(f.boundPort!, 'x')).toBe('');
    expect((await service.list())[0]!.lastError).toEqual({
      code: 'FORWARD_REFUSED',
      message: 'Hop 3 (db-host) refused to forward to db:5432: administratively prohibited (its sshd forbids it: AllowTcpForwarding or PermitOpen)',
      hop: { index: 2, name: 'db-host' },
      detail: '(SSH) Channel open failure: open failed',
    });
    await service.remove(f.forwardId);

    const d = await service.add('c1', { kind: 'dynamic', bindPort: await freePort() });
    const reply = await new Promise<Buffer>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port: d.boundPort! });
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('close', () => resolve(Buffer.concat(chunks)));
      socket.write(Buffer.from([5, 1, 0, 5, 1, 0, 3, 2, 0x64, 0x62, 0, 80]));
    });
    expect([...reply.subarray(0, 4)]).toEqual([5, 0, 5, 2]);
  });

  it('closing the circuit removes its forwards and unbinds them; a closed circuit takes no new ones', async () => {
    engine.set('open');
    const f = await service.add('c1', { kind: 'dynamic', bindPort: await freePort() });
    const removed: string[] = [];
    service.onDidRemove((r) => removed.push(r.forwardId));
    engine.set('closed');
    await expect.poll(() => removed).toEqual([f.forwardId]);
    await expect(echo(f.boundPort!, 'x')).rejects.toThrow();
    await expect(service.add('c1', { kind: 'dynamic', bindPort: 1080 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(service.start('nope')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
