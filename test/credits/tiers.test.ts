import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TierDoc } from '../../src/contract/schema.js';
import { matchTier, roundAchieved, tierFor } from '../../src/credits/tiers.js';

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
