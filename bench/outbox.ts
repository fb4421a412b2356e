// Benchmark: the alerting pipeline's store and sender.
//  1. applyTick on an on-disk SQLite store for ALERTS alerts (500 contracts × 4 alerts by default):
//     a steady tick (no transition: every state rewritten with its lastAt), and a tick where every
//     alert fires (states + transitions + outbox rows in one transaction).
//  2. claimDue on an outbox with a long history of sent rows (the partial indexes keep it flat).
//  3. Drain: the OutboxSender delivering every queued event to the fake PagerDuty over HTTP on
//     127.0.0.1 (rate limit lifted), events per second end to end.
// Run: npx tsx bench/outbox.ts [ALERTS] [SENT_HISTORY]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyTick, type AlertObservation } from '../src/alerting/index.js';
import { startFakePagerDuty } from '../src/demo/fake-pagerduty.js';
import { PagerDutyClient } from '../src/server/pagerduty-client.js';
import { OutboxSender } from '../src/server/sender.js';
import { SqliteAlertStore } from '../src/store/index.js';

const ALERTS = Number(process.argv[2] ?? 2000);
const HISTORY = Number(process.argv[3] ?? 100_000);
const KEY = 'Rabcdefghijklmnopqrstuvwxyz01234';
process.env.OBLIGO_BENCH_PD_KEY = KEY;

function observations(active: boolean): AlertObservation[] {
  const out: AlertObservation[] = [];
  for (let i = 0; i < ALERTS; i++) {
    const c = `contract-${Math.floor(i / 4)}`;
    out.push({
      key: { contract: c, sla: `sla-${i % 2}`, alert: i % 4 < 2 ? 'burn-page' : 'burn-ticket' },
      active,
      severity: 'critical',
      summary: `Vendor ${c} sla-${i % 2}: error budget burning 20x over 1h`,
      evidence: { objective: 99.9, achieved: 99.5, burnRates: { '5m': 20, '1h': 16, '6h': 4 }, budgetRemaining: 0.2, coverage: 1, revision: 'r1', documentUrl: 'https://clm.example.com/x' },
      escalation: [
        { level: 1, name: 'NOC', phone: '+1 555 0100', email: 'noc@example.com', respondWithinMinutes: 15 },
        { level: 2, name: 'Duty manager', email: 'duty@example.com', respondWithinMinutes: 60 },
      ],
      links: [{ href: 'https://grafana.example.com/d/x', text: 'Grafana' }],
      routing: { routingKey: { env: 'OBLIGO_BENCH_PD_KEY' } },
      vendor: `Vendor ${c}`,
      group: c,
      class: 'error-budget-burn',
      source: 'obligo',
    });
  }
  return out;
}

function ms(t0: number): string {
  return (performance.now() - t0).toFixed(1);
}

const dir = mkdtempSync(join(tmpdir(), 'obligo-bench-outbox-'));
try {
  const store = SqliteAlertStore.open(join(dir, 'obligo.db'));
  const policy = { forMs: 0, resolveAfterMs: 0 };
  let at = Date.UTC(2026, 0, 1);
  const quiet = observations(false);
  const firing = observations(true);

  let t0 = performance.now();
  await applyTick(store, { at: at++, observations: quiet, policy });
  console.log(`applyTick, ${ALERTS} alerts, first tick (inserts): ${ms(t0)} ms`);
  const steady: number[] = [];
  for (let k = 0; k < 10; k++) {
    t0 = performance.now();
    await applyTick(store, { at: at++, observations: quiet, policy });
    steady.push(performance.now() - t0);
  }
  steady.sort((a, b) => a - b);
  console.log(`applyTick, ${ALERTS} alerts, steady tick (no transition): median ${steady[5]!.toFixed(1)} ms, max ${steady[9]!.toFixed(1)} ms (10 ticks)`);
  t0 = performance.now();
  const r = await applyTick(store, { at: at++, observations: firing, policy, now: Date.now() });
  console.log(`applyTick, ${ALERTS} alerts all firing: ${ms(t0)} ms (${r.transitions.length} transitions, ${r.events.length} outbox rows)`);

  // 3. drain through HTTP
  const pd = await startFakePagerDuty();
  const sender = new OutboxSender({
    outbox: store,
    client: new PagerDutyClient({ url: pd.enqueueUrl }),
    instanceId: 'bench',
    concurrency: 8,
    batchSize: 200,
    rateLimit: { events: 1_000_000, windowMs: 60_000 },
  });
  t0 = performance.now();
  let sent = 0;
  for (;;) {
    const d = await sender.drainOnce();
    if (d.claimed === 0) break;
    sent += d.delivered;
  }
  const drainMs = performance.now() - t0;
  console.log(`drain ${sent} events to the fake PagerDuty over HTTP (concurrency 8): ${drainMs.toFixed(0)} ms, ${Math.round(sent / (drainMs / 1000))} events/s`);
  await pd.close();

  // 2. claimDue with a long history of sent rows
  const events = [];
  for (let i = 0; i < HISTORY; i++) {
    events.push({ eventId: `h/${i}#1:trigger`, dedupKey: `h/${i}`, action: 'trigger' as const, routing: {}, body: { event_action: 'trigger' as const, dedup_key: `h/${i}` } });
  }
  t0 = performance.now();
  await store.commit({ states: [], transitions: [], events, now: Date.now() });
  console.log(`enqueue ${HISTORY} rows in one transaction: ${ms(t0)} ms`);
  t0 = performance.now();
  let marked = 0;
  for (;;) {
    const claimed = await store.claimDue({ now: Date.now(), limit: 1000, leaseMs: 60_000, owner: 'bench' });
    if (claimed.length === 0) break;
    for (const c of claimed) await store.markSent(c.id, Date.now(), 202);
    marked += claimed.length;
  }
  console.log(`claimDue (1000 at a time) + markSent × ${marked}: ${ms(t0)} ms`);
  await store.commit({ states: [], transitions: [], events: [{ eventId: 'fresh#1:trigger', dedupKey: 'fresh', action: 'trigger', routing: {}, body: { event_action: 'trigger', dedup_key: 'fresh' } }], now: Date.now() });
  const times: number[] = [];
  for (let k = 0; k < 20; k++) {
    t0 = performance.now();
    const c = await store.claimDue({ now: Date.now(), limit: 50, leaseMs: 1, owner: 'bench' });
    times.push(performance.now() - t0);
    if (c.length !== 1) throw new Error(`expected 1 due row, got ${c.length}`);
    await new Promise((res) => setTimeout(res, 2));
  }
  times.sort((a, b) => a - b);
  console.log(`claimDue with ${HISTORY + sent} sent rows in the table and 1 due: median ${times[10]!.toFixed(2)} ms`);
  const depth = await store.depth(Date.now());
  console.log(`depth: ${JSON.stringify(depth)}`);
  store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
