import { describe, expect, it } from 'vitest';
import { filesSchemas, MAX_PATH_LENGTH, transferSpecSchema } from '../../../../app/shared/schema/files';

describe('files schemas', () => {
  it('accepts ordinary calls', () => {
    expect(filesSchemas.openDir.safeParse(['c1', '/var/log']).success).toBe(true);
    expect(filesSchemas.readDir.safeParse(['d1']).success).toBe(true);
    expect(filesSchemas.rename.safeParse(['c1', 'a', 'b']).success).toBe(true);
    expect(filesSchemas.remove.safeParse(['c1', '/tmp/x', { recursive: true }]).success).toBe(true);
    expect(filesSchemas.remove.safeParse(['c1', '/tmp/x']).success).toBe(true);
    expect(filesSchemas.chmod.safeParse(['c1', '/tmp/x', 0o7777]).success).toBe(true);
    expect(filesSchemas.answerConflict.safeParse(['t1', 'resume', { forAll: true }]).success).toBe(true);
    expect(filesSchemas.beginUpload.safeParse(['c1', '/tmp/up.bin', 1024, 'ask']).success).toBe(true);
    expect(filesSchemas.transfers.safeParse([]).success).toBe(true);
  });

  it('bounds paths: not empty, at most PATH_MAX, never a NUL', () => {
    expect(filesSchemas.stat.safeParse(['c1', '']).success).toBe(false);
    expect(filesSchemas.stat.safeParse(['c1', 'x'.repeat(MAX_PATH_LENGTH)]).success).toBe(true);
    expect(filesSchemas.stat.safeParse(['c1', 'x'.repeat(MAX_PATH_LENGTH + 1)]).success).toBe(false);
    expect(filesSchemas.mkdir.safeParse(['c1', '/tmp/a\0b']).success).toBe(false);
    expect(filesSchemas.stat.safeParse(['c1', 42]).success).toBe(false);
  });

  it('keeps modes within 0..0o7777 and whole', () => {
    for (const bad of [-1, 0o10000, 1.5, Number.NaN, '644']) expect(filesSchemas.chmod.safeParse(['c1', '/x', bad]).success, String(bad)).toBe(false);
    expect(filesSchemas.chmod.safeParse(['c1', '/x', 0]).success).toBe(true);
  });

  it('refuses unknown options and extra arguments', () => {
    expect(filesSchemas.remove.safeParse(['c1', '/x', { recursive: true, force: true }]).success).toBe(false);
    expect(filesSchemas.readDir.safeParse(['d1', 'extra']).success).toBe(false);
    expect(filesSchemas.answerConflict.safeParse(['t1', 'ask']).success).toBe(false);
  });

  it('validates a TransferSpec whole', () => {
    const spec = { circuitId: 'c1', direction: 'download', sources: ['/var/log/syslog'], destination: '/home/me/Downloads', recursive: true, conflict: 'ask', preserve: true, followSymlinks: false };
    expect(transferSpecSchema.safeParse(spec).success).toBe(true);
    expect(filesSchemas.enqueue.safeParse([spec]).success).toBe(true);
    expect(transferSpecSchema.safeParse({ ...spec, direction: 'sideways' }).success).toBe(false);
    expect(transferSpecSchema.safeParse({ ...spec, sources: [] }).success).toBe(false);
    expect(transferSpecSchema.safeParse({ ...spec, sources: ['a\0b'] }).success).toBe(false);
    expect(transferSpecSchema.safeParse({ ...spec, destination: '' }).success).toBe(false);
    expect(transferSpecSchema.safeParse({ ...spec, conflict: 'maybe' }).success).toBe(false);
    expect(transferSpecSchema.safeParse({ ...spec, extra: 1 }).success).toBe(false);
    expect(transferSpecSchema.safeParse({ ...spec, sources: Array.from({ length: 10_001 }, (_, i) => `f${i}`) }).success).toBe(false);
  });
});
