// The scenarios end to end through the real pieces: observations → applyTick (SQLite) →
// OutboxSender → fake PagerDuty on a real socket. Prometheus is the real client against a closed port
// (down) and a real, empty Prometheus (silent).
import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  applyTick,
  engineHealthObservation,
  type AlertObservation,
  type EngineProblem,
} from '../../src/alerting/index.js';
import { loadContracts } from '../../src/contract/load.js';
import { renderWindow, type Contract } from '../../src/contract/model.js';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/demo/fake-pagerduty.js';
import { startPrometheus } from '../../src/demo/prometheus-server.js';
import { PrometheusClient, isPrometheusError } from '../../src/prometheus/index.js';
import { PagerDutyClient } from '../../src/server/pagerduty-client.js';
import { OutboxSender, resolveSecretRef } from '../../src/server/sender.js';
import { maintenanceAt } from '../../src/slo/maintenance.js';
import { SqliteAlertStore } from '../../src/store/index.js';
import { projectRoot, requireTool } from '../helpers/tools.js';
import { contractFixture, MIN, slaObservation } from './helpers.js';
import { join } from 'node:path';

const KEY = 'Rabcdefghijklmnopqrstuvwxyz01234';
const DEFAULT_KEY = 'Rdefault0123456789abcdefghijklmn';
const env: Record<string, string> = { PD_ACME_COMPUTE_ROUTING_KEY: KEY, PD_GLOBEX_STORAGE_ROUTING_KEY: KEY, PD_DEFAULT: DEFAULT_KEY };
const POLICY = { forMs: 5 * MIN, resolveAfterMs: 10 * MIN };

let pd: FakePagerDuty;
let store: SqliteAlertStore;
let sender: OutboxSender;
beforeEach(async () => {
  pd = await startFakePagerDuty({ strictRoutingKey: true });
  store = SqliteAlertStore.open(':memory:');
  sender = new OutboxSender({
    outbox: store,
    client: new PagerDutyClient({ url: pd.enqueueUrl, timeoutMs: 5000 }),
    defaultRoutingKey: { env: 'PD_DEFAULT' },
    resolveSecret: (r) => resolveSecretRef(r, env),
    instanceId: 'pipeline',
    backoff: { baseMs: 5, maxMs: 10 },
  });
});
afterEach(async () => {
  await sender.stop();
  store.close();
  await pd.close();
});

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/**
 * A stand-in for the evaluate layer, as small as the test needs: ask Prometheus for each SLA's traffic
 * over 5m; an SLA whose query fails or comes back empty is not observed; the failures feed the one
 * engine-health observation.
 */
async function evaluateOnce(contracts: Contract[], prom: PrometheusClient, burning: (sla: string) => boolean) {
  const problems: EngineProblem[] = [];
  const observations: AlertObservation[] = [];
  let total = 0;
  let failed = 0;
  let silent = 0;
  for (const c of contracts) {
    for (const sla of c.slas) {
      total++;
      try {
        const v = await prom.vector(renderWindow(sla.sli.total, '5m'));
        if (v.length === 0) silent++;
        else observations.push(slaObservation(c, sla.id, burning(sla.key)));
      } catch (e) {
        failed++;
        problems.push({ kind: isPrometheusError(e) ? e.kind : 'error', message: e instanceof Error ? e.message : String(e), sla: sla.key });
      }
    }
  }
  return { observations, health: engineHealthObservation({ slasTotal: total, slasFailed: failed, slasSilent: silent, problems, prometheusUrl: prom.url }) };
}

