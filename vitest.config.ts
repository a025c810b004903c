import { defineConfig } from 'vitest/config';

process.env.TZ = 'UTC';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-tmp.ts'],
    // Only a bound for a test that hangs: tests wait for events (test/helpers/wait.ts), never for
    // a time, and one that runs whole nightlies must still pass on a machine busy with other work.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    // DuckDB work is CPU-bound and the machine has two cores.
    maxWorkers: 2,
    // A pseudonym key from the environment: shareable reports otherwise make var/pseudonym.key
    // in the working directory, which is the checkout.
    env: { TZ: 'UTC', FANGST_LOG_LEVEL: 'silent', FANGST_PSEUDONYM_KEY: 'vitest: a pseudonym key of at least sixteen bytes' },
  },
});
