// `obligo serve` end to end: a real Prometheus scraping a simulated vendor every second (after a day of
// backfilled history), the fake PagerDuty Events API on loopback, and the real serve with its SQLite store
// and outbox sender. Ticks are driven by the test (tickNow) at the wall-clock time, so "within two ticks"
// is counted, not timed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/demo/fake-pagerduty.js';
import { startPrometheus, type RunningPrometheus } from '../../src/demo/prometheus-server.js';
import { generateTraffic } from '../../src/demo/synthetic.js';
import { startVendorSim, type VendorSim } from '../../src/demo/vendor-sim.js';
import { PrometheusClient } from '../../src/prometheus/client.js';
import { ServeConfigSchema } from '../../src/server/config.js';
import { startServe, type ServeHandle } from '../../src/server/serve.js';
import { prometheusAvailable, prometheusSkipReason } from '../helpers/prometheus.js';

const M = 60_000;

function contract(id: string, service: string, day: string, extra = ''): string {
  return `apiVersion: obligo.dev/v1
kind: Contract
metadata: { id: ${id}, title: Live ${id}, revision: r7, documentUrl: https://clm.example.com/${id} }
role: customer
parties: { vendor: { name: "Vendor ${id}, Inc." }, customer: { name: Example Corp } }
term: { start: ${day}, timezone: UTC }
fees: { currency: USD, monthly: 1000 }
escalation:
  - { level: 1, name: ${id} NOC, email: noc@${id}.example, phone: "+1 555 0100", respondWithinMinutes: 15 }
  - { level: 2, name: ${id} duty manager, email: duty@${id}.example, phone: "+1 555 0199", respondWithinMinutes: 60 }
notify: { pagerduty: { routingKey: { env: PD_KEY_${id.replace(/-/g, '_').toUpperCase()} } } }
${extra}slas:
  - id: api
    title: API availability
    objective: 99
    period: month
    sli:
      good: sum(rate(obligo_demo_requests_total{service="${service}",code!~"5.."}[{{.window}}]))
      total: sum(rate(obligo_demo_requests_total{service="${service}"}[{{.window}}]))
    measurement: { method: events }
    alerting:
      ticket: false
      burnRates: [ { severity: page, long: 2m, short: 30s, factor: 5 } ]
`;
}

