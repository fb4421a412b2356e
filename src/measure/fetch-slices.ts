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

interface Cell {
  good: number | null;
  total: number | null;
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

/** Queries that can share one range query: same slice length, grid alignment and range. */
function groupQueries(queries: readonly SliceQuery[]): Group[] {
  const groups = new Map<string, Group>();
  for (const q of queries) {
    const sliceMs = q.sla.measurement.sliceSeconds * 1000;
    if ((q.from - q.origin) % sliceMs !== 0 || (q.to - q.origin) % sliceMs !== 0) {
      throw new RangeError(`slice range of ${q.id} is not on its slice grid`);
    }
    if (q.to <= q.from) continue;
    const key = `${q.sla.measurement.sliceSeconds}|${q.sla.measurement.slice}|${mod(q.origin, sliceMs)}|${q.from}|${q.to}`;
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
  const empty = (): SliceFetch => ({ observations: [], totalSeen: false, goodSeen: false, warnings: [], requeried: [] });
  const out: SliceFetches = new Map(queries.map((q) => [q.id, empty()]));
  const maxPoints = opts.maxPointsPerRequest ?? 1_000_000;
  const limits: BatchLimits = { ...DEFAULT_BATCH_LIMITS, ...opts };
  const tasks: Array<() => Promise<void>> = [];
  const retries: Array<() => Array<() => Promise<void>>> = [];
  const finishers: Array<() => void> = [];
  for (const g of groupQueries(queries)) {
    const sliceMs = g.sliceSeconds * 1000;
    const totalSteps = (g.to - g.from) / sliceMs;
    const branches: Branch[] = [];
    g.queries.forEach((q, i) => {
      branches.push({ id: `${i}t`, expr: renderWindow(q.sla.sli.total, g.window) });
      branches.push({ id: `${i}g`, expr: renderWindow(q.sla.sli.good, g.window) });
    });
    const stepsPerChunk = Math.min(MAX_POINTS_PER_SERIES, totalSteps);
    const cells = new Map<number, Map<number, Cell>>();
    const seen = new Set<string>();
    const warned = new Map<number, Set<string>>();
    const absorbPoints = (tag: string, points: Array<[number, number]>) => {
      const idx = Number(tag.slice(0, -1));
      const part = tag.slice(-1) === 'g' ? 'good' : 'total';
      let byStart = cells.get(idx);
      if (!byStart) cells.set(idx, (byStart = new Map()));
      for (const [t, v] of points) {
        const start = t - sliceMs;
        if (start < g.from || start >= g.to) continue;
        seen.add(tag);
        let c = byStart.get(start);
        if (!c) byStart.set(start, (c = { good: null, total: null }));
        c[part] = snapCount(v * g.sliceSeconds);
      }
    };
    const warn = (tags: Iterable<string>, warnings: readonly string[]) => {
      if (warnings.length === 0) return;
      for (const tag of tags) {
        const idx = Number(tag.slice(0, -1));
        let w = warned.get(idx);
        if (!w) warned.set(idx, (w = new Set()));
        for (const x of warnings) w.add(x);
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
    // (one branch per query, so the answer holds that one series). Identical expressions are asked once.
    const requeried = new Map<number, Array<'good' | 'total'>>();
    retries.push(() => {
      const lacking = new Map<string, string[]>();
      g.queries.forEach((_q, i) => {
        const parts: Array<'good' | 'total'> = [];
        if (!seen.has(`${i}t`)) parts.push('total');
        if (!seen.has(`${i}g`)) parts.push('good');
        if (parts.length === 0) return;
        requeried.set(i, parts);
        for (const part of parts) {
          const b = branches[2 * i + (part === 'good' ? 1 : 0)]!;
          lacking.set(b.expr, [...(lacking.get(b.expr) ?? []), b.id]);
        }
      });
      const again: Array<() => Promise<void>> = [];
      for (const [expr, ids] of lacking) {
        const single = unionQuery([{ id: 's', expr }]);
        for (const [firstEnd, lastEnd] of timeChunks) {
          again.push(async () => {
            const answer = await source.range(single, firstEnd, lastEnd, g.sliceSeconds);
            warn(ids, answer.warnings);
            const ser = answer.series.filter((x) => x.labels[BRANCH_LABEL] === 's');
            if (ser.length === 1) for (const id of ids) absorbPoints(id, ser[0]!.points);
          });
        }
      }
      return again;
    });
    finishers.push(() =>
      g.queries.forEach((q, i) => {
        const byStart = cells.get(i);
        out.set(q.id, {
          observations: byStart ? [...byStart.entries()].sort((a, b) => a[0] - b[0]).map(([start, c]) => ({ start, good: c.good, total: c.total })) : [],
          totalSeen: seen.has(`${i}t`),
          goodSeen: seen.has(`${i}g`),
          warnings: [...(warned.get(i) ?? [])].sort(),
          requeried: requeried.get(i) ?? [],
        });
      }),
    );
  }
  const concurrency = opts.concurrency ?? 3;
  await runLimited(tasks, concurrency);
  await runLimited(retries.flatMap((r) => r()), concurrency);
  for (const f of finishers) f();
  return out;
}

/** The PromQL an SLA's slices are read with (for evidence). */
export function sliceExprs(sla: Pick<Sla, 'sli' | 'measurement'>): { good: string; total: string } {
  // Rendered once per (SLI, measurement) object pair: serve asks for every SLA's on every tick.
  const known = rendered.get(sla.sli);
  if (known && known.measurement === sla.measurement) return { good: known.good, total: known.total };
  const r = { good: renderWindow(sla.sli.good, sla.measurement.slice), total: renderWindow(sla.sli.total, sla.measurement.slice) };
  rendered.set(sla.sli, { measurement: sla.measurement, ...r });
  return r;
}

const rendered = new WeakMap<object, { measurement: object; good: string; total: string }>();
