// Exact arithmetic for measurements. Each slice's inputs (Prometheus floats) are quantised once to
// integer units: good/total to 1e-12 (COUNT_SCALE), a slice's error ratio to 1e-20 (RATIO_SCALE).
// From then on all sums are BigInt, exact and associative, so raw slices and hourly rollups (any
// grouping, any order) give identical results, and decimal inputs add up as decimals (0.1 + 0.2 is
// 0.3). Achieved percentages are quotients rounded to QUOTIENT_DIGITS significant digits.
import { Decimal } from 'decimal.js';
import { keptByValue } from '../kept.js';

export const COUNT_SCALE = 12;
export const RATIO_SCALE = 20;
/** Significant digits of an achieved percentage (exact for any terminating value of that length). */
export const QUOTIENT_DIGITS = 40;

const COUNT_FACTOR = 10 ** COUNT_SCALE;
const RATIO_ONE = 10n ** BigInt(RATIO_SCALE);

export const QuotientDecimal = Decimal.clone({ precision: QUOTIENT_DIGITS, rounding: Decimal.ROUND_HALF_EVEN });

/** A float count (or rate) as integer units of 1e-12, or null when it is not a usable number. */
export function countUnits(x: number | null | undefined): bigint | null {
  if (x === null || x === undefined) return null;
  const scaled = Math.round(x * COUNT_FACTOR);
  return Number.isFinite(scaled) ? BigInt(scaled) : null;
}

/** A slice's error ratio (total − good) / total in units of 1e-20, rounded half-up. */
export function errorRatioUnits(good: bigint, total: bigint): bigint {
  return (2n * (total - good) * RATIO_ONE + total) / (2n * total);
}

/**
 * A ratio written as a number (0.95) as an exact fraction of the decimal meant ("0.95" = 95/100).
 * Rounded to 15 significant digits first, which no written ratio exceeds, so that float noise from
 * a derived default (99.9 / 100 = 0.9990000000000001) does not turn a slice at exactly 99.9 % bad.
 */
// The ratios of a contract set are a handful of written values, asked for every SLA on every tick: kept.
export const exactFraction = keptByValue(1000, (x: number): { readonly n: bigint; readonly d: bigint } => {
  if (!Number.isFinite(x)) throw new RangeError(`not a finite ratio: ${x}`);
  const s = new Decimal(x.toPrecision(15)).toFixed();
  const [i, fr = ''] = s.split('.');
  return Object.freeze({ n: BigInt((i ?? '0') + fr), d: 10n ** BigInt(fr.length) });
});

/** Integer units → plain decimal string ("12.5" for 12500000000000n at scale 12). */
export function unitsToDecimal(units: bigint, scale: number): string {
  const neg = units < 0n;
  const digits = (neg ? -units : units).toString().padStart(scale + 1, '0');
  let s = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`.replace(/\.?0+$/, '');
  if (s === '') s = '0';
  return neg && s !== '0' ? `-${s}` : s;
}

/** Plain decimal string → integer units at `scale` (must have at most `scale` places). */
export function decimalToUnits(s: string, scale: number): bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m || (m[3] ?? '').length > scale) throw new RangeError(`not a decimal with at most ${scale} places: ${s}`);
  const u = BigInt(m[2]! + (m[3] ?? '').padEnd(scale, '0'));
  return m[1] ? -u : u;
}

/** 100 × num / den (both integers) at QUOTIENT_DIGITS significant digits. */
export function percentOf(num: bigint, den: bigint): Decimal {
  // All good (the common case) needs no division. Decimals are immutable, so one is shared.
  if (num === den && den !== 0n) return HUNDRED_PERCENT;
  return new QuotientDecimal(num.toString()).times(100).div(den.toString());
}
const HUNDRED_PERCENT = new QuotientDecimal(100);

export { RATIO_ONE };
