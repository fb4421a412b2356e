// OpenTelemetry through @opentelemetry/api only: without a provider every helper is a no-op that changes
// nothing; with one (a small recording TracerProvider written here, as an SDK would register it) the
// helpers make the spans: withSpan (status and exception on failure), tracedFetch around real HTTP
// requests (no query string or credentials in attributes), and one SERVER span per request of a real
// `obligo serve` HTTP server.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  context,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type AttributeValue,
  type Context,
  type Span,
  type SpanContext,
  type SpanOptions,
  type SpanStatus,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditsCsv, creditsJson } from '../../src/cli/commands/credits.js';
import { ServeConfigSchema } from '../../src/server/config.js';
import { serveHttp } from '../../src/server/http.js';
import { startServe } from '../../src/server/serve.js';
import { pagerdutyFetch, prometheusFetch, traceTick } from '../../src/telemetry/hooks.js';
import { promqlAttributes, safeUrl, tracedFetch, withSpan } from '../../src/telemetry/tracing.js';

interface Recorded {
  name: string;
  kind: SpanKind;
  attributes: Attributes;
  status: SpanStatus;
  exceptions: unknown[];
  ended: boolean;
  tracer: string;
}

class RecordingSpan implements Span {
  constructor(readonly rec: Recorded) {}
  spanContext(): SpanContext {
    return { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };
  }
  setAttribute(key: string, value: AttributeValue): this {
    this.rec.attributes[key] = value;
    return this;
  }
  setAttributes(a: Attributes): this {
    Object.assign(this.rec.attributes, a);
    return this;
  }
  addEvent(): this {
    return this;
  }
  addLink(): this {
    return this;
  }
  addLinks(): this {
    return this;
  }
  setStatus(s: SpanStatus): this {
    this.rec.status = s;
    return this;
  }
  updateName(name: string): this {
    this.rec.name = name;
    return this;
  }
  end(): void {
    this.rec.ended = true;
  }
  isRecording(): boolean {
    return !this.rec.ended;
  }
  recordException(e: unknown): void {
    this.rec.exceptions.push(e);
  }
}

const spans: Recorded[] = [];

class RecordingTracer implements Tracer {
  constructor(private readonly name: string) {}
  startSpan(name: string, options: SpanOptions = {}): Span {
    const rec: Recorded = { name, kind: options.kind ?? SpanKind.INTERNAL, attributes: { ...options.attributes }, status: { code: SpanStatusCode.UNSET }, exceptions: [], ended: false, tracer: this.name };
    spans.push(rec);
    return new RecordingSpan(rec);
  }
  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...rest: unknown[]): ReturnType<F> {
    const fn = rest.at(-1) as F;
    const options = (rest.length >= 2 ? rest[0] : {}) as SpanOptions;
    const parent = (rest.length === 3 ? rest[1] : context.active()) as Context;
    const span = this.startSpan(name, options);
    return context.with(trace.setSpan(parent, span), fn as (s: Span) => ReturnType<F>, undefined, span);
  }
}

const provider: TracerProvider = { getTracer: (name) => new RecordingTracer(name) };

