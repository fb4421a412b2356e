// Maintenance: the window in force at an instant (maintenanceAt), range edge cases of the expansion,
// and the occurrence guard. Expected instants are worked out by hand in the comments (UTC and
// Europe/Berlin, CET = UTC+1 in January).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MaintenanceDoc } from '../../src/contract/schema.js';
import { cronOccurrences, excludedMs, maintenanceAt, maintenanceIntervals } from '../../src/slo/maintenance.js';

const M = 60_000;
const H = 60 * M;
const T = (d: number, h: number, m = 0) => Date.UTC(2026, 0, d, h, m); // January 2026, UTC

describe('maintenanceAt: one-off windows', () => {
  const w: MaintenanceDoc[] = [{ start: '2026-01-10T02:00:00Z', end: '2026-01-10T04:00:00Z', reason: 'DB upgrade' }];

  it('is active from the start (inclusive) to the end (exclusive), with reason, start and end', () => {
    const on = { active: true, reason: 'DB upgrade', start: T(10, 2), end: T(10, 4) };
    expect(maintenanceAt(w, 'UTC', T(10, 2))).toEqual(on);
    expect(maintenanceAt(w, 'UTC', T(10, 3))).toEqual(on);
    expect(maintenanceAt(w, 'UTC', T(10, 4) - 1)).toEqual(on);
  });

  it('is inactive before the start and from the end on', () => {
    expect(maintenanceAt(w, 'UTC', T(10, 2) - 1)).toEqual({ active: false });
    expect(maintenanceAt(w, 'UTC', T(10, 4))).toEqual({ active: false });
    expect(maintenanceAt(w, 'UTC', T(9, 3))).toEqual({ active: false });
    expect(maintenanceAt(w, 'UTC', T(11, 3))).toEqual({ active: false });
    expect(maintenanceAt([], 'UTC', T(10, 3))).toEqual({ active: false });
  });

  it('an unparsable instant is an error naming it', () => {
    expect(() => maintenanceAt([{ start: 'next tuesday', end: '2026-01-10T04:00:00Z' }], 'UTC', T(10, 3))).toThrow('not an RFC 3339 instant: next tuesday');
  });
});

describe('maintenanceAt: recurring windows', () => {
  // Daily at 02:00 local Berlin (01:00Z in January), 90 minutes: [01:00Z, 02:30Z).
  const daily: MaintenanceDoc[] = [{ schedule: '0 2 * * *', durationMinutes: 90, reason: 'nightly' }];

  it('covers [occurrence, occurrence + duration) in the contract zone', () => {
    const on = { active: true, reason: 'nightly', start: T(15, 1), end: T(15, 2, 30) };
    expect(maintenanceAt(daily, 'Europe/Berlin', T(15, 1))).toEqual(on); // the occurrence itself
    expect(maintenanceAt(daily, 'Europe/Berlin', T(15, 2))).toEqual(on); // an hour after it started
    expect(maintenanceAt(daily, 'Europe/Berlin', T(15, 2, 30) - 1)).toEqual(on);
    expect(maintenanceAt(daily, 'Europe/Berlin', T(15, 2, 30))).toEqual({ active: false });
    expect(maintenanceAt(daily, 'Europe/Berlin', T(15, 1) - 1)).toEqual({ active: false });
    // in UTC the same cron is 02:00Z
    expect(maintenanceAt(daily, 'UTC', T(15, 1, 30))).toEqual({ active: false });
    expect(maintenanceAt(daily, 'UTC', T(15, 3))).toMatchObject({ active: true, start: T(15, 2), end: T(15, 3, 30) });
  });

  it('of overlapping occurrences, the one that ends last', () => {
    // hourly, 90 minutes: at 10:15 both 09:00–10:30 and 10:00–11:30 cover; at 10:45 only the second.
    const hourly: MaintenanceDoc[] = [{ schedule: '0 * * * *', durationMinutes: 90 }];
    expect(maintenanceAt(hourly, 'UTC', T(5, 10, 15))).toEqual({ active: true, reason: undefined, start: T(5, 10), end: T(5, 11, 30) });
    expect(maintenanceAt(hourly, 'UTC', T(5, 10, 30))).toMatchObject({ start: T(5, 10), end: T(5, 11, 30) });
  });
});

