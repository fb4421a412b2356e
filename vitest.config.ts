import { defineConfig } from 'vitest/config';

// OBLIGO_TEST_INCLUDE (comma-separated globs) narrows the run: the mutation runs (stryker.config.mjs)
// use it to run the tests of the folder being mutated only.
const include = process.env.OBLIGO_TEST_INCLUDE ? process.env.OBLIGO_TEST_INCLUDE.split(',').filter(Boolean) : ['test/**/*.test.ts'];

export default defineConfig({
  test: {
    include,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
