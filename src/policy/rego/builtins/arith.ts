// Number arithmetic shared by the operator and aggregate builtins.
// Integers (safe JS integers or bigint) are computed exactly with bigint; anything involving a float
// goes through decimal.js on the shortest decimal form of each operand, so 0.1 + 0.2 is 0.3 as in
// OPA (which computes on arbitrary-precision decimals), then back to a JS number.
import { Decimal } from 'decimal.js';
import { num } from '../value.js';

export type Num = number | bigint;

const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -30, toExpPos: 40 });

export function isInt(n: Num): boolean {
  return typeof n === 'bigint' || Number.isInteger(n);
}

export function toBig(n: Num): bigint {
  return typeof n === 'bigint' ? n : BigInt(n);
}

export function toDec(n: Num): Decimal {
  return new D(typeof n === 'bigint' ? n.toString() : String(n));
}

/** A decimal back to a Rego number: exact bigint when integral and large, else a JS number. */
export function fromDec(d: Decimal): Num {
  if (d.isInteger()) return num(BigInt(d.toFixed(0)));
  return Number(d.toString());
}

// Fast exact path: a double whose shortest decimal form has at most 15 significant digits is m / 10^e
// with m a safe integer. Sums, differences, products and quotients of such scaled integers that stay
// safe are exact before one final division by a power of ten (or by the other operand), which IEEE
// arithmetic rounds correctly: the same double the decimal computation ends with, without it.
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

interface Scaled {
  m: number;
  e: number;
}

function scaled(x: number): Scaled | undefined {
  if (Number.isInteger(x)) return Number.isSafeInteger(x) ? { m: x, e: 0 } : undefined;
  if (!Number.isFinite(x)) return undefined;
  const s = String(x);
  if (s.includes('e')) return undefined;
  const dot = s.indexOf('.');
  const e = s.length - dot - 1;
  const m = Number(s.slice(0, dot) + s.slice(dot + 1));
  return Number.isSafeInteger(m) && e <= 22 ? { m, e } : undefined;
}

/** a and b as integers over one power of ten, or undefined when that is not exact. */
function common(a: number, b: number): [number, number, number] | undefined {
  const x = scaled(a);
  const y = x && scaled(b);
  if (!x || !y) return undefined;
  const e = Math.max(x.e, y.e);
  const p = x.m * POW10[e - x.e]!;
  const q = y.m * POW10[e - y.e]!;
  return Number.isSafeInteger(p) && Number.isSafeInteger(q) ? [p, q, e] : undefined;
}

function fastAdd(a: Num, b: Num, sign: 1 | -1): Num | undefined {
  if (typeof a !== 'number' || typeof b !== 'number') return undefined;
  const c = common(a, b);
  if (!c) return undefined;
  const r = c[0] + sign * c[1];
  if (!Number.isSafeInteger(r)) return undefined;
  return r / POW10[c[2]]! + 0;
}

function fastMul(a: Num, b: Num): Num | undefined {
  if (typeof a !== 'number' || typeof b !== 'number') return undefined;
  const x = scaled(a);
  const y = x && scaled(b);
  if (!x || !y || x.e + y.e > 22) return undefined;
  const p = x.m * y.m;
  if (!Number.isSafeInteger(p)) return undefined;
  return p / POW10[x.e + y.e]! + 0;
}

function fastDiv(a: Num, b: Num): Num | undefined {
  if (typeof a !== 'number' || typeof b !== 'number') return undefined;
  const c = common(a, b);
  if (!c || c[1] === 0) return undefined;
  return c[0] / c[1] + 0;
}

export function add(a: Num, b: Num): Num {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isInteger(a) && Number.isInteger(b)) {
      const r = a + b;
      if (Number.isSafeInteger(r)) return r === 0 ? 0 : r; // never -0
    }
  }
  if (isInt(a) && isInt(b)) return num(toBig(a) + toBig(b));
  return fastAdd(a, b, 1) ?? fromDec(toDec(a).plus(toDec(b)));
}

