// Exact non-negative-friendly rationals over BigInt, for money math that must add up to the cent:
// pro-rating by a fraction of a period and scaling to a cap are exact here; rounding happens once.

export interface Rational {
  n: bigint;
  /** > 0 */
  d: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b) [a, b] = [b, a % b];
  return a;
}

export function make(n: bigint, d: bigint = 1n): Rational {
  if (d === 0n) throw new RangeError('division by zero');
  if (d < 0n) [n, d] = [-n, -d];
  const g = gcd(n, d) || 1n;
  return { n: n / g, d: d / g };
}

/** Parse a plain decimal string ("12000", "0.125", "-3.5"); no exponents. */
export function rational(decimal: string): Rational {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(decimal);
  if (!m) throw new RangeError(`not a plain decimal: ${decimal}`);
  const frac = m[3] ?? '';
  const n = BigInt(m[2]! + frac) * (m[1] ? -1n : 1n);
  return make(n, 10n ** BigInt(frac.length));
}

export const ZERO: Rational = { n: 0n, d: 1n };
export const add = (a: Rational, b: Rational): Rational => make(a.n * b.d + b.n * a.d, a.d * b.d);
export const sub = (a: Rational, b: Rational): Rational => make(a.n * b.d - b.n * a.d, a.d * b.d);
export const mul = (a: Rational, b: Rational): Rational => make(a.n * b.n, a.d * b.d);
export const div = (a: Rational, b: Rational): Rational => make(a.n * b.d, a.d * b.n);
export const cmp = (a: Rational, b: Rational): number => {
  const l = a.n * b.d;
  const r = b.n * a.d;
  return l < r ? -1 : l > r ? 1 : 0;
};
export const isZero = (a: Rational): boolean => a.n === 0n;

/** floor(a) for any sign. */
export function floor(a: Rational): bigint {
  const q = a.n / a.d;
  return a.n < 0n && q * a.d !== a.n ? q - 1n : q;
}

/** Round half-up (away from zero on ties for negatives too) to `scale` decimal places, as integer units. */
export function roundHalfUpToScale(a: Rational, scale: number): bigint {
  const p = 10n ** BigInt(scale);
  const neg = a.n < 0n;
  const abs = neg ? -a.n : a.n;
  const units = (2n * abs * p + a.d) / (2n * a.d);
  return neg ? -units : units;
}

/** A decimal string of a rational to `digits` places after the point (truncated toward zero), for evidence. */
export function toDecimalString(a: Rational, digits = 20): string {
  const neg = a.n < 0n;
  const abs = neg ? -a.n : a.n;
  const p = 10n ** BigInt(digits);
  const scaled = (abs * p) / a.d;
  const s = scaled.toString().padStart(digits + 1, '0');
  let out = digits === 0 ? s : `${s.slice(0, -digits)}.${s.slice(-digits)}`.replace(/\.?0+$/, '');
  if (out === '') out = '0';
  return neg && out !== '0' ? `-${out}` : out;
}
