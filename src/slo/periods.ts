// Calendar periods (month, quarter) in the contract's IANA zone, as half-open [start, end) epoch-ms
// intervals. A period starts at the first instant of its first local day ("local midnight"; where a
// zone skips midnight on that day, luxon moves forward to the first existing instant) and ends where
// the next period starts, so consecutive periods tile time with no gap or overlap, and a month that
// contains a DST change is 743 or 745 hours long (Lord_Howe: 743.5 / 744.5).
import { DateTime } from 'luxon';
import type { Contract, PeriodKind } from '../contract/model.js';
import type { Interval } from './interval.js';

export interface Period {
  kind: PeriodKind;
  /** `YYYY-MM` for a month, `YYYY-Qn` for a quarter. */
  label: string;
  /** IANA zone the period is calendar-aligned in. */
  zone: string;
  /** Inclusive start, epoch ms. */
  start: number;
  /** Exclusive end, epoch ms (= start of the next period). */
  end: number;
}

/** The contract fields that decide the measured part of a period. */
export type TermFields = Pick<Contract, 'termStart' | 'termEnd' | 'timezone'>;

const MONTH_LABEL = /^(\d{4})-(0[1-9]|1[0-2])$/;
const QUARTER_LABEL = /^(\d{4})-Q([1-4])$/;

function zoned(atMs: number, zone: string): DateTime {
  const dt = DateTime.fromMillis(atMs, { zone });
  if (!dt.isValid) throw new RangeError(`invalid time zone or instant: ${zone} @ ${atMs} (${dt.invalidExplanation ?? dt.invalidReason})`);
  return dt;
}

/**
 * The first instant of a local date: local midnight, or where midnight is skipped the first instant
 * after it, or where midnight happens twice (clocks going back at 01:00 to 00:00, America/Havana
 * 2026-11-01) the first of the two, so that consecutive periods and days tile time.
 */
function localDateStart(year: number, month: number, day: number, zone: string): DateTime {
  const dt = DateTime.fromObject({ year, month, day }, { zone });
  if (!dt.isValid) throw new RangeError(`invalid date or time zone: ${year}-${month}-${day} ${zone} (${dt.invalidExplanation ?? dt.invalidReason})`);
  const first = dt.startOf('day');
  let best = first.toMillis();
  const midnightAsUtc = Date.UTC(year, month - 1, day);
  for (const probe of [best - 86_400_000, best + 86_400_000]) {
    const at = midnightAsUtc - DateTime.fromMillis(probe, { zone }).offset * 60_000;
    if (at >= best) continue;
    const l = DateTime.fromMillis(at, { zone });
    if (l.year === year && l.month === month && l.day === day && l.hour === 0 && l.minute === 0 && l.second === 0) best = at;
  }
  return best === first.toMillis() ? first : DateTime.fromMillis(best, { zone });
}

function firstMonthOf(kind: PeriodKind, month: number): number {
  return kind === 'month' ? month : Math.floor((month - 1) / 3) * 3 + 1;
}

function build(kind: PeriodKind, zone: string, year: number, firstMonth: number): Period {
  const start = localDateStart(year, firstMonth, 1, zone);
  const next = firstMonth - 1 + monthsInPeriod(kind); // months after January of `year`
  const end = localDateStart(year + Math.floor(next / 12), (next % 12) + 1, 1, zone);
  const label =
    kind === 'month'
      ? `${String(year).padStart(4, '0')}-${String(firstMonth).padStart(2, '0')}`
      : `${String(year).padStart(4, '0')}-Q${(firstMonth - 1) / 3 + 1}`;
  return { kind, label, zone, start: start.toMillis(), end: end.toMillis() };
}

/** 1 for a month, 3 for a quarter. */
export function monthsInPeriod(kind: PeriodKind | Period): number {
  const k = typeof kind === 'string' ? kind : kind.kind;
  return k === 'month' ? 1 : 3;
}

/** The calendar period of `kind` in `zone` that contains the instant `atMs`. */
export function periodContaining(kind: PeriodKind, zone: string, atMs: number): Period {
  const local = zoned(atMs, zone);
  const p = build(kind, zone, local.year, firstMonthOf(kind, local.month));
  // A zone whose month starts after local midnight (skipped hour) could put atMs just before
  // p.start: then it belongs to the previous period.
  if (atMs < p.start) return previousPeriod(p);
  if (atMs >= p.end) return nextPeriod(p);
  return p;
}

/** The label (`YYYY-MM` / `YYYY-Qn`) of the period containing `atMs`, or of a period. */
export function periodLabel(period: Period): string;
export function periodLabel(kind: PeriodKind, zone: string, atMs: number): string;
export function periodLabel(a: Period | PeriodKind, zone?: string, atMs?: number): string {
  if (typeof a !== 'string') return a.label;
  return periodContaining(a, zone as string, atMs as number).label;
}

