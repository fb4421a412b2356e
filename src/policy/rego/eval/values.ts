// Operations on documents used by the evaluator: indexing and iteration as Rego does them,
// membership, merging the values several rules produce for one path (with conflict detection),
// constant literals, and Rego's textual form of values.
import type { Term } from '../ast/types.js';
import type { CompiledRule, RuleNode } from '../compile/ir.js';
import { regoString } from '../builtins/format.js';
import { RegoError } from '../errors.js';
import { equal, RObject, RSet, type Value } from '../value.js';

const CONFLICT = 'eval_conflict_error';

const groundCache = new WeakMap<Term, Value | null>();

/** The value of a literal made only of constants (computed once per term), else undefined. */
export function groundValue(t: Term): Value | undefined {
  const c = groundCache.get(t);
  if (c !== undefined) return c === null ? undefined : c;
  let v: Value | undefined;
  switch (t.t) {
    case 'scalar':
      v = t.v;
      break;
    case 'array': {
      const out: Value[] = [];
      for (const x of t.items) {
        const g = groundValue(x);
        if (g === undefined) break;
        out.push(g);
      }
      if (out.length === t.items.length) v = out;
      break;
    }
    case 'set': {
      const out = new RSet();
      let ok = true;
      for (const x of t.items) {
        const g = groundValue(x);
        if (g === undefined) {
          ok = false;
          break;
        }
        out.add(g);
      }
      if (ok) v = out;
      break;
    }
    case 'object': {
      const out = new RObject();
      let ok = true;
      for (const [a, b] of t.items) {
        const ga = groundValue(a);
        const gb = ga === undefined ? undefined : groundValue(b);
        if (ga === undefined || gb === undefined) {
          ok = false;
          break;
        }
        const prev = out.get(ga);
        if (prev !== undefined && !equal(prev, gb)) {
          ok = false; // conflicting duplicate keys: let evaluation raise the error
          break;
        }
        out.set(ga, gb);
      }
      if (ok) v = out.compact();
      break;
    }
  }
  groundCache.set(t, v === undefined ? null : v);
  return v;
}

/** v[key] as Rego indexes: arrays by integer, objects by key, sets by membership. */
export function index(v: Value, key: Value): Value | undefined {
  if (Array.isArray(v)) {
    if (typeof key === 'number') {
      if (!Number.isInteger(key) || key < 0 || key >= v.length) return undefined;
      return v[key];
    }
    return undefined;
  }
  if (v instanceof RObject) return v.get(key);
  if (v instanceof RSet) return v.has(key) ? key : undefined;
  return undefined;
}

/** Calls f(key, value) for each element; returns true if f asked to stop. */
export function iterate(v: Value, f: (key: Value, val: Value) => boolean): boolean {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (f(i, v[i]!)) return true;
    return false;
  }
  if (v instanceof RObject) {
    for (const [key, val] of v.entries()) if (f(key, val)) return true;
    return false;
  }
  if (v instanceof RSet) {
    for (const m of v.values()) if (f(m, m)) return true;
    return false;
  }
  return false;
}

export function member2(x: Value, c: Value): boolean {
  if (Array.isArray(c)) return c.some((e) => equal(e, x));
  if (c instanceof RSet) return c.has(x);
  if (c instanceof RObject) return c.values().some((e) => equal(e, x));
  return false;
}

export function member3(k: Value, x: Value, c: Value): boolean {
  const v = index(c, k);
  if (c instanceof RSet) return false;
  return v !== undefined && equal(v, x);
}

export function setPath(root: Value, path: Value[], v: Value): Value {
  if (path.length === 0) return v;
  const o = root instanceof RObject ? root.clone() : new RObject();
  const [h, ...rest] = path;
  o.set(h!, setPath(o.get(h!) ?? new RObject(), rest, v));
  return o;
}

/** Merges values two rules produced for the same path (sets union, objects deep), else conflict. */
/** objects that are a rule's value: merging another rule into them is a conflict */
const ruleValues = new WeakSet<object>();

export function markRuleValue(v: Value): void {
  if (v instanceof RObject) ruleValues.add(v);
}

export function mergeVirtual(a: Value, b: Value, node: RuleNode): Value {
  if (a instanceof RObject && b instanceof RObject && !ruleValues.has(a) && !ruleValues.has(b)) {
    const o = a.clone();
    for (const [k, v] of b.entries()) {
      const prev = o.get(k);
      o.set(k, prev === undefined ? v : mergeVirtual(prev, v, node));
    }
    return o;
  }
  if (a instanceof RSet && b instanceof RSet) {
    const s = a.clone();
    for (const m of b.values()) s.add(m);
    return s;
  }
  if (equal(a, b)) return a;
  throw new RegoError(CONFLICT, 'object keys must be unique', node.rules[0]?.loc);
}

export function mergeObjects(a: RObject, b: RObject): RObject {
  const o = a.clone();
  for (const [k, v] of b.entries()) {
    const prev = o.get(k);
    o.set(k, prev instanceof RObject && v instanceof RObject ? mergeObjects(prev, v) : v);
  }
  return o;
}

export function insertObjectLeaf(root: RObject, keys: Value[], v: Value, r: CompiledRule): void {
  let cur = root;
  for (let i = 0; i < keys.length - 1; i++) {
    const k = keys[i]!;
    let next = cur.get(k);
    if (next === undefined) {
      next = new RObject();
      cur.set(k, next);
    } else if (!(next instanceof RObject)) {
      throw new RegoError(CONFLICT, 'object keys must be unique', r.loc);
    }
    cur = next;
  }
  const last = keys[keys.length - 1]!;
  const prev = cur.get(last);
  if (prev !== undefined && !equal(prev, v)) throw new RegoError(CONFLICT, 'object keys must be unique', r.loc);
  markRuleValue(v);
  cur.set(last, v);
}

export function insertSetMember(root: RObject, keys: Value[], m: Value, r: CompiledRule): void {
  let cur = root;
  for (let i = 0; i < keys.length - 1; i++) {
    const k = keys[i]!;
    let next = cur.get(k);
    if (next === undefined) {
      next = new RObject();
      cur.set(k, next);
    } else if (!(next instanceof RObject)) throw new RegoError(CONFLICT, 'object keys must be unique', r.loc);
    cur = next;
  }
  const last = keys[keys.length - 1]!;
  let s = cur.get(last);
  if (s === undefined) {
    s = new RSet();
    cur.set(last, s);
  } else if (!(s instanceof RSet)) throw new RegoError(CONFLICT, 'object keys must be unique', r.loc);
  s.add(m);
}

/** Rego's textual form of a value (print, template strings): {"a": 1}, [1, 2], {1}, set(). */
export function formatValue(v: Value): string {
  return regoString(v);
}
