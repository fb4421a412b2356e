// Rego's static types, as OPA's type checker has them (package types of OPA): scalars, arrays with
// a static prefix and a dynamic rest, objects with static properties and a dynamic key/value,
// sets, `any` (a union; the empty union is "any value at all") and function signatures. A missing
// type (undefined) is OPA's nil: nothing is known yet.
//
// The builtin declarations (builtins/decls.ts, BUILTIN_TYPES) are written in OPA's own notation
// (`(x: number) => number`, `object[string: any]`, `any<number, set[any]>`), parsed here once.
import { compare as compareValues, key as valueKey, type Value } from '../value.js';

export type Type =
  | { k: 'null' }
  | { k: 'boolean' }
  | { k: 'number' }
  | { k: 'string' }
  | { k: 'array'; static: (Type | undefined)[]; dynamic?: Type }
  | { k: 'object'; static: Prop[]; dynamic?: { key: Type | undefined; value: Type | undefined } }
  | { k: 'set'; of?: Type }
  | { k: 'any'; of: Type[] }
  | FuncType;

export interface Prop {
  key: Value; // a JSON scalar (string, number, boolean, null)
  value: Type | undefined;
}

export interface FuncType {
  k: 'func';
  args: (Type | undefined)[];
  result?: Type;
  variadic?: Type;
  /** argument names (for messages: "want: (x: number)"), parallel to args; result name last */
  names?: (string | undefined)[];
  resultName?: string;
}

export const NUL: Type = { k: 'null' };
export const B: Type = { k: 'boolean' };
export const N: Type = { k: 'number' };
export const S: Type = { k: 'string' };
/** any value at all */
export const A: Type = { k: 'any', of: [] };

// Composite types are interned (hash-consed): a structure built twice is one object, so comparing
// equal types stops at identity instead of walking them (contract modules repeat the same shapes a
// thousand times). The table is bounded; beyond it, types are only shared less.
const typeIds = new WeakMap<object, number>();
let nextTypeId = 1;
const interned = new Map<string, Type>();

function tid(t: Type | undefined): number {
  if (!t) return 0;
  let i = typeIds.get(t);
  if (i === undefined) typeIds.set(t, (i = nextTypeId++));
  return i;
}

function intern<T extends Type>(key: string, make: () => T): T {
  const t = interned.get(key);
  if (t) return t as T;
  if (interned.size >= 200_000) {
    interned.clear();
    propIds.clear(); // (keys of the table name properties by these numbers: both start over)
  }
  const made = make();
  interned.set(key, made);
  return made;
}

export const arr = (st: (Type | undefined)[], dynamic?: Type): Type => {
  let key = 'a' + tid(dynamic);
  for (const t of st) key += ',' + tid(t);
  return intern(key, () => (dynamic ? { k: 'array', static: st, dynamic } : { k: 'array', static: st }));
};
export const set = (of?: Type): Type => intern('s' + tid(of), () => (of ? { k: 'set', of } : { k: 'set' }));

// String property names in intern keys as small numbers (one per name while the table lasts): keys
// of object types stay short however long the names are.
const propIds = new Map<string, string>();

function propKey(k: Value): string {
  if (typeof k === 'string') {
    let id = propIds.get(k);
    if (id === undefined) propIds.set(k, (id = 's' + propIds.size));
    return id;
  }
  return 'v' + valueKey(k).length + ':' + valueKey(k);
}

export function obj(st: Prop[], dynamic?: { key: Type | undefined; value: Type | undefined }): Type {
  // string keys already in order (literals written sorted, as generated modules are) need no sort
  let ordered = true;
  for (let i = 0; i < st.length && ordered; i++) {
    const k = st[i]!.key;
    if (typeof k !== 'string' || (i > 0 && !((st[i - 1]!.key as string) < k))) ordered = false;
  }
  const sorted = ordered
    ? st.slice()
    : st.every((p) => typeof p.key === 'string')
      ? [...st].sort((a, b) => ((a.key as string) < (b.key as string) ? -1 : (a.key as string) > (b.key as string) ? 1 : 0))
      : [...st].sort((a, b) => compareValues(a.key, b.key));
  let key = dynamic ? 'o' + tid(dynamic.key) + ',' + tid(dynamic.value) : 'o-';
  for (const p of sorted) key += '|' + propKey(p.key) + '=' + tid(p.value);
  return intern(key, () => (dynamic ? { k: 'object', static: sorted, dynamic } : { k: 'object', static: sorted }));
}

