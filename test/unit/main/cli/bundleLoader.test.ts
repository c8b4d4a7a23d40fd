/**
 * The CLI loads cliFull.cjs through bundleLoader.ts with the code cache that
 * build/cliCodeCache.mjs writes: the two must agree on the layout and the wrapper (else every
 * start silently pays the compile again), and a cache from another build must never be used,
 * even one of the same length (V8 would take it: it checks the length, not the text).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileBundle, runBundle } from '../../../../app/main/cli/bundleLoader';

const dir = mkdtempSync(path.join(tmpdir(), 'hopline-bundle-loader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bundle = (answer: number) => `'use strict';\nexports.answer = () => ${answer};\nexports.dir = __dirname;\nexports.self = module.filename;\nexports.hasRequire = typeof require('node:path').join === 'function';\n`;

function writeCache(file: string): void {
  const run = spawnSync(process.execPath, ['build/cliCodeCache.mjs', file], { encoding: 'utf8' });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
}

describe('bundleLoader', () => {
  it('compiles from the cache the build writes, and runs the bundle as a module', () => {
    const file = path.join(dir, 'fresh.cjs');
    writeFileSync(file, bundle(42));
    writeCache(file);
    const script = compileBundle(file);
    expect(script.cachedDataRejected).toBe(false);
    const loaded = runBundle<{ answer(): number; dir: string; self: string; hasRequire: boolean }>(script, file);
    expect(loaded.answer()).toBe(42);
    expect(loaded.dir).toBe(dir);
    expect(loaded.self).toBe(file);
    expect(loaded.hasRequire).toBe(true);
  });

  it('ignores a cache made for another source of the same length', () => {
    const file = path.join(dir, 'stale.cjs');
    writeFileSync(file, bundle(41));
    writeCache(file);
    writeFileSync(file, bundle(43));
    const script = compileBundle(file);
    // No cached data was offered at all (so nothing for V8 to accept or reject).
    expect(script.cachedDataRejected).toBeUndefined();
    expect(runBundle<{ answer(): number }>(script, file).answer()).toBe(43);
  });

  it('loads without a cache', () => {
    const file = path.join(dir, 'uncached.cjs');
    writeFileSync(file, bundle(7));
    const script = compileBundle(file);
    expect(script.cachedDataRejected).toBeUndefined();
    expect(runBundle<{ answer(): number }>(script, file).answer()).toBe(7);
  });
});
