// burnRate keeps what it computed per (objective, SLI), budgetState takes a remaining budget the caller
// already has, exactFraction keeps its fractions, percentOf skips the division when all is good: each
// must answer exactly as the computation it stands for. The ground truth here is exact rational
// arithmetic on the decimals written (BigInt), independent of decimal.js and of the code under test.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { budgetRemainingDecimal, budgetState, burnRate } from '../../src/slo/budget.js';
import { exactFraction, percentOf } from '../../src/slo/exact.js';

/** The shortest decimal of a float as an exact fraction n/d. */
function fraction(x: number): { n: bigint; d: bigint } {
  const [mant, exp = '0'] = String(x).split('e');
  const [i, f = ''] = mant!.split('.');
  let n = BigInt(i! + f) * (i!.startsWith('-') && BigInt(i! + f) > 0n ? -1n : 1n);
  let d = 10n ** BigInt(f.length);
  const e = Number(exp);
  if (e > 0) n *= 10n ** BigInt(e);
  else d *= 10n ** BigInt(-e);
  return { n, d };
}

/** (1 − sli) × 100 / (100 − O), exactly, then rounded to the nearest double (via 30 significant digits). */
function burnRateExact(sli: number, objective: number): number {
  const s = fraction(sli);
  const o = fraction(objective);
  // ((d_s − n_s)/d_s × 100) / ((100 d_o − n_o)/d_o)
  const num = (s.d - s.n) * 100n * o.d;
  const den = s.d * (100n * o.d - o.n);
  const neg = num < 0n !== den < 0n && num !== 0n;
  const a = num < 0n ? -num : num;
  const b = den < 0n ? -den : den;
  const scale = 10n ** 40n;
  const q = (a * scale) / b;
  const digits = q.toString().padStart(41, '0');
  const text = `${digits.slice(0, digits.length - 40)}.${digits.slice(digits.length - 40)}`;
  return Number(`${neg ? '-' : ''}${text}`);
}

const objectives = [99, 99.5, 99.9, 99.95, 99.99, 95, 90.5];

describe('burnRate, kept per objective and SLI', () => {
  it('the same SLI under different objectives gives each its own burn rate, asked in any order and again', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1_000_000 }).map((n) => n / 1_000_000), fc.constantFrom(...objectives)), { minLength: 1, maxLength: 40 }),
        (asks) => {
          for (const [sli, o] of [...asks, ...asks.reverse()]) expect(burnRate(sli, o)).toBe(burnRateExact(sli, o));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('floats that are not short decimals (1 − r from a Prometheus ratio) too', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(...objectives), (r, o) => {
        const sli = 1 - r;
        expect(burnRate(sli, o)).toBe(burnRateExact(sli, o));
        expect(burnRate(sli, o)).toBe(burnRateExact(sli, o));
      }),
      { numRuns: 300 },
    );
  });

  it('a window without errors burns exactly 0 (not −0), and 0.999 at 99.9 burns exactly 1 under either order', () => {
    expect(Object.is(burnRate(1, 99.9), 0)).toBe(true);
    expect(Object.is(burnRate(1, 99.95), 0)).toBe(true);
    expect(burnRate(0.999, 99.95)).toBe(2);
    expect(burnRate(0.999, 99.9)).toBe(1);
    expect(burnRate(0.999, 99.95)).toBe(2);
  });

  it('stays right past the number of burn rates it keeps', () => {
    for (let i = 0; i <= 60_000; i += 7) {
      const sli = 1 - i / 1e7;
      if (i % 7_007 === 0) expect(burnRate(sli, 99.9)).toBe(burnRateExact(sli, 99.9));
      else burnRate(sli, 99.9);
    }
    expect(burnRate(0.99, 99.9)).toBe(10);
  });
});