/**
 * obj() of an object literal's items whose keys are constant scalars, with their value types in
 * `vals` (parallel): when the keys are strings in order (generated modules write them so) and the
 * type is already interned, no property list is built at all.
 */
export function objOfItems(items: readonly [{ v?: unknown }, unknown][], vals: (Type | undefined)[]): Type {
  let key = 'o-';
  let ordered = true;
  let prev = '';
  for (let i = 0; i < items.length; i++) {
    const k = items[i]![0].v;
    if (typeof k !== 'string' || (i > 0 && !(prev < k))) {
      ordered = false;
      break;
    }
    prev = k;
    key += '|' + propKey(k) + '=' + tid(vals[i]);
  }
  if (ordered) {
    const t = interned.get(key);
    if (t) return t;
  }
  const st: Prop[] = [];
  for (let i = 0; i < items.length; i++) st.push({ key: items[i]![0].v as Value, value: vals[i] });
  return obj(st);
}

/** The union of types given in OPA's order. */
function anySorted(of: Type[]): Type {
  let key = 'n';
  for (const t of of) key += ',' + tid(t);
  return intern(key, () => ({ k: 'any', of }));
}

export function anyOf(...of: Type[]): Type {
  return anySorted([...of].sort(compareTypes));
}
export function func(args: (Type | undefined)[], result?: Type): FuncType {
  return result ? { k: 'func', args, result } : { k: 'func', args };
}

const ORDER: Record<Type['k'], number> = { null: 0, boolean: 1, number: 2, string: 3, array: 4, object: 5, set: 6, any: 7, func: 8 };

/** OPA's types.Compare: a total order (nil first). */
export function compareTypes(a: Type | undefined, b: Type | undefined): number {
  if (a === b) return 0;
  const x = a ? ORDER[a.k] : -1;
  const y = b ? ORDER[b.k] : -1;
  if (x !== y) return x < y ? -1 : 1;
  if (!a || !b) return 0;
  switch (a.k) {
    case 'null':
    case 'boolean':
    case 'number':
    case 'string':
      return 0;
    case 'array': {
      const bb = b as Extract<Type, { k: 'array' }>;
      if (a.dynamic && !bb.dynamic) return 1;
      if (!a.dynamic && bb.dynamic) return -1;
      if (a.dynamic && bb.dynamic) {
        const c = compareTypes(a.dynamic, bb.dynamic);
        if (c) return c;
      }
      return compareLists(a.static, bb.static);
    }
    case 'object': {
      const bb = b as Extract<Type, { k: 'object' }>;
      if (a.dynamic && !bb.dynamic) return 1;
      if (!a.dynamic && bb.dynamic) return -1;
      if (a.dynamic && bb.dynamic) {
        const c = compareTypes(a.dynamic.key, bb.dynamic.key) || compareTypes(a.dynamic.value, bb.dynamic.value);
        if (c) return c;
      }
      const n = Math.min(a.static.length, bb.static.length);
      for (let i = 0; i < n; i++) {
        const c = compareValues(a.static[i]!.key, bb.static[i]!.key) || compareTypes(a.static[i]!.value, bb.static[i]!.value);
        if (c) return c;
      }
      return a.static.length - bb.static.length < 0 ? -1 : a.static.length > bb.static.length ? 1 : 0;
    }
    case 'set': {
      const bb = b as Extract<Type, { k: 'set' }>;
      if (!a.of && !bb.of) return 0;
      if (!a.of) return -1;
      if (!bb.of) return 1;
      return compareTypes(a.of, bb.of);
    }
    case 'any':
      return compareLists(a.of, (b as Extract<Type, { k: 'any' }>).of);
    case 'func': {
      const bb = b as FuncType;
      if (a.args.length !== bb.args.length) return a.args.length < bb.args.length ? -1 : 1;
      const c = compareLists(a.args, bb.args);
      if (c) return c;
      return compareTypes(a.result, bb.result) || compareTypes(a.variadic, bb.variadic);
    }
  }
}

