// Money: decimal strings in, decimal strings out; never a binary float in between. Amounts use
// decimal.js for parsing and printing and exact rationals (rational.ts) for the arithmetic that can
// produce non-terminating values (pro-rating by 17/31 of a month, scaling to a cap).
import { Decimal } from 'decimal.js';
import { currencyMinorUnits } from '../contract/currency.js';
import { type Rational, rational, roundHalfUpToScale } from './rational.js';

export const MoneyDecimal = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_UP });

/** A decimal from a string, Decimal or number (numbers by their shortest round-trip string: 0.1 → "0.1"). */
export function toDecimal(x: string | number | Decimal): Decimal {
  if (typeof x === 'number') {
    if (!Number.isFinite(x)) throw new RangeError(`not a finite amount: ${x}`);
    return new MoneyDecimal(String(x));
  }
  return new MoneyDecimal(x);
}

/** ISO 4217 exponent of the currency (USD 2, JPY 0, KWD 3); throws for unknown codes. */
export function minorUnits(currency: string): number {
  return currencyMinorUnits(currency);
}

/** Round half-up to the currency's minor unit (the last step of every amount). */
export function roundToMinor(x: string | number | Decimal, currency: string): Decimal {
  return toDecimal(x).toDecimalPlaces(minorUnits(currency), Decimal.ROUND_HALF_UP);
}

/** Fixed minor-unit digits: "1200.00" for USD, "1200" for JPY. Rounds half-up first. */
export function formatAmount(x: string | number | Decimal, currency: string): string {
  return roundToMinor(x, currency).toFixed(minorUnits(currency));
}

/** An exact rational amount rounded half-up to minor units, as a fixed-digit string. */
export function formatRational(x: Rational, currency: string): string {
  const m = minorUnits(currency);
  return unitsToString(roundHalfUpToScale(x, m), m);
}

/** Integer minor units → "123.45" (scale 2), "123" (scale 0). */
export function unitsToString(units: bigint, scale: number): string {
  const neg = units < 0n;
  const digits = (neg ? -units : units).toString().padStart(scale + 1, '0');
  const s = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return neg ? `-${s}` : s;
}

/** A decimal string/number/Decimal as an exact rational. */
export function toRational(x: string | number | Decimal): Rational {
  return rational(toDecimal(x).toFixed());
}
