// Slices: grid validation, ranges that do not start at the grid origin, what summariseHour calls
// "seen", and how blockFromRollups checks rollups against the context. Expected status strings are
// written out by hand.
import { describe, expect, it } from 'vitest';
import {
  type SliceContext,
  type SliceObservation,
  type SliceRollup,
  blockFromRollups,
  classifyMeasuredSlices,
  gridOf,
  measuredSlices,
  sliceIndexAt,
  summariseHour,
} from '../../src/slo/slices.js';

const M = 60_000;
const H = 60 * M;
const T0 = Date.UTC(2026, 2, 1, 5); // grid origin (a period start in New York)

function ctx(over: Partial<SliceContext> = {}): SliceContext {
  return { grid: gridOf(T0, 60), range: { start: T0, end: T0 + 3 * H }, maintenance: [], sliceGoodRatio: 0.95, ...over };
}

const good = (i: number): SliceObservation => ({ start: T0 + i * M, good: 100, total: 100 });

describe('gridOf', () => {
  it('accepts a positive whole number of seconds', () => {
    expect(gridOf(T0, 60)).toEqual({ origin: T0, sliceMs: 60_000 });
    expect(gridOf(T0, 1)).toEqual({ origin: T0, sliceMs: 1000 });
  });

  it('rejects zero, negative, fractional and non-numbers, naming the value', () => {
    for (const s of [0, -60, 1.5, 0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => gridOf(T0, s), String(s)).toThrow(`slice length must be a positive whole number of seconds: ${s}`);
    }
  });
});

describe('slice indices', () => {
  it('a misaligned start is an error naming the instant, the origin and the slice length', () => {
    const g = gridOf(T0, 300);
    expect(() => sliceIndexAt(g, T0 + 90_000)).toThrow('slice start 2026-03-01T05:01:30.000Z is not aligned to the slice grid (origin 2026-03-01T05:00:00.000Z, 300s)');
    expect(sliceIndexAt(g, T0 + 600_000)).toBe(2);
  });

  it('a range starting after the origin: measuredSlices and the classified block start there', () => {
    // range [T0 + 10.5 min, T0 + 25 min): whole slices 11..24
    const c = ctx({ range: { start: T0 + 10 * M + 30_000, end: T0 + 25 * M } });
    expect(measuredSlices(c)).toEqual({ firstStart: T0 + 11 * M, count: 14, sliceMs: M });
    const b = classifyMeasuredSlices(c, [good(11), good(12)]);
    expect(b.firstIndex).toBe(11);
    expect(b.statuses).toBe('gg' + 'n'.repeat(12));
    const fromRollups = blockFromRollups(c, [summariseHour(c, T0, [good(11), good(12)])]);
    expect(fromRollups.firstIndex).toBe(11);
    expect(fromRollups.statuses).toBe(b.statuses);
  });

  it('a range starting before the grid origin (negative slice indices) is classified too', () => {
    const c = ctx({ range: { start: T0 - 10 * M, end: T0 + 5 * M } });
    expect(measuredSlices(c)).toEqual({ firstStart: T0 - 10 * M, count: 15, sliceMs: M });
    const raw = classifyMeasuredSlices(c, [good(-10), good(4)]);
    expect(raw).toMatchObject({ firstIndex: -10, statuses: 'g' + 'n'.repeat(13) + 'g' });
    // no rollup at all: every measured slice is a gap
    expect(blockFromRollups(c, [])).toMatchObject({ firstIndex: -10, statuses: '?'.repeat(15), goodUnits: 0n });
  });
});

describe('summariseHour: seen', () => {
  const c = ctx();
  const hour = T0 + H; // slices 60..119

  it('is false for an hour without observations, whatever lies just outside it', () => {
    expect(summariseHour(c, hour, []).seen).toBe(false);
    const outside = [good(59), good(120)]; // last slice of the hour before, first of the hour after
    const r = summariseHour(c, hour, outside);
    expect(r.seen).toBe(false);
    expect(r.statuses).toBe('n'.repeat(60));
    expect(r.totalSum).toBe('0');
    expect(r.start).toBe(hour);
  });

  it('is true for a sample (0 included) of the total series in the hour', () => {
    expect(summariseHour(c, hour, [{ start: hour + 5 * M, good: 0, total: 0 }]).seen).toBe(true);
    expect(summariseHour(c, hour, [{ start: hour + 59 * M, good: 1, total: 1 }]).seen).toBe(true);
    expect(summariseHour(c, hour, [good(60)]).seen).toBe(true);
  });

  it('is false for gaps and for no total; a NaN sample is a sample (the series exists, as the fetch counts it)', () => {
    expect(summariseHour(c, hour, [{ start: hour, good: 5, total: 5, gap: true }]).seen).toBe(false);
    expect(summariseHour(c, hour, [{ start: hour, good: 5, total: null }]).seen).toBe(false);
    expect(summariseHour(c, hour, [{ start: hour, good: 5, total: Number.NaN }]).seen).toBe(true);
  });
});

