import { describe, expect, it } from 'vitest';
import type { MeasurementSpec } from '../../src/contract/model.js';
import { measureFromRollups, measureSlices, measurePeriod } from '../../src/slo/measure.js';
import { badRuns } from '../../src/slo/methods.js';
import { classifyMeasuredSlices } from '../../src/slo/slices.js';
import { parsePeriodLabel } from '../../src/slo/periods.js';
import { type SliceContext, type SliceObservation, gridOf, summariseHour } from '../../src/slo/slices.js';

const M = 60_000;
const T0 = Date.UTC(2026, 2, 1, 5); // an arbitrary grid origin

function spec(over: Partial<MeasurementSpec> = {}): MeasurementSpec {
  return { method: 'timeslices', slice: '1m', sliceSeconds: 60, sliceGoodRatio: 0.95, minConsecutiveBadSlices: 1, noData: 'good', minCoverage: 0.99, ...over };
}

function ctx(slices: number, over: Partial<SliceContext> = {}): SliceContext {
  return { grid: gridOf(T0, 60), range: { start: T0, end: T0 + slices * M }, maintenance: [], sliceGoodRatio: 0.95, ...over };
}

/** Observations from a pattern: 'g' 100/100, 'b' 90/100, 'n' none, 'z' total 0. */
function obs(pattern: string): SliceObservation[] {
  const out: SliceObservation[] = [];
  [...pattern].forEach((c, i) => {
    const start = T0 + i * M;
    if (c === 'g') out.push({ start, good: 100, total: 100 });
    if (c === 'b') out.push({ start, good: 90, total: 100 });
    if (c === 'z') out.push({ start, good: 0, total: 0 });
  });
  return out;
}

