#!/usr/bin/env node
// The test command: runs vitest, then prints one closing line `N passed, N failed, N skipped` so a run
// that executed no test is visible (CI reads that line). Exit status is vitest's, or 1 if nothing ran; a
// run that vitest failed with no failed test (unhandled errors) is counted as 1 failed in that line.
// Before that line: why tests were skipped, grouped by reason. A test that needs a missing tool says so
// in its title (`… (skipped: promtool not found on PATH …)`, test/helpers/tools.ts); a skip without such
// a note is listed under its file as "no reason given", so that no skip goes unexplained.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'obligo-test-'));
const report = join(dir, 'vitest.json');
const args = ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)];
const run = spawnSync('npx', args, { stdio: 'inherit' });

let passed = 0;
let failed = 0;
let skipped = 0;
/** reason → { count, files } */
const reasons = new Map();
try {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed = r.numPassedTests;
  failed = r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0);
  skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  // A test file that fails to load (syntax error, failing beforeAll) has no failed test: count it.
  for (const f of r.testResults ?? []) if (f.status === 'failed' && f.assertionResults.every((a) => a.status !== 'failed')) failed++;
  for (const f of r.testResults ?? []) {
    const file = relative(process.cwd(), f.name ?? '');
    for (const a of f.assertionResults ?? []) {
      if (a.status !== 'pending' && a.status !== 'skipped' && a.status !== 'todo') continue;
      const titles = [...(a.ancestorTitles ?? []), a.title ?? ''].join(' > ');
      const note = /\(skipped: ([^)]*(?:\([^)]*\)[^)]*)*)\)/.exec(titles)?.[1];
      const reason = note ?? (a.status === 'todo' ? 'todo' : 'no reason given');
      const entry = reasons.get(reason) ?? { count: 0, files: new Set() };
      entry.count++;
      entry.files.add(file);
      reasons.set(reason, entry);
    }
  }
} catch {
  failed = Math.max(failed, 1);
}
rmSync(dir, { recursive: true, force: true });
if (reasons.size) {
  console.log('skipped:');
  for (const [reason, { count, files }] of [...reasons].sort((a, b) => b[1].count - a[1].count)) {
    const list = [...files].sort();
    console.log(`  ${count} × ${reason}  [${list.slice(0, 4).join(', ')}${list.length > 4 ? `, +${list.length - 4} more` : ''}]`);
  }
}
if (run.status !== 0 && failed === 0) {
  // Every test passed but vitest failed the run (unhandled errors, a crash of a worker): the run failed.
  console.log(`vitest exited with status ${run.status ?? run.signal} although no test failed (unhandled errors? see above): counted as 1 failed`);
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(run.status !== 0 || failed > 0 || passed === 0 ? 1 : 0);
