/**
 * Ports as OpenSSH's a2port reads them (digits, else getservbyname(name, "tcp")), and the
 * ssh_config reader using them for `Port` and jump entries, with `ssh -G` as the oracle.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { a2port, parseServices, SERVICES_FILE, tcpServicePort } from '../../../../../app/main/services/engine/servicePorts';
import { circuitForAlias, importSshConfig, parseSshConfig, resolveHost, type SshConfigOptions } from '../../../../../app/main/services/engine/sshConfig';
import { requirement } from '../../../../setup/requirements';

const dir = mkdtempSync(join(tmpdir(), 'hopline-service-ports-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const LOCAL: SshConfigOptions = { homeDir: userInfo().homedir, localUser: userInfo().username };

const SERVICES = [
  '# Network services, Internet style',
  'tcpmux\t\t1/tcp\t\t\t\t# TCP port service multiplexer',
  'ssh\t\t22/tcp\t\t\t\t# SSH Remote Login Protocol',
  'http\t\t80/tcp\t\twww\t\t# WorldWideWeb HTTP',
  'syslog\t\t514/udp',
  'shell\t\t514/tcp\t\tcmd\t\t# no passwords used',
  'altssh\t\t2222/tcp\tssh',
  'broken\t\tnot-a-port/tcp',
  'huge\t\t70000/tcp',
  '',
].join('\n');

describe('parseServices', () => {
  it('maps TCP names and aliases to ports, the first line for a name winning, UDP-only names left out', () => {
    const ports = parseServices(SERVICES);
    expect(Object.fromEntries(ports)).toEqual({ tcpmux: 1, ssh: 22, http: 80, www: 80, shell: 514, cmd: 514, altssh: 2222 });
  });
});

describe('tcpServicePort', () => {
  it('looks names up in the given file, case-sensitively, and finds nothing without one', () => {
    const file = join(dir, 'services');
    writeFileSync(file, SERVICES);
    expect(tcpServicePort('www', file)).toBe(80);
    expect(tcpServicePort('WWW', file)).toBeNull();
    expect(tcpServicePort('syslog', file)).toBeNull();
    expect(tcpServicePort('ssh', join(dir, 'no-such-file'))).toBeNull();
  });

  it('agrees with getent (glibc getservbyname) on this machine', () => {
    const getent = (name: string): number | null => {
      const run = spawnSync('getent', ['services', `${name}/tcp`], { encoding: 'utf8' });
      return run.status === 0 ? Number(/\s(\d+)\/tcp/.exec(run.stdout)?.[1]) : null;
    };
    for (const name of ['ssh', 'http', 'www', 'https', 'no-such-service-here']) expect(tcpServicePort(name), name).toBe(getent(name));
  });
});

describe('a2port', () => {
  it('takes digits for 1-65535 (leading zeros too, as strtonum), else a TCP service name', () => {
    expect(a2port('22')).toBe(22);
    expect(a2port('0022')).toBe(22);
    expect(a2port('65535')).toBe(65535);
    expect(a2port('ssh')).toBe(tcpServicePort('ssh'));
    expect(a2port('ssh')).toBe(22);
  });

  it('refuses 0, out-of-range numbers, unknown names, signs and the empty string', () => {
    for (const text of ['0', '65536', '70000', '-1', '+22', '', '22a', 'no-such-service-here']) expect(a2port(text), text).toBeNull();
  });
});

describe('ssh_config ports through a2port', () => {
  const config = [
    'Host named',
    '  HostName named.example',
    '  Port ssh',
    'Host alias',
    '  HostName alias.example',
    '  Port www',
    'Host jumps',
    '  HostName target.example',
    '  ProxyJump ops@j1.example:ssh,[2001:db8::1]:www',
    'Host bad',
    '  HostName bad.example',
    '  Port no-such-service-here',
    '',
  ].join('\n');
  const file = join(dir, 'ports.conf');
  writeFileSync(file, config);

  it('reads `Port ssh` as 22 and service names in ProxyJump entries', () => {
    const parsed = parseSshConfig({ file }, LOCAL);
    expect(resolveHost(parsed, 'named', LOCAL).port).toBe(22);
    expect(resolveHost(parsed, 'alias', LOCAL).port).toBe(80);
    const circuit = circuitForAlias(parsed, 'jumps', LOCAL);
    expect(circuit.ok).toBe(true);
    expect(circuit.hops.map((h) => `${h.user}@${h.host}:${h.port}`)).toEqual(['ops@j1.example:22', `${LOCAL.localUser}@2001:db8::1:80`, `${LOCAL.localUser}@target.example:22`]);
  });

  it('makes an unknown service name a bad port for the hosts it applies to', () => {
    const result = importSshConfig({ file }, LOCAL);
    expect(result.hosts.find((h) => h.alias === 'bad')?.ok).toBe(false);
    expect(result.notes.filter((n) => n.severity === 'error').map((n) => n.message)).toContain('Port: "no-such-service-here" is not a port number (1-65535)');
    expect(result.hosts.filter((h) => h.ok).map((h) => h.alias)).toEqual(['named', 'alias', 'jumps']);
  });

  const SSH = '/usr/bin/ssh';
  const haveSsh = requirement('OpenSSH client for `ssh -G`', existsSync(SSH) && existsSync(SERVICES_FILE) ? null : `${SSH} or ${SERVICES_FILE} is missing`);
  it.runIf(haveSsh)('agrees with ssh -G: the same ports, and the same refusal', () => {
    const goodFile = join(dir, 'good.conf');
    writeFileSync(goodFile, config.slice(0, config.indexOf('Host bad')));
    const sshG = (alias: string, key: string): string | undefined =>
      execFileSync(SSH, ['-G', '-F', goodFile, alias], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n').find((l) => l.startsWith(`${key} `))?.slice(key.length + 1);
    const parsed = parseSshConfig({ file }, LOCAL);
    for (const alias of ['named', 'alias']) expect(sshG(alias, 'port'), alias).toBe(String(resolveHost(parsed, alias, LOCAL).port));
    // ssh -G prints the last jump entry as it parsed it (a2port: www is 80) and the ones before
    // it as written (they go to the first jump's own ssh, which parses them in turn).
    expect(sshG('jumps', 'proxyjump')).toBe('ops@j1.example:ssh,[2001:db8::1]:80');
    // OpenSSH refuses the whole file for one bad Port, so the good hosts are asked without it.
    const badFile = join(dir, 'bad.conf');
    writeFileSync(badFile, 'Host bad\n  Port no-such-service-here\n');
    const bad = spawnSync(SSH, ['-G', '-F', badFile, 'bad'], { encoding: 'utf8' });
    expect(bad.status).toBe(255);
    expect(bad.stderr).toContain("Bad port 'no-such-service-here'");
  });
});
