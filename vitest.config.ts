import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests that spawn clusters bind real ports and use real disks; two cores, so at most two
    // files at a time keeps timings honest.
    maxWorkers: 2,
  },
});
