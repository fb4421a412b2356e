// The fault-injecting proxy (test/helpers/fault-proxy.ts) in front of a real Prometheus: transparent when
// no fault is set, and each fault damages answers exactly as documented. Ground truth is what the same
// request gets from Prometheus directly (raw fetch, no client code under test).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TrafficSpec } from '../../src/demo/synthetic.js';
import { startFaultProxy, useFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { sendJson, startFakeServer, success, type FakeServer } from '../helpers/fake-http.js';
import { describeWithPrometheus } from '../helpers/prometheus.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 2, 2);
const spec: TrafficSpec = {
  start: T0,
  end: T0 + 120 * MIN,
  services: [
    { service: 'api', requestsPerMinute: 120, baseErrorRatio: 0.01 },
    { service: 'web', requestsPerMinute: 60 },
  ],
};
const T = (T0 + 100 * MIN) / 1000;
const BY_SERVICE = 'sum by (service) (obligo_demo_requests_total)';

async function getJson(url: string, init?: RequestInit): Promise<{ status: number; text: string; json: any; headers: Headers }> {
  const res = await fetch(url, init);
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, headers: res.headers };
}

const form = (params: Record<string, string | number>) => new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]));
const q = (base: string, params: Record<string, string | number>) => `${base}/api/v1/query?${form(params)}`;
const qr = (base: string, params: Record<string, string | number>) => `${base}/api/v1/query_range?${form(params)}`;

