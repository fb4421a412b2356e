// Slices: the period cut into fixed-length pieces aligned to the period start, each classified from
// its observation into one character of a SliceStatusString:
//   'g' data, good (good/total >= sliceGoodRatio)     'b' data, bad (good/total < sliceGoodRatio)
//   'n' no data: silence (total 0, or no series of the SLI at all in the period)
//   '?' gap: missing measurement (no sample of a series that has samples elsewhere in the period, or a
//       slice no answer or rollup covers): unmeasured, neither good nor bad, and it lowers coverage
//   'x' excluded: overlaps a maintenance window
//   '.' not measured: not entirely inside the measured range (before term start, after term end or
//       asOf, or the partial last slice of a period whose length is not a multiple of the slice)
// Hourly rollups store that string plus exact sums, so a month can be re-measured from rollups with
// exactly the result of the raw slices (runs of bad slices across hour boundaries included).
import { COUNT_SCALE, RATIO_SCALE, countUnits, decimalToUnits, errorRatioUnits, exactFraction, unitsToDecimal } from './exact.js';
import type { Interval } from './interval.js';
import { type MaintenanceCalendar, calendarOf } from './maintenance.js';

export type SliceStatus = 'g' | 'b' | 'n' | '?' | 'x' | '.';
/** One SliceStatus character per slice, in time order. */
export type SliceStatusString = string;

/** What the evaluator knows about one slice: counts (or rates; only ratios matter) of good and total. */
export interface SliceObservation {
  /** Slice start, epoch ms; must lie on the slice grid (period start + k × slice). */
  start: number;
  /** Good events. null with total > 0 means "no good series": counted as 0 good (e.g. all 5xx). */
  good: number | null;
  /** All events. null, 0, negative or NaN: no data for the slice. */
  total: number | null;
  /**
   * The slice is a gap: its data is missing (a series with samples elsewhere in the period has none
   * here, or the answer was incomplete). Classified '?' whatever good/total say.
   */
  gap?: boolean;
}

export interface SliceGrid {
  /** Grid origin: the period start, epoch ms. */
  origin: number;
  sliceMs: number;
}

/** Everything, besides observations, that decides how a slice is classified. */
export interface SliceContext {
  grid: SliceGrid;
  /** The measured range (period ∩ term ∩ before asOf), or null when nothing is measured. */
  range: Interval | null;
  /** Maintenance of the range: a calendar, or merged intervals. */
  maintenance: MaintenanceCalendar | readonly Interval[];
  /** A slice with data is bad when good/total < this (exact decimal compare of the written value). */
  sliceGoodRatio: number;
}

/** Classified slices [firstIndex, firstIndex + statuses.length) of a grid, with exact sums over 'g'/'b'. */
export interface SliceBlock {
  firstIndex: number;
  statuses: SliceStatusString;
  /** Σ good and Σ total over data slices, in units of 1e-12 (COUNT_SCALE). */
  goodUnits: bigint;
  totalUnits: bigint;
  /** Σ over data slices of (total − good) / total, each in units of 1e-20 (RATIO_SCALE). */
  errorRatioUnits: bigint;
  /** Slices whose good was outside [0, total] and was clamped. */
  clampedSlices: number;
}

/** A serialisable rollup of the slices starting within one hour (or any block of the grid). */
export interface SliceRollup {
  /** Start of the first slice in the block, epoch ms (on the grid). */
  start: number;
  sliceSeconds: number;
  /** The sliceGoodRatio the 'g'/'b' split was made with (a rollup made with another is rejected). */
  sliceGoodRatio?: number;
  statuses: SliceStatusString;
  /** Exact decimal strings: Σ good, Σ total (≤ 12 places), Σ slice error ratios (≤ 20 places). */
  goodSum: string;
  totalSum: string;
  errorRatioSum: string;
  clampedSlices: number;
  /** The total series had a sample (a value, 0 included) for some slice of the block. */
  seen?: boolean;
}

