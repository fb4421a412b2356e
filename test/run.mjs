#!/usr/bin/env node
// The test command: runs vitest, then prints one closing line `N passed, N failed, N skipped` so a run
// that executed no test is visible (CI reads that line). Exit status is vitest's, or 1 if nothing ran.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'obligo-test-'));
const report = join(dir, 'vitest.json');
const args = ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)];
const run = spawnSync('npx', args, { stdio: 'inherit' });

let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed = r.numPassedTests;
  failed = r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0);
  skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  // A test file that fails to load (syntax error, failing beforeAll) has no failed test: count it.
  for (const f of r.testResults ?? []) if (f.status === 'failed' && f.assertionResults.every((a) => a.status !== 'failed')) failed++;
} catch {
  failed = Math.max(failed, 1);
}
rmSync(dir, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(run.status !== 0 || failed > 0 || passed === 0 ? 1 : 0);
