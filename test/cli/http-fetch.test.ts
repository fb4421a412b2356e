// nodeHttpFetch (src/cli/http-fetch.ts, the gate's transport) against Node's own fetch: the same
// PrometheusClient calls through each, directly against a real Prometheus (gzip answers) and through the
// fault proxy (statuses with retries, resets before and during the answer, huge bodies over the size limit,
// redirects, delays past the deadline, refused connections, aborts). Ground truth: the same client with
// globalThis.fetch; answers must be equal, errors equal in class, kind, status, attempts and message.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { nodeHttpFetch } from '../../src/cli/http-fetch.js';
import { freePort } from '../../src/demo/prometheus-server.js';
import type { TrafficSpec } from '../../src/demo/synthetic.js';
import { PrometheusClient, type PrometheusClientOptions } from '../../src/prometheus/client.js';
import { useFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { describeWithPrometheus } from '../helpers/prometheus.js';

const t = (s: string) => Date.parse(s);
const SPEC: TrafficSpec = {
  start: t('2026-04-10T00:00:00Z'),
  end: t('2026-04-10T06:00:00Z'),
  services: [
    { service: 'hf-a', requestsPerMinute: 600 },
    { service: 'hf-b', requestsPerMinute: 300, outages: [{ start: t('2026-04-10T02:00:00Z'), end: t('2026-04-10T02:30:00Z'), errorRatio: 0.2 }] },
  ],
};
const END = t('2026-04-10T06:00:00Z') / 1000;
const RATE = 'sum by (service) (rate(obligo_demo_requests_total[5m]))';

type Outcome = { ok: true; value: unknown } | { ok: false; error: Record<string, unknown> };

/** The same call through Node's fetch and through nodeHttpFetch. */
async function both(opts: Omit<PrometheusClientOptions, 'fetch'>, call: (c: PrometheusClient) => Promise<unknown>): Promise<[Outcome, Outcome]> {
  const quiet = { sleep: () => Promise.resolve(), random: () => 0.5, ...(opts.retry ?? {}) };
  const run = async (fetch: typeof globalThis.fetch | undefined): Promise<Outcome> => {
    const client = new PrometheusClient({ ...opts, retry: quiet, ...(fetch ? { fetch } : {}) });
    try {
      return { ok: true, value: await call(client) };
    } catch (e) {
      const err = e as Error & Record<string, unknown>;
      return { ok: false, error: { name: err.name, kind: err.kind, status: err.status, errorType: err.errorType, attempts: err.attempts, message: err.message } };
    }
  };
  return [await run(undefined), await run(nodeHttpFetch)];
}

/** Results without Prometheus' own timings nor the times in messages (they differ between any two requests). */
function withoutTimings(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (k, x) => (k === 'stats' ? undefined : k === 'message' && typeof x === 'string' ? x.replace(/\b\d+(\.\d+)? s\b/g, 'N s').replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'TIME') : x)));
}

