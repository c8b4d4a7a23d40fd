import { describe, expect, it } from 'vitest';
import { profilesUsingHost, replacementCandidates } from '../../../../app/renderer/stores/hostsLogic';

const hosts = ['a', 'b', 'c', 'd'].map((id) => ({ id }));
const profiles = [
  { name: 'ab', hostIds: ['a', 'b'] },
  { name: 'cb', hostIds: ['c', 'b'] },
  { name: 'd', hostIds: ['d'] },
];

describe('profilesUsingHost', () => {
  it('lists the profiles whose circuits pass through the host, in order', () => {
    expect(profilesUsingHost('b', profiles).map((p) => p.name)).toEqual(['ab', 'cb']);
    expect(profilesUsingHost('x', profiles)).toEqual([]);
  });
});

describe('replacementCandidates', () => {
  it('offers every other host not already in one of the circuits that use it', () => {
    // b's circuits hold a and c: only d keeps both valid.
    expect(replacementCandidates('b', hosts, profiles)).toEqual([{ id: 'd' }]);
    expect(replacementCandidates('d', hosts, profiles)).toEqual([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    // Unused: any other host.
    expect(replacementCandidates('a', hosts, [])).toEqual([{ id: 'b' }, { id: 'c' }, { id: 'd' }]);
  });
});
