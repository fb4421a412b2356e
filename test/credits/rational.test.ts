// Exact rationals (src/credits/rational.ts), the arithmetic under every credit amount. Each operation is
// checked against its defining property with plain BigInt cross-multiplication or against decimal.js at
// 100 digits (an independent implementation), for any sign: the credit path only feeds non-negative
// values today, but the module promises "any sign" and a sign slip there would be silent.
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ZERO, add, cmp, div, floor, isZero, make, mul, rational, roundHalfUpToScale, sub, toDecimalString, type Rational } from '../../src/credits/rational.js';

const D = Decimal.clone({ precision: 100 });
const big = fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n });
const nonZero = big.filter((d) => d !== 0n);
/** Operands as the module defines them: d > 0 (not necessarily in lowest terms). */
const rat = fc.tuple(big, fc.bigInt({ min: 1n, max: 10n ** 12n })).map(([n, d]) => ({ n, d }));

function absBig(x: bigint): bigint {
  return x < 0n ? -x : x;
}
function gcdRef(a: bigint, b: bigint): bigint {
  a = absBig(a);
  b = absBig(b);
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}
/** r is n/d in lowest terms with a positive denominator. */
function expectCanonical(r: Rational, n: bigint, d: bigint): void {
  expect(r.d > 0n, `denominator of ${r.n}/${r.d} positive`).toBe(true);
  expect(gcdRef(r.n, r.d), `${r.n}/${r.d} in lowest terms`).toBe(r.n === 0n ? r.d : 1n);
  if (r.n === 0n) expect(r.d).toBe(1n);
  expect(r.n * d, `${r.n}/${r.d} = ${n}/${d}`).toBe(n * r.d);
}
const toD = (r: { n: bigint; d: bigint }) => new D(r.n.toString()).div(r.d.toString());

describe('make', () => {
  it('examples: reduced, sign on the numerator, zero is 0/1', () => {
    expect(make(6n, 4n)).toEqual({ n: 3n, d: 2n });
    expect(make(-6n, 4n)).toEqual({ n: -3n, d: 2n });
    expect(make(6n, -4n)).toEqual({ n: -3n, d: 2n });
    expect(make(-6n, -4n)).toEqual({ n: 3n, d: 2n });
    expect(make(0n, -5n)).toEqual({ n: 0n, d: 1n });
    expect(make(7n)).toEqual({ n: 7n, d: 1n });
    expect(() => make(1n, 0n)).toThrow(new RangeError('division by zero'));
  });

  it('property: canonical form of n/d for any signs', () => {
    fc.assert(fc.property(big, nonZero, (n, d) => expectCanonical(make(n, d), n, d)), { numRuns: 500 });
  });
});

describe('rational (decimal strings)', () => {
  it('examples', () => {
    expect(rational('12000')).toEqual({ n: 12000n, d: 1n });
    expect(rational('0.125')).toEqual({ n: 1n, d: 8n });
    expect(rational('-3.5')).toEqual({ n: -7n, d: 2n });
    expect(rational('-0.0')).toEqual({ n: 0n, d: 1n });
    expect(rational('007.50')).toEqual({ n: 15n, d: 2n });
  });

  it('refuses anything but a plain decimal, naming it', () => {
    for (const s of ['', '1e5', '+1', ' 1', '1 ', '1.', '.5', '1.2.3', 'abc', 'x1.5', '1.5x', '--1', '1,5', '0x10', 'Infinity', 'NaN'])
      expect(() => rational(s), JSON.stringify(s)).toThrow(new RangeError(`not a plain decimal: ${s}`));
  });

  it('property: agrees with decimal.js on random decimal strings', () => {
    const decimalString = fc.tuple(fc.boolean(), fc.stringMatching(/^\d{1,15}$/), fc.option(fc.stringMatching(/^\d{1,15}$/), { nil: undefined })).map(([neg, i, f]) => `${neg ? '-' : ''}${i}${f === undefined ? '' : `.${f}`}`);
    fc.assert(
      fc.property(decimalString, (s) => {
        const r = rational(s);
        expect(toD(r).eq(new D(s)), s).toBe(true);
        expectCanonical(r, r.n, r.d);
      }),
      { numRuns: 500 },
    );
  });
});

