// A client for the Prometheus HTTP API (also Thanos, Mimir, Cortex, VictoriaMetrics query frontends):
// instant and range queries with typed results, range queries split under the 11,000-point limit,
// bounded concurrency per client, classified errors (errors.ts), and Prometheus's own evaluation time
// collected so benchmarks can compare our time with the server's.
//
// Transport rules (every API call here is an idempotent read, GET or POST form):
// - Retries on HTTP 429, 502, 503, 504 and on connection resets, with jittered exponential backoff that
//   waits at least the server's Retry-After; bounded by `retry.maxAttempts` and by a time window
//   (`retry.maxTotalMs`, never beyond the request's `timeoutMs`, which covers all attempts and waits).
//   A Retry-After beyond that window fails at once, saying when the server asked to be retried.
//   Nothing else is retried (bad queries, auth, our timeout, oversized or malformed answers).
// - Answers larger than `maxResponseBytes` are aborted while streaming (never buffered whole).
// - Redirects are followed by hand, at most 5, and only within the configured origin (scheme, host,
//   port): credentials and tenant headers are never sent anywhere else.
// - Timeouts are validated (positive, at most 2^31-1 ms: setTimeout fires at once beyond that).
// - Sample values must be Prometheus floats; anything else (`0x10`, `1_000`, ` 1`) is a not_prometheus answer.
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
  /** Overrides the client's per-request timeout (same rules as PrometheusClientOptions.timeoutMs). */
  timeoutMs?: number;
  /**
   * Called once per call with the answer's warnings when there are any (a range query: merged over its
   * chunks), for every call; the way to see them from vector(), series() and labelValues(), whose results
   * have no place for them (instant() and range() also return them).
   */
  onWarnings?: (warnings: string[]) => void;
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

export interface RetryOptions {
  /** HTTP attempts per request in all, the first included. Default 4; 1 turns retries off. */
  maxAttempts?: number;
  /**
   * Retries start only within this many ms of the first attempt (waits included), and never beyond the
   * request's timeoutMs. Default 30,000.
   */
  maxTotalMs?: number;
  /** Backoff before the first retry (then doubling), jittered to between half and all of it. Default 250. */
  baseDelayMs?: number;
  /** Cap on one backoff wait (a server's longer Retry-After is still honoured within maxTotalMs). Default 5,000. */
  maxDelayMs?: number;
  /** How to wait (tests inject one that records delays). Must reject when the signal aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Monotonic clock in ms used for the time budgets (tests move it with their sleep). Default performance.now. */
  now?: () => number;
  /** Jitter source in [0, 1). Default Math.random. */
  random?: () => number;
}

export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
export const DEFAULT_RETRY = { maxAttempts: 4, maxTotalMs: 30_000, baseDelayMs: 250, maxDelayMs: 5_000 } as const;
/** setTimeout's limit: longer delays overflow and fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
const MAX_REDIRECTS = 5;

export interface PrometheusClientOptions {
  /** Base URL, e.g. http://prometheus:9090 or https://mimir.example.com/prometheus. */
  url: string;
  /**
   * Budget of one HTTP request in ms, its retries and their waits included (each attempt also sends the
   * time left to the server as its query timeout). Positive, at most 2^31-1. Default 60 s.
   */
  timeoutMs?: number;
  /** Retries of failed requests (see RetryOptions for defaults). */
  retry?: RetryOptions;
  /** Largest answer body accepted, in bytes (decoded), checked while streaming. Default 64 MiB. */
  maxResponseBytes?: number;
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
  /** HTTP requests sent (including failed ones and retries). */
  requests: number;
  /** HTTP requests that did not bring a usable answer (each failed attempt counts). */
  failures: number;
  /** HTTP requests that repeated a failed one. */
  retries: number;
  /** Sum of Prometheus's evalTotalTime over successful queries, seconds (0 if the server reports none). */
  prometheusEvalSeconds: number;
  /**
   * Sum of Prometheus's execTotalTime (waiting for a query slot, which rule evaluations share, plus
   * preparation, evaluation and sorting), seconds; absent from servers that do not report it.
   */
  prometheusExecSeconds?: number;
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

/**
 * Prometheus's decimal spelling of a float: optional sign, digits with an optional fraction (or a bare
 * fraction), optional exponent. Prometheus writes strconv.AppendFloat(v, 'f' or 'e', -1): "0.25", "1e-07",
 * "1e+21"; other backends may use any decimal form. No hex, binary, octal, underscores, blanks or words.
 */
