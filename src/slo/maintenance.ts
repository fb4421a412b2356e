// Maintenance windows as merged [start, end) intervals. One-off windows are RFC 3339 instants;
// recurring windows are a cron schedule evaluated in the contract's zone (cron-parser, `tz`), each
// occurrence lasting `durationMinutes`. On a DST spring-forward day an occurrence at a local time
// that does not exist moves to the first instant after the gap (cron-parser's behaviour); on a
// fall-back day a local time that happens twice produces one occurrence (the first).
import { CronExpressionParser } from 'cron-parser';
import type { MaintenanceDoc } from '../contract/schema.js';
import { type Interval, intersect, mergeIntervals } from './interval.js';

/**
 * Guard against schedules such as `* * * * *` over a long range: more occurrences than this per
 * window and range is an error (cron-parser needs ~20 µs per occurrence; a quarter of 5-minute
 * windows is 26,208).
 */
export const MAX_OCCURRENCES = 50_000;

export interface ExpandOptions {
  maxOccurrences?: number;
}

function oneOff(w: MaintenanceDoc): w is Extract<MaintenanceDoc, { start: string }> {
  return 'start' in w;
}

function parseInstant(s: string): number {
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) throw new RangeError(`not an RFC 3339 instant: ${s}`);
  return ms;
}

/** Occurrence starts of a cron schedule in `zone` whose window [s, s + durationMs) overlaps range. */
export function cronOccurrences(schedule: string, zone: string, durationMs: number, range: Interval, options: ExpandOptions = {}): number[] {
  const max = options.maxOccurrences ?? MAX_OCCURRENCES;
  // next() is strictly after currentDate, and a window overlaps iff s > range.start - durationMs.
  const it = CronExpressionParser.parse(schedule, { currentDate: new Date(range.start - durationMs), tz: zone });
  const out: number[] = [];
  for (;;) {
    const s = it.next().getTime();
    if (s >= range.end) break;
    if (out.length >= max) throw new RangeError(`maintenance schedule "${schedule}" has more than ${max} occurrences in the range`);
    out.push(s);
  }
  return out;
}

/**
 * All maintenance windows overlapping `range`, clipped to it, merged into disjoint sorted intervals.
 */
export function maintenanceIntervals(windows: readonly MaintenanceDoc[], zone: string, range: Interval, options: ExpandOptions = {}): Interval[] {
  const raw: Interval[] = [];
  if (!(range.end > range.start)) return raw;
  for (const w of windows) {
    if (oneOff(w)) {
      const i = intersect({ start: parseInstant(w.start), end: parseInstant(w.end) }, range);
      if (i) raw.push(i);
    } else {
      const d = w.durationMinutes * 60_000;
      for (const s of cronOccurrences(w.schedule, zone, d, range, options)) {
        const i = intersect({ start: s, end: s + d }, range);
        if (i) raw.push(i);
      }
    }
  }
  return mergeIntervals(raw);
}

/** Milliseconds of `range` covered by the (disjoint) intervals. */
export function excludedMs(intervals: readonly Interval[], range: Interval): number {
  let sum = 0;
  for (const i of intervals) {
    const x = intersect(i, range);
    if (x) sum += x.end - x.start;
  }
  return sum;
}

/** First index in sorted disjoint `intervals` whose end is after t (binary search). */
function firstEndingAfter(intervals: readonly Interval[], t: number): number {
  let lo = 0;
  let hi = intervals.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (intervals[mid]!.end <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** True when [sliceStart, sliceEnd) overlaps any of the sorted disjoint intervals at all. */
export function overlapsAny(intervals: readonly Interval[], sliceStart: number, sliceEnd: number): boolean {
  const k = firstEndingAfter(intervals, sliceStart);
  return k < intervals.length && intervals[k]!.start < sliceEnd;
}

/** Maintenance of one contract over one range: the intervals and the questions asked of them. */
export interface MaintenanceCalendar {
  /** Merged, sorted, clipped to the range it was built for. */
  readonly intervals: readonly Interval[];
  /** Excluded milliseconds within `range`. */
  excludedMs(range: Interval): number;
  /** A slice that overlaps a maintenance window at all is left out of the measurement. */
  sliceExcluded(sliceStart: number, sliceEnd: number): boolean;
}

export function maintenanceCalendar(windows: readonly MaintenanceDoc[], zone: string, range: Interval): MaintenanceCalendar {
  return calendarOf(maintenanceIntervals(windows, zone, range));
}

/** Wrap already merged, sorted intervals (e.g. from a store) as a calendar. */
export function calendarOf(intervals: readonly Interval[]): MaintenanceCalendar {
  const merged = mergeIntervals(intervals);
  return {
    intervals: merged,
    excludedMs: (range) => excludedMs(merged, range),
    sliceExcluded: (s, e) => overlapsAny(merged, s, e),
  };
}



/** The contract's maintenance at one instant: whether a window covers `atMs`, its reason and end. */
export interface ActiveMaintenance {
  active: boolean;
  reason?: string;
  /** Start and end (epoch ms) of the covering window. */
  start?: number;
  end?: number;
}

/** Is a maintenance window (one-off or recurring, cron in `zone`) in force at `atMs`? */
export function maintenanceAt(windows: readonly MaintenanceDoc[], zone: string, atMs: number): ActiveMaintenance {
  let best: ActiveMaintenance = { active: false };
  for (const w of windows) {
    let hits: Interval[] = [];
    if (oneOff(w)) hits = [{ start: parseInstant(w.start), end: parseInstant(w.end) }];
    else {
      // A recurring window covering atMs started at most durationMinutes before it.
      const d = w.durationMinutes * 60_000;
      hits = cronOccurrences(w.schedule, zone, d, { start: atMs - d, end: atMs + 1 }).map((s) => ({ start: s, end: s + d }));
    }
    for (const h of hits) {
      if (h.start <= atMs && atMs < h.end && (!best.active || h.end > (best.end ?? 0))) best = { active: true, reason: w.reason, start: h.start, end: h.end };
    }
  }
  return best;
}
