/** Ports in `[user@]host[:port]`, -J and -p: digits always, service names only through a lookup. */
import { describe, expect, it } from 'vitest';
import { ErrorCode, HoplineError } from '../../../../app/shared/model/errors';
import { parseHopAddress, parsePortOption, parseQuickConnect, portFromText, type ServicePortLookup } from '../../../../app/shared/model/hostAddress';

/** A fake services database: shared code never reads /etc/services itself. */
const lookup: ServicePortLookup = (name) => ({ ssh: 22, www: 80, weird: 0, huge: 70000 })[name] ?? null;

function invalid(fn: () => unknown): HoplineError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(HoplineError);
    expect((error as HoplineError).code).toBe(ErrorCode.INVALID_ARGUMENT);
    return error as HoplineError;
  }
  throw new Error('expected INVALID_ARGUMENT');
}

describe('portFromText', () => {
  it('reads digits for 1-65535 and asks the lookup for anything else', () => {
    expect(portFromText('2222')).toBe(2222);
    expect(portFromText('002222')).toBe(2222);
    expect(portFromText('ssh', lookup)).toBe(22);
    expect(portFromText('ssh')).toBeNull();
    expect(portFromText('nope', lookup)).toBeNull();
  });

  it('never takes 0 or more than 65535, from digits or from the lookup', () => {
    for (const text of ['0', '65536', 'weird', 'huge', '']) expect(portFromText(text, lookup), text).toBeNull();
  });
});

describe('parseHopAddress with a service lookup', () => {
  it('reads host:service and [v6]:service', () => {
    expect(parseHopAddress('ops@db:ssh', lookup)).toEqual({ user: 'ops', host: 'db', port: 22 });
    expect(parseHopAddress('[2001:db8::1]:www', lookup)).toEqual({ user: null, host: '2001:db8::1', port: 80 });
    expect(parseHopAddress('db:2200', lookup)).toEqual({ user: null, host: 'db', port: 2200 });
  });

  it('says which text has a bad port', () => {
    expect(invalid(() => parseHopAddress('db:nope', lookup)).message).toBe('Bad port in "db:nope"');
    expect(invalid(() => parseHopAddress('db:ssh')).message).toBe('Bad port in "db:ssh"');
    expect(invalid(() => parseHopAddress('db:0', lookup)).message).toBe('Port out of range in "db:0"');
    expect(invalid(() => parseHopAddress('[::1]:weird', lookup)).message).toBe('Bad port in "[::1]:weird"');
  });
});

describe('-p and -J with a service lookup', () => {
  it('takes -p ssh and jump entries with service names', () => {
    expect(parseQuickConnect('ssh -J ops@b1:ssh,[::1]:www -p ssh admin@db', lookup).hops).toEqual([
      { user: 'ops', host: 'b1', port: 22 },
      { user: null, host: '::1', port: 80 },
      { user: 'admin', host: 'db', port: 22 },
    ]);
    expect(parsePortOption('www', lookup)).toBe(80);
  });

  it('refuses names without a lookup (the renderer has none) and unknown names with one', () => {
    expect(invalid(() => parseQuickConnect('-p ssh db')).message).toBe('Bad port "ssh" (expected a number from 1 to 65535)');
    expect(invalid(() => parsePortOption('nope', lookup)).message).toBe('Bad port "nope" (expected a number from 1 to 65535 or a service name)');
  });
});