export function gridOf(origin: number, sliceSeconds: number): SliceGrid {
  if (!(Number.isInteger(sliceSeconds) && sliceSeconds > 0)) throw new RangeError(`slice length must be a positive whole number of seconds: ${sliceSeconds}`);
  return { origin, sliceMs: sliceSeconds * 1000 };
}

export function sliceStart(grid: SliceGrid, index: number): number {
  return grid.origin + index * grid.sliceMs;
}

/** Index of the slice starting exactly at t; throws when t is not on the grid. */
export function sliceIndexAt(grid: SliceGrid, t: number): number {
  const k = (t - grid.origin) / grid.sliceMs;
  if (!Number.isInteger(k)) throw new RangeError(`slice start ${new Date(t).toISOString()} is not aligned to the slice grid (origin ${new Date(grid.origin).toISOString()}, ${grid.sliceMs / 1000}s)`);
  return k;
}

/** Indices [first, end) of the slices lying entirely inside the range. */
export function sliceIndicesWithin(grid: SliceGrid, range: Interval | null): { first: number; end: number } {
  if (!range) return { first: 0, end: 0 };
  const first = Math.ceil((range.start - grid.origin) / grid.sliceMs);
  const end = Math.floor((range.end - grid.origin) / grid.sliceMs);
  return end > first ? { first, end } : { first, end: first };
}

/**
 * The slices a context measures, for querying: `count` slices of `sliceMs` from `firstStart`.
 * With a Prometheus range query of step = slice over increase(...[slice]), the sample at t covers
 * (t − slice, t]: query from firstStart + sliceMs to firstStart + count × sliceMs and use
 * start = t − sliceMs for each observation.
 */
export function measuredSlices(ctx: Pick<SliceContext, 'grid' | 'range'>): { firstStart: number; count: number; sliceMs: number } {
  const { first, end } = sliceIndicesWithin(ctx.grid, ctx.range);
  return { firstStart: sliceStart(ctx.grid, first), count: end - first, sliceMs: ctx.grid.sliceMs };
}

/** Indices [first, end) of the slices whose start lies in [from, to). */
export function sliceIndicesStartingIn(grid: SliceGrid, from: number, to: number): { first: number; end: number } {
  const first = Math.ceil((from - grid.origin) / grid.sliceMs);
  const end = Math.max(first, Math.ceil((to - grid.origin) / grid.sliceMs));
  return { first, end };
}

function calendar(m: MaintenanceCalendar | readonly Interval[]): MaintenanceCalendar {
  return 'sliceExcluded' in m ? m : calendarOf(m);
}

/** Index observations by grid slice; misaligned or duplicate slices are errors, not guesses. */
export function indexObservations(grid: SliceGrid, observations: Iterable<SliceObservation>): Map<number, SliceObservation> {
  const byIndex = new Map<number, SliceObservation>();
  for (const o of observations) {
    const k = sliceIndexAt(grid, o.start);
    if (byIndex.has(k)) throw new RangeError(`two observations for the slice starting ${new Date(o.start).toISOString()}`);
    byIndex.set(k, o);
  }
  return byIndex;
}

/** The status a slice has before looking at data: '.', 'x', or null (measured; data decides). */
function frameStatus(ctx: SliceContext, cal: MaintenanceCalendar, index: number): '.' | 'x' | null {
  const s = sliceStart(ctx.grid, index);
  const e = s + ctx.grid.sliceMs;
  if (!ctx.range || s < ctx.range.start || e > ctx.range.end) return '.';
  return cal.sliceExcluded(s, e) ? 'x' : null;
}

