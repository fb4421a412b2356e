// Aggregates: count, sum, product, max, min, sort.
import { compare, isNumber, RObject, RSet, type Value } from '../value.js';
import * as A from './arith.js';
import { elementErr, typeErr } from './args.js';
import { finite } from './operators.js';
import { def } from './registry.js';

def('count', 1, ([v]) => {
  if (typeof v === 'string') return [...v].length; // code points, as Go counts runes
  if (Array.isArray(v)) return v.length;
  if (v instanceof RObject || v instanceof RSet) return v.size;
  throw typeErr('count', 1, 'one of {array, object, set, string}', v!);
});

function members(name: string, v: Value): Value[] {
  if (Array.isArray(v)) return v;
  if (v instanceof RSet) return v.values();
  throw typeErr(name, 1, 'one of {set, array}', v);
}

function numbers(name: string, v: Value): A.Num[] {
  const xs = members(name, v);
  for (const x of xs) if (!isNumber(x)) throw elementErr(name, 1, v, x, 'number');
  return xs as A.Num[];
}

def('sum', 1, ([v]) => finite('sum', numbers('sum', v!).reduce<A.Num>((acc, x) => A.add(acc, x), 0)));
def('product', 1, ([v]) => finite('product', numbers('product', v!).reduce<A.Num>((acc, x) => A.mul(acc, x), 1)));

def('max', 1, ([v]) => {
  const xs = members('max', v!);
  if (xs.length === 0) return undefined;
  return xs.reduce((m, x) => (compare(x, m) > 0 ? x : m));
});

def('min', 1, ([v]) => {
  const xs = members('min', v!);
  if (xs.length === 0) return undefined;
  return xs.reduce((m, x) => (compare(x, m) < 0 ? x : m));
});

def('sort', 1, ([v]) => {
  if (v instanceof RSet) return [...v.values()];
  if (Array.isArray(v)) {
    // strings only (the common case): code unit order, as compare orders strings
    if (v.every((x) => typeof x === 'string')) return [...v].sort((a, b) => ((a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0));
    return [...v].sort(compare);
  }
  throw typeErr('sort', 1, 'one of {array, set}', v!);
});