describe('summariseHour: the observations it is given', () => {
  const c = ctx();
  const hour = T0 + H;

  it('refuses two observations of one slice, inside the hour or outside it, and a slice off the grid', () => {
    expect(() => summariseHour(c, hour, [good(61), good(61)])).toThrow(`two observations for the slice starting ${new Date(T0 + 61 * M).toISOString()}`);
    expect(() => summariseHour(c, hour, [good(5), good(61), good(5)])).toThrow(`two observations for the slice starting ${new Date(T0 + 5 * M).toISOString()}`);
    expect(() => summariseHour(c, hour, [good(120), good(120)])).toThrow('two observations');
    // the block's first and last slices, and the slice just before it
    for (const i of [59, 60, 119]) expect(() => summariseHour(c, hour, [good(i), good(i)]), String(i)).toThrow('two observations');
    expect(() => summariseHour(c, hour, [{ start: hour + 30_000, good: 1, total: 1 }])).toThrow('is not aligned to the slice grid');
    // the same slice index inside and outside cannot happen; one outside and one inside are both fine
    expect(summariseHour(c, hour, [good(59), good(60)]).statuses).toBe(`g${'n'.repeat(59)}`);
  });

  it('classifies each slice from its own observation, in any order', () => {
    const bad = (i: number): SliceObservation => ({ start: T0 + i * M, good: 90, total: 100 });
    const r = summariseHour(c, hour, [bad(119), good(60), { start: T0 + 62 * M, good: 1, total: 1, gap: true }, bad(61)]);
    expect(r.statuses).toBe(`gb?${'n'.repeat(56)}b`);
    expect([r.goodSum, r.totalSum]).toEqual(['280', '300']);
  });
});

describe('blockFromRollups checks rollups against the context', () => {
  const c = ctx();
  const hour0 = (): SliceRollup => summariseHour(c, T0, [good(0), good(1)]);

  it('a rollup of another slice length is rejected, naming both lengths', () => {
    const c5 = ctx({ grid: gridOf(T0, 300) });
    const r = summariseHour(c5, T0, []);
    expect(() => blockFromRollups(c, [r])).toThrow('rollup at 2026-03-01T05:00:00.000Z has 300s slices, expected 60s');
  });

  it('a rollup written before sliceGoodRatio was recorded is accepted', () => {
    const { sliceGoodRatio: _, ...legacy } = hour0();
    expect(blockFromRollups(c, [legacy])).toEqual(blockFromRollups(c, [hour0()]));
    expect(() => blockFromRollups(c, [{ ...hour0(), sliceGoodRatio: 0.9 }])).toThrow('was made with sliceGoodRatio 0.9, not 0.95: recompute it');
  });

  it('a status character outside g b n ? x . is rejected', () => {
    const r = { ...hour0(), statuses: 'gz' + 'n'.repeat(58) };
    expect(() => blockFromRollups(c, [r])).toThrow('rollup at 2026-03-01T05:00:00.000Z: bad status character "z"');
  });

  it("a rollup excluding a slice the context measures names the rollup's and the context's status", () => {
    const r = { ...hour0(), statuses: 'gx' + 'n'.repeat(58) };
    expect(() => blockFromRollups(c, [r])).toThrow("(rollup 'x', context 'g/b/n/?'): recompute it");
  });

  it("a rollup marking '.' a slice the context excludes for maintenance was made for another context", () => {
    const cm = ctx({ maintenance: [{ start: T0 + 10 * M, end: T0 + 20 * M }] });
    const r = summariseHour(cm, T0, []);
    expect(r.statuses.slice(10, 20)).toBe('x'.repeat(10));
    expect(blockFromRollups(cm, [r]).statuses.slice(0, 60)).toBe('n'.repeat(10) + 'x'.repeat(10) + 'n'.repeat(40));
    const dotted = { ...r, statuses: r.statuses.slice(0, 10) + '.'.repeat(10) + r.statuses.slice(20) };
    expect(() => blockFromRollups(cm, [dotted])).toThrow("(rollup '.', context 'x'): recompute it");
    // where the context measures, a '.' is a slice the rollup did not cover: a gap
    const early = { ...r, statuses: 'n'.repeat(10) + 'x'.repeat(10) + '.'.repeat(40) };
    expect(blockFromRollups(cm, [early]).statuses.slice(0, 60)).toBe('n'.repeat(10) + 'x'.repeat(10) + '?'.repeat(40));
  });

  it('a rollup reaching past the end of the measured range adds nothing after it', () => {
    // period-to-date: asOf at T0 + 30 min; the hour's rollup holds 30 slices and 30 '.'
    const partial = ctx({ range: { start: T0, end: T0 + 30 * M } });
    const r = summariseHour(partial, T0, [good(0), good(29), good(30)]);
    expect(r.statuses).toBe('g' + 'n'.repeat(28) + 'g' + '.'.repeat(30));
    const b = blockFromRollups(partial, [r]);
    expect(b.statuses).toBe('g' + 'n'.repeat(28) + 'g');
    expect(b).toEqual(classifyMeasuredSlices(partial, [good(0), good(29), good(30)]));
  });

  it('the block has exactly one status per measured slice', () => {
    const b = blockFromRollups(c, [hour0()]);
    expect(b.statuses).toBe('gg' + 'n'.repeat(58) + '?'.repeat(120));
    expect(b.statuses).toHaveLength(180);
  });

  it('a rollup without data slices adds no sums', () => {
    const r = { ...summariseHour(c, T0, []), goodSum: '3', totalSum: '4', errorRatioSum: '0.25', clampedSlices: 1 };
    const b = blockFromRollups(c, [r]);
    expect(b).toMatchObject({ goodUnits: 0n, totalUnits: 0n, errorRatioUnits: 0n, clampedSlices: 0 });
    // and one with a data slice adds its sums
    const d = blockFromRollups(c, [hour0()]);
    expect(d).toMatchObject({ goodUnits: 200n * 10n ** 12n, totalUnits: 200n * 10n ** 12n, errorRatioUnits: 0n });
  });
});
