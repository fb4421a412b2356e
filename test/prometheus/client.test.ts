// PrometheusClient against a scripted HTTP server on a real socket: requests sent, answers parsed,
// errors classified, range queries split, concurrency bounded.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PrometheusClient, PrometheusError, Semaphore, splitRange, parseSampleValue, promSource } from '../../src/prometheus/index.js';
import { sendJson, startFakeServer, success, type FakeServer, type RecordedRequest } from '../helpers/fake-http.js';

let srv: FakeServer;
beforeAll(async () => {
  srv = await startFakeServer();
});
afterAll(async () => {
  await srv.close();
});
beforeEach(() => srv.reset());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function caught(p: Promise<unknown>): Promise<PrometheusError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(PrometheusError);
    return e as PrometheusError;
  }
  throw new Error('expected a PrometheusError');
}

const vectorAnswer = success({
  resultType: 'vector',
  result: [
    { metric: { service: 'a' }, value: [1700000000.5, '0.25'] },
    { metric: { service: 'nan' }, value: [1700000000.5, 'NaN'] },
    { metric: { service: 'pinf' }, value: [1700000000.5, '+Inf'] },
    { metric: { service: 'ninf' }, value: [1700000000.5, '-Inf'] },
  ],
});

describe('requests and answers', () => {
  it('instant query: GET with query and time, values parsed with NaN and infinities', async () => {
    srv.setHandler((_r, res) => sendJson(res, 200, vectorAnswer));
    const c = new PrometheusClient({ url: `${srv.url}/` });
    const r = await c.instant('up', 1700000000.5);
    expect(srv.requests).toHaveLength(1);
    const req = srv.requests[0]!;
    expect(req.method).toBe('GET');
    expect(req.path).toBe('/api/v1/query');
    expect(req.params.get('query')).toBe('up');
    expect(req.params.get('time')).toBe('1700000000.5');
    expect(r.data.resultType).toBe('vector');
    const vals = Object.fromEntries((r.data.result as unknown as Array<{ metric: { service: string }; value: { v: number } }>).map((e) => [e.metric.service, e.value.v]));
    expect(vals['a']).toBe(0.25);
    expect(vals['nan']).toBeNaN();
    expect(vals['pinf']).toBe(Infinity);
    expect(vals['ninf']).toBe(-Infinity);
  });

  it('keeps a path prefix of the base URL (Mimir /prometheus)', async () => {
    srv.setHandler((_r, res) => sendJson(res, 200, vectorAnswer));
    await new PrometheusClient({ url: `${srv.url}/prometheus/` }).instant('up');
    expect(srv.requests[0]!.path).toBe('/prometheus/api/v1/query');
    expect(srv.requests[0]!.params.has('time')).toBe(false);
  });

  it('sends long queries as a POST form body', async () => {
    srv.setHandler((_r, res) => sendJson(res, 200, vectorAnswer));
    const long = `sum(${Array.from({ length: 300 }, (_, i) => `rate(m_${i}[5m])`).join(' + ')})`;
    await new PrometheusClient({ url: srv.url }).instant(long, 1);
    const req = srv.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req.params.get('query')).toBe(long);
    expect(new URLSearchParams(req.body).get('query')).toBe(long);
  });

  it('sends basic auth, bearer tokens and tenant headers', async () => {
    srv.setHandler((_r, res) => sendJson(res, 200, vectorAnswer));
    await new PrometheusClient({ url: srv.url, auth: { basic: { username: 'ann', password: 'pä:ss' } }, headers: { 'X-Scope-OrgID': 'team-a' } }).instant('up');
    await new PrometheusClient({ url: srv.url, auth: { bearer: 'tok123' }, headers: { 'THANOS-TENANT': 't2' } }).instant('up');
    const [a, b] = srv.requests;
    expect(Buffer.from(a!.headers.authorization!.replace(/^Basic /, ''), 'base64').toString('utf8')).toBe('ann:pä:ss');
    expect(a!.headers['x-scope-orgid']).toBe('team-a');
    expect(b!.headers.authorization).toBe('Bearer tok123');
    expect(b!.headers['thanos-tenant']).toBe('t2');
  });

  it('moves credentials out of the URL into basic auth and never shows them', async () => {
    srv.setHandler((_r, res) => sendJson(res, 400, { status: 'error', errorType: 'bad_data', error: 'parse error' }));
    const c = new PrometheusClient({ url: `http://bob:s3cret@127.0.0.1:${srv.port}` });
    expect(c.url).toBe(`http://127.0.0.1:${srv.port}`);
    const e = await caught(c.instant('sum('));
    expect(srv.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('bob:s3cret').toString('base64')}`);
    expect(e.message).not.toContain('s3cret');
    expect(e.url).not.toContain('s3cret');
  });

  it('scalar and string results; vector() turns a scalar into one element', async () => {
    srv.setHandler((r, res) =>
      sendJson(res, 200, r.params.get('query') === 's' ? success({ resultType: 'scalar', result: [5, '-Inf'] }) : success({ resultType: 'string', result: [5, 'hello'] })),
    );
    const c = new PrometheusClient({ url: srv.url });
    expect((await c.instant('s')).data).toEqual({ resultType: 'scalar', result: { t: 5, v: -Infinity } });
    expect((await c.instant('x')).data).toEqual({ resultType: 'string', result: { t: 5, v: 'hello' } });
    expect(await c.vector('s')).toEqual([{ metric: {}, value: { t: 5, v: -Infinity } }]);
    expect((await caught(c.vector('x'))).kind).toBe('bad_query');
  });

  it('parseSampleValue handles every Prometheus spelling and rejects junk (property tests: transport.test.ts)', () => {
    expect(parseSampleValue('1e3')).toBe(1000);
    expect(parseSampleValue('-0.5')).toBe(-0.5);
    expect(parseSampleValue('Inf')).toBe(Infinity);
    expect(() => parseSampleValue('abc')).toThrow();
    expect(() => parseSampleValue('')).toThrow();
    expect(() => parseSampleValue('0x10')).toThrow();
  });

  it('returns stats when asked and totals Prometheus time in usage()', async () => {
    srv.setHandler((_r, res) =>
      sendJson(res, 200, success({ resultType: 'vector', result: [], stats: { timings: { evalTotalTime: 0.25, execQueueTime: 0.01, execTotalTime: 0.375 }, samples: { totalQueryableSamples: 10, peakSamples: 4 } } })),
    );
    const c = new PrometheusClient({ url: srv.url });
    const r = await c.instant('up', 1, { stats: true });
    expect(r.stats).toEqual({ evalTotalTime: 0.25, timings: { evalTotalTime: 0.25, execQueueTime: 0.01, execTotalTime: 0.375 }, samples: { totalQueryableSamples: 10, peakSamples: 4 } });
    expect((await c.instant('up', 1)).stats).toBeUndefined();
    expect(srv.requests.every((q) => q.params.get('stats') === 'all')).toBe(true);
    const u = c.usage();
    expect(u.requests).toBe(2);
    expect(u.retries).toBe(0);
    expect(u.prometheusEvalSeconds).toBeCloseTo(0.5, 12);
    expect(u.prometheusExecSeconds).toBeCloseTo(0.75, 12);
    c.resetUsage();
    expect(c.usage().requests).toBe(0);
    expect(c.usage().prometheusExecSeconds).toBe(0);
  });

  it('promSource adapts to epoch milliseconds, passes warnings on and counts requests', async () => {
    srv.setHandler((r, res) =>
      r.path.endsWith('query_range')
        ? sendJson(res, 200, success({ resultType: 'matrix', result: [{ metric: { a: '1' }, values: [[1.001, '2'], [1.002, 'NaN']] }] }, { warnings: ['partial response'] }))
        : sendJson(res, 200, { ...(vectorAnswer as object), warnings: ['store down'] }),
    );
    const s = promSource(new PrometheusClient({ url: srv.url }));
    const inst = await s.instant('up', 1_700_000_000_500);
    expect(srv.requests[0]!.params.get('time')).toBe('1700000000.5');
    expect(inst.samples[0]).toEqual({ labels: { service: 'a' }, value: 0.25 });
    expect(inst.warnings).toEqual(['store down']);
    const rng = await s.range('up', 1001, 1002, 0.001);
    expect(rng.series[0]!.points[0]).toEqual([1001, 2]);
    expect(rng.series[0]!.points[1]![1]).toBeNaN();
    expect(rng.warnings).toEqual(['partial response']);
    expect(s.requests).toBe(2);
  });
});

describe('error kinds', () => {
  // Retries off: these tests are about classification (transport*.test.ts covers retries).
  const client = () => new PrometheusClient({ url: srv.url, timeoutMs: 300, retry: { maxAttempts: 1 } });

  it('400 bad_data → bad_query, with the server URL and the error text', async () => {
    srv.setHandler((_r, res) => sendJson(res, 400, { status: 'error', errorType: 'bad_data', error: '1:5: parse error: unclosed left parenthesis' }));
    const e = await caught(client().instant('sum('));
    expect(e.kind).toBe('bad_query');
    expect(e.status).toBe(400);
    expect(e.errorType).toBe('bad_data');
    expect(e.message).toContain(srv.url);
    expect(e.message).toContain('unclosed left parenthesis');
  });

  it('422 execution and 503 timeout/canceled → execution', async () => {
    srv.setHandler((r, res) =>
      r.params.get('query') === 'a'
        ? sendJson(res, 422, { status: 'error', errorType: 'execution', error: 'vector cannot contain metrics with the same labelset' })
        : sendJson(res, 503, { status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' }),
    );
    const a = await caught(client().instant('a'));
    expect([a.kind, a.status, a.errorType]).toEqual(['execution', 422, 'execution']);
    const b = await caught(client().instant('b'));
    expect([b.kind, b.status, b.errorType]).toEqual(['execution', 503, 'timeout']);
  });

  it('401 and 403 → auth, whatever the body', async () => {
    for (const status of [401, 403]) {
      srv.setHandler((_r, res) => {
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end('go away');
      });
      const e = await caught(client().instant('up'));
      expect(e.kind).toBe('auth');
      expect(e.status).toBe(status);
    }
  });

  it('HTML, a 404 page or a JSON document that is not the envelope → not_prometheus', async () => {
    const answers: Array<[number, string, string]> = [
      [200, 'text/html', '<html><body>Sign in</body></html>'],
      [404, 'text/plain', '404 page not found'],
      [200, 'application/json', '{"hello":"world"}'],
      [200, 'application/json', ''],
    ];
    for (const [status, type, body] of answers) {
      srv.setHandler((_r, res) => {
        res.writeHead(status, { 'content-type': type });
        res.end(body);
      });
      const e = await caught(client().instant('up'));
      expect(e.kind, body).toBe('not_prometheus');
      expect(e.message).toContain(`HTTP ${status}`);
    }
  });

  it('a malformed result inside a success envelope → not_prometheus', async () => {
    srv.setHandler((_r, res) => sendJson(res, 200, success({ resultType: 'vector', result: [{ metric: {}, value: [1, 'zzz'] }] })));
    expect((await caught(client().instant('up'))).kind).toBe('not_prometheus');
    srv.setHandler((_r, res) => sendJson(res, 200, success({ resultType: 'vector', result: [] })));
    expect((await caught(client().range('up', 0, 10, 1))).kind).toBe('not_prometheus');
  });

  it('a gateway 502 without a Prometheus body → unreachable', async () => {
    srv.setHandler((_r, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<h1>Bad Gateway</h1>');
    });
    const e = await caught(client().instant('up'));
    expect([e.kind, e.status]).toEqual(['unreachable', 502]);
  });

  it('no answer within timeoutMs → timeout, before the server answers', async () => {
    let answered = false;
    srv.setHandler(async (_r, res) => {
      await sleep(3000);
      answered = true;
      if (!res.destroyed) sendJson(res, 200, vectorAnswer);
    });
    const e = await caught(new PrometheusClient({ url: srv.url, timeoutMs: 200 }).instant('up'));
    expect(e.kind).toBe('timeout');
    expect(e.message).toContain('0.2 s');
    // Our timer fired: the server was still busy (no elapsed-time threshold needed).
    expect(answered).toBe(false);
  });

  it('closed port → unreachable (ECONNREFUSED); unknown host → unreachable', async () => {
    const tmp = await startFakeServer();
    const port = tmp.port;
    await tmp.close();
    const e = await caught(new PrometheusClient({ url: `http://127.0.0.1:${port}` }).instant('up'));
    expect(e.kind).toBe('unreachable');
    expect(e.message).toContain('ECONNREFUSED');
    expect(e.message).toContain(`127.0.0.1:${port}`);
    const d = await caught(new PrometheusClient({ url: 'http://no-such-host.invalid:9090', timeoutMs: 5000 }).instant('up'));
    expect(['unreachable', 'timeout']).toContain(d.kind);
  });

  it('a caller abort rejects with the abort reason, not a PrometheusError', async () => {
    srv.setHandler(async (_r, res) => {
      await sleep(2000);
      if (!res.destroyed) sendJson(res, 200, vectorAnswer);
    });
    const ac = new AbortController();
    const p = new PrometheusClient({ url: srv.url }).instant('up', undefined, { signal: ac.signal });
    setTimeout(() => ac.abort(new Error('user gave up')), 50);
    await expect(p).rejects.toThrow('user gave up');
  });

  it('an invalid URL is reported without credentials', () => {
    expect(() => new PrometheusClient({ url: 'not a url' })).toThrow(PrometheusError);
    expect(() => new PrometheusClient({ url: 'ftp://x' })).toThrow(/http/);
  });
});

