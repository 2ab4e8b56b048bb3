import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Network tests talk to servers on 127.0.0.1 only; two cores, so keep the pool small.
    pool: 'forks',
    maxWorkers: 2,
  },
});