function compareLists(a: readonly (Type | undefined)[], b: readonly (Type | undefined)[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareTypes(a[i], b[i]);
    if (c) return c;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

function anyContains(a: Extract<Type, { k: 'any' }>, other: Type | undefined): boolean {
  if (other?.k === 'func') return false;
  return a.of.length === 0 || a.of.some((t) => compareTypes(t, other) === 0);
}

/** a is a superset of (or equal to) b. */
export function contains(a: Type | undefined, b: Type | undefined): boolean {
  if (a?.k === 'any') return anyContains(a, b);
  return compareTypes(a, b) === 0;
}

function anyMerge(a: Extract<Type, { k: 'any' }>, other: Type): Type {
  if (other.k === 'any') {
    if (a.of.length === 0) return a;
    if (other.of.length === 0) return other;
    const out = [...a.of];
    for (const t of other.of) if (!out.some((x) => compareTypes(x, t) === 0)) out.push(t);
    return anySorted(out.sort(compareTypes));
  }
  if (anyContains(a, other)) return a;
  return anySorted([...a.of, other].sort(compareTypes));
}

/** OPA's types.Or: the union of a and b (the superset when one contains the other). */
export function or(a: Type | undefined, b: Type | undefined): Type | undefined {
  if (!a) return b;
  if (!b) return a;
  if (a.k === 'func' && b.k === 'func') {
    if (a.args.length !== b.args.length || !!a.variadic !== !!b.variadic) return undefined;
    const f: FuncType = { k: 'func', args: a.args.map((x, i) => or(x, b.args[i])) };
    const r = or(a.result, b.result);
    if (r) f.result = r;
    const v = or(a.variadic, b.variadic);
    if (v) f.variadic = v;
    return f;
  }
  if (a.k === 'func' || b.k === 'func') return undefined;
  if (a.k === 'any') return anyMerge(a, b);
  if (b.k === 'any') return anyMerge(b, a);
  if (compareTypes(a, b) === 0) return a;
  return anyOf(a, b);
}

/** The type of a JSON scalar used as an object key or set element. */
export function typeOfValue(v: Value): Type {
  if (v === null) return NUL;
  switch (typeof v) {
    case 'boolean':
      return B;
    case 'string':
      return S;
    case 'number':
    case 'bigint':
      return N;
  }
  if (Array.isArray(v)) return arr(v.map(typeOfValue));
  return A;
}

/** The static property or array element of a selected by a constant key (OPA's types.Select). */
export function select(a: Type | undefined, x: Value): Type | undefined {
  if (!a) return undefined;
  switch (a.k) {
    case 'array': {
      if (typeof x !== 'number' && typeof x !== 'bigint') return undefined;
      if (typeof x === 'number' && !Number.isInteger(x)) return undefined;
      const pos = Number(x);
      if (pos < 0) return undefined;
      if (pos < a.static.length) return a.static[pos];
      return a.dynamic;
    }
    case 'object': {
      const p = typeof x === 'string' ? a.static.find((q) => q.key === x) : a.static.find((q) => compareValues(q.key, x) === 0);
      if (p) return p.value;
      if (a.dynamic && contains(a.dynamic.key, typeOfValue(x))) return a.dynamic.value;
      return undefined;
    }
    case 'set': {
      const t = typeOfValue(x);
      if (compareTypes(a.of, t) === 0) return a.of;
      if (a.of?.k === 'any' && anyContains(a.of, t)) return t;
      return undefined;
    }
    case 'any': {
      if (a.of.length === 0) return A;
      let t: Type | undefined;
      for (const m of a.of) t = or(select(m, x), t);
      return t;
    }
    default:
      return undefined;
  }
}

/** The type of the keys of a collection (numbers for arrays), undefined for a scalar. */
export function keys(a: Type | undefined): Type | undefined {
  if (!a) return undefined;
  if (a.k !== 'object' && a.k !== 'any') return keysOfType(a);
  let v = keysMemo.get(a);
  if (v === undefined) keysMemo.set(a, (v = keysOfType(a) ?? null));
  return v ?? undefined;
}

function keysOfType(a: Type): Type | undefined {
  switch (a.k) {
    case 'array':
      return N;
    case 'object': {
      let t: Type | undefined;
      for (const p of a.static) t = or(t, typeOfValue(p.key));
      if (a.dynamic) t = or(t, a.dynamic.key);
      return t;
    }
    case 'set':
      return a.of;
    case 'any': {
      if (a.of.length === 0) return A;
      let t: Type | undefined;
      for (const m of a.of) t = or(keys(m), t);
      return t;
    }
    default:
      return undefined;
  }
}

// keys() and values() of composite types, computed once per type object (types are immutable once
// built, and interned: contract modules ask for the values of the same `slas` type many times)
const keysMemo = new WeakMap<object, Type | null>();
const valuesMemo = new WeakMap<object, Type | null>();

/** The type of the values of a collection, undefined for a scalar. */
export function values(a: Type | undefined): Type | undefined {
  if (!a) return undefined;
  if (a.k !== 'object' && a.k !== 'array' && a.k !== 'any') return valuesOf(a);
  let v = valuesMemo.get(a);
  if (v === undefined) valuesMemo.set(a, (v = valuesOf(a) ?? null));
  return v ?? undefined;
}

function valuesOf(a: Type): Type | undefined {
  switch (a.k) {
    case 'array': {
      let t: Type | undefined;
      for (const s of a.static) t = or(t, s);
      return or(t, a.dynamic);
    }
    case 'object': {
      let t: Type | undefined;
      for (const p of a.static) t = or(t, p.value);
      if (a.dynamic) t = or(t, a.dynamic.value);
      return t;
    }
    case 'set':
      return a.of;
    case 'any': {
      if (a.of.length === 0) return A;
      let t: Type | undefined;
      for (const m of a.of) t = or(values(m), t);
      return t;
    }
    default:
      return undefined;
  }
}

const nils = new WeakMap<object, boolean>();

function nilCached(a: Type): boolean {
  let v = nils.get(a);
  if (v === undefined) nils.set(a, (v = nilOf(a)));
  return v;
}

/** The type is unknown somewhere inside (OPA's types.Nil). */
export function isNil(a: Type | undefined): boolean {
  if (!a) return true;
  if (a.k === 'object' || a.k === 'array' || a.k === 'any') return nilCached(a);
  return nilOf(a);
}

function nilOf(a: Type): boolean {
  switch (a.k) {
    case 'func':
      return a.args.some(isNil) || isNil(a.result);
    case 'array':
      return a.static.some(isNil) || (a.dynamic !== undefined && isNil(a.dynamic));
    case 'object':
      return a.static.some((p) => isNil(p.value)) || (a.dynamic !== undefined && (isNil(a.dynamic.key) || isNil(a.dynamic.value)));
    case 'set':
      return isNil(a.of);
    default:
      return false;
  }
}

/** A collection type that can hold nothing: {} typed, [] typed, an empty set. */
export function isEmptyCollection(t: Type | undefined): boolean {
  if (!t) return false;
  if (t.k === 'object') return t.static.length === 0 && !t.dynamic;
  if (t.k === 'array') return t.static.length === 0 && !t.dynamic;
  if (t.k === 'set') return !t.of;
  return false;
}

// ---------------------------------------------------------------- unification of types

/** OPA's unifies: can a value of type a also be of type b? */
export function unifies(a: Type | undefined, b: Type | undefined): boolean {
  if (!a || !b) return false;
  if (a === b && !nilCached(a)) return true; // (interned: equal structures are one object)
  if (a.k === 'any') {
    if (b.k !== 'func' && (a.of.length === 0 || a.of.some((x) => unifies(x, b)))) return true;
  }
  if (b.k === 'any') {
    if (a.k !== 'func' && (b.of.length === 0 || b.of.some((x) => unifies(x, a)))) return true;
  }
  if (a.k === 'any' || b.k === 'any') return false;
  switch (a.k) {
    case 'null':
    case 'boolean':
    case 'number':
    case 'string':
      return b.k === a.k;
    case 'array': {
      if (b.k !== 'array') return false;
      const st = (x: typeof a, y: typeof a): boolean => x.static.every((t, i) => unifies(t, selectIndex(y, i)));
      return st(a, b) && st(b, a) && (!a.dynamic || !b.dynamic || unifies(a.dynamic, b.dynamic));
    }
    case 'object': {
      if (b.k !== 'object') return false;
      const st = (x: typeof a, y: typeof a): boolean =>
        x.static.every((p) => {
          const tb = select(y, p.key);
          if (!tb) return !!(x.dynamic?.value || y.dynamic?.value);
          return unifies(p.value, tb);
        });
      return st(a, b) && st(b, a) && (!a.dynamic?.value || !b.dynamic?.value || unifies(a.dynamic.value, b.dynamic.value));
    }
    case 'set':
      if (b.k !== 'set') return false;
      if (!a.of || !b.of) return true;
      return unifies(a.of, b.of);
    case 'func': {
      if (b.k !== 'func' || a.args.length !== b.args.length) return false;
      return a.args.every((t, i) => unifies(t, b.args[i]));
    }
  }
}

function selectIndex(a: Extract<Type, { k: 'array' }>, i: number): Type | undefined {
  if (i < a.static.length) return a.static[i];
  return a.dynamic;
}

// ---------------------------------------------------------------- printing (OPA's String())

function keyString(k: Value): string {
  if (typeof k === 'string') return k;
  if (k === null) return '<nil>';
  return String(k);
}

export function typeString(t: Type | undefined): string {
  if (!t) return '???';
  switch (t.k) {
    case 'null':
    case 'boolean':
    case 'number':
    case 'string':
      return t.k;
    case 'array': {
      let s = 'array';
      if (t.static.length) s += '<' + t.static.map(typeString).join(', ') + '>';
      if (t.dynamic) s += '[' + typeString(t.dynamic) + ']';
      return s;
    }
    case 'object': {
      let s = 'object';
      if (t.static.length) s += '<' + t.static.map((p) => `${keyString(p.key)}: ${typeString(p.value)}`).join(', ') + '>';
      if (t.dynamic) s += '[' + typeString(t.dynamic.key) + ': ' + typeString(t.dynamic.value) + ']';
      return s;
    }
    case 'set':
      return 'set[' + typeString(t.of) + ']';
    case 'any':
      return t.of.length ? 'any<' + t.of.map(typeString).join(', ') + '>' : 'any';
    case 'func':
      return argsString(t, false, false) + " => " + typeString(t.result);
  }
}

/** "(x: number, y: string)" — the named arguments (and the result when withResult). */
export function argsString(f: FuncType, withResult: boolean, named = true): string {
  const parts = f.args.map((a, i) => (named && f.names?.[i] ? `${f.names[i]}: ` : '') + typeString(a));
  if (f.variadic) parts.push(typeString(f.variadic) + '...');
  if (withResult && f.result) parts.push((named && f.resultName ? `${f.resultName}: ` : '') + typeString(f.result));
  return '(' + parts.join(', ') + ')';
}

// ---------------------------------------------------------------- parsing OPA's notation

/** Parses a type written as OPA prints it; object keys may be JSON-quoted (`object<"a": number>`). */
export function parseType(src: string): Type {
  const p = new TypeParser(src);
  const t = p.type();
  p.end();
  return t;
}

/** Parses a signature `(x: number, y: any) => z: number` (`=> void` for none; `any...` variadic). */
export function parseSignature(src: string): FuncType {
  const p = new TypeParser(src);
  const f = p.signature();
  p.end();
  return f;
}

class TypeParser {
  private i = 0;
  constructor(private s: string) {}
  private ws(): void {
    while (this.s[this.i] === ' ') this.i++;
  }
  private eat(x: string): boolean {
    this.ws();
    if (this.s.startsWith(x, this.i)) {
      this.i += x.length;
      return true;
    }
    return false;
  }
  private expect(x: string): void {
    if (!this.eat(x)) throw new Error(`type notation: expected ${x} at ${this.i} in ${this.s}`);
  }
  end(): void {
    this.ws();
    if (this.i !== this.s.length) throw new Error(`type notation: trailing text at ${this.i} in ${this.s}`);
  }
  private ident(): string {
    this.ws();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.i));
    if (!m) throw new Error(`type notation: name expected at ${this.i} in ${this.s}`);
    this.i += m[0].length;
    return m[0];
  }
  /** `name: ` before a type, if present */
  private label(): string | undefined {
    this.ws();
    const m = /^([A-Za-z_][A-Za-z0-9_ ]*): /.exec(this.s.slice(this.i));
    if (!m) return undefined;
    this.i += m[0].length;
    return m[1];
  }
  signature(): FuncType {
    this.expect('(');
    const f: FuncType = { k: 'func', args: [], names: [] };
    let named = false;
    while (!this.eat(')')) {
      if (f.args.length || f.variadic) this.expect(',');
      const name = this.label();
      const t = this.type();
      if (this.eat('...')) f.variadic = t;
      else {
        f.args.push(t);
        f.names!.push(name);
        if (name) named = true;
      }
    }
    if (!named) delete f.names;
    this.expect('=>');
    const rn = this.label();
    this.ws();
    if (this.s.startsWith('void', this.i)) this.i += 4;
    else {
      f.result = this.type();
      if (rn) f.resultName = rn;
    }
    return f;
  }
  type(): Type {
    const name = this.ident();
    switch (name) {
      case 'null':
        return NUL;
      case 'boolean':
        return B;
      case 'number':
        return N;
      case 'string':
        return S;
      case 'any': {
        if (!this.eat('<')) return A;
        const of: Type[] = [this.type()];
        while (this.eat(',')) of.push(this.type());
        this.expect('>');
        return anyOf(...of);
      }
      case 'set': {
        this.expect('[');
        const of = this.type();
        this.expect(']');
        return set(of);
      }
      case 'array': {
        const st: Type[] = [];
        if (this.eat('<')) {
          st.push(this.type());
          while (this.eat(',')) st.push(this.type());
          this.expect('>');
        }
        let dyn: Type | undefined;
        if (this.eat('[')) {
          dyn = this.type();
          this.expect(']');
        }
        return arr(st, dyn);
      }
      case 'object': {
        const st: Prop[] = [];
        if (this.eat('<')) {
          do {
            st.push({ key: this.key(), value: (this.expect(':'), this.type()) });
          } while (this.eat(','));
          this.expect('>');
        }
        let dyn: { key: Type; value: Type } | undefined;
        if (this.eat('[')) {
          const k = this.type();
          this.expect(':');
          dyn = { key: k, value: this.type() };
          this.expect(']');
        }
        return obj(st, dyn);
      }
      default:
        throw new Error(`type notation: unknown type ${name} in ${this.s}`);
    }
  }
  private key(): Value {
    this.ws();
    if (this.s[this.i] === '"') {
      const m = /^"(?:[^"\\]|\\.)*"/.exec(this.s.slice(this.i))!;
      this.i += m[0].length;
      return JSON.parse(m[0]) as string;
    }
    return this.ident();
  }
}
