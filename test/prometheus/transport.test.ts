// Transport rules at the byte level, against scripted servers on real sockets (test/helpers/fake-http.ts):
// which failures are retried and how long the client waits, Retry-After forms, the answer size limit at
// its exact boundary, redirects (loops, POST → GET, other origins), timeout validation, credentials kept
// out of errors, and Prometheus's float syntax (property-tested against Go's formatting of float64).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_TIMER_MS, PrometheusClient, PrometheusError, parseRetryAfter, parseSampleValue, type PrometheusClientOptions } from '../../src/prometheus/index.js';
import { sendJson, startFakeServer, success, type FakeServer } from '../helpers/fake-http.js';

let srv: FakeServer;
beforeAll(async () => {
  srv = await startFakeServer();
});
afterAll(async () => {
  await srv.close();
});
beforeEach(() => srv.reset());

const vector = success({ resultType: 'vector', result: [{ metric: { job: 'a' }, value: [1700000000, '1.5'] }] });

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

function client(o: Partial<PrometheusClientOptions> = {}) {
  const clock = fakeClock();
  const c = new PrometheusClient({ url: srv.url, ...o, retry: { now: clock.now, sleep: clock.sleep, ...o.retry } });
  return { c, clock };
}

async function caught(p: Promise<unknown>): Promise<PrometheusError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(PrometheusError);
  return e as PrometheusError;
}

/** Fails `times` requests with `fail`, then answers the vector. */
function failing(times: number, fail: (res: import('node:http').ServerResponse) => void) {
  let n = 0;
  return (_r: unknown, res: import('node:http').ServerResponse) => {
    if (n++ < times) fail(res);
    else sendJson(res, 200, vector);
  };
}

const text = (status: number, body = `HTTP ${status}`, headers: Record<string, string> = {}) => (res: import('node:http').ServerResponse) => {
  res.writeHead(status, { 'content-type': 'text/plain', ...headers });
  res.end(body);
};

describe('what is retried', () => {
  it('429, 502, 503, 504 (any body) and a Prometheus 503 (unavailable) are retried once each, then answered', async () => {
    const cases: Array<(res: import('node:http').ServerResponse) => void> = [
      text(429),
      text(502, '<h1>Bad Gateway</h1>'),
      text(503),
      text(504),
      (res) => sendJson(res, 503, { status: 'error', errorType: 'unavailable', error: 'querier overloaded' }),
    ];
    for (const fail of cases) {
      srv.reset();
      srv.setHandler(failing(1, fail));
      const { c, clock } = client();
      const v = await c.vector('up');
      expect(v[0]!.value.v).toBe(1.5);
      expect(srv.requests).toHaveLength(2);
      expect(clock.sleeps).toHaveLength(1);
      expect(c.usage()).toMatchObject({ requests: 2, failures: 1, retries: 1 });
    }
  });

  it('nothing else is retried: 400, 422, 500, 401, 403, 404 page, HTML login page, malformed answer', async () => {
    const cases: Array<[string, (res: import('node:http').ServerResponse) => void]> = [
      ['bad_query', (res) => sendJson(res, 400, { status: 'error', errorType: 'bad_data', error: 'parse error' })],
      ['execution', (res) => sendJson(res, 422, { status: 'error', errorType: 'execution', error: 'many-to-many matching not allowed' })],
      ['execution', (res) => sendJson(res, 500, { status: 'error', errorType: 'internal', error: 'boom' })],
      ['auth', text(401)],
      ['auth', text(403)],
      ['not_prometheus', text(404, '404 page not found')],
      ['not_prometheus', text(200, '<html>Sign in</html>', { 'content-type': 'text/html' })],
      ['not_prometheus', (res) => sendJson(res, 200, success({ resultType: 'vector', result: [{ metric: {}, value: [1, '0x10'] }] }))],
    ];
    for (const [kind, fail] of cases) {
      srv.reset();
      srv.setHandler((_r, res) => fail(res));
      const { c, clock } = client();
      const e = await caught(c.vector('up'));
      expect(e.kind).toBe(kind);
      expect(e.attempts).toBe(1);
      expect(srv.requests).toHaveLength(1);
      expect(clock.sleeps).toEqual([]);
    }
  });

  it('a dropped connection is retried; a refused one is not (nothing listens: fail fast)', async () => {
    srv.setHandler(failing(2, (res) => res.socket?.destroy()));
    const { c, clock } = client();
    expect((await c.vector('up'))[0]!.value.v).toBe(1.5);
    expect(clock.sleeps).toHaveLength(2);

    const tmp = await startFakeServer();
    const port = tmp.port;
    await tmp.close();
    const r = client({ url: `http://127.0.0.1:${port}` });
    const e = await caught(r.c.vector('up'));
    expect([e.kind, e.attempts]).toEqual(['unreachable', 1]);
    expect(r.clock.sleeps).toEqual([]);
  });

  it('a failure after a retry keeps its kind and tells the attempts made', async () => {
    let n = 0;
    srv.setHandler((_r, res) => (n++ === 0 ? text(503)(res) : sendJson(res, 400, { status: 'error', errorType: 'bad_data', error: 'nope' })));
    const e = await caught(client().c.vector('up'));
    expect([e.kind, e.attempts]).toEqual(['bad_query', 2]);
    expect(e.message).toMatch(/nope.*\(after 2 attempts in 0\.\d+ s\)/);
  });

  it('retries off with maxAttempts 1', async () => {
    srv.setHandler((_r, res) => text(503)(res));
    const { c } = client({ retry: { maxAttempts: 1 } });
    const e = await caught(c.vector('up'));
    expect([e.kind, e.attempts]).toEqual(['unreachable', 1]);
    expect(e.message).not.toContain('attempts');
    expect(srv.requests).toHaveLength(1);
  });
});

