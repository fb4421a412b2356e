// The live demo of `obligo serve` (the README's first command): a simulated vendor scraped every second by
// a private Prometheus (with today's history backfilled), a fake PagerDuty Events API on loopback, and the
// real `obligo serve` ticking every 10 s. The vendor fails for half a minute: the page arrives with its
// escalation contacts, then recovery resolves it. Everything listens on 127.0.0.1 and is stopped at the
// end, unless `keep` is set.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestListener } from 'node:http';
import { ServeConfigSchema } from '../server/config.js';
import type { ServeRuntime } from '../server/runtime.js';
import { startServe, type ServeHandle } from '../server/serve.js';
import { startFakePagerDuty, type FakeIncident, type ReceivedEvent } from './fake-pagerduty.js';
import { startPrometheus } from './prometheus-server.js';
import { generateTraffic } from './synthetic.js';
import { startVendorSim } from './vendor-sim.js';

const M = 60_000;
const SERVICE = 'edge';
const ROUTING_KEY_ENV = 'OBLIGO_DEMO_PD_ROUTING_KEY';

/** The demo's contract: a CDN vendor with three escalation levels and a burn-rate table short enough for a demo. */
export function liveDemoContract(day: string): string {
  return `# Written by \`obligo demo\`: the contract of the live part. Its burn-rate table is shortened for a demo
# (2-minute and 30-second windows instead of the SRE Workbook's 1 hour and 5 minutes), so that a
# half-minute outage pages at once and recovery resolves within a minute.
apiVersion: obligo.dev/v1
kind: Contract
metadata:
  id: acme-cdn
  title: Acme CDN Enterprise Services Agreement
  revision: amendment-2
  documentUrl: https://clm.example.com/contracts/4711
role: customer
parties:
  vendor: { name: "Acme CDN, Inc." }
  customer: { name: Example Corp }
term: { start: ${day}, timezone: UTC }
fees: { currency: USD, monthly: 12000 }
escalation:
  - { level: 1, name: Acme NOC, email: noc@acme-cdn.example, phone: "+1 555 0100", respondWithinMinutes: 15 }
  - { level: 2, name: Acme duty manager, email: duty@acme-cdn.example, phone: "+1 555 0199", respondWithinMinutes: 60 }
  - { level: 3, name: Acme VP Operations, email: vp-ops@acme-cdn.example, respondWithinMinutes: 240 }
notify:
  pagerduty:
    routingKey: { env: ${ROUTING_KEY_ENV} }
slas:
  - id: availability
    title: Edge availability
    objective: 99.5
    period: month
    sli:
      good: sum(rate(obligo_demo_requests_total{service="${SERVICE}",code!~"5.."}[{{.window}}]))
      total: sum(rate(obligo_demo_requests_total{service="${SERVICE}"}[{{.window}}]))
    measurement: { method: events }
    credits:
      tiers:
        - { below: 99.5, percent: 10 }
    alerting:
      ticket: false
      burnRates: [ { severity: page, long: 2m, short: 30s, factor: 5 } ]
`;
}

export interface LiveDemoOptions {
  say: (line: string) => void;
  /** Leave everything running and return the URLs (the caller stops it). */
  keep?: boolean;
  /** HTTP shell for serve (REST API, /metrics), when this build has one. */
  http?: (runtime: ServeRuntime) => RequestListener | Promise<RequestListener>;
  /** Outage length (default 30 s). */
  outageMs?: number;
}

export interface LiveDemoResult {
  paged: boolean;
  resolved: boolean;
  urls: { prometheus: string; pagerduty: string; vendor: string; serve?: string };
  /** Stops everything (already done unless keep). */
  stop(): Promise<void>;
}

