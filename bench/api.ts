// API latency of `obligo serve` under 50 concurrent clients (autocannon), against a real serve over a
// real Prometheus (Debian's prometheus/promtool) with 10 days of backfilled synthetic traffic:
//   1. GET /api/v1/status               answered from the last tick (100 SLAs, statuses + decisions),
//                                       and filtered to one contract (5 SLAs)
//   2. GET /metrics                     the exposition text (100 SLAs × 7 windows …)
//   3. GET /api/v1/credits?period=…     the same question from every client: one evaluation shared
//                                       (single flight, then a 10 s cache), then answered from memory
//   4. GET /api/v1/credits?…&at=<each>  a different instant per request: every request is a full credit
//                                       evaluation (at most 2 at once, the rest queue): the worst case
// Request logs go through pino (to a sink), tokens are checked on every request, the rate limit is on
// (set high). Everything listens on 127.0.0.1 only; each run is bounded in time.
// Run: npx tsx bench/api.ts            (DURATION=10 CONNECTIONS=50 to change the defaults, ONLY=<regexp> for some)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { creditsCsv, creditsJson } from '../src/cli/commands/credits.js';
import { startPrometheus } from '../src/demo/prometheus-server.js';
import { ServeConfigSchema } from '../src/server/config.js';
import { serveHttp } from '../src/server/http.js';
import { startServe } from '../src/server/serve.js';
import { createLogger } from '../src/telemetry/logger.js';

interface Histogram {
  average: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}
interface Result {
  latency: Histogram;
  requests: { average: number; total: number };
  throughput: { average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  '2xx': number;
}
type Run = (opts: Record<string, unknown>) => Promise<Result>;

const MIN = 60_000;
const HOUR = 60 * MIN;
const DURATION = Number(process.env.DURATION ?? 10);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 50);
const SERVICES = 10;
const CONTRACTS = 20;
const PER_CONTRACT = 5;
const start = Date.parse('2026-04-01T00:00:00Z');
const AT = Date.parse('2026-04-10T20:00:00Z');
const TOKEN = 'bench-finance-token-0123456789abcdef';

const work = mkdtempSync(join(tmpdir(), 'obligo-bench-api-'));
const contractsDir = join(work, 'contracts');
mkdirSync(contractsDir);
for (let c = 0; c < CONTRACTS; c++) {
  let y =
    `apiVersion: obligo.dev/v1\nkind: Contract\nmetadata: { id: bench-${c}, title: Bench ${c} }\nrole: customer\n` +
    `parties: { vendor: { name: Vendor ${c} }, customer: { name: Example Corp } }\n` +
    `escalation: [ { level: 1, name: NOC, email: noc@vendor.example, respondWithinMinutes: 15 } ]\n` +
    `term: { start: 2026-04-01, timezone: UTC }\nfees: { currency: USD, monthly: 1000 }\nslas:\n`;
  for (let s = 0; s < PER_CONTRACT; s++) {
    const svc = `s${(c * PER_CONTRACT + s) % SERVICES}`;
    y +=
      `  - id: sla-${s}\n    objective: 99.9\n    period: month\n    sli:\n` +
      `      good: sum(rate(obligo_demo_requests_total{service="${svc}",code!~"5.."}[{{.window}}]))\n` +
      `      total: sum(rate(obligo_demo_requests_total{service="${svc}"}[{{.window}}]))\n` +
      `    measurement: ${s % 2 ? '{ method: timeslices, slice: 1m, sliceGoodRatio: 0.95 }' : '{ method: events }'}\n` +
      `    credits: { tiers: [ { below: 99.9, percent: 10 } ] }\n`;
  }
  writeFileSync(join(contractsDir, `bench-${c}.yaml`), y);
}
const services = Array.from({ length: SERVICES }, (_, i) => ({
  service: `s${i}`,
  requestsPerMinute: 100 + i,
  outages: [{ start: AT - (2 + (i % 5)) * HOUR, end: AT - (2 + (i % 5)) * HOUR + 15 * MIN, errorRatio: 0.2 }],
}));