describeWithPrometheus('nodeHttpFetch against fetch (real Prometheus, fault proxy)', SPEC, (prom) => {
  const proxyOf = useFaultProxy(prom);
  let proxy: FaultProxy;
  beforeAll(() => {
    proxy = proxyOf();
  });

  it('the same answers from Prometheus itself (gzip-encoded): instant, range, GET and POST, series, labels', async () => {
    const long = `${RATE} or ${Array.from({ length: 60 }, (_, i) => `vector(${i}) == ${i + 1000}`).join(' or ')}`;
    for (const call of [
      (c: PrometheusClient) => c.vector(RATE, END),
      (c: PrometheusClient) => c.range(RATE, END - 3600, END, 60),
      (c: PrometheusClient) => c.vector(long, END), // past maxGetLength: POST
      (c: PrometheusClient) => c.series(['obligo_demo_requests_total'], END - 3600, END),
      (c: PrometheusClient) => c.labelValues('service'),
    ]) {
      const [a, b] = await both({ url: prom.url }, call);
      expect(a.ok).toBe(true);
      expect(withoutTimings(b)).toEqual(withoutTimings(a));
    }
  });

  it('asks for the same encodings with the same default headers as fetch', async () => {
    const seen: Record<string, unknown>[] = [];
    const server = createServer((req, res) => {
      seen.push({ ...req.headers, host: undefined, connection: undefined });
      res.setHeader('content-type', 'application/json').setHeader('content-encoding', 'gzip');
      res.end(gzipSync(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } })));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const [a, b] = await both({ url, headers: { 'X-Scope-OrgID': 'team-a' }, auth: { bearer: 't0k3n' } }, (c) => c.vector('up', END));
      expect(b).toEqual(a);
      expect(seen[1]).toEqual(seen[0]);
    } finally {
      await new Promise((r) => (server as Server).close(r));
    }
  });

  const cases: Array<[string, () => void, Omit<PrometheusClientOptions, 'fetch' | 'url'>?]> = [
    ['503 once with Retry-After, then the answer', () => proxy.setFaults([{ kind: 'status', status: 503, retryAfter: '0', times: 1 }])],
    ['503 always: gave up after 4 attempts', () => proxy.setFaults([{ kind: 'status', status: 503 }])],
    ['429 with a Retry-After beyond the retry budget', () => proxy.setFaults([{ kind: 'status', status: 429, retryAfter: '3600' }])],
    ['401: refused credentials', () => proxy.setFaults([{ kind: 'status', status: 401, body: 'no' }])],
    ['200 with an HTML page: not Prometheus', () => proxy.setFaults([{ kind: 'status', status: 200, body: '<html>hi</html>', contentType: 'text/html' }])],
    ['reset before any byte, once: retried', () => proxy.setFaults([{ kind: 'reset', times: 1 }])],
    ['reset before any byte, always', () => proxy.setFaults([{ kind: 'reset' }])],
    ['reset after part of the body, once: retried', () => proxy.setFaults([{ kind: 'reset', afterBytes: 40, times: 1 }])],
    ['reset after part of the body, always', () => proxy.setFaults([{ kind: 'reset', afterBytes: 40 }])],
    ['a huge body that announces its length', () => proxy.setFaults([{ kind: 'huge-body', bytes: 300_000, declareLength: true }]), { maxResponseBytes: 100_000 }],
    ['a huge body without a length', () => proxy.setFaults([{ kind: 'huge-body', bytes: 300_000 }]), { maxResponseBytes: 100_000 }],
    ['a redirect within the origin, followed', () => proxy.setFaults([{ kind: 'redirect', location: (q) => `${q.path}?${q.params}`, times: 1 }])],
    ['a redirect to another origin, refused', () => proxy.setFaults([{ kind: 'redirect', location: 'http://example.invalid/api/v1/query' }])],
    ['a redirect loop', () => proxy.setFaults([{ kind: 'redirect', location: (q) => `${q.path}?${q.params}` }])],
    ['a delay past the deadline: timeout', () => proxy.setFaults([{ kind: 'delay', ms: 1500 }]), { timeoutMs: 300 }],
  ];
  for (const [name, setup, opts] of cases) {
    it(`through the fault proxy: ${name}`, async () => {
      setup();
      const [a, b] = await both({ url: proxy.url, ...(opts ?? {}) }, (c) => c.vector(RATE, END));
      proxy.setFaults([]);
      setup(); // `times` counts again for the second client
      expect(withoutTimings(b)).toEqual(withoutTimings(a));
      await proxy.idle();
    });
  }

  it('unreachable: a closed port, a port fetch refuses, a name that does not resolve, TLS to a plain HTTP server', async () => {
    const plainHttps = prom.url.replace('http:', 'https:');
    for (const url of [`http://127.0.0.1:${await freePort()}`, 'http://127.0.0.1:1', 'http://no-such-host.invalid:9090', plainHttps]) {
      const [a, b] = await both({ url, retry: { maxAttempts: 1 } }, (c) => c.vector('up', END));
      expect(a.ok, url).toBe(false);
      expect(b, url).toEqual(a);
    }
  });

  it("the caller's abort: rejected with its reason, before and during a request", async () => {
    const before = new AbortController();
    before.abort(new Error('stop now'));
    const [a, b] = await both({ url: prom.url }, (c) => c.vector(RATE, END, { signal: before.signal }));
    expect(a).toMatchObject({ ok: false, error: { message: 'stop now' } });
    expect(b).toEqual(a);
    proxy.setFaults([{ kind: 'delay', ms: 2000 }]);
    const during = () => {
      const c = new AbortController();
      setTimeout(() => c.abort(new Error('changed my mind')), 200);
      return c.signal;
    };
    const [x, y] = await both({ url: proxy.url }, (c) => c.vector(RATE, END, { signal: during() }));
    expect(x).toMatchObject({ ok: false, error: { message: 'changed my mind' } });
    expect(y).toEqual(x);
    await proxy.idle();
  });
});

describe('nodeHttpFetch alone', () => {
  it('refuses what it does not do instead of doing something else', async () => {
    await expect(nodeHttpFetch('http://127.0.0.1:9/x')).rejects.toThrow('fetch failed');
    await expect(nodeHttpFetch('ftp://127.0.0.1/x')).rejects.toThrow('fetch failed');
    await expect(nodeHttpFetch('http://u:p@127.0.0.1:9090/x')).rejects.toThrow(/credentials/);
    await expect(nodeHttpFetch('http://127.0.0.1:9090/x', { method: 'POST', body: new Uint8Array(1) })).rejects.toThrow(/only string bodies/);
  });
});
