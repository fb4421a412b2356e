// Parse + compile only, of policies/ plus the modules generated for 1,000 contracts (run by hand, e.g. under
// `node --cpu-prof` / `--heap-prof`):  npx tsx bench/policy-compile.ts [RUNS]   (default 8)
// Prints the best wall and CPU time of RUNS runs in one process (the first line of bench/policy.ts, alone).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileRego } from '../src/compile/rego.js';
import { loadContractText } from '../src/contract/load.js';
import { parseModule } from '../src/policy/rego/ast/parser.js';
import { RegoEngine } from '../src/policy/rego/index.js';
import { contractYaml } from './generate-contracts.js';

const RUNS = Number(process.argv[2] ?? 8);
const root = join(import.meta.dirname, '..');
const policyDir = join(root, 'policies', 'obligo');
const handWritten = readdirSync(policyDir)
  .filter((f) => f.endsWith('.rego') && !f.endsWith('_test.rego') && f !== 'test_fixtures.rego')
  .map((f) => ({ path: join(policyDir, f), text: readFileSync(join(policyDir, f), 'utf8') }));
const cs = [];
for (let i = 0; i < 1000; i++) {
  const r = loadContractText(`bench-${i}.yaml`, contractYaml(i));
  if (!r.contract) throw new Error(`bench contract ${i} invalid`);
  cs.push(r.contract);
}
const generated = compileRego(cs, { prometheusFormat: 'prometheus' });
const sources = [...handWritten, ...generated.filter((f) => f.path.endsWith('.rego')).map((f) => ({ path: f.path, text: f.content }))];
const data = JSON.parse(generated.find((f) => f.path.endsWith('data.json'))!.content);
const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
if (process.env.BEFORE_RUNS) await (globalThis as any)[process.env.BEFORE_RUNS]();
let best = Infinity, bestCpu = Infinity, bestParse = 0, bestCompile = 0;
for (let rep = 0; rep < RUNS; rep++) {
  const c0 = cpuMs();
  const t0 = performance.now();
  const mods = sources.map((s) => parseModule(s.path, s.text));
  const t1 = performance.now();
  const e = new RegoEngine();
  for (const m of mods) e.addParsedModule(m);
  e.setData(data);
  e.compile();
  const t2 = performance.now();
  bestCpu = Math.min(bestCpu, cpuMs() - c0);
  if (t2 - t0 < best) [best, bestParse, bestCompile] = [t2 - t0, t1 - t0, t2 - t1];
}
if (process.env.AFTER_RUNS) await (globalThis as any)[process.env.AFTER_RUNS]();
console.log(`parse+compile ${sources.length} modules: best of ${RUNS} ${Math.round(best)} ms (parse ${Math.round(bestParse)}, compile ${Math.round(bestCompile)}); CPU best ${Math.round(bestCpu)} ms`);
