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
import type { Decimal } from 'decimal.js';
import type { MeasurementSpec, Method, NoData } from '../contract/model.js';
import { COUNT_SCALE, RATIO_ONE, percentOf, unitsToDecimal } from './exact.js';
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
  | 'open-bad-run';

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
  flags: MeasurementFlag[];
}

/** Spec fields the methods read. */
export type MethodSpec = Pick<MeasurementSpec, 'method' | 'sliceSeconds' | 'sliceGoodRatio' | 'minConsecutiveBadSlices' | 'noData'>;

interface SliceCounts {
  good: number;
  bad: number;
  noData: number;
  excluded: number;
  data: number;
  openBadRun: boolean;
}

/** Count slices; with `runs`, apply minConsecutiveBadSlices (timeslices). */
export function countSlices(statuses: string, noData: NoData, minRun: number, runs: boolean): SliceCounts {
  let good = 0;
  let bad = 0;
  let nd = 0;
  let excluded = 0;
  let data = 0;
  let run = 0;
  const minimum = runs ? Math.max(1, minRun) : 1;
  const closeRun = () => {
    if (run >= minimum) bad += run;
    else good += run;
    run = 0;
  };
  for (let i = 0; i < statuses.length; i++) {
    let c = statuses[i]!;
    if (c === '.') continue;
    if (c === 'x') {
      excluded++;
      closeRun();
      continue;
    }
    if (c === 'n') {
      nd++;
      if (noData === 'ignore') continue;
      c = noData === 'good' ? 'g' : 'b';
    } else {
      data++;
    }
    if (c === 'b') run++;
    else {
      closeRun();
      good++;
    }
  }
  const openBadRun = run > 0 && run < minimum;
  closeRun();
  return { good, bad, noData: nd, excluded, data, openBadRun };
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
  const c = countSlices(block.statuses, spec.noData, spec.minConsecutiveBadSlices, spec.method === 'timeslices');
  const sliceMinutes = spec.sliceSeconds / 60;
  const measuredSlices = c.good + c.bad + (spec.noData === 'ignore' ? c.noData : 0);
  const flags = new Set<MeasurementFlag>(extraFlags);
  if (c.excluded > 0) flags.add('maintenance');
  if (block.clampedSlices > 0) flags.add('inconsistent-data');

  let achieved: Decimal | null = null;
  if (measuredSlices === 0) {
    if (!flags.has('outside-term')) flags.add('nothing-measured');
  } else if (c.data === 0) {
    flags.add('no-data');
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
    goodEvents: Number(unitsToDecimal(block.goodUnits, COUNT_SCALE)),
    totalEvents: Number(unitsToDecimal(block.totalUnits, COUNT_SCALE)),
    goodEventsDecimal: unitsToDecimal(block.goodUnits, COUNT_SCALE),
    totalEventsDecimal: unitsToDecimal(block.totalUnits, COUNT_SCALE),
    flags: [...flags].sort(),
  };
}
