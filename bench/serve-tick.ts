// One `obligo serve` tick for 2,000 and for 10,000 SLAs against a real Prometheus (Debian's 2.42) with the
// compiled recording rules loaded and the month so far backfilled (50 synthetic services; SLAs of the same
// shape share selectors). Reported per tick: HTTP requests to Prometheus (target ≤ 20), the tick's total
// time against the time Prometheus itself spent answering (its evalTotalTime from stats=all; target ≤ 2×),
// and resident memory. The first tick is cold (the month so far is read and classified once); the next
// ticks keep the period-to-date state in memory and read only the current hour.
// Also per tick: Prometheus's execTotalTime (evalTotalTime plus the wait for a query slot, which the
// rule evaluations share, and preparation) and the CPU time of this process during the tick.
// Run: npm run build && OBLIGO_BENCH_DIST=1 NODE_OPTIONS=--max-semi-space-size=64 npx tsx bench/serve-tick.ts [2000,10000] [ticks]
//   (EVAL_INTERVAL=1m: rules every minute)
// (the young generation that `obligo serve` is run with in the image; see docs/serve.md)
// Also per tick: the time Prometheus's query handlers spent (prometheus_http_request_duration_seconds, which
// adds encoding and writing the answers to evalTotalTime), read from its /metrics before and after the tick.
// With the live heap per tick: OBLIGO_BENCH_DIST=1 node --max-semi-space-size=64 --expose-gc --import tsx bench/serve-tick.ts 2000 8
// With PROFILE=DIR, the warm ticks (all but the first) are CPU-profiled into DIR/warm-<n>.cpuprofile; with
// HEAP_PROFILE=DIR, what they allocate is sampled (every 16 KiB, collected objects included) into
// DIR/heap-<n>.heapprofile, and the total printed.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// OBLIGO_BENCH_DIST=1 runs the compiled code (`npm run build` first): what `obligo serve` runs. Through tsx
// the sources cost more CPU (esbuild's name-keeping wrappers and its loader).
const lib = process.env.OBLIGO_BENCH_DIST === '1' ? '../dist' : '../src';
const { compilePrometheus } = (await import(`${lib}/compile/prometheus.js`)) as typeof import('../src/compile/prometheus.js');
const { startPrometheus } = (await import(`${lib}/demo/prometheus-server.js`)) as typeof import('../src/demo/prometheus-server.js');
const { PrometheusClient } = (await import(`${lib}/prometheus/client.js`)) as typeof import('../src/prometheus/client.js');
const { ServeConfigSchema } = (await import(`${lib}/server/config.js`)) as typeof import('../src/server/config.js');
const { startServe } = (await import(`${lib}/server/serve.js`)) as typeof import('../src/server/serve.js');
const { loadContractText } = (await import(`${lib}/contract/load.js`)) as typeof import('../src/contract/load.js');
const { serveHttp } = (await import(`${lib}/server/http.js`)) as typeof import('../src/server/http.js');
const { creditsCsv, creditsJson } = (await import(`${lib}/cli/commands/credits.js`)) as typeof import('../src/cli/commands/credits.js');

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

/**
 * Seconds Prometheus's HTTP handlers for queries have spent so far (prometheus_http_request_duration_seconds):
 * evaluation plus encoding and writing the answer, which evalTotalTime leaves out.
 */
