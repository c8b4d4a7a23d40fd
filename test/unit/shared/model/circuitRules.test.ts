import { describe, expect, it } from 'vitest';
import { MAX_CIRCUIT_HOPS, validateChain, type ChainHost } from '../../../../app/shared/model/circuitRules';

function host(name: string, over: Partial<ChainHost> = {}): ChainHost {
  return { id: name, name, address: `${name}.example`, port: 22, user: 'ops', proxy: null, ...over };
}

describe('validateChain', () => {
  it('accepts a valid chain', () => {
    expect(validateChain([host('bastion'), host('inner'), host('target')])).toEqual([]);
  });

  it('refuses an empty chain as a whole', () => {
    expect(validateChain([])).toEqual([{ index: null, message: 'Add at least one host to the circuit.' }]);
  });

  it('names the hop without a user or an address', () => {
    const problems = validateChain([host('bastion'), host('db', { user: ' ', address: '' })]);
    expect(problems).toEqual([
      { index: 1, message: 'Hop 2 (db) has no address.' },
      { index: 1, message: 'Hop 2 (db) has no user.' },
    ]);
  });

  it('finds the same host twice as a cycle, at its second place', () => {
    const problems = validateChain([host('a'), host('b'), host('a')]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ index: 2 });
    expect(problems[0]!.message).toMatch(/same host as hop 1.*cycle/);
  });

  it('finds the same address:port under another name as a cycle (address case-insensitive)', () => {
    const problems = validateChain([host('a', { address: 'Bastion.example' }), host('b', { address: 'bastion.example' })]);
    expect(problems).toEqual([{ index: 1, message: expect.stringMatching(/returns to bastion\.example:22, already hop 1 \(a\).*cycle/) }]);
  });

  it('does not call the same address on another port a cycle', () => {
    expect(validateChain([host('a', { address: 'h' }), host('b', { address: 'h', port: 2222 })])).toEqual([]);
  });

  it(`refuses more than ${MAX_CIRCUIT_HOPS} hops, pointing at the first one too many`, () => {
    const hosts = Array.from({ length: MAX_CIRCUIT_HOPS + 1 }, (_, i) => host(`h${i}`));
    expect(validateChain(hosts.slice(0, MAX_CIRCUIT_HOPS))).toEqual([]);
    expect(validateChain(hosts)).toEqual([{ index: MAX_CIRCUIT_HOPS, message: expect.stringMatching(/17 hops; Hopline allows at most 16/) }]);
  });

  it('allows a proxy on hop 1 only (ProxyJump and ProxyCommand conflict)', () => {
    const socks = { kind: 'socks5' as const, host: 'proxy', port: 1080 };
    expect(validateChain([host('a', { proxy: socks }), host('b')])).toEqual([]);
    const problems = validateChain([host('a'), host('b', { proxy: { kind: 'command', command: 'nc %h %p' } }), host('c', { proxy: { kind: 'http', host: 'p', port: 3128 } })]);
    expect(problems.map((p) => p.index)).toEqual([1, 2]);
    expect(problems[0]!.message).toMatch(/Hop 2 \(b\) has a ProxyCommand.*only hop 1 can use a proxy/);
    expect(problems[1]!.message).toMatch(/HTTP CONNECT proxy/);
  });

  it('checks the port range', () => {
    expect(validateChain([host('a', { port: 0 })])[0]!.message).toMatch(/port 0/);
  });

  it('reports several problems of one chain together', () => {
    const problems = validateChain([host('a'), host('b', { user: '' }), host('a', { proxy: { kind: 'command', command: 'x' } })]);
    expect(problems.map((p) => p.index)).toEqual([1, 2, 2]);
  });
});
