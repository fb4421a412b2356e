import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  measuredRange,
  monthsInPeriod,
  nextPeriod,
  parsePeriodLabel,
  periodContaining,
  periodLabel,
  periodLastDay,
  periodMinutes,
  periodsOverlapping,
  previousPeriod,
  termRange,
} from '../../src/slo/periods.js';
import { gridOf, sliceIndicesWithin } from '../../src/slo/slices.js';

const H = 3_600_000;
const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/Sao_Paulo', 'Pacific/Chatham', 'America/Santiago'];
const ny = { timezone: 'America/New_York', termStart: '2026-01-01' };

describe('periods: hand-computed examples', () => {
  it('March 2026 in America/New_York has 743 h = 44,580 minutes (DST starts 8 March)', () => {
    const p = parsePeriodLabel('2026-03', 'America/New_York');
    // 1 March 00:00 EST (UTC-5) = 05:00Z; 1 April 00:00 EDT (UTC-4) = 04:00Z.
    expect(p.start).toBe(Date.UTC(2026, 2, 1, 5));
    expect(p.end).toBe(Date.UTC(2026, 3, 1, 4));
    expect(periodMinutes(p)).toBe(44_580);
    expect(p).toMatchObject({ kind: 'month', label: '2026-03', zone: 'America/New_York' });
  });

  it('November 2026 in America/New_York has 30 × 24 + 1 = 721 h (DST ends 1 November)', () => {
    const p = parsePeriodLabel('2026-11', 'America/New_York');
    expect(p.start).toBe(Date.UTC(2026, 10, 1, 4)); // EDT
    expect(p.end).toBe(Date.UTC(2026, 11, 1, 5)); // EST
    expect((p.end - p.start) / H).toBe(721);
  });

  it('October 2026 in Europe/Berlin has 31 × 24 + 1 = 745 h (DST ends 25 October)', () => {
    const p = parsePeriodLabel('2026-10', 'Europe/Berlin');
    expect(p.start).toBe(Date.UTC(2026, 8, 30, 22)); // CEST, UTC+2
    expect(p.end).toBe(Date.UTC(2026, 9, 31, 23)); // CET, UTC+1
    expect((p.end - p.start) / H).toBe(745);
  });

  it('Lord Howe: April 2026 is 720.5 h (30-minute DST change on 5 April)', () => {
    const p = parsePeriodLabel('2026-04', 'Australia/Lord_Howe');
    expect(p.start).toBe(Date.UTC(2026, 2, 31, 13)); // +11:00
    expect(p.end).toBe(Date.UTC(2026, 3, 30, 13, 30)); // +10:30
    expect((p.end - p.start) / H).toBe(720.5);
  });

  it('where midnight is skipped the month starts at the first instant of day 1 (Asuncion, Oct 2017)', () => {
    // Paraguay moved from -04:00 to -03:00 at 00:00 on Sunday 1 October 2017: the day starts at 01:00.
    const oct = parsePeriodLabel('2017-10', 'America/Asuncion');
    expect(oct.start).toBe(Date.UTC(2017, 9, 1, 4));
    expect(parsePeriodLabel('2017-09', 'America/Asuncion').end).toBe(oct.start);
    expect((oct.end - oct.start) / H).toBe(31 * 24 - 1);
  });

  it('Kathmandu (+05:45, no DST): March 2026 starts 18:15Z the day before, 744 h', () => {
    const p = parsePeriodLabel('2026-03', 'Asia/Kathmandu');
    expect(p.start).toBe(Date.UTC(2026, 1, 28, 18, 15));
    expect((p.end - p.start) / H).toBe(744);
  });

  it('quarters: 2026-Q1 in New York is Jan..Mar, 2159 h; labels round-trip', () => {
    const q = parsePeriodLabel('2026-Q1', 'America/New_York');
    expect(q.start).toBe(Date.UTC(2026, 0, 1, 5));
    expect(q.end).toBe(Date.UTC(2026, 3, 1, 4));
    expect((q.end - q.start) / H).toBe((31 + 28 + 31) * 24 - 1);
    expect(monthsInPeriod(q)).toBe(3);
    expect(monthsInPeriod('month')).toBe(1);
    expect(periodContaining('quarter', 'America/New_York', Date.UTC(2026, 4, 20)).label).toBe('2026-Q2');
    expect(periodLabel('quarter', 'America/New_York', Date.UTC(2027, 0, 1, 4))).toBe('2026-Q4'); // 23:00 on 31 Dec EST
    expect(periodLabel(q)).toBe('2026-Q1');
    expect(nextPeriod(parsePeriodLabel('2026-Q4', 'UTC')).label).toBe('2027-Q1');
    expect(previousPeriod(parsePeriodLabel('2026-01', 'UTC')).label).toBe('2025-12');
    expect(periodLastDay(q)).toBe('2026-03-31');
  });

  it('the zone decides the period of an instant', () => {
    // 2026-04-01T02:00Z is still 31 March in New York, already April in Berlin.
    const t = Date.UTC(2026, 3, 1, 2);
    expect(periodLabel('month', 'America/New_York', t)).toBe('2026-03');
    expect(periodLabel('month', 'Europe/Berlin', t)).toBe('2026-04');
  });

  it('rejects bad labels and zones', () => {
    for (const l of ['2026-13', '2026-3', '2026-Q5', '2026Q1', 'march']) expect(() => parsePeriodLabel(l, 'UTC')).toThrow(RangeError);
    expect(() => parsePeriodLabel('2026-03', 'Mars/Olympus')).toThrow(RangeError);
  });
});

