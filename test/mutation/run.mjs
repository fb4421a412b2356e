#!/usr/bin/env node
// `npm run test:mutation [-- FOLDER…]`: StrykerJS on src/<FOLDER> (default: credits), one folder after the
// other, one mutant at a time (see stryker.config.mjs). Run by hand, not in CI: src/credits takes a few
// minutes on 2 cores, src/slo and src/measure much longer.
//
// Afterwards, per folder: the mutation score per file and in total, the score once the survivors listed
// as equivalent in test/mutation/equivalent.md are set aside, and every other survivor (file:line,
// mutator, replacement), which is either a missing test or an equivalent mutant still to be listed.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const folders = process.argv.slice(2).filter((a) => !a.startsWith('-'));
// Flags are passed on to `stryker run`, e.g. `--incremental` (re-runs only the mutants whose code or tests
// changed since the last run of that folder; its file: .obligo/mutation/<folder>-incremental.json).
const flags = process.argv.slice(2).filter((a) => a.startsWith('-'));
if (folders.length === 0) folders.push('credits');
const tempDir = join(root, '.obligo', `stryker-tmp${process.env.OBLIGO_REPORT_SUFFIX ?? ''}`);
// Named targets that are not one folder of src/ (e.g. `outbox`), defined in stryker.config.mjs.
const { TARGET_NAMES } = await import(join(root, 'stryker.config.mjs'));

/** Survivors explained in equivalent.md: rows "| `src/…:LINE:COL` | Mutator | `replacement` | why |". */
function equivalents() {
  const file = join(root, 'test', 'mutation', 'equivalent.md');
  const out = new Set();
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\|\s*`([^`]+:\d+:\d+)`\s*\|\s*([A-Za-z]+)\s*\|/.exec(line);
    if (m) out.add(`${m[1]} ${m[2]}`);
  }
  return out;
}

function score(ms) {
  const count = (s) => ms.filter((m) => m.status === s).length;
  const detected = count('Killed') + count('Timeout');
  const undetected = count('Survived') + count('NoCoverage');
  const valid = detected + undetected;
  return { valid, detected, survived: count('Survived'), noCoverage: count('NoCoverage'), pct: valid ? (100 * detected) / valid : 100 };
}

const summary = [];
let failed = false;
for (const folder of folders) {
  const isTarget = TARGET_NAMES.includes(folder);
  const label = isTarget ? folder : `src/${folder}`;
  if (!isTarget && !existsSync(join(root, 'src', folder))) {
    console.error(`test:mutation: no folder src/${folder} and no target ${folder} (targets: ${TARGET_NAMES.join(', ')})`);
    failed = true;
    continue;
  }
  // The sandbox is <tempDir>/sandbox-*: tests find ../shared (test/helpers/tools.ts) at <tempDir>/shared.
  const shared = resolve(root, '..', 'shared');
  if (existsSync(shared)) {
    mkdirSync(join(tempDir, 'shared'), { recursive: true });
    for (const sub of ['reference', 'spec']) if (existsSync(join(shared, sub))) cpSync(join(shared, sub), join(tempDir, 'shared', sub), { recursive: true });
  }
  // OBLIGO_REPORT_SUFFIX (read by stryker.config.mjs too): a run of part of a folder (`--mutate FILE…`) keeps its
// own report and incremental file, e.g. OBLIGO_REPORT_SUFFIX=-windows … -- measure --mutate src/measure/windows.ts.
const report = join(root, '.obligo', 'mutation', `${folder}${process.env.OBLIGO_REPORT_SUFFIX ?? ''}.json`);
  rmSync(report, { force: true });
  console.log(`\n=== stryker run: ${label} ===`);
  const r = spawnSync('npx', ['stryker', 'run', 'stryker.config.mjs', '--concurrency', '1', ...flags], { cwd: root, stdio: 'inherit', env: { ...process.env, OBLIGO_MUTATE: folder } });
  if (r.status !== 0 || !existsSync(report)) {
    console.error(`test:mutation: stryker failed on ${label} (status ${r.status})`);
    failed = true;
    continue;
  }
  const json = JSON.parse(readFileSync(report, 'utf8'));
  const eq = equivalents();
  const all = [];
  const perFile = [];
  for (const [file, { mutants }] of Object.entries(json.files)) {
    const rel = relative(root, resolve(root, file));
    const ms = mutants.map((m) => ({ ...m, file: rel, key: `${rel}:${m.location.start.line}:${m.location.start.column} ${m.mutatorName}` }));
    all.push(...ms);
    perFile.push([rel, score(ms)]);
  }
  const total = score(all);
  const unexplained = all.filter((m) => (m.status === 'Survived' || m.status === 'NoCoverage') && !eq.has(m.key));
  const listed = all.filter((m) => (m.status === 'Survived' || m.status === 'NoCoverage') && eq.has(m.key)).length;
  const adjusted = total.valid - listed ? (100 * total.detected) / (total.valid - listed) : 100;
  console.log(`\n${label}: mutation score per file (killed or timed out / valid mutants)`);
  for (const [f, s] of perFile.sort()) console.log(`  ${s.pct.toFixed(2).padStart(6)} %  ${String(s.detected).padStart(4)}/${String(s.valid).padEnd(4)}  ${f}`);
  console.log(`  ${total.pct.toFixed(2).padStart(6)} %  ${String(total.detected).padStart(4)}/${String(total.valid).padEnd(4)}  ${label} (all files)`);
  console.log(`  ${adjusted.toFixed(2).padStart(6)} %  without the ${listed} survivors listed as equivalent in test/mutation/equivalent.md`);
  if (unexplained.length) {
    console.log(`  ${unexplained.length} survivors neither killed nor listed as equivalent:`);
    for (const m of unexplained) console.log(`    ${m.key.replace(' ', '  ')}  ${m.status}  → ${JSON.stringify(m.replacement ?? '')}`);
  }
  summary.push(`${label}: ${total.pct.toFixed(2)} % (${total.detected}/${total.valid}); ${adjusted.toFixed(2)} % without ${listed} listed equivalents; ${unexplained.length} unexplained survivors`);
}
console.log(`\n${summary.join('\n')}`);
process.exit(failed ? 1 : 0);
