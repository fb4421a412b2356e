// Benchmark: `obligo validate` and `obligo compile` of 1,000 generated contracts × 3 SLAs, end to end
// (process start included, as a user or CI job runs them). Targets: validate < 3 s, compile < 5 s.
// Run: npm run build && npx tsx bench/validate-compile.ts [N] [RUNS]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeContracts } from './generate-contracts.js';

const n = Number(process.argv[2] ?? 1000);
const runs = Number(process.argv[3] ?? 5);
const root = mkdtempSync(join(tmpdir(), 'obligo-bench-'));
const dir = join(root, 'contracts');
writeContracts(dir, n);
const cli = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');

function time(args: string[]): { median: number; min: number; max: number } {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) {
      console.error(r.stdout.slice(-2000), r.stderr.slice(-2000));
      throw new Error(`obligo ${args[0]} exited ${r.status}`);
    }
    times.push(ms);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, min: times[0]!, max: times[times.length - 1]! };
}

const v = time(['validate', dir]);
const c = time(['compile', dir, '--out', join(root, 'out')]);
const fmt = (x: { median: number; min: number; max: number }) =>
  `median ${(x.median / 1000).toFixed(2)} s (min ${(x.min / 1000).toFixed(2)}, max ${(x.max / 1000).toFixed(2)})`;
console.log(`contracts: ${n} × 3 SLAs, ${runs} runs each, node ${process.version}`);
console.log(`validate: ${fmt(v)}   target < 3 s`);
console.log(`compile:  ${fmt(c)}   target < 5 s`);
rmSync(root, { recursive: true, force: true });