describe('how long the client waits', () => {
  it('backoff doubles from baseDelayMs up to maxDelayMs, jittered between half and all of it', async () => {
    srv.setHandler((_r, res) => text(503)(res));
    for (const [random, expected] of [
      [0, [50, 100, 150, 150, 150]],
      [0.5, [75, 150, 225, 225, 225]],
    ] as const) {
      const { c, clock } = client({ retry: { maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 300, random: () => random } });
      expect((await caught(c.vector('up'))).attempts).toBe(6);
      expect(clock.sleeps).toEqual(expected);
    }
  });

  it('property: every wait lies within the jitter bounds, and the waits stay within maxTotalMs', async () => {
    srv.setHandler((_r, res) => text(502)(res));
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 2000 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 0, max: 20_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        async (maxAttempts, baseDelayMs, maxDelayMs, maxTotalMs, r) => {
          const { c, clock } = client({ retry: { maxAttempts, baseDelayMs, maxDelayMs, maxTotalMs, random: () => r } });
          const e = await caught(c.vector('up'));
          expect(e.attempts).toBe(clock.sleeps.length + 1);
          expect(e.attempts).toBeLessThanOrEqual(maxAttempts);
          clock.sleeps.forEach((ms, k) => {
            const exp = Math.min(maxDelayMs, baseDelayMs * 2 ** k);
            expect(ms).toBeGreaterThanOrEqual(exp / 2);
            expect(ms).toBeLessThanOrEqual(exp);
          });
          expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBeLessThan(Math.max(maxTotalMs, 1e-9));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('Retry-After (seconds, or an HTTP date) is a floor on the wait', async () => {
    srv.setHandler(failing(1, text(503, 'busy', { 'retry-after': '5' })));
    const a = client();
    await a.c.vector('up');
    expect(a.clock.sleeps).toEqual([5000]);

    srv.setHandler(failing(1, text(429, 'slow down', { 'retry-after': '0' })));
    const b = client({ retry: { random: () => 0 } });
    await b.c.vector('up');
    expect(b.clock.sleeps).toEqual([125]); // our own backoff is longer than the 0 s asked

    srv.setHandler(failing(1, text(503, 'busy', { 'retry-after': 'Thu, 01 Jan 2015 00:00:00 GMT' })));
    const d = client({ retry: { random: () => 0 } });
    await d.c.vector('up');
    expect(d.clock.sleeps).toEqual([125]); // a date in the past: no extra wait

    srv.setHandler(failing(1, text(503, 'busy', { 'retry-after': 'soon' })));
    const u = client({ retry: { random: () => 0 } });
    await u.c.vector('up');
    expect(u.clock.sleeps).toEqual([125]); // not understood: ignored
  });

  it('parseRetryAfter reads delay-seconds and HTTP dates', () => {
    const now = Date.UTC(2026, 9, 21, 7, 27, 0);
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:28:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:00:00 GMT', now)).toBe(0);
    for (const junk of ['-5', '1.5', '', 'soon', '1e3']) expect(parseRetryAfter(junk, now), junk).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('a Retry-After date beyond the budget fails at once with that date', async () => {
    const when = new Date(Date.now() + 2 * 3600_000);
    when.setUTCMilliseconds(0);
    srv.setHandler((_r, res) => text(503, 'maintenance', { 'retry-after': when.toUTCString() })(res));
    const { c, clock } = client();
    const e = await caught(c.vector('up'));
    // The client computes the date from its own clock: the same second, give or take one.
    const at = Date.parse(/at (\S+Z),/.exec(e.message)![1]!);
    expect(Math.abs(at - when.getTime())).toBeLessThanOrEqual(1000);
    expect(e.message).toContain('not retried');
    expect(clock.sleeps).toEqual([]);
    expect(srv.requests).toHaveLength(1);
  });

  it('a caller abort during a wait rejects with the abort reason', async () => {
    srv.setHandler((_r, res) => text(503, 'busy', { 'retry-after': '20' })(res));
    const ac = new AbortController();
    const c = new PrometheusClient({ url: srv.url }); // the real sleep: 20 s unless aborted
    const p = c.vector('up', undefined, { signal: ac.signal });
    while (srv.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    ac.abort(new Error('user gave up'));
    await expect(p).rejects.toThrow('user gave up');
    expect(srv.requests).toHaveLength(1);
  });
});

describe('answer size limit', () => {
  /** A success answer padded with blanks to exactly `bytes` bytes. */
  const answerOf = (bytes: number) => {
    const s = JSON.stringify(vector);
    return s.slice(0, -1) + ' '.repeat(bytes - s.length) + '}';
  };

  it('an answer of exactly maxResponseBytes is read; one byte more is too_large (streamed and announced)', async () => {
    const limit = 4096;
    for (const declare of [false, true]) {
      for (const [bytes, ok] of [
        [limit, true],
        [limit + 1, false],
      ] as const) {
        srv.setHandler((_r, res) => {
          const body = answerOf(bytes);
          if (declare) res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
          else res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
          // In small pieces, so the client sees the body arrive in several chunks.
          for (let i = 0; i < body.length; i += 1000) res.write(body.slice(i, i + 1000));
          res.end();
        });
        const { c } = client({ maxResponseBytes: limit });
        if (ok) expect((await c.vector('up'))[0]!.value.v).toBe(1.5);
        else {
          const e = await caught(c.vector('up'));
          expect(e.kind).toBe('too_large');
          expect(e.message).toContain(declare ? '4 KiB limit (it announced 4097 bytes)' : '4 KiB limit (stopped reading after');
          expect(c.usage()).toMatchObject({ retries: 0, failures: 1 });
        }
      }
    }
  });

  it('the limit counts decoded bytes (a small gzip body that inflates beyond it is too_large)', async () => {
    const { gzipSync } = await import('node:zlib');
    srv.setHandler((_r, res) => {
      const body = gzipSync(Buffer.from(answerOf(200_000)));
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(body.length) });
      res.end(body);
    });
    const e = await caught(client({ maxResponseBytes: 100_000 }).c.vector('up'));
    expect(e.kind).toBe('too_large');
  });

  it('maxResponseBytes must be a positive whole number', () => {
    for (const bad of [0, -1, 1.5, NaN, Infinity]) expect(() => new PrometheusClient({ url: srv.url, maxResponseBytes: bad })).toThrow(RangeError);
  });
});

describe('redirects', () => {
  it('a redirect loop within the origin stops after 5 hops', async () => {
    srv.setHandler((r, res) => {
      res.writeHead(302, { location: `${r.path}?${r.params}` });
      res.end();
    });
    const e = await caught(client().c.vector('up'));
    expect(e.kind).toBe('redirect');
    expect(e.message).toContain('more than 5 times');
    expect(srv.requests).toHaveLength(6);
  });

  it('a 303 (or 301/302) after a POST is followed with a GET carrying the parameters', async () => {
    srv.setHandler((r, res) => {
      if (r.method === 'POST') {
        res.writeHead(303, { location: '/elsewhere/api/v1/query' });
        res.end();
      } else sendJson(res, 200, vector);
    });
    const { c } = client({ maxGetLength: 5 });
    expect((await c.vector('up', 1700000000)).length).toBe(1);
    expect(srv.requests.map((r) => [r.method, r.path, r.params.get('query'), r.params.get('time')])).toEqual([
      ['POST', '/api/v1/query', 'up', '1700000000'],
      ['GET', '/elsewhere/api/v1/query', 'up', '1700000000'],
    ]);
  });

  it('another scheme or port is another origin; userinfo in the Location is never shown', async () => {
    for (const location of [`https://127.0.0.1:${srv.port}/api/v1/query`, `http://localhost:${srv.port}/api/v1/query`, 'http://mallory:pw-in-location@127.0.0.1:1/x']) {
      srv.setHandler((_r, res) => {
        res.writeHead(301, { location });
        res.end();
      });
      const e = await caught(client().c.vector('up'));
      expect(e.kind).toBe('redirect');
      expect(e.message).toContain(`from ${srv.url} to another origin, ${new URL(location).origin}`);
      expect(e.message).not.toContain('pw-in-location');
    }
  });

  it('a 3xx without Location is not a Prometheus answer', async () => {
    srv.setHandler((_r, res) => text(302, 'moved')(res));
    expect((await caught(client().c.vector('up'))).kind).toBe('not_prometheus');
  });
});

describe('timeouts are validated (setTimeout overflows past 2^31-1 ms and fires at once)', () => {
  it('rejected at construction: 1e10 s, 0, negative, NaN, Infinity, 2^31 ms, a string', () => {
    for (const bad of [1e10 * 1000, 0, -5, NaN, Infinity, 2 ** 31, '5000' as unknown as number]) {
      expect(() => new PrometheusClient({ url: srv.url, timeoutMs: bad }), String(bad)).toThrow(RangeError);
    }
    expect(() => new PrometheusClient({ url: srv.url, timeoutMs: 1e13 })).toThrow(/timeoutMs must be a positive number of milliseconds up to 2147483647/);
    expect(new PrometheusClient({ url: srv.url, timeoutMs: MAX_TIMER_MS }).url).toBe(srv.url);
  });

  it('rejected per query, before any request', async () => {
    const c = new PrometheusClient({ url: srv.url });
    await expect(c.instant('up', 1, { timeoutMs: 1e13 })).rejects.toThrow(RangeError);
    expect(srv.requests).toHaveLength(0);
  });

  it('retry settings are validated too', () => {
    const bad: Array<PrometheusClientOptions['retry']> = [{ maxAttempts: 0 }, { maxAttempts: 1.5 }, { maxTotalMs: -1 }, { baseDelayMs: NaN }, { maxDelayMs: 2 ** 31 }];
    for (const retry of bad) expect(() => new PrometheusClient({ url: srv.url, retry }), JSON.stringify(retry)).toThrow(RangeError);
  });

  it('the timeout covers all attempts: each attempt tells the server the time left', async () => {
    srv.setHandler(failing(1, text(503, 'busy', { 'retry-after': '7' })));
    const { c } = client({ timeoutMs: 20_000 });
    await c.vector('up');
    // The fake clock moved 7 s during the wait: 13 s were left for the second attempt.
    expect(srv.requests.map((r) => r.params.get('timeout'))).toEqual(['20s', '13s']);
  });
});

describe('credentials never appear in errors', () => {
  const secrets = ['s3cret-pass', 'bearer-tok-99', 'tenant-secret-7'];
  const everything = (e: unknown): string => {
    const parts: string[] = [];
    for (let c: unknown = e, d = 0; c && d < 6; c = (c as { cause?: unknown }).cause, d++) {
      parts.push(String((c as Error).message), String((c as { url?: string }).url ?? ''), String((c as Error).stack ?? ''));
    }
    return parts.join('\n');
  };

  it('in any failure: retries exhausted, rate limits, too large, redirects, timeouts, bad queries', async () => {
    const other = await startFakeServer();
    try {
      const failures: Array<(res: import('node:http').ServerResponse) => void> = [
        text(503),
        text(429, 'slow', { 'retry-after': '99999' }),
        (res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('x'.repeat(5000));
        },
        (res) => {
          res.writeHead(307, { location: `${other.url}/api/v1/query` });
          res.end();
        },
        (res) => sendJson(res, 400, { status: 'error', errorType: 'bad_data', error: 'parse error' }),
        () => undefined, // never answers: our timeout
      ];
      for (const fail of failures) {
        srv.setHandler((_r, res) => fail(res));
        const configs: Array<Partial<PrometheusClientOptions>> = [
          { url: `http://ann:${secrets[0]}@127.0.0.1:${srv.port}`, headers: { 'X-Scope-OrgID': secrets[2]! } },
          { auth: { bearer: secrets[1]! }, headers: { 'THANOS-TENANT': secrets[2]! } },
        ];
        for (const o of configs) {
          const { c } = client({ ...o, timeoutMs: 300, maxResponseBytes: 1000 });
          const e = await caught(c.vector('up'));
          const all = everything(e);
          for (const s of secrets) expect(all, e.kind).not.toContain(s);
          expect(all).not.toContain(Buffer.from(`ann:${secrets[0]}`).toString('base64'));
        }
      }
      expect(other.requests).toHaveLength(0);
    } finally {
      await other.close();
    }
  });
});

describe('warnings for series and label values', () => {
  it('reach onWarnings', async () => {
    srv.setHandler((r, res) =>
      sendJson(res, 200, r.path.endsWith('/series') ? success([{ __name__: 'up', job: 'a' }], { warnings: ['w1'] }) : success(['a', 'b'], { warnings: ['w2'] })),
    );
    const seen: string[] = [];
    const c = new PrometheusClient({ url: srv.url });
    expect(await c.series(['up'], undefined, undefined, { onWarnings: (w) => seen.push(...w) })).toEqual([{ __name__: 'up', job: 'a' }]);
    expect(await c.labelValues('job', { onWarnings: (w) => seen.push(...w) })).toEqual(['a', 'b']);
    expect(seen).toEqual(['w1', 'w2']);
  });

  it('malformed series or label values are not Prometheus answers', async () => {
    srv.setHandler((r, res) => sendJson(res, 200, r.path.endsWith('/series') ? success([{ job: 5 }]) : success([1, 2])));
    const c = new PrometheusClient({ url: srv.url });
    expect((await caught(c.series(['up']))).kind).toBe('not_prometheus');
    expect((await caught(c.labelValues('job'))).kind).toBe('not_prometheus');
  });
});

/**
 * How Prometheus writes a sample value (util/jsonutil MarshalValue): strconv.AppendFloat(v, f, -1, 64) with
 * f = 'e' when 0 < |v| < 1e-6 or |v| >= 1e21, else 'f'; Go's special values. JS's shortest round-trip
 * digits are Go's -1 precision; Go's exponent has at least two digits ("1e-07").
 */
function goPrometheusFormat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Object.is(v, -0)) return '-0';
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) {
    return v.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  }
  return String(v); // JS prints 1e-6 <= |v| < 1e21 in positional notation with the shortest digits
}

describe('Prometheus float syntax', () => {
  it('reference formatter matches known Prometheus outputs', () => {
    expect([1e-7, 1e21, -1.5e22, 1e6, 0.25, 100, 1e-6, 123456789012345680000].map(goPrometheusFormat)).toEqual([
      '1e-07',
      '1e+21',
      '-1.5e+22',
      '1000000',
      '0.25',
      '100',
      '0.000001',
      '123456789012345680000',
    ]);
  });

  it('property: every float64 as Prometheus writes it (and in other decimal spellings) parses back exactly', () => {
    fc.assert(
      fc.property(fc.double(), (v) => {
        expect(Object.is(parseSampleValue(goPrometheusFormat(v)), v)).toBe(true);
        if (Number.isFinite(v)) {
          for (const other of [v.toExponential(), v.toPrecision(17), String(v), v.toExponential().toUpperCase()]) {
            expect(Object.is(parseSampleValue(other), v) || (v === 0 && parseSampleValue(other) === 0)).toBe(true);
          }
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('property: hex, binary, octal, underscores, blanks and words are rejected (JavaScript would accept several)', () => {
    const spellings = (n: number) => [
      `0x${n.toString(16)}`,
      `0X${n.toString(16)}`,
      `0b${n.toString(2)}`,
      `0o${n.toString(8)}`,
      ` ${n}`,
      `${n} `,
      `${n}\n`,
      `\t${n}`,
      `${String(n).slice(0, 1)}_${String(n).slice(1) || '0'}`,
      `${n}n`,
      `${n}.0.0`,
      `${n}e`,
      `--${n}`,
    ];
    fc.assert(
      fc.property(fc.nat(), (n) => {
        for (const s of spellings(n)) expect(() => parseSampleValue(s), JSON.stringify(s)).toThrow(TypeError);
      }),
      { numRuns: 300 },
    );
    for (const s of ['', ' ', 'Infinity', '-Infinity', 'inf', '+inf', 'nan', '+NaN', '-NaN', 'INF', '.', 'e5', '+', '1e400', '-1e400', '١']) {
      expect(() => parseSampleValue(s), JSON.stringify(s)).toThrow(TypeError);
    }
    expect([parseSampleValue('Inf'), parseSampleValue('+Inf'), parseSampleValue('-Inf')]).toEqual([Infinity, Infinity, -Infinity]);
    expect([parseSampleValue('1e+06'), parseSampleValue('.5'), parseSampleValue('5.'), parseSampleValue('+3'), parseSampleValue('1E-07')]).toEqual([1e6, 0.5, 5, 3, 1e-7]);
  });
});
