/**
 * The gateway's control socket with a fake engine (a live chain whose last hop "forwards" to an
 * echo stream): file modes, the token check, "no live circuit", the byte path with half-close,
 * the sessions list, and a clean dispose. The real path, with OpenSSH, is in
 * test/integration/gateway.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import net, { type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { Client } from 'ssh2';
import { afterEach, describe, expect, it } from 'vitest';
import { controlPaths, readLine, writeLine, type ControlReply, type ControlRequest, type GatewayRoute, type GatewaySession } from '../../../../../app/main/services/gateway/controlProtocol';
import { GatewayService } from '../../../../../app/main/services/gateway/gatewayService';
import type { LiveChain } from '../../../../../app/main/services/gateway/routeMatch';
import type { HopSpec } from '../../../../../app/main/services/engine/hopSpec';

const spec = (name: string, host: string, user = 'ops'): HopSpec => ({ name, host, port: 22, user, auth: [] });

/** A hop whose direct-tcpip channels echo what they get; records where they were opened to. */
function echoHop(opened: string[], refuse = false): Client {
  return {
    forwardOut(_srcIp: string, _srcPort: number, host: string, port: number, cb: (err: Error | undefined, ch: unknown) => void) {
      opened.push(`${host}:${port}`);
      if (refuse) cb(new Error('(SSH) Channel open failure: administratively prohibited'), undefined);
      else cb(undefined, new PassThrough());
    },
  } as unknown as Client;
}

const quiet = { info: () => undefined, warn: () => undefined };
let services: GatewayService[] = [];
afterEach(async () => {
  await Promise.all(services.map((s) => s.dispose()));
  services = [];
});

async function start(chains: LiveChain<Client>[], dataDir = mkdtempSync(path.join(tmpdir(), 'hl-gw-'))) {
  const gateway = await GatewayService.start({
    dataDir,
    liveChains: () => chains,
    library: () => ({ hosts: [], profiles: [] }),
    localUser: 'ops',
    log: quiet,
  });
  services.push(gateway);
  return { gateway, dataDir, paths: controlPaths(dataDir), token: readFileSync(controlPaths(dataDir).token, 'utf8').trim() };
}

function connect(socketPath: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ path: socketPath, allowHalfOpen: true });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

async function ask(socketPath: string, request: ControlRequest): Promise<{ socket: Socket; reply: ControlReply }> {
  const socket = await connect(socketPath);
  writeLine(socket, request);
  return { socket, reply: JSON.parse(await readLine(socket)) as ControlReply };
}

function readAll(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.once('end', () => resolve(text));
    socket.resume();
  });
}

