import { describe, expect, it } from 'vitest';
import { HOST_DEFAULTS, type HostSummary } from '../../../../app/shared/model/host';
import { TERMINAL_DEFAULTS, type ProfileSummary } from '../../../../app/shared/model/profile';
import { bannerReason, rememberLabel } from '../../../../app/renderer/stores/credentialsLogic';
import { filterHosts, hostEndpoint, secretBadges } from '../../../../app/renderer/stores/hostsLogic';
import { filterProfiles, groupByFolder, parseTags } from '../../../../app/renderer/stores/profilesLogic';

const host = (name: string, over: Partial<HostSummary> = {}): HostSummary => ({
  ...HOST_DEFAULTS,
  id: name,
  name,
  address: `${name}.example`,
  user: 'ops',
  hasPassword: false,
  hasPassphrase: false,
  hasTotp: false,
  hasAnswers: false,
  ...over,
});
const profile = (name: string, folder: string, tags: string[] = []): ProfileSummary => ({ id: name, name, folder, tags, hostIds: ['a'], terminal: TERMINAL_DEFAULTS });

describe('hosts helpers', () => {
  it('searches name, user and address with every word, sorted by name', () => {
    const hosts = [host('web'), host('bastion', { user: 'admin' }), host('db', { address: '10.0.0.5' })];
    expect(filterHosts(hosts, '').map((h) => h.name)).toEqual(['bastion', 'db', 'web']);
    expect(filterHosts(hosts, 'ADMIN').map((h) => h.name)).toEqual(['bastion']);
    expect(filterHosts(hosts, '10.0 db').map((h) => h.name)).toEqual(['db']);
  });

  it('prefers the live secret kinds over the summary flags', () => {
    const h = host('a', { hasPassword: true });
    expect(secretBadges(h)).toEqual(['password']);
    expect(secretBadges(h, ['totp', 'answer'])).toEqual(['TOTP', 'answers']);
    expect(secretBadges(h, [])).toEqual([]);
  });

  it('shows the port only when it is not 22', () => {
    expect(hostEndpoint({ user: 'u', address: 'h', port: 22 })).toBe('u@h');
    expect(hostEndpoint({ user: 'u', address: 'h', port: 2222 })).toBe('u@h:2222');
  });
});

describe('profiles helpers', () => {
  const all = [profile('prod-db', 'prod', ['db']), profile('lab', ''), profile('prod-web', 'prod', ['web']), profile('stage', 'acme')];

  it('searches name, folder and tags', () => {
    expect(filterProfiles(all, 'prod').map((p) => p.name)).toEqual(['prod-db', 'prod-web']);
    expect(filterProfiles(all, 'web').map((p) => p.name)).toEqual(['prod-web']);
    expect(filterProfiles(all, 'acme').map((p) => p.name)).toEqual(['stage']);
  });

  it('groups by folder, unfiled first', () => {
    expect(groupByFolder(all).map((g) => [g.folder, g.profiles.map((p) => p.name)])).toEqual([
      ['', ['lab']],
      ['acme', ['stage']],
      ['prod', ['prod-db', 'prod-web']],
    ]);
  });

  it('parses tags', () => {
    expect(parseTags(' a, b,,a , c ')).toEqual(['a', 'b', 'c']);
  });
});

describe('credentials helpers', () => {
  it('shows the keychain reason once, only for session memory', () => {
    expect(bannerReason({ backend: 'keychain', unavailableReason: null }, null)).toBeNull();
    expect(bannerReason({ backend: 'session-memory', unavailableReason: 'no D-Bus' }, null)).toBe('no D-Bus');
    expect(bannerReason({ backend: 'session-memory', unavailableReason: 'no D-Bus' }, 'no D-Bus')).toBeNull();
  });

  it('labels the remember box after where the secret goes', () => {
    expect(rememberLabel({ backend: 'keychain', unavailableReason: null })).toBe('Remember in keychain');
    expect(rememberLabel({ backend: 'session-memory', unavailableReason: 'x' })).toBe('Remember for this session');
    expect(rememberLabel(null)).toBe('Remember in keychain');
  });
});
