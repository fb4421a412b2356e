// The measurement methods and window coverage against small reference implementations written here
// from the rules in the header of src/slo/methods.ts (not from its code), with 5-minute slices so
// that a minute count multiplied or divided by the slice length differ; plus the resumable tally
// (fed in pieces = fed at once) and the period entry points of src/slo/measure.ts.
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MeasurementSpec, NoData } from '../../src/contract/model.js';
import {
  measureFromRollups,
  measurePeriod,
  measurePeriodDetailed,
  measurePeriodFromRollupsDetailed,
  measurePeriodFromTally,
  measureSlices,
  sliceContextFor,
} from '../../src/slo/measure.js';
import { type MeasurementFlag, badRuns, copyTally, countSlices, emptyTally, feedTally, measureBlock, measureTally, windowCoverage, windowCoverages } from '../../src/slo/methods.js';
import { parsePeriodLabel } from '../../src/slo/periods.js';
import { type SliceBlock, type SliceObservation, gridOf, summariseHour } from '../../src/slo/slices.js';

const M = 60_000;
const SLICE = 5 * M;
const T0 = Date.UTC(2026, 2, 1, 5);
const Q = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });

function spec(over: Partial<MeasurementSpec> = {}): MeasurementSpec {
  return { method: 'timeslices', slice: '5m', sliceSeconds: 300, sliceGoodRatio: 0.95, minConsecutiveBadSlices: 1, noData: 'good', minCoverage: 0.99, ...over };
}

function block(statuses: string, firstIndex = 0): SliceBlock {
  return { firstIndex, statuses, goodUnits: 0n, totalUnits: 0n, errorRatioUnits: 0n, clampedSlices: 0 };
}

interface Ref {
  good: number;
  bad: number;
  noData: number;
  excluded: number;
  gaps: number;
  data: number;
  openBadRun: boolean;
}

/** Reference counts: split into runs of effective-bad slices between breakers. */
function refCounts(statuses: string, noData: NoData, minRun: number, timeslices: boolean): Ref {
  const need = timeslices ? Math.max(1, minRun) : 1;
  const r: Ref = { good: 0, bad: 0, noData: 0, excluded: 0, gaps: 0, data: 0, openBadRun: false };
  const runs: number[] = [];
  let run = 0;
  const breakRun = () => {
    if (run > 0) runs.push(run);
    run = 0;
  };
  for (const c of statuses) {
    if (c === '.') continue;
    if (c === 'x') r.excluded++;
    if (c === '?') r.gaps++;
    if (c === 'n') r.noData++;
    if (c === 'g' || c === 'b') r.data++;
    const eff = c === 'n' ? (noData === 'ignore' ? 'skip' : noData === 'good' ? 'g' : 'b') : c;
    if (eff === 'skip') continue;
    if (eff === 'b') run++;
    else {
      breakRun();
      if (eff === 'g') r.good++;
    }
  }
  const open = run;
  breakRun();
  for (const len of runs) {
    if (len >= need) r.bad += len;
    else r.good += len;
  }
  r.openBadRun = open > 0 && open < need;
  return r;
}

const status = fc.constantFrom('g', 'b', 'n', '?', 'x', '.', 'g', 'b');
const statusString = fc.array(status, { maxLength: 60 }).map((a) => a.join(''));
const noDataArb = fc.constantFrom<NoData>('good', 'bad', 'ignore');

