// Cold compile of one small policy (run by hand):
//   npx tsx bench/policy-cold.ts [RUNS]        (default 10; COLD_CODEGEN=0: the engine without generated
//                                              code, closures only, as RegoEngineOptions.codegen false)
// What `obligo gate` pays for its policy in a fresh process: node starts, imports the Rego engine
// (src/policy/rego/engine.ts, as the builtin backend does), parses and compiles
// policies/obligo/gate.rego alone, loads the builtin families it calls, and evaluates it once.
// The engine is first transformed file by file into plain JavaScript in a temporary directory (esbuild,
// no bundling: the same module graph as tsc's dist/), so that the child processes run plain `node`
// without a TypeScript loader. Each run is a fresh process timed by this parent; the child reports
// its own phases (performance.now() since its start). Best and median of RUNS, next to `node -e 0`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { build } from 'esbuild';

const RUNS = Number(process.argv[2] ?? 10);
const root = join(import.meta.dirname, '..');
const regoDir = join(root, 'src', 'policy', 'rego');
const work = mkdtempSync(join(tmpdir(), 'obligo-cold-'));
symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'));
writeFileSync(join(work, 'package.json'), '{"type":"module"}');

const files: string[] = [];
const walk = (d: string): void => {
  for (const f of readdirSync(d)) {
    const p = join(d, f);
    if (statSync(p).isDirectory()) walk(p);
    else if (f.endsWith('.ts')) files.push(p);
  }
};
walk(regoDir);
await build({ entryPoints: files, outdir: join(work, 'rego'), outbase: regoDir, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning' });

const gate = readFileSync(join(root, 'policies', 'obligo', 'gate.rego'), 'utf8');
writeFileSync(join(work, 'gate.rego'), gate);
const input = {
  slas: [
    { contract: 'acme-cdn', sla: 'availability', state: 'ok', achieved: 99.97, objective: 99.9, budgetRemaining: 0.7, coverage: { ratio: 1, minimum: 0.9, complete: true, partialResponse: false } },
  ],
  min_budget: 0.1,
};
writeFileSync(join(work, 'input.json'), JSON.stringify(input));
writeFileSync(
  join(work, 'child.mjs'),
  `const t0 = performance.now();
const { readFileSync } = await import('node:fs');
const { RegoEngine } = await import('./rego/engine.js');
const { loadBuiltins } = await import('./rego/builtins/load.js');
const { toJS } = await import('./rego/value.js');
const t1 = performance.now();
const e = new RegoEngine({ codegen: process.env.COLD_CODEGEN !== '0' });
e.addModule('policies/obligo/gate.rego', readFileSync(new URL('./gate.rego', import.meta.url), 'utf8'));
const t2 = performance.now();
e.compile();
const t3 = performance.now();
await loadBuiltins(e.usedBuiltins());
const t4 = performance.now();
const v = toJS(e.eval('data.obligo.gate.result', JSON.parse(readFileSync(new URL('./input.json', import.meta.url), 'utf8'))));
const t5 = performance.now();
// a second engine in the same process: what the compile costs once the JIT and caches are warm
const e2 = new RegoEngine({ codegen: process.env.COLD_CODEGEN !== '0' });
e2.addModule('policies/obligo/gate.rego', readFileSync(new URL('./gate.rego', import.meta.url), 'utf8'));
e2.compile();
const t6 = performance.now();
if (!v || typeof v !== 'object' || !('decision' in v)) throw new Error('unexpected result ' + JSON.stringify(v));
process.stdout.write(JSON.stringify({ start: t0, import: t1 - t0, parse: t2 - t1, compile: t3 - t2, builtins: t4 - t3, eval: t5 - t4, total: t5, again: t6 - t5 }));
`,
);

const time = (args: string[]): { wall: number; out: string } => {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: work, encoding: 'utf8' });
  const wall = performance.now() - t;
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  return { wall, out: r.stdout };
};

interface Phases {
  start: number;
  import: number;
  parse: number;
  compile: number;
  builtins: number;
  eval: number;
  total: number;
  again: number;
}
const base: number[] = [];
const runs: (Phases & { wall: number })[] = [];
for (let i = 0; i < RUNS; i++) {
  base.push(time(['-e', '0']).wall);
  const r = time(['child.mjs']);
  runs.push({ ...(JSON.parse(r.out) as Phases), wall: r.wall });
}
if (process.env.KEEP_COLD) console.log(`kept ${work}`);
else rmSync(work, { recursive: true, force: true });

const best = (xs: number[]) => Math.min(...xs);
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const row = (name: string, xs: number[]) => console.log(`  ${name.padEnd(58)} best ${best(xs).toFixed(1).padStart(6)} ms   median ${med(xs).toFixed(1).padStart(6)} ms`);
console.log(`cold compile of policies/obligo/gate.rego alone, a fresh node process each, ${RUNS} runs (engine from ${relative(root, regoDir)}, plain JS${process.env.COLD_CODEGEN === '0' ? ', codegen off' : ''}):`);
row('node -e 0 (process start and exit, wall)', base);
row('node child.mjs (the whole process, wall)', runs.map((r) => r.wall));
row('  before the script runs (node startup)', runs.map((r) => r.start));
row('  import the engine (engine.ts, value, ast, compile, eval)', runs.map((r) => r.import));
row('  parse gate.rego', runs.map((r) => r.parse));
row('  compile (checks, names, safety, recursion, types)', runs.map((r) => r.compile));
row('  load the builtin families gate.rego calls', runs.map((r) => r.builtins));
row('  first evaluation (plans, generated code, result to JS)', runs.map((r) => r.eval));
row('  from process start to the first decision', runs.map((r) => r.total));
row('  a second parse + compile in the same process (warm)', runs.map((r) => r.again));
