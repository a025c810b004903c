import { defineConfig } from 'vitest/config';

process.env.TZ = 'UTC';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // DuckDB work is CPU-bound and the machine has two cores.
    maxWorkers: 2,
    env: { TZ: 'UTC', FANGST_LOG_LEVEL: 'silent' },
  },
});
