/** The contract's validator for forward specs and calls (app/shared/schema/forwards.ts). */
import { describe, expect, it } from 'vitest';
import { forwardSpecSchema, forwardsSchemas } from '../../../../../app/shared/schema/forwards';

const ok = (v: unknown): boolean => forwardSpecSchema.safeParse(v).success;

describe('forwardSpecSchema', () => {
  it('takes -L, -R and -D as OpenSSH writes them', () => {
    expect(ok({ kind: 'local', bindPort: 8080, host: 'db.internal', hostPort: 5432 })).toBe(true);
    expect(ok({ kind: 'local', bindAddress: '::1', bindPort: 8080, host: '10.0.0.5', hostPort: 80, autoStart: true, id: 'f-1' })).toBe(true);
    // -R 0: the server picks the port, as with ssh.
    expect(ok({ kind: 'remote', bindPort: 0, host: '127.0.0.1', hostPort: 3000 })).toBe(true);
    expect(ok({ kind: 'dynamic', bindAddress: '*', bindPort: 1080 })).toBe(true);
  });

  it('refuses a -L or -R without a destination, a -D with one, bad ports and odd addresses', () => {
    expect(ok({ kind: 'local', bindPort: 8080 })).toBe(false);
    expect(ok({ kind: 'remote', bindPort: 8080, host: 'x' })).toBe(false);
    expect(ok({ kind: 'dynamic', bindPort: 1080, host: 'x', hostPort: 1 })).toBe(false);
    expect(ok({ kind: 'local', bindPort: 70000, host: 'x', hostPort: 1 })).toBe(false);
    expect(ok({ kind: 'local', bindPort: 1, host: 'x', hostPort: 0 })).toBe(false);
    expect(ok({ kind: 'local', bindPort: 1, host: '-oProxyCommand=x', hostPort: 1 })).toBe(false);
    expect(ok({ kind: 'local', bindPort: 1, host: 'a b', hostPort: 1 })).toBe(false);
    expect(ok({ kind: 'unix', bindPort: 1 })).toBe(false);
    expect(ok({ kind: 'dynamic', bindPort: 1080, extra: true })).toBe(false);
  });

  it('refuses listening port 0 for -L and -D, as OpenSSH does', () => {
    const local = forwardSpecSchema.safeParse({ kind: 'local', bindPort: 0, host: 'db', hostPort: 5432 });
    expect(local.success).toBe(false);
    expect(local.error?.issues[0]).toMatchObject({ path: ['bindPort'], message: expect.stringMatching(/0 is for remote forwards only/) });
    expect(ok({ kind: 'dynamic', bindPort: 0 })).toBe(false);
    expect(ok({ kind: 'dynamic', bindAddress: 'localhost', bindPort: 0 })).toBe(false);
  });

  it('add takes an optional options object; the others an id', () => {
    const spec = { kind: 'dynamic', bindPort: 1080 };
    expect(forwardsSchemas.add.safeParse(['c-1', spec]).success).toBe(true);
    expect(forwardsSchemas.add.safeParse(['c-1', spec, { start: false }]).success).toBe(true);
    expect(forwardsSchemas.add.safeParse(['c-1', spec, { start: 'no' }]).success).toBe(false);
    expect(forwardsSchemas.start.safeParse(['f-1']).success).toBe(true);
    expect(forwardsSchemas.remove.safeParse([]).success).toBe(false);
  });
});
