// Replicas on one PostgreSQL (a throwaway cluster started here: initdb + pg_ctl, as test/helpers/postgres.ts).
//  1. Alerting ticks for 10,000 SLAs against the PostgreSQL store: one replica doing all of them vs three
//     replicas each doing the SLAs that rendezvous sharding gives it (src/server/sharding.ts), the three
//     running at once in separate processes. Per tick: wall time and PostgreSQL round trips (statements),
//     for a tick where every SLA pages (10,000 transitions and outbox rows) and a steady tick.
//  2. Failover: three `obligo serve` processes (test/server/replicas-child.ts: startServe with
//     openReplication's store and leadership) at the minimum interval of 10 s; the leader is killed with
//     SIGKILL; time from the kill to the start and to the end of the first tick of the new leader.
// What is NOT measured: a full serve tick for 10,000 SLAs (Prometheus queries and Rego for 10,000 SLAs on
// this 2-core machine): the alerting/store part of a tick is what replicas share through PostgreSQL.
// Run: npx tsx bench/replicas.ts            (BENCH_SLAS=10000 BENCH_FAILOVERS=3)
import { fork, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyTick, type AlertObservation } from '../src/alerting/index.js';
import { rendezvousOwner } from '../src/server/sharding.js';
import { PostgresStore } from '../src/store/postgres.js';
import { startPostgres } from '../test/helpers/postgres.js';

const SLAS = Number(process.env.BENCH_SLAS ?? 10_000);
const FAILOVERS = Number(process.env.BENCH_FAILOVERS ?? 5);
const STEADY = Number(process.env.BENCH_STEADY_TICKS ?? 5);
const self = fileURLToPath(import.meta.url);
const root = join(self, '..', '..');

function observations(ids: readonly number[], active: boolean): AlertObservation[] {
  return ids.map((i) => ({
    key: { contract: `bench-${String(i).padStart(5, '0')}`, sla: 'availability', alert: 'burn-page' },
    active,
    severity: 'critical',
    summary: `Vendor ${i % 50} availability: error budget burning`,
    evidence: { objective: 99.9, achieved: 99.5, burnRates: { '1h': 20, '5m': 25 }, budgetRemaining: 0.4, coverage: 1 },
    escalation: [{ level: 1, name: 'NOC', email: 'noc@vendor.example', respondWithinMinutes: 15 }],
    links: [],
    routing: { routingKey: { env: `PD_${i % 50}` } },
    vendor: `Vendor ${i % 50}, Inc.`,
    group: `bench-${i}`,
    class: 'error-budget-burn',
    source: 'obligo',
  }));
}

/** Child mode: run the ticks of one shard and report. */
async function worker(): Promise<void> {
  const { url, schema, ids } = JSON.parse(process.env.BENCH_WORKER!) as { url: string; schema: string; ids: number[] };
  const store = await PostgresStore.open({ url, schema });
  const results: Array<{ kind: string; ms: number; roundTrips: number; events: number }> = [];
  process.send!({ ready: true });
  await new Promise<void>((r) => process.once('message', () => r()));
  const T0 = Date.UTC(2026, 2, 10);
  const plan: Array<[string, boolean, number]> = [['page', true, T0], ...Array.from({ length: STEADY }, (_, i): [string, boolean, number] => ['steady', true, T0 + (i + 1) * 60_000])];
  for (const [kind, active, at] of plan) {
    const rt = store.roundTrips;
    const t = performance.now();
    const r = await applyTick(store, { at, observations: observations(ids, active), policy: { forMs: 0, resolveAfterMs: 0 }, now: at });
    results.push({ kind, ms: performance.now() - t, roundTrips: store.roundTrips - rt, events: r.events.length });
  }
  await store.close();
  process.send!({ results });
}

async function shardTicks(url: string, schema: string, shards: number[][]): Promise<Array<Array<{ kind: string; ms: number; roundTrips: number; events: number }>>> {
  const kids = shards.map((ids) => fork(self, [], { env: { ...process.env, BENCH_WORKER: JSON.stringify({ url, schema, ids }) }, execArgv: ['--import', 'tsx'] }));
  const ready = kids.map((k) => new Promise<void>((r) => k.once('message', () => r())));
  await Promise.all(ready);
  const done = kids.map((k) => new Promise<Array<{ kind: string; ms: number; roundTrips: number; events: number }>>((r) => k.once('message', (m: { results: never }) => r(m.results))));
  for (const k of kids) k.send('go');
  return Promise.all(done);
}

