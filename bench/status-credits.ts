// Benchmarks of the measuring side against a real Prometheus (Debian's prometheus/promtool):
//  1. `status` for 2,000 SLAs against a Prometheus that has the compiled recording rules loaded:
//     HTTP requests per evaluation (target ≤ 20) and our total time ÷ the time Prometheus spent
//     answering (its own evalTotalTime, from stats=all).
//  2. `credits` for 500 SLAs over a month, read from rollups (target < 2 s).
// Run: npx tsx bench/status-credits.ts
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compilePrometheus } from '../src/compile/prometheus.js';
import { loadContractText } from '../src/contract/load.js';
import type { Contract } from '../src/contract/model.js';
import { startPrometheus } from '../src/demo/prometheus-server.js';
import { computeRollups, measureCredits, measureStatus } from '../src/measure/index.js';
import { PrometheusClient, promSource } from '../src/prometheus/index.js';
import { RollupStore } from '../src/store/index.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const SERVICES = 50;
const METHODS = [
  '{ method: events }',
  '{ method: timeslices, slice: 1m, sliceGoodRatio: 0.95 }',
  '{ method: averaged, slice: 5m }',
];

/** n contracts × perContract SLAs over SERVICES synthetic services (one of each method in turn). */
function contracts(n: number, perContract: number): Contract[] {
  const out: Contract[] = [];
  for (let c = 0; c < n; c++) {
    let y =
      `apiVersion: obligo.dev/v1\nkind: Contract\nmetadata: { id: bench-${c}, title: Bench ${c} }\nrole: customer\n` +
      `parties: { vendor: { name: Vendor ${c} }, customer: { name: Example Corp } }\n` +
      `escalation: [ { level: 1, name: NOC, email: noc@vendor.example, respondWithinMinutes: 15 } ]\n` +
      `term: { start: 2026-01-01, timezone: UTC }\nfees: { currency: USD, monthly: 1000 }\nslas:\n`;
    for (let s = 0; s < perContract; s++) {
      const svc = `s${(c * perContract + s) % SERVICES}`;
      y +=
        `  - id: sla-${s}\n    objective: 99.9\n    period: month\n    sli:\n` +
        `      good: sum(rate(obligo_demo_requests_total{service="${svc}",code!~"5.."}[{{.window}}]))\n` +
        `      total: sum(rate(obligo_demo_requests_total{service="${svc}"}[{{.window}}]))\n` +
        `    measurement: ${METHODS[(c + s) % 3]}\n    credits: { tiers: [ { below: 99.9, percent: 10 } ] }\n`;
    }
    const r = loadContractText(`bench-${c}.yaml`, y);
    if (!r.contract) throw new Error(JSON.stringify(r.issues[0]));
    out.push(r.contract);
  }
  return out;
}

const pairs = (cs: Contract[]) => cs.flatMap((contract) => contract.slas.map((sla) => ({ contract, sla })));
const now = Math.floor(Date.now() / MIN) * MIN;
// Traffic from the start of the month (at least 26 h back): a minute without samples of a series that has
// samples elsewhere in the period is a gap, so the month so far must be covered to be measured.
const nowDate = new Date(now);
const start = Math.min(now - 26 * HOUR, Date.UTC(nowDate.getUTCFullYear(), nowDate.getUTCMonth(), 1));
const work = mkdtempSync(join(tmpdir(), 'obligo-bench-'));

