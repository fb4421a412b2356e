// The client's transport (retries, size limit, redirects, answer checks, warnings) against a real
// Prometheus behind the fault proxy (test/helpers/fault-proxy.ts), which damages answers the way
// gateways, Thanos/Mimir and flaky networks do. Correct answers are checked against the traffic
// generator's own counts; waits go through an injected clock, so nothing depends on wall-clock time.
import { beforeAll, expect, it } from 'vitest';
import { PrometheusClient, PrometheusError, type PrometheusClientOptions } from '../../src/prometheus/index.js';
import type { TrafficSpec } from '../../src/demo/synthetic.js';
import { useFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { sendJson, startFakeServer, success } from '../helpers/fake-http.js';
import { describeWithPrometheus } from '../helpers/prometheus.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 4, 4);
const spec: TrafficSpec = {
  start: T0,
  end: T0 + 120 * MIN,
  services: [
    { service: 'api', requestsPerMinute: (_t, i) => 100 + (i % 5) },
    { service: 'web', requestsPerMinute: 40 },
  ],
};
const Q = 'sum(increase(obligo_demo_requests_total{service="api"}[30m]))';
const T_MIN = 100;
const T = (T0 + T_MIN * MIN) / 1000;

/** A clock whose sleep records the delay and moves time on at once. */
function fakeClock() {
  let t = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep: async (ms: number, signal?: AbortSignal) => {
      signal?.throwIfAborted();
      sleeps.push(ms);
      t += ms;
    },
  };
}

async function caught(p: Promise<unknown>): Promise<PrometheusError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(PrometheusError);
  return e as PrometheusError;
}

