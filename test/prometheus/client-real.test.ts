// The HTTP client against a real Prometheus: instant and range queries read the backfilled counts the
// generator wrote, a range over the 11,000-points limit is split and merged without gaps or duplicates,
// and a bad query is reported as such.
import { expect, it } from 'vitest';
import { PrometheusClient, PrometheusError } from '../../src/prometheus/index.js';
import type { TrafficSpec } from '../../src/demo/synthetic.js';
import { describeWithPrometheus } from '../helpers/prometheus.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 9, 6);
const spec: TrafficSpec = {
  start: T0,
  end: T0 + 600 * MIN,
  services: [{ service: 'api', requestsPerMinute: (_t, i) => 100 + (i % 7), outages: [{ start: T0 + 60 * MIN, end: T0 + 90 * MIN, errorRatio: 0.25 }] }],
};

describeWithPrometheus('PrometheusClient on a real Prometheus', spec, (prom) => {
  it('instant query: the increase over the outage equals the generator’s count of errors', async () => {
    const client = new PrometheusClient({ url: prom.url });
    const end = (T0 + 90 * MIN) / 1000;
    const v = await client.vector('sum(increase(obligo_demo_requests_total{service="api",code="500"}[30m]))', end);
    const truth = prom.truth.totals('api', { start: T0 + 60 * MIN, end: T0 + 90 * MIN });
    expect(v).toHaveLength(1);
    expect(v[0]!.value.v).toBeCloseTo(truth.total - truth.good, 6);
    expect(client.usage().prometheusEvalSeconds).toBeGreaterThan(0);
    // execTotalTime holds evalTotalTime (plus queueing and preparation)
    expect(client.usage().prometheusExecSeconds).toBeGreaterThanOrEqual(client.usage().prometheusEvalSeconds);
  });

  it('range query at 1 s steps over 9 h: split under 11,000 points, merged in order without duplicates', async () => {
    const client = new PrometheusClient({ url: prom.url });
    const start = (T0 + 30 * MIN) / 1000;
    const end = (T0 + 570 * MIN) / 1000;
    const before = client.usage().requests;
    const m = await client.range('sum(obligo_demo_requests_total{service="api"})', start, end, 1);
    const requests = client.usage().requests - before;
    expect(requests).toBe(Math.ceil((end - start + 1) / 11_000));
    expect(m.requests).toBe(requests);
    const points = m.series[0]!.values;
    expect(points.length).toBe(end - start + 1);
    for (let i = 1; i < points.length; i++) expect(points[i]!.t - points[i - 1]!.t).toBe(1);
  });

  it('a query Prometheus cannot parse is a bad_query error naming the server', async () => {
    const client = new PrometheusClient({ url: prom.url });
    const err = await client.vector('sum(rate(', T0 / 1000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrometheusError);
    expect((err as PrometheusError).kind).toBe('bad_query');
    expect((err as PrometheusError).message).toContain(prom.url);
  });
});