// --- 1. status, 2,000 SLAs, recording rules loaded ----------------------------------------------
const big = contracts(100, 20);
const ruleFiles = compilePrometheus(big, { prometheusFormat: 'prometheus' }).map((f, i) => {
  const p = join(work, `rules-${i}.yaml`);
  writeFileSync(p, f.content);
  return p;
});
const services = Array.from({ length: SERVICES }, (_, i) => ({
  service: `s${i}`,
  requestsPerMinute: 100 + i,
  outages: [{ start: now - (2 + (i % 5)) * HOUR, end: now - (2 + (i % 5)) * HOUR + 15 * MIN, errorRatio: 0.2 }],
}));
console.log(`backfilling ${SERVICES} services × ${((now - start) / HOUR).toFixed(0)} h and starting Prometheus with ${ruleFiles.length} rule files (2,000 SLAs)…`);
const prom = await startPrometheus({ traffic: { start, end: now, services }, ruleFiles, evaluationInterval: '30s' });
try {
  // Wait for the first rule evaluation to have recorded every SLA's ratios.
  const probe = new PrometheusClient({ url: prom.url });
  for (let i = 0; ; i++) {
    const v = await probe.vector('count(obligo:sli_error_ratio:rate5m)');
    if ((v[0]?.value.v ?? 0) >= 2000) break;
    if (i > 240) throw new Error('recording rules did not evaluate within 4 minutes');
    await new Promise((r) => setTimeout(r, 1000));
  }
  const slas = pairs(big);
  const at = Date.now();
  const store = RollupStore.open(':memory:');
  // As in production, where `obligo rollup` runs every hour: the month so far is rolled up (hours before
  // the synthetic traffic starts are stored as hours without data).
  const monthStart = Date.UTC(new Date(at).getUTCFullYear(), new Date(at).getUTCMonth(), 1);
  await computeRollups(slas, { from: monthStart, to: at, at, source: promSource(new PrometheusClient({ url: prom.url })), store });
  for (let run = 0; run < 3; run++) {
    const client = new PrometheusClient({ url: prom.url });
    const t0 = performance.now();
    const report = await measureStatus(slas, { at: Date.now(), source: promSource(client), store });
    const ms = performance.now() - t0;
    const u = client.usage();
    const viaRules = report.slas.filter((s) => s.evidence.windows === 'rules').length;
    console.log(
      `status, 2,000 SLAs (run ${run + 1}): ${u.requests} HTTP requests, ${ms.toFixed(0)} ms total, ` +
        `Prometheus evalTotalTime ${(u.prometheusEvalSeconds * 1000).toFixed(0)} ms → ratio ${(ms / (u.prometheusEvalSeconds * 1000)).toFixed(1)}; ` +
        `windows from rules for ${viaRules}/${report.slas.length} SLAs`,
    );
  }
  store.close();
} finally {
  await prom.stop();
}

// --- 2. credits, 500 SLAs, a month from rollups -------------------------------------------------
const small = pairs(contracts(25, 20));
const db = join(work, 'rollups.db');
{
  // Fill a month of rollups from a Prometheus holding that month (outside the timed part).
  const month = { start: Date.parse('2026-04-01T00:00:00Z'), end: Date.parse('2026-05-01T00:00:00Z') };
  console.log('backfilling April 2026 for 50 services to fill rollups…');
  const p2 = await startPrometheus({ traffic: { start: month.start, end: month.end, services: services.map((s) => ({ ...s, outages: [] })) } });
  try {
    const store = RollupStore.open(db);
    const r = await computeRollups(small, { from: month.start, to: month.end, at: month.end + HOUR, source: promSource(new PrometheusClient({ url: p2.url })), store });
    console.log(`rollups: ${r.written} rows written`);
    store.close();
  } finally {
    await p2.stop();
  }
  for (let run = 0; run < 3; run++) {
    const t0 = performance.now();
    const store = RollupStore.open(db);
    const cr = await measureCredits(small, { period: '2026-04', at: Date.parse('2026-05-02T00:00:00Z'), store });
    store.close();
    const sources = [...new Set(cr.credits.map((c) => c.evidence.source))].join(',');
    console.log(`credits, 500 SLAs, April from rollups (run ${run + 1}): ${(performance.now() - t0).toFixed(0)} ms, ${cr.requests} Prometheus requests, sources ${sources}`);
  }
}
rmSync(work, { recursive: true, force: true });
