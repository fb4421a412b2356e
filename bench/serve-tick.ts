// One `obligo serve` tick for 2,000 and for 10,000 SLAs against a real Prometheus (Debian's 2.42) with the
// compiled recording rules loaded and the month so far backfilled (50 synthetic services; SLAs of the same
// shape share selectors). Reported per tick: HTTP requests to Prometheus (target ≤ 20), the tick's total
// time against the time Prometheus itself spent answering (its evalTotalTime from stats=all; target ≤ 2×),
// and resident memory. The first tick is cold (the month so far is read and classified once); the next
// ticks keep the period-to-date state in memory and read only the current hour.
// Also per tick: Prometheus's execTotalTime (evalTotalTime plus the wait for a query slot, which the
// rule evaluations share, and preparation) and the CPU time of this process during the tick.
// Run: npx tsx bench/serve-tick.ts [2000,10000] [ticks]   (EVAL_INTERVAL=1m: rules every minute)
// With the live heap per tick: node --expose-gc --import tsx bench/serve-tick.ts 2000 8
// With PROFILE=DIR, the warm ticks (all but the first) are CPU-profiled into DIR/warm-<n>.cpuprofile.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compilePrometheus } from '../src/compile/prometheus.js';
import { startPrometheus } from '../src/demo/prometheus-server.js';
import { PrometheusClient } from '../src/prometheus/client.js';
import { ServeConfigSchema } from '../src/server/config.js';
import { startServe } from '../src/server/serve.js';
import { loadContractText } from '../src/contract/load.js';

const MIN = 60_000;
const SERVICES = 50;
const PER_CONTRACT = 20;
const sizes = (process.argv[2] ?? '2000,10000').split(',').map(Number);
const ticks = Number(process.argv[3] ?? 4);
// Rule evaluation interval (EVAL_INTERVAL, default 30s; Prometheus's own default is 1m).
const evaluationInterval = process.env.EVAL_INTERVAL ?? '30s';
const METHODS = ['{ method: events }', '{ method: timeslices, slice: 1m, sliceGoodRatio: 0.95 }', '{ method: averaged, slice: 5m }'];

function contractText(c: number): string {
  let y =
    `apiVersion: obligo.dev/v1\nkind: Contract\nmetadata: { id: bench-${c}, title: Bench ${c} }\nrole: customer\n` +
    `parties: { vendor: { name: Vendor ${c} }, customer: { name: Example Corp } }\n` +
    `escalation: [ { level: 1, name: NOC, email: noc@vendor.example, respondWithinMinutes: 15 } ]\n` +
    `term: { start: 2026-01-01, timezone: UTC }\nfees: { currency: USD, monthly: 1000 }\nslas:\n`;
  for (let s = 0; s < PER_CONTRACT; s++) {
    const svc = `s${(c * PER_CONTRACT + s) % SERVICES}`;
    y +=
      `  - id: sla-${s}\n    objective: 99.9\n    period: month\n    sli:\n` +
      `      good: sum(rate(obligo_demo_requests_total{service="${svc}",code!~"5.."}[{{.window}}]))\n` +
      `      total: sum(rate(obligo_demo_requests_total{service="${svc}"}[{{.window}}]))\n` +
      `    measurement: ${METHODS[(c + s) % 3]}\n    credits: { tiers: [ { below: 99.9, percent: 10 } ] }\n`;
  }
  return y;
}

const now = Math.floor(Date.now() / MIN) * MIN;
const d = new Date(now);
const monthStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
const services = Array.from({ length: SERVICES }, (_, i) => ({
  service: `s${i}`,
  requestsPerMinute: 100 + i,
  outages: [{ start: now - (2 + (i % 5)) * 3_600_000, end: now - (2 + (i % 5)) * 3_600_000 + 15 * MIN, errorRatio: 0.2 }],
}));