describe('maintenanceAt: several windows', () => {
  const early = { start: '2026-01-10T01:00:00Z', end: '2026-01-10T03:00:00Z', reason: 'early' };
  const late = { start: '2026-01-10T02:00:00Z', end: '2026-01-10T05:00:00Z', reason: 'late' };
  const other = { start: '2026-01-10T00:00:00Z', end: '2026-01-10T03:00:00Z', reason: 'same end' };

  it('reports the covering window that ends last, in either order', () => {
    const want = { active: true, reason: 'late', start: T(10, 2), end: T(10, 5) };
    expect(maintenanceAt([early, late], 'UTC', T(10, 2, 30))).toEqual(want);
    expect(maintenanceAt([late, early], 'UTC', T(10, 2, 30))).toEqual(want);
  });

  it('with equal ends, the first listed', () => {
    expect(maintenanceAt([early, other], 'UTC', T(10, 2))).toMatchObject({ reason: 'early' });
    expect(maintenanceAt([other, early], 'UTC', T(10, 2))).toMatchObject({ reason: 'same end' });
  });

  it('a window that does not cover the instant is ignored even when it ends last', () => {
    expect(maintenanceAt([early, late], 'UTC', T(10, 1, 30))).toEqual({ active: true, reason: 'early', start: T(10, 1), end: T(10, 3) });
    expect(maintenanceAt([early, late], 'UTC', T(10, 4))).toEqual({ active: true, reason: 'late', start: T(10, 2), end: T(10, 5) });
    expect(maintenanceAt([early, late], 'UTC', T(10, 0, 59))).toEqual({ active: false });
  });

  it('property: agrees with the merged calendar on whether maintenance is in force', () => {
    const day = T(10, 0);
    const windowArb = fc.oneof(
      fc.tuple(fc.integer({ min: 0, max: 47 }), fc.integer({ min: 1, max: 12 })).map(([s, l]): MaintenanceDoc => ({
        start: new Date(day + s * 30 * M).toISOString(),
        end: new Date(day + (s + l) * 30 * M).toISOString(),
        reason: `w${s}`,
      })),
      fc.tuple(fc.integer({ min: 0, max: 59 }), fc.integer({ min: 1, max: 180 })).map(([minute, d]): MaintenanceDoc => ({ schedule: `${minute} */3 * * *`, durationMinutes: d })),
    );
    fc.assert(
      fc.property(fc.array(windowArb, { maxLength: 4 }), fc.integer({ min: 0, max: 24 * 60 - 1 }), (ws, minute) => {
        const at = day + minute * M;
        const got = maintenanceAt(ws, 'UTC', at);
        const cal = maintenanceIntervals(ws, 'UTC', { start: day - 12 * H, end: day + 36 * H });
        const inForce = cal.some((i) => i.start <= at && at < i.end);
        expect(got.active).toBe(inForce);
        if (got.active) {
          expect(got.start!).toBeLessThanOrEqual(at);
          expect(got.end!).toBeGreaterThan(at);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('maintenance expansion edge cases', () => {
  const range = { start: T(10, 0), end: T(11, 0) };

  it('an empty or reversed range has no maintenance', () => {
    const w: MaintenanceDoc[] = [{ schedule: '*/10 * * * *', durationMinutes: 30 }, { start: '2026-01-09T00:00:00Z', end: '2026-01-12T00:00:00Z' }];
    expect(maintenanceIntervals(w, 'UTC', { start: T(10, 5), end: T(10, 5) })).toEqual([]);
    expect(maintenanceIntervals(w, 'UTC', { start: T(10, 6), end: T(10, 5) })).toEqual([]);
  });

  it('a one-off window outside the range contributes nothing', () => {
    expect(maintenanceIntervals([{ start: '2026-01-12T00:00:00Z', end: '2026-01-12T01:00:00Z' }], 'UTC', range)).toEqual([]);
    expect(maintenanceIntervals([{ start: '2026-01-09T23:00:00Z', end: '2026-01-10T00:00:00Z' }], 'UTC', range)).toEqual([]);
  });

  it('an unparsable one-off instant is an error naming it', () => {
    expect(() => maintenanceIntervals([{ start: '2026-01-10T01:00:00Z', end: 'soon' }], 'UTC', range)).toThrow('not an RFC 3339 instant: soon');
  });

  it('excludedMs ignores intervals outside the range', () => {
    expect(excludedMs([{ start: 0, end: 10 }, { start: 15, end: 25 }, { start: 40, end: 50 }], { start: 20, end: 30 })).toBe(5);
    expect(excludedMs([{ start: 0, end: 10 }], { start: 20, end: 30 })).toBe(0);
  });

  it('cronOccurrences: exactly maxOccurrences is fine, one more is an error', () => {
    // hourly over [00:00, 04:00): 00:00, 01:00, 02:00, 03:00 (a 1-minute window at 23:00 the day before ends at 23:01)
    const four = { start: T(10, 0), end: T(10, 4) };
    expect(cronOccurrences('0 * * * *', 'UTC', M, four, { maxOccurrences: 4 })).toEqual([T(10, 0), T(10, 1), T(10, 2), T(10, 3)]);
    expect(() => cronOccurrences('0 * * * *', 'UTC', M, four, { maxOccurrences: 3 })).toThrow('maintenance schedule "0 * * * *" has more than 3 occurrences in the range');
  });
});