describe('budgetState with the remaining budget given', () => {
  it('gives the state it gives without it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000_000 }).map((n) => (n / 1_000_000).toFixed(6)), fc.constantFrom(...objectives), fc.option(fc.constantFrom(0.1, 0.25, 0.5), { nil: undefined }), (a, o, atRisk) => {
        const remaining = budgetRemainingDecimal(a, o)!;
        expect(budgetState({ achieved: a, objective: o, atRiskBelow: atRisk, remaining })).toBe(budgetState({ achieved: a, objective: o, atRiskBelow: atRisk }));
      }),
      { numRuns: 300 },
    );
  });

  it('at risk below a quarter by default: 0.2499 is, 0.25 is not', () => {
    // remaining = 1 − (100 − A)/(100 − O); at O = 99, A = 99.2499 gives 0.2499 and A = 99.25 gives 0.25.
    expect(budgetState({ achieved: '99.2499', objective: 99 })).toBe('at-risk');
    expect(budgetState({ achieved: '99.25', objective: 99 })).toBe('ok');
    expect(budgetState({ achieved: '99.25', objective: 99, atRiskBelow: 0.3 })).toBe('at-risk');
    expect(budgetState({ achieved: '99.0', objective: 99 })).toBe('at-risk');
    expect(budgetState({ achieved: '98.99', objective: 99 })).toBe('breached');
  });
});

describe('exactFraction, kept per value', () => {
  it('the same fraction for the same ratio, a different one for another, asked in any order', () => {
    const ratios = [0.95, 0.99, 0.5, 1, 0.999, 0.95, 0.5];
    const want: Record<string, [bigint, bigint]> = { '0.95': [95n, 100n], '0.99': [99n, 100n], '0.5': [5n, 10n], '1': [1n, 1n], '0.999': [999n, 1000n] };
    for (const r of [...ratios, ...ratios.reverse()]) {
      const f = exactFraction(r);
      expect([f.n, f.d], String(r)).toEqual(want[String(r)]);
    }
    expect(exactFraction(0.99 * 100 / 100)).toEqual({ n: 99n, d: 100n });
    expect(exactFraction(99.9 / 100)).toEqual({ n: 999n, d: 1000n });
  });

  it('a kept fraction cannot be changed by one who holds it', () => {
    const f = exactFraction(0.75);
    expect(Object.isFrozen(f)).toBe(true);
    expect(exactFraction(0.75)).toEqual({ n: 75n, d: 100n });
  });

  it('still refuses what is not a finite ratio, asked again', () => {
    expect(() => exactFraction(Number.POSITIVE_INFINITY)).toThrow('not a finite ratio: Infinity');
    expect(() => exactFraction(Number.POSITIVE_INFINITY)).toThrow('not a finite ratio: Infinity');
  });
});

describe('percentOf when all is good', () => {
  it('is 100 exactly, for any count, and the general quotient otherwise', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 30n }), fc.bigInt({ min: 0n, max: 10n ** 30n }), (den, num0) => {
        const num = num0 > den ? den : num0;
        expect(percentOf(den, den).toFixed()).toBe('100');
        // 100·num/den to 40 significant digits, checked by multiplying back within the last digit.
        const p = percentOf(num, den).toFixed();
        const [i, f = ''] = p.split('.');
        const scaled = BigInt(i! + f);
        const back = scaled * den;
        const exact = 100n * num * 10n ** BigInt(f.length);
        const diff = back > exact ? back - exact : exact - back;
        expect(diff <= den).toBe(true);
      }),
      { numRuns: 300 },
    );
    expect(percentOf(3n, 3n).toNumber()).toBe(100);
    expect(percentOf(2n, 3n).toFixed()).toBe('66.66666666666666666666666666666666666667');
    expect(percentOf(0n, 5n).toFixed()).toBe('0');
  });

  it('no traffic at all (0 of 0) is not 100 %: it is not a number', () => {
    expect(percentOf(0n, 0n).isNaN()).toBe(true);
    expect(percentOf(0n, 0n).toFixed()).toBe('NaN');
  });
});
