/**
 * Port forwards through a 3-hop circuit against real OpenSSH (issue 15, items 1 and 2): -L to a
 * server only the target can reach, -D with names resolved by the target's resolver (SOCKS5h
 * and SOCKS4a), -R from the target back to this machine, 100 parallel checksummed connections,
 * a forward living through a restart of the target's sshd, and the typed refusals (a port in
 * use; an sshd with AllowTcpForwarding no, started for this test in the target's namespace).
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CircuitEngine } from '../../app/main/services/engine/circuitEngine';
import type { HopSpec } from '../../app/main/services/engine/hopSpec';
import { PromptBroker } from '../../app/main/services/engine/promptBroker';
import { ForwardsService } from '../../app/main/services/forwards/forwardsService';
import type { ForwardStatus } from '../../app/shared/model/forward';
import { checkLeaksAfterEach, TCP_RESOURCES } from '../helpers/leakCheck';
import { freePort } from '../helpers/ports';
import { execText } from '../helpers/ssh';
import { LAB_DIR, labKillSshd, labListenerPid, labRestartSshd, labRestore, totpCode, type LabStatus } from '../lab/lab';
import { requirement } from '../setup/requirements';

const lab = inject('lab');
const runs = requirement('the real-OpenSSH lab', lab ? null : (inject('labMissing') ?? 'lab not up'));
const run = promisify(execFile);

/** HTTP and echo servers bound to the target's own loopback: nothing but the target reaches them. */
const TARGET_SERVERS = `
const http = require('http'), net = require('net');
const [hp, ep] = process.argv.slice(1).map(Number);
http.createServer((q, r) => r.end('hello from the target ' + q.url)).listen(hp, '127.0.0.1', () => {
  net.createServer({ allowHalfOpen: true }, (s) => { s.on('error', () => {}); s.pipe(s); }).listen(ep, '127.0.0.1', () => console.log('ready'));
});`;

/** A name only the target's resolver knows: an /etc/hosts in the target sshd's private mount namespace. */
const FAR_NAME = 'db.hopline-lab-only.test';
const NOFWD_PORT = 2299;

function curl(...args: string[]): Promise<string> {
  return run('curl', ['-sS', '--max-time', '20', ...args], { encoding: 'utf8' }).then((r) => r.stdout);
}

/** Sends `size` random bytes, reads the echo, and says whether every byte came back. */
function echoThrough(port: number, size: number): Promise<boolean> {
  const data = randomBytes(size);
  const sent = createHash('sha256').update(data).digest('hex');
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const got = createHash('sha256');
    let length = 0;
    socket.on('data', (d: Buffer) => {
      got.update(d);
      length += d.length;
    });
    socket.on('end', () => {
      socket.destroy();
      resolve(length === size && got.digest('hex') === sent);
    });
    socket.on('error', reject);
    socket.end(data);
  });
}