let server: Server;
let url = '';
beforeAll(async () => {
  server = createServer((req, res) => {
    res.statusCode = req.url?.startsWith('/fail') ? 503 : 200;
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

describe('tracing without an SDK (the API\'s no-op)', () => {
  it('withSpan returns the value and re-throws the error unchanged; tracedFetch answers as fetch', async () => {
    expect(await withSpan('x', { a: 1 }, () => 42)).toBe(42);
    const boom = new Error('boom');
    await expect(withSpan('x', {}, async () => Promise.reject(boom))).rejects.toBe(boom);
    const res = await tracedFetch('test.fetch')(`${url}/ok`);
    expect(await res.text()).toBe('ok');
    expect(spans).toEqual([]);
  });
});

describe('tracing with a registered TracerProvider', () => {
  beforeAll(() => {
    expect(trace.setGlobalTracerProvider(provider)).toBe(true);
  });

  it('withSpan: one ended span with the attributes; an error sets status ERROR and records the exception', async () => {
    spans.length = 0;
    const v = await withSpan('obligo.tick', { 'obligo.tick.at': '2026-04-10T20:00:00Z' }, (span) => {
      span.setAttribute('obligo.slas', 3);
      return 'done';
    });
    expect(v).toBe('done');
    expect(spans).toEqual([
      { name: 'obligo.tick', kind: SpanKind.INTERNAL, attributes: { 'obligo.tick.at': '2026-04-10T20:00:00Z', 'obligo.slas': 3 }, status: { code: SpanStatusCode.UNSET }, exceptions: [], ended: true, tracer: 'obligo' },
    ]);
    const boom = new Error('Prometheus unreachable');
    await expect(withSpan('obligo.tick', {}, () => Promise.reject(boom))).rejects.toBe(boom);
    expect(spans[1]).toMatchObject({ ended: true, status: { code: SpanStatusCode.ERROR, message: 'Prometheus unreachable' }, exceptions: [boom] });
  });

  it('tracedFetch: a CLIENT span per request with method, URL without query or credentials, status code', async () => {
    spans.length = 0;
    const f = tracedFetch('prometheus.query', fetch, { attributes: promqlAttributes });
    const u = new URL(`${url}/api/v1/query?query=${encodeURIComponent('sum(rate(x[5m]))')}&token=secret`);
    await (await f(u.href)).text();
    await (await f(`${url}/fail/api/v1/query_range`, { method: 'POST', body: new URLSearchParams({ query: 'up', start: '1' }).toString() })).text();
    expect(spans).toHaveLength(2);
    expect(spans[0]).toMatchObject({
      name: 'prometheus.query',
      kind: SpanKind.CLIENT,
      ended: true,
      attributes: { 'http.request.method': 'GET', 'url.full': `${url}/api/v1/query`, 'server.address': '127.0.0.1', 'http.response.status_code': 200, 'db.query.text': 'sum(rate(x[5m]))', 'url.path': '/api/v1/query' },
    });
    expect(JSON.stringify(spans[0])).not.toContain('secret');
    expect(spans[1]).toMatchObject({ attributes: { 'http.request.method': 'POST', 'db.query.text': 'up', 'http.response.status_code': 503 }, status: { code: SpanStatusCode.ERROR } });
    // A refused connection: the span ends with the error.
    await expect(f('http://127.0.0.1:1/x')).rejects.toThrow();
    expect(spans[2]).toMatchObject({ ended: true, status: { code: SpanStatusCode.ERROR } });
  });

  it('serve hooks: traceTick (ERROR when the tick reports a failure), prometheusFetch and pagerdutyFetch', async () => {
    spans.length = 0;
    const report = { tick: 7, ok: false, error: 'Prometheus at http://p:9090 answered 503', leader: true, incomplete: ['c/s'], prometheus: { requests: 4, failures: 4 }, alerts: { observations: 3, transitions: 1, events: 1 } };
    expect(await traceTick(Date.UTC(2026, 3, 10, 20), async () => report)).toBe(report);
    expect(spans[0]).toMatchObject({
      name: 'obligo.tick',
      ended: true,
      status: { code: SpanStatusCode.ERROR, message: report.error },
      attributes: { 'obligo.tick.at': '2026-04-10T20:00:00.000Z', 'obligo.tick.number': 7, 'obligo.tick.ok': false, 'obligo.tick.incomplete_slas': 1, 'obligo.prometheus.requests': 4, 'obligo.alerts.events': 1 },
    });
    await (await prometheusFetch()(`${url}/api/v1/query?query=up`)).text();
    await (await pagerdutyFetch()(`${url}/v2/enqueue`, { method: 'POST', body: JSON.stringify({ routing_key: 'R0UTING' }) })).text();
    expect(spans.slice(1).map((x) => [x.name, x.kind, x.attributes['db.query.text'], x.attributes['url.full']])).toEqual([
      ['prometheus.query', SpanKind.CLIENT, 'up', `${url}/api/v1/query`],
      ['pagerduty.send', SpanKind.CLIENT, undefined, `${url}/v2/enqueue`],
    ]);
    expect(JSON.stringify(spans)).not.toContain('R0UTING');
  });

  it('safeUrl drops credentials and the query string', () => {
    expect(safeUrl('https://user:pw@prom.example:9443/api/v1/query?query=up#x')).toEqual({ full: 'https://prom.example:9443/api/v1/query', host: 'prom.example', port: 9443, path: '/api/v1/query' });
    expect(safeUrl('not a url')).toEqual({ full: '', host: '', path: '' });
  });

  it('a real serve HTTP server makes one SERVER span per request, named by route, with the status code', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'obligo-trace-'));
    const config = ServeConfigSchema.parse({ contracts: tmp, store: { sqlite: join(tmp, 's.db') }, server: { listen: '127.0.0.1:0', tokens: [] } });
    const s = await startServe(config, { http: serveHttp({ credits: { json: creditsJson, csv: creditsCsv } }), manualTicks: true, instanceId: 'trace' });
    try {
      spans.length = 0;
      expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${s.url}/api/v1/contracts`)).status).toBe(200);
      expect((await fetch(`${s.url}/api/v1/nothing`)).status).toBe(404);
      const server = spans.filter((x) => x.kind === SpanKind.SERVER);
      expect(server.map((x) => [x.name, x.attributes['http.route'], x.attributes['http.response.status_code'], x.ended])).toEqual([
        ['GET /healthz', '/healthz', 200, true],
        ['GET /api/v1/contracts', '/api/v1/contracts', 200, true],
        ['GET unmatched', 'unmatched', 404, true],
      ]);
    } finally {
      await s.stop(500);
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
