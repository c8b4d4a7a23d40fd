/** Which live hops a proxy request rides: a profile's hops but its target, or -J words, matched by address. */
import { describe, expect, it } from 'vitest';
import { pickChain, resolveRoute, type LiveChain } from '../../../../../app/main/services/gateway/routeMatch';
import type { HopSpec } from '../../../../../app/main/services/engine/hopSpec';
import type { StoredHost, StoredProfile } from '../../../../../app/main/services/profiles/documentStore';
import { TERMINAL_DEFAULTS } from '../../../../../app/shared/model/profile';

const host = (id: string, name: string, address: string, user = 'ops', port = 22) => ({ id, name, address, port, user }) as unknown as StoredHost;
const hosts = [host('h1', 'mfa', '10.0.0.1'), host('h2', 'key', '10.0.0.2', 'ops', 2222), host('h3', 'db', '10.0.0.3', 'pg')];
const profiles = [{ id: 'p1', name: 'prod db', folder: '', tags: [], hostIds: ['h1', 'h2', 'h3'], terminal: TERMINAL_DEFAULTS } as StoredProfile];
const spec = (host: string, port = 22, user = 'ops'): HopSpec => ({ name: host, host, port, user, auth: [] });
const chain = (circuitId: string, state: string, profileId: string | null, specs: HopSpec[]): LiveChain<string> => ({ circuitId, state, profileId, hops: specs.map((s) => ({ spec: s, client: `${circuitId}:${s.host}` })) });

describe('gateway routes', () => {
  it("takes a profile's hops but its target as the jump hops", () => {
    expect(resolveRoute({ kind: 'profile', name: 'prod db' }, { hosts, profiles }, 'me')).toEqual({
      ok: true,
      profileId: 'p1',
      hops: [{ host: '10.0.0.1', port: 22, user: 'ops' }, { host: '10.0.0.2', port: 2222, user: 'ops' }],
    });
    expect(resolveRoute({ kind: 'profile', name: 'nope' }, { hosts, profiles }, 'me')).toEqual({ ok: false, message: 'no saved profile is named "nope"' });
  });

  it('reads -J words as the CLI does: a saved host by name, else [user@]host[:port] with this user and port 22', () => {
    expect(resolveRoute({ kind: 'via', hops: ['mfa', 'admin@10.0.0.7:ssh', '[fd00::1]:2200'] }, { hosts, profiles }, 'me')).toEqual({
      ok: true,
      profileId: null,
      hops: [{ host: '10.0.0.1', port: 22, user: 'ops' }, { host: '10.0.0.7', port: 22, user: 'admin' }, { host: 'fd00::1', port: 2200, user: 'me' }],
    });
    expect(resolveRoute({ kind: 'via', hops: ['bad host'] }, { hosts, profiles }, 'me').ok).toBe(false);
  });

  it("rides an open circuit of the route's profile first, then any open one, then kept hops of a failed one; never a different user or port", () => {
    const route = { hops: [{ host: '10.0.0.1', port: 22, user: 'ops' }, { host: '10.0.0.2', port: 2222, user: 'ops' }], profileId: 'p1' };
    const failed = chain('failed', 'failed', 'p1', [spec('10.0.0.1'), spec('10.0.0.2', 2222)]);
    const other = chain('other', 'open', null, [spec('10.0.0.1'), spec('10.0.0.2', 2222), spec('10.9.9.9')]);
    const mine = chain('mine', 'open', 'p1', [spec('10.0.0.1'), spec('10.0.0.2', 2222), spec('10.0.0.3', 22, 'pg')]);
    expect(pickChain([failed, other, mine], route)?.circuitId).toBe('mine');
    expect(pickChain([failed, other], route)?.circuitId).toBe('other');
    expect(pickChain([failed], route)?.circuitId).toBe('failed');
    expect(pickChain([chain('short', 'open', 'p1', [spec('10.0.0.1')])], route)).toBeNull();
    expect(pickChain([chain('user', 'open', null, [spec('10.0.0.1'), spec('10.0.0.2', 2222, 'root')])], route)).toBeNull();
    expect(pickChain([chain('port', 'open', null, [spec('10.0.0.1'), spec('10.0.0.2')])], route)).toBeNull();
    expect(pickChain([mine], { hops: [], profileId: null })).toBeNull();
  });
});
