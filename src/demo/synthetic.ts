// Synthetic request traffic for demos and tests, written as OpenMetrics text for
// `promtool tsdb create-blocks-from openmetrics`. Series follow the convention in notes/metrics.md:
//   counter   obligo_demo_requests_total{service, code="200"|"500"}
//   histogram obligo_demo_request_duration_seconds{service} with le = 0.1, 0.3, 1, +Inf
// Traffic is an integer number of requests per minute, spread evenly over the minute, so counters are
// piecewise linear with kinks only at minute boundaries. Then `increase(x[1m])` evaluated at a minute's
// end is exactly that minute's count, and the generator's own per-minute numbers (`truth`) are the
// ground truth tests compare against — never Obligo's measurement code.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { Decimal } from 'decimal.js';

export const MINUTE_MS = 60_000;
export const REQUESTS_METRIC = 'obligo_demo_requests';
export const DURATION_METRIC = 'obligo_demo_request_duration_seconds';
/** Bucket upper bounds of the latency histogram (seconds); +Inf is implicit. */
export const LATENCY_BUCKETS = [0.1, 0.3, 1] as const;
/** Representative durations used for `_sum`, one per bucket band (≤0.1, ≤0.3, ≤1, >1). */
const BAND_DURATION = [0.05, 0.2, 0.5, 2] as const;

/** Half-open interval [start, end) in epoch milliseconds, minute-aligned. */
export interface TimeRange {
  start: number;
  end: number;
}

/** A per-minute quantity: a constant, or a function of the minute's start (epoch ms) and index. */
export type PerMinute = number | ((minuteStartMs: number, minuteIndex: number) => number);

export interface OutageSpec extends TimeRange {
  /** Fraction of requests answered with code 500 during the outage (rounded to whole requests). */
  errorRatio: number;
}

export interface LatencySpec {
  /** Fraction of requests slower than 0.3 s (the usual latency SLO threshold). Default 0. */
  slowRatio?: PerMinute;
  /** Periods with a different slow fraction (later entries win on overlap). */
  slowPeriods?: Array<TimeRange & { slowRatio: number }>;
  /** Of the slow requests, the fraction slower than 1 s. Default 0.5. */
  verySlowShare?: number;
  /** Of the requests not slow, the fraction at most 0.1 s. Default 0.8. */
  fastShare?: number;
}

export interface ServiceTrafficSpec {
  /** Value of the `service` label. */
  service: string;
  /** Requests per minute (rounded to an integer, negatives become 0). */
  requestsPerMinute: PerMinute;
  /** Error fraction outside outages. Default 0. */
  baseErrorRatio?: PerMinute;
  /** Later entries win where outages overlap. */
  outages?: OutageSpec[];
  /** No traffic: samples keep coming but counters stay flat (a "zero rate" no-data case). */
  quiet?: TimeRange[];
  /** No samples at all, as when the target is down (a "no series" no-data case). No traffic is counted. */
  absent?: TimeRange[];
  /** Emit the latency histogram for this service. */
  latency?: LatencySpec;
}

export interface TrafficSpec {
  /** Epoch ms, minute-aligned. Samples are written from `start` through `end` inclusive. */
  start: number;
  end: number;
  /** Default 30. Must divide 60 evenly... or be a multiple of 60 (then each minute keeps exactness only at sample times). */
  scrapeIntervalSec?: number;
  services: ServiceTrafficSpec[];
}

export interface MinuteTruth {
  /** Start of the minute (epoch ms). The minute's numbers are what `increase(x[1m])` returns at `start + 60s`. */
  start: number;
  good: number;
  total: number;
  /** Requests slower than 0.3 s. */
  slow: number;
  /** Cumulative histogram counts for the minute, by bucket: le 0.1, 0.3, 1, +Inf. */
  buckets: [number, number, number, number];
  /** No samples were written during this minute (the `absent` ranges). */
  absent: boolean;
}

export interface SliceCount {
  /** Minutes with traffic and good/total >= sliceGoodRatio. */
  good: number;
  /** Minutes with traffic and good/total < sliceGoodRatio. */
  bad: number;
  /** Minutes with samples but no requests. */
  noTraffic: number;
  /** Minutes without samples. */
  absent: number;
}

