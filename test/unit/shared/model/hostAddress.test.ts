import { describe, expect, it } from 'vitest';
import { ErrorCode, HoplineError } from '../../../../app/shared/model/errors';
import { formatHopAddress, parseHopAddress, parseQuickConnect } from '../../../../app/shared/model/hostAddress';

function invalid(run: () => unknown): HoplineError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(HoplineError);
    expect((error as HoplineError).code).toBe(ErrorCode.INVALID_ARGUMENT);
    return error as HoplineError;
  }
  throw new Error('expected a throw');
}

describe('parseHopAddress', () => {
  it('reads host, user@host, host:port and user@host:port', () => {
    expect(parseHopAddress('db.example')).toEqual({ user: null, host: 'db.example', port: null });
    expect(parseHopAddress('ops@db.example')).toEqual({ user: 'ops', host: 'db.example', port: null });
    expect(parseHopAddress('db.example:2222')).toEqual({ user: null, host: 'db.example', port: 2222 });
    expect(parseHopAddress('ops@10.0.0.5:22')).toEqual({ user: 'ops', host: '10.0.0.5', port: 22 });
  });

  it('reads IPv6 in brackets with or without a port, and bare without one', () => {
    expect(parseHopAddress('[2001:db8::1]:2222')).toEqual({ user: null, host: '2001:db8::1', port: 2222 });
    expect(parseHopAddress('me@[fe80::1%eth0]')).toEqual({ user: 'me', host: 'fe80::1%eth0', port: null });
    expect(parseHopAddress('2001:db8::1')).toEqual({ user: null, host: '2001:db8::1', port: null });
    expect(parseHopAddress('admin@::1')).toEqual({ user: 'admin', host: '::1', port: null });
  });

  it('refuses a user with @ or : in it', () => {
    expect(invalid(() => parseHopAddress('a@b@host')).message).toMatch(/^Not a hop address/);
    expect(invalid(() => parseHopAddress('a:b@host')).message).toMatch(/^Not a hop address/);
  });

  it('refuses what is not an address, with the messages the CLI has always printed', () => {
    expect(invalid(() => parseHopAddress('')).message).toBe('Not a hop address: "" (expected [user@]host[:port])');
    expect(invalid(() => parseHopAddress('a b')).message).toMatch(/^Not a hop address/);
    expect(invalid(() => parseHopAddress('a,b')).message).toMatch(/^Not a hop address/);
    expect(invalid(() => parseHopAddress('user@')).message).toMatch(/^Not a hop address/);
    expect(invalid(() => parseHopAddress('@host')).message).toMatch(/^Not a hop address/);
    expect(invalid(() => parseHopAddress('[::1')).message).toMatch(/^Not a hop address/);
    expect(invalid(() => parseHopAddress('host:ssh')).message).toBe('Bad port in "host:ssh"');
    expect(invalid(() => parseHopAddress('host:')).message).toBe('Bad port in "host:"');
    expect(invalid(() => parseHopAddress('[::1]:')).message).toBe('Bad port in "[::1]:"');
    expect(invalid(() => parseHopAddress('host:0')).message).toBe('Port out of range in "host:0"');
    expect(invalid(() => parseHopAddress('host:65536')).message).toBe('Port out of range in "host:65536"');
  });

  it('formats back, leaving out port 22 and bracketing IPv6 before a port', () => {
    expect(formatHopAddress({ user: 'ops', host: 'db', port: 22 })).toBe('ops@db');
    expect(formatHopAddress({ user: null, host: '2001:db8::1', port: 2222 })).toBe('[2001:db8::1]:2222');
    expect(formatHopAddress({ user: 'me', host: '::1', port: null })).toBe('me@::1');
  });
});

