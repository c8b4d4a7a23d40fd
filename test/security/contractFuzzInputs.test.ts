/** The fuzzer's table of valid calls must cover the whole contract and be valid, or near-valid inputs mean nothing. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { METHOD_CHANNELS, VALID_ARGS, isValidArgs, nearValidArgs, reachesOutside } from './contractFuzzInputs';

describe('contract fuzz inputs', () => {
  it('hold one valid argument list for every method channel, and nothing else', () => {
    expect(Object.keys(VALID_ARGS).sort()).toEqual([...METHOD_CHANNELS].sort());
    for (const channel of METHOD_CHANNELS) expect(isValidArgs(channel, VALID_ARGS[channel]), channel).toBe(true);
  });

  it('mutate into invalid arguments most of the time, and valid ones some of the time', () => {
    for (const channel of METHOD_CHANNELS.filter((c) => VALID_ARGS[c]!.length > 0)) {
      const samples = fc.sample(nearValidArgs(channel), { numRuns: 200, seed: 1 });
      const valid = samples.filter((args) => isValidArgs(channel, args)).length;
      expect(valid, channel).toBeLessThan(samples.length);
      expect(valid, channel).toBeGreaterThan(0);
    }
  });

  it('never let a valid circuit or terminal open through', () => {
    expect(reachesOutside('circuits:open', VALID_ARGS['circuits:open'])).toBe(true);
    expect(reachesOutside('terminals:open', VALID_ARGS['terminals:open'])).toBe(true);
    expect(reachesOutside('circuits:open', [{ hostIds: [] }])).toBe(false);
    expect(reachesOutside('hosts:save', VALID_ARGS['hosts:save'])).toBe(false);
  });
});
