import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    environment: 'node',
    // Brings the real-OpenSSH lab up once for the run (and down after), or says why it can't.
    globalSetup: ['test/setup/globalSetup.ts'],
    pool: 'forks',
    // One file at a time: the lab is one shared instance, and the fault tests cut its links and
    // kill its servers, which would break another file's circuits mid-test.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