const PROM_FLOAT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Prometheus encodes values as strings: "1.5", "1e+06", "NaN", "+Inf", "-Inf" (also "Inf"). */
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
      if (typeof s !== 'string' || !PROM_FLOAT.test(s)) throw new TypeError(`not a Prometheus sample value: ${JSON.stringify(s)?.slice(0, 40)}`);
      const n = Number(s);
      // A finite spelling that overflows (1e400) is out of float64 range: Prometheus never sends one.
      if (!Number.isFinite(n)) throw new TypeError(`sample value out of float64 range: ${JSON.stringify(s.slice(0, 40))}`);
      return n;
    }
  }
}

function sample(pair: unknown): Sample {
  if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'number' || !Number.isFinite(pair[0]) || typeof pair[1] !== 'string') {
    throw new TypeError(`not a [time, "value"] pair: ${JSON.stringify(pair)?.slice(0, 80)}`);
  }
  return { t: pair[0], v: parseSampleValue(pair[1]) };
}

function labelSet(m: unknown): Labels {
  if (m === undefined) return {};
  if (!m || typeof m !== 'object' || Array.isArray(m)) throw new TypeError(`labels are not an object: ${JSON.stringify(m)?.slice(0, 80)}`);
  for (const v of Object.values(m)) if (typeof v !== 'string') throw new TypeError(`label value is not a string: ${JSON.stringify(v)?.slice(0, 40)}`);
  return m as Labels;
}

function list(result: unknown, what: string): unknown[] {
  if (!Array.isArray(result)) throw new TypeError(`${what} is not a list`);
  return result;
}

function parseVector(result: unknown): VectorElement[] {
  const out: VectorElement[] = [];
  for (const r of list(result, 'vector result') as Array<{ metric?: unknown; value?: unknown }>) {
    if (!r || typeof r !== 'object') throw new TypeError('vector element is not an object');
    // Elements with only a native histogram ("histogram") are not supported and are left out.
    if (r.value !== undefined) out.push({ metric: labelSet(r.metric), value: sample(r.value) });
  }
  return out;
}

function parseMatrix(result: unknown): MatrixSeries[] {
  // Native-histogram points ("histograms") are not supported and are left out.
  return (list(result, 'matrix result') as Array<{ metric?: unknown; values?: unknown }>).map((r) => {
    if (!r || typeof r !== 'object') throw new TypeError('matrix series is not an object');
    return { metric: labelSet(r.metric), values: r.values === undefined ? [] : list(r.values, 'series values').map(sample) };
  });
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
      const r = d.result;
      if (!Array.isArray(r) || r.length !== 2 || typeof r[0] !== 'number' || typeof r[1] !== 'string') throw new TypeError('string result is not [time, "text"]');
      return { resultType: 'string', result: { t: r[0], v: r[1] } };
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

/** Connection failures worth another attempt: the peer or a middlebox dropped the connection. */
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'EAI_AGAIN']);
/** Statuses worth another attempt (rate limits and gateways/overload). */
const RETRY_STATUSES = new Set([429, 502, 503, 504]);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

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

/** Milliseconds as seconds for messages: 200 → "0.2", 30000 → "30". */
function sec(ms: number): string {
  return String(Math.round(ms) / 1000);
}

function bytesText(n: number): string {
  const MiB = 1024 * 1024;
  return n >= MiB && n % MiB === 0 ? `${n / MiB} MiB` : n >= 1024 && n % 1024 === 0 ? `${n / 1024} KiB` : `${n} bytes`;
}

/** A timeout setTimeout can honour: positive, finite, at most 2^31-1 ms. Returns it, or throws a RangeError. */
export function checkTimeoutMs(ms: unknown, name = 'timeoutMs'): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0 || ms > MAX_TIMER_MS) {
    throw new RangeError(`${name} must be a positive number of milliseconds up to ${MAX_TIMER_MS} (about 24.8 days), got ${String(ms)}`);
  }
  return ms;
}

function checkDelayMs(ms: unknown, name: string): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > MAX_TIMER_MS) {
    throw new RangeError(`${name} must be a number of milliseconds from 0 to ${MAX_TIMER_MS}, got ${String(ms)}`);
  }
  return ms;
}

function checkCount(n: unknown, name: string, max: number): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > max) throw new RangeError(`${name} must be a whole number from 1 to ${max}, got ${String(n)}`);
  return n;
}

/**
 * Retry-After as a delay in ms: delay-seconds ("120") or an HTTP-date ("Wed, 21 Oct 2026 07:28:00 GMT",
 * a date in the past is 0). Undefined when absent or not understood.
 */
