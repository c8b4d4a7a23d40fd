/**
 * `hopline ssh-config`'s Host blocks: quoting for ssh_config and the shell (ssh runs ProxyCommand
 * with sh -c after expanding % tokens), and how the CLI names itself. Real ssh reads them in
 * test/integration/gateway.test.ts; here every awkward name is checked against `ssh -G`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gatewayBlock, hoplineCommand } from '../../../../app/main/cli/sshConfigGatewayCommand';
import type { HopSpec } from '../../../../app/main/services/engine/hopSpec';
import { TERMINAL_DEFAULTS, type ProfileSummary } from '../../../../app/shared/model/profile';

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

  it('names itself as node plus the absolute script, or the binary alone', () => {
    expect(hoplineCommand('dist/main/cli.cjs', '/usr/bin/node')).toEqual(['/usr/bin/node', path.resolve('dist/main/cli.cjs')]);
    expect(hoplineCommand('', '/opt/Hopline/hopline')).toEqual(['/opt/Hopline/hopline']);
  });
});
