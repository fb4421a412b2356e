// classifySlices takes a slice without errors as 'g' without its exact products, and summariseHourBlock
// hands the measurement the classified sums instead of the rollup's decimal texts. Both held against an
// independent classification written here with exact rationals (BigInt), on generated slices.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COUNT_SCALE, RATIO_SCALE, decimalToUnits } from '../../src/slo/exact.js';
import { type SliceContext, type SliceObservation, gridOf, summariseHourBlock } from '../../src/slo/slices.js';

const M = 60_000;
const H = 60 * M;
const T0 = Date.UTC(2026, 2, 1);

/** Units of 1e-12, as the measurement counts (x rounded to 12 places). */
const units = (x: number) => BigInt(Math.round(x * 1e12));

/** The reference: status and sums of one slice, from good/total as written ("0.95" = 95/100). */
function reference(obs: SliceObservation, ratio: { n: bigint; d: bigint }) {
  const total = obs.total === null ? 0n : units(obs.total);
  if (total <= 0n) return { c: 'n', good: 0n, total: 0n, err: 0n };
  let good = obs.good === null ? 0n : units(obs.good);
  if (good < 0n) good = 0n;
  if (good > total) good = total;
  const c = good * ratio.d < ratio.n * total ? 'b' : 'g';
  const scale = 10n ** 20n;
  // (total − good) / total in units of 1e-20, half up
  const err = ((total - good) * scale * 2n + total) / (2n * total);
  return { c, good, total, err };
}

const countArb = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1_000_000 }), fc.double({ min: 0, max: 1e7, noNaN: true }));
const sliceArb = fc.oneof(
  // all good (the fast path), most slices of most services
  countArb.map((t) => ({ good: t, total: t })),
  fc.tuple(countArb, countArb).map(([g, t]) => ({ good: g, total: t })),
  fc.record({ good: fc.constant(null), total: countArb }),
);

describe('classification without errors, and the sums handed on', () => {
  for (const [ratioText, n, d] of [['0.95', 95n, 100n], ['1', 1n, 1n], ['0.999', 999n, 1000n], ['1.5', 15n, 10n]] as const) {
    it(`agrees with exact rationals at sliceGoodRatio ${ratioText}${ratioText === '1.5' ? ' (above 1: a slice without errors is bad)' : ''}`, () => {
      fc.assert(
        fc.property(fc.array(sliceArb, { minLength: 1, maxLength: 60 }), (slices) => {
          const ctx: SliceContext = { grid: gridOf(T0, 60), range: { start: T0, end: T0 + H }, maintenance: [], sliceGoodRatio: Number(ratioText) };
          const observations: SliceObservation[] = slices.map((s, i) => ({ start: T0 + i * M, good: s.good, total: s.total }));
          const { rollup, block } = summariseHourBlock(ctx, T0, observations);
          let chars = '';
          let good = 0n;
          let total = 0n;
          let err = 0n;
          for (const o of observations) {
            const r = reference(o, { n, d });
            chars += r.c;
            if (r.c !== 'n') {
              good += r.good;
              total += r.total;
              err += r.err;
            }
          }
          expect(block.statuses.slice(0, chars.length)).toBe(chars);
          // slices after the observations have none: silence
          expect(block.statuses.slice(chars.length)).toBe('n'.repeat(60 - chars.length));
          expect([block.goodUnits, block.totalUnits, block.errorRatioUnits]).toEqual([good, total, err]);
          // the rollup's texts say the same sums
          expect([decimalToUnits(rollup.goodSum, COUNT_SCALE), decimalToUnits(rollup.totalSum, COUNT_SCALE), decimalToUnits(rollup.errorRatioSum, RATIO_SCALE)]).toEqual([good, total, err]);
          expect(rollup.statuses).toBe(block.statuses);
        }),
        { numRuns: 300 },
      );
    });
  }

  it('a slice without errors at a ratio above 1 is bad (good/total = 1 < 1.5)', () => {
    const ctx: SliceContext = { grid: gridOf(T0, 60), range: { start: T0, end: T0 + H }, maintenance: [], sliceGoodRatio: 1.5 };
    const { block } = summariseHourBlock(ctx, T0, [{ start: T0, good: 10, total: 10 }]);
    expect(block.statuses[0]).toBe('b');
    expect(block.errorRatioUnits).toBe(0n);
  });
});
