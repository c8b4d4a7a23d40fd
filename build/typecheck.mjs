// Type-checks every part of the app against its own lib/types, so that an import across the
// layering (Node in the renderer, Electron in services, DOM in shared) is a red build.
import { spawnSync } from 'node:child_process';

const projects = [
  'app/shared/tsconfig.json',
  'app/renderer/tsconfig.json',
  'app/main/tsconfig.json',
  'app/main/electron/tsconfig.json',
  'test/tsconfig.json',
];
let failed = 0;
for (const project of projects) {
  const run = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project], { stdio: 'inherit' });
  console.log(`typecheck ${project}: ${run.status === 0 ? 'ok' : 'FAILED'}`);
  if (run.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
