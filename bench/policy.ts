// Benchmark: decisions per second of policies/obligo/decision.rego over 10,000 distinct SLA inputs on
// the built-in Rego evaluator, against a hand-written TypeScript function with the same logic; and the
// time to parse and compile policies/ plus the generated modules of 1,000 contracts.
// Run: npx tsx bench/policy.ts [INPUTS]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileRego } from '../src/compile/rego.js';
import { loadContractText } from '../src/contract/load.js';
import { RegoEngine } from '../src/policy/rego/index.js';
import { contractYaml } from './generate-contracts.js';

const N = Number(process.argv[2] ?? 10_000);
const root = join(import.meta.dirname, '..');
const policyDir = join(root, 'policies', 'obligo');
const handWritten = readdirSync(policyDir)
  .filter((f) => f.endsWith('.rego') && !f.endsWith('_test.rego') && f !== 'test_fixtures.rego')
  .map((f) => ({ path: join(policyDir, f), text: readFileSync(join(policyDir, f), 'utf8') }));

function contracts(n: number) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const r = loadContractText(`bench-${i}.yaml`, contractYaml(i));
    if (!r.contract) throw new Error(`bench contract ${i} invalid: ${JSON.stringify(r.issues[0])}`);
    out.push(r.contract);
  }
  return out;
}

function engineFor(n: number): { engine: RegoEngine; ms: number; modules: number } {
  const generated = compileRego(contracts(n), { prometheusFormat: 'prometheus' });
  const t0 = performance.now();
  const engine = new RegoEngine();
  let modules = 0;
  for (const m of handWritten) (engine.addModule(m.path, m.text), modules++);
  for (const f of generated) {
    if (f.path.endsWith('.rego')) (engine.addModule(f.path, f.content), modules++);
    else if (f.path.endsWith('data.json')) engine.setData(JSON.parse(f.content));
  }
  engine.compile();
  return { engine, ms: performance.now() - t0, modules };
}

// --- 1. parse + compile -------------------------------------------------------------------------
const big = engineFor(1000);
console.log(`parse+compile: ${big.modules} modules (policies/ + 1,000 generated) in ${big.ms.toFixed(0)} ms`);

// --- 2. decisions per second --------------------------------------------------------------------
const { engine } = engineFor(50);
const ids = Array.from({ length: 50 }, (_, i) => `bench-${String(i).padStart(5, '0')}`);
const STATES = ['ok', 'at-risk', 'breached', 'no-data'] as const;
// Deterministic pseudo-random inputs (xorshift), all distinct.
let seed = 0x2545f491;
const rnd = () => ((seed ^= seed << 13), (seed ^= seed >>> 17), (seed ^= seed << 5), (seed >>> 0) / 2 ** 32);
const inputs = Array.from({ length: N }, (_, i) => {
  const r = () => Math.round(rnd() * 2000) / 100;
  return {
    status: {
      contract: ids[i % ids.length]!,
      sla: ['availability', 'errors', 'error-rate'][i % 3]!,
      objective: 99.9,
      achieved: 99 + rnd(),
      budgetRemaining: 1 - rnd() * 1.5,
      state: STATES[i % 4]!,
      period: { start: `2026-03-01T00:00:${String(i % 60).padStart(2, '0')}Z` },
      burnRates: { '5m': r(), '30m': r(), '1h': r(), '2h': r(), '6h': r(), '1d': r(), '3d': r() },
    },
    maintenance: { active: i % 97 === 0, reason: 'patching' },
  };
});

type Input = (typeof inputs)[number];
const table = [
  { severity: 'page', long: '1h', short: '5m', factor: 14.4 },
  { severity: 'page', long: '6h', short: '30m', factor: 6 },
  { severity: 'ticket', long: '3d', short: '6h', factor: 1 },
] as const;
// The same logic as decision.rego, by hand.
function decideTS(inp: Input): { action: string; reasons: string[] } {
  const s = inp.status;
  if (inp.maintenance.active) return { action: 'none', reasons: [`in maintenance: ${inp.maintenance.reason}`] };
  const page: string[] = [];
  const ticket: string[] = [];
  for (const p of table) {
    const l = s.burnRates[p.long];
    const sh = s.burnRates[p.short];
    if (l > p.factor && sh > p.factor) {
      const msg = `error budget burning ${l.toFixed(1)}x over ${p.long} and ${sh.toFixed(1)}x over ${p.short} (threshold ${p.factor}x)`;
      (p.severity === 'page' ? page : ticket).push(msg);
    }
  }
  if (s.state === 'breached') page.push(`SLA breached: ${s.achieved.toFixed(3)}% achieved this period against an objective of ${s.objective}%`);
  if (s.state === 'at-risk') ticket.push(`error budget low: ${(s.budgetRemaining * 100).toFixed(1)}% of the period's budget left`);
  if (s.state === 'no-data') ticket.push('no data');
  if (page.length) return { action: 'page', reasons: page.sort() };
  if (ticket.length) return { action: 'ticket', reasons: ticket.sort() };
  return { action: 'none', reasons: [] };
}

function rate(f: (i: Input) => unknown): { perSec: number; actions: Map<string, number> } {
  const actions = new Map<string, number>();
  const t0 = performance.now();
  for (const inp of inputs) {
    const r = f(inp) as { action: string } | undefined;
    const a = r?.action ?? 'undefined';
    actions.set(a, (actions.get(a) ?? 0) + 1);
  }
  return { perSec: (inputs.length / (performance.now() - t0)) * 1000, actions };
}

rate((i) => engine.eval('data.obligo.decision.result', i)); // warm-up
const rego = rate((i) => {
  const v = engine.eval('data.obligo.decision.result', i);
  return v === undefined ? undefined : { action: (v as { get(k: string): unknown }).get('action') };
});
rate(decideTS);
const ts = rate(decideTS);
console.log(`decision.rego, built-in evaluator: ${rego.perSec.toFixed(0)} decisions/s over ${N} inputs`, Object.fromEntries(rego.actions));
console.log(`hand-written TypeScript:          ${ts.perSec.toFixed(0)} decisions/s`, Object.fromEntries(ts.actions));
console.log(`ratio: the TypeScript function is ${(ts.perSec / rego.perSec).toFixed(1)}x faster`);
