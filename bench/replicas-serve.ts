// Full `obligo serve` ticks for 10,000 SLAs on PostgreSQL: one replica evaluating all of them vs three
// replicas each evaluating the contracts that rendezvous sharding (src/server/sharding.ts) gives it,
// ticking at the same moment in separate processes. Per tick: duration (serve's own TickReport) and
// PostgreSQL round trips of the replica's store.
//
// serve does not filter by shard yet: each replica of the three is handed its shard's contract files,
// which is what `sharding.owns(contract.id)` in serve's selection would do; each replica writes its own
// alerts (singleLeadership: in sharded mode every replica evaluates, and sends, its shard).
// Data: 3,334 contracts × 3 SLAs (events, timeslices, averaged) over 20 services, term starting today
// (the period to date is today), today's traffic backfilled into a throwaway Prometheus at 60 s
// resolution; raw SLI expressions (no recording rules). Throwaway PostgreSQL as in test/helpers/postgres.ts.
// Run: npx tsx bench/replicas-serve.ts          (BENCH_CONTRACTS=3334 BENCH_TICKS=3)
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPrometheus } from '../src/demo/prometheus-server.js';
import { ServeConfigSchema } from '../src/server/config.js';
import { singleLeadership } from '../src/server/leadership.js';
import { startServe } from '../src/server/serve.js';
import { rendezvousOwner } from '../src/server/sharding.js';
import { PostgresStore } from '../src/store/postgres.js';
import { startPostgres } from '../test/helpers/postgres.js';

const CONTRACTS = Number(process.env.BENCH_CONTRACTS ?? 3334);
const TICKS = Number(process.env.BENCH_TICKS ?? 3);
const SERVICES = 20;
const self = fileURLToPath(import.meta.url);
const day = new Date().toISOString().slice(0, 10);

function contractYaml(i: number): string {
  const svc = `svc-${i % SERVICES}`;
  const q = (extra: string) => `sum(rate(obligo_demo_requests_total{service="${svc}"${extra}}[{{.window}}]))`;
  return `apiVersion: obligo.dev/v1
kind: Contract
metadata: { id: bench-${i}, title: Bench ${i} }
role: customer
parties: { vendor: { name: "Vendor ${i % 50}, Inc." }, customer: { name: Example Corp } }
term: { start: ${day}, timezone: UTC }
fees: { currency: USD, monthly: 1000 }
escalation: [ { level: 1, name: NOC, email: noc@vendor.example, respondWithinMinutes: 15 } ]
slas:
  - id: availability
    objective: 99.9
    period: month
    sli: { good: '${q(',code!~"5.."')}', total: '${q('')}' }
    measurement: { method: events }
  - id: minutes
    objective: 99.5
    period: month
    sli: { good: '${q(',code!~"5.."')}', total: '${q('')}' }
    measurement: { method: timeslices, slice: 1m, sliceGoodRatio: 0.95 }
  - id: averaged
    objective: 99
    period: month
    sli: { good: '${q(',code!~"5.."')}', total: '${q('')}' }
    measurement: { method: averaged, slice: 5m }
`;
}

interface TickOut {
  ms: number;
  roundTrips: number;
  ok: boolean;
  slas: number;
  error?: string;
}

/** Worker: one replica over its contract folder; ticks when told. */
async function worker(): Promise<void> {
  const { url, schema, contracts, prometheus } = JSON.parse(process.env.BENCH_SERVE_WORKER!) as { url: string; schema: string; contracts: string; prometheus: string };
  const store = await PostgresStore.open({ url, schema, poolSize: 5 });
  const config = ServeConfigSchema.parse({
    contracts,
    prometheus: { url: prometheus, useRules: false, timeout: '5m' },
    store: { postgres: { url: { env: 'UNUSED' }, schema } },
    evaluation: { interval: '1m' },
  });
  const handle = await startServe(config, { manualTicks: true, leadership: singleLeadership(), stores: async () => ({ rollups: store, alerts: store, close: () => store.close() }) });
  process.send!({ ready: true });
  process.on('message', async (m: { tick?: number }) => {
    if (m.tick === undefined) {
      await handle.stop(1000);
      process.exit(0);
    }
    const rt = store.roundTrips;
    const r = await handle.tickNow(m.tick);
    const out: TickOut = { ms: r.durationMs, roundTrips: store.roundTrips - rt, ok: r.ok, slas: r.evaluation?.status?.slas.length ?? 0, error: r.error };
    process.send!(out);
  });
}