describeWithPrometheus('fault proxy in front of a real Prometheus', spec, (prom) => {
  const proxyOf = useFaultProxy(prom);
  let proxy: FaultProxy;
  beforeAll(() => {
    proxy = proxyOf();
  });

  it('without faults it is transparent: the same bytes as Prometheus, GET and POST, and logs the query', async () => {
    const direct = await getJson(q(prom.url, { query: BY_SERVICE, time: T }));
    const via = await getJson(q(proxy.url, { query: BY_SERVICE, time: T }));
    expect(via.status).toBe(200);
    expect(via.text).toBe(direct.text);
    expect(direct.json.data.result).toHaveLength(2);
    const post = await getJson(`${proxy.url}/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ query: BY_SERVICE, time: String(T) }).toString(),
    });
    expect(post.text).toBe(direct.text);
    expect(proxy.log.map((e) => [e.method, e.path, e.query, e.time, e.status, e.seriesIn, e.seriesOut, e.forwarded])).toEqual([
      ['GET', '/api/v1/query', BY_SERVICE, T, 200, 2, 2, true],
      ['POST', '/api/v1/query', BY_SERVICE, T, 200, 2, 2, true],
    ]);
  });

  it('drop-series removes a series from batched answers only (by default)', async () => {
    proxy.setFaults([{ kind: 'drop-series', when: (x) => x.path.endsWith('/query'), series: (l) => l['service'] === 'web' }]);
    const batched = await getJson(q(proxy.url, { query: BY_SERVICE, time: T }));
    expect(batched.json.data.result.map((s: any) => s.metric.service)).toEqual(['api']);
    const alone = await getJson(q(proxy.url, { query: 'sum by (service) (obligo_demo_requests_total{service="web"})', time: T }));
    expect(alone.json.data.result.map((s: any) => s.metric.service)).toEqual(['web']);
    expect(proxy.log.map((e) => [e.seriesIn, e.seriesOut])).toEqual([
      [2, 1],
      [1, 1],
    ]);
    proxy.setFaults([{ kind: 'drop-series', onlyBatched: false, series: (l) => l['service'] === 'web' }]);
    const gone = await getJson(q(proxy.url, { query: 'sum by (service) (obligo_demo_requests_total{service="web"})', time: T }));
    expect(gone.json.data.result).toEqual([]);
  });

  it('drop-points removes one half of a range query; instant answers lose every sample', async () => {
    const params = { query: BY_SERVICE, start: T0 / 1000 + 600, end: T0 / 1000 + 1800, step: 60 };
    const direct = await getJson(qr(prom.url, params));
    const mid = (params.start + params.end) / 2;
    for (const half of ['first', 'second'] as const) {
      proxy.setFaults([{ kind: 'drop-points', half }]);
      const via = await getJson(qr(proxy.url, params));
      expect(via.json.data.result).toHaveLength(2);
      via.json.data.result.forEach((s: any, i: number) => {
        const kept = direct.json.data.result[i].values.filter((p: [number, string]) => (half === 'first' ? p[0] >= mid : p[0] < mid));
        expect(kept.length).toBeGreaterThan(5);
        expect(s.values).toEqual(kept);
      });
    }
    proxy.setFaults([{ kind: 'drop-points', half: 'first' }]);
    expect((await getJson(q(proxy.url, { query: BY_SERVICE, time: T }))).json.data.result).toEqual([]);
  });

  it('warnings are added to success answers; edit rewrites the answer', async () => {
    proxy.setFaults([{ kind: 'warnings', warnings: ['store gateway down: partial response'] }]);
    const w = await getJson(q(proxy.url, { query: BY_SERVICE, time: T }));
    expect(w.json.warnings).toEqual(['store gateway down: partial response']);
    expect(w.json.data.result).toHaveLength(2);
    proxy.setFaults([
      {
        kind: 'edit',
        edit: (a) => {
          a.data.result[0].value[1] = '0x10';
          return a;
        },
      },
    ]);
    const e = await getJson(q(proxy.url, { query: BY_SERVICE, time: T }));
    expect(e.json.data.result[0].value[1]).toBe('0x10');
    expect(e.headers.get('content-length')).toBe(String(Buffer.byteLength(e.text)));
  });

  it('status answers without asking Prometheus, `times` bounds it, Retry-After is sent', async () => {
    proxy.setFaults([{ kind: 'status', status: 503, retryAfter: '7', times: 1 }]);
    const first = await getJson(q(proxy.url, { query: 'up', time: T }));
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('7');
    const second = await getJson(q(proxy.url, { query: 'up', time: T }));
    expect(second.status).toBe(200);
    expect(proxy.log.map((e) => [e.status, e.forwarded, e.faults])).toEqual([
      [503, false, ['status']],
      [200, true, []],
    ]);
  });

  it('reset kills the connection before an answer, or after part of the body', async () => {
    proxy.setFaults([{ kind: 'reset', times: 1 }]);
    await expect(fetch(q(proxy.url, { query: 'up', time: T }))).rejects.toThrow();
    expect((await getJson(q(proxy.url, { query: BY_SERVICE, time: T }))).status).toBe(200);
    proxy.setFaults([{ kind: 'reset', afterBytes: 20 }]);
    const res = await fetch(q(proxy.url, { query: BY_SERVICE, time: T }));
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  it('huge-body streams the number of bytes asked, a JSON prefix, without the upstream', async () => {
    const bytes = 24 * 1024 * 1024 + 17;
    proxy.setFaults([{ kind: 'huge-body', bytes }]);
    const res = await fetch(q(proxy.url, { query: 'up', time: T }));
    expect(res.status).toBe(200);
    // Counted chunk by chunk, never held in memory.
    let n = 0;
    let head = '';
    const reader = res.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (head.length < 80) head += Buffer.from(value.subarray(0, 80)).toString('utf8');
      n += value.length;
    }
    expect(n).toBe(bytes);
    expect(head.startsWith('{"status":"success","data":{"resultType":"vector","result":[{"metric":')).toBe(true);
    await proxy.idle();
    expect(proxy.log[0]!).toMatchObject({ forwarded: false, bytesOut: bytes, status: 200 });
  });

  it('redirect answers with Location', async () => {
    proxy.setFaults([{ kind: 'redirect', status: 307, location: (x) => `http://127.0.0.1:1${x.path}` }]);
    const res = await fetch(q(proxy.url, { query: 'up' }), { redirect: 'manual' });
    expect(res.status).toBe(307);
    expect(res.headers.get('location')).toBe('http://127.0.0.1:1/api/v1/query');
  });

  it('many concurrent requests: all answered, each with its own answer', async () => {
    const times = Array.from({ length: 60 }, (_, i) => T - i * 60);
    const direct = await Promise.all(times.map((t) => getJson(q(prom.url, { query: BY_SERVICE, time: t }))));
    const via = await Promise.all(times.map((t) => getJson(q(proxy.url, { query: BY_SERVICE, time: t }))));
    via.forEach((v, i) => expect(v.text).toBe(direct[i]!.text));
    expect(proxy.log).toHaveLength(times.length);
    expect(proxy.maxInFlight).toBeGreaterThan(1);
  });
});

describe('fault proxy forwarding (scripted upstream on a real socket)', () => {
  let up: FakeServer;
  let proxy: FaultProxy;
  beforeAll(async () => {
    up = await startFakeServer((_r, res) => sendJson(res, 200, success({ resultType: 'vector', result: [] })));
    proxy = await startFaultProxy({ target: `${up.url}/prefix/` });
  });
  afterAll(async () => {
    await proxy.close();
    await up.close();
  });

  it('forwards method, path under the target prefix, body and auth/tenant headers, never Accept-Encoding', async () => {
    const res = await fetch(`${proxy.url}/api/v1/query_range`, {
      method: 'POST',
      headers: { authorization: 'Bearer t0k', 'x-scope-orgid': 'team-a', 'accept-encoding': 'gzip, br', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'query=up&start=1&end=61&step=15',
    });
    expect(res.status).toBe(200);
    const r = up.requests.at(-1)!;
    expect([r.method, r.path, r.body]).toEqual(['POST', '/prefix/api/v1/query_range', 'query=up&start=1&end=61&step=15']);
    expect(r.headers.authorization).toBe('Bearer t0k');
    expect(r.headers['x-scope-orgid']).toBe('team-a');
    expect(r.headers['accept-encoding']).toBeUndefined();
    expect(proxy.log.at(-1)).toMatchObject({ query: 'up', start: 1, end: 61, step: 15 });
    const entry = proxy.log.at(-1)!;
    expect([entry.params.get('start'), entry.params.get('step')]).toEqual(['1', '15']);
  });
});
