// Comparison, arithmetic and set operators under their builtin names (what `a + b`, `a == b`,
// `s1 & s2` compile to).
import { compare, equal, isNumber, RSet, type Value } from '../value.js';
import * as A from './arith.js';
import { builtinError, numArg, set, typeErr } from './args.js';
import { def } from './registry.js';

def('equal', 2, ([a, b]) => equal(a!, b!));
def('neq', 2, ([a, b]) => !equal(a!, b!));
def('lt', 2, ([a, b]) => compare(a!, b!) < 0);
def('lte', 2, ([a, b]) => compare(a!, b!) <= 0);
def('gt', 2, ([a, b]) => compare(a!, b!) > 0);
def('gte', 2, ([a, b]) => compare(a!, b!) >= 0);

/** OPA's numbers never overflow; ours are float64 beyond integers, so refuse rather than yield Infinity. */
export function finite(name: string, n: A.Num): A.Num {
  if (typeof n === 'number' && !Number.isFinite(n)) throw builtinError(name, 'numeric overflow');
  return n;
}

def('plus', 2, (args) => finite('plus', A.add(numArg('plus', args, 0), numArg('plus', args, 1))));
def('mul', 2, (args) => finite('mul', A.mul(numArg('mul', args, 0), numArg('mul', args, 1))));

def('minus', 2, (args) => {
  const [a, b] = args as [Value, Value];
  if (isNumber(a) && isNumber(b)) return finite('minus', A.sub(a, b));
  if (a instanceof RSet && b instanceof RSet) return setDiff(a, b);
  if (!isNumber(a) && !(a instanceof RSet)) throw typeErr('minus', 1, 'one of {number, set}', a);
  if (isNumber(a)) throw typeErr('minus', 2, 'number', b);
  throw typeErr('minus', 2, 'set', b);
});

def('div', 2, (args) => {
  const a = numArg('div', args, 0);
  const b = numArg('div', args, 1);
  if (A.sign(b) === 0) throw builtinError('div', 'divide by zero');
  return finite('div', A.div(a, b));
});

def('rem', 2, (args) => {
  const a = numArg('rem', args, 0);
  const b = numArg('rem', args, 1);
  if (!A.isInt(a) || !A.isInt(b)) throw builtinError('rem', 'modulo on floating-point number');
  if (A.sign(b) === 0) throw builtinError('rem', 'modulo by zero');
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a % b;
    return r === 0 ? 0 : r; // no -0
  }
  return A.toBig(a) % A.toBig(b);
});

def('abs', 1, (args) => A.abs(numArg('abs', args, 0)));
def('round', 1, (args) => A.round(numArg('round', args, 0)));
def('ceil', 1, (args) => A.ceil(numArg('ceil', args, 0)));
def('floor', 1, (args) => A.floor(numArg('floor', args, 0)));

export function setDiff(a: RSet, b: RSet): RSet {
  const out = new RSet();
  for (const v of a.values()) if (!b.has(v)) out.add(v);
  return out;
}

def('and', 2, (args) => {
  const a = set('and', args, 0);
  const b = set('and', args, 1);
  const out = new RSet();
  for (const v of a.values()) if (b.has(v)) out.add(v);
  return out;
});

def('or', 2, (args) => {
  const a = set('or', args, 0);
  const b = set('or', args, 1);
  const out = a.clone();
  for (const v of b.values()) out.add(v);
  return out;
});