export function sub(a: Num, b: Num): Num {
  if (typeof a === 'number' && typeof b === 'number' && Number.isInteger(a) && Number.isInteger(b)) {
    const r = a - b;
    if (Number.isSafeInteger(r)) return r === 0 ? 0 : r;
  }
  if (isInt(a) && isInt(b)) return num(toBig(a) - toBig(b));
  return fastAdd(a, b, -1) ?? fromDec(toDec(a).minus(toDec(b)));
}

export function mul(a: Num, b: Num): Num {
  if (typeof a === 'number' && typeof b === 'number' && Number.isInteger(a) && Number.isInteger(b)) {
    const r = a * b;
    if (Number.isSafeInteger(r)) return r === 0 ? 0 : r;
  }
  if (isInt(a) && isInt(b)) return num(toBig(a) * toBig(b));
  if (typeof a === 'number' && typeof b === 'number') {
    // one safe integer operand (x * 10, x * 100): the decimal form of the other, read once
    const bi = Number.isSafeInteger(b);
    if (bi || Number.isSafeInteger(a)) {
      const r = mulByInt(bi ? a : b, bi ? b : a);
      if (r !== undefined) return r;
    }
  }
  return fastMul(a, b) ?? exactMul(a, b) ?? fromDec(toDec(a).times(toDec(b)));
}

/** f * i (i a safe integer) on f's shortest decimal form, exactly (see exactMul); undefined: other paths. */
function mulByInt(f: number, i: number): Num | undefined {
  if (!Number.isFinite(f)) return undefined;
  // A short decimal form (at most 15 digits, as 12.34) found without printing f: the least e for which
  // m = round(f * 10^e) gives m / 10^e === f (both operands exact, so the quotient is the correctly
  // rounded m * 10^-e) is String(f)'s decimal: with at most 15 digits no other decimal of e places
  // rounds to f (they are 10^-e apart, more than f's rounding interval), and one with fewer places
  // would have been found first. Then the exact scaled product, divided once, as below.
  const af = f < 0 ? -f : f;
  // (the most common operands have one to three decimals, as 12.34: the first steps of the search
  // below, tried before the test that lets full-precision doubles skip it)
  if (af >= 1e-3 && af < 1e12) {
    for (let e = 1; e <= 3; e++) {
      const sc = POW10[e]!;
      const m = Math.round(f * sc);
      if (m / sc === f) {
        const p = m * i;
        if (Number.isSafeInteger(p)) return p / sc + 0;
        break;
      }
    }
  }
  // (first one test at the most places such a decimal can have at this magnitude, emax: a decimal
  // of fewer places is one of emax places too, so a full-precision double, as 99.12345678901234,
  // skips the search)
  let emax = Math.min(15, Math.floor(15 - Math.log10(af)));
  while (emax > 1 && af * POW10[emax]! >= 1e15) emax--;
  if (af >= 1e-6 && af < 1e15 && emax >= 1 && Math.round(af * POW10[emax]!) / POW10[emax]! === af) {
    for (let e = 1; e <= emax; e++) {
      const sc = POW10[e]!;
      const m = Math.round(f * sc);
      if (m >= 1e15 || m <= -1e15) break;
      if (m / sc === f) {
        const p = m * i;
        if (Number.isSafeInteger(p)) return p / sc + 0;
        break;
      }
    }
  }
  const s = String(f);
  if (s.includes('e')) return undefined;
  const dot = s.indexOf('.');
  if (dot < 0) return undefined;
  const e = s.length - dot - 1;
  const near = nearMul(f, i, s, dot, e);
  if (near !== undefined) return near;
  const digits = s.slice(0, dot) + s.slice(dot + 1);
  const m = Number(digits);
  if (Number.isSafeInteger(m) && e <= 22) {
    const p = m * i;
    // exact scaled integer, one correctly rounded division (as fastMul)
    if (Number.isSafeInteger(p)) return p / POW10[e]! + 0;
  }
  // beyond 2^53: the exact product's digits, from the mantissa in two exact halves (hi * 1e9 + lo),
  // then one correctly rounded reading of the decimal text (as exactMul's BigInt path)
  const neg = (f < 0) !== (i < 0);
  const ai = Math.abs(i);
  const ad = digits[0] === '-' ? digits.slice(1) : digits;
  if (ai <= 1e6 && ad.length <= 24) {
    const lo = Number(ad.slice(-9)) * ai; // < 1e15: exact
    const carry = Math.floor(lo / 1e9);
    const hi = Number(ad.slice(0, -9) || '0') * ai + carry; // < 1e21 when exact...
    if (Number.isSafeInteger(hi)) {
      const low = String(lo - carry * 1e9).padStart(9, '0');
      const text = hi > 0 ? String(hi) + low : String(lo - carry * 1e9);
      // an integral product stays exact (num: a bigint beyond 2^53); else the nearest double
      if (!/^0*$/.test(text.slice(-e)) || text.length <= e) {
        const r = Number(text + 'e-' + e);
        return (neg ? -r : r) + 0;
      }
    }
  }
  const p = BigInt(digits) * BigInt(i);
  const scale = 10n ** BigInt(e);
  if (p % scale === 0n) return num(p / scale);
  return Number(p.toString() + 'e-' + e) + 0;
}

