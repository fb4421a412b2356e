// Budget, exact decimal and interval arithmetic: the cases the mutation run (test/mutation/) showed
// untested. Ground truth is computed independently: by hand, with BigInt fractions, or with decimal.js
// at a much higher precision than the code under test.
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { budgetRemainingDecimal, burnRate, burnRateFromCounts, errorBudget, pairFiring } from '../../src/slo/budget.js';
import { countUnits, decimalToUnits, exactFraction, unitsToDecimal } from '../../src/slo/exact.js';
import { intersect, mergeIntervals, totalLength, type Interval } from '../../src/slo/interval.js';

const Big = Decimal.clone({ precision: 200 });

describe('budget: unknown inputs give no burn rate', () => {
  it('burnRate of an unknown or non-finite SLI is null', () => {
    expect(burnRate(null, 99.9)).toBeNull();
    expect(burnRate(Number.NaN, 99.9)).toBeNull();
    expect(burnRate(Number.POSITIVE_INFINITY, 99.9)).toBeNull();
    expect(burnRate(Number.NEGATIVE_INFINITY, 99.9)).toBeNull();
    // and a known one is (1 − sli)/b: 0.1 % errors against a 0.1 % budget burns at 1
    expect(burnRate(0.999, 99.9)).toBe(1);
  });

  it('burnRateFromCounts is null without usable counts or traffic', () => {
    expect(burnRateFromCounts(null, 100, 99.9)).toBeNull();
    expect(burnRateFromCounts(99, null, 99.9)).toBeNull();
    expect(burnRateFromCounts(Number.NaN, 100, 99.9)).toBeNull();
    expect(burnRateFromCounts(99, Number.NaN, 99.9)).toBeNull();
    expect(burnRateFromCounts(Number.POSITIVE_INFINITY, 100, 99.9)).toBeNull();
    expect(burnRateFromCounts(99, Number.POSITIVE_INFINITY, 99.9)).toBeNull();
    expect(burnRateFromCounts(0, 0, 99.9)).toBeNull();
    expect(burnRateFromCounts(0, -5, 99.9)).toBeNull();
    // 1 bad in 1000 against a 0.1 % budget burns at exactly 1
    expect(burnRateFromCounts(999, 1000, 99.9)).toBe(1);
  });

  it('property: burnRateFromCounts = (total − clamp(good))/total × 100/(100 − O), exact to the double', () => {
    fc.assert(
      fc.property(fc.integer({ min: -50, max: 1_000_050 }), fc.integer({ min: 1, max: 1_000_000 }), fc.constantFrom(90, 99, 99.5, 99.9, 99.95, 99.99), (good, total, o) => {
        const g = Math.min(Math.max(good, 0), total);
        const want = new Big(total - g).div(total).times(100).div(new Big(100).minus(String(o))).toNumber();
        expect(burnRateFromCounts(good, total, o)).toBe(want);
      }),
      { numRuns: 300 },
    );
  });
});

describe('budget: remaining budget keeps 40 significant digits', () => {
  it('1 − (100 − 99.99)/(100 − 99.97) is 2/3 to 40 digits, not 20', () => {
    const r = budgetRemainingDecimal('99.99', 99.97)!;
    const err = r.minus(new Big(2).div(3)).abs();
    expect(err.lt('1e-38')).toBe(true);
    expect(err.gt(0)).toBe(true); // it is rounded, at the 40th digit
  });

  it('errorBudget of 99.95 is exactly 0.0005 (no float noise)', () => {
    expect(errorBudget(99.95)).toBe(0.0005);
    expect(errorBudget(99.9)).toBe(0.001);
  });
});

describe('budget: a burn-rate pair fires only when both windows exceed the factor', () => {
  const pair = { long: '1h', short: '5m', factor: 14.4, severity: 'page' } as never;
  const cases: [number | null, number | null, boolean][] = [
    [20, 20, true],
    [1, 1, false],
    [20, 1, false],
    [1, 20, false],
    [14.4, 20, false], // equal is not over
    [20, 14.4, false],
    [14.400001, 14.400001, true],
    [null, 20, false],
    [20, null, false],
    [null, null, false],
  ];
  for (const [long, short, fires] of cases) {
    it(`long ${long}, short ${short} → ${fires ? 'fires' : 'does not fire'}`, () => {
      expect(pairFiring({ pair, long, short })).toBe(fires);
    });
  }
});

