/**
 * LocalForward, RemoteForward and DynamicForward through the ssh_config importer and exporters:
 * onto the imported host (and its profile), back out as config lines and -L/-R/-D arguments,
 * with `ssh -G -F` reading the exported lines back as we wrote them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { HopSpec } from '../../../../../app/main/services/engine/hopSpec';
import { exportSshConfig, exportSshJ, importSshConfig, SshConfigExportError, type SshConfigOptions } from '../../../../../app/main/services/engine/sshConfig';
import { DocumentStore } from '../../../../../app/main/services/profiles/documentStore';
import { HostsService, type HostSecretKinds } from '../../../../../app/main/services/profiles/hostsService';
import { ProfilesService } from '../../../../../app/main/services/profiles/profilesService';
import { Emitter } from '../../../../../app/shared/model/event';
import type { ForwardSpec } from '../../../../../app/shared/model/forward';
import { requirement } from '../../../../setup/requirements';

const OPTS: SshConfigOptions = { homeDir: '/home/ana', localUser: 'ana' };
const dir = mkdtempSync(path.join(tmpdir(), 'hopline-ssh-forwards-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CONFIG = [
  'Host bastion',
  '    HostName bastion.example.net',
  '    LocalForward 9999 never:1',
  'Host db',
  '    HostName db.internal',
  '    ProxyJump bastion',
  '    LocalForward 15432 localhost:5432',
  '    LocalForward [::1]:18080 [fe80::1]:80',
  '    RemoteForward 9000 127.0.0.1:3000',
  '    DynamicForward 1080',
  '    LocalForward 15432 localhost:5432',
  '    LocalForward /tmp/pg.sock /run/postgresql/.s.PGSQL.5432',
  '    RemoteForward 9001',
  'Host web',
  '    HostName web.example.net',
  '    LocalForward *:8443 localhost:443',
  'Host plain',
  '    HostName plain.example.net',
  'Host gw',
  '    HostName gw.example.net',
  '    GatewayPorts yes',
  '    DynamicForward 1081',
  'Host cleared',
  '    HostName cleared.example.net',
  '    ClearAllForwardings yes',
  '    LocalForward 1 a:2',
  'Host broken',
  '    HostName broken.example.net',
  '    LocalForward 70000 a:2',
  'Host *',
  '    DynamicForward localhost:1090',
].join('\n');

const L = (extra: Partial<ForwardSpec>): ForwardSpec => ({ kind: 'local', bindPort: 0, autoStart: true, ...extra });

describe('import', () => {
  const result = importSshConfig({ text: CONFIG, file: 'cfg' }, OPTS);
  const host = (alias: string) => result.hosts.find((h) => h.alias === alias)!;

  it('puts every forward that applies on the host, in order, duplicates dropped, each to start with the circuit', () => {
    expect(host('db').ok).toBe(true);
    expect(host('db').settings.forwards).toEqual([
      L({ bindPort: 15432, host: 'localhost', hostPort: 5432 }),
      L({ bindAddress: '::1', bindPort: 18080, host: 'fe80::1', hostPort: 80 }),
      { kind: 'remote', bindPort: 9000, host: '127.0.0.1', hostPort: 3000, autoStart: true },
      { kind: 'dynamic', bindPort: 1080, autoStart: true },
      // From `Host *`, as ssh adds it too.
      { kind: 'dynamic', bindAddress: 'localhost', bindPort: 1090, autoStart: true },
    ]);
    expect(host('plain').settings.forwards).toEqual([{ kind: 'dynamic', bindAddress: 'localhost', bindPort: 1090, autoStart: true }]);
  });

  it('reports what it skips: Unix sockets and the remote SOCKS form', () => {
    const messages = host('db').notes.map((n) => `${n.severity} ${n.line} ${n.message}`);
    expect(messages).toContainEqual(expect.stringMatching(/^ignored 12 db: LocalForward not imported: .*Unix socket/));
    expect(messages).toContainEqual(expect.stringMatching(/^ignored 13 db: RemoteForward not imported: .*SOCKS proxy on the server/));
  });

  it('warns about listening beyond this machine, and about GatewayPorts it does not copy', () => {
    expect(host('web').notes.map((n) => n.message)).toContainEqual('web: LocalForward *:8443 localhost:443: listens on every interface, not only this machine: others on the network can use it');
    expect(host('web').settings.forwards).toEqual([L({ bindAddress: '*', bindPort: 8443, host: 'localhost', hostPort: 443 }), expect.objectContaining({ kind: 'dynamic' })]);
    expect(host('gw').notes.map((n) => n.message)).toContainEqual(expect.stringMatching(/^gw: DynamicForward 1081: GatewayPorts yes would make ssh listen on every interface; Hopline keeps it on 127.0.0.1/));
    expect(host('gw').settings.forwards?.[0]).toEqual({ kind: 'dynamic', bindPort: 1081, autoStart: true });
  });

  it('imports nothing under ClearAllForwardings yes, and refuses a bad forward line as ssh would', () => {
    expect(host('cleared').settings.forwards).toBeUndefined();
    expect(host('cleared').notes.map((n) => n.message)).toContainEqual(expect.stringMatching(/ClearAllForwardings yes: the 2 forward line\(s\) for this host are not imported/));
    expect(host('broken').ok).toBe(false);
    expect(result.notes.filter((n) => n.severity === 'error').map((n) => n.message)).toContainEqual(expect.stringMatching(/LocalForward: Bad listening port "70000"/));
  });
});

describe('import into the library', () => {
  const noSecrets: HostSecretKinds = { listKinds: async () => [], forget: async () => undefined, onDidChangeKinds: new Emitter<{ hostId: string; kinds: [] }>().event };
  let n = 0;
  let hosts: HostsService;
  let profiles: ProfilesService;
  beforeEach(async () => {
    const store = await DocumentStore.open(path.join(dir, `lib${++n}`));
    hosts = new HostsService(store, noSecrets, OPTS);
    profiles = new ProfilesService(store);
    return () => {
      hosts.dispose();
      profiles.dispose();
    };
  });
  const text = ['Host db', '  HostName db.internal', '  ProxyJump bastion', '  LocalForward 15432 localhost:5432', 'Host bastion', '  HostName bastion.example.net', 'Host solo', '  HostName solo.example.net', '  DynamicForward 1080', 'Host bare', '  HostName bare.example.net'].join('\n');

  it('saves forwards on the profile; a single-hop alias with forwards gets a one-hop profile, one without none', async () => {
    const report = await hosts.importSshConfig({ text });
    expect(report.profiles.map((p) => [p.alias, p.outcome])).toEqual([['db', 'new'], ['solo', 'new']]);
    const saved = await profiles.list();
    const db = saved.find((p) => p.name === 'db')!;
    const solo = saved.find((p) => p.name === 'solo')!;
    expect(db.hostIds).toHaveLength(2);
    expect(db.forwards).toEqual([{ id: expect.any(String), kind: 'local', bindPort: 15432, host: 'localhost', hostPort: 5432, autoStart: true }]);
    expect(solo.hostIds).toHaveLength(1);
    expect(solo.forwards).toEqual([{ id: expect.any(String), kind: 'dynamic', bindPort: 1080, autoStart: true }]);
    expect(saved.some((p) => p.name === 'bare' || p.name === 'bastion')).toBe(false);
  });

  it('a second import changes nothing; a new forward line is added, keeping saved ids and choices', async () => {
    await hosts.importSshConfig({ text });
    const first = (await profiles.list()).find((p) => p.name === 'db')!;
    // The user turns "start with the circuit" off in the app.
    await profiles.save({ ...first, forwards: [{ ...first.forwards![0]!, autoStart: false }] });
    const again = await hosts.importSshConfig({ text });
    expect(again.counts?.profiles).toEqual({ new: 0, unchanged: 2, updated: 0 });
    const more = await hosts.importSshConfig({ text: text.replace('  LocalForward 15432 localhost:5432', '  LocalForward 15432 localhost:5432\n  RemoteForward 9000 localhost:3000') });
    expect(more.counts?.profiles).toEqual({ new: 0, unchanged: 1, updated: 1 });
    const db = (await profiles.list()).find((p) => p.name === 'db')!;
    expect(db.forwards).toEqual([
      { ...first.forwards![0]!, autoStart: false },
      { id: expect.any(String), kind: 'remote', bindPort: 9000, host: 'localhost', hostPort: 3000, autoStart: true },
    ]);
  });
});

describe('export', () => {
  const hops: HopSpec[] = [
    { name: 'bastion', host: 'bastion.example.net', port: 22, user: 'ana', auth: [{ kind: 'agent' }] },
    { name: 'db', host: 'db.internal', port: 2222, user: 'pg', auth: [{ kind: 'agent' }] },
  ];
  const forwards: ForwardSpec[] = [
    { id: 'a', kind: 'local', bindPort: 15432, host: 'localhost', hostPort: 5432, autoStart: true },
    { id: 'b', kind: 'local', bindAddress: '::1', bindPort: 18080, host: 'fe80::1', hostPort: 80 },
    { id: 'c', kind: 'remote', bindAddress: '*', bindPort: 9000, host: '127.0.0.1', hostPort: 3000 },
    { id: 'd', kind: 'dynamic', bindAddress: 'localhost', bindPort: 1080 },
    { id: 'e', kind: 'remote', bindPort: 0, host: 'localhost', hostPort: 8000 },
  ];
  const config = exportSshConfig(hops, 'db', forwards);

  it('writes the forwards into the target block only', () => {
    const [bastionBlock, dbBlock] = config.split('\n\n').slice(1);
    expect(bastionBlock).not.toMatch(/Forward /);
    expect(dbBlock!.trimEnd().split('\n').slice(-5)).toEqual([
      '    LocalForward 15432 localhost:5432',
      '    LocalForward [::1]:18080 [fe80::1]:80',
      '    RemoteForward *:9000 127.0.0.1:3000',
      '    DynamicForward localhost:1080',
      '    RemoteForward 0 localhost:8000',
    ]);
    expect(exportSshConfig(hops, 'db')).not.toMatch(/Forward /);
  });

  it('reads back as it was written (round trip through the importer)', () => {
    const back = importSshConfig({ text: config, file: 'exported' }, OPTS).hosts.find((h) => h.alias === 'db')!;
    expect(back.ok).toBe(true);
    expect(back.settings.forwards).toEqual(forwards.map(({ id: _id, ...f }) => ({ ...f, autoStart: true })));
  });

  it('adds -L/-R/-D to the ssh -J line', () => {
    expect(exportSshJ(hops, forwards.slice(0, 4))).toEqual([
      'ssh', '-J', 'ana@bastion.example.net:22',
      '-L', '15432:localhost:5432', '-L', '[::1]:18080:[fe80::1]:80', '-R', '*:9000:127.0.0.1:3000', '-D', 'localhost:1080',
      '-p', '2222', 'pg@db.internal',
    ]);
  });

  it.each<[string, ForwardSpec, RegExp]>([
    ['a host with a space', { kind: 'local', bindPort: 1, host: 'a b', hostPort: 2 }, /destination host "a b" cannot be written/],
    ['a comment sign', { kind: 'local', bindPort: 1, host: '#x', hostPort: 2 }, /cannot be written/],
    ['an option-like host', { kind: 'local', bindPort: 1, host: '-oX', hostPort: 2 }, /cannot be written/],
    ['a bracket', { kind: 'dynamic', bindAddress: '[::1]', bindPort: 1 }, /bind address/],
    ['any free port for -L, which ssh refuses', { kind: 'local', bindPort: 0, host: 'h', hostPort: 2 }, /any free port \(0\).*LocalForward/],
    ['no destination', { kind: 'remote', bindPort: 1 }, /needs a destination/],
  ])('refuses %s', (_what, spec, message) => {
    expect(() => exportSshConfig(hops, 'db', [spec])).toThrow(SshConfigExportError);
    expect(() => exportSshConfig(hops, 'db', [spec])).toThrow(message);
    expect(() => exportSshJ(hops, [spec])).toThrow(message);
  });
});

const SSH = '/usr/bin/ssh';
const haveSsh = requirement('OpenSSH client for `ssh -G`', existsSync(SSH) ? null : `${SSH} is missing (apt-get install openssh-client)`);

describe.runIf(haveSsh)('agreement with OpenSSH (ssh -G -F exported)', () => {
  it('reads the exported forward lines back as we wrote them', () => {
    const hops: HopSpec[] = [{ name: 'db', host: 'db.internal', port: 22, user: 'pg', auth: [{ kind: 'agent' }] }];
    const forwards: ForwardSpec[] = [
      { kind: 'local', bindPort: 15432, host: 'localhost', hostPort: 5432 },
      { kind: 'local', bindAddress: '::1', bindPort: 18080, host: 'fe80::1', hostPort: 80 },
      { kind: 'local', bindAddress: '*', bindPort: 8443, host: 'web', hostPort: 443 },
      { kind: 'remote', bindAddress: '0.0.0.0', bindPort: 9000, host: '127.0.0.1', hostPort: 3000 },
      { kind: 'remote', bindPort: 9001, host: 'localhost', hostPort: 3001 },
      { kind: 'dynamic', bindPort: 1080 },
      { kind: 'dynamic', bindAddress: 'localhost', bindPort: 1081 },
    ];
    const file = path.join(dir, 'exported.conf');
    writeFileSync(file, exportSshConfig(hops, 'db', forwards));
    const out = execFileSync(SSH, ['-G', '-F', file, 'db'], { encoding: 'utf8' });
    const lines = out.split('\n').filter((l) => /^(local|remote|dynamic)forward /.test(l)).sort();
    // ssh -G brackets every address it prints; ours brackets only IPv6. Same values either way.
    const field = (host: string | undefined, port: number | undefined): string => (host === undefined ? String(port) : `[${host}]:${port}`);
    const expected = forwards
      .map((f) => (f.kind === 'dynamic' ? `dynamicforward ${field(f.bindAddress, f.bindPort)}` : `${f.kind}forward ${field(f.bindAddress, f.bindPort)} ${field(f.host, f.hostPort)}`))
      .sort();
    expect(lines).toEqual(expected);
  });
});
