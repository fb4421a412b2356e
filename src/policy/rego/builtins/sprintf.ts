// sprintf with Go fmt semantics, as OPA does it: numbers that are integers are passed to Go as int
// (or *big.Int beyond int64), other numbers as float64, strings as string, and every other value as
// its Rego text (so %v of an array prints ["a", 1]; %d of a string prints %!d(string=...)).
// One deliberate difference: %f/%e/%g of an integer formats it as a float (see formatOne).
import { Decimal } from 'decimal.js';
import { type Value } from '../value.js';
import { arr, str } from './args.js';
import { goQuote, regoString } from './format.js';
import { def, inlineForms } from './registry.js';

// Enough precision for the exact expansion of any double (up to ~767 significant digits).
const ExactD = Decimal.clone({ precision: 1200, toExpNeg: -2000, toExpPos: 2000 });

type GoArg =
  | { kind: 'int'; v: bigint; type: 'int' | '*big.Int' }
  | { kind: 'float'; v: number }
  | { kind: 'string'; v: string };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function toGoArg(v: Value): GoArg {
  if (typeof v === 'bigint')
    return { kind: 'int', v, type: v >= INT64_MIN && v <= INT64_MAX ? 'int' : '*big.Int' };
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return { kind: 'int', v: BigInt(v), type: 'int' };
    return { kind: 'float', v };
  }
  if (typeof v === 'string') return { kind: 'string', v };
  return { kind: 'string', v: regoString(v) };
}

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number;
  prec: number; // -1 = none
}

/** Pads to the width in code points (Go counts runes). */
function pad(s: string, f: Spec, numeric: boolean): string {
  if (f.width <= 0 || f.width <= s.length / 2) return s; // (a code point is at most 2 UTF-16 units)
  const n = f.width - [...s].length;
  if (n <= 0) return s;
  if (f.minus) return s + ' '.repeat(n);
  if (f.zero && numeric) {
    const signLen = /^[+\- ]/.test(s) ? 1 : 0;
    return s.slice(0, signLen) + '0'.repeat(n) + s.slice(signLen);
  }
  return ' '.repeat(n) + s;
}

function signed(neg: boolean, body: string, f: Spec): string {
  return (neg ? '-' : f.plus ? '+' : f.space ? ' ' : '') + body;
}

/** The character for a code point; invalid ones print U+FFFD as in Go. */
function rune(x: bigint): string {
  return x >= 0n && x <= 0x10ffffn && !(x >= 0xd800n && x <= 0xdfffn) ? String.fromCodePoint(Number(x)) : '\ufffd';
}

function fmtInt(x: bigint, verb: string, f: Spec): string | null {
  const neg = x < 0n;
  const a = neg ? -x : x;
  let digits: string;
  let prefix = '';
  switch (verb) {
    case 'd':
    case 'v':
      digits = a.toString(10);
      break;
    case 'b':
      digits = a.toString(2);
      if (f.sharp) prefix = '0b';
      break;
    case 'o':
      digits = a.toString(8);
      if (f.sharp) prefix = '0';
      break;
    case 'O':
      digits = a.toString(8);
      prefix = '0o';
      break;
    case 'x':
      digits = a.toString(16);
      if (f.sharp) prefix = '0x';
      break;
    case 'X':
      digits = a.toString(16).toUpperCase();
      if (f.sharp) prefix = '0X';
      break;
    case 'c':
      return pad(rune(x), { ...f, zero: false }, false);
    case 'q':
      return pad("'" + rune(x) + "'", { ...f, zero: false }, false);
    case 'U':
      return pad('U+' + a.toString(16).toUpperCase().padStart(4, '0'), f, false);
    default:
      return null;
  }
  if (f.prec >= 0) {
    // Go: precision 0 and value 0 print nothing but the padding.
    if (f.prec === 0 && a === 0n) return pad('', { ...f, zero: false }, false);
    digits = digits.padStart(f.prec, '0');
    return pad(signed(neg, prefix + digits, f), { ...f, zero: false }, true);
  }
  return pad(signed(neg, prefix + digits, f), f, true);
}

/** The exact decimal value of a finite double (every double is a finite binary fraction). */
function exactDecimal(x: number): Decimal {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let exp: number;
  if (expBits === 0) exp = -1074;
  else {
    mant |= 1n << 52n;
    exp = expBits - 1075;
  }
  // |x| = mant * 2^exp; for exp < 0 that is mant * 5^-exp / 10^-exp.
  const d = exp >= 0 ? new ExactD((mant << BigInt(exp)).toString()) : new ExactD((mant * 5n ** BigInt(-exp)).toString()).div(new ExactD(10).pow(-exp));
  return x < 0 ? d.neg() : d;
}

