import { describe, expect, it } from 'vitest';
import { HOST_DEFAULTS, type HostSummary } from '../../../../app/shared/model/host';
import { bannerReason, rememberLabel } from '../../../../app/renderer/stores/credentialsLogic';
import { hostEndpoint, secretBadges } from '../../../../app/renderer/stores/hostsLogic';
import { parseTags } from '../../../../app/renderer/stores/profilesLogic';

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

describe('hosts helpers', () => {
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

describe('profile helpers', () => {
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
