// Mutation testing with StrykerJS (run by hand, not in CI; slow on 2 cores):
//
//   npm run test:mutation                  # src/credits (default)
//   npm run test:mutation -- slo measure   # one run per folder, in turn
//   npm run test:mutation -- outbox        # a named target (TARGETS): the PagerDuty outbox outside src/alerting
//   npm run test:mutation -- measure --incremental   # only mutants whose code or tests changed since the last run
//
// test/mutation/run.mjs calls `stryker run` once per folder with OBLIGO_MUTATE=<folder>: it mutates
// src/<folder>/**/*.ts and runs that folder's tests (test/<folder>/**, see FOLDER_TESTS) with the
// vitest runner, one mutant at a time (--concurrency 1). Reports: .obligo/mutation/<folder>.html|json
// (.obligo/ is git-ignored); the score per file and folder is printed at the end. Survivors are either
// killed by a new test or listed with the reason they are equivalent in test/mutation/equivalent.md.
import { readFileSync } from 'node:fs';

const folder = process.env.OBLIGO_MUTATE ?? 'credits';

/** Which tests may kill the mutants of a folder (unit and property tests; no real-Prometheus runs). */
const FOLDER_TESTS = {
  credits: ['test/credits/**/*.test.ts'],
  slo: ['test/slo/**/*.test.ts'],
  measure: ['test/measure/**/*.test.ts'],
  alerting: ['test/alerting/**/*.test.ts'],
};

/**
 * `file:FROM-TO` (1-based lines, for Stryker's `mutate`) from the first line matching `from` to the line
 * before the next one matching `to` (or `to` itself with `inclusive`; end of file when `to` is null).
 * Found by markers, not numbers, so that the ranges follow edits of the file. A marker not found is an error.
 */
function lines(file, from, to, inclusive = false) {
  const src = readFileSync(new URL(file, import.meta.url), 'utf8').split('\n');
  const a = src.findIndex((l) => from.test(l));
  if (a < 0) throw new Error(`stryker.config.mjs: ${from} not found in ${file}`);
  let b = src.length - 1;
  if (to) {
    const k = src.findIndex((l, i) => i > a && to.test(l));
    if (k < 0) throw new Error(`stryker.config.mjs: ${to} not found after ${from} in ${file}`);
    b = inclusive ? k : k - 1;
  }
  return `${file}:${a + 1}-${b + 1}`;
}

/**
 * Named targets that are not one folder: what they mutate and which tests run. The PagerDuty outbox
 * outside src/alerting (issue 13): the sender and the outbox part of the SQLite store (`outbox`), and
 * the outbox part of the PostgreSQL store (`outbox-pg`, apart because each of its test files starts a
 * throwaway PostgreSQL cluster). test/server/sender-kill9.test.ts is left out: its sender runs in a
 * child process, which never activates a mutant (and takes seconds per run); so is test/alerting/pipeline.test.ts,
 * which runs a real Prometheus (its sender paths are those of test/server/sender*.test.ts).
 */
