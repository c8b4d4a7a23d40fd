import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuthStep, HopSpec } from '../../../../../app/main/services/engine/hopSpec';
import {
  circuitForAlias,
  exportSshConfig,
  exportSshJ,
  importSshConfig,
  parseSshConfig,
  resolveHost,
  SshConfigExportError,
  type ImportNote,
  type ParsedSshConfig,
  type ResolvedHost,
  type SshConfigOptions,
} from '../../../../../app/main/services/engine/sshConfig';
import { requirement } from '../../../../setup/requirements';

const FIXTURES = fileURLToPath(new URL('../../../../fixtures/ssh_config/', import.meta.url));
const HOME = join(FIXTURES, 'home');
const OPTS: SshConfigOptions = { homeDir: '/home/ana', localUser: 'ana' };
const HOME_OPTS: SshConfigOptions = { homeDir: HOME, localUser: 'ana' };

const INTERACTIVE: AuthStep[] = [{ kind: 'keyboard-interactive' }, { kind: 'password' }];
const AGENT_FIRST: AuthStep[] = [{ kind: 'agent' }, ...INTERACTIVE];
const keys = (...files: string[]): AuthStep[] => [...files.map((keyFile): AuthStep => ({ kind: 'publickey', keyFile })), ...INTERACTIVE];