describe('timeslices', () => {
  it('counts good slices over measured slices; the ratio boundary is good (>=)', () => {
    const o = [
      { start: T0, good: 95, total: 100 }, // exactly 0.95: good
      { start: T0 + M, good: 94.999, total: 100 }, // bad
      { start: T0 + 2 * M, good: 19, total: 20 }, // 0.95: good
      { start: T0 + 3 * M, good: 1, total: 1 },
    ];
    const m = measureSlices(ctx(4), spec(), o);
    expect(m.achievedDecimal).toBe('75');
    expect(m.achieved).toBe(75);
    expect(m).toMatchObject({ goodSlices: 3, badSlices: 1, badMinutes: 1, measuredMinutes: 4, noDataSlices: 0, excludedSlices: 0, flags: [] });
    expect(m.goodEventsDecimal).toBe('209.999');
    expect(m.totalEventsDecimal).toBe('221');
  });

  it('a derived sliceGoodRatio with float noise (99.9 / 100 = 0.9990000000000001) compares as 0.999', () => {
    const ratio = 99.9 / 100;
    expect(ratio).not.toBe(0.999);
    const o = [{ start: T0, good: 999, total: 1000 }, { start: T0 + M, good: 998.999, total: 1000 }];
    const m = measureSlices(ctx(2, { sliceGoodRatio: ratio }), spec({ sliceGoodRatio: ratio }), o);
    expect([m.goodSlices, m.badSlices]).toEqual([1, 1]);
  });

  it('minConsecutiveBadSlices: shorter runs are good; the run may end at the range end', () => {
    // runs: bb (2), bbb (3), b (1, open at the end)
    const m = measureSlices(ctx(10), spec({ minConsecutiveBadSlices: 3 }), obs('gbbgbbbggb'));
    expect(m.badSlices).toBe(3);
    expect(m.goodSlices).toBe(7);
    expect(m.achievedDecimal).toBe('70');
    expect(m.flags).toEqual(['open-bad-run']);
  });

  it('badRuns lists the downtime behind badMinutes', () => {
    const c = ctx(12, { maintenance: [{ start: T0 + 9 * M, end: T0 + 10 * M }] });
    const block = classifyMeasuredSlices(c, obs('gbbbgbgbbbbb'));
    // slices: g b b b g b g b b x b b -> with minRun 3: run 1..3 only (7..8 and 10..11 cut by maintenance)
    expect(badRuns(block, c.grid, { noData: 'good', minConsecutiveBadSlices: 3 })).toEqual([{ start: T0 + M, end: T0 + 4 * M, slices: 3 }]);
    expect(badRuns(block, c.grid, { noData: 'good', minConsecutiveBadSlices: 1 }).map((r) => r.slices)).toEqual([3, 1, 2, 2]);
    const m = measureSlices(c, spec({ minConsecutiveBadSlices: 3 }), obs('gbbbgbgbbbbb'));
    expect(m.badSlices).toBe(3);
    // noData ignore: a skipped slice inside a run is inside its span
    const gap = classifyMeasuredSlices(ctx(4), obs('bnbg'));
    expect(badRuns(gap, gridOf(T0, 60), { noData: 'ignore', minConsecutiveBadSlices: 2 })).toEqual([{ start: T0, end: T0 + 3 * M, slices: 2 }]);
  });

  it('an excluded (maintenance) slice breaks a run', () => {
    const maintenance = [{ start: T0 + 2 * M + 1000, end: T0 + 2 * M + 2000 }]; // inside slice 2
    const m = measureSlices(ctx(6, { maintenance }), spec({ minConsecutiveBadSlices: 3 }), obs('bbbbbg'));
    // slices: b b x b b g -> runs of 2 and 2, both shorter than 3
    expect(m).toMatchObject({ excludedSlices: 1, excludedMinutes: 1, measuredMinutes: 5, badSlices: 0, goodSlices: 5, flags: ['maintenance'] });
    expect(m.achievedDecimal).toBe('100');
  });

  it('no-data slices follow noData: good breaks a run, bad extends it, ignore is skipped', () => {
    const pattern = 'bnbgnn';
    const good = measureSlices(ctx(6), spec({ minConsecutiveBadSlices: 2 }), obs(pattern));
    expect([good.goodSlices, good.badSlices, good.noDataSlices]).toEqual([6, 0, 3]);
    const bad = measureSlices(ctx(6), spec({ minConsecutiveBadSlices: 2, noData: 'bad' }), obs(pattern));
    // b n b -> run of 3 bad; g; n n -> run of 2 bad
    expect([bad.goodSlices, bad.badSlices]).toEqual([1, 5]);
    expect(bad.achievedDecimal).toBe('16.66666666666666666666666666666666666667');
    const ignore = measureSlices(ctx(6), spec({ minConsecutiveBadSlices: 2, noData: 'ignore' }), obs(pattern));
    // b (n skipped) b -> run of 2 bad; g
    expect([ignore.goodSlices, ignore.badSlices, ignore.measuredMinutes]).toEqual([1, 2, 6]);
    expect(ignore.achievedDecimal).toBe('33.33333333333333333333333333333333333333');
  });

  it('total 0, null, NaN and missing slices are no data; good null with traffic counts as 0 good', () => {
    const o: SliceObservation[] = [
      { start: T0, good: 0, total: 0 },
      { start: T0 + M, good: null, total: null },
      { start: T0 + 2 * M, good: 5, total: Number.NaN },
      { start: T0 + 3 * M, good: null, total: 10 },
    ];
    const m = measureSlices(ctx(5), spec({ noData: 'ignore' }), o);
    expect(m).toMatchObject({ noDataSlices: 4, badSlices: 1, goodSlices: 0, achieved: 0 });
  });

  it('no data at all: achieved null and flag no-data, whatever noData says', () => {
    for (const noData of ['good', 'bad', 'ignore'] as const) {
      for (const method of ['events', 'timeslices', 'averaged'] as const) {
        const m = measureSlices(ctx(5), spec({ noData, method }), obs('nnzzn'));
        expect(m.achieved).toBeNull();
        expect(m.achievedDecimal).toBeNull();
        expect(m.flags).toContain('no-data');
      }
    }
  });

  it('everything excluded → nothing-measured; no range → outside-term', () => {
    const all = measureSlices(ctx(3, { maintenance: [{ start: T0 - M, end: T0 + 10 * M }] }), spec(), obs('ggg'));
    expect(all).toMatchObject({ achieved: null, excludedSlices: 3, measuredMinutes: 0, flags: ['maintenance', 'nothing-measured'] });
    const none = measureSlices(ctx(3, { range: null }), spec(), obs('ggg'));
    expect(none).toMatchObject({ achieved: null, measuredMinutes: 0, flags: ['outside-term'] });
  });

  it('clamps good outside [0, total] and flags it', () => {
    const m = measureSlices(ctx(2), spec({ method: 'events' }), [
      { start: T0, good: 101, total: 100 },
      { start: T0 + M, good: -1, total: 100 },
    ]);
    expect(m.achievedDecimal).toBe('50');
    expect(m.flags).toEqual(['inconsistent-data']);
  });

  it('rejects observations off the slice grid and duplicates', () => {
    expect(() => measureSlices(ctx(3), spec(), [{ start: T0 + 1000, good: 1, total: 1 }])).toThrow(/not aligned/);
    expect(() => measureSlices(ctx(3), spec(), [{ start: T0, good: 1, total: 1 }, { start: T0, good: 1, total: 1 }])).toThrow(/two observations/);
  });

  it('slices that are not entirely inside the range are not measured', () => {
    // range from 30 s into slice 0 to 30 s into slice 3: only slices 1 and 2 are measured.
    const m = measureSlices(ctx(0, { range: { start: T0 + 30_000, end: T0 + 3 * M + 30_000 } }), spec(), obs('bgbb'));
    expect(m).toMatchObject({ goodSlices: 1, badSlices: 1, measuredMinutes: 2 });
  });
});

