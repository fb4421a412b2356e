// Money helpers (src/credits/money.ts): decimal parsing without floats, half-up rounding to the
// currency's minor unit, fixed minor-unit digits for either sign. Expected values are written out or
// computed on scaled BigInt integers.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatAmount, formatRational, minorUnits, roundToMinor, toDecimal, toRational, unitsToString } from '../../src/credits/money.js';
import { make } from '../../src/credits/rational.js';

describe('money', () => {
  it('toDecimal: numbers by their shortest round-trip string, never a binary expansion; non-finite numbers refused', () => {
    expect(toDecimal(0.1).toFixed()).toBe('0.1');
    expect(toDecimal(0.1 + 0.2).toFixed()).toBe('0.30000000000000004');
    expect(toDecimal('12000.50').toFixed()).toBe('12000.5');
    expect(toDecimal(toDecimal('7.25')).toFixed()).toBe('7.25');
    for (const bad of [Infinity, -Infinity, NaN]) expect(() => toDecimal(bad)).toThrow(new RangeError(`not a finite amount: ${bad}`));
  });

  it('minor units and half-up rounding per currency', () => {
    expect([minorUnits('USD'), minorUnits('JPY'), minorUnits('KWD')]).toEqual([2, 0, 3]);
    expect(() => minorUnits('XXY')).toThrow();
    expect(roundToMinor('2.675', 'USD').toFixed()).toBe('2.68');
    expect(roundToMinor('2.665', 'USD').toFixed()).toBe('2.67'); // half-even would give 2.66
    expect(roundToMinor('1200.5', 'JPY').toFixed()).toBe('1201');
    expect(roundToMinor('0.0005', 'KWD').toFixed()).toBe('0.001');
    expect(formatAmount('1200', 'USD')).toBe('1200.00');
    expect(formatAmount(1200.004, 'USD')).toBe('1200.00');
    expect(formatAmount('1200.1', 'JPY')).toBe('1200');
    expect(formatAmount('-2.665', 'USD')).toBe('-2.67');
  });

  it('unitsToString: fixed digits for either sign and any scale', () => {
    expect(unitsToString(12345n, 2)).toBe('123.45');
    expect(unitsToString(-12345n, 2)).toBe('-123.45');
    expect(unitsToString(5n, 3)).toBe('0.005');
    expect(unitsToString(-5n, 3)).toBe('-0.005');
    expect(unitsToString(0n, 2)).toBe('0.00');
    expect(unitsToString(-7n, 0)).toBe('-7');
    expect(unitsToString(7n, 0)).toBe('7');
  });

  it('property: unitsToString reads back as units / 10^scale', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), fc.integer({ min: 0, max: 4 }), (u, scale) => {
        const s = unitsToString(u, scale);
        expect(s).toMatch(scale === 0 ? /^-?\d+$/ : new RegExp(`^-?\\d+\\.\\d{${scale}}$`));
        expect(BigInt(s.replace('.', ''))).toBe(u);
      }),
      { numRuns: 300 },
    );
  });

  it('toRational and formatRational: exact in, half-up at the minor unit out', () => {
    expect(toRational('0.125')).toEqual({ n: 1n, d: 8n });
    expect(toRational(0.1)).toEqual({ n: 1n, d: 10n });
    expect(formatRational(make(1n, 8n), 'USD')).toBe('0.13');
    expect(formatRational(make(-1n, 8n), 'USD')).toBe('-0.13');
    expect(formatRational(make(2n, 3n), 'JPY')).toBe('1');
    expect(formatRational(make(2n, 3n), 'KWD')).toBe('0.667');
  });
});
