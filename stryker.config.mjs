// Mutation testing with StrykerJS (run by hand, not in CI; slow on 2 cores):
//
//   npm run test:mutation                  # src/credits (default)
//   npm run test:mutation -- slo measure   # one run per folder, in turn
//
// test/mutation/run.mjs calls `stryker run` once per folder with OBLIGO_MUTATE=<folder>: it mutates
// src/<folder>/**/*.ts and runs that folder's tests (test/<folder>/**, see FOLDER_TESTS) with the
// vitest runner, one mutant at a time (--concurrency 1). Reports: .obligo/mutation/<folder>.html|json
// (.obligo/ is git-ignored); the score per file and folder is printed at the end. Survivors are either
// killed by a new test or listed with the reason they are equivalent in test/mutation/equivalent.md.
const folder = process.env.OBLIGO_MUTATE ?? 'credits';

/** Which tests may kill the mutants of a folder (unit and property tests; no real-Prometheus runs). */
const FOLDER_TESTS = {
  credits: ['test/credits/**/*.test.ts'],
  slo: ['test/slo/**/*.test.ts'],
  measure: ['test/measure/**/*.test.ts'],
  alerting: ['test/alerting/**/*.test.ts'],
};
const tests = FOLDER_TESTS[folder] ?? [`test/${folder}/**/*.test.ts`];
// Read by vitest.config.ts in the test-runner processes Stryker starts (they inherit the environment).
process.env.OBLIGO_TEST_INCLUDE = tests.join(',');

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.config.ts', related: false },
  mutate: [`src/${folder}/**/*.ts`, `!src/${folder}/index.ts`],
  coverageAnalysis: 'perTest',
  concurrency: 1,
  timeoutMS: 30_000,
  tempDirName: '.obligo/stryker-tmp',
  ignorePatterns: ['dist', 'out', '.obligo', '*.db', 'reports'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  htmlReporter: { fileName: `.obligo/mutation/${folder}.html` },
  jsonReporter: { fileName: `.obligo/mutation/${folder}.json` },
  // `npm run test:mutation -- measure --incremental`: one incremental file per folder.
  incrementalFile: `.obligo/mutation/${folder}-incremental.json`,
  thresholds: { high: 90, low: 80, break: null },
};