describe('exact: count units', () => {
  it('countUnits of null or undefined is null, of 0 is 0', () => {
    expect(countUnits(null)).toBeNull();
    expect(countUnits(undefined)).toBeNull();
    expect(countUnits(Number.NaN)).toBeNull();
    expect(countUnits(0)).toBe(0n);
    expect(countUnits(1.5)).toBe(1_500_000_000_000n);
  });

  it('exactFraction rejects non-finite ratios with a RangeError naming the value', () => {
    expect(() => exactFraction(Number.NaN)).toThrow(RangeError);
    expect(() => exactFraction(Number.NaN)).toThrow('not a finite ratio: NaN');
    expect(() => exactFraction(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(exactFraction(0.95)).toEqual({ n: 95n, d: 100n });
  });
});

/** Reference: integer units at `scale` → shortest plain decimal, by string arithmetic on |u|. */
function refDecimal(u: bigint, scale: number): string {
  const neg = u < 0n;
  const a = (neg ? -u : u).toString();
  const whole = a.length > scale ? a.slice(0, a.length - scale) : '0';
  let frac = a.length > scale ? a.slice(a.length - scale) : '0'.repeat(scale - a.length) + a;
  while (frac.endsWith('0')) frac = frac.slice(0, -1);
  const s = frac ? `${whole}.${frac}` : whole;
  return neg ? `-${s}` : s;
}

describe('exact: units ↔ decimal strings', () => {
  it('prints negative units with a sign', () => {
    expect(unitsToDecimal(-12_500_000_000_000n, 12)).toBe('-12.5');
    expect(unitsToDecimal(-1n, 12)).toBe('-0.000000000001');
    expect(unitsToDecimal(0n, 12)).toBe('0');
    expect(unitsToDecimal(10n ** 20n, 20)).toBe('1');
  });

  it('property: unitsToDecimal matches the reference and decimalToUnits reads it back', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.constantFrom(12, 20), (u, scale) => {
        const s = unitsToDecimal(u, scale);
        expect(s).toBe(refDecimal(u, scale));
        expect(decimalToUnits(s, scale)).toBe(u);
      }),
      { numRuns: 500 },
    );
  });

  it('decimalToUnits reads a negative decimal', () => {
    expect(decimalToUnits('-1.5', 12)).toBe(-1_500_000_000_000n);
    expect(decimalToUnits('-0.00000000000000000001', 20)).toBe(-1n);
  });

  it('decimalToUnits rejects anything but a whole plain decimal of at most `scale` places', () => {
    for (const bad of ['x12.5', '12.5x', ' 12.5', '12.5 ', '1e3', '', 'abc', '1.1234567890123', '--1']) {
      expect(() => decimalToUnits(bad, 12), bad).toThrow(RangeError);
    }
    expect(() => decimalToUnits('1.1234567890123', 12)).toThrow('not a decimal with at most 12 places: 1.1234567890123');
    expect(decimalToUnits('1.123456789012', 12)).toBe(1_123_456_789_012n);
  });
});

describe('interval', () => {
  it('mergeIntervals drops empty intervals and merges touching ones', () => {
    expect(mergeIntervals([{ start: 5, end: 5 }])).toEqual([]);
    expect(mergeIntervals([{ start: 10, end: 20 }, { start: 7, end: 7 }, { start: 30, end: 30 }])).toEqual([{ start: 10, end: 20 }]);
    expect(mergeIntervals([{ start: 5, end: 10 }, { start: 0, end: 5 }])).toEqual([{ start: 0, end: 10 }]);
    expect(mergeIntervals([{ start: 0, end: 5 }, { start: 6, end: 10 }])).toEqual([
      { start: 0, end: 5 },
      { start: 6, end: 10 },
    ]);
  });

  it('intersect of touching intervals is null; of overlapping ones the overlap', () => {
    expect(intersect({ start: 0, end: 5 }, { start: 5, end: 10 })).toBeNull();
    expect(intersect({ start: 0, end: 6 }, { start: 5, end: 10 })).toEqual({ start: 5, end: 6 });
  });

  it('totalLength sums the lengths', () => {
    expect(totalLength([])).toBe(0);
    expect(totalLength([{ start: 0, end: 5 }, { start: 10, end: 30 }])).toBe(25);
  });

  it('property: merged intervals cover exactly the union of the inputs, disjoint, sorted, not touching', () => {
    const iv = fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 8 })).map(([s, l]): Interval => ({ start: s, end: s + l }));
    fc.assert(
      fc.property(fc.array(iv, { maxLength: 12 }), (xs) => {
        const merged = mergeIntervals(xs);
        const covered = new Set<number>();
        for (const i of xs) for (let t = i.start; t < i.end; t++) covered.add(t);
        expect(totalLength(merged)).toBe(covered.size);
        for (let t = 0; t < 70; t++) expect(merged.some((m) => m.start <= t && t < m.end), `t=${t}`).toBe(covered.has(t));
        for (let i = 1; i < merged.length; i++) expect(merged[i]!.start).toBeGreaterThan(merged[i - 1]!.end);
        for (const m of merged) expect(m.end).toBeGreaterThan(m.start);
      }),
      { numRuns: 300 },
    );
  });
});
