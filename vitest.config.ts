import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'console/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Test files mostly wait on PostgreSQL, child processes and chromium, so three at once on the 2-core CI
    // machine: the whole suite took 1 101 s one file at a time (vitest's default there) and 699 s with three.
    maxWorkers: 3,
  },
});