/** Answers query_range with one value per evaluation (v = t) for series a, and series b only after t >= 500. */
function rangeHandler(r: RecordedRequest, res: import('node:http').ServerResponse): void {
  const start = Number(r.params.get('start'));
  const end = Number(r.params.get('end'));
  const step = Number(r.params.get('step'));
  if ((end - start) / step > 11_000) {
    sendJson(res, 400, { status: 'error', errorType: 'bad_data', error: 'exceeded maximum resolution of 11,000 points per timeseries' });
    return;
  }
  const a: Array<[number, string]> = [];
  const b: Array<[number, string]> = [];
  for (let i = 0; start + i * step <= end + 1e-9; i++) {
    const t = Math.round((start + i * step) * 1000) / 1000;
    a.push([t, String(t)]);
    if (t >= 500) b.push([t, '1']);
  }
  const result = [{ metric: { s: 'a', x: '1' }, values: a }];
  if (b.length) result.push({ metric: { x: '1', s: 'b' }, values: b });
  sendJson(res, 200, success({ resultType: 'matrix', result, stats: { timings: { evalTotalTime: 0.5 }, samples: { peakSamples: a.length } } }));
}

describe('range queries split under 11,000 points', () => {
  it('one request when small; parameters passed through', async () => {
    srv.setHandler(rangeHandler);
    const r = await new PrometheusClient({ url: srv.url }).range('up', 100, 160, 15);
    expect(r.requests).toBe(1);
    expect(srv.requests[0]!.params.get('start')).toBe('100');
    expect(srv.requests[0]!.params.get('end')).toBe('160'); // 160 is on the grid (100 + 4 × 15)
    expect(srv.requests[0]!.params.get('step')).toBe('15');
    expect(r.series[0]!.values.map((v) => v.t)).toEqual([100, 115, 130, 145, 160]);
  });

  it('a day at 1 s steps: 8 requests on the grid, merged without gaps or duplicates', async () => {
    srv.setHandler(rangeHandler);
    const r = await new PrometheusClient({ url: srv.url }).range('up', 0, 86_400, 1, { stats: true });
    const points = 86_401;
    expect(r.requests).toBe(Math.ceil(points / 11_000));
    expect(srv.requests).toHaveLength(r.requests);
    const chunks = srv.requests.map((q) => ({ s: Number(q.params.get('start')), e: Number(q.params.get('end')), step: Number(q.params.get('step')) })).sort((x, y) => x.s - y.s);
    expect(chunks[0]!.s).toBe(0);
    expect(chunks.at(-1)!.e).toBe(86_400);
    for (let k = 0; k < chunks.length; k++) {
      expect((chunks[k]!.e - chunks[k]!.s) / chunks[k]!.step).toBeLessThanOrEqual(11_000);
      if (k > 0) expect(chunks[k]!.s).toBe(chunks[k - 1]!.e + 1);
    }
    const a = r.series.find((s) => s.metric.s === 'a')!;
    expect(a.values).toHaveLength(points);
    a.values.forEach((v, i) => expect(v.t).toBe(i));
    const b = r.series.find((s) => s.metric.s === 'b')!;
    expect(b.values).toHaveLength(points - 500);
    expect(r.series).toHaveLength(2);
    expect(r.stats!.evalTotalTime).toBeCloseTo(0.5 * r.requests, 12);
  });

  it('end off the grid: last evaluation is the last grid point before it', async () => {
    srv.setHandler(rangeHandler);
    const r = await new PrometheusClient({ url: srv.url, maxPointsPerRequest: 3 }).range('up', 10, 47, 5);
    // Grid 10, 15, …, 45: 8 points in chunks of 3.
    expect(r.requests).toBe(3);
    expect(r.series[0]!.values.map((v) => v.t)).toEqual([10, 15, 20, 25, 30, 35, 40, 45]);
    expect(srv.requests.map((q) => `${q.params.get('start')}-${q.params.get('end')}`).sort()).toEqual(['10-20', '25-35', '40-45']);
  });

  it('fractional steps stay exact on the millisecond grid', async () => {
    srv.setHandler(rangeHandler);
    const r = await new PrometheusClient({ url: srv.url, maxPointsPerRequest: 4 }).range('up', 1.1, 2.3, 0.1);
    expect(r.series[0]!.values.map((v) => v.t)).toEqual([1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9, 2, 2.1, 2.2, 2.3]);
    expect(srv.requests.map((q) => q.params.get('step'))).toEqual(['0.1', '0.1', '0.1', '0.1']);
  });

  it('property: chunks cover exactly the grid, in order, each within the limit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e6, max: 2e9 }),
        fc.integer({ min: 0, max: 50_000 }),
        fc.integer({ min: 1, max: 3_600_000 }),
        fc.integer({ min: 1, max: 11_000 }),
        (startMs, gridPoints, stepMs, maxPoints) => {
          // Lengths up to 50,000 grid steps plus an off-grid remainder (keeps the chunk count small).
          const lenMs = gridPoints * stepMs + (stepMs > 1 ? (startMs & 0xffff) % stepMs : 0);
          const chunks = splitRange(startMs, startMs + lenMs, stepMs, maxPoints);
          const points = Math.floor(lenMs / stepMs) + 1;
          expect(chunks.reduce((n, c) => n + c.points, 0)).toBe(points);
          expect(chunks).toHaveLength(Math.ceil(points / maxPoints));
          expect(chunks[0]!.startMs).toBe(startMs);
          expect(chunks.at(-1)!.endMs).toBe(startMs + (points - 1) * stepMs);
          chunks.forEach((c, k) => {
            expect(c.points).toBeLessThanOrEqual(maxPoints);
            expect(c.endMs - c.startMs).toBe((c.points - 1) * stepMs);
            expect((c.startMs - startMs) % stepMs).toBe(0);
            if (k > 0) expect(c.startMs).toBe(chunks[k - 1]!.endMs + stepMs);
          });
        },
      ),
      { numRuns: 300 },
    );
    expect(() => splitRange(10, 5, 1)).toThrow(/before its start/);
    expect(() => splitRange(0, 5, 0)).toThrow(/positive/);
  });
});