async function until(what: string, ok: () => boolean | Promise<boolean>, capMs: number): Promise<void> {
  const deadline = Date.now() + capMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`demo: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function describePage(e: ReceivedEvent): string[] {
  const body = e.body as { payload?: { summary?: string; severity?: string; custom_details?: { escalation?: Array<{ level: number; name: string; phone?: string; email?: string; respondWithinMinutes?: number }> } }; links?: Array<{ href: string; text?: string }> };
  const lines = [`  PagerDuty ${e.action?.toUpperCase()} ${e.dedupKey}`];
  if (e.action === 'trigger') {
    lines.push(`    ${body.payload?.summary ?? ''}`);
    lines.push(`    severity ${body.payload?.severity}; escalate in this order:`);
    for (const c of body.payload?.custom_details?.escalation ?? []) {
      lines.push(`      ${c.level}. ${c.name}${c.phone ? `  ${c.phone}` : ''}${c.email ? `  ${c.email}` : ''}${c.respondWithinMinutes !== undefined ? `  (responds within ${c.respondWithinMinutes} min)` : ''}`);
    }
    for (const l of body.links ?? []) lines.push(`    ${l.text ?? 'link'}: ${l.href}`);
  }
  return lines;
}

export async function runLiveDemo(opts: LiveDemoOptions): Promise<LiveDemoResult> {
  const { say } = opts;
  const dir = mkdtempSync(join(tmpdir(), 'obligo-live-demo-'));
  const cleanup: Array<() => Promise<void> | void> = [() => rmSync(dir, { recursive: true, force: true })];
  const stop = async () => {
    for (const c of cleanup.reverse()) await c();
    cleanup.length = 0;
  };
  try {
    const now = Date.now();
    const minute = Math.floor(now / M) * M;
    // The contract's term starts yesterday; its history (healthy, 20 requests/s) is backfilled up to this
    // minute, so the period so far is measured, then Prometheus scrapes the live vendor.
    const day = new Date(now - 86_400_000).toISOString().slice(0, 10);
    const dayStart = Date.parse(`${day}T00:00:00Z`);
    const history = generateTraffic({ start: dayStart, end: minute, services: [{ service: SERVICE, requestsPerMinute: 1200 }] });
    const vendor = await startVendorSim({ services: [{ service: SERVICE, requestsPerSecond: 20 }] });
    cleanup.push(() => vendor.close());
    const prom = await startPrometheus({ traffic: history, scrapeInterval: '1s', evaluationInterval: '1s', scrapeConfigs: [{ job: 'acme-cdn-edge', targets: [vendor.target] }] });
    cleanup.push(() => prom.stop());
    const pd = await startFakePagerDuty();
    cleanup.push(() => pd.close());
    const contracts = join(dir, 'contracts');
    mkdirSync(contracts);
    writeFileSync(join(contracts, 'acme-cdn.yaml'), liveDemoContract(day));
    const config = ServeConfigSchema.parse({
      contracts,
      prometheus: { url: prom.url, useRules: false },
      store: { sqlite: join(dir, 'obligo.db') },
      evaluation: { interval: '10s', pageFor: '0s', resolveAfter: '10s' },
      pagerduty: { eventsUrl: pd.enqueueUrl },
      server: { listen: '127.0.0.1:0' },
      links: { grafana: 'https://grafana.example.com', runbooks: 'https://runbooks.example.com/{contract}/{sla}' },
    });
    const env = { ...process.env, [ROUTING_KEY_ENV]: 'demo0000000000000000000000000000' };
    let serve: ServeHandle | undefined;
    serve = await startServe(config, { env, http: opts.http, manualTicks: false });
    cleanup.push(() => serve!.stop(5000));
    say(`simulated vendor ${vendor.url}/metrics (Acme CDN edge, 20 requests/s), scraped every second by Prometheus ${prom.url}`);
    say(`fake PagerDuty Events API ${pd.enqueueUrl}; obligo serve evaluates ${config.contracts} every ${config.evaluation.interval}${serve.url ? `, API ${serve.url}/api/v1` : ''}`);
    pd.onEvent((e) => {
      if (e.outcome === 'failed' || e.outcome === 'rejected') return;
      for (const l of describePage(e)) say(l);
    });
    const paged = () => pd.incidents().some((i: FakeIncident) => i.dedupKey === 'obligo/acme-cdn/availability/burn-page');
    await until('the first tick', () => serve!.runtime.latest() !== undefined, 30_000);
    const first = serve.runtime.latest()!;
    const s0 = first.evaluation?.status?.slas[0];
    say(`tick ${first.tick}: acme-cdn/availability ${s0 ? `${s0.state}, coverage ${s0.coverage.ratio === null ? '-' : `${(s0.coverage.ratio * 100).toFixed(2)}%`}` : first.error ?? ''}; nobody paged`);
    const outage = opts.outageMs ?? 30_000;
    say(`the vendor fails: every request answered 500 for ${outage / 1000} s…`);
    vendor.setErrorRatio(SERVICE, 1);
    const t0 = Date.now();
    await until('the page', paged, outage + 60_000);
    const tickOfPage = serve.runtime.latest()!;
    say(`paged ${((Date.now() - t0) / 1000).toFixed(0)} s into the outage (tick ${tickOfPage.tick})`);
    await new Promise((r) => setTimeout(r, Math.max(0, outage - (Date.now() - t0))));
    vendor.setErrorRatio(SERVICE, 0);
    say('the vendor recovers; waiting for the burn to stop and the page to resolve…');
    const resolved = () => pd.incidents().some((i: FakeIncident) => i.dedupKey === 'obligo/acme-cdn/availability/burn-page' && i.status === 'resolved');
    await until('the resolve', resolved, 180_000);
    const urls = { prometheus: prom.url, pagerduty: pd.url, vendor: vendor.url, serve: serve.url };
    if (opts.keep) {
      say(`--keep: still running. Prometheus ${urls.prometheus}, fake PagerDuty ${urls.pagerduty}/v2/enqueue, vendor ${urls.vendor}/metrics${urls.serve ? `, obligo serve ${urls.serve}` : ''}`);
      return { paged: true, resolved: true, urls, stop };
    }
    await stop();
    return { paged: true, resolved: true, urls, stop: async () => undefined };
  } catch (e) {
    await stop();
    throw e;
  }
}
