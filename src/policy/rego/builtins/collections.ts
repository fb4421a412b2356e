// Arrays, objects and sets: array.*, object.*, intersection, union, walk, graph.*.
import { equal, RObject, RSet, type Value } from '../value.js';
import { arr, elementErr, intArg, obj, typeErr } from './args.js';
import { def, defRelation } from './registry.js';

// ---- arrays ----
def('array.concat', 2, (args) => [...arr('array.concat', args, 0), ...arr('array.concat', args, 1)]);

def('array.slice', 3, (args) => {
  const a = arr('array.slice', args, 0);
  let start = intArg('array.slice', args, 1);
  let stop = intArg('array.slice', args, 2);
  const len = BigInt(a.length);
  if (start < 0n) start = 0n;
  if (stop > len) stop = len;
  if (stop <= start) return [];
  return a.slice(Number(start), Number(stop));
});

def('array.reverse', 1, (args) => [...arr('array.reverse', args, 0)].reverse());

// One level only: [[1], [2, [3]]] -> [1, 2, [3]].
def('array.flatten', 1, (args) => arr('array.flatten', args, 0).flatMap((x) => (Array.isArray(x) ? x : [x])));

// ---- objects ----
def('object.get', 3, (args) => {
  const o = obj('object.get', args, 0);
  const k = args[1]!;
  const dflt = args[2]!;
  if (!Array.isArray(k)) {
    const v = o.get(k); // a key whose value is null is there: null, not the default
    return v === undefined ? dflt : v;
  }
  // An array key is a path into nested objects/arrays.
  let cur: Value = o;
  for (const seg of k) {
    const next = child(cur, seg);
    if (next === undefined) return dflt;
    cur = next;
  }
  return cur;
});

/** Child of a collection by key/index/member, or undefined. */
export function child(v: Value, seg: Value): Value | undefined {
  if (v instanceof RObject) return v.get(seg);
  if (Array.isArray(v)) {
    if (typeof seg === 'number' && Number.isInteger(seg) && seg >= 0 && seg < v.length) return v[seg];
    return undefined;
  }
  if (v instanceof RSet) return v.has(seg) ? seg : undefined;
  return undefined;
}

def('object.keys', 1, (args) => RSet.from(obj('object.keys', args, 0).keys()));

function unionObjects(a: RObject, b: RObject): RObject {
  const out = a.clone();
  for (const [k, v] of b.entries()) {
    const av = a.get(k);
    out.set(k, av instanceof RObject && v instanceof RObject ? unionObjects(av, v) : v);
  }
  return out;
}

def('object.union', 2, (args) => unionObjects(obj('object.union', args, 0), obj('object.union', args, 1)));

def('object.union_n', 1, (args) => {
  const xs = arr('object.union_n', args, 0);
  let out = new RObject();
  for (const x of xs) {
    if (!(x instanceof RObject)) throw elementErr('object.union_n', 1, xs, x, 'object');
    out = unionObjects(out, x);
  }
  return out;
});

/** Keys given as an array, set or object (its keys), as object.remove/filter accept. */
function keysOperand(name: string, v: Value): Value[] {
  if (Array.isArray(v)) return v;
  if (v instanceof RSet) return v.values();
  if (v instanceof RObject) return v.keys();
  throw typeErr(name, 2, 'one of {object, set, array}', v);
}

def('object.remove', 2, (args) => {
  const o = obj('object.remove', args, 0);
  const ks = keysOperand('object.remove', args[1]!);
  const out = o.clone();
  for (const k of ks) out.delete(k);
  return out;
});

def('object.filter', 2, (args) => {
  const o = obj('object.filter', args, 0);
  const ks = keysOperand('object.filter', args[1]!);
  const out = new RObject();
  for (const k of ks) {
    const v = o.get(k);
    if (v !== undefined) out.set(k, v);
  }
  return out;
});

