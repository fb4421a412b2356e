import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { calendarOf, excludedMs, maintenanceCalendar, maintenanceIntervals, overlapsAny } from '../../src/slo/maintenance.js';
import { parsePeriodLabel } from '../../src/slo/periods.js';

const H = 3_600_000;

describe('maintenance windows', () => {
  it('expands a weekly cron in the contract zone across the DST change, plus a one-off', () => {
    const march = parsePeriodLabel('2026-03', 'America/New_York');
    const got = maintenanceIntervals(
      [
        { schedule: '0 2 * * 0', durationMinutes: 120 },
        { start: '2026-03-10T01:00:00Z', end: '2026-03-10T03:00:00Z', reason: 'CVE patching' },
      ],
      'America/New_York',
      march,
    );
    // Sundays 1, 8, 15, 22, 29 March. 1 March 02:00 EST = 07:00Z. 8 March 02:00 does not exist
    // (clocks jump to 03:00 EDT) → 03:00 EDT = 07:00Z. From 15 March 02:00 EDT = 06:00Z.
    expect(got).toEqual([
      { start: Date.UTC(2026, 2, 1, 7), end: Date.UTC(2026, 2, 1, 9) },
      { start: Date.UTC(2026, 2, 8, 7), end: Date.UTC(2026, 2, 8, 9) },
      { start: Date.UTC(2026, 2, 10, 1), end: Date.UTC(2026, 2, 10, 3) },
      { start: Date.UTC(2026, 2, 15, 6), end: Date.UTC(2026, 2, 15, 8) },
      { start: Date.UTC(2026, 2, 22, 6), end: Date.UTC(2026, 2, 22, 8) },
      { start: Date.UTC(2026, 2, 29, 6), end: Date.UTC(2026, 2, 29, 8) },
    ]);
    expect(excludedMs(got, march)).toBe(12 * H);
  });

  it('clips windows to the range, includes one that started before it, merges overlaps', () => {
    const range = { start: Date.UTC(2026, 0, 1, 1), end: Date.UTC(2026, 0, 2) };
    const got = maintenanceIntervals(
      [
        { schedule: '0 0 * * *', durationMinutes: 120 }, // 00:00–02:00 UTC daily: starts before the range
        { start: '2026-01-01T01:30:00Z', end: '2026-01-01T04:00:00Z' }, // overlaps it → merged
        { start: '2026-01-01T23:00:00+01:00', end: '2026-01-02T03:00:00+01:00' }, // 22:00Z–02:00Z next day
      ],
      'UTC',
      range,
    );
    expect(got).toEqual([
      { start: Date.UTC(2026, 0, 1, 1), end: Date.UTC(2026, 0, 1, 4) },
      { start: Date.UTC(2026, 0, 1, 22), end: Date.UTC(2026, 0, 2) },
    ]);
  });

  it('a slice that overlaps a window at all is excluded; touching is not overlapping', () => {
    const cal = calendarOf([{ start: 1000, end: 2000 }, { start: 5000, end: 6000 }]);
    expect(cal.sliceExcluded(0, 1000)).toBe(false);
    expect(cal.sliceExcluded(0, 1001)).toBe(true);
    expect(cal.sliceExcluded(1999, 3000)).toBe(true);
    expect(cal.sliceExcluded(2000, 5000)).toBe(false);
    expect(cal.sliceExcluded(5500, 5501)).toBe(true);
    expect(cal.sliceExcluded(6000, 9000)).toBe(false);
    expect(cal.excludedMs({ start: 1500, end: 5500 })).toBe(1000);
  });

  it('rejects a schedule with absurdly many occurrences instead of hanging', () => {
    const year = { start: Date.UTC(2026, 0, 1), end: Date.UTC(2028, 0, 1) };
    expect(() => maintenanceIntervals([{ schedule: '* * * * *', durationMinutes: 1 }], 'UTC', year, { maxOccurrences: 1000 })).toThrow(/more than 1000 occurrences/);
    expect(maintenanceIntervals([{ schedule: '0 * * * *', durationMinutes: 1 }], 'UTC', { start: year.start, end: year.start + 1000 * H }, { maxOccurrences: 1000 })).toHaveLength(1000);
  });

  it('property: intervals sorted, disjoint, inside the range; cron occurrences match a naive local-time scan', () => {
    const zones = ['UTC', 'America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'Asia/Kathmandu'];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2028, 0, 1) }),
        fc.integer({ min: 1, max: 8 * 24 }),
        fc.constantFrom(0, 15, 30, 45),
        fc.constantFrom(4, 12, 18, 23), // hours clear of DST transitions (they happen 00:00–03:00 in these zones)
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 1, max: 600 }),
        (zone, startMs, hours, minute, hour, dow, duration) => {
          const range = { start: Math.floor(startMs / 900_000) * 900_000, end: Math.floor(startMs / 900_000) * 900_000 + hours * H };
          const got = maintenanceIntervals([{ schedule: `${minute} ${hour} * * ${dow}`, durationMinutes: duration }], zone, range);
          for (let i = 0; i < got.length; i++) {
            expect(got[i]!.start).toBeGreaterThanOrEqual(range.start);
            expect(got[i]!.end).toBeLessThanOrEqual(range.end);
            expect(got[i]!.end).toBeGreaterThan(got[i]!.start);
            if (i > 0) expect(got[i]!.start).toBeGreaterThan(got[i - 1]!.end);
          }
          // naive: every 15 minutes from range.start − duration, is it a local (dow, hour, minute)?
          const expected: { start: number; end: number }[] = [];
          for (let t = Math.floor((range.start - duration * 60_000) / 900_000) * 900_000; t < range.end; t += 900_000) {
            const l = DateTime.fromMillis(t, { zone });
            if (l.minute === minute && l.hour === hour && l.weekday % 7 === dow) {
              const s = Math.max(t, range.start);
              const e = Math.min(t + duration * 60_000, range.end);
              if (e > s) expected.push({ start: s, end: e });
            }
          }
          const merged = expected.reduce<{ start: number; end: number }[]>((acc, w) => {
            const last = acc[acc.length - 1];
            if (last && w.start <= last.end) last.end = Math.max(last.end, w.end);
            else acc.push({ ...w });
            return acc;
          }, []);
          expect(got).toEqual(merged);
          expect(excludedMs(got, range)).toBe(merged.reduce((a, w) => a + w.end - w.start, 0));
          for (const w of got) expect(overlapsAny(got, w.start, w.start + 1)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('maintenanceCalendar wraps the intervals', () => {
    const c = maintenanceCalendar([{ start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:10:00Z' }], 'UTC', { start: 0, end: Date.UTC(2027, 0, 1) });
    expect(c.intervals).toEqual([{ start: Date.UTC(2026, 0, 1), end: Date.UTC(2026, 0, 1, 0, 10) }]);
  });
});