describe('parseQuickConnect', () => {
  it('reads user@host and user@host:port', () => {
    expect(parseQuickConnect('ops@db')).toEqual({ hops: [{ user: 'ops', host: 'db', port: null }] });
    expect(parseQuickConnect('  ops@db:2200 ')).toEqual({ hops: [{ user: 'ops', host: 'db', port: 2200 }] });
  });

  it('reads -J a,b user@host: jump hosts in order, the destination last', () => {
    expect(parseQuickConnect('-J a,b user@host').hops).toEqual([
      { user: null, host: 'a', port: null },
      { user: null, host: 'b', port: null },
      { user: 'user', host: 'host', port: null },
    ]);
  });

  it('reads ssh -p 2222 -J ops@b1 me@t: -p is the destination’s only', () => {
    expect(parseQuickConnect('ssh -p 2222 -J ops@b1 me@t').hops).toEqual([
      { user: 'ops', host: 'b1', port: null },
      { user: 'me', host: 't', port: 2222 },
    ]);
  });

  it('takes each jump host’s own user and port', () => {
    expect(parseQuickConnect('ssh -J a@b:22,c,[2001:db8::9]:2022 user@host -p 2222').hops).toEqual([
      { user: 'a', host: 'b', port: 22 },
      { user: null, host: 'c', port: null },
      { user: null, host: '2001:db8::9', port: 2022 },
      { user: 'user', host: 'host', port: 2222 },
    ]);
  });

  it('reads ssh:// destinations and jump hosts', () => {
    expect(parseQuickConnect('ssh://u@h:2200').hops).toEqual([{ user: 'u', host: 'h', port: 2200 }]);
    expect(parseQuickConnect('ssh://h/').hops).toEqual([{ user: null, host: 'h', port: null }]);
    expect(parseQuickConnect('-J ssh://o@j:2022 ssh://[::1]:2200').hops).toEqual([
      { user: 'o', host: 'j', port: 2022 },
      { user: null, host: '::1', port: 2200 },
    ]);
    expect(parseQuickConnect('ssh://first%2Elast@h').hops[0]!.user).toBe('first.last');
  });

  it('takes -l for the destination, but a user written in it wins (as ssh)', () => {
    expect(parseQuickConnect('-l admin db').hops).toEqual([{ user: 'admin', host: 'db', port: null }]);
    expect(parseQuickConnect('-J j db -l admin').hops).toEqual([
      { user: null, host: 'j', port: null },
      { user: 'admin', host: 'db', port: null },
    ]);
    expect(parseQuickConnect('-l admin root@db').hops).toEqual([{ user: 'root', host: 'db', port: null }]);
  });

  it('takes attached values (-p2222, -Ja,b, -lme) and -J none', () => {
    expect(parseQuickConnect('-p2222 -Ja,b -lme t').hops).toEqual([
      { user: null, host: 'a', port: null },
      { user: null, host: 'b', port: null },
      { user: 'me', host: 't', port: 2222 },
    ]);
    expect(parseQuickConnect('-J none me@t').hops).toEqual([{ user: 'me', host: 't', port: null }]);
  });

  it('refuses anything else, saying what was wrong', () => {
    expect(invalid(() => parseQuickConnect('')).message).toMatch(/Type a destination/);
    expect(invalid(() => parseQuickConnect('ssh')).message).toMatch(/Type a destination/);
    expect(invalid(() => parseQuickConnect('-J a,b')).message).toMatch(/Type a destination/);
    expect(invalid(() => parseQuickConnect('-A me@host')).message).toMatch(/does not take the option -A/);
    expect(invalid(() => parseQuickConnect('me@a me@b')).message).toMatch(/Give one destination: found "me@a" and "me@b"/);
    expect(invalid(() => parseQuickConnect('me@a uptime')).message).toMatch(/one destination/);
    expect(invalid(() => parseQuickConnect('me@a -p')).message).toBe('-p needs a value');
    expect(invalid(() => parseQuickConnect('me@a -p 99999')).message).toMatch(/Bad port "99999"/);
    expect(invalid(() => parseQuickConnect('-J a,,b me@t')).message).toMatch(/Empty jump host/);
    expect(invalid(() => parseQuickConnect('-J a -J b me@t')).message).toMatch(/Give -J once/);
    expect(invalid(() => parseQuickConnect('ssh://h/path')).message).toMatch(/ssh:\/\//);
    expect(invalid(() => parseQuickConnect('me@host:abc')).message).toBe('Bad port in "me@host:abc"');
  });
});
