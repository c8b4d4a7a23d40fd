/**
 * The ssh_config Host blocks of `hopline ssh-config` and the app's "Use from other tools" panel
 * (one model, sshConfigBlock.ts): quoting for ssh_config and the shell (ssh runs ProxyCommand
 * with sh -c after expanding % tokens), aliases, and how the CLI and the app name the hopline
 * command. Real ssh reads them in test/integration/gateway.test.ts and test/e2e/gatewayUi.test.ts;
 * here every awkward name is checked against `ssh -G`.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HopSpec } from '../../../../../app/main/services/engine/hopSpec';
import { appCliCommand, cliSelfCommand, onPath } from '../../../../../app/main/services/gateway/hoplineCommand';
import { commandLineOf, parentPeer } from '../../../../../app/main/services/gateway/peerProcess';
import { gatewayBlock, profileAliases, sshConfigText } from '../../../../../app/main/services/gateway/sshConfigBlock';
import { TERMINAL_DEFAULTS, type ProfileSummary } from '../../../../../app/shared/model/profile';

const hop = (name: string, host: string, extra: Partial<HopSpec> = {}): HopSpec => ({ name, host, port: 22, user: 'ops', auth: [{ kind: 'keyboard-interactive' }], ...extra });
const profile = (name: string): ProfileSummary => ({ id: 'p1', name, folder: '', tags: [], hostIds: [], terminal: TERMINAL_DEFAULTS });
const options = { command: ['/usr/bin/node', '/opt/hop line/cli.cjs'], dataDir: '/home/a/.config/Hopline', appKnownHosts: '/home/a/.config/Hopline/known_hosts' };

function sshG(config: string, alias: string): Map<string, string> {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'hl-sshg-')), 'config');
  writeFileSync(file, config);
  const run = spawnSync('ssh', ['-G', '-F', file, alias], { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return new Map(run.stdout.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)]));
}

describe('hopline ssh-config blocks', () => {
  it("writes the target's address, user, port and keys, with ProxyCommand through the profile", () => {
    const hops = [hop('bastion', '10.0.0.1'), hop('db', 'db.internal', { port: 2222, user: 'pg', auth: [{ kind: 'publickey', keyFile: '/home/a/.ssh/id "db"' }] })];
    const made = gatewayBlock(profile('prod db'), hops, 'prod-db', options);
    if (!('block' in made)) throw new Error(made.skipped);
    const g = sshG(made.block, 'prod-db');
    expect(g.get('hostname')).toBe('db.internal');
    expect(g.get('port')).toBe('2222');
    expect(g.get('user')).toBe('pg');
    expect(g.get('identityfile')).toBe('/home/a/.ssh/id "db"');
    expect(g.get('identitiesonly')).toBe('yes');
    expect(g.get('userknownhostsfile')).toContain('/home/a/.config/Hopline/known_hosts');
    expect(g.get('proxycommand')).toBe(`/usr/bin/node '/opt/hop line/cli.cjs' proxy --data-dir /home/a/.config/Hopline --profile 'prod db' %h %p`);
  });

  it("writes the target's user certificates as CertificateFile, each once, as ssh -G reads them; none for a target without one", () => {
    const target = hop('db', 'db.internal', {
      auth: [
        { kind: 'publickey', keyFile: '/home/a/.ssh/id_ed25519', certificateFile: '/home/a/.ssh/id_ed25519-cert.pub' },
        { kind: 'agent' },
        { kind: 'publickey', keyFile: '/home/a/.ssh/id_rsa' },
      ],
      // From ssh_config's CertificateFile: one already on a key, one more (a path with a space and a %).
      certificateFiles: ['/home/a/.ssh/id_ed25519-cert.pub', '/home/a/certs/100% "ops"-cert.pub'],
    });
    const made = gatewayBlock(profile('prod db'), [hop('bastion', '10.0.0.1'), target], 'prod-db', options);
    if (!('block' in made)) throw new Error(made.skipped);
    expect(made.block.match(/^ {4}CertificateFile /gm)).toHaveLength(2);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'hl-sshg-')), 'config');
    writeFileSync(file, made.block);
    const run = spawnSync('ssh', ['-G', '-F', file, 'prod-db'], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const certificates = run.stdout.split('\n').filter((l) => l.startsWith('certificatefile ')).map((l) => l.slice('certificatefile '.length));
    // ssh -G shows the value before its % tokens are expanded (CertificateFile takes them): %% is the one %.
    expect(certificates).toEqual(['/home/a/.ssh/id_ed25519-cert.pub', '/home/a/certs/100%% "ops"-cert.pub']);

    // Jump hops' certificates are hopline proxy's business, not ssh's: only the target's are written.
    const plain = gatewayBlock(profile('plain'), [hop('bastion', '10.0.0.1', { certificateFiles: ['/home/a/jump-cert.pub'] }), hop('t', '10.0.0.2')], 'plain', options);
    expect('block' in plain && plain.block).not.toContain('CertificateFile');
  });

  it('quotes a profile name with quotes and % so that the shell gets it back exactly', () => {
    const name = `it's 100% "prod"`;
    const made = gatewayBlock(profile(name), [hop('b', '10.0.0.1'), hop('t', '10.0.0.2')], 'its-100-prod', options);
    if (!('block' in made)) throw new Error(made.skipped);
    const command = sshG(made.block, 'its-100-prod').get('proxycommand')!;
    // ssh -G shows the command before % expansion: expand %% as ssh will, then let sh split it.
    const expanded = command.replace(/%%/g, '%').replace('%h', 'HOST').replace('%p', 'PORT');
    const words = spawnSync('sh', ['-c', `printf '%s\\n' ${expanded.slice(expanded.indexOf(' proxy '))}`], { encoding: 'utf8' }).stdout.split('\n');
    expect(words.slice(0, 7)).toEqual(['proxy', '--data-dir', '/home/a/.config/Hopline', '--profile', name, 'HOST', 'PORT']);
  });

  it('writes no ProxyCommand for a one-hop profile, and skips names that cannot be written', () => {
    const one = gatewayBlock(profile('solo'), [hop('only', '10.0.0.9')], 'solo', options);
    expect('block' in one && one.block).toContain('# one hop: ssh connects directly');
    expect('block' in one && one.block).not.toContain('ProxyCommand');
    expect(gatewayBlock(profile('bad\nname'), [hop('b', '10.0.0.1'), hop('t', '10.0.0.2')], 'bad', options)).toEqual({ skipped: 'its profile name cannot be written into an ssh config' });
  });

  it('names the same alias for a profile in every listing: its name, numbered where names collide', () => {
    const aliases = profileAliases([
      { id: 'a', name: 'prod db' },
      { id: 'b', name: 'prod/db' },
      { id: 'c', name: '***' },
      { id: 'd', name: 'staging' },
    ]);
    expect([...aliases.entries()]).toEqual([
      ['a', 'prod-db'],
      ['b', 'prod-db-2'],
      ['c', 'hopline-profile'],
      ['d', 'staging'],
    ]);
  });

  it('prints a header line, then the blocks a blank line apart, and nothing for none', () => {
    expect(sshConfigText(['Host a', 'Host b'])).toBe("# Written by hopline ssh-config: each Host reaches its profile's target through the profile's jump hops.\n\nHost a\n\nHost b\n");
    expect(sshConfigText([])).toBe('');
  });
});

describe('the hopline command ssh runs', () => {
  it('the CLI names itself as node plus its absolute script (through a symlink too), or the binary alone', () => {
    expect(cliSelfCommand('dist/main/cli.cjs', '/usr/bin/node')).toEqual(['/usr/bin/node', path.resolve('dist/main/cli.cjs')]);
    expect(cliSelfCommand('', '/opt/Hopline/hopline')).toEqual(['/opt/Hopline/hopline']);
    // An npm bin symlink has no .cjs in its name: the script it points at is named.
    const dir = mkdtempSync(path.join(tmpdir(), 'hl-bin-'));
    writeFileSync(path.join(dir, 'cli.cjs'), '');
    symlinkSync(path.join(dir, 'cli.cjs'), path.join(dir, 'hopline'));
    expect(cliSelfCommand(path.join(dir, 'hopline'), '/usr/bin/node')).toEqual(['/usr/bin/node', path.join(dir, 'cli.cjs')]);
  });

  it('the app names the cli.cjs beside its bundle, run by its node; under Electron by the node on PATH', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hl-dist-'));
    writeFileSync(path.join(dir, 'cli.cjs'), '');
    const entryFile = path.join(dir, 'web.cjs');
    expect(appCliCommand({ entryFile, execPath: '/usr/bin/node', electron: false })).toEqual(['/usr/bin/node', path.join(dir, 'cli.cjs')]);
    expect(appCliCommand({ entryFile, execPath: '/opt/Hopline/hopline', electron: true, which: (n) => (n === 'node' ? '/usr/local/bin/node' : null) })).toEqual(['/usr/local/bin/node', path.join(dir, 'cli.cjs')]);
    // Inside a packaged app's asar no node can run the script: the hopline on PATH, else the bare word.
    const packaged = { entryFile: '/opt/Hopline/resources/app.asar/dist/main/electron.cjs', execPath: '/opt/Hopline/hopline', electron: true, exists: () => true };
    expect(appCliCommand({ ...packaged, which: (n) => (n === 'hopline' ? '/usr/bin/hopline' : '/usr/bin/node') })).toEqual(['/usr/bin/hopline']);
    expect(appCliCommand({ ...packaged, which: () => null })).toEqual(['hopline']);
  });

  it('finds an executable on PATH, skipping relative and non-executable entries', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hl-path-'));
    mkdirSync(path.join(dir, 'a'));
    mkdirSync(path.join(dir, 'b'));
    writeFileSync(path.join(dir, 'a', 'tool'), '');
    writeFileSync(path.join(dir, 'b', 'tool'), '#!/bin/sh\n');
    chmodSync(path.join(dir, 'b', 'tool'), 0o755);
    expect(onPath('tool', ['relative', path.join(dir, 'a'), path.join(dir, 'b')].join(path.delimiter))).toBe(path.join(dir, 'b', 'tool'));
    expect(onPath('tool', 'relative')).toBeNull();
  });
});

describe('the peer the proxy reports', () => {
  it('turns a /proc cmdline into one line, control characters made spaces, cut short', () => {
    expect(commandLineOf(Buffer.from('ssh\0-F\0/tmp/x config\0prod-db\0sleep 3\0'))).toBe('ssh -F /tmp/x config prod-db sleep 3');
    expect(commandLineOf('ssh\0a\x1b[31mb\0')).toBe('ssh a [31mb');
    expect(commandLineOf(`ssh\0${'x'.repeat(900)}`)).toHaveLength(500);
  });

  it("reads this test's parent from /proc on Linux, and nothing elsewhere", () => {
    const peer = parentPeer();
    if (process.platform === 'linux') expect(peer).toMatchObject({ pid: process.ppid, command: expect.any(String) });
    expect(parentPeer(process.ppid, 'darwin')).toBeUndefined();
    expect(parentPeer(1, 'linux')).toBeUndefined();
  });
});
