import { describe, expect, it } from 'vitest';
import { SocksHandshake, type SocksStep } from '../../../../../app/main/services/forwards/socksHandshake';

const bytes = (...parts: (number[] | string)[]): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
const port = (p: number): number[] => [p >> 8, p & 0xff];
const hex = (b: Buffer | undefined): string => (b ? b.toString('hex') : '');

function feedAll(chunks: Buffer[]): { steps: SocksStep[]; h: SocksHandshake } {
  const h = new SocksHandshake();
  return { steps: chunks.map((c) => h.feed(c)), h };
}

describe('SocksHandshake: SOCKS5', () => {
  it('answers no-auth, then passes a domain name on unresolved (socks5h)', () => {
    const { steps, h } = feedAll([bytes([5, 2, 0, 2]), bytes([5, 1, 0, 3, 9], 'db.intern', port(5432))]);
    expect(steps[0]).toEqual({ kind: 'more', reply: Buffer.from([5, 0]) });
    expect(steps[1]).toMatchObject({ kind: 'connect', target: { version: 5, host: 'db.intern', port: 5432 } });
    expect(hex(h.success())).toBe('05000001000000000000');
    expect(hex(h.failure('refused'))).toBe('05050001000000000000');
    expect(hex(h.failure('notAllowed'))).toBe('05020001000000000000');
  });

  it('takes IPv4 and IPv6 addresses, greeting and request in one chunk, byte by byte, and keeps the bytes after the request', () => {
    const v4 = bytes([5, 1, 0], [5, 1, 0, 1, 10, 0, 0, 7], port(80), 'GET');
    const one = new SocksHandshake().feed(v4);
    expect(one).toMatchObject({ kind: 'connect', target: { host: '10.0.0.7', port: 80 }, reply: Buffer.from([5, 0]) });
    expect((one as { rest: Buffer }).rest.toString()).toBe('GET');

    const v6 = bytes([5, 1, 0], [5, 1, 0, 4, 0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 1], port(443));
    const h = new SocksHandshake();
    const steps = [...v6].map((b) => h.feed(Buffer.from([b])));
    expect(steps.filter((s) => s.kind !== 'more')).toEqual([expect.objectContaining({ kind: 'connect', target: { version: 5, host: '2001:db8:0:0:0:0:0:1', port: 443 } })]);
    expect(steps.filter((s) => s.reply).map((s) => hex(s.reply))).toEqual(['0500']);
  });

  it('refuses BIND and UDP ASSOCIATE with "command not supported", and an unknown address type', () => {
    for (const cmd of [2, 3]) {
      const step = new SocksHandshake().feed(bytes([5, 1, 0], [5, cmd, 0, 1, 1, 2, 3, 4], port(1)));
      expect(step.kind).toBe('refuse');
      expect(hex(step.reply)).toBe('0500' + '05070001000000000000');
      expect((step as { reason: string }).reason).toMatch(cmd === 2 ? /BIND/ : /UDP ASSOCIATE/);
    }
    const odd = new SocksHandshake().feed(bytes([5, 1, 0], [5, 1, 0, 9, 0, 0]));
    expect(odd).toMatchObject({ kind: 'refuse' });
    expect(hex(odd.reply)).toBe('0500' + '05080001000000000000');
  });

  it('refuses a client that insists on authentication, and a malformed name', () => {
    expect(new SocksHandshake().feed(bytes([5, 1, 2]))).toMatchObject({ kind: 'refuse', reply: Buffer.from([5, 0xff]) });
    const empty = new SocksHandshake().feed(bytes([5, 1, 0], [5, 1, 0, 3, 0], port(80)));
    expect(empty.kind).toBe('refuse');
    const spaced = new SocksHandshake().feed(bytes([5, 1, 0], [5, 1, 0, 3, 3], 'a b', port(80)));
    expect(spaced.kind).toBe('refuse');
  });

  it('refuses what is neither SOCKS4 nor SOCKS5 (an HTTP request to the wrong port)', () => {
    expect(new SocksHandshake().feed(Buffer.from('GET / HTTP/1.1\r\n'))).toMatchObject({ kind: 'refuse', reason: expect.stringMatching(/not a SOCKS4 or SOCKS5/) });
  });
});

describe('SocksHandshake: SOCKS4 and 4a', () => {
  it('SOCKS4: an IPv4 address and a user id', () => {
    const { steps, h } = feedAll([bytes([4, 1], port(8080), [192, 0, 2, 5], 'me', [0])]);
    expect(steps[0]).toMatchObject({ kind: 'connect', target: { version: 4, host: '192.0.2.5', port: 8080 } });
    expect(hex(h.success())).toBe('005a000000000000');
    expect(hex(h.failure('refused'))).toBe('005b000000000000');
  });

  it('SOCKS4a: a name after the user id, passed on unresolved, split over chunks', () => {
    const all = bytes([4, 1], port(80), [0, 0, 0, 1], [0], 'only.far.end', [0], 'x');
    const { steps } = feedAll([all.subarray(0, 9), all.subarray(9, 15), all.subarray(15)]);
    expect(steps.slice(0, 2).map((s) => s.kind)).toEqual(['more', 'more']);
    expect(steps[2]).toMatchObject({ kind: 'connect', target: { version: 4, host: 'only.far.end', port: 80 } });
    expect((steps[2] as { rest: Buffer }).rest.toString()).toBe('x');
  });

  it('refuses SOCKS4 BIND, and a user id that never ends', () => {
    expect(new SocksHandshake().feed(bytes([4, 2], port(80), [1, 2, 3, 4], [0]))).toMatchObject({ kind: 'refuse', reply: Buffer.from([0, 0x5b, 0, 0, 0, 0, 0, 0]) });
    expect(new SocksHandshake().feed(bytes([4, 1], port(80), [1, 2, 3, 4], 'u'.repeat(300)))).toMatchObject({ kind: 'refuse' });
  });
});
