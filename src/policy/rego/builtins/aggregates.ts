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
    const n = v.length;
    // strings only (the common case): code unit order, as compare orders strings (and as the
    // default sort orders them); an array already in order is its own answer (values are immutable)
    let strings = true;
    let sorted = true;
    for (let i = 0; i < n; i++) {
      const x = v[i];
      if (typeof x !== 'string') {
        strings = false;
        break;
      }
      if (i > 0 && (v[i - 1] as string) > x) sorted = false;
    }
    if (strings) return sorted ? v : [...v].sort();
    return [...v].sort(compare);
  }
  throw typeErr('sort', 1, 'one of {array, set}', v!);
});
