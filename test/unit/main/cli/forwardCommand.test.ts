/** `hopline forward`'s argument reading and status lines (the lab run is test/integration/cliForward.test.ts). */
import { describe, expect, it } from 'vitest';
import { describeForward, ForwardUsageError, parseForwardArgs, statusLines } from '../../../../app/main/cli/forwardCommand';
import type { ForwardStatus } from '../../../../app/shared/model/forward';

describe('parseForwardArgs', () => {
  it('reads -L, -R and -D as ssh does, glued or apart, in order', () => {
    const args = parseForwardArgs(['-J', 'a,b', '--via', 'c', '-i', 'k', '-p', 'ssh', 'target', '-L', '8080:db:5432', '-R9000:localhost:3000', '-D', 'localhost:1080', '-v']);
    expect(args).toMatchObject({ via: ['a', 'b', 'c'], identities: ['k'], port: 22, target: 'target', verbose: true, profile: null });
    expect(args.forwards).toEqual([
      { kind: 'local', bindPort: 8080, host: 'db', hostPort: 5432 },
      { kind: 'remote', bindPort: 9000, host: 'localhost', hostPort: 3000 },
      { kind: 'dynamic', bindAddress: 'localhost', bindPort: 1080 },
    ]);
    expect(parseForwardArgs(['--profile', 'P', '--all']).forwards).toEqual([]);
    // -N, as typed from ssh habit, changes nothing.
    expect(parseForwardArgs(['-N', 't', '-D', '1080']).forwards).toEqual([{ kind: 'dynamic', bindPort: 1080 }]);
  });

  it.each([
    [['target'], /at least one -L, -R or -D/],
    [['-L', '8080:db:5432'], /needs a HOP/],
    [['-L'], /-L needs a value/],
    [['t', '-L', '8080:/run/db.sock'], /Unix socket/],
    [['t', '-R', '9000'], /SOCKS proxy on the server/],
    [['t', '-L', '70000:db:1'], /Bad listening port "70000"/],
    [['--profile', 'P', 'target'], /--profile names the whole circuit/],
    [['--all', 't', '-D', '1'], /--all starts every forward saved on a profile/],
    [['t', 'u', '-D', '1'], /unexpected u/],
    [['t', '-X', '-D', '1'], /unknown option -X/],
    [['-f', 't', '-D', '1'], /runs in the foreground/],
    [['t', '-p', 'nope', '-D', '1'], /Bad port "nope"/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseForwardArgs(argv)).toThrow(ForwardUsageError);
    expect(() => parseForwardArgs(argv)).toThrow(message);
  });
});

describe('status lines', () => {
  const base: ForwardStatus = {
    forwardId: 'f1', circuitId: 'c1', spec: { kind: 'local', bindPort: 0, host: 'db', hostPort: 5432 },
    state: 'starting', openConnections: 0, totalConnections: 0, bytesOut: 0, bytesIn: 0,
  };

  it('names each forward as written, with the loopback default', () => {
    expect(describeForward(base.spec)).toBe('-L 127.0.0.1:0 -> db:5432');
    expect(describeForward({ kind: 'local', bindAddress: '::1', bindPort: 8080, host: 'fe80::1', hostPort: 80 })).toBe('-L [::1]:8080 -> [fe80::1]:80');
    expect(describeForward({ kind: 'remote', bindPort: 9000, host: '127.0.0.1', hostPort: 3000 })).toBe('-R localhost:9000 (on the target) -> 127.0.0.1:3000 (here)');
    expect(describeForward({ kind: 'dynamic', bindPort: 1080 })).toBe('-D 127.0.0.1:1080 (SOCKS)');
  });

  it('says listening with the real port, connections as they change, and errors once', () => {
    expect(statusLines(base, undefined)).toEqual({ out: [], err: [] });
    // Added stopped, then started: the first 'stopped' is no news.
    expect(statusLines({ ...base, state: 'stopped' }, undefined)).toEqual({ out: [], err: [] });
    expect(statusLines({ ...base, state: 'stopped' }, { ...base, state: 'listening' }).out).toEqual(['-L 127.0.0.1:0 -> db:5432: stopped']);
    const listening: ForwardStatus = { ...base, state: 'listening', boundAddress: '127.0.0.1', boundPort: 41234 };
    expect(statusLines(listening, base).out).toEqual(['-L 127.0.0.1:0 -> db:5432: listening on 127.0.0.1:41234']);
    expect(statusLines(listening, listening)).toEqual({ out: [], err: [] });
    const busy = { ...listening, openConnections: 2, totalConnections: 3, bytesOut: 2048, bytesIn: 10 };
    expect(statusLines(busy, listening).out).toEqual(['-L 127.0.0.1:0 -> db:5432: 2 open connection(s), 3 in all, 2.0 KiB out, 10 B in']);
    // Bytes alone (at most a few times a second) are not worth a line.
    expect(statusLines({ ...busy, bytesOut: 99_999 }, busy)).toEqual({ out: [], err: [] });
    const failed = { ...busy, lastError: { code: 'FORWARD_REFUSED', message: 'hop 3 (target) refused to forward to db:5432' } };
    expect(statusLines(failed, busy).err).toEqual(['-L 127.0.0.1:0 -> db:5432: hop 3 (target) refused to forward to db:5432']);
    expect(statusLines(failed, failed).err).toEqual([]);
    expect(statusLines({ ...failed, state: 'waiting' }, failed).out).toEqual(['-L 127.0.0.1:0 -> db:5432: waiting for the circuit']);
  });
});
