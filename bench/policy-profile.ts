// Profiling harness (run by hand): the decisions workload of bench/policy.ts alone, for
//   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/policy-profile.ts [eval|pe|compile] [N]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileRego } from '../src/compile/rego.js';
import { loadContractText } from '../src/contract/load.js';
import { createPolicyEngine } from '../src/policy/engine.js';
import { parseModule } from '../src/policy/rego/ast/parser.js';
import { RegoEngine } from '../src/policy/rego/index.js';
import { contractYaml } from './generate-contracts.js';
import { benchInputs } from './policy-inputs.js';

const mode = process.argv[2] ?? 'eval';
const N = Number(process.argv[3] ?? 20_000);
const root = join(import.meta.dirname, '..');
const policyDir = join(root, 'policies', 'obligo');
const handWritten = readdirSync(policyDir)
  .filter((f) => f.endsWith('.rego') && !f.endsWith('_test.rego') && f !== 'test_fixtures.rego')
  .map((f) => ({ path: join(policyDir, f), text: readFileSync(join(policyDir, f), 'utf8') }));
const contracts = (n: number) =>
  Array.from({ length: n }, (_, i) => loadContractText(`bench-${i}.yaml`, contractYaml(i)).contract!);

if (mode === 'compile') {
  const generated = compileRego(contracts(1000), { prometheusFormat: 'prometheus' });
  const sources = [...handWritten, ...generated.filter((f) => f.path.endsWith('.rego')).map((f) => ({ path: f.path, text: f.content }))];
  const data = JSON.parse(generated.find((f) => f.path.endsWith('data.json'))!.content);
  for (let rep = 0; rep < N; rep++) {
    const t0 = performance.now();
    const mods = sources.map((s) => parseModule(s.path, s.text));
    const t1 = performance.now();
    const e = new RegoEngine();
    for (const m of mods) e.addParsedModule(m);
    e.setData(data);
    e.compile();
    console.log(`parse ${(t1 - t0).toFixed(0)} ms, compile ${(performance.now() - t1).toFixed(0)} ms`);
  }
} else {
  const generated = compileRego(contracts(50), { prometheusFormat: 'prometheus' });
  const modules = [...handWritten, ...generated.filter((f) => f.path.endsWith('.rego')).map((f) => ({ path: f.path, text: f.content }))];
  const data = JSON.parse(generated.find((f) => f.path.endsWith('data.json'))!.content);
  const inputs = benchInputs(N);
  const engine = new RegoEngine();
  for (const m of modules) engine.addModule(m.path, m.text);
  engine.setData(data);
  engine.compile();
  const pe = await createPolicyEngine({ backend: 'builtin', modules, data });
  // wall-clock and CPU-time rates over rounds of 5,000 inputs (the best round of CPU time is the
  // steadiest figure on a shared machine)
  const rounds: { wall: number; cpu: number }[] = [];
  const R = Number(process.env.ROUNDS ?? 16);
  for (let rep = 0; rep < R; rep++) {
    const part = inputs.slice((rep * 5000) % N, ((rep * 5000) % N) + 5000);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    if (mode === 'pe') for (const inp of part) await pe.evaluate('obligo/decision/result', inp);
    else for (const inp of part) engine.eval('data.obligo.decision.result', inp);
    const c = process.cpuUsage(c0);
    rounds.push({ wall: part.length / ((performance.now() - t0) / 1000), cpu: part.length / ((c.user + c.system) / 1e6) });
  }
  const best = (xs: number[]) => Math.round(Math.max(...xs));
  const med = (xs: number[]) => Math.round([...xs].sort((a, b) => a - b)[xs.length >> 1]!);
  console.log(`${mode}: best ${best(rounds.map((r) => r.cpu))} per CPU second (median ${med(rounds.map((r) => r.cpu))}); wall best ${best(rounds.map((r) => r.wall))}, median ${med(rounds.map((r) => r.wall))} decisions/s`);
}