describe('bounded concurrency', () => {
  // A fresh server per test: no keep-alive sockets or in-flight counts left over from other tests.
  let shared: FakeServer;
  beforeEach(async () => {
    shared = srv;
    srv = await startFakeServer();
  });
  afterEach(async () => {
    await srv.close();
    srv = shared;
  });
  it('never more requests in flight than maxConcurrency, across instant and range calls', async () => {
    srv.setHandler(async (r, res) => {
      await sleep(40);
      if (r.path.endsWith('query_range')) rangeHandler(r, res);
      else sendJson(res, 200, vectorAnswer);
    });
    const c = new PrometheusClient({ url: srv.url, maxConcurrency: 3, maxPointsPerRequest: 2 });
    await Promise.all([
      ...Array.from({ length: 8 }, (_, i) => c.instant(`q${i}`)),
      c.range('up', 0, 9, 1), // 5 chunk requests
    ]);
    expect(srv.requests).toHaveLength(13);
    expect(srv.maxInFlight).toBe(3);
  });

  it('default bound is 4', async () => {
    srv.setHandler(async (_r, res) => {
      await sleep(30);
      sendJson(res, 200, vectorAnswer);
    });
    const c = new PrometheusClient({ url: srv.url });
    await Promise.all(Array.from({ length: 12 }, (_, i) => c.instant(`q${i}`)));
    expect(srv.maxInFlight).toBe(4);
  });

  it('a failed request releases its slot', async () => {
    srv.setHandler((_r, res) => sendJson(res, 400, { status: 'error', errorType: 'bad_data', error: 'no' }));
    const c = new PrometheusClient({ url: srv.url, maxConcurrency: 1 });
    for (let i = 0; i < 3; i++) await expect(c.instant('x')).rejects.toThrow(PrometheusError);
    expect(c.usage()).toMatchObject({ requests: 3, failures: 3 });
  });

  it('Semaphore: FIFO, and a waiter can be aborted', async () => {
    const s = new Semaphore(1);
    await s.acquire();
    const order: number[] = [];
    const ac = new AbortController();
    const w1 = s.acquire().then(() => order.push(1));
    const w2 = s.acquire(ac.signal).then(
      () => order.push(2),
      () => order.push(-2),
    );
    const w3 = s.acquire().then(() => order.push(3));
    ac.abort(new Error('stop'));
    await w2;
    s.release();
    await w1;
    s.release();
    await w3;
    expect(order).toEqual([-2, 1, 3]);
    expect(s.inUse).toBe(1);
  });
});