const SPLIT = 134217729; // 2^27 + 1 (Dekker's splitter)

/** Dekker's product: a * b === hi + lo exactly (hi the rounded product; no overflow or underflow here). */
function twoProdLo(a: number, b: number, hi: number): number {
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return al * bl - (((hi - ah * bh) - al * bh) - ah * bl);
}

/**
 * S * i rounded to the nearest double, where S (digits: S * 10^e, at most 17 digits) is the shortest
 * decimal form of f: the double product p = fl(f * i) or one of its neighbours, decided from how far
 * the exact S * i lies from p. That distance is (f * i - p) + (S - f) * i: the first term exactly
 * (Dekker), the second from D - f * 10^e (D = S * 10^e; with the exact product f * 10^e = P1 + P2 and
 * D in two exact parts, D - P1 is exact by Sterbenz and what remains is small), to a relative error
 * near 2^-52. Undefined (the caller's exact text path decides) when the distance is too close to a
 * midpoint between doubles, when p is near a power of two or beyond 2^53 (integral products there
 * stay exact), or outside the plain range.
 */
function nearMul(f: number, i: number, s: string, dot: number, e: number): number | undefined {
  if (e > 22 || i === 0 || Math.abs(i) > 2 ** 26) return undefined;
  const p = f * i;
  const ap = Math.abs(p);
  if (!(ap >= 1e-280 && ap < 2 ** 53)) return undefined;
  const neg = f < 0;
  // the significant digits of S (leading zeros, as in "0.0123", left out: they add nothing to D)
  let start = neg ? 1 : 0;
  while (start < s.length && (start === dot || s.charCodeAt(start) === 48)) start++;
  const n = s.length - start - (dot > start ? 1 : 0);
  if (n > 17) return undefined;
  const af = neg ? -f : f;
  // D = S * 10^e (positive) in two exact parts, read from s ("-12.345"): the digits before the
  // last nine (< 1e8, times 1e9: a multiple of 2^9 with a mantissa < 2^53, exact) and the last nine
  let dHi = 0;
  let dLo = 0;
  let k = 0;
  for (let j = start; j < s.length; j++) {
    if (j === dot) continue;
    const d = s.charCodeAt(j) - 48;
    if (k < n - 9) dHi = dHi * 10 + d;
    else dLo = dLo * 10 + d;
    k++;
  }
  dHi *= 1e9;
  const sc = POW10[e]!;
  const p1 = af * sc;
  const p2 = twoProdLo(af, sc, p1);
  const r = (dHi - p1 + dLo) - p2; // D - f * 10^e
  const fi = af * i; // |f| * i
  const dev = twoProdLo(af, i, fi) + (r * i) / sc; // S * i - fl(|f| * i), for the positive operand |f|
  // the spacing of doubles at fi: a power of two (fi not itself a power of two, nor its neighbours)
  const afi = Math.abs(fi);
  let u = 2 ** (Math.floor(Math.log2(afi)) - 52);
  if (afi < u * 2 ** 52) u /= 2;
  else if (afi >= u * 2 ** 53) u *= 2;
  const m = afi / u; // the mantissa, 2^52 <= m < 2^53
  if (m <= 2 ** 52 + 2 || m >= 2 ** 53 - 2) return undefined;
  const h = u / 2;
  const ad2 = Math.abs(dev);
  const margin = h * 1e-9;
  let q: number;
  if (ad2 < h - margin) q = fi;
  else if (ad2 > h + margin && ad2 < 3 * h - margin) q = fi + (dev > 0 ? u : -u);
  else return undefined;
  return (neg ? -q : q) + 0;
}