interface ServiceData {
  spec: ServiceTrafficSpec;
  total: Float64Array;
  bad: Float64Array;
  /** Per-minute counts per latency band: ≤0.1, (0.1,0.3], (0.3,1], >1. */
  band: [Float64Array, Float64Array, Float64Array, Float64Array] | undefined;
  absent: Uint8Array;
}

function assertMinuteAligned(name: string, ms: number): void {
  if (!Number.isInteger(ms) || ms % MINUTE_MS !== 0) {
    throw new Error(`${name} must be a minute-aligned epoch in milliseconds, got ${ms}`);
  }
}

function perMinute(value: PerMinute | undefined, minuteStart: number, index: number, dflt: number): number {
  if (value === undefined) return dflt;
  return typeof value === 'number' ? value : value(minuteStart, index);
}

/** Marks minute indexes covered by `ranges` (clipped to the spec) by calling `fn(index, range)`. */
function forEachMinuteIn<R extends TimeRange>(
  start: number,
  minutes: number,
  ranges: R[] | undefined,
  fn: (index: number, range: R) => void,
): void {
  for (const r of ranges ?? []) {
    assertMinuteAligned('range start', r.start);
    assertMinuteAligned('range end', r.end);
    const from = Math.max(0, (r.start - start) / MINUTE_MS);
    const to = Math.min(minutes, (r.end - start) / MINUTE_MS);
    for (let i = from; i < to; i++) fn(i, r);
  }
}

function buildService(spec: ServiceTrafficSpec, start: number, minutes: number): ServiceData {
  const total = new Float64Array(minutes);
  const bad = new Float64Array(minutes);
  const absent = new Uint8Array(minutes);
  const errorRatio = new Float64Array(minutes);
  for (let i = 0; i < minutes; i++) {
    const t = start + i * MINUTE_MS;
    total[i] = Math.max(0, Math.round(perMinute(spec.requestsPerMinute, t, i, 0)));
    errorRatio[i] = perMinute(spec.baseErrorRatio, t, i, 0);
  }
  forEachMinuteIn(start, minutes, spec.outages, (i, o) => (errorRatio[i] = o.errorRatio));
  forEachMinuteIn(start, minutes, spec.quiet, (i) => (total[i] = 0));
  forEachMinuteIn(start, minutes, spec.absent, (i) => {
    total[i] = 0;
    absent[i] = 1;
  });
  for (let i = 0; i < minutes; i++) {
    const r = Math.min(1, Math.max(0, errorRatio[i]!));
    bad[i] = Math.round(total[i]! * r);
  }

  let band: ServiceData['band'];
  if (spec.latency) {
    const lat = spec.latency;
    const slowRatio = new Float64Array(minutes);
    for (let i = 0; i < minutes; i++) slowRatio[i] = perMinute(lat.slowRatio, start + i * MINUTE_MS, i, 0);
    forEachMinuteIn(start, minutes, lat.slowPeriods, (i, p) => (slowRatio[i] = p.slowRatio));
    const verySlowShare = lat.verySlowShare ?? 0.5;
    const fastShare = lat.fastShare ?? 0.8;
    band = [new Float64Array(minutes), new Float64Array(minutes), new Float64Array(minutes), new Float64Array(minutes)];
    for (let i = 0; i < minutes; i++) {
      const n = total[i]!;
      const slow = Math.round(n * Math.min(1, Math.max(0, slowRatio[i]!)));
      const verySlow = Math.round(slow * verySlowShare);
      const fast = Math.round((n - slow) * fastShare);
      band[0][i] = fast;
      band[1][i] = n - slow - fast;
      band[2][i] = slow - verySlow;
      band[3][i] = verySlow;
    }
  }
  return { spec, total, bad, band, absent };
}

function toDecimal(x: number | string): Decimal {
  return new Decimal(x);
}

/** Per-service, per-minute ground truth of a generated traffic spec. */
export class TrafficTruth {
  readonly start: number;
  readonly end: number;
  readonly minutes: number;
  /** @internal */
  readonly data: ReadonlyMap<string, ServiceData>;

  constructor(start: number, end: number, data: Map<string, ServiceData>) {
    this.start = start;
    this.end = end;
    this.minutes = (end - start) / MINUTE_MS;
    this.data = data;
  }

