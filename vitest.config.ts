/**
 * vitest: which files are tests, generous timeouts for tests that run real clusters, two files
 * at a time, and a global setup that fails the run when a test leaves files in the temp dir.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests that spawn clusters bind real ports and use real disks; two cores, so at most two
    // files at a time keeps timings honest.
    maxWorkers: 2,
    globalSetup: ['test/globalSetup.ts'],
  },
});
