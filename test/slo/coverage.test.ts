// Gaps and coverage in the measurement core (spec: "Silence and gaps are different things"). Expected
// values are counted by hand from the slice patterns, never from the code under test.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MeasurementSpec } from '../../src/contract/model.js';
import { measureFromRollups, measureSlices } from '../../src/slo/measure.js';
import { badRuns, windowCoverage } from '../../src/slo/methods.js';
import { classifyMeasuredSlices, gridOf, summariseHour, type SliceContext, type SliceObservation } from '../../src/slo/slices.js';

const M = 60_000;
const T0 = Date.UTC(2026, 2, 1, 5);

function spec(over: Partial<MeasurementSpec> = {}): MeasurementSpec {
  return { method: 'timeslices', slice: '1m', sliceSeconds: 60, sliceGoodRatio: 0.95, minConsecutiveBadSlices: 1, noData: 'good', minCoverage: 0.99, ...over };
}

function ctx(slices: number, over: Partial<SliceContext> = {}): SliceContext {
  return { grid: gridOf(T0, 60), range: { start: T0, end: T0 + slices * M }, maintenance: [], sliceGoodRatio: 0.95, ...over };
}

/** 'g' 100/100, 'b' 0/100, 'z' total 0 (silence with a sample), '?' a gap, 'n' nothing at all. */
function obs(pattern: string): SliceObservation[] {
  const out: SliceObservation[] = [];
  [...pattern].forEach((c, i) => {
    const start = T0 + i * M;
    if (c === 'g') out.push({ start, good: 100, total: 100 });
    if (c === 'b') out.push({ start, good: 0, total: 100 });
    if (c === 'z') out.push({ start, good: 0, total: 0 });
    if (c === '?') out.push({ start, good: null, total: null, gap: true });
  });
  return out;
}