  get services(): string[] {
    return [...this.data.keys()];
  }

  private svc(service: string): ServiceData {
    const d = this.data.get(service);
    if (!d) throw new Error(`no synthetic service '${service}' (have: ${this.services.join(', ')})`);
    return d;
  }

  /** Minute indexes [from, to) covered by `range` (default: everything), clipped. */
  private indexes(range?: Partial<TimeRange>): [number, number] {
    const s = range?.start ?? this.start;
    const e = range?.end ?? this.end;
    assertMinuteAligned('range start', s);
    assertMinuteAligned('range end', e);
    const from = Math.max(0, (s - this.start) / MINUTE_MS);
    const to = Math.min(this.minutes, (e - this.start) / MINUTE_MS);
    return [from, Math.max(from, to)];
  }

  /** The minute starting at `minuteStartMs`. */
  minute(service: string, minuteStartMs: number): MinuteTruth {
    const d = this.svc(service);
    assertMinuteAligned('minute start', minuteStartMs);
    const i = (minuteStartMs - this.start) / MINUTE_MS;
    if (i < 0 || i >= this.minutes) throw new Error(`minute ${new Date(minuteStartMs).toISOString()} outside the generated range`);
    const total = d.total[i]!;
    const b = d.band;
    const c0 = b ? b[0][i]! : 0;
    const c1 = b ? c0 + b[1][i]! : 0;
    const c2 = b ? c1 + b[2][i]! : 0;
    return {
      start: minuteStartMs,
      good: total - d.bad[i]!,
      total,
      slow: b ? b[2][i]! + b[3][i]! : 0,
      buckets: [c0, c1, c2, b ? total : 0],
      absent: d.absent[i] === 1,
    };
  }

  /** Sums over a range of minutes (default: the whole spec). */
  totals(service: string, range?: Partial<TimeRange>): { good: number; total: number; slow: number } {
    const d = this.svc(service);
    const [from, to] = this.indexes(range);
    let total = 0;
    let bad = 0;
    let slow = 0;
    for (let i = from; i < to; i++) {
      total += d.total[i]!;
      bad += d.bad[i]!;
      if (d.band) slow += d.band[2][i]! + d.band[3][i]!;
    }
    return { good: total - bad, total, slow };
  }

  /**
   * Classifies each minute of `range` against `sliceGoodRatio` (a minute is good when good/total >= ratio,
   * compared exactly in decimal). `kind: 'latency'` classifies by fast (≤0.3 s) / total instead.
   */
  countSlices(
    service: string,
    sliceGoodRatio: number | string,
    range?: Partial<TimeRange>,
    kind: 'availability' | 'latency' = 'availability',
  ): SliceCount {
    const flags = this.sliceFlags(service, sliceGoodRatio, range, kind);
    const out: SliceCount = { good: 0, bad: 0, noTraffic: 0, absent: 0 };
    for (const f of flags) out[f]++;
    return out;
  }

  /**
   * Minutes of `range` that count as bad: below `sliceGoodRatio`, plus minutes without data when
   * `noData` is 'bad'. With `minConsecutive` > 1 only runs of at least that many bad minutes count
   * (Google Cloud style "downtime period").
   */
  badMinutes(
    service: string,
    sliceGoodRatio: number | string,
    opts: { range?: Partial<TimeRange>; noData?: 'good' | 'bad' | 'ignore'; minConsecutive?: number; kind?: 'availability' | 'latency' } = {},
  ): number {
    return this.badMinuteStarts(service, sliceGoodRatio, opts).length;
  }

  /** Start times (epoch ms) of the minutes `badMinutes` counts. */
  badMinuteStarts(
    service: string,
    sliceGoodRatio: number | string,
    opts: { range?: Partial<TimeRange>; noData?: 'good' | 'bad' | 'ignore'; minConsecutive?: number; kind?: 'availability' | 'latency' } = {},
  ): number[] {
    const flags = this.sliceFlags(service, sliceGoodRatio, opts.range, opts.kind ?? 'availability');
    const [from] = this.indexes(opts.range);
    const noDataBad = opts.noData === 'bad';
    const minRun = Math.max(1, opts.minConsecutive ?? 1);
    const out: number[] = [];
    let run: number[] = [];
    const flush = () => {
      if (run.length >= minRun) out.push(...run);
      run = [];
    };
    flags.forEach((f, k) => {
      const isBad = f === 'bad' || (noDataBad && (f === 'noTraffic' || f === 'absent'));
      // With noData 'ignore' a minute without data neither breaks nor extends a run.
      const ignored = opts.noData === 'ignore' && (f === 'noTraffic' || f === 'absent');
      if (isBad) run.push(this.start + (from + k) * MINUTE_MS);
      else if (!ignored) flush();
    });
    flush();
    return out;
  }