async function replicas(url: string, schema: string, dirs: string[], prometheus: string): Promise<TickOut[][]> {
  const kids = dirs.map((contracts) => fork(self, [], { env: { ...process.env, BENCH_SERVE_WORKER: JSON.stringify({ url, schema, contracts, prometheus }) }, execArgv: ['--import', 'tsx', '--max-old-space-size=4096'] }));
  await Promise.all(kids.map((k) => new Promise<void>((r) => k.once('message', () => r()))));
  const rounds: TickOut[][] = [];
  for (let t = 0; t < TICKS; t++) {
    const at = Date.now();
    rounds.push(await Promise.all(kids.map((k) => new Promise<TickOut>((r) => {
      k.once('message', (m: TickOut) => r(m));
      k.send({ tick: at });
    }))));
  }
  for (const k of kids) k.send({});
  await Promise.all(kids.map((k) => new Promise((r) => k.once('exit', r))));
  return rounds;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'obligo-bench-serve-'));
  const pg = await startPostgres();
  const dayStart = Date.parse(`${day}T00:00:00Z`);
  const minute = Math.floor(Date.now() / 60_000) * 60_000;
  const start = Math.min(dayStart, minute - 2 * 3_600_000);
  const services = Array.from({ length: SERVICES }, (_, i) => ({ service: `svc-${i}`, requestsPerMinute: 600 + i }));
  console.log(`backfilling ${SERVICES} services from ${new Date(start).toISOString()} to now at 60 s…`);
  const prom = await startPrometheus({ traffic: { start, end: minute, scrapeIntervalSec: 60, services } });
  try {
    const url = await pg.createDatabase('bench');
    const ids = Array.from({ length: CONTRACTS }, (_, i) => i);
    const all = join(work, 'all');
    mkdirSync(all);
    for (const i of ids) writeFileSync(join(all, `bench-${i}.yaml`), contractYaml(i));
    const members = ['replica-0', 'replica-1', 'replica-2'];
    const shardDirs = members.map((m) => {
      const d = join(work, m);
      mkdirSync(d);
      for (const i of ids) if (rendezvousOwner(`bench-${i}`, members) === m) writeFileSync(join(d, `bench-${i}.yaml`), contractYaml(i));
      return d;
    });
    console.log(`load average: ${loadavg().map((x) => x.toFixed(2)).join(' ')} on ${cpus().length} cores`);
    const show = (label: string, rounds: TickOut[][]) => {
      rounds.forEach((per, t) => {
        console.log(
          `${label} tick ${t + 1}: slowest ${Math.max(...per.map((p) => p.ms)).toFixed(0)} ms (per replica ${per.map((p) => p.ms.toFixed(0)).join('/')} ms, ` +
            `SLAs ${per.map((p) => p.slas).join('/')}, PostgreSQL round trips ${per.map((p) => p.roundTrips).join('/')}, ok ${per.map((p) => p.ok).join('/')}${per.some((p) => p.error) ? `, ${per.find((p) => p.error)!.error}` : ''})`,
        );
      });
    };
    show('1 replica ', await replicas(url, 'one', [all], prom.url));
    show('3 replicas', await replicas(url, 'three', shardDirs, prom.url));
  } finally {
    await prom.stop();
    await pg.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.env.BENCH_SERVE_WORKER) await worker();
else await main();