/** Connects to the forward and reads what comes until the other side ends. */
function readAll(port: number, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no end within ${timeoutMs} ms; got ${JSON.stringify(text)}`));
    }, timeoutMs);
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      // An sshd's banner line is all we want of it.
      if (text.includes('\n')) socket.end();
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
    socket.on('error', () => undefined);
  });
}

describe.runIf(runs)('port forwards through a 3-hop circuit (lab)', () => {
  const status = lab as LabStatus;
  const host = (name: string) => status.hosts.find((h) => h.name === name)!;
  const dir = mkdtempSync(path.join(tmpdir(), 'hl-forwards-'));
  const knownHosts = path.join(dir, 'known_hosts');
  copyFileSync(status.knownHosts, knownHosts);
  // The extra sshd of the refusal test has the target's keys on another port.
  writeFileSync(knownHosts, readFileSync(knownHosts, 'utf8') + host('target').hostKeys.map((k) => `[${host('target').address}]:${NOFWD_PORT} ${k.publicKey.split(' ').slice(0, 2).join(' ')}\n`).join(''));
  const httpPort = 20000 + Math.floor(Math.random() * 20000);
  const echoPort = httpPort + 1;
  let broker: PromptBroker;
  let engine: CircuitEngine;
  let forwards: ForwardsService;
  let circuitId: string;
  let servers: ChildProcess | null = null;

  const key = (): HopSpec['auth'] => [{ kind: 'publickey', keyFile: status.clientKey }];
  const route = (targetPort = 22, targetName = 'target'): HopSpec[] => [
    { name: 'bastion-mfa', host: host('bastion-mfa').address, port: 22, user: 'ops', auth: [{ kind: 'keyboard-interactive' }], connectTimeoutMs: 10_000 },
    { name: 'bastion-key', host: host('bastion-key').address, port: 22, user: 'ops', auth: key(), connectTimeoutMs: 10_000 },
    { name: targetName, host: host('target').address, port: targetPort, user: 'ops', auth: key(), connectTimeoutMs: 10_000 },
  ];

  const startTargetServers = async (): Promise<void> => {
    const child = spawn('ip', ['netns', 'exec', host('target').namespace, process.execPath, '-e', TARGET_SERVERS, String(httpPort), String(echoPort)], { stdio: ['ignore', 'pipe', 'inherit'] });
    servers = child;
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`target servers exited (${code})`)));
    });
  };

  beforeAll(async () => {
    broker = new PromptBroker();
    engine = new CircuitEngine({ hostKeyFiles: { userFiles: [], appFile: knownHosts }, prompts: broker });
    broker.onDidRequest((r) => void broker.answer(r.id, r.prompts.map((p) => (p.text.startsWith('Password') ? status.users.ops.password : totpCode(status.users.ops.totpSecret))), []));
    forwards = new ForwardsService({ engine, connectTimeoutMs: 25_000 });
    await startTargetServers();
    circuitId = (await engine.open(route())).id;
  }, 60_000);

  // Every forward a test added is removed after it, and then no socket or listener may be left.
  checkLeaksAfterEach(TCP_RESOURCES, async () => {
    for (const f of await forwards.list()) await forwards.remove(f.forwardId);
  });

  afterAll(async () => {
    await forwards.dispose();
    await engine.dispose();
    servers?.kill();
    await labRestore();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  const latest = (forwardId: string, seen: ForwardStatus[]): ForwardStatus | undefined => seen.filter((s) => s.forwardId === forwardId).at(-1);

  it('-L: a server on the target\'s own loopback is fetched with curl from this machine', { timeout: 60_000 }, async () => {
    // Not reachable from here directly.
    await expect(curl(`http://127.0.0.1:${httpPort}/`)).rejects.toThrow();
    const forward = await forwards.add(circuitId, { kind: 'local', bindPort: await freePort(), host: '127.0.0.1', hostPort: httpPort });
    expect(forward).toMatchObject({ state: 'listening', boundAddress: '127.0.0.1', spec: { kind: 'local' } });
    expect(await curl(`http://127.0.0.1:${forward.boundPort}/through-L`)).toBe('hello from the target /through-L');
    const seen: ForwardStatus[] = [];
    forwards.onDidChange((s) => seen.push(s));
    await expect.poll(() => latest(forward.forwardId, seen), { timeout: 5000 }).toMatchObject({ totalConnections: 1, openConnections: 0 });
    const after = latest(forward.forwardId, seen)!;
    expect(after.bytesOut).toBeGreaterThan(50);
    expect(after.bytesIn).toBeGreaterThan(50);
    // Stopped: unbound. Started again: bound anew and working.
    const stopped = await forwards.stop(forward.forwardId);
    expect(stopped.state).toBe('stopped');
    await expect(curl(`http://127.0.0.1:${forward.boundPort}/`)).rejects.toThrow();
    const again = await forwards.start(forward.forwardId);
    expect(again.state).toBe('listening');
    expect(await curl(`http://127.0.0.1:${again.boundPort}/again`)).toBe('hello from the target /again');
  });

  it('-D: SOCKS5 with the name resolved by the target (socks5h) and SOCKS4a; other commands refused', { timeout: 60_000 }, async () => {
    // A private /etc/hosts inside the target sshd's own mount namespace: only the target knows the name.
    const hosts = path.join(dir, 'target-hosts');
    writeFileSync(hosts, `127.0.0.1 localhost\n127.0.0.1 ${FAR_NAME}\n`, { mode: 0o644 });
    const sshd = String(labListenerPid('target'));
    spawnSync('nsenter', ['-t', sshd, '-m', '--', 'mount', '--bind', hosts, '/etc/hosts'], { stdio: 'inherit' });
    try {
      await expect(lookup(FAR_NAME)).rejects.toThrow();
      const forward = await forwards.add(circuitId, { kind: 'dynamic', bindPort: await freePort() });
      expect(forward).toMatchObject({ state: 'listening', boundAddress: '127.0.0.1' });
      const proxy = `127.0.0.1:${forward.boundPort}`;
      expect(await curl('--socks5-hostname', proxy, `http://${FAR_NAME}:${httpPort}/socks5h`)).toBe('hello from the target /socks5h');
      expect(await curl('--socks4a', proxy, `http://${FAR_NAME}:${httpPort}/socks4a`)).toBe('hello from the target /socks4a');
      // Plain SOCKS5 and SOCKS4 with an address resolved here: 127.0.0.1 is the target's loopback at the far end.
      expect(await curl('--socks5', proxy, `http://127.0.0.1:${httpPort}/socks5`)).toBe('hello from the target /socks5');
      expect(await curl('--socks4', proxy, `http://127.0.0.1:${httpPort}/socks4`)).toBe('hello from the target /socks4');
      // A name nobody knows: the target fails to connect and the client gets a SOCKS error, not a hang.
      await expect(curl('--socks5-hostname', proxy, `http://nowhere.invalid:${httpPort}/`)).rejects.toThrow();

      // BIND is answered "command not supported" (0x07).
      const reply = await new Promise<Buffer>((resolve, reject) => {
        const socket = net.connect({ host: '127.0.0.1', port: forward.boundPort! });
        const chunks: Buffer[] = [];
        socket.on('data', (d: Buffer) => chunks.push(d));
        socket.on('close', () => resolve(Buffer.concat(chunks)));
        socket.on('error', reject);
        socket.write(Buffer.from([5, 1, 0, 5, 2, 0, 1, 127, 0, 0, 1, 0, 80]));
      });
      expect([...reply.subarray(0, 4)]).toEqual([5, 0, 5, 7]);
      const list = await forwards.list();
      expect(list.find((f) => f.forwardId === forward.forwardId)!.lastError?.message).toMatch(/SOCKS5 BIND is not supported/);
    } finally {
      spawnSync('nsenter', ['-t', sshd, '-m', '--', 'umount', '/etc/hosts'], { stdio: 'inherit' });
    }
  });

  it('-R: a server on this machine\'s loopback is reached from the target (curl on the target)', { timeout: 60_000 }, async () => {
    const local = http.createServer((q, r) => r.end(`hello from this machine ${q.url}`));
    await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
    try {
      const localPort = (local.address() as net.AddressInfo).port;
      const forward = await forwards.add(circuitId, { kind: 'remote', bindPort: 0, host: '127.0.0.1', hostPort: localPort });
      expect(forward).toMatchObject({ state: 'listening', boundAddress: 'localhost' });
      expect(forward.boundPort).toBeGreaterThan(0);
      const out = await execText(engine.target(circuitId), `curl -sS --max-time 10 http://127.0.0.1:${forward.boundPort}/through-R`);
      expect(out.stdout).toBe('hello from this machine /through-R');
      await forwards.stop(forward.forwardId);
      // Cancelled on the server: nothing listens there any more.
      const gone = await execText(engine.target(circuitId), `curl -sS --max-time 5 http://127.0.0.1:${forward.boundPort}/ || echo refused`);
      expect(gone.stdout).toContain('refused');
    } finally {
      local.closeAllConnections();
      await new Promise((resolve) => local.close(resolve));
    }
  });

  it('load: 100 parallel connections through one -L forward, every byte verified', { timeout: 120_000 }, async () => {
    const forward = await forwards.add(circuitId, { kind: 'local', bindPort: await freePort(), host: '127.0.0.1', hostPort: echoPort });
    const size = 256 * 1024;
    const results = await Promise.all(Array.from({ length: 100 }, () => echoThrough(forward.boundPort!, size)));
    expect(results.filter((ok) => !ok)).toHaveLength(0);
    await expect.poll(async () => (await forwards.list()).find((f) => f.forwardId === forward.forwardId), { timeout: 10_000 }).toMatchObject({
      totalConnections: 100,
      openConnections: 0,
      bytesOut: 100 * size,
      bytesIn: 100 * size,
    });
  });

  it('a port in use is a typed error naming it', async () => {
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    try {
      const port = (squatter.address() as net.AddressInfo).port;
      await expect(forwards.add(circuitId, { kind: 'local', bindPort: port, host: '127.0.0.1', hostPort: httpPort })).rejects.toMatchObject({ code: 'PORT_IN_USE', message: `127.0.0.1:${port} is already in use` });
      const [failed] = await forwards.list();
      expect(failed).toMatchObject({ state: 'failed', lastError: { code: 'PORT_IN_USE' } });
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('an sshd with AllowTcpForwarding no: -L and -R fail with errors naming that hop', { timeout: 60_000 }, async () => {
    const target = host('target');
    const hostDir = path.join(LAB_DIR, 'hosts', 'target');
    const pidFile = path.join(hostDir, 'sshd-nofwd.pid');
    const logFile = path.join(hostDir, 'sshd-nofwd.log');
    const config = readFileSync(path.join(hostDir, 'sshd_config'), 'utf8')
      .split('\n')
      .filter((line) => !/^(ListenAddress|PidFile|AllowTcpForwarding)\b/.test(line))
      .concat([`ListenAddress ${target.address}:${NOFWD_PORT}`, `PidFile ${pidFile}`, 'AllowTcpForwarding no', ''])
      .join('\n');
    writeFileSync(path.join(hostDir, 'sshd_config_nofwd'), config, { mode: 0o644 });
    writeFileSync(logFile, '', { mode: 0o644 });
    const script = readFileSync(path.join(hostDir, 'start.sh'), 'utf8').replace(/^exec .*$/m, `exec /usr/sbin/sshd -f '${hostDir}/sshd_config_nofwd' -E '${logFile}'`);
    spawnSync('ip', ['netns', 'exec', target.namespace, 'unshare', '--mount', '--uts', '--propagation', 'private', '--', '/bin/sh', '-c', script], { stdio: 'inherit' });
    let nofwdId: string | null = null;
    try {
      await expect.poll(() => readFileSync(logFile, 'utf8'), { timeout: 10_000 }).toContain('Server listening');
      nofwdId = (await engine.open(route(NOFWD_PORT, 'target-nofwd'))).id;

      const local = await forwards.add(nofwdId, { kind: 'local', bindPort: await freePort(), host: '127.0.0.1', hostPort: httpPort });
      expect(local.state).toBe('listening');
      expect(await readAll(local.boundPort!)).toBe('');
      await expect.poll(async () => (await forwards.list()).find((f) => f.forwardId === local.forwardId)?.lastError, { timeout: 5000 }).toMatchObject({
        code: 'FORWARD_REFUSED',
        message: expect.stringMatching(/^Hop 3 \(target-nofwd\) refused to forward to 127\.0\.0\.1:\d+: administratively prohibited/),
        hop: { index: 2, name: 'target-nofwd' },
        // OpenSSH's own words, for Details.
        detail: expect.stringMatching(/Channel open failure/),
      });

      const remote = forwards.add(nofwdId, { kind: 'remote', bindPort: 0, host: '127.0.0.1', hostPort: 9 });
      await expect(remote).rejects.toMatchObject({ code: 'FORWARD_REFUSED', hop: { index: 2, name: 'target-nofwd' }, message: expect.stringMatching(/^Hop 3 \(target-nofwd\) refused to listen on localhost:0/) });
    } finally {
      if (nofwdId) await engine.close(nofwdId);
      const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : 0;
      if (pid > 0) process.kill(pid, 'SIGTERM');
    }
  });

  it("a forward lives through a restart of the target's sshd: the listener never unbinds, -R is asked for again", { timeout: 120_000 }, async () => {
    // -L to the target's own sshd (its banner says the connection got there): it survives the kill.
    const forward = await forwards.add(circuitId, { kind: 'local', bindPort: await freePort(), host: host('target').address, hostPort: 22 });
    expect(await readAll(forward.boundPort!)).toMatch(/^SSH-2\.0-OpenSSH/);
    const local = http.createServer((q, r) => r.end(`back here ${q.url}`));
    await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
    const remote = await forwards.add(circuitId, { kind: 'remote', bindPort: 0, host: '127.0.0.1', hostPort: (local.address() as net.AddressInfo).port });
    const server = forwards.serverOf(forward.forwardId)!;
    const unbound: number[] = [];
    const watch = setInterval(() => {
      if (!server.listening || (server.address() as net.AddressInfo | null)?.port !== forward.boundPort) unbound.push(Date.now());
    }, 10);
    const seen: ForwardStatus[] = [];
    forwards.onDidChange((s) => seen.push(s));
    try {
      await labKillSshd('target');
      await expect.poll(() => latest(forward.forwardId, seen)?.state, { timeout: 10_000 }).toBe('waiting');
      expect(latest(forward.forwardId, seen)!.lastError).toMatchObject({ code: 'HOP_LOST', message: expect.stringMatching(/Hop 3 \(target\)/) });
      // A connection while the circuit is down waits for it to be open again.
      const waiting = readAll(forward.boundPort!);
      await labRestartSshd('target');
      await engine.repair(circuitId);
      expect(await waiting).toMatch(/^SSH-2\.0-OpenSSH/);
      expect(await readAll(forward.boundPort!)).toMatch(/^SSH-2\.0-OpenSSH/);
      expect(unbound).toEqual([]);
      expect(forwards.serverOf(forward.forwardId)).toBe(server);
      // -R was asked for again on the new target connection, on the same port.
      await expect.poll(() => latest(remote.forwardId, seen)?.state, { timeout: 10_000 }).toBe('listening');
      expect(latest(remote.forwardId, seen)!.boundPort).toBe(remote.boundPort);
      const out = await execText(engine.target(circuitId), `curl -sS --max-time 10 http://127.0.0.1:${remote.boundPort}/again`);
      expect(out.stdout).toBe('back here /again');
    } finally {
      clearInterval(watch);
      local.closeAllConnections();
      await new Promise((resolve) => local.close(resolve));
      // The target servers died with the target's processes.
      servers = null;
    }
  });

  it('a connection that waits longer than the connect timeout is refused, naming the dead hop; closing the circuit unbinds', { timeout: 90_000 }, async () => {
    const quick = new ForwardsService({ engine, connectTimeoutMs: 1500 });
    try {
      const forward = await quick.add(circuitId, { kind: 'local', bindPort: await freePort(), host: host('target').address, hostPort: 22 });
      await labKillSshd('target');
      await expect.poll(async () => (await quick.list())[0]?.state, { timeout: 10_000 }).toBe('waiting');
      const started = Date.now();
      expect(await readAll(forward.boundPort!)).toBe('');
      expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
      const [after] = await quick.list();
      expect(after!.lastError).toMatchObject({ code: 'HOP_LOST', message: expect.stringMatching(/not back within 2 s.*Hop 3 \(target\)/) });
      expect(quick.serverOf(forward.forwardId)!.listening).toBe(true);

      const removed: string[] = [];
      quick.onDidRemove((r) => removed.push(r.forwardId));
      await engine.close(circuitId);
      await expect.poll(() => removed).toEqual([forward.forwardId]);
      await expect(readAll(forward.boundPort!, 5000)).resolves.toBe('');
      await expect(quick.add(circuitId, { kind: 'dynamic', bindPort: 1080 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    } finally {
      await quick.dispose();
      await labRestartSshd('target');
    }
  });
});