/** Parse `2026-03` (month) or `2026-Q1` (quarter) into the period in `zone`. */
export function parsePeriodLabel(label: string, zone: string): Period {
  const m = MONTH_LABEL.exec(label);
  if (m) return build('month', zone, Number(m[1]), Number(m[2]));
  const q = QUARTER_LABEL.exec(label);
  if (q) return build('quarter', zone, Number(q[1]), (Number(q[2]) - 1) * 3 + 1);
  throw new RangeError(`not a period label (expected YYYY-MM or YYYY-Qn): ${label}`);
}

/** True when `label` is a syntactically valid period label. */
export function isPeriodLabel(label: string): boolean {
  return MONTH_LABEL.test(label) || QUARTER_LABEL.test(label);
}

export function nextPeriod(p: Period): Period {
  const local = zoned(p.start, p.zone);
  const n = DateTime.fromObject({ year: local.year, month: local.month, day: 1 }, { zone: p.zone }).plus({ months: monthsInPeriod(p) });
  return build(p.kind, p.zone, n.year, n.month);
}

export function previousPeriod(p: Period): Period {
  const local = zoned(p.start, p.zone);
  const n = DateTime.fromObject({ year: local.year, month: local.month, day: 1 }, { zone: p.zone }).minus({ months: monthsInPeriod(p) });
  return build(p.kind, p.zone, n.year, n.month);
}

/** The periods of `kind` that overlap [range.start, range.end), in order. */
export function periodsOverlapping(kind: PeriodKind, zone: string, range: Interval): Period[] {
  const out: Period[] = [];
  if (!(range.end > range.start)) return out;
  for (let p = periodContaining(kind, zone, range.start); p.start < range.end; p = nextPeriod(p)) out.push(p);
  return out;
}

/** Length of a period (or any interval) in minutes (may be fractional for odd zones). */
export function periodMinutes(p: Interval): number {
  return (p.end - p.start) / 60_000;
}

/**
 * The contract term as epoch ms: `termStart` (inclusive date) → its local midnight in the contract
 * zone; `termEnd` (inclusive last day) → the next local midnight; open-ended → end = +Infinity.
 */
export function termRange(contract: TermFields): Interval {
  // Every tick asks for every SLA's term: the answer depends on three strings only, so it is kept.
  const key = `${contract.termStart}\u0000${contract.termEnd ?? ''}\u0000${contract.timezone}`;
  const known = termRanges.get(key);
  if (known) return { start: known.start, end: known.end };
  const r = computeTermRange(contract);
  if (termRanges.size >= 10_000) termRanges.clear();
  termRanges.set(key, r);
  return { start: r.start, end: r.end };
}

const termRanges = new Map<string, Interval>();

function computeTermRange(contract: TermFields): Interval {
  const start = parseLocalDate(contract.termStart, contract.timezone).toMillis();
  const end = contract.termEnd
    ? parseLocalDate(contract.termEnd, contract.timezone).plus({ days: 1 }).startOf('day').toMillis()
    : Number.POSITIVE_INFINITY;
  return { start, end };
}

function parseLocalDate(date: string, zone: string): DateTime {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new RangeError(`not a date YYYY-MM-DD: ${date}`);
  return localDateStart(Number(m[1]), Number(m[2]), Number(m[3]), zone);
}

/**
 * The measured part of a period: the period cut to the contract term and, when `asOfMs` is given,
 * to the time before `asOfMs` (period-to-date). Null when nothing of the period is left.
 * Maintenance is not subtracted here (see maintenance.ts); slices are still aligned to period.start.
 */
export function measuredRange(period: Period, contract: TermFields, asOfMs?: number): Interval | null {
  const term = termRange(contract);
  const start = Math.max(period.start, term.start);
  let end = Math.min(period.end, term.end);
  if (asOfMs !== undefined) end = Math.min(end, asOfMs);
  return end > start ? { start, end } : null;
}

/**
 * The measured fraction of the period by time covered by the term (and asOf), as an exact ratio
 * numerator/denominator in ms. Maintenance does not reduce it (used for credit pro-rating).
 */
export function termCoverage(period: Period, contract: TermFields, asOfMs?: number): { coveredMs: number; periodMs: number } {
  const r = measuredRange(period, contract, asOfMs);
  return { coveredMs: r ? r.end - r.start : 0, periodMs: period.end - period.start };
}

/** The last local day of the period (YYYY-MM-DD), e.g. 2026-03-31 for 2026-03. */
export function periodLastDay(p: Period): string {
  return zoned(p.end, p.zone).minus({ days: 1 }).toISODate() as string;
}
