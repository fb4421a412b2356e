// The exact fast paths of Rego arithmetic (scaled integers, IEEE division) give the same double as
// computing on the operands' shortest decimal forms with arbitrary precision (OPA's semantics).
// Ground truth: decimal.js with 60 significant digits, independent of src/policy/rego/builtins/arith.ts.
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as A from '../../src/policy/rego/builtins/arith.js';

const D = Decimal.clone({ precision: 60 });
const exact = (op: 'plus' | 'minus' | 'times' | 'div', a: number, b: number): number => Number(new D(String(a))[op](new D(String(b))).toString());

// decimals of a few digits (money, percentages, burn rates), integers, and arbitrary doubles
const num = fc.oneof(
  fc.integer({ min: -1_000_000, max: 1_000_000 }).chain((m) => fc.integer({ min: 0, max: 6 }).map((e) => m / 10 ** e)),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }),
);

describe('Rego arithmetic on doubles', () => {
  it('add, sub, mul agree with exact decimal arithmetic', () => {
    fc.assert(
      fc.property(num, num, (a, b) => {
        // (beyond 2^53 integral results are kept as exact bigints: compare as doubles)
        expect(Number(A.add(a, b)) + 0).toBe(exact('plus', a, b) + 0);
        expect(Number(A.sub(a, b)) + 0).toBe(exact('minus', a, b) + 0);
        expect(Number(A.mul(a, b)) + 0).toBe(exact('times', a, b) + 0);
      }),
      { numRuns: 3000 },
    );
  });

  it('div agrees with exact decimal division', () => {
    fc.assert(
      fc.property(num, num.filter((b) => Math.abs(b) >= 1e-6), (a, b) => {
        expect(Number(A.div(a, b)) + 0).toBe(exact('div', a, b) + 0);
      }),
      { numRuns: 3000 },
    );
  });

  it('a double times an integer (burn rates x 10, ratios x 1000), mantissas of up to 17 digits', () => {
    const dbl = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e15, max: 1e15 }),
      fc.double({ noNaN: true, min: 0, max: 1 }).map((x) => 99 + x), // 99.xxxxxxxxxxxxxx: 17 significant digits
      fc.double({ noNaN: true, min: -1.5, max: 1 }),
    );
    const int = fc.oneof(fc.constantFrom(10, 100, 1000, -10, 0, 3, 1_000_000), fc.integer({ min: -2_000_000, max: 2_000_000 }));
    fc.assert(
      fc.property(dbl, int, (a, b) => {
        expect(Number(A.mul(a, b)) + 0).toBe(exact('times', a, b) + 0);
        expect(Number(A.mul(b, a)) + 0).toBe(exact('times', a, b) + 0);
      }),
      { numRuns: 5000 },
    );
  });

  it('a short decimal (up to 15 digits, 1 to 15 places) times an integer', () => {
    // the decimal's text is built from its digits (not from the double), so ground truth does not
    // rest on the double printing the way arith.ts's search for the decimal assumes
    const dec = fc
      .tuple(fc.bigInt({ min: -(10n ** 15n) + 1n, max: 10n ** 15n - 1n }), fc.integer({ min: 1, max: 15 }))
      .map(([m, e]) => {
        const neg = m < 0n;
        const digits = (neg ? -m : m).toString().padStart(e + 1, '0');
        return (neg ? '-' : '') + digits.slice(0, -e) + '.' + digits.slice(-e);
      });
    const int = fc.oneof(fc.constantFrom(10, 100, 1000, -10, 7, 1_000_000), fc.integer({ min: -2_000_000, max: 2_000_000 }));
    fc.assert(
      fc.property(dec, int, (text, b) => {
        const a = Number(text);
        const want = Number(new D(text).times(b).toString()) + 0;
        expect(Number(A.mul(a, b)) + 0).toBe(want);
        expect(Number(A.mul(b, a)) + 0).toBe(want);
      }),
      { numRuns: 5000 },
    );
  });

  it('a double of 16 or 17 digits times a scale (the product decided next to the double product)', () => {
    // budgetRemaining * 100, achieved * 1000: full-precision doubles over many magnitudes, both signs
    const dbl = fc
      .tuple(fc.double({ noNaN: true, min: 1, max: 10, maxExcluded: true }), fc.integer({ min: -4, max: 8 }), fc.boolean())
      .map(([m, x, neg]) => (neg ? -1 : 1) * m * 10 ** x)
      .filter((x) => Number.isFinite(x) && String(x).replace(/^-?0?\.?0*|\.|e.*$/g, '').length >= 16);
    const int = fc.oneof(fc.constantFrom(10, 100, 1000, -100, 3, 7, 60, 3600, 1_000_000), fc.integer({ min: -5_000_000, max: 5_000_000 }));
    fc.assert(
      fc.property(dbl, int, (a, b) => {
        expect(Number(A.mul(a, b)) + 0).toBe(exact('times', a, b) + 0);
      }),
      { numRuns: 10000 },
    );
  });

  it('known cases: 0.1 + 0.2, rounding for messages', () => {
    expect(A.add(0.1, 0.2)).toBe(0.3);
    expect(A.mul(1.15, 100)).toBe(115);
    expect(A.div(A.round(A.mul(14.45, 10)), 10)).toBe(14.5);
    expect(A.sub(0.3, 0.1)).toBe(0.2);
  });
});
