// The three measurement methods of the contract format, computed from a block of classified slices
// (slices.ts). Raw slices and hourly rollups both end here, so they cannot disagree.
//
// Decisions (the spec leaves them open):
// - Time before/after the measured range and partial slices at its edges are not measured ('.').
// - measuredMinutes is the measured, non-excluded time (whole slices), no-data slices included;
//   excludedMinutes is the time of slices left out for maintenance (whole slices, so it can be more
//   than the maintenance itself).
// - timeslices, minConsecutiveBadSlices: a run is a sequence of adjacent bad slices. An excluded
//   slice ('x') breaks a run (maintenance interrupts "consecutive minutes"). A no-data slice is
//   good (breaks a run) with noData: good, bad (extends it) with noData: bad, and is skipped (neither
//   breaks nor extends) with noData: ignore. Runs never cross the measured range's edges.
// - goodSlices / badSlices are the counts the achieved value is computed from: no-data slices are in
//   them per noData (ignore: in neither); noDataSlices counts them separately as well. For events and
//   averaged they are informational (classified by sliceGoodRatio, no run rule).
// - No data at all (no slice with total > 0) → achieved null + 'no-data', whatever noData says.
// - Gaps ('?': missing measurement, see slices.ts) are neither good nor bad: they are left out of
//   every count, break a run of bad slices as maintenance does, and lower the coverage
//   (covered ÷ expected minutes, maintenance excluded). Below the SLA's minCoverage (default 0.99),
//   or with a partial response from Prometheus, the result is 'incomplete-data': not a number
//   anybody may pay, claim or gate on.
import type { Decimal } from 'decimal.js';
import type { MeasurementSpec, Method, NoData } from '../contract/model.js';
import { COUNT_SCALE, RATIO_ONE, exactFraction, percentOf, unitsToDecimal } from './exact.js';
import type { SliceBlock } from './slices.js';

export type MeasurementFlag =
  /** No slice of the measured range had data: achieved is unknown, no credit, review. */
  | 'no-data'
  /** The measured range has no slice left to measure (all excluded or shorter than a slice). */
  | 'nothing-measured'
  /** The period lies outside the contract term (or entirely after asOf). */
  | 'outside-term'
  /** The measured range is not the whole period (term start/end, or period-to-date). */
  | 'partial-period'
  /** Some slices overlapped maintenance and were left out. */
  | 'maintenance'
  /** Some slices had good < 0 or good > total; good was clamped to [0, total]. */
  | 'inconsistent-data'
  /**
   * The range ends inside a run of bad slices shorter than minConsecutiveBadSlices, counted good.
   * Period-to-date it may still grow; at a period's end it may continue into the next period (runs
   * do not cross the measured range: review).
   */
  | 'open-bad-run'
  /** Some slices had no measurement (gaps): they are left out, and coverage says how much. */
  | 'gaps'
  /** Prometheus answered with warnings (a partial response from Thanos, Mimir or Cortex). */
  | 'partial-response'
  /** Coverage below minCoverage, or a partial response: the result must not be paid, claimed or gated on. */
  | 'incomplete-data';

/** How much of what should have been measured was: every result carries it. */
export interface Coverage {
  /** Minutes that should have been measured: slices in the measured range, maintenance excluded. */
  expectedMinutes: number;
  /** Of those, minutes with data or known silence (no traffic). */
  coveredMinutes: number;
  /** Of those, minutes without a measurement (gaps). */
  gapMinutes: number;
  /** Minutes of slices left out for maintenance. */
  excludedMinutes: number;
  /** coveredMinutes ÷ expectedMinutes; null when nothing was expected. */
  ratio: number | null;
  /** The SLA's measurement.minCoverage. */
  minimum: number;
  /** Some answer behind this result carried Prometheus warnings. */
  partialResponse: boolean;
  /** ratio ≥ minimum (or nothing expected) and no partial response. */
  complete: boolean;
}

export interface Measurement {
  method: Method;
  /** Achieved percent in [0, 100] as a float (display); null when unknown. */
  achieved: number | null;
  /** The same, exact decimal string (40 significant digits for non-terminating quotients). Tiers use this. */
  achievedDecimal: string | null;
  sliceSeconds: number;
  /** Measured, non-excluded time in minutes (whole slices). */
  measuredMinutes: number;
  /** Time of slices left out for maintenance, in minutes. */
  excludedMinutes: number;
  /** badSlices × slice minutes. */
  badMinutes: number;
  goodSlices: number;
  badSlices: number;
  noDataSlices: number;
  excludedSlices: number;
  /** Σ good / Σ total over data slices, as floats (display) and exact decimal strings. */
  goodEvents: number;
  totalEvents: number;
  goodEventsDecimal: string;
  totalEventsDecimal: string;
  gapSlices: number;
  coverage: Coverage;
  flags: MeasurementFlag[];
}

