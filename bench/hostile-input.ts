// Benchmark: `obligo validate` on generated files with many errors, end to end (process start included).
// Shows that the time grows linearly with the number of errors (ms per 1,000 errors stays flat as N
// doubles) and that the output stays short (the first 50 issues of a file, then one "… and N more").
// Shapes: every one that used to be quadratic (unknown keys looked up by a scan of the mapping, yaml's
// unique-key check, yaml's pretty errors copying a long line per error, pairwise tier checks) or that
// is simply numerous (wrong types, control characters).
// Run: npm run build && npx tsx bench/hostile-input.ts [RUNS]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runs = Number(process.argv[2] ?? 3);
const cli = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const root = mkdtempSync(join(tmpdir(), 'obligo-bench-hostile-'));

const HEAD = `apiVersion: obligo.dev/v1
kind: Contract
metadata: { id: x, title: t }
role: provider
parties: { vendor: { name: v }, customer: { name: c } }
term: { start: 2026-01-01, timezone: UTC }
fees: { currency: USD, monthly: 1 }
`;
const SLA = `  - { id: a, objective: 99.99, period: month, sli: { good: 'sum(rate(g[{{.window}}]))', total: 'sum(rate(t[{{.window}}]))' }, measurement: { method: events }`;

const shapes: Record<string, (n: number) => string> = {
  // slas[i]: wrong type (expected mapping, received number)
  'wrong types': (n) => `${HEAD}slas:\n${'  - 1\n'.repeat(n)}`,
  // obligations[0].<key>: unknown field, each located in a mapping of n keys
  'unknown fields': (n) => `${HEAD}slas:\n${SLA} }\nobligations: [{id: o, title: t, ${Array.from({ length: n }, (_, i) => `k${i.toString(36)}: 1`).join(', ')}}]\n`,
  // YAML: Map keys must be unique
  'duplicate keys': (n) => `${HEAD}slas:\n${SLA} }\nx:\n${'  k: 1\n'.repeat(n + 1)}`,
  // YAML: A node can have at most one tag (all on one line)
  'tags on one line': (n) => `${HEAD}slas:\n${SLA} }\nx: ${'!!str '.repeat(n + 1)}y\n`,
  // a control character in each string
  'control characters': (n) => `${HEAD}slas:\n${SLA} }\nmetadata2: [${Array(n).fill('"\\e"').join(',')}]\n`,
  // tier bound outside (0, 100], n disjoint tiers (pairwise checks would be n²/2)
  'tiers': (n) => `${HEAD}slas:\n${SLA}, credits: { tiers: [${Array.from({ length: n }, (_, i) => `{below: ${i + 101}, percent: 1}`).join(',')}] } }\n`,
};

function time(file: string): { ms: number; lines: number; last: string } {
  const times: number[] = [];
  let out = '';
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [cli, 'validate', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.status !== 1) throw new Error(`validate exited ${r.status}: ${r.stderr.slice(0, 500)}`);
    out = r.stdout;
  }
  times.sort((a, b) => a - b);
  const lines = out.trimEnd().split('\n');
  return { ms: times[Math.floor(times.length / 2)]!, lines: lines.length, last: lines.at(-1)! };
}

console.log(`obligo validate, median of ${runs} runs, node ${process.version}`);
for (const [name, make] of Object.entries(shapes)) {
  for (const n of [12_500, 25_000, 50_000, 100_000]) {
    const text = make(n);
    if (Buffer.byteLength(text) > 1024 * 1024) {
      console.log(`${name.padEnd(20)} ${String(n).padStart(7)} errors: over 1 MiB, refused as too large (not measured)`);
      continue;
    }
    const file = join(root, `${name.replace(/\W+/g, '-')}-${n}.yaml`);
    writeFileSync(file, text);
    const r = time(file);
    console.log(
      `${name.padEnd(20)} ${String(n).padStart(7)} errors  ${(text.length / 1024).toFixed(0).padStart(5)} KiB  ${r.ms.toFixed(0).padStart(6)} ms  ${((r.ms / n) * 1000).toFixed(1).padStart(6)} ms/1000 errors  ${r.lines} lines out; ${r.last}`,
    );
  }
}
rmSync(root, { recursive: true, force: true });
