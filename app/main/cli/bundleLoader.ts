/**
 * Loads a CommonJS bundle that sits beside this one (cliFull.cjs) with V8's code cache, which the
 * build writes next to it (build/cliCodeCache.mjs): every `hopline` command starts cold, and
 * compiling the 2 MB bundle was about a sixth of a 3-hop `hopline exec true`. Node 20 has no
 * module compile cache of its own (module.enableCompileCache is Node 22).
 *
 * The cache file is the SHA-256 of the bundle file followed by V8's data: V8 itself checks
 * only its version, its flags and the source's length, so a cache left from another build of
 * the same length must never be handed to it. A missing, stale or rejected cache only costs the
 * compile it would have saved.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type NodeModule from 'node:module';
import path from 'node:path';
import type NodeVm from 'node:vm';

/**
 * node:vm and node:module are required when a bundle is loaded, not when cli.cjs starts:
 * `hopline proxy`'s warm path loads no module it does not use (test/integration/proxyStartup.test.ts).
 */
function builtins(): { vm: typeof NodeVm; Module: typeof NodeModule } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazily, see above
  return { vm: require('node:vm') as typeof NodeVm, Module: require('node:module') as typeof NodeModule };
}

/** Where build/cliCodeCache.mjs puts the code cache for `bundleFile`. */
export function codeCachePath(bundleFile: string): string {
  return `${bundleFile}.cache`;
}

/** Of the file's bytes, not of the decoded string: hashing that would take three times as long. */
function bundleDigest(bundle: Buffer): Buffer {
  return createHash('sha256').update(bundle).digest();
}

/** The V8 data in `cacheFile` if it was made for `bundle`, else undefined. */
function v8DataFor(bundle: Buffer, cacheFile: string): Buffer | undefined {
  let cache: Buffer;
  try {
    cache = readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  if (cache.length <= 32 || !cache.subarray(0, 32).equals(bundleDigest(bundle))) return undefined;
  return cache.subarray(32);
}

/** Compiles a bundle as require() would, with its code cache when one fits. */
export function compileBundle(filename: string, cachedData?: Buffer): NodeVm.Script {
  const { vm, Module } = builtins();
  const bundle = readFileSync(filename);
  return new vm.Script(Module.wrap(bundle.toString('utf8')), { filename, cachedData: cachedData ?? v8DataFor(bundle, codeCachePath(filename)) });
}

/** Runs a compiled bundle as a module of its own and returns its exports. */
export function runBundle<T>(script: NodeVm.Script, filename: string): T {
  const { Module } = builtins();
  const dirname = path.dirname(filename);
  const mod = new Module(filename);
  mod.filename = filename;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname);
  const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: NodeModule, filename: string, dirname: string) => void;
  wrapper.call(mod.exports, mod.exports, Module.createRequire(filename), mod, filename, dirname);
  mod.loaded = true;
  return mod.exports as T;
}

/** `require(file)` for a bundle beside this one, compiled from its code cache when it fits. */
export function loadBundle<T>(file: string): T {
  const filename = path.join(__dirname, file);
  return runBundle<T>(compileBundle(filename), filename);
}
