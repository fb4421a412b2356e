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

export function add(a: Num, b: Num): Num {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isInteger(a) && Number.isInteger(b)) {
      const r = a + b;
      if (Number.isSafeInteger(r)) return r === 0 ? 0 : r; // never -0
    }
  }
  if (isInt(a) && isInt(b)) return num(toBig(a) + toBig(b));
  return fromDec(toDec(a).plus(toDec(b)));
}

export function sub(a: Num, b: Num): Num {
  if (typeof a === 'number' && typeof b === 'number' && Number.isInteger(a) && Number.isInteger(b)) {
    const r = a - b;
    if (Number.isSafeInteger(r)) return r === 0 ? 0 : r;
  }
  if (isInt(a) && isInt(b)) return num(toBig(a) - toBig(b));
  return fromDec(toDec(a).minus(toDec(b)));
}

export function mul(a: Num, b: Num): Num {
  if (typeof a === 'number' && typeof b === 'number' && Number.isInteger(a) && Number.isInteger(b)) {
    const r = a * b;
    if (Number.isSafeInteger(r)) return r === 0 ? 0 : r;
  }
  if (isInt(a) && isInt(b)) return num(toBig(a) * toBig(b));
  return fromDec(toDec(a).times(toDec(b)));
}

/** Caller checks for zero. */
export function div(a: Num, b: Num): Num {
  if (isInt(a) && isInt(b)) {
    const x = toBig(a);
    const y = toBig(b);
    if (x % y === 0n) return num(x / y);
  }
  return fromDec(toDec(a).div(toDec(b)));
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
