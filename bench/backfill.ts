// Backfill speed of the demo's month of synthetic traffic (6 services) with Debian's promtool 2.42:
// 12-hour OpenMetrics documents written as 2-hour blocks (promtool's default) against longer documents
// written with the hidden --max-block-duration flag. Run by hand:
//   npx tsx bench/backfill.ts
// Prints, per variant, the wall time, promtool runs and the blocks on disk.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backfillTraffic } from '../src/demo/prometheus-server.js';
import { demoTrafficSpec, generateTraffic } from '../src/demo/synthetic.js';

const H = 3600_000;
const start = Date.parse('2026-03-01T00:00:00Z');
const end = Date.parse('2026-04-01T00:00:00Z');
const traffic = generateTraffic(demoTrafficSpec(start, end));
const variants: Array<{ name: string; chunkMs: number; maxBlockMs?: number }> = [
  { name: '12 h documents, 2 h blocks (before)', chunkMs: 12 * H, maxBlockMs: 2 * H },
  { name: '24 h documents, 24 h blocks', chunkMs: 24 * H, maxBlockMs: 24 * H },
  { name: '7 d documents, 7 d blocks (now the default)', chunkMs: 7 * 24 * H, maxBlockMs: 7 * 24 * H },
  { name: 'one 31 d document, 31 d blocks', chunkMs: 31 * 24 * H, maxBlockMs: 31 * 24 * H },
];
for (const v of variants) {
  const dir = mkdtempSync(join(tmpdir(), 'obligo-bench-backfill-'));
  try {
    const t0 = performance.now();
    const runs = await backfillTraffic(traffic, dir, { chunkMs: v.chunkMs, maxBlockMs: v.maxBlockMs, concurrency: 2 });
    const ms = performance.now() - t0;
    const blocks = readdirSync(dir).filter((f) => /^[0-9A-Z]{26}$/.test(f)).length;
    console.log(`${v.name.padEnd(40)} ${(ms / 1000).toFixed(1).padStart(6)} s  ${String(runs).padStart(3)} promtool runs  ${String(blocks).padStart(4)} blocks`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