export function parseRetryAfter(value: string | null | undefined, nowEpochMs = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  if (/[A-Za-z]/.test(v)) {
    const t = Date.parse(v);
    if (!Number.isNaN(t)) return Math.max(0, t - nowEpochMs);
  }
  return undefined;
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Whether another attempt may help: rate limits, gateways and overload (by status), dropped connections. */
function isRetryable(e: PrometheusError): boolean {
  if (e.status !== undefined) return RETRY_STATUSES.has(e.status) && (e.kind === 'unreachable' || e.kind === 'rate_limited' || e.kind === 'execution');
  return e.kind === 'unreachable' && RESET_CODES.has(causeCode(e.cause) ?? '');
}

/** The same error with a note on the attempts made. */
function retold(e: PrometheusError, note: string, attempts: number): PrometheusError {
  return new PrometheusError(e.kind, e.url, `${e.message} (${note})`, { status: e.status, errorType: e.errorType, cause: e, attempts, retryAfterMs: e.retryAfterMs });
}

type RetrySettings = Required<RetryOptions>;

export class PrometheusClient {
  /** Base URL without credentials or trailing slash (safe to print). */
  readonly url: string;
  private readonly origin: string;
  private readonly timeoutMs: number;
  private readonly retry: RetrySettings;
  private readonly maxResponseBytes: number;
  private readonly headers: Record<string, string>;
  private readonly doFetch: typeof fetch;
  private readonly sem: Semaphore;
  private readonly maxPoints: number;
  private readonly maxGetLength: number;
  private readonly totals: ClientUsage = { requests: 0, failures: 0, retries: 0, prometheusEvalSeconds: 0, prometheusExecSeconds: 0, requestMs: 0 };

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
    this.origin = parsed.origin;
    this.timeoutMs = checkTimeoutMs(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, 'timeoutMs');
    const r = opts.retry ?? {};
    this.retry = {
      maxAttempts: checkCount(r.maxAttempts ?? DEFAULT_RETRY.maxAttempts, 'retry.maxAttempts', 100),
      maxTotalMs: checkDelayMs(r.maxTotalMs ?? DEFAULT_RETRY.maxTotalMs, 'retry.maxTotalMs'),
      baseDelayMs: checkDelayMs(r.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs, 'retry.baseDelayMs'),
      maxDelayMs: checkDelayMs(r.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs, 'retry.maxDelayMs'),
      sleep: r.sleep ?? defaultSleep,
      now: r.now ?? (() => performance.now()),
      random: r.random ?? Math.random,
    };
    const maxBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new RangeError(`maxResponseBytes must be a positive whole number of bytes, got ${String(maxBytes)}`);
    this.maxResponseBytes = maxBytes;
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
    Object.assign(this.totals, { requests: 0, failures: 0, retries: 0, prometheusEvalSeconds: 0, prometheusExecSeconds: 0, requestMs: 0 });
  }

  /** Instant query at `timeSec` (epoch seconds; default: the server's now). */
  async instant(query: string, timeSec?: number, opts: QueryOptions = {}): Promise<InstantResult> {
    const params = new URLSearchParams({ query });
    if (timeSec !== undefined) params.set('time', msToSecondsParam(secondsToMs(timeSec)));
    const env = await this.request('/api/v1/query', params, opts, query);
    const data = this.parse(() => parseInstantData(env.data));
    const warnings = this.warnings(env, opts);
    return { data, warnings, stats: opts.stats ? parseStats(env.data) : undefined };
  }

  /** Instant query expecting a vector (a scalar becomes one element without labels). Warnings: opts.onWarnings. */
  async vector(query: string, timeSec?: number, opts: QueryOptions = {}): Promise<VectorElement[]> {
    const { data } = await this.instant(query, timeSec, opts);
    if (data.resultType === 'vector') return data.result;
    if (data.resultType === 'scalar') return [{ metric: {}, value: data.result }];
    throw new PrometheusError('bad_query', this.url, `expected an instant vector from ${shorten(query, 120)}, got a ${data.resultType}`);
  }

  /**
   * Range query evaluated at start, start + step, … ≤ end (seconds). Split into requests of at most
   * 11,000 points on that grid and merged by label set, in time order, without duplicates. The warnings
   * of every chunk are returned (each once).
   */
  async range(query: string, startSec: number, endSec: number, stepSec: number, opts: QueryOptions = {}): Promise<RangeResult> {
    const chunks = splitRange(secondsToMs(startSec), secondsToMs(endSec), secondsToMs(stepSec), this.maxPoints);
    const step = msToSecondsParam(secondsToMs(stepSec));
    const chunkOpts: QueryOptions = { ...opts, onWarnings: undefined };
    const parts = await Promise.all(
      chunks.map(async (c) => {
        const params = new URLSearchParams({ query, start: msToSecondsParam(c.startMs), end: msToSecondsParam(c.endMs), step });
        const env = await this.request('/api/v1/query_range', params, chunkOpts, query);
        const d = env.data as { resultType?: string; result?: unknown };
        if (d?.resultType !== 'matrix') {
          this.totals.failures++;
          throw new PrometheusError('not_prometheus', this.url, `range query at ${this.url} returned ${JSON.stringify(d?.resultType)} instead of a matrix`);
        }
        return { series: this.parse(() => parseMatrix(d.result ?? [])), warnings: this.warnings(env, chunkOpts), stats: parseStats(env.data) };
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
    if (warnings.size) opts.onWarnings?.([...warnings]);
    return { series: [...merged.values()], warnings: [...warnings], stats: opts.stats ? stats : undefined, requests: chunks.length };
  }

  /** Series matching any of the selectors within [startSec, endSec]. Warnings: opts.onWarnings. */
  async series(match: string[], startSec?: number, endSec?: number, opts: QueryOptions = {}): Promise<Labels[]> {
    const params = new URLSearchParams();
    for (const m of match) params.append('match[]', m);
    if (startSec !== undefined) params.set('start', msToSecondsParam(secondsToMs(startSec)));
    if (endSec !== undefined) params.set('end', msToSecondsParam(secondsToMs(endSec)));
    const env = await this.request('/api/v1/series', params, opts, match.join(', '));
    const out = this.parse(() => list(env.data, 'series data').map(labelSet));
    this.warnings(env, opts);
    return out;
  }

  /** Values of one label, optionally restricted by selectors and time. Warnings: o.onWarnings. */
  async labelValues(label: string, o: { match?: string[]; startSec?: number; endSec?: number } & QueryOptions = {}): Promise<string[]> {
    const params = new URLSearchParams();
    for (const m of o.match ?? []) params.append('match[]', m);
    if (o.startSec !== undefined) params.set('start', msToSecondsParam(secondsToMs(o.startSec)));
    if (o.endSec !== undefined) params.set('end', msToSecondsParam(secondsToMs(o.endSec)));
    const env = await this.request(`/api/v1/label/${encodeURIComponent(label)}/values`, params, o, label);
    const out = this.parse(() =>
      list(env.data, 'label values').map((v) => {
        if (typeof v !== 'string') throw new TypeError(`label value is not a string: ${JSON.stringify(v)?.slice(0, 40)}`);
        return v;
      }),
    );
    this.warnings(env, o);
    return out;
  }

  /** /api/v1/status/buildinfo (Prometheus; not every compatible backend has it). */
  async buildInfo(opts: QueryOptions = {}): Promise<{ version: string } & Record<string, string>> {
    const env = await this.request('/api/v1/status/buildinfo', new URLSearchParams(), opts, undefined, 'GET');
    return env.data as { version: string } & Record<string, string>;
  }

  private warnings(env: Envelope, opts: QueryOptions): string[] {
    const w = Array.isArray(env.warnings) ? env.warnings.map(String) : [];
    if (w.length) opts.onWarnings?.(w);
    return w;
  }

  /** Checks an answer's data; a malformed one counts as a failed request and is a not_prometheus error. */
  private parse<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      this.totals.failures++;
      throw new PrometheusError('not_prometheus', this.url, `unexpected answer from ${this.url}: ${(e as Error).message}`, { cause: e });
    }
  }

  /**
   * One request under the concurrency bound: attempts until an answer, a failure that is not worth
   * repeating, or the attempt/time budget is spent. The slot is held during waits (back-pressure).
   */
  private async request(path: string, params: URLSearchParams, opts: QueryOptions, what: string | undefined, method?: 'GET' | 'POST'): Promise<Envelope> {
    const budgetMs = checkTimeoutMs(opts.timeoutMs ?? this.timeoutMs, 'timeoutMs');
    const isQuery = path === '/api/v1/query' || path === '/api/v1/query_range';
    const setTimeoutParam = (ms: number) => {
      // Ask for stats always (cheap) so usage() can total Prometheus's own time.
      if (isQuery) params.set('timeout', `${Math.max(1, Math.ceil(ms / 1000))}s`);
    };
    if (isQuery) params.set('stats', 'all');
    setTimeoutParam(budgetMs); // the longest the parameters get: GET or POST is decided once
    const usePost = method === 'POST' || (method === undefined && params.toString().length > this.maxGetLength);
    const { now, maxAttempts } = this.retry;
    return this.sem.run(async () => {
      const t0 = now();
      const deadline = t0 + budgetMs;
      const retryUntil = t0 + Math.min(this.retry.maxTotalMs, budgetMs);
      for (let attempt = 1; ; attempt++) {
        const left = Math.max(1, deadline - now());
        setTimeoutParam(left);
        try {
          return await this.attempt(path, params.toString(), usePost, isQuery, opts, what, left, budgetMs);
        } catch (e) {
          if (!(e instanceof PrometheusError)) throw e; // the caller's abort
          const elapsed = now() - t0;
          if (!isRetryable(e) || opts.signal?.aborted) {
            throw attempt > 1 ? retold(e, `after ${attempt} attempts in ${sec(elapsed)} s`, attempt) : e;
          }
          if (attempt >= maxAttempts) {
            throw maxAttempts > 1 ? retold(e, `gave up after ${attempt} attempts in ${sec(elapsed)} s`, attempt) : e;
          }
          const exp = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
          const backoff = exp / 2 + (this.retry.random() * exp) / 2;
          const wait = Math.max(backoff, e.retryAfterMs ?? 0);
          const remaining = retryUntil - now();
          if (e.retryAfterMs !== undefined && e.retryAfterMs >= remaining) {
            const at = new Date(Date.now() + e.retryAfterMs).toISOString();
            throw retold(
              e,
              `the server asked to be retried in ${sec(e.retryAfterMs)} s, at ${at}, later than this request may wait (${sec(Math.max(0, remaining))} s left of its retry budget); ${attempt === 1 ? 'not retried' : `gave up after ${attempt} attempts`}`,
              attempt,
            );
          }
          if (wait >= remaining) {
            throw retold(e, `gave up after ${attempt} attempts in ${sec(elapsed)} s: the next retry would leave the ${sec(Math.min(this.retry.maxTotalMs, budgetMs))} s retry budget`, attempt);
          }
          this.totals.retries++;
          await this.retry.sleep(wait, opts.signal);
        }
      }
    }, opts.signal);
  }

  /** One HTTP exchange (redirects within the origin followed), its body read under the size limit and classified. */
  private async attempt(
    path: string,
    body: string,
    usePost: boolean,
    isQuery: boolean,
    opts: QueryOptions,
    what: string | undefined,
    timeLeftMs: number,
    budgetMs: number,
  ): Promise<Envelope> {
    this.totals.requests++;
    const t0 = performance.now();
    const abort = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort(new Error('client timeout'));
    }, timeLeftMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, abort.signal]) : abort.signal;
    try {
      let res: Response;
      let text: string;
      try {
        res = await this.fetchInOrigin(path, body, usePost, signal);
        text = await this.readBody(res, abort, what);
      } catch (e) {
        if (e instanceof PrometheusError) throw e;
        if (opts.signal?.aborted) throw opts.signal.reason ?? e;
        if (timedOut) {
          throw new PrometheusError('timeout', this.url, `Prometheus at ${this.url} did not answer within ${sec(budgetMs)} s`, { cause: e });
        }
        const code = causeCode(e);
        const why = code ?? shorten((e as Error)?.message ?? String(e));
        if (code && !NETWORK_CODES.has(code)) {
          throw new PrometheusError('unreachable', this.url, `request to Prometheus at ${this.url} failed: ${why}`, { cause: e });
        }
        throw new PrometheusError('unreachable', this.url, `cannot reach Prometheus at ${this.url}: ${why}`, { cause: e });
      }
      const env = this.classify(res, text, what);
      if (isQuery) {
        const st = parseStats(env.data);
        this.totals.prometheusEvalSeconds += st?.evalTotalTime ?? 0;
        this.totals.prometheusExecSeconds! += st?.timings.execTotalTime ?? 0;
      }
      return env;
    } catch (e) {
      this.totals.failures++;
      throw e;
    } finally {
      clearTimeout(timer);
      this.totals.requestMs += performance.now() - t0;
    }
  }

  /**
   * fetch with redirects handled here: followed (at most MAX_REDIRECTS) only within the configured origin,
   * so credentials and tenant headers never go anywhere else. A 303, or a 301/302 answering a POST, is
   * followed with a GET carrying the parameters (if the new location has none of its own).
   */
  private async fetchInOrigin(path: string, body: string, usePost: boolean, signal: AbortSignal): Promise<Response> {
    let url = new URL(`${this.url}${path}`);
    let method: 'GET' | 'POST' = usePost ? 'POST' : 'GET';
    if (!usePost && body) url.search = body;
    for (let hop = 0; ; hop++) {
      const res = await this.doFetch(url.toString(), {
        method,
        headers: method === 'POST' ? { ...this.headers, 'content-type': 'application/x-www-form-urlencoded' } : this.headers,
        body: method === 'POST' ? body : undefined,
        signal,
        redirect: 'manual',
      });
      const location = REDIRECT_STATUSES.has(res.status) ? res.headers.get('location') : null;
      if (location === null) return res; // a 3xx without Location is classified as not Prometheus
      await res.body?.cancel().catch(() => undefined);
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new PrometheusError('redirect', this.url, `Prometheus at ${this.url} redirected (HTTP ${res.status}) to an invalid location`, { status: res.status });
      }
      if (next.origin !== this.origin) {
        throw new PrometheusError(
          'redirect',
          this.url,
          `Prometheus at ${this.url} redirected (HTTP ${res.status}) from ${this.origin} to another origin, ${next.origin}: not followed, so credentials and tenant headers are not sent there; if that server is the right one, configure its URL instead`,
          { status: res.status },
        );
      }
      if (hop >= MAX_REDIRECTS) {
        throw new PrometheusError('redirect', this.url, `Prometheus at ${this.url} redirected more than ${MAX_REDIRECTS} times (a redirect loop?)`, { status: res.status });
      }
      next.username = '';
      next.password = '';
      next.hash = '';
      if (method === 'POST' && (res.status === 301 || res.status === 302 || res.status === 303)) {
        method = 'GET';
        if (!next.search) next.search = body;
      }
      url = next;
    }
  }

  /** The body as text, at most maxResponseBytes (decoded): aborted while streaming beyond that. */
  private async readBody(res: Response, abort: AbortController, what: string | undefined): Promise<string> {
    const limit = this.maxResponseBytes;
    const tooLarge = (how: string) =>
      new PrometheusError(
        'too_large',
        this.url,
        `the answer from Prometheus at ${this.url} is larger than the ${bytesText(limit)} limit (${how})${what ? ` for ${shorten(what, 100)}` : ''}: narrow the query or raise the limit (--prometheus-max-bytes, maxResponseBytes)`,
        { status: res.status },
      );
    const declared = res.headers.get('content-length');
    if (declared !== null && !res.headers.get('content-encoding') && Number(declared) > limit) {
      abort.abort(new Error('answer too large'));
      await res.body?.cancel().catch(() => undefined);
      throw tooLarge(`it announced ${declared} bytes`);
    }
    if (!res.body) return '';
    const reader = res.body.getReader();
    const chunks: Uint8Array[] = [];
    let n = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      n += value.byteLength;
      if (n > limit) {
        abort.abort(new Error('answer too large'));
        await reader.cancel().catch(() => undefined);
        throw tooLarge(`stopped reading after ${n} bytes`);
      }
      chunks.push(value);
    }
    return Buffer.concat(chunks, n).toString('utf8');
  }

  private classify(res: Response, text: string, what: string | undefined): Envelope {
    const status = res.status;
    const retryAfterMs = RETRY_STATUSES.has(status) ? parseRetryAfter(res.headers.get('retry-after')) : undefined;
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
    if (status === 429) {
      const detail = env?.status === 'error' && env.error ? `: ${shorten(String(env.error), 160)}` : '';
      throw new PrometheusError('rate_limited', this.url, `Prometheus at ${this.url} is rate limiting requests (HTTP 429 Too Many Requests)${detail}`, { status, errorType: env?.errorType, retryAfterMs });
    }
    if (!env) {
      if (status === 502 || status === 503 || status === 504) {
        throw new PrometheusError('unreachable', this.url, `Prometheus at ${this.url} is unavailable (HTTP ${status} from a proxy or gateway)`, { status, retryAfterMs });
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
      throw new PrometheusError('execution', this.url, `Prometheus at ${this.url} failed to evaluate the query (${errorType}, HTTP ${status}): ${detail}${on}`, { status, errorType, retryAfterMs });
    }
    if (!res.ok) {
      throw new PrometheusError('not_prometheus', this.url, `${this.url} answered HTTP ${status} with a success body`, { status });
    }
    return env;
  }
}