/**
 * Decimal digits (no trailing zeros) and the decimal point position: x = 0.d1d2... * 10^dp.
 * sig < 0: the shortest digits that round-trip; else rounded to sig significant digits, ties to
 * even on the exact binary value (as Go's strconv does; JS's toExponential rounds ties up).
 */
function digitsOf(x: number, sig: number): { d: string; dp: number } {
  if (x === 0) return { d: '0', dp: 1 };
  const e = sig < 0 ? x.toExponential() : exactDecimal(x).toExponential(Math.max(sig - 1, 0), Decimal.ROUND_HALF_EVEN);
  const m = /^-?(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(e)!;
  let d = m[1]! + (m[2] ?? '');
  d = d.replace(/0+$/, '') || '0';
  return { d, dp: Number(m[3]) + 1 };
}

/** x (>= 0) with `prec` digits after the point, ties to even on the exact value (Go's %f). */
function toFixedGo(x: number, prec: number): string {
  return exactDecimal(x).toFixed(prec, Decimal.ROUND_HALF_EVEN);
}

function expForm(d: string, dp: number, fracDigits: number, upper: boolean): string {
  const mant = d[0]! + (fracDigits > 0 ? '.' + d.slice(1).padEnd(fracDigits, '0') : '');
  const exp = dp - 1;
  const es = (exp < 0 ? '-' : '+') + String(Math.abs(exp)).padStart(2, '0');
  return mant + (upper ? 'E' : 'e') + es;
}

function fixedForm(d: string, dp: number, fracDigits: number): string {
  let intPart: string;
  let frac: string;
  if (dp <= 0) {
    intPart = '0';
    frac = '0'.repeat(-dp) + d;
  } else if (dp >= d.length) {
    intPart = d + '0'.repeat(dp - d.length);
    frac = '';
  } else {
    intPart = d.slice(0, dp);
    frac = d.slice(dp);
  }
  frac = frac.padEnd(fracDigits, '0').slice(0, fracDigits);
  return fracDigits > 0 ? intPart + '.' + frac : intPart;
}

function fmtFloat(x: number, verb: string, f: Spec): string | null {
  if (Number.isNaN(x)) return pad('NaN', f, false);
  const neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  if (!Number.isFinite(a)) return pad(signed(neg, 'Inf', f), { ...f, zero: false }, true);
  let body: string;
  switch (verb) {
    case 'f':
    case 'F':
      body = toFixedGo(a, f.prec < 0 ? 6 : f.prec);
      break;
    case 'e':
    case 'E': {
      const prec = f.prec < 0 ? 6 : f.prec;
      const { d, dp } = digitsOf(a, prec + 1);
      body = expForm(d, dp, prec, verb === 'E');
      break;
    }
    case 'v':
    case 'g':
    case 'G': {
      const shortest = f.prec < 0;
      const { d, dp } = digitsOf(a, shortest ? -1 : f.prec === 0 ? 1 : f.prec);
      let eprec = shortest ? 6 : f.prec === 0 ? 1 : f.prec;
      if (!shortest && eprec > d.length && d.length >= dp) eprec = d.length;
      if (shortest) eprec = 6;
      const exp = dp - 1;
      if (exp < -4 || exp >= eprec) body = expForm(d, dp, d.length - 1, verb === 'G');
      else body = fixedForm(d, dp, Math.max(d.length - dp, 0));
      break;
    }
    default:
      return null;
  }
  return pad(signed(neg, body, f), f, true);
}

function fmtString(s: string, verb: string, f: Spec): string | null {
  if (f.prec >= 0 && (verb === 's' || verb === 'v' || verb === 'q')) s = [...s].slice(0, f.prec).join('');
  switch (verb) {
    case 's':
    case 'v':
      return pad(s, { ...f, zero: f.zero }, false);
    case 'q':
      return pad(goQuote(s), f, false);
    case 'x':
    case 'X': {
      let h = Buffer.from(s, 'utf8').toString('hex');
      if (verb === 'X') h = h.toUpperCase();
      return pad(h, f, false);
    }
    default:
      return null;
  }
}

function plain(a: GoArg): string {
  if (a.kind === 'int') return a.v.toString();
  if (a.kind === 'float') return fmtFloat(a.v, 'v', { ...NOFLAGS })!;
  return a.v;
}

function typeOf(a: GoArg): string {
  return a.kind === 'int' ? a.type : a.kind === 'float' ? 'float64' : 'string';
}

const NOFLAGS: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false, width: 0, prec: -1 };

