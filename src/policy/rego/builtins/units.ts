// units.parse (SI and binary suffixes, milli) and units.parse_bytes; decimal-exact arithmetic so
// "0.0005K" is exactly 0.5.
import { Decimal } from 'decimal.js';
import { builtinError, str } from './args.js';
import { fromDec } from './arith.js';
import { def } from './registry.js';

const D = Decimal.clone({ precision: 60 });
const pow = (b: number, e: number): Decimal => new D(b).pow(e);

const UNIT_FACTORS: Record<string, Decimal> = {
  m: new D('0.001'),
  '': new D(1),
  k: pow(10, 3),
  K: pow(10, 3),
  ki: pow(2, 10),
  Ki: pow(2, 10),
  M: pow(10, 6),
  mi: pow(2, 20),
  Mi: pow(2, 20),
  g: pow(10, 9),
  G: pow(10, 9),
  gi: pow(2, 30),
  Gi: pow(2, 30),
  t: pow(10, 12),
  T: pow(10, 12),
  ti: pow(2, 40),
  Ti: pow(2, 40),
  p: pow(10, 15),
  P: pow(10, 15),
  pi: pow(2, 50),
  Pi: pow(2, 50),
  e: pow(10, 18),
  E: pow(10, 18),
  ei: pow(2, 60),
  Ei: pow(2, 60),
};

const BYTE_FACTORS: Record<string, Decimal> = { '': new D(1) };
for (const [i, p] of ['k', 'm', 'g', 't', 'p', 'e'].entries()) {
  BYTE_FACTORS[p] = BYTE_FACTORS[p + 'b'] = pow(10, 3 * (i + 1));
  BYTE_FACTORS[p + 'i'] = BYTE_FACTORS[p + 'ib'] = pow(2, 10 * (i + 1));
}

/** Splits "1.5e3Ki" into its amount ("1.5e3") and unit ("Ki"); an exponent needs digits after the e. */
function split(s: string): [string, string] {
  const m = /^[+-]?[0-9.]*(?:[eE][+-]?\d+)?/.exec(s)!;
  let n = m[0];
  if (!/[0-9.]/.test(n)) n = ''; // a lone sign is no amount
  return [n, s.slice(n.length)];
}

function parseAmount(name: string, n: string, what: string): Decimal {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(n)) throw builtinError(name, `could not parse ${what} to a number`);
  return new D(n);
}

def('units.parse', 1, (args) => {
  const s = str('units.parse', args, 0).replaceAll('"', '');
  if (s.includes(' ')) throw builtinError('units.parse', 'spaces not allowed in resource strings');
  const [n, rawUnit] = split(s);
  if (n === '') throw builtinError('units.parse', 'no amount provided');
  // Only the letters after the first are case-insensitive, so "m" (milli) and "M" (mega) differ.
  const unit = rawUnit.length > 1 ? rawUnit[0] + rawUnit.slice(1).toLowerCase() : rawUnit;
  const f = UNIT_FACTORS[unit];
  if (f === undefined) throw builtinError('units.parse', `unit ${unit} not recognized`);
  return fromDec(parseAmount('units.parse', n, 'amount').times(f));
});

def('units.parse_bytes', 1, (args) => {
  const s = str('units.parse_bytes', args, 0).replaceAll('"', '').toLowerCase();
  if (s.includes(' ')) throw builtinError('units.parse_bytes', 'spaces not allowed in resource strings');
  const [n, unit] = split(s);
  if (n === '') throw builtinError('units.parse_bytes', 'no byte amount provided');
  const f = BYTE_FACTORS[unit];
  if (f === undefined) throw builtinError('units.parse_bytes', `byte unit ${unit} not recognized`);
  return fromDec(parseAmount('units.parse_bytes', n, 'byte amount').times(f).trunc());
});