const dir = mkdtempSync(join(tmpdir(), 'hopline-ssh-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeTmp(name: string, text: string): string {
  const file = join(dir, name);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/** f0 includes f1 ... includes f`depth`, which sets Port 2016; returns f0. */
function includeChain(depth: number): string {
  for (let i = 0; i < depth; i++) writeTmp(`deep${depth}/f${i}`, `Include ${join(dir, `deep${depth}/f${i + 1}`)}\n`);
  writeTmp(`deep${depth}/f${depth}`, 'Port 2016\n');
  return join(dir, `deep${depth}/f0`);
}

const fixture = (name: string, opts: SshConfigOptions = OPTS): ParsedSshConfig => parseSshConfig({ file: join(FIXTURES, name) }, opts);
const parseText = (text: string, opts: SshConfigOptions = OPTS): ParsedSshConfig => parseSshConfig({ text, file: 'test.conf' }, opts);
/** A hop as the circuit names it: name, user@host:port. */
const route = (hops: HopSpec[]): string[] => hops.map((h) => `${h.name}=${h.user}@${h.host}:${h.port}`);
const messages = (notes: ImportNote[], severity: ImportNote['severity']): string[] => notes.filter((n) => n.severity === severity).map((n) => n.message);

describe('lexing', () => {
  it('reads keywords in any case, `=` forms, quotes, escapes, trailing comments and CRLF', () => {
    const config = parseText([
      '# comment line',
      '  HOST=quoted',
      '    USER = "ana maria"',
      '    port=2022   # a trailing comment',
      '    IdentityFile "/keys/with \\"quote\\""',
      "    identityfile '/keys/single quoted'",
      '\tHostName\tq.example\r',
      '',
    ].join('\n'));
    expect(config.notes).toEqual([]);
    const r = resolveHost(config, 'quoted', OPTS);
    expect(r).toMatchObject({ hostName: 'q.example', user: 'ana maria', port: 2022, identityFiles: ['/keys/with "quote"', '/keys/single quoted'] });
  });

  it('reports unparseable lines and bad values, and makes the hosts they apply to errors', () => {
    const result = importSshConfig({ file: join(FIXTURES, 'unsupported.conf') }, OPTS);
    const errors = result.notes.filter((n) => n.severity === 'error' && n.host === undefined);
    expect(errors.map((n) => [n.line, n.message])).toEqual([
      [15, 'Port: "70000" is not a port number (1-65535)'],
      [16, 'cannot parse line: unterminated quote'],
      [18, 'ServerAliveInterval: missing argument'],
    ]);
    const other = result.hosts.find((h) => h.alias === 'other');
    expect(other?.ok).toBe(false);
    expect(other?.hops).toEqual([]);
    expect(messages(other?.notes ?? [], 'error')).toEqual(['other: Port: "70000" is not a port number (1-65535)', 'other: ServerAliveInterval: missing argument']);
  });
});

describe('Host blocks', () => {
  const config = fixture('home/.ssh/config', HOME_OPTS);

  it('takes the first value obtained for each parameter and accumulates IdentityFile', () => {
    const r = resolveHost(config, 'work-web', HOME_OPTS);
    // conf.d/10-work.conf comes before `Host *`: its User and Port win, both IdentityFiles count.
    expect(r).toMatchObject({ hostName: 'web.work.example', user: 'deploy', port: 22 });
    expect(r.identityFiles).toEqual([join(HOME, '.ssh/work_deploy'), join(HOME, '.ssh/id_ed25519')]);
    expect(resolveHost(config, 'laptop', HOME_OPTS)).toMatchObject({ hostName: '192.168.1.20', user: 'me', port: 2222 });
  });

  it('honours negated patterns, and matches aliases case-sensitively as ssh does', () => {
    expect(resolveHost(config, 'laptop', HOME_OPTS).forwardAgent).toBe(true);
    expect(resolveHost(config, 'untrusted', HOME_OPTS).forwardAgent).toBeUndefined();
    expect(resolveHost(config, 'LAPTOP', HOME_OPTS).hostName).toBe('laptop');

    const patterns = parseText('Host *.example.com !secret.example.com\n  User wild\nHost !only-negated\n  Port 1\n');
    expect(resolveHost(patterns, 'www.example.com', OPTS)).toMatchObject({ user: 'wild', port: 22 });
    expect(resolveHost(patterns, 'secret.example.com', OPTS)).toMatchObject({ user: 'ana', port: 22 });
    expect(resolveHost(patterns, 'anything', OPTS).port).toBe(22);
  });

  it('lists concrete aliases only, and an empty Host line is an error, not part of the block above', () => {
    expect(config.hosts.map((h) => h.alias)).toEqual(['work-web', 'lab-box', 'lab-old', 'laptop', 'untrusted']);
    const empty = parseText('Host a\n  Port 1\nHost\n  Port 2\n');
    expect(messages(empty.notes, 'error')).toEqual(['Host line without patterns: the block under it is never applied']);
    expect(resolveHost(empty, 'a', OPTS).port).toBe(1);
  });
});

describe('Include', () => {
  const config = fixture('home/.ssh/config', HOME_OPTS);

  it('resolves relative paths against ~/.ssh and reads glob matches in sorted order, without dot-files', () => {
    expect(config.files.map((f) => f.slice(FIXTURES.length))).toEqual([
      'home/.ssh/config',
      'home/.ssh/conf.d/10-work.conf',
      'home/.ssh/conf.d/20-lab.conf',
      'home/.ssh/lab/extra.conf',
    ]);
    expect(config.notes.filter((n) => n.severity === 'info')).toEqual([
      { severity: 'info', file: join(HOME, '.ssh/config'), line: 5, directive: 'Include', message: `${join(HOME, '.ssh/missing-*.conf')} matched no file (OpenSSH skips it silently)` },
    ]);
  });

  it('applies an Include inside a Host block only within that block, as OpenSSH does', () => {
    const box = resolveHost(config, 'lab-box', HOME_OPTS);
    expect(box).toMatchObject({ hostName: 'lab-box.lab.example', user: 'labuser', port: 2222 });
    expect(box.identityFiles).toEqual([join(HOME, '.ssh/lab_ana_lab-box.lab.example'), join(HOME, '.ssh/id_ed25519')]);
    // The included file's own `Host lab-old` needs both lab-* and lab-old to match.
    expect(resolveHost(config, 'lab-old', HOME_OPTS)).toMatchObject({ hostName: 'lab-old.lab.example', user: 'labuser', port: 2200 });
    expect(resolveHost(config, 'laptop', HOME_OPTS).identityFiles).toEqual([join(HOME, '.ssh/id_ed25519')]);
  });

  it('reports an Include cycle and nesting deeper than 16', () => {
    const a = writeTmp('cycle/a.conf', `Include ${join(dir, 'cycle/b.conf')}\nHost x\n  Port 1\n`);
    writeTmp('cycle/b.conf', `Include ${a}\n`);
    const cycle = parseSshConfig({ file: a }, OPTS);
    expect(messages(cycle.notes, 'error')).toEqual([expect.stringMatching(/^Include cycle: .*a\.conf is already being read/)]);
    expect(resolveHost(cycle, 'x', OPTS).port).toBe(1);

    expect(resolveHost(parseSshConfig({ file: includeChain(16) }, OPTS), 'x', OPTS).port).toBe(2016);
    const tooDeep = parseSshConfig({ file: includeChain(17) }, OPTS);
    expect(messages(tooDeep.notes, 'error')).toEqual([expect.stringMatching(/^Include nested deeper than 16 files/)]);
  });
});

describe('reported, never silently dropped', () => {
  const result = importSshConfig({ file: join(FIXTURES, 'unsupported.conf') }, OPTS);
  const file = join(FIXTURES, 'unsupported.conf');

  it('reports the Match block and everything inside it, and applies none of it', () => {
    const match = result.notes.filter((n) => n.line >= 8 && n.line <= 11);
    expect(match).toEqual([
      { severity: 'ignored', file, line: 8, directive: 'Match', message: 'Match blocks are not evaluated: "host app user root" and everything up to the next Host or Match line is not applied' },
      { severity: 'ignored', file, line: 9, directive: 'User', message: 'not applied: inside the Match block at line 8' },
      { severity: 'ignored', file, line: 10, directive: 'Port', message: 'not applied: inside the Match block at line 8' },
      { severity: 'ignored', file, line: 11, directive: 'Include', message: 'not read: inside the Match block at line 8' },
    ]);
    const app = result.hosts.find((h) => h.alias === 'app');
    expect(app?.settings).toMatchObject({ user: 'ana', port: 22 });
  });

  it('reports every directive Hopline does not act on, in the file and on each host it applies to', () => {
    // LocalForward (line 3) is acted on now: imported as the host's forward, not reported.
    expect(result.notes.filter((n) => n.severity === 'ignored' && n.line < 8).map((n) => [n.line, n.directive])).toEqual([
      [4, 'ControlMaster'], [5, 'RemoteCommand'], [6, 'RequestTTY'],
    ]);
    expect(result.notes.find((n) => n.line === 17)).toMatchObject({ severity: 'ignored', directive: 'Frobnicate' });
    const app = result.hosts.find((h) => h.alias === 'app');
    expect(app?.ok).toBe(true);
    expect(app?.notes.map((n) => n.message)).toEqual([
      'app: Hopline does not act on ControlMaster',
      'app: Hopline does not act on RemoteCommand',
      'app: Hopline does not act on RequestTTY',
    ]);
    expect(app?.hops).toEqual([{ name: 'app', host: 'app.example.com', port: 22, user: 'ana', auth: AGENT_FIRST }]);
  });
});

describe('a file that is not ssh_config', () => {
  it('is reported line by line without quoting what it holds (it could be a password hash)', () => {
    const secretish = 'root:$y$j9T$saltsalt$hashhashhash:19000:0:99999:7:::';
    const result = importSshConfig({ text: `${secretish}\ndaemon:*:19000:0:99999:7:::\n`, file: 'shadow' }, OPTS);
    expect(result.hosts).toEqual([]);
    expect(result.notes.map((n) => [n.line, n.severity, n.message])).toEqual([
      [1, 'error', 'not ssh_config syntax (line not shown)'],
      [2, 'error', 'not ssh_config syntax (line not shown)'],
    ]);
    expect(JSON.stringify(result)).not.toContain('hashhash');
  });
});

describe('ProxyJump and ProxyCommand', () => {
  const config = fixture('proxy.conf');
  const circuit = (alias: string): ReturnType<typeof circuitForAlias> => circuitForAlias(config, alias, OPTS);

  it('turns `ProxyJump a,b` into three hops, each with its own settings', () => {
    const result = circuit('via-list');
    expect(result.ok).toBe(true);
    expect(route(result.hops)).toEqual(['jump1=alice@j1.example.net:2201', 'jump2=bob@j2.example.net:22', 'via-list=ana@target.example.net:22']);
  });

  it('lets user@ and :port in an entry beat the alias settings; accepts [v6]:port and ssh:// entries', () => {
    expect(route(circuit('via-explicit').hops)).toEqual([
      'jump1=carol@j1.example.net:2022',
      '2001:db8::7=dave@2001:db8::7:2200',
      'via-explicit=ana@target.example.net:22',
    ]);
    expect(route(circuit('via-uri').hops)).toEqual(['jump2=erin@j2.example.net:2023', 'via-uri=ana@via-uri:22']);
  });

  it('puts a ProxyCommand on hop 0, following the first entry recursively but not the later ones', () => {
    expect(circuit('through-command').hops).toEqual([
      { name: 'through-command', host: '192.0.2.10', port: 22, user: 'cmd', auth: AGENT_FIRST, proxy: { kind: 'command', command: '/usr/bin/nc -X 5 -x socks.example.net:1080 %h %p' } },
    ]);
    const first = circuit('command-first').hops;
    expect(route(first)).toEqual(['through-command=cmd@192.0.2.10:22', 'jump2=bob@j2.example.net:22', 'command-first=ana@command-first:22']);
    expect(first.map((h) => h.proxy?.kind)).toEqual(['command', undefined, undefined]);
    // The first entry's own ProxyJump is followed ...
    expect(route(circuit('chained-first').hops).map((h) => h.split('=')[0])).toEqual(['jump1', 'jump2', 'via-list', 'chained-first']);
    // ... a later entry's is not (OpenSSH overrides it with -J).
    expect(route(circuit('middle-not-followed').hops).map((h) => h.split('=')[0])).toEqual(['jump1', 'via-list', 'middle-not-followed']);
  });

  it('takes `none` as disabling, and `ProxyCommand none` read first disables a later ProxyJump too', () => {
    expect(resolveHost(config, 'no-jump', OPTS).proxy).toEqual({ kind: 'direct' });
    const noneFirst = circuit('command-none-first');
    expect(route(noneFirst.hops)).toEqual(['command-none-first=ana@command-none-first:22']);
    expect(messages(noneFirst.notes, 'info')).toEqual([expect.stringContaining('ProxyJump not used: "ProxyCommand none"')]);
    expect(circuit('jump-none-first').hops[0]?.proxy).toEqual({ kind: 'command', command: '/usr/bin/nc %h %p' });
  });

  it('makes ProxyJump together with ProxyCommand an error naming the host', () => {
    const both = circuit('both');
    expect(both).toMatchObject({ ok: false, hops: [] });
    expect(both.notes.filter((n) => n.severity === 'error')).toEqual([{
      severity: 'error', file: join(FIXTURES, 'proxy.conf'), line: 42, directive: 'ProxyJump', host: 'both',
      message: `both: both ProxyJump (${join(FIXTURES, 'proxy.conf')}:42) and ProxyCommand (${join(FIXTURES, 'proxy.conf')}:43) apply; OpenSSH would silently use the first, Hopline refuses to guess: remove one`,
    }]);
    expect(resolveHost(config, 'both', OPTS).proxy).toEqual({ kind: 'invalid' });
  });

  it('reports ProxyJump loops and circuits deeper than 16', () => {
    const loop = circuit('loop-a');
    expect(loop.ok).toBe(false);
    expect(messages(loop.notes, 'error')).toEqual(['loop-a: ProxyJump loop loop-a -> loop-b -> loop-a']);

    // The usual mistake: `Host *` jumps through the bastion, the bastion included.
    const forgot = parseText('Host bastion\n  HostName b.example\nHost *\n  ProxyJump bastion\n');
    expect(messages(circuitForAlias(forgot, 'app', OPTS).notes, 'error')).toEqual(['app: ProxyJump loop app -> bastion -> bastion']);
    const fixed = parseText('Host bastion\n  HostName b.example\n  ProxyJump none\nHost *\n  ProxyJump bastion\n');
    expect(route(circuitForAlias(fixed, 'app', OPTS).hops)).toEqual(['bastion=ana@b.example:22', 'app=ana@app:22']);

    const nested = Array.from({ length: 18 }, (_, i) => `Host h${i}\n  ProxyJump h${i + 1}\n`).join('') + 'Host h18\n  ProxyJump none\n';
    expect(messages(circuitForAlias(parseText(nested), 'h0', OPTS).notes, 'error')).toEqual([expect.stringMatching(/^h0: ProxyJump nested deeper than 16 \(h0 -> h1 -> .* -> h16\)$/)]);
    const list = `Host wide\n  ProxyJump ${Array.from({ length: 16 }, (_, i) => `j${i}`).join(',')}\n`;
    expect(messages(circuitForAlias(parseText(list), 'wide', OPTS).notes, 'error')).toEqual(['wide: the circuit has 17 hops, more than 16']);
    const sixteen = `Host wide\n  ProxyJump ${Array.from({ length: 15 }, (_, i) => `j${i}`).join(',')}\n`;
    expect(circuitForAlias(parseText(sixteen), 'wide', OPTS).hops).toHaveLength(16);
  });

  it('rejects a malformed ProxyJump for the hosts it applies to', () => {
    const bad = parseText('Host a\n  ProxyJump j1,,j2\nHost b\n  ProxyJump j:99999\n');
    expect(messages(bad.notes, 'error')).toEqual(['ProxyJump: "" is not a [user@]host[:port] jump entry', 'ProxyJump: "j:99999" has a bad port']);
    expect(circuitForAlias(bad, 'a', OPTS).ok).toBe(false);
    expect(circuitForAlias(bad, 'b', OPTS).ok).toBe(false);
  });
});

describe('hop settings', () => {
  it('builds auth steps, keepalive, timeout and agent forwarding from the resolved settings', () => {
    const config = parseText([
      'Host keys',
      '  IdentityFile ~/.ssh/id_%r@%h',
      '  IdentityFile %d/.ssh/second_%u',
      '  User deploy',
      '  HostName Keys.Example',
      '  ServerAliveInterval 1m',
      '  ConnectTimeout 7',
      '  ForwardAgent yes',
      'Host only',
      '  IdentitiesOnly yes',
      '  ServerAliveInterval 5',
      '  ServerAliveCountMax 9',
      'Host socket',
      '  ForwardAgent /run/agent.sock',
      '',
    ].join('\n'));
    expect(circuitForAlias(config, 'keys', OPTS).hops).toEqual([{
      name: 'keys', host: 'keys.example', port: 22, user: 'deploy',
      auth: keys('/home/ana/.ssh/id_deploy@keys.example', '/home/ana/.ssh/second_ana'),
      agentForward: true, keepaliveIntervalMs: 60_000, keepaliveCountMax: 3, connectTimeoutMs: 7000,
    }]);
    expect(circuitForAlias(config, 'only', OPTS).hops).toEqual([{ name: 'only', host: 'only', port: 22, user: 'ana', auth: INTERACTIVE, keepaliveIntervalMs: 5000, keepaliveCountMax: 9 }]);
    const socket = circuitForAlias(config, 'socket', OPTS);
    expect(socket.hops[0]?.agentForward).toBeUndefined();
    expect(messages(socket.notes, 'ignored')).toEqual(['socket: ForwardAgent /run/agent.sock: forwarding a chosen socket is not supported, agent forwarding stays off']);
  });

  it('resolves StrictHostKeyChecking and UserKnownHostsFile, and rejects unknown % tokens', () => {
    const config = parseText('Host h\n  StrictHostKeyChecking off\n  UserKnownHostsFile ~/.ssh/kh_%h /etc/kh\n  IdentityFile /k/%C\nHost n\n  UserKnownHostsFile none\n');
    const h = resolveHost(config, 'h', OPTS);
    expect(h).toMatchObject({ strictHostKeyChecking: 'no', userKnownHostsFiles: ['/home/ana/.ssh/kh_h', '/etc/kh'], identityFiles: [] });
    expect(messages(h.notes, 'error')).toEqual(['h: IdentityFile /k/%C: unsupported token %C']);
    expect(resolveHost(config, 'n', OPTS).userKnownHostsFiles).toEqual([]);
  });
});

describe('a real-world config', () => {
  const file = join(FIXTURES, 'realworld.conf');
  const result = importSshConfig({ file }, OPTS);
  const common = { agentForward: false, keepaliveIntervalMs: 30_000, keepaliveCountMax: 4, connectTimeoutMs: 10_000 };

  it('turns `ProxyJump bastion,inner-gw` into a 3-hop circuit in order, with the right users and ports', () => {
    const db = result.hosts.find((h) => h.alias === 'db-primary');
    expect(db?.ok).toBe(true);
    expect(db?.hops).toEqual([
      { name: 'bastion', host: 'bastion.example.com', port: 2222, user: 'ana', auth: keys('/home/ana/.ssh/id_ed25519_work'), ...common },
      { name: 'inner-gw', host: '10.20.0.5', port: 22022, user: 'ops', auth: AGENT_FIRST, ...common },
      { name: 'db-primary', host: '10.20.5.10', port: 22, user: 'postgres', auth: AGENT_FIRST, ...common },
    ]);
    expect(route(result.hosts.find((h) => h.alias === 'db-replica')?.hops ?? [])).toEqual([
      'bastion=ana@bastion.example.com:2222', 'inner-gw=ops@10.20.0.5:22022', 'db-replica=postgres@10.20.5.11:2200',
    ]);
  });

  it('lists every concrete alias and reports what it leaves out', () => {
    expect(result.hosts.map((h) => [h.alias, h.ok])).toEqual([
      ['github.com', true], ['bastion', true], ['inner-gw', true], ['db-primary', true], ['db-replica', true], ['legacy.corp.example.com', true],
    ]);
    expect(result.hosts[0]?.hops[0]?.auth).toEqual(keys('/home/ana/.ssh/id_ed25519_github'));
    expect(result.notes.map((n) => n.directive)).toEqual([
      'IgnoreUnknown', 'AddKeysToAgent', 'UseKeychain', 'HostKeyAlgorithms', 'ControlMaster', 'ControlPath', 'ControlPersist',
    ]);
    // LocalForward is acted on now; this one is under `Host dev-*`, which no imported host matches.
    expect(result.hosts.filter((h) => h.settings.forwards !== undefined)).toEqual([]);
    expect(result.report.find((n) => n.message.startsWith('Host dev-*'))?.message).toMatch(/its LocalForward was not imported/);
    expect(result.notes.every((n) => n.severity === 'ignored' && n.file === file)).toBe(true);
    // A name matching only wildcard blocks still resolves, as `ssh app.corp.example.com` would.
    expect(route(circuitForAlias(parseSshConfig({ file }, OPTS), 'app.corp.example.com', OPTS).hops)).toEqual([
      'bastion=ana@bastion.example.com:2222', 'app.corp.example.com=ana.s@app.corp.example.com:22',
    ]);
  });
});

describe('export', () => {
  const hops: HopSpec[] = [
    {
      name: 'edge', host: 'edge.example.org', port: 2201, user: 'ana', auth: keys('/keys/edge key'),
      keepaliveIntervalMs: 15_000, keepaliveCountMax: 5, connectTimeoutMs: 20_000,
      proxy: { kind: 'command', command: '/usr/bin/nc -X 5 -x 127.0.0.1:1080 %h %p' },
    },
    { name: 'inner', host: '2001:db8::5', port: 22, user: 'ops@corp', auth: AGENT_FIRST, agentForward: true },
    { name: 'db', host: 'db.internal', port: 5022, user: 'postgres', auth: keys('/keys/100%_db') },
  ];

  it('writes one Host block per hop, chained with ProxyJump', () => {
    expect(exportSshConfig(hops, 'db')).toBe([
      '# Written by Hopline: edge -> inner -> db',
      '',
      'Host edge',
      '    HostName edge.example.org',
      '    User ana',
      '    Port 2201',
      '    IdentityFile "/keys/edge key"',
      '    IdentitiesOnly yes',
      '    ServerAliveInterval 15',
      '    ServerAliveCountMax 5',
      '    ConnectTimeout 20',
      '    ProxyCommand /usr/bin/nc -X 5 -x 127.0.0.1:1080 %h %p',
      '',
      'Host inner',
      '    HostName 2001:db8::5',
      '    User ops@corp',
      '    Port 22',
      '    ForwardAgent yes',
      '    ProxyJump edge',
      '',
      'Host db',
      '    HostName db.internal',
      '    User postgres',
      '    Port 5022',
      '    IdentityFile "/keys/100%%_db"',
      '    IdentitiesOnly yes',
      '    ProxyJump edge,inner',
      '',
    ].join('\n'));
  });

  it('round-trips: parsing the export gives the same hops back', () => {
    const file = writeTmp('export/roundtrip.conf', exportSshConfig(hops, 'db'));
    const result = importSshConfig({ file }, OPTS);
    expect(result.notes).toEqual([]);
    expect(result.hosts.find((h) => h.alias === 'db')?.hops).toEqual(hops);
  });

  it('sanitises and de-duplicates hop aliases, never reusing the target alias', () => {
    const named = (name: string, host: string): HopSpec => ({ name, host, port: 22, user: 'u', auth: AGENT_FIRST });
    const text = exportSshConfig([named('Bastion (EU)', 'a'), named('Bastion (EU)', 'b'), named('  ', 'c'), named('target', 'd'), named('x', 'e')], 'target');
    expect(text.split('\n').filter((l) => l.startsWith('Host ') || l.includes('ProxyJump')).slice(-2)).toEqual([
      'Host target', '    ProxyJump Bastion-EU,Bastion-EU-2,hop3,target-2',
    ]);
  });

  it('refuses values that would break the config or command line', () => {
    const hop = (over: Partial<HopSpec>): HopSpec[] => [{ name: 'h', host: 'h.example', port: 22, user: 'u', auth: AGENT_FIRST, ...over }];
    const bad: [HopSpec[], string][] = [
      [hop({ host: 'h example' }), 'host'],
      [hop({ host: 'h"x' }), 'host'],
      [hop({ host: 'user@h' }), 'host'],
      [hop({ user: 'u\nProxyCommand evil' }), 'user'],
      [hop({ user: '-oProxyCommand=evil' }), 'user'],
      [hop({ user: "o'neil" }), 'user'],
      [hop({ port: 0 }), 'port'],
      [hop({ auth: keys('/keys/a\nb') }), 'key file'],
      [hop({ proxy: { kind: 'command', command: 'nc %h %p\nHost *' } }), 'ProxyCommand'],
      [hop({ proxy: { kind: 'socks5', host: 'p', port: 1080 } }), 'socks5 proxy'],
      [[], 'empty circuit'],
    ];
    for (const [h, what] of bad) {
      expect(() => exportSshConfig(h, 'target'), what).toThrow(SshConfigExportError);
      expect(() => exportSshConfig(h, 'target'), what).toThrow(what);
    }
    expect(() => exportSshConfig(hop({}), 'two words')).toThrow(SshConfigExportError);
    expect(() => exportSshConfig(hop({}), 'wild*')).toThrow(SshConfigExportError);
    expect(() => exportSshJ(hop({ host: 'h,x' }))).toThrow(SshConfigExportError);
  });

  it('writes `ssh -J` argv, bracketing IPv6 jump hosts', () => {
    const plain = hops.map(({ proxy: _proxy, ...hop }) => hop);
    expect(exportSshJ(plain)).toEqual(['ssh', '-J', 'ana@edge.example.org:2201,ops@corp@[2001:db8::5]:22', '-p', '5022', 'postgres@db.internal']);
    expect(exportSshJ(plain.slice(1, 2))).toEqual(['ssh', '-p', '22', 'ops@corp@2001:db8::5']);
    expect(exportSshJ(hops.slice(0, 1))).toEqual(['ssh', '-o', 'ProxyCommand=/usr/bin/nc -X 5 -x 127.0.0.1:1080 %h %p', '-p', '2201', 'ana@edge.example.org']);
    expect(() => exportSshJ(hops)).toThrow('cannot give a jump host');
  });
});

// ---------------------------------------------------------------------------------------------
// OpenSSH itself as the oracle: `ssh -G` prints the configuration it would use and exits; it
// makes no connection and runs no ProxyCommand.
// ---------------------------------------------------------------------------------------------

const SSH = '/usr/bin/ssh';
const haveSsh = requirement('OpenSSH client for `ssh -G`', existsSync(SSH) ? null : `${SSH} is missing (apt-get install openssh-client)`);
const LOCAL: SshConfigOptions = { homeDir: userInfo().homedir, localUser: userInfo().username };

function sshG(args: string[]): Map<string, string[]> {
  const out = execFileSync(SSH, ['-G', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const values = new Map<string, string[]>();
  for (const line of out.split('\n')) {
    const space = line.indexOf(' ');
    if (space < 0) continue;
    const key = line.slice(0, space);
    values.set(key, [...(values.get(key) ?? []), line.slice(space + 1)]);
  }
  return values;
}

/** What ssh -G would print for our resolution. */
function asSshG(r: ResolvedHost): Record<string, string[] | undefined> {
  const jumps = r.proxy.kind === 'jump'
    ? r.proxy.jumps.map((j) => `${j.user === undefined ? '' : `${j.user}@`}${j.host.includes(':') ? `[${j.host}]` : j.host}${j.port === undefined ? '' : `:${j.port}`}`).join(',')
    : undefined;
  return {
    hostname: [r.hostName],
    user: [r.user],
    port: [String(r.port)],
    proxyjump: jumps === undefined ? undefined : [jumps],
    proxycommand: r.proxy.kind === 'command' ? [r.proxy.command] : undefined,
  };
}

function expectSameAsSsh(configFile: string, config: ParsedSshConfig, alias: string): void {
  const ours = resolveHost(config, alias, LOCAL);
  const theirs = sshG(['-F', configFile, alias]);
  const printed = (key: string): string[] | undefined => theirs.get(key);
  const expected = asSshG(ours);
  for (const key of Object.keys(expected)) expect(printed(key), `${alias}: ${key}`).toEqual(expected[key]);
  // ssh -G prints IdentityFile unexpanded, and its defaults when none is configured.
  if (ours.identityFiles.length > 0) {
    const home = LOCAL.homeDir;
    expect(printed('identityfile')?.map((f) => f.replace(/^~(?=\/)/, home)), `${alias}: identityfile`).toEqual(ours.identityFiles);
  }
}

describe.runIf(haveSsh)('agreement with OpenSSH (ssh -G)', () => {
  it('resolves the proxy fixture as ssh does', () => {
    const file = join(FIXTURES, 'proxy.conf');
    const config = parseSshConfig({ file }, LOCAL);
    for (const alias of ['jump1', 'via-list', 'via-explicit', 'via-uri', 'through-command', 'command-first', 'no-jump', 'command-none-first', 'jump-none-first', 'loop-a']) {
      expectSameAsSsh(file, config, alias);
    }
    // Where we refuse, ssh silently takes the first of the two.
    const both = sshG(['-F', file, 'both']);
    expect([both.get('proxyjump'), both.get('proxycommand')]).toEqual([['jump1'], undefined]);
  });

  it('resolves the real-world fixture as ssh does', () => {
    const file = join(FIXTURES, 'realworld.conf');
    const config = parseSshConfig({ file }, LOCAL);
    for (const alias of ['github.com', 'bastion', 'inner-gw', 'db-primary', 'db-replica', 'legacy.corp.example.com', 'app.corp.example.com', 'dev-box']) {
      expectSameAsSsh(file, config, alias);
    }
  });

  it('reads quoting, `=` and comments as ssh does', () => {
    const file = writeTmp('lex.conf', 'HOST=quoted\n  USER = "ana maria"\n  port=2022 # c\n  IdentityFile "/keys/with \\"quote\\""\n  HostName\tQ.Example\n');
    expectSameAsSsh(file, parseSshConfig({ file }, LOCAL), 'quoted');
  });

  it('reads globbed Includes, and Includes inside Host blocks, as ssh does', () => {
    const base = join(dir, 'inc');
    writeTmp('inc/conf.d/10-a.conf', 'Host alpha\n  HostName alpha.example\n  User a\n');
    writeTmp('inc/conf.d/20-b.conf', 'Host alpha beta\n  User b\n  Port 2020\n');
    writeTmp('inc/conf.d/.hidden.conf', 'Host beta\n  User hidden\n');
    writeTmp('inc/lab.conf', 'Port 3000\nHost lab-two\n  User two\n');
    const file = writeTmp('inc/main.conf', `Include ${base}/conf.d/*.conf\nHost lab-*\n  Include ${base}/lab.conf\n  User labuser\nHost *\n  Port 2222\n`);
    const config = parseSshConfig({ file }, LOCAL);
    expect(config.notes).toEqual([]);
    for (const alias of ['alpha', 'beta', 'lab-one', 'lab-two', 'gamma']) expectSameAsSsh(file, config, alias);
    expect(resolveHost(config, 'lab-two', LOCAL)).toMatchObject({ user: 'two', port: 3000 });
  });

  it('agrees that Include nesting stops at 16', () => {
    expect(sshG(['-F', includeChain(16), 'x']).get('port')).toEqual(['2016']);
    expect(() => sshG(['-F', includeChain(17), 'x'])).toThrow();
  });

  it('reads the exported config as we do', () => {
    const hops: HopSpec[] = [
      { name: 'edge', host: 'edge.example.org', port: 2201, user: 'ana', auth: keys('/keys/edge key'), keepaliveIntervalMs: 15_000, keepaliveCountMax: 5, proxy: { kind: 'command', command: '/usr/bin/nc %h %p' } },
      { name: 'inner', host: '2001:db8::5', port: 22, user: 'ops@corp', auth: AGENT_FIRST, agentForward: true },
      { name: 'db', host: 'db.internal', port: 5022, user: 'postgres', auth: keys('/keys/db') },
    ];
    const file = writeTmp('export/ssh-g.conf', exportSshConfig(hops, 'db'));
    const g = (alias: string): Map<string, string[]> => sshG(['-F', file, alias]);
    const db = g('db');
    expect([db.get('hostname'), db.get('user'), db.get('port'), db.get('proxyjump')]).toEqual([['db.internal'], ['postgres'], ['5022'], ['edge,inner']]);
    const inner = g('inner');
    expect([inner.get('hostname'), inner.get('user'), inner.get('port'), inner.get('proxyjump'), inner.get('forwardagent')]).toEqual([['2001:db8::5'], ['ops@corp'], ['22'], ['edge'], ['yes']]);
    const edge = g('edge');
    expect([edge.get('hostname'), edge.get('port'), edge.get('proxycommand'), edge.get('identityfile'), edge.get('serveraliveinterval'), edge.get('serveralivecountmax')])
      .toEqual([['edge.example.org'], ['2201'], ['/usr/bin/nc %h %p'], ['/keys/edge key'], ['15'], ['5']]);
    const config = parseSshConfig({ file }, LOCAL);
    for (const alias of ['edge', 'inner', 'db']) expectSameAsSsh(file, config, alias);
  });

  it('runs the `ssh -J` argv unchanged', () => {
    const hops: HopSpec[] = [
      { name: 'a', host: 'a.example', port: 2201, user: 'ana', auth: AGENT_FIRST },
      { name: 'b', host: 'fe80::1', port: 2202, user: 'ops@corp', auth: AGENT_FIRST },
      { name: 'c', host: '2001:db8::9', port: 2203, user: 'db', auth: AGENT_FIRST },
    ];
    const argv = exportSshJ(hops);
    const g = sshG(['-F', '/dev/null', ...argv.slice(1)]);
    expect([g.get('hostname'), g.get('user'), g.get('port'), g.get('proxyjump')]).toEqual([['2001:db8::9'], ['db'], ['2203'], ['ana@a.example:2201,ops@corp@[fe80::1]:2202']]);
  });
});