describeWithPrometheus('client transport through a fault proxy in front of a real Prometheus', spec, (prom) => {
  const proxyOf = useFaultProxy(prom);
  let proxy: FaultProxy;
  beforeAll(() => {
    proxy = proxyOf();
  });

  /** Requests the generator counted for api in the 30 minutes before `minute`. */
  const truthAt = (minute: number) => prom.truth.totals('api', { start: T0 + (minute - 30) * MIN, end: T0 + minute * MIN }).total;

  function client(o: Partial<PrometheusClientOptions> = {}) {
    const clock = fakeClock();
    const c = new PrometheusClient({ url: proxy.url, ...o, retry: { now: clock.now, sleep: clock.sleep, ...o.retry } });
    return { c, clock };
  }

  it('503 with Retry-After once: retried once after the delay asked, then the right answer', async () => {
    proxy.setFaults([{ kind: 'status', status: 503, retryAfter: '2', times: 1 }]);
    const { c, clock } = client();
    const v = await c.vector(Q, T);
    expect(v[0]!.value.v).toBeCloseTo(truthAt(T_MIN), 6);
    expect(clock.sleeps).toEqual([2000]);
    expect(c.usage()).toMatchObject({ requests: 2, failures: 1, retries: 1 });
    expect(proxy.log.map((e) => e.status)).toEqual([503, 200]);
  });

  it('429 (a rate-limiting frontend) is retried with jittered exponential backoff', async () => {
    proxy.setFaults([{ kind: 'status', status: 429, times: 2, contentType: 'application/json', body: '{"status":"error","errorType":"too_many_requests","error":"too many outstanding requests"}' }]);
    const { c, clock } = client({ retry: { baseDelayMs: 200, random: () => 0.5 } });
    const v = await c.vector(Q, T);
    expect(v[0]!.value.v).toBeCloseTo(truthAt(T_MIN), 6);
    // Between half and all of 200 ms, then of 400 ms.
    expect(clock.sleeps).toEqual([150, 300]);
    expect(proxy.log.map((e) => e.status)).toEqual([429, 429, 200]);
  });

  it('a connection reset, before the answer or in the middle of its body, is retried', async () => {
    proxy.setFaults([{ kind: 'reset', times: 1 }]);
    const a = client();
    expect((await a.c.vector(Q, T))[0]!.value.v).toBeCloseTo(truthAt(T_MIN), 6);
    expect(a.c.usage()).toMatchObject({ requests: 2, failures: 1, retries: 1 });

    proxy.setFaults([{ kind: 'reset', afterBytes: 25, times: 1 }]);
    const b = client();
    const r = await b.c.range(Q, T - 600, T, 60);
    expect(r.series[0]!.values).toHaveLength(11);
    r.series[0]!.values.forEach((p, i) => expect(p.v).toBeCloseTo(truthAt(T_MIN - 10 + i), 6));
    expect(b.c.usage()).toMatchObject({ requests: 2, failures: 1, retries: 1 });
    expect(proxy.log.at(-2)!.faults).toEqual(['reset']);
  });

  it('a bad query (HTTP 400 from Prometheus) is not retried', async () => {
    const { c, clock } = client();
    const e = await caught(c.vector('sum(rate(', T));
    expect([e.kind, e.status, e.attempts]).toEqual(['bad_query', 400, 1]);
    expect(clock.sleeps).toEqual([]);
    expect(proxy.log).toHaveLength(1);
    expect(c.usage()).toMatchObject({ requests: 1, failures: 1, retries: 0 });
  });

  it('retries are bounded: a server always answering 503 fails after maxAttempts, saying so', async () => {
    proxy.setFaults([{ kind: 'status', status: 503 }]);
    const { c, clock } = client();
    const e = await caught(c.vector(Q, T));
    expect([e.kind, e.status, e.attempts]).toEqual(['unreachable', 503, 4]);
    expect(e.message).toMatch(/HTTP 503.*gave up after 4 attempts/);
    expect(e.message).toContain(proxy.url);
    expect(proxy.log).toHaveLength(4);
    expect(clock.sleeps).toHaveLength(3);
    expect(c.usage()).toMatchObject({ requests: 4, failures: 4, retries: 3 });

    proxy.clearLog();
    const two = client({ retry: { maxAttempts: 2 } });
    expect((await caught(two.c.vector(Q, T))).attempts).toBe(2);
    expect(proxy.log).toHaveLength(2);
  });

  it('retries are bounded in time: no wait may leave maxTotalMs, nor the request timeout', async () => {
    proxy.setFaults([{ kind: 'status', status: 502 }]);
    // Waits of 399.6 ms then 799.2 ms: the second would end after 1 s.
    const a = client({ retry: { maxAttempts: 10, maxTotalMs: 1000, baseDelayMs: 400, random: () => 0.998 } });
    const e = await caught(a.c.vector(Q, T));
    expect(e.attempts).toBe(2);
    expect(e.message).toMatch(/gave up after 2 attempts .*1 s retry budget/);
    expect(a.clock.sleeps).toHaveLength(1);

    proxy.clearLog();
    const b = client({ timeoutMs: 700, retry: { maxAttempts: 10, maxTotalMs: 60_000, baseDelayMs: 400, random: () => 0.998 } });
    expect((await caught(b.c.vector(Q, T))).attempts).toBe(2);
    expect(proxy.log).toHaveLength(2);
  });

  it('a Retry-After beyond the budget fails at once, saying when the server asked to be retried', async () => {
    proxy.setFaults([{ kind: 'status', status: 503, retryAfter: '3600' }]);
    const { c, clock } = client();
    const e = await caught(c.vector(Q, T));
    expect(e.retryAfterMs).toBe(3_600_000);
    expect(e.message).toMatch(/asked to be retried in 3600 s, at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z, later than this request may wait \(30 s left/);
    expect(e.message).toContain('not retried');
    expect(clock.sleeps).toEqual([]);
    expect(proxy.log).toHaveLength(1);
  });

  it('a 200 MB answer is a too_large error: the client stops reading at the limit', async () => {
    const bytes = 200 * 1000 * 1000;
    proxy.setFaults([{ kind: 'huge-body', bytes }]);
    const { c } = client();
    const e = await caught(c.vector(Q, T));
    expect(e.kind).toBe('too_large');
    expect(e.message).toContain('64 MiB');
    expect(e.message).toContain('--prometheus-max-bytes');
    await proxy.idle();
    expect(proxy.log).toHaveLength(1); // not retried
    // The proxy stopped streaming soon after the 64 MiB limit: far from the 200 MB it would have sent.
    expect(proxy.log[0]!.bytesOut).toBeGreaterThan(64 * 1024 * 1024);
    expect(proxy.log[0]!.bytesOut).toBeLessThan(bytes / 2);
  });

  it('a smaller limit, and a Content-Length above it, fail before the body is read', async () => {
    proxy.setFaults([{ kind: 'huge-body', bytes: 50 * 1000 * 1000, declareLength: true }]);
    const { c } = client({ maxResponseBytes: 1024 * 1024 });
    const e = await caught(c.vector(Q, T));
    expect(e.kind).toBe('too_large');
    expect(e.message).toContain('1 MiB limit (it announced 50000000 bytes)');
    await proxy.idle();
    expect(proxy.log[0]!.bytesOut).toBeLessThan(25 * 1000 * 1000);
  });

  it('a redirect to another origin is an error naming both origins; the other server is never contacted', async () => {
    const other = await startFakeServer((_r, res) => sendJson(res, 200, success({ resultType: 'vector', result: [] })));
    try {
      for (const status of [301, 302, 307, 308] as const) {
        proxy.setFaults([{ kind: 'redirect', status, location: (q) => `${other.url}${q.path}?${q.params}` }]);
        const { c } = client({ auth: { basic: { username: 'ann', password: 's3cret-pw' } }, headers: { 'X-Scope-OrgID': 'tenant-secret-42' } });
        const e = await caught(c.vector(Q, T));
        expect(e.kind).toBe('redirect');
        expect(e.status).toBe(status);
        expect(e.message).toContain(`from ${proxy.url} to another origin, ${other.url}`);
        expect(e.message).not.toMatch(/s3cret-pw|tenant-secret-42|YW5u/);
      }
      expect(other.requests).toHaveLength(0);
      // The proxy saw the credentials: they were sent to the configured server only.
      expect(proxy.log.every((l) => l.headers['x-scope-orgid'] === 'tenant-secret-42' && l.headers.authorization?.startsWith('Basic '))).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('a redirect within the origin is followed with credentials and tenant, for GET and POST', async () => {
    // The configured URL has an old prefix that the server redirects away (relative Location).
    proxy.setFaults([{ kind: 'redirect', when: (q) => q.path.startsWith('/old/') && q.method === 'GET', location: (q) => `${q.path.slice(4)}?${q.params}` }]);
    const get = client({ url: `${proxy.url}/old`, auth: { bearer: 'tok-1' }, headers: { 'X-Scope-OrgID': 't1' } });
    expect((await get.c.vector(Q, T))[0]!.value.v).toBeCloseTo(truthAt(T_MIN), 6);
    expect(proxy.log.map((l) => [l.method, l.path, l.status, l.headers.authorization, l.headers['x-scope-orgid']])).toEqual([
      ['GET', '/old/api/v1/query', 302, 'Bearer tok-1', 't1'],
      ['GET', '/api/v1/query', 200, 'Bearer tok-1', 't1'],
    ]);

    proxy.clearLog();
    proxy.setFaults([{ kind: 'redirect', status: 307, when: (q) => q.path.startsWith('/old/'), location: (q) => q.path.slice(4) }]);
    const post = client({ url: `${proxy.url}/old`, maxGetLength: 10 });
    expect((await post.c.vector(Q, T))[0]!.value.v).toBeCloseTo(truthAt(T_MIN), 6);
    expect(proxy.log.map((l) => [l.method, l.path, l.status, l.query, l.time])).toEqual([
      ['POST', '/old/api/v1/query', 307, Q, T],
      ['POST', '/api/v1/query', 200, Q, T],
    ]);
  });

  it('a sample value that is not a Prometheus float (0x10) makes the answer invalid, and is not retried', async () => {
    for (const bad of ['0x10', '1_000', ' 1', 'Infinity', '']) {
      proxy.clearLog();
      proxy.setFaults([
        {
          kind: 'edit',
          edit: (a) => {
            a.data.result[0].value[1] = bad;
            return a;
          },
        },
      ]);
      const { c } = client();
      const e = await caught(c.vector(Q, T));
      expect(e.kind, bad).toBe('not_prometheus');
      expect(e.message).toContain(JSON.stringify(bad));
      expect(proxy.log).toHaveLength(1);
    }
  });

  it('warnings reach the caller for instant, vector and split range queries (merged, each once)', async () => {
    proxy.setFaults([
      { kind: 'warnings', warnings: ['partial response: store eu-1 down'] },
      { kind: 'warnings', when: (q) => q.start === T - 1740, warnings: ['only in the first chunk'] },
    ]);
    const { c } = client({ maxPointsPerRequest: 10 });
    expect((await c.instant(Q, T)).warnings).toEqual(['partial response: store eu-1 down']);
    const seen: string[][] = [];
    await c.vector(Q, T, { onWarnings: (w) => seen.push(w) });
    expect(seen).toEqual([['partial response: store eu-1 down']]);
    proxy.clearLog();
    const r = await c.range(Q, T - 1740, T, 60, { onWarnings: (w) => seen.push(w) }); // 30 points: 3 requests
    expect(proxy.log).toHaveLength(3);
    expect([...r.warnings].sort()).toEqual(['only in the first chunk', 'partial response: store eu-1 down']);
    expect(seen).toHaveLength(2);
    expect(r.series[0]!.values).toHaveLength(30);
  });

  it('many concurrent queries through a flaky upstream all get their right answers', async () => {
    proxy.setFaults([
      { kind: 'status', status: 503, times: 6 },
      { kind: 'reset', times: 3 },
      { kind: 'status', status: 429, retryAfter: '1', times: 3 },
    ]);
    const { c } = client({ retry: { maxAttempts: 20 } });
    const minutes = Array.from({ length: 40 }, (_, i) => 40 + i);
    const answers = await Promise.all(minutes.map((m) => c.vector(Q, (T0 + m * MIN) / 1000)));
    answers.forEach((v, i) => expect(v[0]!.value.v).toBeCloseTo(truthAt(minutes[i]!), 6));
    expect(c.usage()).toMatchObject({ requests: 52, retries: 12, failures: 12 });
  });
});