describe('events', () => {
  it('achieved = 100 × Σgood / Σtotal over non-excluded slices; exact decimals (0.1 + 0.2)', () => {
    const o = [
      { start: T0, good: 0.1, total: 0.1 },
      { start: T0 + M, good: 0.2, total: 0.3 },
      { start: T0 + 2 * M, good: 0, total: 1000 }, // excluded below
    ];
    const m = measureSlices(ctx(3, { maintenance: [{ start: T0 + 2 * M, end: T0 + 3 * M }] }), spec({ method: 'events' }), o);
    // (0.1 + 0.2) / (0.1 + 0.3) = 0.75 exactly
    expect(m.achievedDecimal).toBe('75');
    expect(m.goodEventsDecimal).toBe('0.3');
    expect(m.totalEventsDecimal).toBe('0.4');
    expect(m.excludedSlices).toBe(1);
  });
});

describe('averaged', () => {
  it('100 × (1 − mean slice error ratio); noData good → 0, bad → 1, ignore → left out', () => {
    // error ratios: 0.5 (1/2), 0 , 0.25, and one no-data slice
    const o = [
      { start: T0, good: 1, total: 2 },
      { start: T0 + M, good: 7, total: 7 },
      { start: T0 + 2 * M, good: 300, total: 400 },
    ];
    const s = spec({ method: 'averaged' });
    expect(measureSlices(ctx(4), { ...s, noData: 'ignore' }, o).achievedDecimal).toBe('75'); // 1 − 0.75/3
    expect(measureSlices(ctx(4), { ...s, noData: 'good' }, o).achievedDecimal).toBe('81.25'); // 1 − 0.75/4
    expect(measureSlices(ctx(4), { ...s, noData: 'bad' }, o).achievedDecimal).toBe('56.25'); // 1 − 1.75/4
  });

  it('differs from events when traffic is uneven', () => {
    const o = [
      { start: T0, good: 0, total: 1 }, // 100% errors, tiny traffic
      { start: T0 + M, good: 999, total: 999 },
    ];
    expect(measureSlices(ctx(2), spec({ method: 'averaged' }), o).achievedDecimal).toBe('50');
    expect(measureSlices(ctx(2), spec({ method: 'events' }), o).achievedDecimal).toBe('99.9');
  });
});