describe('measureBlock against the reference counts (5-minute slices)', () => {
  it('property: counts, minutes, coverage, flags, and the timeslices achieved value', () => {
    fc.assert(
      fc.property(statusString, noDataArb, fc.integer({ min: 0, max: 4 }), fc.constantFrom('timeslices' as const, 'events' as const, 'averaged' as const), (s, noData, minRun, method) => {
        const sp = spec({ method, noData, minConsecutiveBadSlices: minRun });
        const m = measureBlock(block(s), sp);
        const r = refCounts(s, noData, minRun, method === 'timeslices');
        expect({ good: m.goodSlices, bad: m.badSlices, noData: m.noDataSlices, excluded: m.excludedSlices, gaps: m.gapSlices }).toEqual({
          good: r.good,
          bad: r.bad,
          noData: r.noData,
          excluded: r.excluded,
          gaps: r.gaps,
        });
        expect(countSlices(s, noData, minRun, method === 'timeslices')).toEqual(r);
        const measured = r.good + r.bad + (noData === 'ignore' ? r.noData : 0);
        expect(m.measuredMinutes).toBe(5 * measured);
        expect(m.badMinutes).toBe(5 * r.bad);
        expect(m.excludedMinutes).toBe(5 * r.excluded);
        const covered = r.data + r.noData;
        const expected = covered + r.gaps;
        const complete = expected === 0 || covered * 100 >= 99 * expected;
        expect(m.coverage).toEqual({
          expectedMinutes: 5 * expected,
          coveredMinutes: 5 * covered,
          gapMinutes: 5 * r.gaps,
          excludedMinutes: 5 * r.excluded,
          ratio: expected === 0 ? null : covered / expected,
          minimum: 0.99,
          partialResponse: false,
          complete,
        });
        const flags: MeasurementFlag[] = [];
        if (r.excluded > 0) flags.push('maintenance');
        if (r.gaps > 0) flags.push('gaps');
        if (!complete) flags.push('incomplete-data');
        if (measured === 0 && r.gaps === 0) flags.push('nothing-measured');
        if (measured > 0 && r.data === 0 && r.noData > 0) flags.push('no-data');
        if (measured > 0 && r.data > 0 && method === 'timeslices' && r.openBadRun) flags.push('open-bad-run');
        expect(m.flags).toEqual(flags.sort());
        if (method === 'timeslices') {
          const want = measured > 0 && r.data > 0 ? new Q(r.good).times(100).div(r.good + r.bad).toFixed() : null;
          expect(m.achievedDecimal).toBe(want);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('examples: a run of exactly minConsecutiveBadSlices is bad and not open; one shorter at the end is open', () => {
    const sp = spec({ minConsecutiveBadSlices: 3 });
    expect(measureBlock(block('gbbb'), sp)).toMatchObject({ goodSlices: 1, badSlices: 3, badMinutes: 15, flags: [] });
    expect(measureBlock(block('gbb'), sp)).toMatchObject({ goodSlices: 3, badSlices: 0, flags: ['open-bad-run'] });
    // events ignore minConsecutiveBadSlices (the split is informational)
    expect(measureBlock(block('gbg'), spec({ method: 'events', minConsecutiveBadSlices: 3 }))).toMatchObject({ goodSlices: 2, badSlices: 1 });
  });

  it("examples: '.' is not measured; no-data counts per noData", () => {
    expect(measureBlock(block('..g..'), spec())).toMatchObject({ goodSlices: 1, measuredMinutes: 5, achievedDecimal: '100' });
    expect(measureBlock(block('gnn'), spec({ noData: 'good' }))).toMatchObject({ goodSlices: 3, badSlices: 0, noDataSlices: 2, achievedDecimal: '100' });
    expect(measureBlock(block('gnn'), spec({ noData: 'bad' }))).toMatchObject({ goodSlices: 1, badSlices: 2, achievedDecimal: '33.33333333333333333333333333333333333333' });
  });

  it('examples: only gaps is incomplete, not silent; all excluded has no coverage ratio', () => {
    const gaps = measureBlock(block('???'), spec());
    expect(gaps.flags).toEqual(['gaps', 'incomplete-data']);
    expect(gaps.achieved).toBeNull();
    const maint = measureBlock(block('xxxx'), spec());
    expect(maint.coverage).toMatchObject({ ratio: null, expectedMinutes: 0, excludedMinutes: 20, complete: true });
    expect(maint.flags).toEqual(['maintenance', 'nothing-measured']);
  });

  it('without extra flags a clean block has none; extra flags are kept', () => {
    expect(measureBlock(block('ggg'), spec()).flags).toEqual([]);
    expect(measureTally(emptyTally(), spec()).flags).toEqual(['nothing-measured']);
    expect(measureBlock(block('ggg'), spec(), ['partial-period']).flags).toEqual(['partial-period']);
  });
});

describe('the tally: fed in pieces = fed at once', () => {
  it('property: any split of the status string gives the same measurement', () => {
    fc.assert(
      fc.property(statusString, fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 5 }), noDataArb, fc.integer({ min: 0, max: 4 }), fc.constantFrom('timeslices' as const, 'events' as const), (s, cuts, noData, minRun, method) => {
        const sp = spec({ method, noData, minConsecutiveBadSlices: minRun });
        const points = [...new Set(cuts.map((c) => Math.min(c, s.length)))].sort((a, b) => a - b);
        const t = emptyTally();
        let from = 0;
        for (const p of [...points, s.length]) {
          feedTally(t, s.slice(from, p), sp);
          from = p;
        }
        expect(measureTally(t, sp)).toEqual(measureBlock(block(s), sp));
      }),
      { numRuns: 500 },
    );
  });

  it('adds the exact sums of each piece; copyTally is an independent copy', () => {
    const sp = spec({ method: 'events' });
    const t = emptyTally();
    feedTally(t, 'gb', sp, { goodUnits: 150n, totalUnits: 200n, errorRatioUnits: 5n, clampedSlices: 1 });
    const before = copyTally(t);
    expect(before).toEqual(t);
    feedTally(t, 'g', sp, { goodUnits: 100n, totalUnits: 100n, errorRatioUnits: 0n, clampedSlices: 2 });
    expect(t).toMatchObject({ good: 2, bad: 1, goodUnits: 250n, totalUnits: 300n, errorRatioUnits: 5n, clampedSlices: 3 });
    expect(before).toMatchObject({ good: 1, bad: 0, run: 1, goodUnits: 150n, totalUnits: 200n, errorRatioUnits: 5n, clampedSlices: 1 });
    const m = measureTally(t, sp);
    expect(m.achievedDecimal).toBe('83.33333333333333333333333333333333333333'); // 250 / 300
    expect(m.flags).toEqual(['inconsistent-data']);
    // without sums only the counts move
    feedTally(t, 'b', sp);
    expect(t).toMatchObject({ bad: 1, run: 1, goodUnits: 250n, totalUnits: 300n, clampedSlices: 3 });
  });
});

/** Reference window coverage: slices wholly inside [from, to) that the block holds. */
function refWindow(b: { firstIndex: number; statuses: string }, from: number, to: number) {
  let covered = 0;
  let gaps = 0;
  for (let i = 0; i < b.statuses.length; i++) {
    const s = T0 + (b.firstIndex + i) * SLICE;
    if (s < from || s + SLICE > to) continue;
    const c = b.statuses[i]!;
    if (c === 'g' || c === 'b' || c === 'n') covered++;
    if (c === '?') gaps++;
  }
  const expected = covered + gaps;
  return { expectedMinutes: 5 * expected, coveredMinutes: 5 * covered, ratio: expected === 0 ? null : covered / expected };
}

describe('window coverage (5-minute slices) against the reference', () => {
  const grid = { origin: T0, sliceMs: SLICE };

  it('examples: data, silence and bad slices count as covered; gaps not; maintenance and unmeasured are not expected', () => {
    const b = { firstIndex: 10, statuses: 'gbn?x.gg' }; // slices 10..17
    expect(windowCoverage(b, grid, T0 + 10 * SLICE, T0 + 18 * SLICE)).toEqual({ expectedMinutes: 30, coveredMinutes: 25, ratio: 5 / 6 });
    // the last 4 slices (14..17) are 'x.gg': 2 expected, both covered; a window longer than the block is judged on the block
    expect(windowCoverages(b, grid, T0 + 18 * SLICE, [8 * SLICE, 4 * SLICE, 100 * SLICE])).toEqual([
      { expectedMinutes: 30, coveredMinutes: 25, ratio: 5 / 6 },
      { expectedMinutes: 10, coveredMinutes: 10, ratio: 1 },
      { expectedMinutes: 30, coveredMinutes: 25, ratio: 5 / 6 },
    ]);
    // nothing of the window in the block
    expect(windowCoverages(b, grid, T0 + 5 * SLICE, [4 * SLICE])).toEqual([{ expectedMinutes: 0, coveredMinutes: 0, ratio: null }]);
  });

  it('property: windowCoverage and windowCoverages agree with the reference', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('g', 'b', 'n', '?', 'x', '.'), { maxLength: 80 }),
        fc.integer({ min: 0, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 120 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: -10, max: 110 }),
        fc.integer({ min: 0, max: SLICE - 1 }),
        (chars, firstIndex, windows, endSlice, offset) => {
          const b = { firstIndex, statuses: chars.join('') };
          const to = T0 + endSlice * SLICE + offset;
          const many = windowCoverages(b, grid, to, windows.map((w) => w * M));
          windows.forEach((w, i) => {
            const want = refWindow(b, to - w * M, to);
            expect(windowCoverage(b, grid, to - w * M, to)).toEqual(want);
            expect(many[i]).toEqual(want);
          });
        },
      ),
      { numRuns: 800 },
    );
  });
});