async function waitUntil(what: string, ok: () => Promise<boolean> | boolean, capMs = 120_000): Promise<void> {
  const deadline = Date.now() + capMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe.skipIf(!prometheusAvailable)(`obligo serve end to end${prometheusAvailable ? '' : ` (${prometheusSkipReason})`}`, () => {
  let dir = '';
  let sim: VendorSim;
  let prom: RunningPrometheus;
  let pd: FakePagerDuty;
  let serve: ServeHandle;
  let client: PrometheusClient;
  const env = { PD_KEY_LIVE_VENDOR: 'a'.repeat(32), PD_KEY_MAINT_VENDOR: 'b'.repeat(32), PD_DEFAULT: 'c'.repeat(32) };
  const BURN = 'obligo/live-vendor/api/burn-page';
  const MAINT = 'obligo/maint-vendor/api/burn-page';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'obligo-serve-e2e-'));
    const now = Date.now();
    const day = new Date(now).toISOString().slice(0, 10);
    const dayStart = Date.parse(`${day}T00:00:00Z`);
    const minute = Math.floor(now / M) * M;
    // Today's history up to this minute (backfilled; a trickle of 1 request a minute, so that the day is
    // measured, not a gap, and the history adds next to nothing to the live windows), then live scrapes.
    const history = minute - dayStart >= 2 * M ? generateTraffic({ start: dayStart, end: minute, services: [{ service: 'live-a', requestsPerMinute: 1 }, { service: 'live-b', requestsPerMinute: 1 }] }) : undefined;
    sim = await startVendorSim({ services: [{ service: 'live-a', requestsPerSecond: 10 }, { service: 'live-b', requestsPerSecond: 10 }] });
    prom = await startPrometheus({ traffic: history, scrapeInterval: '1s', evaluationInterval: '1s', scrapeConfigs: [{ job: 'vendor', targets: [sim.target] }] });
    client = new PrometheusClient({ url: prom.url });
    pd = await startFakePagerDuty();
    const contracts = join(dir, 'contracts');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(contracts);
    writeFileSync(join(contracts, 'live.yaml'), contract('live-vendor', 'live-a', day));
    // Maintenance covering today: its outage must never page.
    writeFileSync(join(contracts, 'maint.yaml'), contract('maint-vendor', 'live-b', day, `maintenance:\n  - { start: ${day}T00:00:00Z, end: ${new Date(dayStart + 2 * 86_400_000).toISOString().slice(0, 10)}T00:00:00Z, reason: "planned migration" }\n`));
    const config = ServeConfigSchema.parse({
      contracts,
      prometheus: { url: prom.url },
      store: { sqlite: join(dir, 'obligo.db') },
      evaluation: { interval: '10s', pageFor: '0s', resolveAfter: '10s' },
      pagerduty: { eventsUrl: pd.enqueueUrl, routingKey: { env: 'PD_DEFAULT' } },
      links: { grafana: 'https://grafana.example.com', runbooks: 'https://runbooks.example.com/{contract}/{sla}' },
    });
    serve = await startServe(config, { env, manualTicks: true });
    // a few seconds of live scrapes before the first tick
    await waitUntil('the first live scrapes', async () => (await client.vector('count(obligo_demo_requests_total{job="vendor"})')).length > 0);
  }, 180_000);

  afterAll(async () => {
    await serve?.stop(2000);
    await pd?.close();
    await prom?.stop();
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const delivered = (e: { outcome: string }) => e.outcome !== 'failed' && e.outcome !== 'rejected';
  const triggers = (key: string) => pd.events.filter((e) => e.dedupKey === key && e.action === 'trigger' && delivered(e));
  const resolves = (key: string) => pd.events.filter((e) => e.dedupKey === key && e.action === 'resolve' && delivered(e));

  it('healthy: a tick evaluates every SLA with complete data and pages nobody', async () => {
    const r = await serve.tickNow();
    expect(r.ok).toBe(true);
    expect(r.evaluation!.status!.slas.map((s) => s.key)).toEqual(['live-vendor/api', 'maint-vendor/api']);
    const live = r.evaluation!.status!.slas[0]!;
    expect(live.state).toBe('ok');
    expect(live.coverage.complete).toBe(true);
    expect(r.alerts.events).toBe(0);
    expect(pd.events).toHaveLength(0);
  });

  it('an outage pages within two ticks, with the vendor, every contact and the links; PagerDuty answering 500 for a while gets it once', async () => {
    pd.failFor(6000, { status: 500 });
    sim.setErrorRatio('live-a', 1);
    sim.setErrorRatio('live-b', 1);
    // wait until Prometheus has 20 s of the outage (the 30 s window is then mostly errors)
    await waitUntil('the outage in Prometheus', async () => {
      const v = await client.vector('sum(rate(obligo_demo_requests_total{service="live-a",code="500",job="vendor"}[30s])) / sum(rate(obligo_demo_requests_total{service="live-a",job="vendor"}[30s]))');
      return (v[0]?.value.v ?? 0) > 0.6;
    });
    let ticks = 0;
    let fired = false;
    while (!fired && ticks < 2) {
      ticks++;
      const r = await serve.tickNow();
      fired = r.evaluation!.decisions!.get('live-vendor/api')!.alerts.some((a) => a.name === 'burn-page' && a.active);
    }
    expect(fired).toBe(true);
    await waitUntil('the page to be delivered', () => triggers(BURN).length === 1, 60_000);
    expect(pd.events.some((e) => e.dedupKey === BURN && e.outcome === 'failed')).toBe(true); // 500s first
    const page = triggers(BURN)[0]!.body as { payload: { summary: string; severity: string; component: string; group: string; class: string; custom_details: Record<string, any> }; links: Array<{ href: string }>; routing_key: string };
    expect(page.routing_key).toBe(env.PD_KEY_LIVE_VENDOR);
    expect(page.payload.summary).toMatch(/^Vendor live-vendor, Inc\. · API availability \(live-vendor\/api\): error budget burning/);
    expect(page.payload).toMatchObject({ severity: 'critical', component: 'Vendor live-vendor, Inc.', group: 'live-vendor', class: 'error-budget-burn' });
    const contacts = page.payload.custom_details.escalation as Array<{ level: number; name: string; phone: string }>;
    expect(contacts.map((c) => [c.level, c.name, c.phone])).toEqual([
      [1, 'live-vendor NOC', '+1 555 0100'],
      [2, 'live-vendor duty manager', '+1 555 0199'],
    ]);
    expect(page.links.map((l) => l.href)).toEqual(expect.arrayContaining(['https://grafana.example.com/d/sla-live-vendor-api', 'https://runbooks.example.com/live-vendor/api', 'https://clm.example.com/live-vendor']));
    // the contract in maintenance never pages
    expect(triggers(MAINT)).toHaveLength(0);
    expect(pd.incidents().filter((i) => i.dedupKey === BURN)).toHaveLength(1);
  });

  it('an invalid contract edit: reported, its last good version stays enforced, the others are unaffected', async () => {
    writeFileSync(join(serve.runtime.config.contracts, 'maint.yaml'), 'apiVersion: obligo.dev/v1\nkind: Contract\nmetadata: { id: maint-vendor\n');
    const r = await serve.tickNow();
    const snap = serve.runtime.contracts();
    expect(snap.stale).toEqual([join(serve.runtime.config.contracts, 'maint.yaml')]);
    expect(snap.problems.length).toBeGreaterThan(0);
    expect(snap.problems[0]!.file).toBe(join(serve.runtime.config.contracts, 'maint.yaml'));
    expect(r.evaluation!.status!.slas.map((s) => s.key)).toEqual(['live-vendor/api', 'maint-vendor/api']);
    expect(triggers(BURN)).toHaveLength(1); // still open, not re-triggered
    expect(triggers(MAINT)).toHaveLength(0);
  });

  it('recovery resolves the page once', async () => {
    sim.setErrorRatio('live-a', 0);
    sim.setErrorRatio('live-b', 0);
    await waitUntil('the 30 s window to clear', async () => {
      const v = await client.vector('sum(rate(obligo_demo_requests_total{service="live-a",code="500",job="vendor"}[30s]))');
      return (v[0]?.value.v ?? 0) === 0;
    });
    await serve.tickNow(); // inactive: resolving (flap suppression)
    await new Promise((r) => setTimeout(r, 10_500));
    await serve.tickNow(); // resolved
    await waitUntil('the resolve to be delivered', () => resolves(BURN).length === 1, 60_000);
    expect(triggers(BURN)).toHaveLength(1);
    expect(resolves(BURN)).toHaveLength(1);
    expect(pd.openIncident(BURN)).toBeUndefined();
  });

  it('Prometheus down is no vendor breach: one engine-health alert, no SLA page', async () => {
    const before = pd.events.length;
    await prom.stop();
    const r = await serve.tickNow();
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/cannot reach Prometheus/);
    await waitUntil('the engine-health page', () => triggers('obligo/-/-/engine-health').length === 1, 60_000);
    const after = pd.events.slice(before).filter(delivered);
    expect(after.map((e) => [e.dedupKey, e.action])).toEqual([['obligo/-/-/engine-health', 'trigger']]);
    expect((after[0]!.body as { routing_key: string }).routing_key).toBe(env.PD_DEFAULT);
    // a second failing tick changes nothing
    await serve.tickNow();
    await serve.runtime.outbox.depth(Date.now());
    expect(pd.events.slice(before).filter(delivered)).toHaveLength(1);
  });
}, 300_000);
