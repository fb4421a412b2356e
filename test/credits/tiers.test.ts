import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TierDoc } from '../../src/contract/schema.js';
import { inTier, matchTier, roundAchieved, tierFor } from '../../src/credits/tiers.js';

const AWS: TierDoc[] = [
  { below: 99.99, percent: 10 },
  { below: 99.0, percent: 30 },
  { below: 95.0, percent: 100 },
];
// GitHub style: "<= 99.9 but > 99.0" → 10, "< 99.0" → 25: exactly 99.0 is in neither.
const GITHUB: TierDoc[] = [
  { atOrBelow: 99.9, above: 99.0, percent: 10 },
  { below: 99.0, percent: 25 },
];

describe('tiers: exact boundaries', () => {
  it('exactly on `below` earns nothing from that tier', () => {
    expect(tierFor('99.99', AWS)).toBe(0);
    expect(tierFor('99.98999999999999999999', AWS)).toBe(10);
    expect(tierFor('99', AWS)).toBe(10);
    expect(tierFor('95.0', AWS)).toBe(30);
    expect(tierFor('94.999', AWS)).toBe(100);
    expect(tierFor('0', AWS)).toBe(100);
    expect(tierFor('100', AWS)).toBe(0);
  });

  it('exactly on `atOrBelow` earns the credit; the GitHub gap at exactly 99.0 earns nothing', () => {
    expect(tierFor('99.9', GITHUB)).toBe(10);
    expect(tierFor('99.90000000000000000001', GITHUB)).toBe(0);
    expect(tierFor('99.0', GITHUB)).toBe(0);
    expect(tierFor('99.00000000000000000001', GITHUB)).toBe(10);
    expect(tierFor('98.99999999999999999999', GITHUB)).toBe(25);
    expect(matchTier('99.5', GITHUB)).toEqual({ percent: 10, tierIndex: 0, compared: '99.5' });
    expect(matchTier('99', GITHUB)).toEqual({ percent: 0, tierIndex: null, compared: '99' });
  });

  it('atOrAbove lower bounds are inclusive', () => {
    const t: TierDoc[] = [{ below: 99.99, atOrAbove: 99.0, percent: 10 }];
    expect(tierFor('99.0', t)).toBe(10);
    expect(tierFor('98.99', t)).toBe(0);
  });

  it('tier values are the decimals written, not their binary floats', () => {
    // 99.95 as a double is 99.9500000000000028...; "99.95" achieved must not be "below" it.
    expect(tierFor('99.95', [{ below: 99.95, percent: 10 }])).toBe(0);
    // 0.1 + 0.2 style: 0.3 as written
    expect(tierFor('0.3', [{ below: 0.3, percent: 10 }])).toBe(0);
    expect(tierFor('0.30000000000000004', [{ atOrBelow: 0.3, percent: 10 }])).toBe(0);
  });

  it('rounding to 0.1 is half-up on a tie that half-even rounds the other way: 99.85 → 99.9', () => {
    // The decision in src/credits/tiers.ts: ties away from zero. Half-even would give 99.8 (8 is even).
    expect(roundAchieved('99.85', 'nearest-0.1').toFixed()).toBe('99.9');
    expect(roundAchieved('99.65', 'nearest-0.1').toFixed()).toBe('99.7');
    expect(roundAchieved('99.8499999', 'nearest-0.1').toFixed()).toBe('99.8');
    expect(roundAchieved('99.81', 'nearest-0.1').toFixed()).toBe('99.8'); // not rounded up (ROUND_UP/CEIL would say 99.9)
    expect(roundAchieved('99.89', 'nearest-0.1').toFixed()).toBe('99.9'); // not truncated
    const t: TierDoc[] = [{ below: 99.9, percent: 10 }];
    expect(matchTier('99.85', t, 'nearest-0.1')).toEqual({ percent: 0, tierIndex: null, compared: '99.9' });
    expect(matchTier('99.85', t, 'none')).toEqual({ percent: 10, tierIndex: 0, compared: '99.85' });
    expect(tierFor('99.84', t, 'nearest-0.1')).toBe(10);
  });

  it('rounding happens before the compare, half-up', () => {
    expect(roundAchieved('99.949', 'nearest-0.1').toFixed()).toBe('99.9');
    expect(roundAchieved('99.95', 'nearest-0.1').toFixed()).toBe('100');
    expect(roundAchieved('99.945', 'nearest-0.01').toFixed()).toBe('99.95');
    expect(roundAchieved('99.9449999', 'nearest-0.01').toFixed()).toBe('99.94');
    const t: TierDoc[] = [{ below: 99.95, percent: 10 }];
    expect(tierFor('99.945', t, 'none')).toBe(10);
    expect(tierFor('99.945', t, 'nearest-0.01')).toBe(0);
    expect(matchTier('99.945', t, 'nearest-0.01').compared).toBe('99.95');
  });

  it('highest percent wins whatever the order', () => {
    expect(tierFor('50', [{ below: 95, percent: 100 }, { below: 99.99, percent: 10 }])).toBe(100);
    expect(matchTier('50', [{ below: 99.99, percent: 10 }, { below: 95, percent: 100 }]).tierIndex).toBe(1);
  });
});

