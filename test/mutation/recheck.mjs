#!/usr/bin/env node
// `node test/mutation/recheck.mjs FOLDER [TEST_GLOB…]`: after tests were written for the survivors of a full run
// (`npm run test:mutation -- FOLDER`, report .obligo/mutation/<FOLDER>.json), re-run only those survivors
// (Stryker's --mutate on the lines they are on) against the given tests only (default for a folder:
// test/<FOLDER>/**/mutants-*.test.ts). Tests are only ever added, so every mutant the full run killed stays
// killed, and a survivor of the full run can only be killed by a test that was not in it: running the new
// tests alone decides the survivors in minutes instead of the full run's hour (src/measure: its property
// tests take most of that hour). Report: .obligo/mutation/<FOLDER>-recheck.json (the full run's is kept).
//
// Prints the full run's score per file with the survivors killed now counted as killed, the score without
// the survivors listed in equivalent.md, and every survivor neither killed nor listed.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
// Flags go to `stryker run` (e.g. --timeoutMS=10000).
const flags = args.filter((a) => a.startsWith('-'));
const [folder, ...globs] = args.filter((a) => !a.startsWith('-'));
if (!folder) {
  console.error('usage: node test/mutation/recheck.mjs FOLDER [TEST_GLOB…]');
  process.exit(2);
}
const label = existsSync(join(root, 'src', folder)) ? `src/${folder}` : folder;
const tests = globs.length ? globs : [`test/${folder}/**/mutants-*.test.ts`];
// OBLIGO_REPORT_SUFFIX: the full run was one of part of the folder (see run.mjs).
const suffix = process.env.OBLIGO_REPORT_SUFFIX ?? '';
const full = join(root, '.obligo', 'mutation', `${folder}${suffix}.json`);
const again = join(root, '.obligo', 'mutation', `${folder}${suffix}-recheck.json`);
if (!existsSync(full)) {
  console.error(`recheck: no report of a full run at ${relative(root, full)} (run npm run test:mutation -- ${folder} first)`);
  process.exit(1);
}

function equivalents() {
  const out = new Set();
  for (const line of readFileSync(join(root, 'test', 'mutation', 'equivalent.md'), 'utf8').split('\n')) {
    const m = /^\|\s*`([^`]+:\d+:\d+)`\s*\|\s*([A-Za-z]+)\s*\|/.exec(line);
    if (m) out.add(`${m[1]} ${m[2]}`);
  }
  return out;
}
const mutantsOf = (json) =>
  Object.entries(json.files).flatMap(([file, { mutants }]) => {
    const rel = relative(root, resolve(root, file));
    return mutants.map((m) => ({ ...m, file: rel, key: `${rel}:${m.location.start.line}:${m.location.start.column} ${m.mutatorName}` }));
  });
const undetected = (m) => m.status === 'Survived' || m.status === 'NoCoverage';

const base = mutantsOf(JSON.parse(readFileSync(full, 'utf8')));
const survivors = base.filter(undetected);
// The survivors' own places, as Stryker mutate ranges (file:LINE:COL-LINE:COL; Stryker reads the columns
// 0-based, the report writes them 1-based), so that the mutants the full run killed are not run again.
const ranges = [...new Set(survivors.map((m) => `${m.file}:${m.location.start.line}:${m.location.start.column - 1}-${m.location.end.line}:${m.location.end.column}`))];
console.log(`recheck: ${survivors.length} survivors of ${label} in ${ranges.length} places, against ${tests.join(', ')}`);
rmSync(again, { force: true });
if (ranges.length > 0) {
  const r = spawnSync('npx', ['stryker', 'run', 'stryker.config.mjs', '--concurrency', '1', '--mutate', ranges.join(','), ...flags], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, OBLIGO_MUTATE: folder, OBLIGO_MUTANT_TESTS: tests.join(','), OBLIGO_REPORT_SUFFIX: `${suffix}-recheck` },
  });
  if (r.status !== 0 || !existsSync(again)) {
    console.error(`recheck: stryker failed (status ${r.status})`);
    process.exit(1);
  }
}
const now = new Map();
if (existsSync(again)) for (const m of mutantsOf(JSON.parse(readFileSync(again, 'utf8')))) now.set(`${m.key} ${m.replacement}`, m.status);
// The full run's mutants, with the survivors killed now counted as killed.
const merged = base.map((m) => {
  if (!undetected(m)) return m;
  const s = now.get(`${m.key} ${m.replacement}`);
  if (s === undefined) console.warn(`recheck: ${m.key} (${JSON.stringify(m.replacement)}) was not re-run: the source moved? run the full run again`);
  return s === 'Killed' || s === 'Timeout' ? { ...m, status: s, recheck: true } : m;
});
const eq = equivalents();
const score = (ms) => {
  const detected = ms.filter((m) => m.status === 'Killed' || m.status === 'Timeout').length;
  const valid = detected + ms.filter(undetected).length;
  const listed = ms.filter((m) => undetected(m) && eq.has(m.key)).length;
  return { valid, detected, listed, killedNow: ms.filter((m) => m.recheck).length, pct: valid ? (100 * detected) / valid : 100, adjusted: valid - listed ? (100 * detected) / (valid - listed) : 100 };
};
console.log(`\n${label}: full run + survivors re-checked (killed or timed out / valid mutants; killed by the re-check; listed as equivalent)`);
for (const file of [...new Set(merged.map((m) => m.file))].sort()) {
  const s = score(merged.filter((m) => m.file === file));
  console.log(`  ${s.pct.toFixed(2).padStart(6)} %  ${String(s.detected).padStart(4)}/${String(s.valid).padEnd(4)}  re-check killed ${String(s.killedNow).padStart(3)}  listed ${String(s.listed).padStart(3)}  ${file}`);
}
const t = score(merged);
console.log(`  ${t.pct.toFixed(2).padStart(6)} %  ${String(t.detected).padStart(4)}/${String(t.valid).padEnd(4)}  re-check killed ${String(t.killedNow).padStart(3)}  listed ${String(t.listed).padStart(3)}  ${label} (all files)`);
console.log(`  ${t.adjusted.toFixed(2).padStart(6)} %  without the ${t.listed} survivors listed as equivalent in test/mutation/equivalent.md`);
const unexplained = merged.filter((m) => undetected(m) && !eq.has(m.key));
if (unexplained.length) {
  console.log(`  ${unexplained.length} survivors neither killed nor listed as equivalent:`);
  for (const m of unexplained) console.log(`    ${m.key.replace(' ', '  ')}  ${m.status}  → ${JSON.stringify(m.replacement ?? '')}`);
}