console.log(`backfilling ${SERVICES} services × ${((AT + HOUR - start) / 86_400_000).toFixed(1)} days into Prometheus…`);
const prom = await startPrometheus({ traffic: { start, end: AT + HOUR, services } });
const t0 = Date.now();
const clock = () => AT + (Date.now() - t0);
const env = { BENCH_TOKEN: TOKEN };
const config = ServeConfigSchema.parse({
  contracts: contractsDir,
  store: { sqlite: join(work, 'serve.db') },
  prometheus: { url: prom.url, useRules: false },
  server: { listen: '127.0.0.1:0', rateLimitPerMinute: 10_000_000, tokens: [{ name: 'bench', role: 'finance', token: { env: 'BENCH_TOKEN' } }] },
});
const logger = createLogger({ level: 'info', destination: { write() {} } });
const serve = await startServe(config, {
  http: serveHttp({ credits: { json: creditsJson, csv: creditsCsv }, logger, env, now: clock }),
  logger,
  env,
  now: clock,
  manualTicks: true,
  instanceId: 'bench',
});
const run = autocannon as unknown as Run;
const headers = { authorization: `Bearer ${TOKEN}` };
const rows: string[] = [];

const ONLY = process.env.ONLY ? new RegExp(process.env.ONLY) : undefined;

async function bench(name: string, opts: Record<string, unknown>): Promise<void> {
  if (ONLY && !ONLY.test(name)) return;
  // Warm up (and check the answer) with one request first.
  const path = (opts.path as string | undefined) ?? '/';
  const probe = await fetch(`${serve.url}${path}`, { headers });
  const size = (await probe.arrayBuffer()).byteLength;
  if (probe.status !== 200) throw new Error(`${name}: ${probe.status}`);
  const r = await run({ url: `${serve.url}${path}`, connections: CONNECTIONS, duration: DURATION, headers, ...opts });
  const line =
    `${name.padEnd(44)} ${String(r.requests.total).padStart(7)} req  ${r.requests.average.toFixed(0).padStart(6)} req/s  ` +
    `p50 ${r.latency.p50} ms  p90 ${r.latency.p90} ms  p99 ${r.latency.p99} ms  max ${r.latency.max} ms  ` +
    `non-2xx ${r.non2xx}  errors ${r.errors}  (${(size / 1024).toFixed(1)} KiB/answer)`;
  console.log(line);
  rows.push(line);
}

try {
  const tickStart = performance.now();
  const tick = await serve.tickNow(AT);
  if (!tick.ok) throw new Error(`tick failed: ${tick.error}`);
  console.log(`tick over ${CONTRACTS * PER_CONTRACT} SLAs: ${(performance.now() - tickStart).toFixed(0)} ms, ${tick.prometheus.requests} Prometheus requests`);
  const credits = `/api/v1/credits?period=2026-04&at=${new Date(AT).toISOString()}`;
  const c0 = performance.now();
  const one = await fetch(`${serve.url}${credits}`, { headers });
  await one.arrayBuffer();
  console.log(`one credits evaluation (100 SLAs, 2026-04 to date, rollups from the tick): ${(performance.now() - c0).toFixed(0)} ms`);
  console.log(`autocannon: ${CONNECTIONS} connections, ${DURATION} s each, node ${process.version}`);
  await bench('GET /api/v1/status', { path: '/api/v1/status' });
  await bench('GET /api/v1/status?contract=bench-3', { path: '/api/v1/status?contract=bench-3' });
  await bench('GET /metrics', { path: '/metrics' });
  await bench('GET /api/v1/credits (same question, shared)', { path: credits });
  let n = 0;
  await bench('GET /api/v1/credits (a new instant each)', {
    path: credits,
    requests: [
      {
        setupRequest: (req: { path: string }) => {
          n++;
          return { ...req, path: `/api/v1/credits?period=2026-04&at=${new Date(AT - n * 1000).toISOString()}` };
        },
      },
    ],
  });
} finally {
  await serve.stop(1000);
  await prom.stop();
  rmSync(work, { recursive: true, force: true });
}
