/**
 * `hopline forward` (the built dist/main/cli.cjs) against the lab: a -L forward over 3 hops
 * carries a real connection to the target's sshd, Ctrl-C ends it cleanly (exit 0, port free
 * again), a port in use is refused naming the port, and a profile's saved forwards (imported
 * from an ssh_config LocalForward line) start with `--profile`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { labKillSshd, labRestartSshd, labRestore, type LabStatus } from '../lab/lab';
import { requirement } from '../setup/requirements';
import { freePort } from '../helpers/ports';

const lab = inject('lab');
const runs = requirement('the real-OpenSSH lab', lab ? null : (inject('labMissing') ?? 'lab not up'));

/** Whether 127.0.0.1:port can be bound (nothing listens there any more). */
function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The first line a server sends on 127.0.0.1:port. */
function firstLine(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.setTimeout(15_000, () => socket.destroy(new Error('no line within 15 s')));
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const end = text.indexOf('\n');
      if (end >= 0) {
        socket.destroy();
        resolve(text.slice(0, end).replace(/\r$/, ''));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`closed after ${JSON.stringify(text)}`)));
  });
}

/** The first line from host:port through a SOCKS5 proxy on 127.0.0.1:socksPort (the name resolved at the far end). */
function firstLineViaSocks(socksPort: number, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socksPort, '127.0.0.1');
    let stage: 'method' | 'connect' | 'data' = 'method';
    let buffer = Buffer.alloc(0);
    socket.setTimeout(15_000, () => socket.destroy(new Error('SOCKS: nothing within 15 s')));
    socket.on('connect', () => socket.write(Buffer.from([5, 1, 0])));
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (stage === 'method' && buffer.length >= 2) {
        if (buffer[0] !== 5 || buffer[1] !== 0) return reject(new Error(`SOCKS method reply ${buffer.toString('hex')}`));
        buffer = buffer.subarray(2);
        stage = 'connect';
        const name = Buffer.from(host);
        socket.write(Buffer.concat([Buffer.from([5, 1, 0, 3, name.length]), name, Buffer.from([port >> 8, port & 255])]));
      }
      if (stage === 'connect' && buffer.length >= 10) {
        if (buffer[1] !== 0) return reject(new Error(`SOCKS connect reply ${buffer.toString('hex')}`));
        buffer = buffer.subarray(10);
        stage = 'data';
      }
      if (stage === 'data') {
        const end = buffer.indexOf('\n');
        if (end >= 0) {
          socket.destroy();
          resolve(buffer.subarray(0, end).toString('latin1').replace(/\r$/, ''));
        }
      }
    });
    socket.on('error', reject);
  });
}

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  /** Resolves when stdout holds a line matching `pattern`; rejects if the process ends first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

describe.runIf(runs)('hopline forward', () => {
  const status = lab as LabStatus;
  const addr = (name: string) => status.hosts.find((h) => h.name === name)!.address;

  function sandbox() {
    const home = mkdtempSync(path.join(tmpdir(), 'hl-cli-forward-'));
    const dataDir = path.join(home, 'data');
    mkdirSync(dataDir);
    copyFileSync(status.knownHosts, path.join(dataDir, 'known_hosts'));
    return { home, dataDir };
  }

  function start(args: string[], home: string): Running {
    const child = spawn(process.execPath, ['dist/main/cli.cjs', ...args], { env: { PATH: process.env.PATH!, HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return {
      child,
      stdout: () => out,
      stderr: () => err,
      exited,
      waitFor: (pattern, timeoutMs = 30_000) =>
        new Promise((resolve, reject) => {
          const check = (): boolean => {
            const line = out.split('\n').find((l) => pattern.test(l));
            if (line === undefined) return false;
            clearInterval(timer);
            clearTimeout(deadline);
            resolve(line);
            return true;
          };
          const timer = setInterval(check, 50);
          const deadline = setTimeout(() => {
            clearInterval(timer);
            reject(new Error(`no ${pattern} within ${timeoutMs} ms; stdout: ${out}; stderr: ${err}`));
          }, timeoutMs);
          void exited.then((code) => {
            if (check()) return;
            clearInterval(timer);
            clearTimeout(deadline);
            reject(new Error(`exited ${code} before ${pattern}; stdout: ${out}; stderr: ${err}`));
          });
        }),
    };
  }

  const via = () => ['-i', status.clientKey, '-J', `bench@${addr('bastion-mfa')},bench@${addr('bastion-key')}`];

  it('carries a connection over 3 hops through -L, then Ctrl-C ends it: exit 0, the port free again', async () => {
    const { home, dataDir } = sandbox();
    const port = await freePort();
    const socksPort = await freePort();
    const run = start(['forward', ...via(), '--data-dir', dataDir, `bench@${addr('target')}`, '-L', `${port}:${addr('target')}:22`, '-D', String(socksPort)], home);
    try {
      expect(await run.waitFor(/^-L .*listening on/)).toBe(`-L 127.0.0.1:${port} -> ${addr('target')}:22: listening on 127.0.0.1:${port}`);
      // The target's own sshd, reached from the target: its banner comes back through the forward.
      expect(await firstLine(port)).toMatch(/^SSH-2\.0-OpenSSH_/);
      await run.waitFor(/^-L .*1 in all/);
      expect(await run.waitFor(/^-D .*listening on/)).toBe(`-D 127.0.0.1:${socksPort} (SOCKS): listening on 127.0.0.1:${socksPort}`);
      expect(await firstLineViaSocks(socksPort, addr('target'), 22)).toMatch(/^SSH-2\.0-OpenSSH_/);
      expect(run.stderr()).toContain('2 forward(s) running through 3 hop(s); Ctrl-C ends them');
    } finally {
      run.child.kill('SIGINT');
    }
    expect(await run.exited).toBe(0);
    expect(run.stderr()).toContain('closing the forwards and the circuit');
    expect(run.stdout()).not.toContain('stopped');
    expect(await canBind(port)).toBe(true);
    expect(await canBind(socksPort)).toBe(true);
  });

  it('refuses a port already in use, naming it, and exits 1 when no forward could start', async () => {
    const { home, dataDir } = sandbox();
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as net.AddressInfo).port;
    try {
      const run = start(['forward', ...via(), '--data-dir', dataDir, `bench@${addr('target')}`, '-L', `${port}:localhost:22`], home);
      expect(await run.exited).toBe(1);
      // Said once, naming the port.
      expect(run.stderr().match(new RegExp(`127\\.0\\.0\\.1:${port} is already in use`, 'g')), run.stderr()).toHaveLength(1);
      expect(run.stderr()).toContain('no forward could start');
    } finally {
      busy.close();
    }
    const usage = spawnSync(process.execPath, ['dist/main/cli.cjs', 'forward', 'somewhere', '-L', '8080:/run/x.sock'], { encoding: 'utf8', env: { PATH: process.env.PATH!, HOME: sandbox().home } });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('names a Unix socket: Hopline forwards TCP ports only');
    // ssh refuses a listening port of 0 for -L and -D ("Bad local forwarding specification"); so does hopline.
    for (const [flag, spec] of [['-L', '0:db:80'], ['-D', '0']]) {
      const zero = spawnSync(process.execPath, ['dist/main/cli.cjs', 'forward', 'somewhere', flag!, spec!], { encoding: 'utf8', env: { PATH: process.env.PATH!, HOME: sandbox().home } });
      expect(zero.status, zero.stderr).toBe(2);
      expect(zero.stderr).toMatch(/Bad (listening )?port "0"/);
    }
  });

  afterAll(async () => {
    await labRestore();
  });

  it('lives through the loss of the target: the listener stays bound, it reconnects, the next connection works', async () => {
    const { home, dataDir } = sandbox();
    const port = await freePort();
    const run = start(['forward', ...via(), '--data-dir', dataDir, `bench@${addr('target')}`, '-L', `${port}:${addr('target')}:22`], home);
    try {
      await run.waitFor(/listening on/);
      expect(await firstLine(port)).toMatch(/^SSH-2\.0-OpenSSH_/);
      await labKillSshd('target');
      await run.waitFor(/waiting for the circuit/);
      // Never unbound while the hops are down.
      expect(await canBind(port)).toBe(false);
      await labRestartSshd('target');
      await new Promise<void>((resolve, reject) => {
        const deadline = Date.now() + 30_000;
        const check = (): void => {
          if (run.stderr().includes('hopline: reconnected')) resolve();
          else if (Date.now() > deadline) reject(new Error(`not reconnected; stderr: ${run.stderr()}`));
          else setTimeout(check, 100);
        };
        check();
      });
      // The loss said once (by the circuit, not again by each forward), naming the hop.
      expect(run.stderr()).toMatch(/\nhopline: Hop 3 \(\S+\) closed the connection\.\nhopline: the forwards stay listening; reconnecting in 1 s\n/);
      expect(run.stderr().match(/closed the connection/g), run.stderr()).toHaveLength(1);
      expect(await firstLine(port)).toMatch(/^SSH-2\.0-OpenSSH_/);
    } finally {
      run.child.kill('SIGINT');
      await labRestore();
    }
    expect(await run.exited).toBe(0);
    expect(await canBind(port)).toBe(true);
  });

  it("starts a profile's saved forwards (imported from LocalForward) with --profile, and SIGTERM ends it", async () => {
    const { home, dataDir } = sandbox();
    const port = await freePort();
    const config = path.join(home, 'config');
    writeFileSync(config, [
      'Host b1', `  HostName ${addr('bastion-mfa')}`, '  User bench', `  IdentityFile ${status.clientKey}`,
      'Host b2', `  HostName ${addr('bastion-key')}`, '  User bench', `  IdentityFile ${status.clientKey}`,
      'Host lab-target', `  HostName ${addr('target')}`, '  User bench', `  IdentityFile ${status.clientKey}`, '  ProxyJump b1,b2', `  LocalForward ${port} ${addr('target')}:22`,
      '',
    ].join('\n'));
    const imported = spawnSync(process.execPath, ['dist/main/cli.cjs', 'import-ssh-config', config, '--data-dir', dataDir], { encoding: 'utf8', env: { PATH: process.env.PATH!, HOME: home } });
    expect(imported.status).toBe(0);
    const run = start(['forward', '--profile', 'lab-target', '--data-dir', dataDir], home);
    try {
      await run.waitFor(new RegExp(`listening on 127\\.0\\.0\\.1:${port}$`));
      expect(await firstLine(port)).toMatch(/^SSH-2\.0-OpenSSH_/);
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exited).toBe(0);
    expect(await canBind(port)).toBe(true);
  });
});