  private sliceFlags(
    service: string,
    sliceGoodRatio: number | string,
    range: Partial<TimeRange> | undefined,
    kind: 'availability' | 'latency',
  ): Array<keyof SliceCount> {
    const d = this.svc(service);
    if (kind === 'latency' && !d.band) throw new Error(`service '${service}' has no latency histogram`);
    const ratio = toDecimal(sliceGoodRatio);
    const [from, to] = this.indexes(range);
    const flags: Array<keyof SliceCount> = [];
    for (let i = from; i < to; i++) {
      const total = d.total[i]!;
      if (d.absent[i]) flags.push('absent');
      else if (total === 0) flags.push('noTraffic');
      else {
        const good = kind === 'latency' ? total - d.band![2][i]! - d.band![3][i]! : total - d.bad[i]!;
        flags.push(new Decimal(good).div(total).lt(ratio) ? 'bad' : 'good');
      }
    }
    return flags;
  }
}

export interface GeneratedTraffic {
  spec: TrafficSpec;
  truth: TrafficTruth;
  /** First and last sample timestamps (epoch ms, inclusive). */
  firstSampleMs: number;
  lastSampleMs: number;
  /** Number of series written (for sizing). */
  seriesCount: number;
}

/** Computes the per-minute numbers of a spec. Cheap: a month × 6 services takes milliseconds. */
export function generateTraffic(spec: TrafficSpec): GeneratedTraffic {
  assertMinuteAligned('start', spec.start);
  assertMinuteAligned('end', spec.end);
  if (spec.end <= spec.start) throw new Error('end must be after start');
  const interval = spec.scrapeIntervalSec ?? 30;
  if (!(interval > 0) || (60 % interval !== 0 && interval % 60 !== 0)) {
    throw new Error(`scrapeIntervalSec must divide 60 or be a multiple of 60, got ${interval}`);
  }
  const minutes = (spec.end - spec.start) / MINUTE_MS;
  const data = new Map<string, ServiceData>();
  for (const s of spec.services) {
    if (data.has(s.service)) throw new Error(`duplicate service '${s.service}'`);
    if (!/^[^"\\\n]*$/.test(s.service)) throw new Error(`service label must not contain quotes, backslashes or newlines: ${s.service}`);
    data.set(s.service, buildService(s, spec.start, minutes));
  }
  const truth = new TrafficTruth(spec.start, spec.end, data);
  const seriesCount = spec.services.reduce((n, s) => n + 2 + (s.latency ? LATENCY_BUCKETS.length + 3 : 0), 0);
  return { spec: { ...spec, scrapeIntervalSec: interval }, truth, firstSampleMs: spec.start, lastSampleMs: spec.end, seriesCount };
}

// ---- OpenMetrics rendering ------------------------------------------------------------------------

/** One series: its OpenMetrics name+labels and per-minute increments. */
interface SeriesPlan {
  family: 'requests' | 'duration';
  head: string; // e.g. obligo_demo_requests_total{service="x",code="200"}
  perMinute: Float64Array;
  prefix: Float64Array; // prefix[m] = sum of perMinute[0..m)
  absent: Uint8Array;
}

function prefixSums(a: Float64Array): Float64Array {
  const p = new Float64Array(a.length + 1);
  for (let i = 0; i < a.length; i++) p[i + 1] = p[i]! + a[i]!;
  return p;
}

function planSeries(g: GeneratedTraffic): SeriesPlan[] {
  const plans: SeriesPlan[] = [];
  const d = g.truth.data;
  for (const [service, s] of d) {
    const good = new Float64Array(s.total.length);
    for (let i = 0; i < good.length; i++) good[i] = s.total[i]! - s.bad[i]!;
    for (const [code, arr] of [['200', good], ['500', s.bad]] as const) {
      plans.push({ family: 'requests', head: `${REQUESTS_METRIC}_total{service="${service}",code="${code}"}`, perMinute: arr, prefix: prefixSums(arr), absent: s.absent });
    }
  }
  for (const [service, s] of d) {
    if (!s.band) continue;
    const [b0, b1, b2, b3] = s.band;
    const n = b0.length;
    const cum = [new Float64Array(n), new Float64Array(n), new Float64Array(n), s.total];
    const sum = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      cum[0]![i] = b0[i]!;
      cum[1]![i] = b0[i]! + b1[i]!;
      cum[2]![i] = b0[i]! + b1[i]! + b2[i]!;
      sum[i] = b0[i]! * BAND_DURATION[0] + b1[i]! * BAND_DURATION[1] + b2[i]! * BAND_DURATION[2] + b3[i]! * BAND_DURATION[3];
    }
    const les = ['0.1', '0.3', '1', '+Inf'];
    les.forEach((le, k) => {
      plans.push({ family: 'duration', head: `${DURATION_METRIC}_bucket{service="${service}",le="${le}"}`, perMinute: cum[k]!, prefix: prefixSums(cum[k]!), absent: s.absent });
    });
    plans.push({ family: 'duration', head: `${DURATION_METRIC}_count{service="${service}"}`, perMinute: s.total, prefix: prefixSums(s.total), absent: s.absent });
    plans.push({ family: 'duration', head: `${DURATION_METRIC}_sum{service="${service}"}`, perMinute: sum, prefix: prefixSums(sum), absent: s.absent });
  }
  return plans;
}

const TYPE_LINES = {
  requests: `# TYPE ${REQUESTS_METRIC} counter\n# HELP ${REQUESTS_METRIC} Synthetic requests by service and status code.\n`,
  duration: `# TYPE ${DURATION_METRIC} histogram\n# HELP ${DURATION_METRIC} Synthetic request latency.\n`,
} as const;

function formatTs(ms: number): string {
  return ms % 1000 === 0 ? String(ms / 1000) : (ms / 1000).toFixed(3);
}

/**
 * Renders samples with timestamps in [fromMs, toMs) (clipped to the spec's sample range) for every
 * series as one self-contained OpenMetrics document (families grouped, each series in time order,
 * ending with `# EOF`). Returns '' when the window holds no samples.
 */
function renderWindow(g: GeneratedTraffic, plans: SeriesPlan[], fromMs: number, toMs: number): string {
  const stepMs = g.spec.scrapeIntervalSec! * 1000;
  const start = g.spec.start;
  // First sample time >= fromMs on the scrape grid anchored at start.
  const first = Math.max(start, start + Math.ceil((fromMs - start) / stepMs) * stepMs);
  const last = Math.min(g.lastSampleMs, toMs - 1);
  if (first > last) return '';
  const parts: string[] = [];
  let family: SeriesPlan['family'] | undefined;
  for (const p of plans) {
    if (p.family !== family) {
      family = p.family;
      parts.push(TYPE_LINES[family]);
    }
    const lines: string[] = [];
    for (let t = first; t <= last; t += stepMs) {
      const off = t - start;
      const m = Math.floor(off / MINUTE_MS);
      if (m < p.absent.length && p.absent[m]) continue;
      const frac = (off - m * MINUTE_MS) / MINUTE_MS;
      const v = frac === 0 ? p.prefix[m]! : p.prefix[m]! + p.perMinute[m]! * frac;
      lines.push(`${p.head} ${v} ${formatTs(t)}\n`);
    }
    parts.push(lines.join(''));
  }
  parts.push('# EOF\n');
  return parts.join('');
}

/** The whole sample range as one OpenMetrics document (fine for days; use chunks for months). */
export function toOpenMetrics(g: GeneratedTraffic): string {
  return renderWindow(g, planSeries(g), g.firstSampleMs, g.lastSampleMs + 1);
}

/**
 * Yields self-contained OpenMetrics documents, one per `chunkMs` window aligned to the epoch (so that with
 * chunkMs = 2h each document becomes exactly one promtool block). promtool 2.42 re-parses its whole input
 * once per 2-hour block it writes, so feeding it one window at a time keeps backfill linear in size.
 */
export function* openMetricsChunks(g: GeneratedTraffic, chunkMs = 2 * 3600_000): Generator<{ start: number; end: number; text: string }> {
  const plans = planSeries(g);
  for (let s = Math.floor(g.firstSampleMs / chunkMs) * chunkMs; s <= g.lastSampleMs; s += chunkMs) {
    const text = renderWindow(g, plans, s, s + chunkMs);
    if (text) yield { start: s, end: s + chunkMs, text };
  }
}

/**
 * Writes the whole sample range as a single OpenMetrics file (or stream), families grouped and every
 * series in time order. Memory stays bounded: each series is rendered a day at a time.
 */
export async function writeOpenMetrics(g: GeneratedTraffic, out: string | Writable): Promise<void> {
  const stream = typeof out === 'string' ? createWriteStream(out) : out;
  const plans = planSeries(g);
  const dayMs = 86_400_000;
  const write = async (s: string) => {
    if (!stream.write(s)) await once(stream, 'drain');
  };
  let family: SeriesPlan['family'] | undefined;
  for (const p of plans) {
    if (p.family !== family) {
      family = p.family;
      await write(TYPE_LINES[family]);
    }
    for (let s = g.firstSampleMs; s <= g.lastSampleMs; s += dayMs) {
      const doc = renderWindow(g, [p], s, s + dayMs);
      // renderWindow wraps the series in its TYPE line and # EOF; keep only the sample lines.
      const body = doc.slice(TYPE_LINES[p.family].length, doc.length - '# EOF\n'.length);
      await write(body);
    }
  }
  await write('# EOF\n');
  if (typeof out === 'string') {
    stream.end();
    await once(stream, 'finish');
  }
}

// ---- A ready-made scenario -----------------------------------------------------------------------

const HOUR_MS = 3600_000;
const DAY_MS = 86_400_000;

/**
 * The traffic behind the example contracts (services compute, gcs, github, s3, platform-api, messaging):
 * steady diurnal traffic with a few incidents placed at fixed offsets from `start` (incidents past `end`
 * are simply cut off). Read the numbers off `generateTraffic(spec).truth`, never from this comment.
 */
export function demoTrafficSpec(start: number, end: number, scrapeIntervalSec = 30): TrafficSpec {
  const at = (days: number, hours = 0, minutes = 0) => start + days * DAY_MS + hours * HOUR_MS + minutes * MINUTE_MS;
  const span = (from: number, minutes: number) => ({ start: from, end: from + minutes * MINUTE_MS });
  // Whole requests per minute, higher during the (UTC) day than at night.
  const diurnal = (base: number) => (t: number) => {
    const hour = new Date(t).getUTCHours();
    return Math.round(base * (hour >= 7 && hour < 22 ? 1.25 : 0.6));
  };
  return {
    start,
    end,
    scrapeIntervalSec,
    services: [
      { service: 'compute', requestsPerMinute: diurnal(1200), outages: [{ ...span(at(2, 9), 45), errorRatio: 1 }] },
      {
        service: 'gcs',
        requestsPerMinute: diurnal(900),
        outages: [
          { ...span(at(4, 14), 20), errorRatio: 0.15 },
          // Too short to be a downtime period when 10 consecutive bad minutes are required.
          { ...span(at(6, 3), 5), errorRatio: 0.5 },
        ],
      },
      { service: 'github', requestsPerMinute: diurnal(2000), outages: [{ ...span(at(8, 16), 60), errorRatio: 0.08 }] },
      { service: 's3', requestsPerMinute: diurnal(3000), baseErrorRatio: 0.0005, outages: [{ ...span(at(10, 11), 120), errorRatio: 0.02 }] },
      {
        service: 'platform-api',
        requestsPerMinute: diurnal(600),
        outages: [{ ...span(at(12, 20), 10), errorRatio: 0.3 }],
        latency: { slowRatio: 0.004, slowPeriods: [{ ...span(at(13, 10), 90), slowRatio: 0.05 }] },
      },
      {
        service: 'messaging',
        requestsPerMinute: diurnal(400),
        outages: [{ ...span(at(15, 5), 25), errorRatio: 0.05 }],
        quiet: [span(at(16, 1), 120)],
        absent: [span(at(17, 2), 30)],
      },
    ],
  };
}
