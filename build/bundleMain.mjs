// Bundles the main-side entry points to CommonJS in dist/main. npm packages stay external
// (electron-builder ships node_modules in the asar); the sandboxed preload is bundled on its
// own with everything but 'electron' inlined, since a sandboxed preload cannot require files.
import { chmodSync, readFileSync } from 'node:fs';
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

/** bin.ts's `import('./cliFull')` stays a require of the sibling bundle instead of being inlined. */
const cliFullApart = {
  name: 'cli-full-apart',
  setup(b) {
    b.onResolve({ filter: /^\.\/cliFull$/ }, () => ({ path: './cliFull.cjs', external: true }));
  },
};

await Promise.all([
  build({ ...common, entryPoints: { electron: 'app/main/electron/main.ts', web: 'app/main/web/main.ts' }, outdir: 'dist/main', outExtension: { '.js': '.cjs' }, packages: 'external' }),
  // The `hopline` bin: executable, with a shebang. Two files, so that `hopline proxy` (started by
  // ssh for every session) parses and runs only its warm path: cli.cjs requires cliFull.cjs (the
  // rest of the CLI, with ssh2 and the other packages) only when a command needs it.
  build({ ...common, entryPoints: { cli: 'app/main/cli/bin.ts' }, outdir: 'dist/main', outExtension: { '.js': '.cjs' }, packages: 'external', banner: { js: '#!/usr/bin/env node' }, plugins: [cliFullApart] }),
  build({ ...common, entryPoints: { cliFull: 'app/main/cli/cliFull.ts' }, outdir: 'dist/main', outExtension: { '.js': '.cjs' }, packages: 'external' }),
  build({ ...common, entryPoints: { preload: 'app/main/preload/preload.ts' }, outdir: 'dist/main', outExtension: { '.js': '.cjs' }, external: ['electron'], sourcemap: false }),
]);
chmodSync('dist/main/cli.cjs', 0o755);
