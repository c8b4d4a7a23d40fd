/**
 * Every error the CLI prints names the hop one way, `hop N (name)`, whichever layer failed: the
 * first hop's own TCP connect (tcpConnect), its ProxyCommand, or a hop reached through another
 * (hopConnector). Against the lab, with the built dist/main/cli.cjs.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import type { LabStatus } from '../lab/lab';
import { requirement } from '../setup/requirements';

const lab = inject('lab');
const runs = requirement('the real-OpenSSH lab', lab ? null : (inject('labMissing') ?? 'lab not up'));

/** A loopback port nobody listens on: taken, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.runIf(runs)('hopline CLI: one hop-naming form in every error', () => {
  const status = lab as LabStatus;
  const addr = (name: string) => status.hosts.find((h) => h.name === name)!.address;

  /** A fresh HOME and data dir, so the user's real ~/.ssh is never read or written. */
  function sandbox() {
    const home = mkdtempSync(path.join(tmpdir(), 'hl-cli-naming-'));
    const dataDir = path.join(home, 'data');
    mkdirSync(dataDir);
    copyFileSync(status.knownHosts, path.join(dataDir, 'known_hosts'));
    return { home, dataDir };
  }

  function hopline(args: string[], where = sandbox()) {
    const run = spawnSync(process.execPath, ['dist/main/cli.cjs', 'exec', '-i', status.clientKey, '--data-dir', where.dataDir, ...args, '--', 'true'], {
      env: { PATH: process.env.PATH!, HOME: where.home },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: run.status, stderr: run.stderr };
  }

  it('a refused first hop: "for hop 1 (name)", never `for hop "name"`, and no raw errno in the sentence', async () => {
    const port = await closedPort();
    const run = hopline([`bench@127.0.0.1:${port}`]);
    expect(run.code).toBe(255);
    const first = run.stderr.split('\n')[0]!;
    expect(first).toMatch(/^hopline: Cannot reach host 127\.0\.0\.1:\d+ for hop 1 \([^)]+\): connection refused$/);
    expect(run.stderr).not.toMatch(/for hop "/);
    expect(first).not.toContain('ECONNREFUSED');
  });

  it('a first hop through a ProxyCommand that fails: "Proxy command for hop 1 (name)"', () => {
    const { home, dataDir } = sandbox();
    const config = path.join(home, 'ssh_config');
    writeFileSync(config, 'Host viaproxy\n  HostName 127.0.0.1\n  User bench\n  ProxyCommand false\n');
    const imported = spawnSync(process.execPath, ['dist/main/cli.cjs', 'import-ssh-config', config, '--data-dir', dataDir], { env: { PATH: process.env.PATH!, HOME: home }, encoding: 'utf8', timeout: 60_000 });
    expect(imported.status).toBe(0);
    // A saved host's name stands for it on the command line.
    const run = hopline(['viaproxy'], { home, dataDir });
    expect(run.code).toBe(255);
    expect(run.stderr.split('\n')[0]).toMatch(/^hopline: Proxy command for hop 1 \(viaproxy\): /);
    expect(run.stderr).not.toMatch(/hop "/);
  });

  it('a hop behind another: "hop 2 (name) at user@host:port is unreachable from hop 1 (name)"', () => {
    const run = hopline(['--via', `bench@${addr('bastion-mfa')}`, `bench@${addr('bastion-key')}:2999`]);
    expect(run.code).toBe(255);
    expect(run.stderr).toMatch(/^hopline: hop 2 \([^)]+\) at bench@[\d.]+:2999 is unreachable from hop 1 \([^)]+\)$/m);
    // The bastion's own words ("open failed", "Connection refused") are not in the sentence.
    expect(run.stderr.split('\n')[0]).not.toMatch(/open failed|connect failed/);
  });
});