describe('gaps', () => {
  it('are neither good nor bad: left out of achieved, counted against coverage', () => {
    // 6 good, 2 bad, 2 gaps → achieved 6/8 = 75 %, coverage 8/10
    const m = measureSlices(ctx(10), spec(), obs('ggg??bbggg'));
    expect(m.achievedDecimal).toBe('75');
    expect(m).toMatchObject({ goodSlices: 6, badSlices: 2, gapSlices: 2, noDataSlices: 0 });
    expect(m.coverage).toEqual({ expectedMinutes: 10, coveredMinutes: 8, gapMinutes: 2, excludedMinutes: 0, ratio: 0.8, minimum: 0.99, partialResponse: false, complete: false });
    expect(m.flags).toEqual(['gaps', 'incomplete-data']);
  });

  it('whatever noData says (silence follows noData, gaps never do)', () => {
    for (const noData of ['good', 'bad', 'ignore'] as const) {
      const m = measureSlices(ctx(4), spec({ noData }), obs('g??z'));
      expect(m.gapSlices).toBe(2);
      expect(m.noDataSlices).toBe(1);
      expect(m.achievedDecimal).toBe(noData === 'bad' ? '50' : '100');
      expect(m.coverage.coveredMinutes).toBe(2);
    }
  });

  it('break a run of bad slices, as maintenance does', () => {
    // bbb?bbb with minConsecutiveBadSlices 4: two runs of 3, both counted good
    const m = measureSlices(ctx(7), spec({ minConsecutiveBadSlices: 4 }), obs('bbb?bbb'));
    expect(m).toMatchObject({ badSlices: 0, goodSlices: 6, gapSlices: 1 });
    expect(badRuns(classifyMeasuredSlices(ctx(7), obs('bbb?bbb')), gridOf(T0, 60), spec({ minConsecutiveBadSlices: 4 }))).toEqual([]);
  });

  it('a range that is only gaps has no achieved value and is incomplete, not silent', () => {
    const m = measureSlices(ctx(3), spec(), obs('???'));
    expect(m.achieved).toBeNull();
    expect(m.flags).toEqual(['gaps', 'incomplete-data']);
    const silent = measureSlices(ctx(3), spec(), obs('zzz'));
    expect(silent.flags).toEqual(['no-data']);
    expect(silent.coverage.complete).toBe(true);
  });

  it('the minimum coverage is compared exactly: 99 of 100 is complete at 0.99, 98 of 100 is not', () => {
    const at = (gaps: number) => measureSlices(ctx(100), spec(), obs('g'.repeat(100 - gaps) + '?'.repeat(gaps))).coverage;
    expect(at(1)).toMatchObject({ ratio: 0.99, complete: true });
    expect(at(2)).toMatchObject({ ratio: 0.98, complete: false });
    const strict = measureSlices(ctx(1000), spec({ minCoverage: 0.999 }), obs('g'.repeat(999) + '?'));
    expect(strict.coverage.complete).toBe(true);
    expect(measureSlices(ctx(1000), spec({ minCoverage: 1 }), obs('g'.repeat(999) + '?')).coverage.complete).toBe(false);
  });

  it('maintenance is excluded from the expected minutes', () => {
    const c = ctx(10, { maintenance: [{ start: T0 + 2 * M, end: T0 + 4 * M }] });
    const m = measureSlices(c, spec(), obs('gg??gggggg'));
    expect(m.coverage).toMatchObject({ expectedMinutes: 8, coveredMinutes: 8, gapMinutes: 0, excludedMinutes: 2, complete: true });
  });

  it('a partial response makes a complete coverage incomplete', () => {
    const m = measureSlices(ctx(3), spec(), obs('ggg'), ['partial-response']);
    expect(m.coverage).toMatchObject({ ratio: 1, partialResponse: true, complete: false });
    expect(m.flags).toEqual(['incomplete-data', 'partial-response']);
  });

  it('hourly rollups keep gaps: the same measurement from rollups as from raw slices', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('g', 'b', 'z', '?', 'n'), { minLength: 120, maxLength: 120 }), (chars) => {
        const pattern = chars.join('');
        const c = ctx(120);
        const raw = measureSlices(c, spec({ minConsecutiveBadSlices: 2 }), obs(pattern));
        const rollups = [summariseHour(c, T0, obs(pattern)), summariseHour(c, T0 + 60 * M, obs(pattern))];
        expect(measureFromRollups(rollups, c, spec({ minConsecutiveBadSlices: 2 }))).toEqual(raw);
        // independent count of gaps
        expect(raw.gapSlices).toBe(chars.filter((x) => x === '?').length);
        expect(rollups.every((r) => r.seen === /[gbz]/.test(pattern.slice(rollups.indexOf(r) * 60, rollups.indexOf(r) * 60 + 60)))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('windowCoverage', () => {
  it('counts the slices of the window the block holds: data and silence against gaps', () => {
    const c = ctx(10);
    const block = classifyMeasuredSlices(c, obs('gggg??gzgg'));
    const grid = gridOf(T0, 60);
    // last 5 minutes: '?gzgg' → 4 of 5
    expect(windowCoverage(block, grid, T0 + 5 * M, T0 + 10 * M)).toEqual({ expectedMinutes: 5, coveredMinutes: 4, ratio: 0.8 });
    // a window reaching before the block is judged on its part inside the block
    expect(windowCoverage(block, grid, T0 - 60 * M, T0 + 4 * M)).toEqual({ expectedMinutes: 4, coveredMinutes: 4, ratio: 1 });
    // nothing of the window in the block
    expect(windowCoverage(block, grid, T0 + 20 * M, T0 + 30 * M).ratio).toBeNull();
  });
});

describe('windowCoverages', () => {
  it('property: several windows in one pass give what windowCoverage gives for each', async () => {
    const { windowCoverages } = await import('../../src/slo/methods.js');
    fc.assert(
      fc.property(fc.array(fc.constantFrom('g', 'b', 'n', '?', 'x', '.'), { minLength: 0, maxLength: 300 }), fc.integer({ min: 0, max: 50 }), fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 9 }), fc.integer({ min: -30, max: 30 }), (chars, firstIndex, windows, endShift) => {
        const block = { firstIndex, statuses: chars.join('') };
        const grid = { origin: T0, sliceMs: M };
        const to = T0 + (firstIndex + chars.length + endShift) * M + 7_000;
        const many = windowCoverages(block, grid, to, windows.map((w) => w * M));
        windows.forEach((w, i) => expect(many[i]).toEqual(windowCoverage(block, grid, to - w * M, to)));
      }),
      { numRuns: 300 },
    );
  });
});