/** The shortest decimal form of a finite double as an integer mantissa and a power of ten. */
function decimalParts(x: number): { m: bigint; e: number } | undefined {
  if (!Number.isFinite(x)) return undefined;
  const s = String(x);
  const ei = s.indexOf('e');
  const mant = ei < 0 ? s : s.slice(0, ei);
  const dot = mant.indexOf('.');
  const frac = dot < 0 ? 0 : mant.length - dot - 1;
  const digits = dot < 0 ? mant : mant.slice(0, dot) + mant.slice(dot + 1);
  return { m: BigInt(digits), e: frac - (ei < 0 ? 0 : Number(s.slice(ei + 1))) };
}

/**
 * The product of two doubles' shortest decimal forms, exactly (at most 34 significant digits, within
 * the 40 of the decimal path, so the same result): an integer stays exact, anything else is the
 * correctly rounded double of the exact product.
 */
function exactMul(a: Num, b: Num): Num | undefined {
  if (typeof a !== 'number' || typeof b !== 'number') return undefined;
  const x = decimalParts(a);
  const y = x && decimalParts(b);
  if (!x || !y) return undefined;
  const p = x.m * y.m;
  const e = x.e + y.e;
  if (e <= 0) return num(e === 0 ? p : p * 10n ** BigInt(-e));
  const scale = 10n ** BigInt(e);
  if (p % scale === 0n) return num(p / scale);
  return Number(p.toString() + 'e-' + e) + 0;
}

/** Caller checks for zero. */
export function div(a: Num, b: Num): Num {
  if (typeof a === 'number' && typeof b === 'number' && Number.isSafeInteger(a) && Number.isSafeInteger(b)) {
    return a / b + 0; // exact when it divides; else the correctly rounded quotient
  }
  if (isInt(a) && isInt(b)) {
    const x = toBig(a);
    const y = toBig(b);
    if (x % y === 0n) return num(x / y);
  }
  return fastDiv(a, b) ?? fromDec(toDec(a).div(toDec(b)));
}

export function neg(a: Num): Num {
  return typeof a === 'bigint' ? num(-a) : a === 0 ? 0 : -a;
}

export function sign(a: Num): number {
  return typeof a === 'bigint' ? (a < 0n ? -1 : a > 0n ? 1 : 0) : Math.sign(a);
}

export function abs(a: Num): Num {
  return sign(a) < 0 ? neg(a) : a;
}

/** Round half away from zero, like Go's math.Round used by OPA. */
export function round(a: Num): Num {
  if (typeof a === 'bigint' || Number.isInteger(a)) return a;
  return num(Math.sign(a) * Math.round(Math.abs(a)) + 0); // + 0 turns -0 into 0
}

export function floor(a: Num): Num {
  return typeof a === 'bigint' ? a : num(Math.floor(a) + 0);
}

export function ceil(a: Num): Num {
  return typeof a === 'bigint' ? a : num(Math.ceil(a) + 0);
}
