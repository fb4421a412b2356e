// A client for the Prometheus HTTP API (also Thanos, Mimir, Cortex, VictoriaMetrics query frontends):
// instant and range queries with typed results, range queries split under the 11,000-point limit,
// bounded concurrency per client, classified errors (errors.ts), and Prometheus's own evaluation time
// collected so benchmarks can compare our time with the server's.
import { PrometheusError } from './errors.js';
import { MAX_POINTS_PER_SERIES, msToSecondsParam, secondsToMs, splitRange } from './range-chunks.js';
import { Semaphore } from './semaphore.js';

export type Labels = Record<string, string>;

/** One value: `t` in epoch seconds as Prometheus sends it; `v` with NaN/±Inf as numbers. */
export interface Sample {
  t: number;
  v: number;
}

export interface VectorElement {
  metric: Labels;
  value: Sample;
}

export interface MatrixSeries {
  metric: Labels;
  values: Sample[];
}

export type InstantData =
  | { resultType: 'vector'; result: VectorElement[] }
  | { resultType: 'matrix'; result: MatrixSeries[] }
  | { resultType: 'scalar'; result: Sample }
  | { resultType: 'string'; result: { t: number; v: string } };

/** Server-side timings (seconds) and sample counts, from `stats=all`. Summed over the chunks of a range query. */
export interface QueryStats {
  /** Prometheus's total evaluation time in seconds (timings.evalTotalTime). */
  evalTotalTime: number;
  timings: Record<string, number>;
  samples: Record<string, number>;
}

export interface QueryOptions {
  /** Ask for `stats=all` and return them. The client-wide usage totals collect them regardless of this flag. */
  stats?: boolean;
  signal?: AbortSignal;
  /** Overrides the client's per-request timeout. */
  timeoutMs?: number;
}

export interface InstantResult {
  data: InstantData;
  warnings: string[];
  stats?: QueryStats;
}

export interface RangeResult {
  series: MatrixSeries[];
  warnings: string[];
  stats?: QueryStats;
  /** HTTP requests the query took (more than 1 when split). */
  requests: number;
}

export type PrometheusAuth = { basic: { username: string; password: string } } | { bearer: string };

export interface PrometheusClientOptions {
  /** Base URL, e.g. http://prometheus:9090 or https://mimir.example.com/prometheus. */
  url: string;
  /** Per HTTP request (also sent to the server as its query timeout). Default 60 s. */
  timeoutMs?: number;
  auth?: PrometheusAuth;
  /** Extra headers on every request, e.g. { 'X-Scope-OrgID': 'tenant' } for Mimir/Cortex, THANOS-TENANT. */
  headers?: Record<string, string>;
  /** Requests in flight at once across all calls of this client. Default 4. */
  maxConcurrency?: number;
  fetch?: typeof fetch;
  /** Points per series per request before a range query is split. Default 11,000 (Prometheus's limit). */
  maxPointsPerRequest?: number;
  /** Queries whose form-encoded parameters are longer than this go as POST form bodies. Default 2,000. */
  maxGetLength?: number;
}

export interface ClientUsage {
  /** HTTP requests sent (including failed ones). */
  requests: number;
  failures: number;
  /** Sum of Prometheus's evalTotalTime over successful queries, seconds (0 if the server reports none). */
  prometheusEvalSeconds: number;
  /** Sum of request durations as seen by the client (overlapping requests add up), ms. */
  requestMs: number;
}

interface Envelope {
  status: 'success' | 'error';
  data?: unknown;
  errorType?: string;
  error?: string;
  warnings?: string[];
}

/** Prometheus encodes values as strings: "1.5", "NaN", "+Inf", "-Inf". */
export function parseSampleValue(s: string): number {
  switch (s) {
    case '+Inf':
    case 'Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    case 'NaN':
      return NaN;
    default: {
      const n = Number(s);
      if (s.trim() === '' || Number.isNaN(n)) throw new TypeError(`not a sample value: ${JSON.stringify(s)}`);
      return n;
    }
  }
}

function sample(pair: unknown): Sample {
  if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'number' || typeof pair[1] !== 'string') {
    throw new TypeError(`not a [time, "value"] pair: ${JSON.stringify(pair)?.slice(0, 80)}`);
  }
  return { t: pair[0], v: parseSampleValue(pair[1]) };
}

function parseVector(result: unknown): VectorElement[] {
  return (result as Array<{ metric?: Labels; value?: unknown }>).filter((r) => r.value !== undefined).map((r) => ({ metric: r.metric ?? {}, value: sample(r.value) }));
}