// object.subset(super, sub): recursive for objects, subset for sets, contiguous run for arrays.
function arraySubset(sup: Value[], sub: Value[]): boolean {
  if (sub.length === 0) return true;
  outer: for (let i = 0; i + sub.length <= sup.length; i++) {
    for (let j = 0; j < sub.length; j++) if (!equal(sup[i + j]!, sub[j]!)) continue outer;
    return true;
  }
  return false;
}
function setSubset(sup: RSet, sub: Iterable<Value>): boolean {
  for (const v of sub) if (!sup.has(v)) return false;
  return true;
}
function objectSubset(sup: RObject, sub: RObject): boolean {
  for (const [k, sv] of sub.entries()) {
    const pv = sup.get(k);
    if (pv === undefined) return false;
    if (sv instanceof RObject && pv instanceof RObject) {
      if (!objectSubset(pv, sv)) return false;
    } else if (sv instanceof RSet && pv instanceof RSet) {
      if (!setSubset(pv, sv.values())) return false;
    } else if (Array.isArray(sv) && Array.isArray(pv)) {
      if (!arraySubset(pv, sv)) return false;
    } else if (!equal(pv, sv)) return false;
  }
  return true;
}
def('object.subset', 2, ([sup, sub]) => {
  if (sup instanceof RObject) {
    if (!(sub instanceof RObject)) throw typeErr('object.subset', 2, 'object', sub!);
    return objectSubset(sup, sub);
  }
  if (sup instanceof RSet) {
    if (!(sub instanceof RSet)) throw typeErr('object.subset', 2, 'set', sub!);
    return setSubset(sup, sub.values());
  }
  if (Array.isArray(sup)) {
    // An array contains a set when it has every member; it contains an array as a contiguous run.
    if (sub instanceof RSet) return sub.values().every((x) => sup.some((y) => equal(x, y)));
    if (!Array.isArray(sub)) throw typeErr('object.subset', 2, 'one of {array, set}', sub!);
    return arraySubset(sup, sub);
  }
  throw typeErr('object.subset', 1, 'one of {object, array, set}', sup!);
});

// ---- sets ----
function setOfSets(name: string, v: Value): RSet[] {
  if (!(v instanceof RSet)) throw typeErr(name, 1, 'set', v);
  const xs = v.values();
  for (const x of xs) if (!(x instanceof RSet)) throw elementErr(name, 1, v, x, 'set');
  return xs as RSet[];
}

def('intersection', 1, ([v]) => {
  const sets = setOfSets('intersection', v!);
  if (sets.length === 0) return new RSet();
  const out = new RSet();
  for (const x of sets[0]!.values()) if (sets.every((s) => s.has(x))) out.add(x);
  return out;
});

def('union', 1, ([v]) => {
  const out = new RSet();
  for (const s of setOfSets('union', v!)) for (const x of s.values()) out.add(x);
  return out;
});

// ---- walk ----
function* walkValue(v: Value, path: Value[]): Generator<Value> {
  yield [[...path], v];
  if (v instanceof RObject) for (const [k, x] of v.entries()) yield* walkValue(x, [...path, k]);
  else if (Array.isArray(v)) for (let i = 0; i < v.length; i++) yield* walkValue(v[i]!, [...path, i]);
  else if (v instanceof RSet) for (const x of v.values()) yield* walkValue(x, [...path, x]);
}

defRelation('walk', 1, ([v]) => walkValue(v!, []));

// ---- graph ----
function vertices(v: Value | undefined): Value[] {
  if (Array.isArray(v)) return v;
  if (v instanceof RSet) return v.values();
  return [];
}

function graphOperands(name: string, args: Value[]): [RObject, Value[]] {
  const g = obj(name, args, 0);
  const init = args[1]!;
  if (!Array.isArray(init) && !(init instanceof RSet)) throw typeErr(name, 2, 'one of {array, set}', init);
  return [g, vertices(init)];
}

def('graph.reachable', 2, (args) => {
  const [g, init] = graphOperands('graph.reachable', args);
  const reached = new RSet();
  const queue = [...init];
  while (queue.length > 0) {
    const n = queue.shift()!;
    if (reached.has(n)) continue;
    const edges = g.get(n);
    if (edges === undefined) continue;
    reached.add(n);
    for (const m of vertices(edges)) if (!reached.has(m)) queue.push(m);
  }
  return reached;
});

// Depth-first from each initial node; a path ends at a node without edges, at a neighbour that is
// not in the graph, or at a neighbour already reached (which also cuts cycles). Matches OPA's
// conformance results (reachable_paths/cycle_1022_3).
def('graph.reachable_paths', 2, (args) => {
  const [g, init] = graphOperands('graph.reachable_paths', args);
  const out = new RSet();
  for (const start of init) {
    const reached = new RSet();
    const visit = (n: Value, path: Value[]): void => {
      const edges = g.get(n);
      if (edges === undefined) {
        if (path.length > 0) out.add(path);
        return;
      }
      const p = [...path, n];
      const next = vertices(edges);
      // Only nodes that lead somewhere count as reached (OPA: a dead-end node can end several paths).
      if (next.some((m) => g.has(m))) reached.add(n);
      if (next.length === 0) out.add(p);
      for (const m of next) {
        if (reached.has(m)) out.add(p);
        else visit(m, p);
      }
    };
    visit(start, []);
  }
  return out;
});