/** Classify slices [first, first + count) of the context's grid from their observations. */
export function classifySlices(ctx: SliceContext, first: number, count: number, observations: Pick<ReadonlyMap<number, SliceObservation>, 'get'>): SliceBlock {
  const cal = calendar(ctx.maintenance);
  const ratio = exactFraction(ctx.sliceGoodRatio);
  // A slice whose every event is good is 'g' and adds no error whenever the ratio is at most 1 (no
  // product or division: most slices of most services, on every tick).
  const allGoodIsGood = ratio.n <= ratio.d;
  let goodUnits = 0n;
  let totalUnits = 0n;
  let errorUnits = 0n;
  let clampedSlices = 0;
  const chars: string[] = new Array(count);
  for (let j = 0; j < count; j++) {
    const k = first + j;
    const frame = frameStatus(ctx, cal, k);
    if (frame) {
      chars[j] = frame;
      continue;
    }
    const o = observations.get(k);
    if (o?.gap) {
      chars[j] = '?';
      continue;
    }
    const total = countUnits(o?.total);
    if (total === null || total <= 0n) {
      chars[j] = 'n';
      continue;
    }
    let good = countUnits(o?.good) ?? 0n;
    if (good === total && allGoodIsGood) {
      chars[j] = 'g';
      goodUnits += good;
      totalUnits += total;
      continue;
    }
    if (good < 0n) {
      good = 0n;
      clampedSlices++;
    } else if (good > total) {
      good = total;
      clampedSlices++;
    }
    // bad when good / total < n / d, i.e. good·d < n·total (exact)
    chars[j] = good * ratio.d < ratio.n * total ? 'b' : 'g';
    goodUnits += good;
    totalUnits += total;
    errorUnits += errorRatioUnits(good, total);
  }
  return { firstIndex: first, statuses: chars.join(''), goodUnits, totalUnits, errorRatioUnits: errorUnits, clampedSlices };
}

/** The block of all slices measured in the context's range (raw path). */
export function classifyMeasuredSlices(ctx: SliceContext, observations: Iterable<SliceObservation>): SliceBlock {
  const { first, end } = sliceIndicesWithin(ctx.grid, ctx.range);
  return classifySlices(ctx, first, end - first, indexObservations(ctx.grid, observations));
}

/**
 * Roll up the slices that start in [hourStart, hourEnd) (default: one hour). Observations outside
 * the block are ignored. Blocks that tile time put every slice in exactly one rollup.
 */
export function summariseHour(ctx: SliceContext, hourStart: number, observations: Iterable<SliceObservation>, hourEnd: number = hourStart + 3_600_000): SliceRollup {
  return summariseHourBlock(ctx, hourStart, observations, hourEnd).rollup;
}

/** summariseHour, with the classified block whose exact sums the rollup writes as decimal strings. */
export function summariseHourBlock(
  ctx: SliceContext,
  hourStart: number,
  observations: Iterable<SliceObservation>,
  hourEnd: number = hourStart + 3_600_000,
): { rollup: SliceRollup; block: SliceBlock } {
  const { first, end } = sliceIndicesStartingIn(ctx.grid, hourStart, hourEnd);
  // By offset in the block (an hour holds at most a few hundred slices; a Map per hour cost more than the
  // classification). Observations outside the block are ignored, after the same checks indexObservations makes.
  const inBlock: Array<SliceObservation | undefined> = new Array(end - first);
  let outside: Set<number> | undefined;
  let seen = false;
  for (const o of observations) {
    const k = sliceIndexAt(ctx.grid, o.start);
    const inside = k >= first && k < end;
    if (inside ? inBlock[k - first] !== undefined : outside?.has(k)) throw new RangeError(`two observations for the slice starting ${new Date(o.start).toISOString()}`);
    if (inside) {
      inBlock[k - first] = o;
      if (!o.gap && o.total !== null) seen = true; // NaN too: a sample, the series exists (as the fetch counts it)
    } else (outside ??= new Set()).add(k);
  }
  const b = classifySlices(ctx, first, end - first, { get: (k) => inBlock[k - first] });
  const rollup: SliceRollup = {
    start: sliceStart(ctx.grid, first),
    sliceSeconds: ctx.grid.sliceMs / 1000,
    sliceGoodRatio: ctx.sliceGoodRatio,
    statuses: b.statuses,
    goodSum: unitsToDecimal(b.goodUnits, COUNT_SCALE),
    totalSum: unitsToDecimal(b.totalUnits, COUNT_SCALE),
    errorRatioSum: unitsToDecimal(b.errorRatioUnits, RATIO_SCALE),
    clampedSlices: b.clampedSlices,
    seen,
  };
  return { rollup, block: b };
}