async function handlerSeconds(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^prometheus_http_request_duration_seconds_sum\{handler="\/api\/v1\/(query|query_range)"\} (\S+)$/.exec(line);
    if (m) sum += Number(m[2]);
  }
  return sum;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

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
    // PagerDuty as a deployment has it: reachable, accepting every event (202), so the sender delivers each
    // page once instead of retrying against a closed port in the background of every tick.
    process.env.OBLIGO_BENCH_ROUTING_KEY = 'bench-routing-key-not-a-secret';
    let pages = 0;
    const pagerduty = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        pages++;
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end('{"status":"success","message":"Event processed"}');
      });
    });
    await new Promise<void>((r) => pagerduty.listen(0, '127.0.0.1', r));
    const pagerdutyUrl = `http://127.0.0.1:${(pagerduty.address() as AddressInfo).port}/v2/enqueue`;
    const config = ServeConfigSchema.parse({
      contracts: contractsDir,
      prometheus: { url: prom.url, timeout: '300s' },
      store: { sqlite: join(work, 'obligo.db') },
      pagerduty: { eventsUrl: pagerdutyUrl, routingKey: { env: 'OBLIGO_BENCH_ROUTING_KEY' } },
      server: { listen: '127.0.0.1:0' },
    });
    // With the HTTP shell, as `obligo serve` runs: its /metrics gauges are updated after every tick.
    const serve = await startServe(config, { manualTicks: true, http: serveHttp({ credits: { json: creditsJson, csv: creditsCsv } }) });
    const profileDir = process.env.PROFILE;
    const heapDir = process.env.HEAP_PROFILE;
    const session = profileDir || heapDir ? new Session() : undefined;
    const warm: Array<{ ms: number; cpu: number; evalRatio: number; handlerRatio: number }> = [];
    try {
      for (let t = 0; t < ticks; t++) {
        if (session && t === 1) {
          session.connect();
          if (profileDir) {
            await session.post('Profiler.enable');
            await session.post('Profiler.start');
          }
          if (heapDir) {
            await session.post('HeapProfiler.enable');
            await session.post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
          }
        }
        const handler0 = await handlerSeconds(prom.url);
        const cpu0 = process.cpuUsage();
        const w0 = performance.now();
        const r = await serve.tickNow();
        const wallMs = performance.now() - w0;
        const cpu = process.cpuUsage(cpu0);
        const m0 = performance.now();
        const metricsBytes = (await (await fetch(`${serve.url}/metrics`)).text()).length;
        const metricsMs = performance.now() - m0;
        const handlerMs = ((await handlerSeconds(prom.url)) - handler0) * 1000;
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
            `(HTTP requests' wall time ${r.prometheus.requestMs} ms), Prometheus's query handlers ${handlerMs.toFixed(0)} ms → ratio ${(r.durationMs / Math.max(1, handlerMs)).toFixed(2)}, our CPU ${cpuMs.toFixed(0)} ms, ` +
            `${r.alerts.observations} alert observations, ${r.incomplete.length} incomplete, RSS ${rss.toFixed(0)} MiB${live}; ` +
            `with the /metrics update after it ${wallMs.toFixed(0)} ms; GET /metrics ${metricsMs.toFixed(0)} ms (${(metricsBytes / 1024).toFixed(0)} KiB); ` +
            `phases: measure ${r.phases.measureMs} ms, policies ${r.phases.policiesMs} ms, alerts ${r.phases.alertsMs} ms`,
        );
        if (t > 0) warm.push({ ms: r.durationMs, cpu: cpuMs, evalRatio: r.durationMs / Math.max(1, promMs), handlerRatio: r.durationMs / Math.max(1, handlerMs) });
        if (t + 1 < ticks) await new Promise((res) => setTimeout(res, 10_000));
      }
      if (warm.length > 0) {
        console.log(
          `${n} SLAs, ${warm.length} warm ticks (medians): ${median(warm.map((w) => w.ms)).toFixed(0)} ms, our CPU ${median(warm.map((w) => w.cpu)).toFixed(0)} ms, ` +
            `ratio to evalTotalTime ${median(warm.map((w) => w.evalRatio)).toFixed(2)}, ratio to Prometheus's query handlers ${median(warm.map((w) => w.handlerRatio)).toFixed(2)}`,
        );
      }
      if (session && ticks > 1) {
        if (profileDir) {
          const { profile } = await session.post('Profiler.stop');
          mkdirSync(profileDir, { recursive: true });
          writeFileSync(join(profileDir, `warm-${n}.cpuprofile`), JSON.stringify(profile));
        }
        if (heapDir) {
          const { profile } = await session.post('HeapProfiler.stopSampling');
          mkdirSync(heapDir, { recursive: true });
          writeFileSync(join(heapDir, `heap-${n}.heapprofile`), JSON.stringify(profile));
          let bytes = 0;
          const walk = (node: { selfSize: number; children: unknown[] }): void => {
            bytes += node.selfSize;
            for (const c of node.children) walk(c as typeof node);
          };
          walk(profile.head);
          console.log(`${n} SLAs: ${ticks - 1} warm ticks allocated about ${(bytes / 2 ** 20).toFixed(0)} MiB (sampled), ${(bytes / 2 ** 20 / (ticks - 1)).toFixed(0)} MiB per tick`);
        }
        session.disconnect();
      }
      console.log(`${n} SLAs: the fake PagerDuty accepted ${pages} events`);
    } finally {
      await serve.stop(1000);
      pagerduty.close();
    }
  } finally {
    await prom.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