describe('measured range: the period cut to the term', () => {
  it('a contract starting 2026-03-15 measures March from 15 March 00:00 EDT', () => {
    const c = { timezone: 'America/New_York', termStart: '2026-03-15' };
    const p = parsePeriodLabel('2026-03', c.timezone);
    const r = measuredRange(p, c)!;
    expect(r.start).toBe(Date.UTC(2026, 2, 15, 4)); // EDT since 8 March
    expect(r.end).toBe(p.end);
    expect((r.end - r.start) / H).toBe(17 * 24);
    expect(measuredRange(parsePeriodLabel('2026-02', c.timezone), c)).toBeNull();
  });

  it('term end is an inclusive last day; asOf cuts period-to-date', () => {
    const c = { ...ny, termEnd: '2026-03-10' };
    expect(termRange(c)).toEqual({ start: Date.UTC(2026, 0, 1, 5), end: Date.UTC(2026, 2, 11, 4) });
    const p = parsePeriodLabel('2026-03', c.timezone);
    expect(measuredRange(p, c)).toEqual({ start: p.start, end: Date.UTC(2026, 2, 11, 4) });
    expect(measuredRange(parsePeriodLabel('2026-04', c.timezone), c)).toBeNull();
    expect(measuredRange(p, ny, Date.UTC(2026, 2, 2))).toEqual({ start: p.start, end: Date.UTC(2026, 2, 2) });
    expect(measuredRange(p, ny, p.start)).toBeNull();
    expect(termRange(ny).end).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('periods: properties', () => {
  const instant = fc.integer({ min: Date.UTC(1995, 0, 1), max: Date.UTC(2060, 0, 1) });
  // the named DST zones often, and any zone this runtime knows (Asuncion, Havana, Apia, ...)
  const zone = fc.oneof(fc.constantFrom(...ZONES), fc.constantFrom(...Intl.supportedValuesOf('timeZone')));
  const kind = fc.constantFrom('month' as const, 'quarter' as const);

  it('periods contain their instant and tile time with no gaps or overlaps', () => {
    fc.assert(
      fc.property(kind, zone, instant, (k, z, t) => {
        const p = periodContaining(k, z, t);
        expect(p.start <= t && t < p.end).toBe(true);
        expect(nextPeriod(p).start).toBe(p.end);
        expect(previousPeriod(p).end).toBe(p.start);
        expect(periodContaining(k, z, p.end).start).toBe(p.end);
        expect(periodContaining(k, z, p.start - 1).end).toBe(p.start);
        expect(parsePeriodLabel(p.label, z)).toEqual(p);
        // starts at the first instant of day 1 of the (quarter's first) month: local midnight, or
        // the end of the gap where a zone skips midnight (America/Asuncion, 1 October 2017)
        const local = DateTime.fromMillis(p.start, { zone: z });
        expect(local.day).toBe(1);
        if (k === 'quarter') expect((local.month - 1) % 3).toBe(0);
        expect(DateTime.fromMillis(p.start - 1, { zone: z }).month).not.toBe(local.month);
        // lengths: calendar days ± one DST shift (<= 2 h: Antarctica/Troll shifts by two hours)
        const days = (p.end - p.start) / 86_400_000;
        const min = k === 'month' ? 28 : 89;
        const max = k === 'month' ? 31 : 92;
        expect(days).toBeGreaterThanOrEqual(min - 2 / 24);
        expect(days).toBeLessThanOrEqual(max + 2 / 24);
      }),
      { numRuns: 300 },
    );
  });

  it('a quarter is exactly its three months', () => {
    fc.assert(
      fc.property(zone, instant, (z, t) => {
        const q = periodContaining('quarter', z, t);
        const ms = periodsOverlapping('month', z, q);
        expect(ms).toHaveLength(3);
        expect(ms[0]!.start).toBe(q.start);
        expect(ms[2]!.end).toBe(q.end);
      }),
      { numRuns: 150 },
    );
  });

  it('slice counts = period minutes / slice minutes', () => {
    fc.assert(
      fc.property(kind, zone, instant, fc.constantFrom(30, 60, 300, 900, 1800), (k, z, t, sliceSeconds) => {
        const p = periodContaining(k, z, t);
        const { first, end } = sliceIndicesWithin(gridOf(p.start, sliceSeconds), p);
        expect(first).toBe(0);
        expect(end - first).toBe(periodMinutes(p) / (sliceSeconds / 60));
      }),
      { numRuns: 200 },
    );
  });

  it('measured range lies inside both period and term', () => {
    const date = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }).map((ms) => new Date(ms).toISOString().slice(0, 10));
    fc.assert(
      fc.property(zone, instant, date, fc.option(date), (z, t, start, end) => {
        const c = { timezone: z, termStart: start, termEnd: end ?? undefined };
        const p = periodContaining('month', z, t);
        const r = measuredRange(p, c);
        const term = termRange(c);
        if (r) {
          expect(r.start).toBe(Math.max(p.start, term.start));
          expect(r.end).toBe(Math.min(p.end, term.end));
          expect(r.end).toBeGreaterThan(r.start);
        } else {
          expect(Math.min(p.end, term.end) <= Math.max(p.start, term.start)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});