const TARGETS = {
  // src/kept.ts, the values kept per loaded-contract object that several rooms share.
  kept: () => ({ mutate: ['src/kept.ts'], tests: ['test/kept/*.test.ts'] }),
  // The limits of the GraphQL port (the evaluation's deadline and size, first-problem validation, linear
  // duplicate checks and extension merging); its tests include the differential test against the real OPA
  // (on PATH: /root/go/bin here) and the graphql conformance cases.
  'graphql-limits': () => ({
    mutate: [
      'src/policy/rego/builtins/graphql-budget.ts',
      lines('src/policy/rego/builtins/graphql-schema.ts', /^\/\*\* Lists made while loading a schema/, /^\/\*\* convertSchema/),
      lines('src/policy/rego/builtins/graphql-schema.ts', /^  const addPossible = /, /^  const schema: LoadedSchema = /),
      lines('src/policy/rego/builtins/graphql-schema.ts', /^function duplicateArg/, /^function validateDirective\(/),
      lines('src/policy/rego/builtins/graphql-schema.ts', /^  const fields = arr\(def\.Fields\);/, /^  if \(!def\.BuiltIn\)/),
      lines('src/policy/rego/builtins/graphql-validate.ts', /^\/\*\* Thrown at the first problem/, /^\/\*\* gqlparser's ValidateWithRules/),
    ],
    tests: ['test/policy/graphql-budget.test.ts', 'test/policy/graphql-ast.test.ts', 'test/policy/conformance.test.ts'],
  }),
  outbox: () => ({
    mutate: [
      'src/server/sender.ts',
      lines('src/store/alerts.ts', /^interface OutboxDbRow/, /^function toTransition/),
      // int() and limitOf(), up to the next top-level declaration (frozenState is alert-state code)
      lines('src/store/alerts.ts', /^function int\(/, /^(\/\*\*|export |function (?!limitOf))/),
      lines('src/store/alerts.ts', /^\s*insertOutbox: p\(/, /^\s*prune: p\(/, true),
      lines('src/store/alerts.ts', /^\s*for \(const e of c\.events\)/, /already enqueued/, true),
      lines('src/store/alerts.ts', /\/\/ ---- OutboxStore/, null),
    ],
    tests: ['test/server/sender.test.ts', 'test/server/*mutants*.test.ts', 'test/store/alerts.test.ts', 'test/store/sqlite.test.ts', 'test/store/*mutants*.test.ts', 'test/store/contract.test.ts'],
  }),
  'outbox-pg': () => ({
    mutate: [
      lines('src/store/postgres.ts', /^interface OutboxDbRow/, /^function toTransition/),
      lines('src/store/postgres.ts', /^function int\(/, /^type Queryable/),
      lines('src/store/postgres.ts', /^const CLAIM_SQL/, /^export class PostgresStore/),
      lines('src/store/postgres.ts', /^\s*for \(const e of c\.events\)/, /only references may be stored/, true),
      lines('src/store/postgres.ts', /^\s*if \(c\.events\.length > 0\)/, /already enqueued/, true),
      lines('src/store/postgres.ts', /\/\/ ---- OutboxStore/, /\/\/ ---- replicas/),
    ],
    tests: ['test/store/contract.test.ts', 'test/store/postgres.test.ts', 'test/store/*mutants*.test.ts'],
  }),
};
export const TARGET_NAMES = Object.keys(TARGETS);

const target = TARGETS[folder]?.();
// test/mutation/recheck.mjs re-runs a folder's survivors against some tests only (OBLIGO_MUTANT_TESTS),
// with its own report (OBLIGO_REPORT_SUFFIX), so that the folder's report stays the one of the full run.
const tests = process.env.OBLIGO_MUTANT_TESTS?.split(',') ?? target?.tests ?? FOLDER_TESTS[folder] ?? [`test/${folder}/**/*.test.ts`];
const report = `.obligo/mutation/${folder}${process.env.OBLIGO_REPORT_SUFFIX ?? ''}`;
// Read by vitest.config.ts in the test-runner processes Stryker starts (they inherit the environment).
process.env.OBLIGO_TEST_INCLUDE = tests.join(',');

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.config.ts', related: false },
  mutate: target?.mutate ?? [`src/${folder}/**/*.ts`, `!src/${folder}/index.ts`],
  coverageAnalysis: 'perTest',
  concurrency: 1,
  timeoutMS: 30_000,
  // one sandbox folder per report, so that a re-check can run while a part of a folder is being run
  tempDirName: `.obligo/stryker-tmp${process.env.OBLIGO_REPORT_SUFFIX ?? ''}`,
  ignorePatterns: ['dist', 'out', '.obligo', '*.db', 'reports'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  htmlReporter: { fileName: `${report}.html` },
  jsonReporter: { fileName: `${report}.json` },
  // `npm run test:mutation -- measure --incremental`: one incremental file per folder.
  incrementalFile: `${report}-incremental.json`,
  thresholds: { high: 90, low: 80, break: null },
};