describe('GatewayService (control socket)', () => {
  it('makes its directory 0700, the socket and the token 0600, and removes both on dispose', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'hl-gw-'));
    // An existing, looser directory is tightened.
    mkdirSync(path.join(dataDir, 'gateway'), { mode: 0o755 });
    const { gateway, paths } = await start([], dataDir);
    expect(gateway.listening).toBe(true);
    expect(statSync(paths.dir).mode & 0o777).toBe(0o700);
    expect(statSync(paths.socket).isSocket()).toBe(true);
    expect(statSync(paths.socket).mode & 0o777).toBe(0o600);
    expect(statSync(paths.token).mode & 0o777).toBe(0o600);
    await gateway.dispose();
    expect(existsSync(paths.socket)).toBe(false);
    expect(existsSync(paths.token)).toBe(false);
  });

  it('refuses a wrong token and a malformed line, and says "no live circuit" when no hops match', async () => {
    const { paths, token } = await start([{ circuitId: 'c1', profileId: null, state: 'open', hops: [{ spec: spec('b1', '10.0.0.1'), client: echoHop([]) }] }]);
    const wrong = await ask(paths.socket, { v: 1, op: 'connect', token: 'x'.repeat(64), route: { kind: 'via', hops: ['ops@10.0.0.1'] }, host: 't', port: 22 });
    expect(wrong.reply).toMatchObject({ ok: false, code: 'BAD_TOKEN' });
    const junk = await connect(paths.socket);
    junk.write('{"v":2}\n');
    expect(JSON.parse(await readLine(junk))).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
    const other = await ask(paths.socket, { v: 1, op: 'connect', token, route: { kind: 'via', hops: ['admin@10.0.0.1'] }, host: 't', port: 22 });
    expect(other.reply).toMatchObject({ ok: false, code: 'NO_LIVE_CIRCUIT' });
  });

  it('carries bytes both ways through the last route hop, passes EOF on, and lists the session while it lasts', async () => {
    const opened: string[] = [];
    const { gateway, paths, token } = await start([
      { circuitId: 'c1', profileId: 'p1', state: 'open', hops: [{ spec: spec('b1', '10.0.0.1'), client: echoHop([]) }, { spec: spec('b2', '10.0.0.2'), client: echoHop(opened) }, { spec: spec('t', '10.0.0.3'), client: echoHop([]) }] },
    ]);
    const changes: GatewaySession[][] = [];
    gateway.onDidChangeSessions((s) => changes.push(s));
    const { socket, reply } = await ask(paths.socket, { v: 1, op: 'connect', token, route: { kind: 'via', hops: ['10.0.0.1', 'ops@10.0.0.2:22'] }, host: 'db.internal', port: 5432 });
    expect(reply).toEqual({ ok: true, circuitId: 'c1', via: ['b1', 'b2'] });
    expect(opened).toEqual(['db.internal:5432']);
    expect(gateway.sessions()).toMatchObject([{ circuitId: 'c1', profileId: 'p1', via: ['b1', 'b2'], destination: { host: 'db.internal', port: 5432 } }]);
    const echoed = readAll(socket);
    socket.end('hello through the hops');
    expect(await echoed).toBe('hello through the hops');
    await new Promise((r) => socket.once('close', r));
    await new Promise((r) => setTimeout(r, 20));
    expect(changes.map((c) => c.length)).toEqual([1, 0]);
    expect(gateway.sessions()).toEqual([]);
    const listed = await ask(paths.socket, { v: 1, op: 'list', token });
    expect(listed.reply).toEqual({ ok: true, sessions: [] });
  });

  it('keeps the peer a proxy reports (who ran it) on the session, and refuses a malformed one', async () => {
    const { gateway, paths, token } = await start([{ circuitId: 'c1', profileId: null, state: 'open', hops: [{ spec: spec('b1', '10.0.0.1'), client: echoHop([]) }] }]);
    const route: GatewayRoute = { kind: 'via', hops: ['10.0.0.1'] };
    const { socket, reply } = await ask(paths.socket, { v: 1, op: 'connect', token, route, host: 'db', port: 22, peer: { pid: 4242, command: 'ssh -F cfg prod-db sleep 3' } });
    expect(reply).toMatchObject({ ok: true });
    expect(gateway.sessions()).toMatchObject([{ peer: { pid: 4242, command: 'ssh -F cfg prod-db sleep 3' } }]);
    socket.destroy();
    const bad = await ask(paths.socket, { v: 1, op: 'connect', token, route, host: 'db', port: 22, peer: { pid: -1, command: 'x' } });
    expect(bad.reply).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
  });

  it('names the hop when it refuses the channel', async () => {
    const { paths, token } = await start([{ circuitId: 'c1', profileId: null, state: 'open', hops: [{ spec: spec('bastion', '10.0.0.1'), client: echoHop([], true) }] }]);
    const { reply } = await ask(paths.socket, { v: 1, op: 'connect', token, route: { kind: 'via', hops: ['10.0.0.1'] }, host: 'db', port: 5432 });
    expect(reply).toMatchObject({ ok: false, code: 'FORWARD_FAILED' });
    expect((reply as { message: string }).message).toBe('Hop 1 (bastion) could not open a channel to db:5432: administratively prohibited');
  });

  it('takes the place of a socket file left by a crash, but not of a live one', async () => {
    const first = await start([]);
    // A second app on the same data dir leaves the first one serving.
    const second = await GatewayService.start({ dataDir: first.dataDir, liveChains: () => [], library: () => ({ hosts: [], profiles: [] }), localUser: 'ops', log: quiet });
    expect(second.listening).toBe(false);
    await second.dispose();
    expect(statSync(first.paths.socket).isSocket()).toBe(true);
    await first.gateway.dispose();
    services = [];
    // A crash: a process listening there is killed, so the file stays and nobody answers.
    spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(first.paths.socket)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    expect(statSync(first.paths.socket).isSocket()).toBe(true);
    const again = await start([], first.dataDir);
    expect(again.gateway.listening).toBe(true);
  });
});
