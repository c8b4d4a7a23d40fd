/**
 * Forward specs as OpenSSH reads and writes them (-L/-R/-D arguments and the ssh_config
 * directives), with `ssh -G` as the oracle for how ssh itself normalises them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ForwardSpecError,
  bindsAllInterfaces,
  bindsLoopbackOnly,
  formatForwardDirective,
  formatForwardSpec,
  forwardArgs,
  parseForwardDirective,
  parseForwardSpec,
  type ForwardKind,
  type ForwardSpec,
} from '../../../../app/shared/model/forward';
import { requirement } from '../../../setup/requirements';

const services = (name: string): number | null => ({ ssh: 22, http: 80, postgresql: 5432 })[name] ?? null;

function refused(kind: ForwardKind, text: string): ForwardSpecError {
  try {
    parseForwardSpec(kind, text, services);
  } catch (error) {
    expect(error).toBeInstanceOf(ForwardSpecError);
    expect((error as ForwardSpecError).code).toBe('INVALID_ARGUMENT');
    return error as ForwardSpecError;
  }
  throw new Error(`${kind} ${text} was accepted`);
}

describe('parseForwardSpec', () => {
  it.each<[ForwardKind, string, ForwardSpec]>([
    ['local', '8080:db:5432', { kind: 'local', bindPort: 8080, host: 'db', hostPort: 5432 }],
    ['local', '127.0.0.1:8080:db.internal:5432', { kind: 'local', bindAddress: '127.0.0.1', bindPort: 8080, host: 'db.internal', hostPort: 5432 }],
    ['local', 'localhost:8080:db:ssh', { kind: 'local', bindAddress: 'localhost', bindPort: 8080, host: 'db', hostPort: 22 }],
    ['local', '*:8080:db:80', { kind: 'local', bindAddress: '*', bindPort: 8080, host: 'db', hostPort: 80 }],
    // An empty bind address is ssh's wildcard too: kept as '*'.
    ['local', ':8080:db:80', { kind: 'local', bindAddress: '*', bindPort: 8080, host: 'db', hostPort: 80 }],
    ['local', '[::1]:8080:[fe80::1]:80', { kind: 'local', bindAddress: '::1', bindPort: 8080, host: 'fe80::1', hostPort: 80 }],
    ['local', '8080:[2001:db8::5]:443', { kind: 'local', bindPort: 8080, host: '2001:db8::5', hostPort: 443 }],
    ['local', '[8080]:db:80', { kind: 'local', bindPort: 8080, host: 'db', hostPort: 80 }],
    ['local', 'host\\:x:8080:db:80', { kind: 'local', bindAddress: 'host:x', bindPort: 8080, host: 'db', hostPort: 80 }],
    ['local', '8080:db:postgresql', { kind: 'local', bindPort: 8080, host: 'db', hostPort: 5432 }],
    ['local', '  8080:db:80', { kind: 'local', bindPort: 8080, host: 'db', hostPort: 80 }],
    // A trailing ':' ends the text, as parse_fwd_field reads it.
    ['local', '8080:db:80:', { kind: 'local', bindPort: 8080, host: 'db', hostPort: 80 }],
    // Port 0 for -R: the server picks one, as ssh asks (-L 0 and -D 0 are refused below).
    ['remote', '9000:localhost:3000', { kind: 'remote', bindPort: 9000, host: 'localhost', hostPort: 3000 }],
    ['remote', '0.0.0.0:9000:127.0.0.1:3000', { kind: 'remote', bindAddress: '0.0.0.0', bindPort: 9000, host: '127.0.0.1', hostPort: 3000 }],
    ['remote', '0:db:1', { kind: 'remote', bindPort: 0, host: 'db', hostPort: 1 }],
    ['dynamic', '1080', { kind: 'dynamic', bindPort: 1080 }],
    ['dynamic', '0.0.0.0:1080', { kind: 'dynamic', bindAddress: '0.0.0.0', bindPort: 1080 }],
    ['dynamic', '[::]:1080', { kind: 'dynamic', bindAddress: '::', bindPort: 1080 }],
    ['dynamic', '*:1080', { kind: 'dynamic', bindAddress: '*', bindPort: 1080 }],
    ['dynamic', 'localhost:http', { kind: 'dynamic', bindAddress: 'localhost', bindPort: 80 }],
  ])('%s %s', (kind, text, expected) => {
    expect(parseForwardSpec(kind, text, services)).toEqual(expected);
  });

  it.each<[ForwardKind, string, string]>([
    ['local', '', 'syntax'],
    ['local', '8080', 'syntax'],
    ['local', '8080:db', 'syntax'],
    ['local', 'a:b:c:d:e', 'syntax'],
    ['local', '8080/db/80', 'unix-socket'],
    ['local', '/tmp/sock:db:80', 'unix-socket'],
    ['local', '8080:/var/run/docker.sock', 'unix-socket'],
    ['local', '/tmp/a:/tmp/b', 'unix-socket'],
    ['remote', '/tmp/remote.sock:localhost:80', 'unix-socket'],
    ['dynamic', '/tmp/socks', 'unix-socket'],
    ['local', '[::1:8080:db:80', 'syntax'],
    ['local', '[::1]x:8080:db:80', 'syntax'],
    ['local', '8080:db:80\\', 'syntax'],
    ['local', '70000:db:80', 'port'],
    ['local', '8080:db:0', 'port'],
    ['local', '8080:db:nosuchservice', 'port'],
    ['local', '-1:db:80', 'port'],
    ['local', '8080::80', 'host'],
    ['local', '8080:-oProxyCommand=x:80', 'host'],
    ['local', '8080:a b:80', 'host'],
    ['remote', '9000', 'remote-dynamic'],
    ['remote', 'localhost:9000', 'remote-dynamic'],
    ['dynamic', '1:2:3', 'syntax'],
    ['dynamic', '99999', 'port'],
    // A listening port of 0 is -R's alone: parse_forward refuses it for -L and -D.
    ['local', '0:db:80', 'port'],
    ['local', '127.0.0.1:0:db:80', 'port'],
    ['dynamic', '0', 'port'],
    ['dynamic', 'localhost:0', 'port'],
  ])('refuses %s %j (%s)', (kind, text, why) => {
    const error = refused(kind, text);
    expect(error.problem).toBe(why);
    expect(error.message.length).toBeGreaterThan(10);
  });

  it('says a Unix socket is not supported, in words', () => {
    expect(refused('local', '8080:/run/db.sock').message).toMatch(/Unix socket.*TCP ports only/);
  });

  it('takes only digits without a services lookup', () => {
    expect(() => parseForwardSpec('local', '8080:db:ssh')).toThrow(ForwardSpecError);
    expect(parseForwardSpec('local', '8080:db:22')).toEqual({ kind: 'local', bindPort: 8080, host: 'db', hostPort: 22 });
  });
});

describe('parseForwardDirective', () => {
  it('joins the two arguments as readconf.c does', () => {
    expect(parseForwardDirective('LocalForward', ['8080', 'db:5432'])).toEqual({ kind: 'local', bindPort: 8080, host: 'db', hostPort: 5432 });
    expect(parseForwardDirective('localforward', ['[::1]:8080', '[fe80::1]:80'])).toEqual({ kind: 'local', bindAddress: '::1', bindPort: 8080, host: 'fe80::1', hostPort: 80 });
    expect(parseForwardDirective('REMOTEFORWARD', ['9000', 'localhost:3000'])).toEqual({ kind: 'remote', bindPort: 9000, host: 'localhost', hostPort: 3000 });
    expect(parseForwardDirective('DynamicForward', ['localhost:1080'])).toEqual({ kind: 'dynamic', bindAddress: 'localhost', bindPort: 1080 });
  });

  it('refuses what ssh refuses, and the remote SOCKS form', () => {
    expect(() => parseForwardDirective('LocalForward', ['8080'])).toThrow(/needs a destination/);
    expect(() => parseForwardDirective('LocalForward', [])).toThrow(/needs a port/);
    expect(() => parseForwardDirective('DynamicForward', ['1080', 'extra'])).toThrow(/extra arguments/);
    expect(() => parseForwardDirective('LocalForward', ['1', 'h:2', 'x'])).toThrow(/extra arguments/);
    expect(() => parseForwardDirective('Port', ['22'])).toThrow(/not a forward directive/);
    // Port 0 listens for RemoteForward only (the server's choice).
    expect(() => parseForwardDirective('LocalForward', ['0', 'db:5432'])).toThrow(/Bad listening port "0"/);
    expect(() => parseForwardDirective('DynamicForward', ['0'])).toThrow(/Bad port "0"/);
    expect(parseForwardDirective('RemoteForward', ['0', 'localhost:3000'])).toEqual({ kind: 'remote', bindPort: 0, host: 'localhost', hostPort: 3000 });
    try {
      parseForwardDirective('RemoteForward', ['9000']);
      expect.unreachable();
    } catch (error) {
      expect((error as ForwardSpecError).problem).toBe('remote-dynamic');
    }
  });
});

describe('formatting', () => {
  const specs: ForwardSpec[] = [
    { kind: 'local', bindPort: 8080, host: 'db', hostPort: 5432 },
    { kind: 'local', bindAddress: '::1', bindPort: 8080, host: 'fe80::1', hostPort: 80 },
    { kind: 'local', bindAddress: '*', bindPort: 8080, host: 'db', hostPort: 80 },
    { kind: 'remote', bindAddress: 'localhost', bindPort: 9000, host: '127.0.0.1', hostPort: 3000 },
    { kind: 'dynamic', bindPort: 1080 },
    { kind: 'dynamic', bindAddress: '0.0.0.0', bindPort: 1080 },
  ];

  it('prints -L/-R/-D arguments that read back the same', () => {
    expect(specs.map(formatForwardSpec)).toEqual(['8080:db:5432', '[::1]:8080:[fe80::1]:80', '*:8080:db:80', 'localhost:9000:127.0.0.1:3000', '1080', '0.0.0.0:1080']);
    for (const spec of specs) expect(parseForwardSpec(spec.kind, formatForwardSpec(spec))).toEqual(spec);
    expect(forwardArgs(specs[0]!)).toEqual(['-L', '8080:db:5432']);
    expect(forwardArgs(specs[3]!)).toEqual(['-R', 'localhost:9000:127.0.0.1:3000']);
    expect(forwardArgs(specs[4]!)).toEqual(['-D', '1080']);
  });

  it('prints ssh_config lines that read back the same', () => {
    expect(specs.map(formatForwardDirective)).toEqual([
      'LocalForward 8080 db:5432',
      'LocalForward [::1]:8080 [fe80::1]:80',
      'LocalForward *:8080 db:80',
      'RemoteForward localhost:9000 127.0.0.1:3000',
      'DynamicForward 1080',
      'DynamicForward 0.0.0.0:1080',
    ]);
    for (const spec of specs) {
      const [keyword, ...args] = formatForwardDirective(spec).split(' ');
      expect(parseForwardDirective(keyword!, args)).toEqual(spec);
    }
  });

  it('refuses to print a local forward without a destination', () => {
    expect(() => formatForwardSpec({ kind: 'local', bindPort: 1 })).toThrow(ForwardSpecError);
  });

  it('classifies bind addresses for the non-loopback warning', () => {
    expect(bindsLoopbackOnly({})).toBe(true);
    expect(bindsLoopbackOnly({ bindAddress: 'localhost' })).toBe(true);
    expect(bindsLoopbackOnly({ bindAddress: '127.0.0.2' })).toBe(true);
    expect(bindsLoopbackOnly({ bindAddress: '::1' })).toBe(true);
    expect(bindsLoopbackOnly({ bindAddress: '10.0.0.5' })).toBe(false);
    expect(bindsAllInterfaces({ bindAddress: '*' })).toBe(true);
    expect(bindsAllInterfaces({ bindAddress: '0.0.0.0' })).toBe(true);
    expect(bindsAllInterfaces({ bindAddress: '::' })).toBe(true);
    expect(bindsAllInterfaces({})).toBe(false);
  });
});

/**
 * `ssh -G -L ... x` prints each forward as `localforward [bind]:port [host]:port`: the same
 * listening and destination values must come out of our parser (ssh's '' and '*' both being the
 * wildcard, stored as '*').
 */
