// Writes V8's code cache for a CLI bundle (`node build/cliCodeCache.mjs dist/main/cliFull.cjs`),
// in the layout app/main/cli/bundleLoader.ts reads: the SHA-256 of the bundle file, then
// V8's data. The bundle is compiled in the same wrapper as there (Module.wrap) and its top level
// is run first, so the functions it calls while loading are in the cache too. Run in a process of
// its own: it loads ssh2 and the rest of the CLI, and exits without waiting on them.
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

const filename = path.resolve(process.argv[2]);
const bundle = readFileSync(filename);
const script = new vm.Script(Module.wrap(bundle.toString('utf8')), { filename });
const mod = new Module(filename);
mod.filename = filename;
mod.paths = Module._nodeModulePaths(path.dirname(filename));
script.runInThisContext().call(mod.exports, mod.exports, createRequire(filename), mod, filename, path.dirname(filename));
writeFileSync(`${filename}.cache`, Buffer.concat([createHash('sha256').update(bundle).digest(), script.createCachedData()]));
process.exit(0);
