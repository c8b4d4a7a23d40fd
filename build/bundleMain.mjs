// Bundles the main-side entry points to CommonJS in dist/main. npm packages stay external
// (electron-builder ships node_modules in the asar), but for the CLI's pure-JS ones (below); the
// sandboxed preload is bundled on its own with everything but 'electron' inlined, since a
// sandboxed preload cannot require files.
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  define: { HOPLINE_VERSION: JSON.stringify(version) },
};

/** Packages the CLI bundle leaves to node_modules: native addons with their own loaders. */
const CLI_NATIVE_PACKAGES = ['keytar', 'cpu-features', 'electron'];

/**
 * A native addon required by relative path from inside a bundled package (ssh2's crypto binding,
 * `./crypto/build/Release/sshcrypto.node`) is required by its package path instead, so node finds
 * it in node_modules as before. ssh2 would otherwise fall back to its pure-JS ciphers, silently.
 */
const nativeAddonsByPackagePath = {
  name: 'native-addons-by-package-path',
  setup(b) {
    b.onResolve({ filter: /\.node$/ }, (args) => {
      const file = path.join(args.resolveDir, args.path).split(path.sep).join('/');
      const inPackage = /^(?:.*\/)?node_modules\/(.+)$/.exec(file);
      if (!inPackage) throw new Error(`native addon outside node_modules: ${args.path} from ${args.importer}`);
      return { path: inPackage[1], external: true };
    });
  },
};

await Promise.all([
  build({ ...common, entryPoints: { electron: 'app/main/electron/main.ts', web: 'app/main/web/main.ts' }, outdir: 'dist/main', outExtension: { '.js': '.cjs' }, packages: 'external' }),
  // The `hopline` bin: executable, with a shebang. Two files, so that `hopline proxy` (started by
  // ssh for every session) parses and runs only its warm path: cli.cjs requires cliFull.cjs (the
  // rest of the CLI, with ssh2 and the other packages) only when a command needs it, through
  // bundleLoader.ts with V8's code cache (bin.ts only imports cliFull's types). Not import(): an
  // import() of CommonJS goes through the ESM loader, which first scans the whole bundle with
  // cjs-module-lexer for its export names.
  build({ ...common, entryPoints: { cli: 'app/main/cli/bin.ts' }, outdir: 'dist/main', outExtension: { '.js': '.cjs' }, packages: 'external', banner: { js: '#!/usr/bin/env node' } }),
  // Packages are inlined (zod, otpauth, ssh2 as patched in node_modules): every `hopline` command
  // starts cold, and loading zod's ~95 files and ssh2's 20 one by one (resolve, read, compile
  // each) was about a third of the CLI's start. Native addons still load from node_modules.
  // Its one import() (keytar) becomes a require too: bin.ts compiles it in a vm.Script
  // (bundleLoader.ts), where import() would need a loader of its own.
  build({ ...common, entryPoints: { cliFull: 'app/main/cli/cliFull.ts' }, outdir: 'dist/main', outExtension: { '.js': '.cjs' }, external: CLI_NATIVE_PACKAGES, plugins: [nativeAddonsByPackagePath], supported: { 'dynamic-import': false } }),
  build({ ...common, entryPoints: { preload: 'app/main/preload/preload.ts' }, outdir: 'dist/main', outExtension: { '.js': '.cjs' }, external: ['electron'], sourcemap: false }),
]);
chmodSync('dist/main/cli.cjs', 0o755);
// V8's code cache for cliFull.cjs, which every CLI command but the proxy's warm path compiles.
const cache = spawnSync(process.execPath, ['build/cliCodeCache.mjs', 'dist/main/cliFull.cjs'], { stdio: 'inherit' });
if (cache.status !== 0) throw new Error(`build/cliCodeCache.mjs failed (exit ${cache.status})`);