describe('badRuns', () => {
  it('no-data slices break a run with noData good, extend it with bad, are inside it with ignore', () => {
    const grid = { origin: T0, sliceMs: SLICE };
    const b = { firstIndex: 2, statuses: 'bnb' };
    expect(badRuns(b, grid, { noData: 'good', minConsecutiveBadSlices: 1 })).toEqual([
      { start: T0 + 2 * SLICE, end: T0 + 3 * SLICE, slices: 1 },
      { start: T0 + 4 * SLICE, end: T0 + 5 * SLICE, slices: 1 },
    ]);
    expect(badRuns(b, grid, { noData: 'bad', minConsecutiveBadSlices: 1 })).toEqual([{ start: T0 + 2 * SLICE, end: T0 + 5 * SLICE, slices: 3 }]);
    expect(badRuns(b, grid, { noData: 'ignore', minConsecutiveBadSlices: 2 })).toEqual([{ start: T0 + 2 * SLICE, end: T0 + 5 * SLICE, slices: 2 }]);
    expect(badRuns(b, grid, { noData: 'good', minConsecutiveBadSlices: 2 })).toEqual([]);
  });
});

describe('measure.ts entry points', () => {
  const contract = { timezone: 'UTC', termStart: '2026-03-11', maintenance: [] };
  const sla = { measurement: spec() };
  const march = parsePeriodLabel('2026-03', 'UTC');
  const april = parsePeriodLabel('2026-04', 'UTC');

  it('a period outside the term: no range, no maintenance, flagged outside-term', () => {
    const feb = parsePeriodLabel('2026-02', 'UTC');
    const c = sliceContextFor({ ...contract, maintenance: [{ start: '2026-02-10T00:00:00Z', end: '2026-02-11T00:00:00Z' }] }, sla, feb);
    expect(c.range).toBeNull();
    expect(c.maintenance).toEqual([]);
    const m = measurePeriod(contract, sla, feb, []);
    expect(m.flags).toEqual(['outside-term']);
    expect(m.achieved).toBeNull();
    expect(measurePeriodFromRollupsDetailed(contract, sla, feb, []).measurement.flags).toEqual(['outside-term']);
    expect(measureSlices(c, sla.measurement, []).flags).toEqual(['outside-term']);
    expect(measureFromRollups([], c, sla.measurement).flags).toEqual(['outside-term']);
    expect(measureFromRollups([], c, sla.measurement, ['partial-response']).flags).toEqual(['incomplete-data', 'outside-term', 'partial-response']);
  });

  it('the detailed entry points keep the frame flags and the extra flags', () => {
    const at = Date.UTC(2026, 2, 11, 1);
    const obs: SliceObservation[] = [{ start: Date.UTC(2026, 2, 11), good: 1, total: 1 }];
    const d = measurePeriodDetailed(contract, sla, march, obs, at, ['partial-response']);
    expect(d.measurement.flags).toEqual(['incomplete-data', 'partial-period', 'partial-response']);
    expect(d.block.statuses).toBe('g' + 'n'.repeat(11));
    const ctx = sliceContextFor(contract, sla, march, at);
    const r = measurePeriodFromRollupsDetailed(contract, sla, march, [summariseHour(ctx, Date.UTC(2026, 2, 11), obs)], at, ['partial-response']);
    expect(r.measurement).toEqual(d.measurement);
    expect(measurePeriodDetailed(contract, sla, april, [], undefined).measurement.flags).toEqual(['no-data']);
  });

  it('measurePeriodFromTally = measurePeriod for the same slices', () => {
    const at = Date.UTC(2026, 2, 11, 2);
    const obs: SliceObservation[] = [
      { start: Date.UTC(2026, 2, 11), good: 1, total: 1 },
      { start: Date.UTC(2026, 2, 11, 0, 5), good: 0, total: 10 },
      { start: Date.UTC(2026, 2, 11, 1, 30), good: 3, total: 4 },
    ];
    const d = measurePeriodDetailed(contract, sla, march, obs, at);
    const t = emptyTally();
    feedTally(t, d.block.statuses.slice(0, 7), sla.measurement, d.block);
    feedTally(t, d.block.statuses.slice(7), sla.measurement);
    expect(measurePeriodFromTally(contract, sla, march, t, at)).toEqual(measurePeriod(contract, sla, march, obs, at));
    expect(measurePeriodFromTally(contract, sla, march, t, at, ['partial-response']).flags).toContain('partial-response');
    expect(measurePeriodFromTally(contract, sla, march, t, at).flags).toContain('partial-period');
  });

  it('the grid of the context is the period start and the slice length', () => {
    expect(sliceContextFor(contract, sla, march).grid).toEqual(gridOf(march.start, 300));
  });
});
