// The real-Prometheus harness: backfilled synthetic traffic reads back, minute by minute, as the
// generator's truth; the server lifecycle (ready, restart, stop, cleanup) works.
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithPrometheus, prometheusAvailable, prometheusSkipNote, withTools } from '../helpers/prometheus.js';
import { startPrometheus } from '../../src/demo/prometheus-server.js';
import { generateTraffic, writeOpenMetrics, type TrafficSpec } from '../../src/demo/synthetic.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 9, 5); // a past day

const spec: TrafficSpec = {
  start: T0,
  end: T0 + 1440 * MIN,
  services: [
    {
      service: 'compute',
      requestsPerMinute: (t) => 200 + (new Date(t).getUTCHours() % 5) * 37,
      outages: [{ start: T0 + 300 * MIN, end: T0 + 345 * MIN, errorRatio: 0.2 }],
      quiet: [{ start: T0 + 600 * MIN, end: T0 + 610 * MIN }],
      absent: [{ start: T0 + 900 * MIN, end: T0 + 920 * MIN }],
    },
    {
      service: 'platform-api',
      requestsPerMinute: (_t, i) => 50 + (i % 13),
      baseErrorRatio: 0.01,
      latency: { slowRatio: 0.02, slowPeriods: [{ start: T0 + 100 * MIN, end: T0 + 130 * MIN, slowRatio: 0.3 }] },
    },
  ],
};

async function rangeQuery(url: string, query: string, start: number, end: number, step: number) {
  const params = new URLSearchParams({ query, start: String(start / 1000), end: String(end / 1000), step: String(step) });
  const r = await fetch(`${url}/api/v1/query_range`, { method: 'POST', body: params });
  const body = (await r.json()) as { status: string; data: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> } };
  expect(body.status).toBe('success');
  return body.data.result;
}

/** Map from minute start (ms) to the value Prometheus returned at that minute's end. */
function byMinute(values: Array<[number, string]>): Map<number, number> {
  return new Map(values.map(([t, v]) => [t * 1000 - MIN, Number(v)]));
}

describeWithPrometheus('backfilled synthetic traffic in a real Prometheus', spec, (prom) => {
  it('is ready and serves the backfilled series', async () => {
    const r = await fetch(`${prom.url}/api/v1/series?match[]=obligo_demo_requests_total&start=${T0 / 1000}&end=${spec.end / 1000}`);
    const body = (await r.json()) as { data: Array<Record<string, string>> };
    expect(body.data.map((s) => `${s.service}/${s.code}`).sort()).toEqual(['compute/200', 'compute/500', 'platform-api/200', 'platform-api/500']);
    expect(prom.server.timings.startupMs).toBeGreaterThan(0);
  });

  it('increase over each minute equals the generated good and total counts, every minute', async () => {
    for (const service of ['compute', 'platform-api']) {
      const [good] = await rangeQuery(prom.url, `sum(increase(obligo_demo_requests_total{service="${service}",code!~"5.."}[1m]))`, T0 + MIN, spec.end, 60);
      const [total] = await rangeQuery(prom.url, `sum(increase(obligo_demo_requests_total{service="${service}"}[1m]))`, T0 + MIN, spec.end, 60);
      const g = byMinute(good!.values);
      const t = byMinute(total!.values);
      let compared = 0;
      for (let i = 0; i < prom.truth.minutes; i++) {
        const s = T0 + i * MIN;
        const m = prom.truth.minute(service, s);
        if (m.absent) {
          expect(t.has(s), `absent minute ${i} has a value`).toBe(false);
          continue;
        }
        expect(g.get(s), `${service} good minute ${i}`).toBe(m.good);
        expect(t.get(s), `${service} total minute ${i}`).toBe(m.total);
        compared++;
      }
      expect(compared).toBe(service === 'compute' ? 1440 - 20 : 1440);
    }
  });

  it('the latency histogram reads back: slow requests per minute (above 0.3 s)', async () => {
    const [fast] = await rangeQuery(prom.url, 'sum(increase(obligo_demo_request_duration_seconds_bucket{service="platform-api",le="0.3"}[1m]))', T0 + MIN, spec.end, 60);
    const [count] = await rangeQuery(prom.url, 'sum(increase(obligo_demo_request_duration_seconds_count{service="platform-api"}[1m]))', T0 + MIN, spec.end, 60);
    const f = byMinute(fast!.values);
    const c = byMinute(count!.values);
    for (let i = 0; i < prom.truth.minutes; i++) {
      const s = T0 + i * MIN;
      const m = prom.truth.minute('platform-api', s);
      expect(c.get(s)! - f.get(s)!, `minute ${i}`).toBe(m.slow);
    }
    expect(prom.truth.totals('platform-api', { start: T0 + 100 * MIN, end: T0 + 130 * MIN }).slow).toBeGreaterThan(0);
  });

  it('day totals match (increase over 1d at the end of the day)', async () => {
    const params = new URLSearchParams({ query: 'sum by (service) (increase(obligo_demo_requests_total[1d]))', time: String(spec.end / 1000) });
    const r = (await (await fetch(`${prom.url}/api/v1/query?${params}`)).json()) as { data: { result: Array<{ metric: { service: string }; value: [number, string] }> } };
    const got = Object.fromEntries(r.data.result.map((x) => [x.metric.service, Number(x.value[1])]));
    // The compute series has a 20-minute gap, so Prometheus extrapolates nothing there: still exact.
    expect(got['compute']).toBeCloseTo(prom.truth.totals('compute').total, 6);
    expect(got['platform-api']).toBeCloseTo(prom.truth.totals('platform-api').total, 6);
  });
});

describe.skipIf(!prometheusAvailable)(`Prometheus server lifecycle${prometheusSkipNote}`, () => {
  it('backfills an OpenMetrics file, restarts, stops and cleans up its temp dir', async () => {
    const g = generateTraffic({ start: T0, end: T0 + 60 * MIN, services: [{ service: 'x', requestsPerMinute: 6 }] });
    const dir = await mkdtemp(join(tmpdir(), 'obligo-om-test-'));
    const file = join(dir, 'x.om');
    await writeOpenMetrics(g, file);
    const server = await startPrometheus(withTools({ openmetricsFile: file }));
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const q = async () => {
        const params = new URLSearchParams({ query: 'increase(obligo_demo_requests_total{code="200"}[1h])', time: String(g.spec.end / 1000) });
        const r = (await (await fetch(`${server.url}/api/v1/query?${params}`)).json()) as { data: { result: Array<{ value: [number, string] }> } };
        return Number(r.data.result[0]!.value[1]);
      };
      expect(await q()).toBe(360);
      await server.restart();
      expect(await q()).toBe(360);
      expect(existsSync(server.dataDir)).toBe(true);
    } finally {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
    expect(existsSync(server.dataDir)).toBe(false);
    await expect(fetch(`${server.url}/-/ready`)).rejects.toThrow();
    await server.stop(); // idempotent
  });

  it('reports a broken OpenMetrics file with promtool output', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'obligo-om-test-'));
    const file = join(dir, 'bad.om');
    await import('node:fs/promises').then((fs) => fs.writeFile(file, 'not openmetrics\n# EOF\n'));
    try {
      await expect(startPrometheus(withTools({ openmetricsFile: file }))).rejects.toThrow(/promtool backfill of .*bad\.om failed/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
