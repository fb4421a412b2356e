// Per-slice good/total counts of many SLAs from Prometheus in few range queries.
//
// A slice [s, s + L) is read at its END, s + L, with the SLI templates rendered with {{.window}} = L
// and step = L, so consecutive evaluations cover consecutive slices. Prometheus 2.x range selectors
// are closed ([t − L, t]): with counters sampled every 30 s on the minute grid, the samples at both
// slice edges are inside the window, nothing is extrapolated, and rate × L is exactly the slice's
// increase (up to float noise, which snapCount removes). (Prometheus 3 ranges are left-open: then the
// 30 s before the slice is extrapolated, which is still exact for counters whose rate only changes at
// minute boundaries.) Series are fetched as rates and converted to counts here, because the
// contract's queries are written with rate(). Identical expressions are asked once; same-shape SLIs
// share one selector (combine.ts); the rest go in `or` unions (batch.ts).
import type { Sla } from '../contract/model.js';
import { renderWindow } from '../contract/model.js';
import { keptPerPair } from '../kept.js';
import type { SliceObservation } from '../slo/slices.js';
import { BRANCH_LABEL, snapCount, splitBranches, unionQuery, type Branch, type BatchLimits, DEFAULT_BATCH_LIMITS } from './batch.js';
import { planBranches } from './combine.js';
import { runLimited } from './run-limited.js';
import { MAX_POINTS_PER_SERIES, type PromSource } from './source.js';


export interface SliceQuery {
  /** Caller's id for the result (e.g. the SLA key). Unique per call. */
  id: string;
  sla: Pick<Sla, 'sli' | 'measurement'>;
  /** Slice grid origin (the period start), epoch ms. */
  origin: number;
  /** First slice start (on the grid) and the end of the last slice (exclusive, on the grid). */
  from: number;
  to: number;
}

export interface FetchSlicesOptions extends Partial<BatchLimits> {
  /** Upper bound of series × points per request (response size). Default 1,000,000. */
  maxPointsPerRequest?: number;
  /** Requests in flight at once. Default 3. */
  concurrency?: number;
  /** Read same-shape SLIs with one selector per group (combine.ts). Default true. */
  combine?: boolean;
}

/** What the answers said about one query's slices. */
export interface SliceFetch {
  /**
   * Slices for which an answer had a point of `total` or `good`, in time order (`total: null`: no total
   * point for that slice). Slices absent from the list had no point at all: silence or a gap, which
   * only the caller can tell (it knows whether the series has samples elsewhere in the period).
   */
  observations: SliceObservation[];
  /** The total (good) series had at least one point in the fetched range. */
  totalSeen: boolean;
  goodSeen: boolean;
  /** Warnings of the answers this query's data came from (a partial response): empty when complete. */
  warnings: string[];
  /** Expressions of this query asked again on their own because a batched answer lacked them. */
  requeried: Array<'good' | 'total'>;
}

/** Per query id (every id given gets an entry, possibly empty). */
export type SliceFetches = Map<string, SliceFetch>;

/**
 * The answers for one distinct expression over a group's slices: a count per slice and whether an
 * answer had a point there (a point may be NaN). Queries asking for the same expression over the same
 * slices share one column, so that 10,000 SLAs over 50 services hold 200 columns, not 20,000.
 */
interface Column {
  counts: Float64Array;
  present: Uint8Array;
  /** An answer had a point of this expression inside the group's range. */
  seen: boolean;
  warnings: Set<string> | undefined;
  /** The batched answers lacked it entirely: asked again alone. */
  requeried: boolean;
}

/** What the answers said, per query id; each SliceFetch is built when asked for and not kept. */
export interface SliceAnswers {
  get(id: string): SliceFetch | undefined;
}