/** Spec fields the methods read. */
export type MethodSpec = Pick<MeasurementSpec, 'method' | 'sliceSeconds' | 'sliceGoodRatio' | 'minConsecutiveBadSlices' | 'noData'> &
  Partial<Pick<MeasurementSpec, 'minCoverage'>>;

/** The default of measurement.minCoverage (spec: 0.99). */
export const DEFAULT_MIN_COVERAGE = 0.99;

interface SliceCounts {
  good: number;
  bad: number;
  noData: number;
  excluded: number;
  data: number;
  gaps: number;
  openBadRun: boolean;
}

/**
 * A running count of classified slices that can be fed block by block (hour by hour) and resumed: the
 * counts and exact sums so far, and the bad run still open at the end (it may continue into the next
 * block). countSlices is one feed then finish; serve keeps one per SLA for the complete hours so far.
 */
export interface SliceTally {
  good: number;
  bad: number;
  noData: number;
  excluded: number;
  data: number;
  gaps: number;
  /** Length of the run of bad slices at the end, not yet counted good or bad. */
  run: number;
  goodUnits: bigint;
  totalUnits: bigint;
  errorRatioUnits: bigint;
  clampedSlices: number;
}

export function emptyTally(): SliceTally {
  return { good: 0, bad: 0, noData: 0, excluded: 0, data: 0, gaps: 0, run: 0, goodUnits: 0n, totalUnits: 0n, errorRatioUnits: 0n, clampedSlices: 0 };
}

export function copyTally(t: SliceTally): SliceTally {
  return { ...t };
}

/** Feed a status string (and, optionally, the block's exact sums) into a tally, in time order. */
export function feedTally(
  t: SliceTally,
  statuses: string,
  spec: Pick<MethodSpec, 'noData' | 'minConsecutiveBadSlices' | 'method'>,
  sums?: { goodUnits: bigint; totalUnits: bigint; errorRatioUnits: bigint; clampedSlices: number },
): void {
  const minimum = spec.method === 'timeslices' ? Math.max(1, spec.minConsecutiveBadSlices) : 1;
  const closeRun = () => {
    if (t.run >= minimum) t.bad += t.run;
    else t.good += t.run;
    t.run = 0;
  };
  for (let i = 0; i < statuses.length; i++) {
    let c = statuses[i]!;
    if (c === '.') continue;
    if (c === 'x' || c === '?') {
      if (c === 'x') t.excluded++;
      else t.gaps++;
      closeRun();
      continue;
    }
    if (c === 'n') {
      t.noData++;
      if (spec.noData === 'ignore') continue;
      c = spec.noData === 'good' ? 'g' : 'b';
    } else {
      t.data++;
    }
    if (c === 'b') t.run++;
    else {
      closeRun();
      t.good++;
    }
  }
  if (sums) {
    t.goodUnits += sums.goodUnits;
    t.totalUnits += sums.totalUnits;
    t.errorRatioUnits += sums.errorRatioUnits;
    t.clampedSlices += sums.clampedSlices;
  }
}

/** Close a tally: the open run is counted good when shorter than minConsecutiveBadSlices. */
function finishTally(t: SliceTally, spec: Pick<MethodSpec, 'minConsecutiveBadSlices' | 'method'>): SliceCounts {
  const minimum = spec.method === 'timeslices' ? Math.max(1, spec.minConsecutiveBadSlices) : 1;
  const openBadRun = t.run > 0 && t.run < minimum;
  const good = t.good + (t.run >= minimum ? 0 : t.run);
  const bad = t.bad + (t.run >= minimum ? t.run : 0);
  return { good, bad, noData: t.noData, excluded: t.excluded, data: t.data, gaps: t.gaps, openBadRun };
}

/** Count slices; with `runs`, apply minConsecutiveBadSlices (timeslices). */
export function countSlices(statuses: string, noData: NoData, minRun: number, runs: boolean): SliceCounts {
  const spec = { noData, minConsecutiveBadSlices: minRun, method: runs ? ('timeslices' as const) : ('events' as const) };
  const t = emptyTally();
  feedTally(t, statuses, spec);
  return finishTally(t, spec);
}

/** A run of slices counted bad (after minConsecutiveBadSlices), as evidence: [start, end) epoch ms. */
export interface BadRun {
  start: number;
  end: number;
  slices: number;
}