function parseMatrix(result: unknown): MatrixSeries[] {
  // Native-histogram points ("histograms") are not supported and are left out.
  return (result as Array<{ metric?: Labels; values?: unknown[] }>).map((r) => ({ metric: r.metric ?? {}, values: (r.values ?? []).map(sample) }));
}

function parseInstantData(data: unknown): InstantData {
  const d = data as { resultType?: string; result?: unknown };
  switch (d?.resultType) {
    case 'vector':
      return { resultType: 'vector', result: parseVector(d.result ?? []) };
    case 'matrix':
      return { resultType: 'matrix', result: parseMatrix(d.result ?? []) };
    case 'scalar':
      return { resultType: 'scalar', result: sample(d.result) };
    case 'string': {
      const [t, v] = d.result as [number, string];
      return { resultType: 'string', result: { t, v } };
    }
    default:
      throw new TypeError(`unknown resultType ${JSON.stringify(d?.resultType)}`);
  }
}

function parseStats(data: unknown): QueryStats | undefined {
  const s = (data as { stats?: { timings?: Record<string, number>; samples?: Record<string, unknown> } })?.stats;
  if (!s?.timings) return undefined;
  const samples: Record<string, number> = {};
  for (const [k, v] of Object.entries(s.samples ?? {})) if (typeof v === 'number') samples[k] = v;
  return { evalTotalTime: s.timings.evalTotalTime ?? 0, timings: { ...s.timings }, samples };
}

function addStats(a: QueryStats | undefined, b: QueryStats | undefined): QueryStats | undefined {
  if (!a) return b;
  if (!b) return a;
  const timings = { ...a.timings };
  for (const [k, v] of Object.entries(b.timings)) timings[k] = (timings[k] ?? 0) + v;
  const samples = { ...a.samples };
  for (const [k, v] of Object.entries(b.samples)) samples[k] = k.startsWith('peak') ? Math.max(samples[k] ?? 0, v) : (samples[k] ?? 0) + v;
  return { evalTotalTime: a.evalTotalTime + b.evalTotalTime, timings, samples };
}