function formatOne(a: GoArg, verb: string, f: Spec): string {
  let out: string | null;
  if (a.kind === 'int') {
    // *big.Int formats %s and %v in decimal; a Go int has no %s.
    if (verb === 's' && a.type === '*big.Int') out = fmtInt(a.v, 'd', f);
    // Float verbs format integers as floats. Go would print %!f(int=10), but our values cannot tell
    // 10.0 (a float to OPA) from 10, and upstream agrees ints should format (OPA issue #4610).
    else if ('eEfFgG'.includes(verb)) out = fmtFloat(Number(a.v), verb, f);
    else out = fmtInt(a.v, verb, f);
  } else if (a.kind === 'float') out = fmtFloat(a.v, verb, f);
  else out = fmtString(a.v, verb, f);
  return out ?? `%!${verb}(${typeOf(a)}=${plain(a)})`;
}

export function goSprintf(format: string, args: GoArg[]): string {
  let out = '';
  let argi = 0;
  let reordered = false;
  const n = format.length;
  for (let i = 0; i < n; ) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const f: Spec = { ...NOFLAGS };
    flags: for (; i < n; i++) {
      switch (format[i]) {
        case '-':
          f.minus = true;
          f.zero = false;
          break;
        case '+':
          f.plus = true;
          break;
        case '#':
          f.sharp = true;
          break;
        case ' ':
          f.space = true;
          break;
        case '0':
          f.zero = !f.minus;
          break;
        default:
          break flags;
      }
    }
    const argIndex = (): void => {
      const m = /^\[(\d+)\]/.exec(format.slice(i));
      if (m) {
        argi = Number(m[1]) - 1;
        reordered = true;
        i += m[0].length;
      }
    };
    argIndex();
    let bad = '';
    const w = /^\d+/.exec(format.slice(i));
    if (w) {
      f.width = Number(w[0]);
      i += w[0].length;
      if (f.width > 1e6) bad = '%!(BADWIDTH)'; // Go's limit
    }
    if (format[i] === '.') {
      i++;
      argIndex();
      const p = /^\d+/.exec(format.slice(i));
      f.prec = p ? Number(p[0]) : 0;
      if (p) i += p[0].length;
      if (f.prec > 1e6) bad = '%!(BADPREC)';
    }
    argIndex();
    if (i >= n) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (bad) {
      out += bad;
      f.width = 0;
      f.prec = -1;
    }
    if (argi >= args.length || argi < 0) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatOne(args[argi]!, verb, f);
    argi++;
  }
  if (!reordered && argi < args.length) {
    out += '%!(EXTRA ' + args.slice(argi).map((a) => `${typeOf(a)}=${plain(a)}`).join(', ') + ')';
  }
  return out;
}

// The common formats (only %v, %s, %d and %% without flags, width, precision or argument indexes)
// are parsed once into literal parts and verbs; arguments whose text the fast path knows (strings,
// safe integers, floats printed the same by Go's %v and JavaScript) skip goSprintf.
type FastFormat = { lits: string[]; verbs: string[] } | null;
const fastFormats = new Map<string, FastFormat>();

function parseFast(format: string): FastFormat {
  const lits: string[] = [];
  const verbs: string[] = [];
  let lit = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c !== '%') {
      lit += c;
      continue;
    }
    const v = format[i + 1];
    i++;
    if (v === '%') lit += '%';
    else if (v === 'v' || v === 's' || v === 'd') {
      lits.push(lit);
      verbs.push(v);
      lit = '';
    } else return null;
  }
  lits.push(lit);
  return { lits, verbs };
}

/** The text of one argument under a fast verb, undefined when goSprintf must decide. */
function fastArg(v: Value, verb: string): string | undefined {
  if (typeof v === 'string') return verb === 'd' ? undefined : v;
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return verb === 's' ? undefined : String(v + 0);
    // Go's %v of a float64 is fixed-point for exponents in [-4, 21) and shortest digits (as
    // JavaScript's), but goes to exponent form from 1e6 on for %v (%g with the shortest precision)
    const a = Math.abs(v);
    return verb === 'v' && a >= 1e-4 && a < 1e6 ? String(v) : undefined;
  }
  if (verb !== 'd' && v !== null && typeof v === 'object') return regoString(v);
  return undefined;
}

inlineForms.sprintfParse = parseFast;
inlineForms.sprintfArg = fastArg;

def('sprintf', 2, (args) => {
  const format = str('sprintf', args, 0);
  const values = arr('sprintf', args, 1);
  let f = fastFormats.get(format);
  if (f === undefined) {
    f = parseFast(format);
    if (fastFormats.size >= 1000) fastFormats.clear();
    fastFormats.set(format, f);
  }
  if (f !== null && f.verbs.length === values.length) {
    let out = f.lits[0]!;
    let i = 0;
    for (; i < values.length; i++) {
      const t = fastArg(values[i]!, f.verbs[i]!);
      if (t === undefined) break;
      out += t + f.lits[i + 1]!;
    }
    if (i === values.length) return out;
  }
  return goSprintf(format, values.map(toGoArg));
});