const haveSsh = requirement('OpenSSH client for `ssh -G`', existsSync('/usr/bin/ssh') ? null : '/usr/bin/ssh is missing (apt-get install openssh-client)');

describe.runIf(haveSsh)('against ssh -G', () => {
  const cases: [ForwardKind, string][] = [
    ['local', '8080:db:5432'],
    ['local', ':8080:db:5432'],
    ['local', '*:8080:db:5432'],
    ['local', '[::1]:8080:[fe80::1]:80'],
    ['local', 'localhost:8080:db:22'],
    ['local', '8080:[db]:80'],
    ['local', 'host\\:x:8080:db:80'],
    ['local', '1.2.3.4:80:h:1'],
    ['remote', '9000:localhost:3000'],
    ['remote', '0:db:1'],
    ['dynamic', '1080'],
    ['dynamic', '0.0.0.0:1080'],
    ['dynamic', '[::]:1080'],
  ];

  /** ssh -G's line for one forward, read back into a spec. */
  function viaSsh(kind: ForwardKind, text: string): ForwardSpec {
    const flag = { local: '-L', remote: '-R', dynamic: '-D' }[kind];
    const run = spawnSync('/usr/bin/ssh', ['-F', '/dev/null', '-G', flag, text, 'example.invalid'], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const keyword = { local: 'localforward', remote: 'remoteforward', dynamic: 'dynamicforward' }[kind];
    const line = run.stdout.split('\n').find((l) => l.startsWith(`${keyword} `));
    expect(line, run.stdout).toBeDefined();
    const [, listen, target] = line!.split(' ');
    const bracketed = /^\[(.*)\]:(\d+)$/.exec(listen!);
    const spec: ForwardSpec = { kind, bindPort: Number(bracketed ? bracketed[2] : listen) };
    if (bracketed) spec.bindAddress = bracketed[1] === '' ? '*' : bracketed[1]!;
    if (target !== undefined) {
      const t = /^\[(.*)\]:(\d+)$/.exec(target)!;
      spec.host = t[1]!;
      spec.hostPort = Number(t[2]);
    }
    return spec;
  }

  it.each(cases)('%s %s reads as ssh reads it', (kind, text) => {
    expect(parseForwardSpec(kind, text)).toEqual(viaSsh(kind, text));
  });

  it.each<[ForwardKind, string]>([
    ['local', '8080/db/80'],
    ['local', '70000:db:80'],
    ['local', '8080:db'],
    ['local', '0:db:80'],
    ['dynamic', '0'],
    ['dynamic', 'localhost:0'],
  ])('%s %s is refused by both', (kind, text) => {
    const flag = { local: '-L', remote: '-R', dynamic: '-D' }[kind];
    expect(spawnSync('/usr/bin/ssh', ['-F', '/dev/null', '-G', flag, text, 'example.invalid'], { encoding: 'utf8' }).status).not.toBe(0);
    expect(() => parseForwardSpec(kind, text)).toThrow(ForwardSpecError);
  });
});