describe('Prometheus down or silent: no SLA page, one engine-health alert', () => {
  it('down: one engine-health page over many ticks; a firing SLA alert holds; recovery resolves the engine alert only', async () => {
    const { contracts } = await loadContracts([join(projectRoot, 'contracts')]);
    expect(contracts.length).toBeGreaterThanOrEqual(6);
    const acme = contracts.find((c) => c.id === 'acme-compute')!;
    const t0 = Date.UTC(2026, 2, 10, 12);
    // Before the outage an SLA alert is firing (paged once).
    const firing = slaObservation(acme, 'availability', true);
    await applyTick(store, { at: t0, observations: [firing], policy: POLICY, now: Date.now() });
    await applyTick(store, { at: t0 + 5 * MIN, observations: [firing], policy: POLICY, now: Date.now() });
    await sender.drainOnce();
    expect(pd.events.map((e) => e.dedupKey)).toEqual(['obligo/acme-compute/availability/burn-page']);

    // Prometheus goes down for 30 minutes of ticks (every minute).
    const down = new PrometheusClient({ url: `http://user:secret@127.0.0.1:${await closedPort()}`, timeoutMs: 2000, retry: { maxAttempts: 1 } });
    for (let m = 6; m <= 36; m++) {
      const { observations, health } = await evaluateOnce(contracts, down, () => false);
      expect(observations).toEqual([]);
      expect(health.active).toBe(true);
      await applyTick(store, { at: t0 + m * MIN, observations: [...observations, health], policy: POLICY, now: Date.now() });
      await sender.drainOnce();
    }
    const during = pd.events.slice(1);
    expect(during.map((e) => `${e.action} ${e.dedupKey} ${e.status}`)).toEqual(['trigger obligo/-/-/engine-health 202']);
    const page = during[0]!.body!;
    expect(page.routing_key).toBe(DEFAULT_KEY);
    const payload = page.payload as { summary: string; class: string; custom_details: Record<string, unknown> };
    expect(payload.class).toBe('engine-health');
    expect(payload.summary).toMatch(/^Obligo cannot evaluate \d+ of \d+ SLAs: Prometheus at http:\/\/127\.0\.0\.1:\d+ unreachable/);
    expect(JSON.stringify(page)).not.toContain('secret');
    expect(payload.custom_details).toMatchObject({ slasFailed: payload.custom_details.slasTotal, problemKinds: ['unreachable'] });
    // the vendor's alert was neither re-triggered nor resolved while nothing could be measured
    expect((await store.getStates(['obligo/acme-compute/availability/burn-page'])).get('obligo/acme-compute/availability/burn-page')!.state.phase).toBe('firing');

    // Prometheus is back (a real one, empty here: the SLA is not evaluated, only the engine is healthy again).
    const healthy = engineHealthObservation({ slasTotal: 10, slasFailed: 0, slasSilent: 0, problems: [] });
    await applyTick(store, { at: t0 + 37 * MIN, observations: [healthy], policy: POLICY, now: Date.now() });
    await applyTick(store, { at: t0 + 47 * MIN, observations: [healthy], policy: POLICY, now: Date.now() });
    await sender.drainOnce();
    expect(pd.events.slice(1).map((e) => `${e.action} ${e.dedupKey} ${e.outcome}`)).toEqual([
      'trigger obligo/-/-/engine-health created',
      'resolve obligo/-/-/engine-health resolved',
    ]);
    expect(pd.openIncident('obligo/acme-compute/availability/burn-page')).toBeDefined();
  });

  const prom = requireTool('prometheus');
  const promtool = requireTool('promtool');
  it.skipIf(!prom.ok || !promtool.ok)(`silent: a real Prometheus with no data for any SLA raises one engine alert, no ticket per SLA${prom.skipNote}${promtool.skipNote}`, async () => {
    const server = await startPrometheus();
    try {
      const { contracts } = await loadContracts([join(projectRoot, 'contracts')]);
      const client = new PrometheusClient({ url: server.url });
      const t0 = Date.UTC(2026, 2, 10, 12);
      for (let m = 0; m <= 10; m++) {
        const { observations, health } = await evaluateOnce(contracts, client, () => true);
        expect(observations).toEqual([]);
        await applyTick(store, { at: t0 + m * MIN, observations: [health], policy: POLICY, now: Date.now() });
        await sender.drainOnce();
      }
      expect(pd.events.map((e) => `${e.action} ${e.dedupKey}`)).toEqual(['trigger obligo/-/-/engine-health']);
      const payload = pd.events[0]!.body!.payload as { summary: string; custom_details: Record<string, unknown> };
      expect(payload.summary).toMatch(/returned no data for all \d+ SLAs/);
      expect(payload.custom_details.slasSilent).toBe(payload.custom_details.slasTotal);
    } finally {
      await server.stop();
    }
  });
});

describe('maintenance windows', () => {
  it('no page inside the window; the page comes at the first tick after it if the breach continues', async () => {
    const globex = contractFixture('globex-storage');
    // Saturday 2026-03-21 01:00-02:00 America/Los_Angeles (PDT, UTC-7) = 08:00-09:00Z, computed by hand.
    const winStart = Date.parse('2026-03-21T08:00:00Z');
    const winEnd = Date.parse('2026-03-21T09:00:00Z');
    const pages: Array<{ tick: number; count: number }> = [];
    // The vendor breaches from 07:58 to 09:20; ticks every minute from 07:50 to 09:30.
    for (let at = winStart - 10 * MIN; at <= winEnd + 30 * MIN; at += MIN) {
      const m = maintenanceAt(globex.maintenance, globex.timezone, at);
      const active = at >= winStart - 2 * MIN && at < winEnd + 20 * MIN;
      const o = slaObservation(globex, 'availability', active, m.active ? { suppressed: { reason: m.reason ?? 'maintenance' } } : {});
      await applyTick(store, { at, observations: [o], policy: POLICY, now: Date.now() });
      await sender.drainOnce();
      pages.push({ tick: at, count: pd.events.filter((e) => e.action === 'trigger').length });
    }
    // the maintenance calendar agrees with the hand-computed window
    expect(maintenanceAt(globex.maintenance, globex.timezone, winStart)).toMatchObject({ active: true, start: winStart, end: winEnd });
    expect(maintenanceAt(globex.maintenance, globex.timezone, winStart - 1).active).toBe(false);
    // nothing before the window (for = 5m not reached: active from 07:58, window from 08:00), nothing inside
    for (const p of pages) if (p.tick < winEnd) expect(p.count).toBe(0);
    // the first tick after the window pages, once
    expect(pages.find((p) => p.tick === winEnd)!.count).toBe(1);
    expect(pages.at(-1)!.count).toBe(1);
    const trig = pd.events.find((e) => e.action === 'trigger')!;
    expect((trig.body!.payload as { timestamp: string }).timestamp).toBe('2026-03-21T09:00:00.000Z');
    expect(trig.routingKey).toBe(KEY);
    // it resolves 10 minutes after the breach ends (09:20 + 10m)
    const res = pd.events.find((e) => e.action === 'resolve');
    expect(res?.outcome).toBe('resolved');
    const [t] = (await store.listTransitions({ dedupKey: 'obligo/globex-storage/availability/burn-page' })).filter((x) => x.to === 'resolved');
    expect(new Date(t!.at).toISOString()).toBe('2026-03-21T09:30:00.000Z');
  });
});
