// `obligo gate` end to end, a process each, against `promtool query instant` of the same SLI, a process
// each, on a real Prometheus (Debian's) holding the demo's month of synthetic traffic. Also timed: the
// bare `node dist/cli/main.js --version` (process start and module loading only) and `obligo gate`
// asked for a period whose data is all there (--at the end of March). The gate runs from its bundle
// (npm run build) with the code cache built beside it (what a fresh CI job gets; the user cache folder is
// a private, empty one), and once more without any code cache (OBLIGO_CACHE_DIR=off).
// Run: npm run build && npx tsx bench/gate-e2e.ts [runs]
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { startPrometheus } from '../src/demo/prometheus-server.js';
import { demoTrafficSpec, generateTraffic } from '../src/demo/synthetic.js';

const run = promisify(execFile);
const runs = Number(process.argv[2] ?? 9);
const cli = resolve('dist/cli/main.js');
const AT_OUTAGE = '2026-03-02T09:30:00Z';
const AT_END = '2026-03-31T23:00:00Z';
const SLI = 'sum(rate(obligo_demo_requests_total{service="compute",code!~"5.."}[5m])) / sum(rate(obligo_demo_requests_total{service="compute"}[5m]))';

const cacheDir = mkdtempSync(join(tmpdir(), 'obligo-bench-cache-'));

async function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<number> {
  const t0 = process.hrtime.bigint();
  try {
    await run(cmd, args, { maxBuffer: 64 << 20, env: { ...process.env, OBLIGO_CACHE_DIR: cacheDir, ...env } });
  } catch (err) {
    const code = (err as { code?: number }).code;
    if (typeof code !== 'number' || code > 2) throw err; // gate exits 0/1/2 by design
  }
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${s[Math.floor(s.length / 2)]!.toFixed(0)} ms, min ${s[0]!.toFixed(0)}, max ${s[s.length - 1]!.toFixed(0)}`;
}

const traffic = generateTraffic(demoTrafficSpec(Date.parse('2026-02-28T00:00:00Z'), Date.parse('2026-04-02T00:00:00Z')));
const prom = await startPrometheus({ traffic });
try {
  const common = ['--contracts', 'contracts', '--prometheus', prom.url];
  const gate = (at: string) => [cli, 'gate', ...common, '--sla', 'acme-compute/availability', '--at', at];
  const cases: Array<[string, string, string[], NodeJS.ProcessEnv?]> = [
    ['promtool query instant (the SLI)', 'promtool', ['query', 'instant', '--time', AT_OUTAGE, prom.url, SLI]],
    ['node dist/cli/main.js --version', process.execPath, [cli, '--version']],
    ['obligo gate --sla acme-compute/availability (2 days into March)', process.execPath, gate(AT_OUTAGE)],
    ['obligo gate --sla acme-compute/availability (end of March)', process.execPath, gate(AT_END)],
    ['  the same, 2 days into March, without any code cache', process.execPath, gate(AT_OUTAGE), { OBLIGO_CACHE_DIR: 'off' }],
  ];
  const results = new Map<string, number[]>();
  for (const [name] of cases) results.set(name, []);
  await timed(process.execPath, [cli, '--version']); // warm the file cache
  for (let i = 0; i < runs; i++) {
    for (const [name, cmd, args, env] of cases) results.get(name)!.push(await timed(cmd, args, env));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const base = median(results.get(cases[0]![0])!);
  for (const [name] of cases) {
    const xs = results.get(name)!;
    console.log(`${name.padEnd(70)} ${stats(xs)}  (${(median(xs) / base).toFixed(1)}x promtool)`);
  }
} finally {
  await prom.stop();
  rmSync(cacheDir, { recursive: true, force: true });
}