interface Group {
  sliceSeconds: number;
  window: string;
  from: number;
  to: number;
  queries: SliceQuery[];
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

/**
 * The slices a query reads, as a key: queries with the same key are read with the same range queries
 * (same slice length and window, grid alignment and range), so an expression they share is asked once.
 */
export function sliceRangeKey(q: Pick<SliceQuery, 'sla' | 'origin' | 'from' | 'to'>): string {
  const { sliceSeconds, slice } = q.sla.measurement;
  return `${sliceSeconds}|${slice}|${mod(q.origin, sliceSeconds * 1000)}|${q.from}|${q.to}`;
}

/** Queries that can share one range query (sliceRangeKey). */
function groupQueries(queries: readonly SliceQuery[]): Group[] {
  const groups = new Map<string, Group>();
  for (const q of queries) {
    const sliceMs = q.sla.measurement.sliceSeconds * 1000;
    if ((q.from - q.origin) % sliceMs !== 0 || (q.to - q.origin) % sliceMs !== 0) {
      throw new RangeError(`slice range of ${q.id} is not on its slice grid`);
    }
    if (q.to <= q.from) continue;
    const key = sliceRangeKey(q);
    let g = groups.get(key);
    if (!g) {
      g = { sliceSeconds: q.sla.measurement.sliceSeconds, window: q.sla.measurement.slice, from: q.from, to: q.to, queries: [] };
      groups.set(key, g);
    }
    g.queries.push(q);
  }
  return [...groups.values()];
}

/**
 * Branches per range query for a given number of steps. Prometheus 2.42's cost of an `or` union grows
 * faster than its points (measured on 2 cores: 250 branches × 60 steps 0.25 s, 400 × 60 0.6 s,
 * 20 × 11,000 0.3 s, 40 × 11,000 1.7 s), so short ranges (the current hour) take big batches and
 * long ones (a month of minutes) small ones.
 */
export function adaptiveBranches(steps: number): number {
  return Math.max(DEFAULT_BATCH_LIMITS.maxBranches, Math.min(250, Math.floor(15_000 / Math.max(1, steps))));
}

/**
 * Fetch per-slice good/total of many queries in few range queries. A series that a batched answer
 * (a combined selector or an `or` union) lacks is never taken for silence: the expression is asked
 * again on its own, and only an answer holding just that series is believed (spec: "a series missing
 * from a batched answer is never taken for zero").
 */
export async function fetchSliceObservations(
  source: PromSource,
  queries: readonly SliceQuery[],
  opts: FetchSlicesOptions = {},
): Promise<SliceFetches> {
  const answers = await readSlices(source, queries, opts);
  return new Map(queries.map((q) => [q.id, answers.get(q.id)!]));
}

/**
 * As fetchSliceObservations, but each query's SliceFetch is built only when asked for: the answers are
 * held once per distinct expression and slice range (a column of counts), however many queries share
 * them. measureTargets builds one SLA's observations at a time from them.
 */
export async function readSlices(source: PromSource, queries: readonly SliceQuery[], opts: FetchSlicesOptions = {}): Promise<SliceAnswers> {
  const empty = (): SliceFetch => ({ observations: [], totalSeen: false, goodSeen: false, warnings: [], requeried: [] });
  const builders = new Map<string, () => SliceFetch>();
  const maxPoints = opts.maxPointsPerRequest ?? 1_000_000;
  const limits: BatchLimits = { ...DEFAULT_BATCH_LIMITS, ...opts };
  const tasks: Array<() => Promise<void>> = [];
  const retries: Array<() => Array<() => Promise<void>>> = [];
  for (const g of groupQueries(queries)) {
    const sliceMs = g.sliceSeconds * 1000;
    const totalSteps = (g.to - g.from) / sliceMs;
    // One column and one branch per distinct expression, in the order of first use (total, then good).
    const columns: Column[] = [];
    const exprs: string[] = [];
    const indexOf = new Map<string, number>();
    const columnOf = (expr: string): number => {
      let k = indexOf.get(expr);
      if (k === undefined) {
        k = columns.length;
        indexOf.set(expr, k);
        exprs.push(expr);
        columns.push({ counts: new Float64Array(totalSteps), present: new Uint8Array(totalSteps), seen: false, warnings: undefined, requeried: false });
      }
      return k;
    };
    const uses = g.queries.map((q) => {
      const e = sliceExprs(q.sla);
      return { q, total: columnOf(e.total), good: columnOf(e.good) };
    });
    const branches: Branch[] = exprs.map((expr, k) => ({ id: String(k), expr }));
    const stepsPerChunk = Math.min(MAX_POINTS_PER_SERIES, totalSteps);
    const absorbPoints = (id: string, points: Array<[number, number]>) => {
      const c = columns[Number(id)]!;
      for (const [t, v] of points) {
        const start = t - sliceMs;
        if (start < g.from || start >= g.to) continue;
        c.seen = true;
        const k = (start - g.from) / sliceMs;
        if (!Number.isInteger(k)) continue;
        c.counts[k] = snapCount(v * g.sliceSeconds);
        c.present[k] = 1;
      }
    };
    const warn = (ids: Iterable<string>, warnings: readonly string[]) => {
      if (warnings.length === 0) return;
      for (const id of ids) {
        const c = columns[Number(id)]!;
        c.warnings ??= new Set();
        for (const x of warnings) c.warnings.add(x);
      }
    };
    const timeChunks: Array<[number, number]> = [];
    for (let s = 0; s < totalSteps; s += stepsPerChunk) {
      const n = Math.min(stepsPerChunk, totalSteps - s);
      timeChunks.push([g.from + (s + 1) * sliceMs, g.from + (s + n) * sliceMs]);
    }
    // Same-shape SLIs first: one selector per group (values split so that series × steps stay bounded).
    const branchesPerQuery = Math.max(2, Math.min(opts.maxBranches ?? adaptiveBranches(stepsPerChunk), Math.floor(maxPoints / stepsPerChunk)));
    const plan = planBranches(branches, opts.combine !== false, branchesPerQuery);
    for (const c of plan.combined) {
      const values = [...c.members.keys()];
      const perQuery = Math.max(1, Math.floor(maxPoints / stepsPerChunk));
      for (let v = 0; v < values.length; v += perQuery) {
        const asked = values.slice(v, v + perQuery);
        const expr = c.query(asked);
        for (const [firstEnd, lastEnd] of timeChunks) {
          tasks.push(async () => {
            const answer = await source.range(expr, firstEnd, lastEnd, g.sliceSeconds);
            warn(asked.flatMap((x) => c.members.get(x) ?? []), answer.warnings);
            for (const ser of answer.series) {
              for (const id of c.members.get(ser.labels[c.label] ?? '') ?? []) absorbPoints(id, ser.points);
            }
          });
        }
      }
    }
    const batches = splitBranches(plan.union, { maxBranches: branchesPerQuery, maxChars: limits.maxChars });
    for (const batch of batches) {
      const expr = unionQuery(batch);
      for (const [firstEnd, lastEnd] of timeChunks) {
        tasks.push(async () => {
          const answer = await source.range(expr, firstEnd, lastEnd, g.sliceSeconds);
          warn(batch.flatMap((b) => plan.idsOf.get(b.id) ?? []), answer.warnings);
          for (const ser of answer.series) {
            const tag = ser.labels[BRANCH_LABEL];
            for (const id of (tag && plan.idsOf.get(tag)) || []) absorbPoints(id, ser.points);
          }
        });
      }
    }
    // After the batches: every expression a batched answer lacked entirely is asked again on its own
    // (one branch per query, so the answer holds that one series).
    retries.push(() => {
      const again: Array<() => Promise<void>> = [];
      columns.forEach((c, k) => {
        if (c.seen) return;
        c.requeried = true;
        const single = unionQuery([{ id: 's', expr: exprs[k]! }]);
        for (const [firstEnd, lastEnd] of timeChunks) {
          again.push(async () => {
            const answer = await source.range(single, firstEnd, lastEnd, g.sliceSeconds);
            warn([String(k)], answer.warnings);
            const ser = answer.series.filter((x) => x.labels[BRANCH_LABEL] === 's');
            if (ser.length === 1) absorbPoints(String(k), ser[0]!.points);
          });
        }
      });
      return again;
    });
    for (const { q, total, good } of uses) {
      builders.set(q.id, () => {
        const t = columns[total]!;
        const gd = columns[good]!;
        const observations: SliceObservation[] = [];
        for (let k = 0; k < totalSteps; k++) {
          if (t.present[k] === 0 && gd.present[k] === 0) continue;
          observations.push({ start: g.from + k * sliceMs, good: gd.present[k] === 1 ? gd.counts[k]! : null, total: t.present[k] === 1 ? t.counts[k]! : null });
        }
        const warnings = new Set([...(t.warnings ?? []), ...(gd.warnings ?? [])]);
        const requeried: Array<'good' | 'total'> = [];
        if (t.requeried) requeried.push('total');
        if (gd.requeried) requeried.push('good');
        return { observations, totalSeen: t.seen, goodSeen: gd.seen, warnings: [...warnings].sort(), requeried };
      });
    }
  }
  const concurrency = opts.concurrency ?? 3;
  await runLimited(tasks, concurrency);
  await runLimited(retries.flatMap((r) => r()), concurrency);
  const ids = new Set(queries.map((q) => q.id));
  return { get: (id) => (builders.get(id) ?? (ids.has(id) ? empty : undefined))?.() };
}

/** The PromQL an SLA's slices are read with (for evidence). */
export function sliceExprs(sla: Pick<Sla, 'sli' | 'measurement'>): { good: string; total: string } {
  // Rendered once per (SLI, measurement) object pair: serve asks for every SLA's on every tick. A copy is
  // returned, so that a caller cannot change the kept one.
  const r = keptExprs(sla.sli, sla.measurement);
  return { good: r.good, total: r.total };
}

const keptExprs = keptPerPair((sli: Sla['sli'], measurement: Sla['measurement']) => ({
  good: renderWindow(sli.good, measurement.slice),
  total: renderWindow(sli.total, measurement.slice),
}));