describe('rollups', () => {
  it('a run that crosses an hour boundary is measured the same from hourly rollups', () => {
    const c = ctx(120);
    const pattern = 'g'.repeat(55) + 'b'.repeat(10) + 'g'.repeat(55); // 10 bad minutes across 01:00
    const s = spec({ minConsecutiveBadSlices: 10 });
    const raw = measureSlices(c, s, obs(pattern));
    const rollups = [summariseHour(c, T0, obs(pattern)), summariseHour(c, T0 + 60 * M, obs(pattern))];
    expect(rollups[0]!.statuses).toBe('g'.repeat(55) + 'b'.repeat(5));
    expect(measureFromRollups(rollups, c, s)).toEqual(raw);
    expect(raw.badSlices).toBe(10);
    expect(raw.badMinutes).toBe(10);
    // a missing hour is a gap (unknown, not silence) in both paths
    const firstHourOnly = obs(pattern).filter((o) => o.start < T0 + 60 * M);
    const secondHourGaps = Array.from({ length: 60 }, (_, i) => ({ start: T0 + (60 + i) * M, good: null, total: null, gap: true }));
    const oneHour = measureFromRollups([rollups[0]!], c, s);
    expect(oneHour).toEqual(measureSlices(c, s, [...firstHourOnly, ...secondHourGaps]));
    expect(oneHour.coverage).toMatchObject({ expectedMinutes: 120, coveredMinutes: 60, gapMinutes: 60, ratio: 0.5, complete: false });
    expect(oneHour.flags).toEqual(expect.arrayContaining(['gaps', 'incomplete-data']));
  });

  it('rejects rollups made for another context and overlapping rollups', () => {
    const c = ctx(60);
    const r = summariseHour(c, T0, obs('g'.repeat(60)));
    expect(() => measureFromRollups([r, r], c, spec())).toThrow(/overlap/);
    const withMaintenance = ctx(60, { maintenance: [{ start: T0, end: T0 + M }] });
    expect(() => measureFromRollups([r], withMaintenance, spec())).toThrow(/does not match/);
    expect(() => measureFromRollups([r], ctx(60, { sliceGoodRatio: 0.9 }), spec())).toThrow(/sliceGoodRatio/);
    // a rollup of a partial hour (asOf at 00:30) is reused once asOf has moved on: the rest is a gap
    const partial = summariseHour(ctx(30), T0, obs('g'.repeat(60)));
    expect(partial.statuses).toBe('g'.repeat(30) + '.'.repeat(30));
    const later = measureFromRollups([partial], c, spec({ noData: 'ignore' }));
    expect(later).toMatchObject({ goodSlices: 30, noDataSlices: 0, gapSlices: 30, measuredMinutes: 30 });
    // but a rollup with data where the context measures nothing is rejected
    expect(() => measureFromRollups([r], ctx(30), spec())).toThrow(/does not match/);
  });
});

describe('measurePeriod (contract level)', () => {
  it('March 2026, New York, term from 15 March, Sunday 02:00 maintenance, timeslices 1m', () => {
    const contract = {
      timezone: 'America/New_York',
      termStart: '2026-03-15',
      maintenance: [{ schedule: '0 2 * * 0', durationMinutes: 120 }],
    };
    const period = parsePeriodLabel('2026-03', contract.timezone);
    const sla = { measurement: spec() };
    const m = measurePeriod(contract, sla, period, []);
    // 15..31 March = 17 days = 24,480 min; Sundays 15, 22, 29 March 02:00–04:00 EDT = 3 × 120 min.
    expect(m.excludedMinutes).toBe(360);
    expect(m.measuredMinutes).toBe(17 * 24 * 60 - 360);
    expect(m.flags).toEqual(['maintenance', 'no-data', 'partial-period']);
    // one bad minute on 20 March 12:00 EDT (16:00Z)
    const bad = [{ start: Date.UTC(2026, 2, 20, 16), good: 0, total: 5 }];
    const m2 = measurePeriod(contract, sla, period, bad);
    expect(m2.badSlices).toBe(1);
    expect(m2.achievedDecimal).toBe('99.99585406301824212271973466003316749585'); // 100 × 24,119 / 24,120
  });
});
