import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertStaysInside, isInside, localPathUnder } from '../../../../../app/main/services/files/localPaths';
import { HoplineError } from '../../../../../app/shared/model/errors';

function refusal(run: () => unknown): HoplineError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(HoplineError);
    expect((error as HoplineError).code).toBe('UNSAFE_NAME');
    return error as HoplineError;
  }
  throw new Error('expected UNSAFE_NAME');
}

describe('localPathUnder', () => {
  const root = '/home/me/Downloads';

  it('joins safe relative remote paths under the root', () => {
    expect(localPathUnder(root, 'a.txt')).toBe('/home/me/Downloads/a.txt');
    expect(localPathUnder(root, 'dir/sub/.hidden')).toBe('/home/me/Downloads/dir/sub/.hidden');
    expect(localPathUnder('/home/me/Downloads/', 'Résumé 日本.pdf')).toBe('/home/me/Downloads/Résumé 日本.pdf');
  });

  it('refuses traversal, absolute paths, empty segments, NUL and device names, naming the name escaped', () => {
    for (const bad of ['../x', 'a/../../x', '..', '.', '', '/etc/passwd', 'a//b', 'a/./b', 'a/', 'x\0y', 'dir/CON', 'nul.txt', 'C:evil', 'a\\..\\b', 'ok/trailing.']) {
      refusal(() => localPathUnder(root, bad));
    }
    const error = refusal(() => localPathUnder(root, '\x1b[2J../x'));
    expect(error.message).toContain('\\x1b[2J');
    expect(error.message).not.toContain('\x1b');
  });

  it('applies Windows character rules when asked', () => {
    expect(localPathUnder(root, 'ab:c', { windows: false })).toBe('/home/me/Downloads/ab:c');
    refusal(() => localPathUnder(root, 'x/ab:c', { windows: true }));
  });
});

describe('isInside', () => {
  it('is true for the root and below, false beside or above it', () => {
    expect(isInside('/a/b', '/a/b')).toBe(true);
    expect(isInside('/a/b', '/a/b/c')).toBe(true);
    expect(isInside('/a/b', '/a/b/..c')).toBe(true);
    expect(isInside('/a/b', '/a/bc')).toBe(false);
    expect(isInside('/a/b', '/a')).toBe(false);
    expect(isInside('/a/b', '/x/y')).toBe(false);
  });
});

describe('assertStaysInside', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hopline-localpaths-'));
    await mkdir(path.join(dir, 'root', 'real'), { recursive: true });
    await mkdir(path.join(dir, 'outside'));
    await symlink(path.join(dir, 'outside'), path.join(dir, 'root', 'escape'));
    await symlink(path.join(dir, 'root', 'real'), path.join(dir, 'root', 'inner'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('accepts paths whose existing part stays inside, links inside included', async () => {
    await expect(assertStaysInside(path.join(dir, 'root'), path.join(dir, 'root', 'new', 'deeper', 'f.txt'))).resolves.toBeUndefined();
    await expect(assertStaysInside(path.join(dir, 'root'), path.join(dir, 'root', 'inner', 'f.txt'))).resolves.toBeUndefined();
  });

  it('refuses a path that goes out through a link already in the folder', async () => {
    const error = await assertStaysInside(path.join(dir, 'root'), path.join(dir, 'root', 'escape', 'f.txt')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HoplineError);
    expect((error as HoplineError).code).toBe('UNSAFE_NAME');
    expect((error as HoplineError).message).toContain('escape/f.txt');
  });
});