/**
 * Reassemble the measured block from rollups. Slices no rollup covers are gaps ('?'; or excluded /
 * not measured, as the context says); so is a slice a rollup marks '.' (e.g. it was made before
 * asOf reached it) that the context measures. Otherwise a rollup must agree with the context on
 * which slices are '.' and 'x' and on sliceGoodRatio (else it was made for another term, asOf or
 * maintenance: recompute it), and rollups must not overlap; violations throw.
 */
export function blockFromRollups(ctx: SliceContext, rollups: Iterable<SliceRollup>): SliceBlock {
  const cal = calendar(ctx.maintenance);
  const { first, end } = sliceIndicesWithin(ctx.grid, ctx.range);
  const chars: (string | undefined)[] = new Array(end - first);
  let goodUnits = 0n;
  let totalUnits = 0n;
  let errorUnits = 0n;
  let clampedSlices = 0;
  for (const r of rollups) {
    if (r.sliceSeconds * 1000 !== ctx.grid.sliceMs) throw new RangeError(`rollup at ${new Date(r.start).toISOString()} has ${r.sliceSeconds}s slices, expected ${ctx.grid.sliceMs / 1000}s`);
    // (records written before the field existed have none; the store's definition hash covers them)
    if (r.sliceGoodRatio !== undefined && r.sliceGoodRatio !== ctx.sliceGoodRatio) throw new RangeError(`rollup at ${new Date(r.start).toISOString()} was made with sliceGoodRatio ${r.sliceGoodRatio}, not ${ctx.sliceGoodRatio}: recompute it`);
    const r0 = sliceIndexAt(ctx.grid, r.start);
    let hasData = false;
    for (let j = 0; j < r.statuses.length; j++) {
      const k = r0 + j;
      const c = r.statuses[j]!;
      if (!'gbn?x.'.includes(c)) throw new RangeError(`rollup at ${new Date(r.start).toISOString()}: bad status character ${JSON.stringify(c)}`);
      const frame = frameStatus(ctx, cal, k);
      if (c === '.' && frame === null) continue; // not covered by this rollup: filled in as no data below
      const expectFrame = frame ?? 'measured';
      const gotFrame = c === '.' || c === 'x' ? c : 'measured';
      if (expectFrame !== gotFrame) {
        throw new RangeError(`rollup at ${new Date(r.start).toISOString()} does not match the measurement context at slice ${new Date(sliceStart(ctx.grid, k)).toISOString()} (rollup '${c}', context '${frame ?? 'g/b/n/?'}'): recompute it`);
      }
      if (c === 'g' || c === 'b') hasData = true;
      if (k < first || k >= end) continue; // '.' outside the measured range
      if (chars[k - first] !== undefined) throw new RangeError(`rollups overlap at slice ${new Date(sliceStart(ctx.grid, k)).toISOString()}`);
      chars[k - first] = c;
    }
    if (hasData) {
      goodUnits += decimalToUnits(r.goodSum, COUNT_SCALE);
      totalUnits += decimalToUnits(r.totalSum, COUNT_SCALE);
      errorUnits += decimalToUnits(r.errorRatioSum, RATIO_SCALE);
      clampedSlices += r.clampedSlices;
    }
  }
  for (let k = first; k < end; k++) {
    // A measured slice no rollup covers is unknown: a gap, never silence.
    if (chars[k - first] === undefined) chars[k - first] = frameStatus(ctx, cal, k) ?? '?';
  }
  return { firstIndex: first, statuses: chars.join(''), goodUnits, totalUnits, errorRatioUnits: errorUnits, clampedSlices };
}