/**
 * The runs of slices that a timeslices measurement counts as bad, from a block's status string
 * (classifyMeasuredSlices(...) or blockFromRollups(...)): the downtime periods behind badMinutes.
 * Skipped no-data slices (noData: ignore) inside a run are part of its time span.
 */
export function badRuns(block: Pick<SliceBlock, 'firstIndex' | 'statuses'>, grid: { origin: number; sliceMs: number }, spec: Pick<MethodSpec, 'noData' | 'minConsecutiveBadSlices'>): BadRun[] {
  const out: BadRun[] = [];
  const minimum = Math.max(1, spec.minConsecutiveBadSlices);
  let runStart = -1;
  let runEnd = -1;
  let count = 0;
  const close = () => {
    if (count >= minimum) out.push({ start: grid.origin + runStart * grid.sliceMs, end: grid.origin + runEnd * grid.sliceMs, slices: count });
    count = 0;
  };
  for (let i = 0; i < block.statuses.length; i++) {
    const k = block.firstIndex + i;
    let c = block.statuses[i]!;
    if (c === 'n') {
      if (spec.noData === 'ignore') continue;
      c = spec.noData === 'good' ? 'g' : 'b';
    }
    if (c === 'b') {
      if (count === 0) runStart = k;
      runEnd = k + 1;
      count++;
    } else close();
  }
  close();
  return out;
}

/** Measure a block of classified slices (the whole measured range) by the spec's method. */
export function measureBlock(block: SliceBlock, spec: MethodSpec, extraFlags: readonly MeasurementFlag[] = []): Measurement {
  const t = emptyTally();
  feedTally(t, block.statuses, spec, block);
  return measureTally(t, spec, extraFlags);
}

/** Measure from a tally of the whole measured range (measureBlock, or serve's period-to-date state). */
export function measureTally(tally: SliceTally, spec: MethodSpec, extraFlags: readonly MeasurementFlag[] = []): Measurement {
  const c = finishTally(tally, spec);
  const block = tally;
  const sliceMinutes = spec.sliceSeconds / 60;
  const measuredSlices = c.good + c.bad + (spec.noData === 'ignore' ? c.noData : 0);
  const flags = new Set<MeasurementFlag>(extraFlags);
  if (c.excluded > 0) flags.add('maintenance');
  if (block.clampedSlices > 0) flags.add('inconsistent-data');
  const coverage = coverageOf(c, sliceMinutes, spec.minCoverage ?? DEFAULT_MIN_COVERAGE, flags.has('partial-response'));
  if (c.gaps > 0) flags.add('gaps');
  if (!coverage.complete) flags.add('incomplete-data');

  let achieved: Decimal | null = null;
  if (measuredSlices === 0) {
    if (!flags.has('outside-term') && c.gaps === 0) flags.add('nothing-measured');
  } else if (c.data === 0) {
    // Silence (no traffic at all) asks for review; a range that is only gaps is incomplete, not silent.
    if (c.noData > 0) flags.add('no-data');
  } else if (spec.method === 'events') {
    achieved = percentOf(block.goodUnits, block.totalUnits);
  } else if (spec.method === 'timeslices') {
    if (c.openBadRun) flags.add('open-bad-run');
    achieved = percentOf(BigInt(c.good), BigInt(c.good + c.bad));
  } else {
    // averaged: data slices contribute their error ratio; no-data slices 0 (good), 1 (bad) or nothing.
    const n = BigInt(c.data + (spec.noData === 'ignore' ? 0 : c.noData));
    const errors = block.errorRatioUnits + (spec.noData === 'bad' ? BigInt(c.noData) * RATIO_ONE : 0n);
    achieved = percentOf(n * RATIO_ONE - errors, n * RATIO_ONE);
  }
  const goodEventsDecimal = unitsToDecimal(block.goodUnits, COUNT_SCALE);
  const totalEventsDecimal = unitsToDecimal(block.totalUnits, COUNT_SCALE);
  return {
    method: spec.method,
    achieved: achieved === null ? null : achieved.toNumber(),
    achievedDecimal: achieved === null ? null : achieved.toFixed(),
    sliceSeconds: spec.sliceSeconds,
    measuredMinutes: measuredSlices * sliceMinutes,
    excludedMinutes: c.excluded * sliceMinutes,
    badMinutes: c.bad * sliceMinutes,
    goodSlices: c.good,
    badSlices: c.bad,
    noDataSlices: c.noData,
    excludedSlices: c.excluded,
    goodEvents: Number(goodEventsDecimal),
    totalEvents: Number(totalEventsDecimal),
    goodEventsDecimal,
    totalEventsDecimal,
    gapSlices: c.gaps,
    coverage,
    flags: [...flags].sort(),
  };
}