for (const n of sizes) {
  const work = mkdtempSync(join(tmpdir(), 'obligo-bench-serve-'));
  const contractsDir = join(work, 'contracts');
  mkdirSync(contractsDir);
  const contracts = [];
  for (let c = 0; c < n / PER_CONTRACT; c++) {
    const text = contractText(c);
    writeFileSync(join(contractsDir, `bench-${c}.yaml`), text);
    contracts.push(loadContractText(`bench-${c}.yaml`, text).contract!);
  }
  const ruleFiles = compilePrometheus(contracts, { prometheusFormat: 'prometheus' }).map((f, i) => {
    const p = join(work, `rules-${i}.yaml`);
    writeFileSync(p, f.content);
    return p;
  });
  console.log(`\n${n} SLAs: backfilling ${SERVICES} services from ${new Date(monthStart).toISOString()} and starting Prometheus with ${ruleFiles.length} rule files…`);
  // Loading 500 rule files (10,000 SLAs) takes Prometheus more than the default minute before it is ready.
  const prom = await startPrometheus({ traffic: { start: monthStart, end: now, services }, ruleFiles, evaluationInterval, readyTimeoutMs: 30 * 60_000 });
  try {
    const probe = new PrometheusClient({ url: prom.url, timeoutMs: 300_000 });
    const waitFrom = Date.now();
    for (;;) {
      // Busy evaluating the rules of 10,000 SLAs, Prometheus may queue the probe for minutes.
      const v = await probe.vector('count(obligo:sli_error_ratio:rate5m)').catch(() => []);
      if ((v[0]?.value.v ?? 0) >= n) break;
      if (Date.now() - waitFrom > 30 * 60_000) throw new Error('recording rules did not evaluate within 30 minutes');
      await new Promise((r) => setTimeout(r, 1000));
    }
    const config = ServeConfigSchema.parse({
      contracts: contractsDir,
      prometheus: { url: prom.url, timeout: '300s' },
      store: { sqlite: join(work, 'obligo.db') },
      pagerduty: { eventsUrl: 'http://127.0.0.1:9/v2/enqueue' },
    });
    const serve = await startServe(config, { manualTicks: true });
    const profileDir = process.env.PROFILE;
    const session = profileDir ? new Session() : undefined;
    try {
      for (let t = 0; t < ticks; t++) {
        if (session && t === 1) {
          session.connect();
          await session.post('Profiler.enable');
          await session.post('Profiler.start');
        }
        const cpu0 = process.cpuUsage();
        const r = await serve.tickNow();
        const cpu = process.cpuUsage(cpu0);
        const cpuMs = (cpu.user + cpu.system) / 1000;
        const rss = process.memoryUsage().rss / 2 ** 20;
        // With `node --expose-gc --import tsx bench/serve-tick.ts …`: the live heap after a full collection
        // (RSS keeps what V8 once took; a leak shows as a live heap that grows from tick to tick).
        const gc = (globalThis as { gc?: () => void }).gc;
        let live = '';
        if (gc) {
          gc();
          live = `, live heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`;
        }
        const promMs = r.prometheus.evalSeconds * 1000;
        const execMs = r.prometheus.execSeconds * 1000;
        console.log(
          `tick ${r.tick}${t === 0 ? ' (cold)' : ''}: ok=${r.ok}${r.error ? ` (${r.error})` : ''}, ${r.prometheus.requests} requests, ${r.durationMs} ms total, ` +
            `Prometheus evalTotalTime ${promMs.toFixed(0)} ms → ratio ${(r.durationMs / Math.max(1, promMs)).toFixed(2)}, ` +
            `execTotalTime (with queueing behind rule evaluations) ${execMs.toFixed(0)} ms → ratio ${(r.durationMs / Math.max(1, execMs)).toFixed(2)} ` +
            `(HTTP requests' wall time ${r.prometheus.requestMs} ms), our CPU ${cpuMs.toFixed(0)} ms, ` +
            `${r.alerts.observations} alert observations, ${r.incomplete.length} incomplete, RSS ${rss.toFixed(0)} MiB${live}; ` +
            `phases: measure ${r.phases.measureMs} ms, policies ${r.phases.policiesMs} ms, alerts ${r.phases.alertsMs} ms`,
        );
        if (t + 1 < ticks) await new Promise((res) => setTimeout(res, 10_000));
      }
      if (session && ticks > 1) {
        const { profile } = await session.post('Profiler.stop');
        mkdirSync(profileDir!, { recursive: true });
        writeFileSync(join(profileDir!, `warm-${n}.cpuprofile`), JSON.stringify(profile));
        session.disconnect();
      }
    } finally {
      await serve.stop(1000);
    }
  } finally {
    await prom.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
