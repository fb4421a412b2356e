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
import { MAX_POINTS_PER_SERIES, type PromSource } from './source.js';

/** Run tasks with at most `limit` in flight; the first failure rejects (after the running ones settle). */
async function runLimited(tasks: readonly (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < tasks.length) {
      const task = tasks[next++]!;
      try {
        await task();
      } catch (e) {
        failure ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, tasks.length)) }, worker));
  if (failure !== undefined) throw failure;
}

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

/** Observations per query id, in time order (slices without any data are absent). */
export type SliceObservations = Map<string, SliceObservation[]>;

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

/** Fetch per-slice observations; a query whose range is empty gets an empty list. */
export async function fetchSliceObservations(
  source: PromSource,
  queries: readonly SliceQuery[],
  opts: FetchSlicesOptions = {},
): Promise<SliceObservations> {
  const out: SliceObservations = new Map(queries.map((q) => [q.id, []]));
  const maxPoints = opts.maxPointsPerRequest ?? 1_000_000;
  const limits: BatchLimits = { ...DEFAULT_BATCH_LIMITS, ...opts };
  const tasks: Array<() => Promise<void>> = [];
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
    const cells = new Map<number, Map<number, { good: number | null; total: number | null }>>();
    const absorbPoints = (tag: string, points: Array<[number, number]>) => {
      const idx = Number(tag.slice(0, -1));
      const part = tag.slice(-1) === 'g' ? 'good' : 'total';
      let byStart = cells.get(idx);
      if (!byStart) cells.set(idx, (byStart = new Map()));
      for (const [t, v] of points) {
        const start = t - sliceMs;
        if (start < g.from || start >= g.to) continue;
        let c = byStart.get(start);
        if (!c) byStart.set(start, (c = { good: null, total: null }));
        c[part] = snapCount(v * g.sliceSeconds);
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
    const combined = plan.combined;
    for (const c of combined) {
      const values = [...c.members.keys()];
      const perQuery = Math.max(1, Math.floor(maxPoints / stepsPerChunk));
      for (let v = 0; v < values.length; v += perQuery) {
        const expr = c.query(values.slice(v, v + perQuery));
        for (const [firstEnd, lastEnd] of timeChunks) {
          tasks.push(async () => {
            for (const ser of await source.range(expr, firstEnd, lastEnd, g.sliceSeconds)) {
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
          for (const ser of await source.range(expr, firstEnd, lastEnd, g.sliceSeconds)) {
            const tag = ser.labels[BRANCH_LABEL];
            for (const id of (tag && plan.idsOf.get(tag)) || []) absorbPoints(id, ser.points);
          }
        });
      }
    }
    finishers.push(() =>
      g.queries.forEach((q, i) => {
        const byStart = cells.get(i);
        if (!byStart) return;
        out.set(
          q.id,
          [...byStart.entries()].sort((a, b) => a[0] - b[0]).map(([start, c]) => ({ start, good: c.good, total: c.total })),
        );
      }),
    );
  }
  await runLimited(tasks, opts.concurrency ?? 3);
  for (const f of finishers) f();
  return out;
}

/** The PromQL an SLA's slices are read with (for evidence). */
export function sliceExprs(sla: Pick<Sla, 'sli' | 'measurement'>): { good: string; total: string } {
  return { good: renderWindow(sla.sli.good, sla.measurement.slice), total: renderWindow(sla.sli.total, sla.measurement.slice) };
}