describe('arithmetic and comparison', () => {
  it('examples', () => {
    const half = make(1n, 2n);
    const third = make(1n, 3n);
    expect(add(half, third)).toEqual({ n: 5n, d: 6n });
    expect(sub(half, third)).toEqual({ n: 1n, d: 6n });
    expect(sub(third, half)).toEqual({ n: -1n, d: 6n });
    expect(mul(half, make(-2n, 3n))).toEqual({ n: -1n, d: 3n });
    expect(div(half, third)).toEqual({ n: 3n, d: 2n });
    expect(div(half, make(-1n, 4n))).toEqual({ n: -2n, d: 1n });
    expect(() => div(half, ZERO)).toThrow(RangeError);
    expect([cmp(half, third), cmp(third, half), cmp(half, make(2n, 4n))]).toEqual([1, -1, 0]);
    expect([isZero(ZERO), isZero(make(0n, 7n)), isZero(third), isZero(make(-1n, 9n))]).toEqual([true, true, false, false]);
  });

  it('property: add, sub, mul, div agree with decimal.js at 100 digits; cmp with its sign', () => {
    fc.assert(
      fc.property(rat, rat, (a, b) => {
        const [x, y] = [toD(a), toD(b)];
        const close = (r: Rational, want: Decimal, what: string) => expect(toD(r).minus(want).abs().lte(new D('1e-60')), `${what}: ${r.n}/${r.d} vs ${want}`).toBe(true);
        close(add(a, b), x.plus(y), 'add');
        close(sub(a, b), x.minus(y), 'sub');
        close(mul(a, b), x.times(y), 'mul');
        if (b.n !== 0n) close(div(a, b), x.div(y), 'div');
        for (const r of [add(a, b), sub(a, b), mul(a, b), ...(b.n !== 0n ? [div(a, b)] : [])]) expectCanonical(r, r.n, r.d);
        // exact identities (cross-multiplication, no rounding anywhere)
        const s = add(a, b);
        expect(s.n * a.d * b.d).toBe((a.n * b.d + b.n * a.d) * s.d);
        const m = mul(a, b);
        expect(m.n * a.d * b.d).toBe(a.n * b.n * m.d);
        expect(cmp(a, b)).toBe(x.cmp(y));
        expect(cmp(a, a)).toBe(0);
      }),
      { numRuns: 500 },
    );
  });
});

describe('floor and rounding', () => {
  it('floor: examples for both signs', () => {
    expect([floor(make(7n, 2n)), floor(make(-7n, 2n)), floor(make(-6n, 2n)), floor(make(-1n, 3n)), floor(ZERO), floor(make(6n, 3n))]).toEqual([3n, -4n, -3n, -1n, 0n, 2n]);
  });

  it('floor of a rational not in lowest terms (the type allows it): −6/2 is −3', () => {
    expect(floor({ n: -6n, d: 2n })).toBe(-3n);
    expect(floor({ n: -7n, d: 2n })).toBe(-4n);
    expect(floor({ n: 6n, d: 2n })).toBe(3n);
  });

  it('property: floor(a) is the k with k ≤ a < k + 1 (reduced or not)', () => {
    fc.assert(
      fc.property(rat, fc.boolean(), (r, reduce) => {
        const a = reduce ? make(r.n, r.d) : r;
        const k = floor(a);
        expect(k * a.d <= a.n && a.n < (k + 1n) * a.d, `floor(${a.n}/${a.d}) = ${k}`).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('roundHalfUpToScale: ties away from zero on both sides', () => {
    expect(roundHalfUpToScale(make(1n, 8n), 2)).toBe(13n); // 0.125 → 0.13
    expect(roundHalfUpToScale(make(-1n, 8n), 2)).toBe(-13n); // −0.125 → −0.13
    expect(roundHalfUpToScale(make(-1249n, 10000n), 2)).toBe(-12n);
    expect(roundHalfUpToScale(make(5n, 2n), 0)).toBe(3n);
    expect(roundHalfUpToScale(make(-5n, 2n), 0)).toBe(-3n);
    expect(roundHalfUpToScale(ZERO, 3)).toBe(0n);
  });

  it('property: the integer nearest to a × 10^scale, ties away from zero (decimal.js ROUND_HALF_UP)', () => {
    fc.assert(
      fc.property(rat, fc.integer({ min: 0, max: 6 }), (r, scale) => {
        const a = make(r.n, r.d);
        const want = toD(a).times(new D(10).pow(scale)).toDecimalPlaces(0, Decimal.ROUND_HALF_UP);
        expect(roundHalfUpToScale(a, scale).toString()).toBe(want.toFixed(0));
      }),
      { numRuns: 500 },
    );
  });

  it('toDecimalString: truncated toward zero, no trailing zeros, no "-0"', () => {
    expect(toDecimalString(make(3n, 2n))).toBe('1.5');
    expect(toDecimalString(make(3n, 2n), 2)).toBe('1.5');
    expect(toDecimalString(make(-3n, 2n), 2)).toBe('-1.5');
    expect(toDecimalString(make(1n, 3n), 4)).toBe('0.3333');
    expect(toDecimalString(make(-2n, 3n), 4)).toBe('-0.6666');
    expect(toDecimalString(make(-1n, 3n), 0)).toBe('0');
    expect(toDecimalString(make(-1n, 1000n), 2)).toBe('0');
    expect(toDecimalString(make(17n, 3n), 0)).toBe('5');
    expect(toDecimalString(make(-17n, 3n), 0)).toBe('-5');
    expect(toDecimalString(make(100n, 1n), 3)).toBe('100');
    expect(toDecimalString(ZERO)).toBe('0');
  });

  it('property: toDecimalString agrees with decimal.js (ROUND_DOWN, then trailing zeros dropped)', () => {
    fc.assert(
      fc.property(rat, fc.integer({ min: 0, max: 25 }), (r, digits) => {
        const a = make(r.n, r.d);
        const want = toD(a).toDecimalPlaces(digits, Decimal.ROUND_DOWN);
        const s = toDecimalString(a, digits);
        expect(new D(s).eq(want), `${a.n}/${a.d} to ${digits}: ${s} vs ${want.toFixed()}`).toBe(true);
        expect(s).toMatch(digits === 0 ? /^-?\d+$/ : /^-?\d+(\.\d*[1-9])?$/);
        expect(s).not.toBe('-0');
      }),
      { numRuns: 500 },
    );
  });
});