async function failover(url: string, dir: string): Promise<Array<{ toTickStartMs: number; toTickEndMs: number; pollMs: number }>> {
  // No Prometheus: the tick fails fast (engine-health), which is still a tick of the new leader.
  const contracts = join(dir, 'contracts');
  mkdirSync(contracts, { recursive: true });
  const out: Array<{ toTickStartMs: number; toTickEndMs: number; pollMs: number }> = [];
  for (let round = 0; round < FAILOVERS; round++) {
    const config = join(dir, `obligo-${round}.yaml`);
    writeFileSync(config, `contracts: ${contracts}\nprometheus: { url: "http://127.0.0.1:9" }\nstore: { postgres: { url: { env: BENCH_PG_URL }, schema: failover${round} } }\nevaluation: { interval: 10s }\nlog: { level: silent }\n`);
    type Line = { type: string; leader?: boolean; at?: number; finishedAt?: number };
    const procs = ['a', 'b', 'c'].map((id) => {
      const p = spawn(process.execPath, ['--import', 'tsx', join(root, 'test', 'server', 'replicas-child.ts')], {
        cwd: root,
        env: { ...process.env, BENCH_PG_URL: url, OBLIGO_REPLICA_CONFIG: config, OBLIGO_REPLICA_ID: `${id}${round}` },
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const lines: Line[] = [];
      let buf = '';
      p.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          try {
            lines.push(JSON.parse(buf.slice(0, i)) as Line);
          } catch {
            // ignore
          }
          buf = buf.slice(i + 1);
        }
      });
      return { id, p, lines };
    });
    const until = async (ok: () => boolean, cap = 120_000) => {
      const end = Date.now() + cap;
      while (!ok()) {
        if (Date.now() > end) throw new Error('timeout');
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await until(() => procs.every((x) => x.lines.some((l) => l.type === 'tick')));
    const leader = procs.find((x) => x.lines.filter((l) => l.type === 'ready' || l.type === 'leader').at(-1)?.leader)!;
    // kill at a random point of the tick interval
    await new Promise((r) => setTimeout(r, Math.random() * 10_000));
    const seen = new Map(procs.map((x) => [x.id, x.lines.length]));
    const tKill = Date.now();
    leader.p.kill('SIGKILL');
    const survivors = procs.filter((x) => x !== leader);
    let first: Line | undefined;
    await until(() => {
      for (const s of survivors) first ??= s.lines.slice(seen.get(s.id)).find((l) => l.type === 'tick' && l.leader);
      return first !== undefined;
    });
    out.push({ toTickStartMs: first!.at! - tKill, toTickEndMs: first!.finishedAt! - tKill, pollMs: 10_000 / 3 });
    for (const s of procs) s.p.kill('SIGKILL');
  }
  return out;
}

async function main(): Promise<void> {
  const pg = await startPostgres();
  const dir = mkdtempSync(join(tmpdir(), 'obligo-bench-replicas-'));
  try {
    const url = await pg.createDatabase('bench');
    const ids = Array.from({ length: SLAS }, (_, i) => i);
    const one = await shardTicks(url, 'one', [ids]);
    const members = ['replica-0', 'replica-1', 'replica-2'];
    const shards = members.map((m) => ids.filter((i) => rendezvousOwner(`bench-${String(i).padStart(5, '0')}`, members) === m));
    const three = await shardTicks(url, 'three', shards);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const fmt = (label: string, rs: Array<Array<{ kind: string; ms: number; roundTrips: number; events: number }>>) => {
      // per tick: the slowest replica (the tick is done when every shard is)
      const slowest = rs[0]!.map((_, k) => Math.max(...rs.map((r) => r[k]!.ms)));
      const page = rs.map((r) => r[0]!);
      console.log(
        `${label.padEnd(28)} paging tick ${slowest[0]!.toFixed(0).padStart(5)} ms (round trips per replica ${page.map((p) => p.roundTrips).join('/')}, ${page.reduce((a, p) => a + p.events, 0)} events); ` +
          `steady tick median ${median(slowest.slice(1)).toFixed(0).padStart(5)} ms of ${slowest.slice(1).map((x) => x.toFixed(0)).join(', ')} (round trips per replica ${rs.map((r) => r[1]!.roundTrips).join('/')})`,
      );
    };
    console.log(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(' ')} on ${cpus().length} cores`);
    console.log(`alerting ticks for ${SLAS} SLAs on PostgreSQL (${pg.url.replace(/\/\/[^@]*@/, '//')}):`);
    fmt('1 replica', one);
    fmt(`3 replicas (${shards.map((s) => s.length).join('+')})`, three);
    const f = await failover(url, dir);
    console.log(`failover (3 serve processes, interval 10 s, leader poll ${(10_000 / 3).toFixed(0)} ms), kill -9 of the leader → new leader's first tick:`);
    for (const r of f) console.log(`  start ${r.toTickStartMs} ms, end ${r.toTickEndMs} ms`);
    const s = f.map((r) => r.toTickStartMs).sort((a, b) => a - b);
    console.log(`  median start ${s[Math.floor(s.length / 2)]} ms, max ${s.at(-1)} ms`);
  } finally {
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.env.BENCH_WORKER) await worker();
else await main();
