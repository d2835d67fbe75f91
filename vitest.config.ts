import { defineConfig } from 'vitest/config';

// One run over the whole workspace. Test files talk to the real Redis and MariaDB; each uses its own
// key prefix or database, so files may run side by side.
export default defineConfig({
  test: {
    include: [
      'apps/*/test/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'loadtest/*/test/**/*.test.ts',
      'tools/*/test/**/*.test.ts',
      'bench/test/**/*.test.ts',
    ],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