function coverageOf(c: SliceCounts, sliceMinutes: number, minimum: number, partialResponse: boolean): Coverage {
  const covered = c.data + c.noData;
  const expected = covered + c.gaps;
  const ratio = expected === 0 ? null : covered / expected;
  // Compared exactly: covered × d ≥ n × expected for minimum = n/d as written (0.99 is 99/100).
  const m = exactFraction(minimum);
  const enough = expected === 0 || BigInt(covered) * m.d >= m.n * BigInt(expected);
  return {
    expectedMinutes: expected * sliceMinutes,
    coveredMinutes: covered * sliceMinutes,
    gapMinutes: c.gaps * sliceMinutes,
    excludedMinutes: c.excluded * sliceMinutes,
    ratio,
    minimum,
    partialResponse,
    complete: enough && !partialResponse,
  };
}

/** Coverage of a time window [fromMs, toMs) from classified slices (the burn-rate windows' coverage). */
export interface WindowCoverage {
  /** Minutes of the window the slices cover that should have been measured (maintenance excluded). */
  expectedMinutes: number;
  coveredMinutes: number;
  /** coveredMinutes ÷ expectedMinutes; null when the slices cover nothing of the window. */
  ratio: number | null;
}

/**
 * Coverage of the slices lying entirely inside [fromMs, toMs): data or silence against gaps. Slices
 * the block does not hold (before its range, e.g. a window reaching back before the period start) are
 * not counted: the window is judged on the part the block covers.
 */
export function windowCoverage(block: Pick<SliceBlock, 'firstIndex' | 'statuses'>, grid: { origin: number; sliceMs: number }, fromMs: number, toMs: number): WindowCoverage {
  const first = Math.max(block.firstIndex, Math.ceil((fromMs - grid.origin) / grid.sliceMs));
  const end = Math.min(block.firstIndex + block.statuses.length, Math.floor((toMs - grid.origin) / grid.sliceMs));
  let covered = 0;
  let gaps = 0;
  for (let k = first; k < end; k++) {
    const c = block.statuses[k - block.firstIndex];
    if (c === 'g' || c === 'b' || c === 'n') covered++;
    else if (c === '?') gaps++;
  }
  const sliceMinutes = grid.sliceMs / 60_000;
  const expected = covered + gaps;
  return { expectedMinutes: expected * sliceMinutes, coveredMinutes: covered * sliceMinutes, ratio: expected === 0 ? null : covered / expected };
}

/** Occurrences of `ch` in s[lo, hi). */
function countChar(s: string, ch: string, lo: number, hi: number): number {
  let n = 0;
  for (let i = s.indexOf(ch, lo); i !== -1 && i < hi; i = s.indexOf(ch, i + 1)) n++;
  return n;
}

/**
 * windowCoverage for several windows ending at the same instant, in one backward pass over the slices
 * (the longest window's length, not the sum of all windows).
 */
export function windowCoverages(
  block: Pick<SliceBlock, 'firstIndex' | 'statuses'>,
  grid: { origin: number; sliceMs: number },
  toMs: number,
  windowsMs: readonly number[],
): WindowCoverage[] {
  const end = Math.min(block.firstIndex + block.statuses.length, Math.floor((toMs - grid.origin) / grid.sliceMs));
  const starts = windowsMs.map((w) => Math.max(block.firstIndex, Math.ceil((toMs - w - grid.origin) / grid.sliceMs)));
  const order = windowsMs.map((_, i) => i).sort((a, b) => starts[b]! - starts[a]!);
  const out: WindowCoverage[] = new Array(windowsMs.length);
  const sliceMinutes = grid.sliceMs / 60_000;
  let covered = 0;
  let gaps = 0;
  // Segment by segment from the end (windows share their end): [starts[i], previous start). Serve does
  // this over three days of minutes for every SLA on every tick, so the rare characters are counted
  // with the native indexOf and the covered ones are what remains.
  let k = end;
  const statuses = block.statuses;
  const first = block.firstIndex;
  for (const i of order) {
    // An empty segment (a window no longer than the previous one) counts nothing.
    const from = Math.min(starts[i]!, k);
    const lo = from - first;
    const hi = k - first;
    const g = countChar(statuses, '?', lo, hi);
    gaps += g;
    covered += hi - lo - g - countChar(statuses, 'x', lo, hi) - countChar(statuses, '.', lo, hi);
    k = from;
    const expected = covered + gaps;
    out[i] = { expectedMinutes: expected * sliceMinutes, coveredMinutes: covered * sliceMinutes, ratio: expected === 0 ? null : covered / expected };
  }
  return out;
}
