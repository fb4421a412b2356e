import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MeasurementSpec } from '../../src/contract/model.js';
import type { Interval } from '../../src/slo/interval.js';
import { measureFromRollups, measureSlices } from '../../src/slo/measure.js';
import { badRuns } from '../../src/slo/methods.js';
import { type SliceContext, type SliceObservation, classifyMeasuredSlices, gridOf, summariseHour } from '../../src/slo/slices.js';

const ORIGIN = Date.UTC(2026, 2, 1, 5, 0, 0);

const specArb = fc.record({
  method: fc.constantFrom('events' as const, 'timeslices' as const, 'averaged' as const),
  sliceSeconds: fc.constantFrom(30, 60, 300, 420),
  sliceGoodRatio: fc.constantFrom(0.5, 0.9, 0.95, 0.999, 1),
  minConsecutiveBadSlices: fc.integer({ min: 1, max: 6 }),
  noData: fc.constantFrom('good' as const, 'bad' as const, 'ignore' as const),
});

const valueArb = fc.oneof(
  { weight: 6, arbitrary: fc.record({ good: fc.integer({ min: 0, max: 1000 }), extra: fc.integer({ min: 0, max: 50 }) }).map(({ good, extra }) => ({ good, total: good + extra })) },
  { weight: 2, arbitrary: fc.record({ good: fc.double({ min: 0, max: 1e6, noNaN: true }), total: fc.double({ min: 0, max: 1e6, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.constantFrom({ good: 0, total: 0 }, { good: null, total: null }, { good: null, total: 3 }, { good: 5, total: Number.NaN }) },
);

/** A scenario: n slices of the grid, a range that may start/end mid-slice, maintenance, observations. */
const scenarioArb = specArb.chain((spec) => {
  const sliceMs = spec.sliceSeconds * 1000;
  return fc
    .record({
      n: fc.integer({ min: 1, max: 150 }),
      startOffset: fc.integer({ min: 0, max: 3 * sliceMs }),
      endSlack: fc.integer({ min: -2 * sliceMs, max: 2 * sliceMs }),
      maintenance: fc.array(fc.record({ at: fc.integer({ min: -5, max: 160 }), len: fc.integer({ min: 1, max: 8 * sliceMs }) }), { maxLength: 4 }),
      values: fc.array(fc.option(valueArb, { freq: 4 }), { minLength: 170, maxLength: 170 }),
      cuts: fc.array(fc.integer({ min: 1, max: 160 * sliceMs }), { maxLength: 8 }),
      dropped: fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }),
    })
    .map((s) => {
      const range: Interval = { start: ORIGIN + s.startOffset, end: Math.max(ORIGIN + s.startOffset + 1, ORIGIN + s.n * sliceMs + s.endSlack) };
      const maintenance = s.maintenance.map((w) => ({ start: ORIGIN + w.at * sliceMs + (w.len % 997), end: ORIGIN + w.at * sliceMs + (w.len % 997) + w.len }));
      const observations: SliceObservation[] = [];
      s.values.forEach((v, i) => {
        if (v) observations.push({ start: ORIGIN + (i - 5) * sliceMs, good: v.good, total: v.total });
      });
      const fullSpec: MeasurementSpec = { ...spec, slice: `${spec.sliceSeconds}s` };
      const ctx: SliceContext = { grid: gridOf(ORIGIN, spec.sliceSeconds), range, maintenance, sliceGoodRatio: spec.sliceGoodRatio };
      return { spec: fullSpec, ctx, observations, cuts: s.cuts, dropped: s.dropped, sliceMs };
    });
});

describe('measurement properties', () => {
  it('achieved is null or within [0, 100]; counts add up', () => {
    fc.assert(
      fc.property(scenarioArb, ({ spec, ctx, observations, sliceMs }) => {
        const m = measureSlices(ctx, spec, observations);
        if (m.achieved !== null) {
          expect(m.achieved).toBeGreaterThanOrEqual(0);
          expect(m.achieved).toBeLessThanOrEqual(100);
        } else {
          expect(m.flags.some((f) => f === 'no-data' || f === 'nothing-measured')).toBe(true);
        }
        const inRange = Math.floor((ctx.range!.end - ORIGIN) / sliceMs) - Math.ceil((ctx.range!.start - ORIGIN) / sliceMs);
        const folded = spec.noData === 'ignore' ? m.noDataSlices : 0;
        expect(m.goodSlices + m.badSlices + folded + m.excludedSlices).toBe(Math.max(0, inRange));
        expect(m.measuredMinutes + m.excludedMinutes).toBeCloseTo((Math.max(0, inRange) * sliceMs) / 60_000, 9);
        if (spec.method === 'timeslices') {
          const runs = badRuns(classifyMeasuredSlices(ctx, observations), ctx.grid, spec);
          expect(runs.reduce((a, r) => a + r.slices, 0)).toBe(m.badSlices);
          for (const r of runs) expect(r.start >= ctx.range!.start && r.end <= ctx.range!.end && r.slices >= spec.minConsecutiveBadSlices).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('hourly (arbitrary-block) rollups give exactly the raw result, also with missing blocks', () => {
    fc.assert(
      fc.property(scenarioArb, ({ spec, ctx, observations, cuts, dropped, sliceMs }) => {
        const lo = ORIGIN - 10 * sliceMs;
        const hi = ORIGIN + 170 * sliceMs;
        const bounds = [lo, ...cuts.map((c) => ORIGIN + c).sort((a, b) => a - b), hi];
        const kept: SliceObservation[] = [];
        const rollups = [];
        for (let i = 0; i + 1 < bounds.length; i++) {
          const [from, to] = [bounds[i]!, bounds[i + 1]!];
          const inBlock = observations.filter((o) => o.start >= from && o.start < to);
          if (dropped[i % dropped.length]) {
            // a lost hour is a gap in both paths: unknown, never silence
            for (let t = ORIGIN + Math.ceil((from - ORIGIN) / sliceMs) * sliceMs; t < to; t += sliceMs) kept.push({ start: t, good: null, total: null, gap: true });
            continue;
          }
          kept.push(...inBlock);
          rollups.push(summariseHour(ctx, from, observations, to));
        }
        // order of rollups must not matter
        rollups.reverse();
        const viaRollups = measureFromRollups(JSON.parse(JSON.stringify(rollups)), ctx, spec);
        expect(viaRollups).toEqual(measureSlices(ctx, spec, kept));
      }),
      { numRuns: 150 },
    );
  });

  it('maintenance never increases measured time and never adds bad slices to timeslices with minRun 1', () => {
    fc.assert(
      fc.property(scenarioArb, fc.integer({ min: 0, max: 150 }), fc.integer({ min: 1, max: 3_600_000 }), ({ spec, ctx, observations, sliceMs }, at, len) => {
        const extra = { start: ORIGIN + at * sliceMs + 17, end: ORIGIN + at * sliceMs + 17 + len };
        const before = measureSlices(ctx, spec, observations);
        const after = measureSlices({ ...ctx, maintenance: [...(ctx.maintenance as Interval[]), extra] }, spec, observations);
        expect(after.measuredMinutes).toBeLessThanOrEqual(before.measuredMinutes);
        expect(after.excludedMinutes).toBeGreaterThanOrEqual(before.excludedMinutes);
        if (spec.method === 'timeslices' && spec.minConsecutiveBadSlices === 1) expect(after.badSlices).toBeLessThanOrEqual(before.badSlices);
      }),
      { numRuns: 150 },
    );
  });

  it('timeslices agree with a naive integer oracle (no maintenance, noData good/bad)', () => {
    const arb = fc.record({
      ratioPercent: fc.integer({ min: 1, max: 100 }),
      minRun: fc.integer({ min: 1, max: 5 }),
      noData: fc.constantFrom('good' as const, 'bad' as const),
      slices: fc.array(fc.option(fc.record({ good: fc.integer({ min: 0, max: 20 }), bad: fc.integer({ min: 0, max: 20 }) }), { freq: 5 }), { minLength: 1, maxLength: 120 }),
    });
    fc.assert(
      fc.property(arb, ({ ratioPercent, minRun, noData, slices }) => {
        const observations = slices.flatMap((s, i) => (s ? [{ start: ORIGIN + i * 60_000, good: s.good, total: s.good + s.bad }] : []));
        const spec: MeasurementSpec = { method: 'timeslices', slice: '1m', sliceSeconds: 60, sliceGoodRatio: ratioPercent / 100, minConsecutiveBadSlices: minRun, noData };
        const ctx: SliceContext = { grid: gridOf(ORIGIN, 60), range: { start: ORIGIN, end: ORIGIN + slices.length * 60_000 }, maintenance: [], sliceGoodRatio: ratioPercent / 100 };
        const m = measureSlices(ctx, spec, observations);
        // oracle: integer compare 100·good < ratioPercent·total; runs by splitting a 0/1 string
        const bits = slices.map((s) => (!s || s.good + s.bad === 0 ? (noData === 'bad' ? '1' : '0') : 100 * s.good < ratioPercent * (s.good + s.bad) ? '1' : '0')).join('');
        const bad = bits.split('0').filter((r) => r.length >= minRun).reduce((a, r) => a + r.length, 0);
        const hasData = slices.some((s) => s && s.good + s.bad > 0);
        expect(m.badSlices).toBe(bad);
        if (!hasData) expect(m.achieved).toBeNull();
        // terminating quotients (denominator of 2s and 5s only) must be exact, digit for digit
        const n = slices.length;
        const g = (a: number, b: number): number => (b === 0 ? a : g(b, a % b));
        let den = n / g(100 * (n - bad), n);
        while (den % 2 === 0) den /= 2;
        while (den % 5 === 0) den /= 5;
        if (hasData && den === 1) expect(m.achievedDecimal).toBe(String((100 * (n - bad)) / n));
        if (hasData) expect(Math.abs(m.achieved! - (100 * (slices.length - bad)) / slices.length)).toBeLessThan(1e-9);
      }),
      { numRuns: 200 },
    );
  });
});