describe('tiers: properties', () => {
  it('rounding: half-up to 1 or 2 places, as integer arithmetic on the digits says (ties included)', () => {
    // achieved with 4 decimal places, as an integer n (99.85 is 998500); ties are made frequent
    const n4 = fc.oneof(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: 20_000 }).map((k) => k * 50));
    fc.assert(
      fc.property(n4, (n) => {
        const s = (n / 10_000).toFixed(4);
        const show = (units: number, places: number) => (units / 10 ** places).toFixed(places).replace(/\.?0+$/, '') || '0';
        expect(roundAchieved(s, 'nearest-0.1').toFixed()).toBe(show(Math.floor((n + 500) / 1000), 1));
        expect(roundAchieved(s, 'nearest-0.01').toFixed()).toBe(show(Math.floor((n + 50) / 100), 2));
        expect(roundAchieved(s, 'none').toFixed()).toBe(show(n, 4));
      }),
      { numRuns: 500 },
    );
  });

  it('matching: 0 or the percent of a matching tier, no matching tier has more; one tier restated independently', () => {
    // bounds and achieved in hundredths, compared as integers (the tier function compares exact decimals)
    const bound = fc.integer({ min: 1, max: 10000 });
    const tier = fc
      .record({ up: bound, upIncl: fc.boolean(), low: fc.option(bound, { nil: undefined }), lowIncl: fc.boolean(), percent: fc.integer({ min: 1, max: 100 }) })
      .map((t) => ({
        raw: t,
        doc: {
          ...(t.upIncl ? { atOrBelow: t.up / 100 } : { below: t.up / 100 }),
          ...(t.low === undefined ? {} : t.lowIncl ? { atOrAbove: t.low / 100 } : { above: t.low / 100 }),
          percent: t.percent,
        } as TierDoc,
      }));
    fc.assert(
      fc.property(fc.array(tier, { maxLength: 6 }), fc.integer({ min: 0, max: 10000 }), (ts, x) => {
        const achieved = (x / 100).toFixed(2);
        const matches = (t: (typeof ts)[number]['raw']) =>
          (t.upIncl ? x <= t.up : x < t.up) && (t.low === undefined ? true : t.lowIncl ? x >= t.low : x > t.low);
        for (const t of ts) expect(inTier(roundAchieved(achieved, 'none'), t.doc), JSON.stringify(t.doc)).toBe(matches(t.raw));
        const matching = ts.filter((t) => matches(t.raw)).map((t) => t.raw.percent);
        const best = matching.length ? Math.max(...matching) : 0;
        const m = matchTier(achieved, ts.map((t) => t.doc));
        expect(m.percent).toBe(best);
        // the winner is the first tier with the best percent
        expect(m.tierIndex).toBe(best === 0 ? null : ts.findIndex((t) => matches(t.raw) && t.raw.percent === best));
      }),
      { numRuns: 300 },
    );
  });

  it('a tier with only lower bounds matches nothing', () => {
    expect(inTier(roundAchieved('50', 'none'), { above: 10, percent: 5 } as TierDoc)).toBe(false);
    expect(inTier(roundAchieved('50', 'none'), { atOrAbove: 10, percent: 5 } as TierDoc)).toBe(false);
    expect(tierFor('50', [{ atOrAbove: 10, percent: 5 } as TierDoc])).toBe(0);
  });

  // decimals with up to 4 places in [0, 100], as strings built from integers (no floats involved)
  const dec4 = fc.integer({ min: 0, max: 1_000_000 }).map((n) => (n / 10_000).toFixed(4));
  const upperOnlyTier = fc.record({ x: dec4, strict: fc.boolean(), percent: fc.integer({ min: 1, max: 100 }) }).map(
    ({ x, strict, percent }): TierDoc => (strict ? { below: Number(x), percent } : { atOrBelow: Number(x), percent }),
  );

  it('monotonic: with nested (upper-bound-only) tiers a lower achieved never gets a lower credit', () => {
    fc.assert(
      fc.property(fc.array(upperOnlyTier, { maxLength: 6 }), dec4, dec4, fc.constantFrom('none' as const, 'nearest-0.1' as const, 'nearest-0.01' as const), (tiers, a, b, rounding) => {
        const [lo, hi] = Number(a) <= Number(b) ? [a, b] : [b, a];
        expect(tierFor(lo, tiers, rounding)).toBeGreaterThanOrEqual(tierFor(hi, tiers, rounding));
      }),
      { numRuns: 300 },
    );
  });

  it('exactly on a bound: below excludes, atOrBelow includes; one ulp of the decimal either side flips', () => {
    fc.assert(
      fc.property(dec4, fc.integer({ min: 1, max: 100 }), (x, percent) => {
        // x ± 1e-20, by integer arithmetic on the digits (x has exactly 4 places)
        const shift = (s: string, d: bigint) => (BigInt(s.replace('.', '')) * 10n ** 16n + d).toString().padStart(21, '0').replace(/(\d{20})$/, '.$1');
        const up = (s: string) => shift(s, 1n);
        const down = (s: string) => shift(s, -1n);
        expect(up('0.0001')).toBe('0.00010000000000000001');
        expect(tierFor(x, [{ below: Number(x), percent }])).toBe(0);
        expect(tierFor(x, [{ atOrBelow: Number(x), percent }])).toBe(percent);
        expect(tierFor(up(x), [{ atOrBelow: Number(x), percent }])).toBe(0);
        if (Number(x) > 0) expect(tierFor(down(x), [{ below: Number(x), percent }])).toBe(percent);
      }),
      { numRuns: 300 },
    );
  });
});