/** Stable identity of a label set (order-independent). */
export function labelsKey(metric: Labels): string {
  return JSON.stringify(Object.keys(metric).sort().map((k) => [k, metric[k]]));
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED', 'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function causeCode(e: unknown): string | undefined {
  let c: unknown = e;
  for (let depth = 0; c && depth < 5; depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    c = (c as { cause?: unknown }).cause;
  }
  return undefined;
}

function shorten(s: string, n = 160): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n)}…` : one;
}

export class PrometheusClient {
  /** Base URL without credentials or trailing slash (safe to print). */
  readonly url: string;
  private readonly timeoutMs: number;
  private readonly headers: Record<string, string>;
  private readonly doFetch: typeof fetch;
  private readonly sem: Semaphore;
  private readonly maxPoints: number;
  private readonly maxGetLength: number;
  private readonly totals: ClientUsage = { requests: 0, failures: 0, prometheusEvalSeconds: 0, requestMs: 0 };

  constructor(opts: PrometheusClientOptions) {
    let parsed: URL;
    try {
      parsed = new URL(opts.url);
    } catch {
      throw new PrometheusError('unreachable', String(opts.url).replace(/\/\/[^@/]*@/, '//'), `not a valid Prometheus URL: ${String(opts.url).replace(/\/\/[^@/]*@/, '//')}`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new PrometheusError('unreachable', parsed.origin, `Prometheus URL must be http(s), got ${parsed.protocol}`);
    }
    let auth = opts.auth;
    // Credentials in the URL (http://user:pass@host) become basic auth; fetch refuses them in URLs.
    if ((parsed.username || parsed.password) && !auth) {
      auth = { basic: { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) } };
    }
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    parsed.hash = '';
    this.url = parsed.toString().replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.headers = { accept: 'application/json', ...(opts.headers ?? {}) };
    if (auth && 'basic' in auth) {
      this.headers['authorization'] = `Basic ${Buffer.from(`${auth.basic.username}:${auth.basic.password}`, 'utf8').toString('base64')}`;
    } else if (auth && 'bearer' in auth) {
      this.headers['authorization'] = `Bearer ${auth.bearer}`;
    }
    this.doFetch = opts.fetch ?? globalThis.fetch;
    this.sem = new Semaphore(opts.maxConcurrency ?? 4);
    this.maxPoints = opts.maxPointsPerRequest ?? MAX_POINTS_PER_SERIES;
    this.maxGetLength = opts.maxGetLength ?? 2000;
  }

  /** Totals since construction (or the last reset). */
  usage(): ClientUsage {
    return { ...this.totals };
  }

  resetUsage(): void {
    Object.assign(this.totals, { requests: 0, failures: 0, prometheusEvalSeconds: 0, requestMs: 0 });
  }

  /** Instant query at `timeSec` (epoch seconds; default: the server's now). */
  async instant(query: string, timeSec?: number, opts: QueryOptions = {}): Promise<InstantResult> {
    const params = new URLSearchParams({ query });
    if (timeSec !== undefined) params.set('time', msToSecondsParam(secondsToMs(timeSec)));
    const env = await this.request('/api/v1/query', params, opts, query);
    return { data: this.parse(() => parseInstantData(env.data)), warnings: env.warnings ?? [], stats: opts.stats ? parseStats(env.data) : undefined };
  }

  /** Instant query expecting a vector (a scalar becomes one element without labels). */
  async vector(query: string, timeSec?: number, opts: QueryOptions = {}): Promise<VectorElement[]> {
    const { data } = await this.instant(query, timeSec, opts);
    if (data.resultType === 'vector') return data.result;
    if (data.resultType === 'scalar') return [{ metric: {}, value: data.result }];
    throw new PrometheusError('bad_query', this.url, `expected an instant vector from ${shorten(query, 120)}, got a ${data.resultType}`);
  }

  /**
   * Range query evaluated at start, start + step, … ≤ end (seconds). Split into requests of at most
   * 11,000 points on that grid and merged by label set, in time order, without duplicates.
   */
  async range(query: string, startSec: number, endSec: number, stepSec: number, opts: QueryOptions = {}): Promise<RangeResult> {
    const chunks = splitRange(secondsToMs(startSec), secondsToMs(endSec), secondsToMs(stepSec), this.maxPoints);
    const step = msToSecondsParam(secondsToMs(stepSec));
    const parts = await Promise.all(
      chunks.map(async (c) => {
        const params = new URLSearchParams({ query, start: msToSecondsParam(c.startMs), end: msToSecondsParam(c.endMs), step });
        const env = await this.request('/api/v1/query_range', params, opts, query);
        const d = env.data as { resultType?: string; result?: unknown };
        if (d?.resultType !== 'matrix') {
          throw new PrometheusError('not_prometheus', this.url, `range query at ${this.url} returned ${JSON.stringify(d?.resultType)} instead of a matrix`);
        }
        return { series: this.parse(() => parseMatrix(d.result ?? [])), warnings: env.warnings ?? [], stats: parseStats(env.data) };
      }),
    );
    const merged = new Map<string, MatrixSeries>();
    const warnings = new Set<string>();
    let stats: QueryStats | undefined;
    for (const p of parts) {
      for (const w of p.warnings) warnings.add(w);
      stats = addStats(stats, p.stats);
      for (const s of p.series) {
        const key = labelsKey(s.metric);
        const into = merged.get(key);
        if (!into) {
          merged.set(key, { metric: s.metric, values: [...s.values] });
          continue;
        }
        const last = into.values.length ? into.values[into.values.length - 1]!.t : -Infinity;
        for (const v of s.values) if (v.t > last) into.values.push(v);
      }
    }
    return { series: [...merged.values()], warnings: [...warnings], stats: opts.stats ? stats : undefined, requests: chunks.length };
  }

  /** Series matching any of the selectors within [startSec, endSec]. */
  async series(match: string[], startSec?: number, endSec?: number, opts: QueryOptions = {}): Promise<Labels[]> {
    const params = new URLSearchParams();
    for (const m of match) params.append('match[]', m);
    if (startSec !== undefined) params.set('start', msToSecondsParam(secondsToMs(startSec)));
    if (endSec !== undefined) params.set('end', msToSecondsParam(secondsToMs(endSec)));
    const env = await this.request('/api/v1/series', params, opts, match.join(', '));
    return env.data as Labels[];
  }

  /** Values of one label, optionally restricted by selectors and time. */
  async labelValues(label: string, o: { match?: string[]; startSec?: number; endSec?: number } & QueryOptions = {}): Promise<string[]> {
    const params = new URLSearchParams();
    for (const m of o.match ?? []) params.append('match[]', m);
    if (o.startSec !== undefined) params.set('start', msToSecondsParam(secondsToMs(o.startSec)));
    if (o.endSec !== undefined) params.set('end', msToSecondsParam(secondsToMs(o.endSec)));
    const env = await this.request(`/api/v1/label/${encodeURIComponent(label)}/values`, params, o, label);
    return env.data as string[];
  }

  /** /api/v1/status/buildinfo (Prometheus; not every compatible backend has it). */
  async buildInfo(opts: QueryOptions = {}): Promise<{ version: string } & Record<string, string>> {
    const env = await this.request('/api/v1/status/buildinfo', new URLSearchParams(), opts, undefined, 'GET');
    return env.data as { version: string } & Record<string, string>;
  }

  private parse<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw new PrometheusError('not_prometheus', this.url, `unexpected answer from ${this.url}: ${(e as Error).message}`, { cause: e });
    }
  }

  /** One HTTP request under the concurrency bound, timed out, with its answer checked and classified. */
  private async request(path: string, params: URLSearchParams, opts: QueryOptions, what: string | undefined, method?: 'GET' | 'POST'): Promise<Envelope> {
    const isQuery = path === '/api/v1/query' || path === '/api/v1/query_range';
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    if (isQuery) {
      // Ask for stats always (cheap) so usage() can total Prometheus's own time.
      params.set('stats', 'all');
      params.set('timeout', `${Math.max(1, Math.ceil(timeoutMs / 1000))}s`);
    }
    const body = params.toString();
    const usePost = method === 'POST' || (method === undefined && body.length > this.maxGetLength);
    const target = `${this.url}${path}`;
    return this.sem.run(async () => {
      this.totals.requests++;
      const t0 = performance.now();
      const timeout = new AbortController();
      const timer = setTimeout(() => timeout.abort(new Error('client timeout')), timeoutMs);
      const signal = opts.signal ? AbortSignal.any([opts.signal, timeout.signal]) : timeout.signal;
      try {
        let res: Response;
        let text: string;
        try {
          res = await this.doFetch(usePost || !body ? target : `${target}?${body}`, {
            method: usePost ? 'POST' : 'GET',
            headers: usePost ? { ...this.headers, 'content-type': 'application/x-www-form-urlencoded' } : this.headers,
            body: usePost ? body : undefined,
            signal,
            redirect: 'follow',
          });
          text = await res.text();
        } catch (e) {
          if (opts.signal?.aborted) throw opts.signal.reason ?? e;
          if (timeout.signal.aborted) {
            throw new PrometheusError('timeout', this.url, `Prometheus at ${this.url} did not answer within ${timeoutMs / 1000} s`, { cause: e });
          }
          const code = causeCode(e);
          const why = code ?? shorten((e as Error)?.message ?? String(e));
          if (code && !NETWORK_CODES.has(code)) {
            throw new PrometheusError('unreachable', this.url, `request to Prometheus at ${this.url} failed: ${why}`, { cause: e });
          }
          throw new PrometheusError('unreachable', this.url, `cannot reach Prometheus at ${this.url}: ${why}`, { cause: e });
        }
        const env = this.classify(res, text, what);
        if (isQuery) this.totals.prometheusEvalSeconds += parseStats(env.data)?.evalTotalTime ?? 0;
        return env;
      } catch (e) {
        this.totals.failures++;
        throw e;
      } finally {
        clearTimeout(timer);
        this.totals.requestMs += performance.now() - t0;
      }
    }, opts.signal);
  }

  private classify(res: Response, text: string, what: string | undefined): Envelope {
    const status = res.status;
    if (status === 401 || status === 403) {
      throw new PrometheusError('auth', this.url, `Prometheus at ${this.url} refused the credentials (HTTP ${status}${status === 401 ? ' Unauthorized' : ' Forbidden'})`, { status });
    }
    let env: Envelope | undefined;
    try {
      const j = JSON.parse(text) as Envelope;
      if (j && typeof j === 'object' && (j.status === 'success' || j.status === 'error')) env = j;
    } catch {
      env = undefined;
    }
    if (!env) {
      if (status === 502 || status === 503 || status === 504) {
        throw new PrometheusError('unreachable', this.url, `Prometheus at ${this.url} is unavailable (HTTP ${status} from a proxy or gateway)`, { status });
      }
      const type = res.headers.get('content-type') ?? 'no content type';
      throw new PrometheusError('not_prometheus', this.url, `${this.url} does not answer like Prometheus (HTTP ${status}, ${type}): ${shorten(text, 100) || 'empty body'}`, { status });
    }
    if (env.status === 'error') {
      const errorType = env.errorType ?? 'unknown';
      const detail = env.error ?? 'no error message';
      const on = what ? ` in ${shorten(what, 120)}` : '';
      if (errorType === 'bad_data' || status === 400) {
        throw new PrometheusError('bad_query', this.url, `Prometheus at ${this.url} rejected the query (${errorType}): ${detail}${on}`, { status, errorType });
      }
      throw new PrometheusError('execution', this.url, `Prometheus at ${this.url} failed to evaluate the query (${errorType}, HTTP ${status}): ${detail}${on}`, { status, errorType });
    }
    if (!res.ok) {
      throw new PrometheusError('not_prometheus', this.url, `${this.url} answered HTTP ${status} with a success body`, { status });
    }
    return env;
  }
}
