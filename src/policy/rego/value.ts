// Rego values: the data model every part of the engine (evaluator, builtins, I/O) shares.
//
// Representation, chosen for speed on the common path (plain JS where JS is exact):
//   null, boolean, string    -> themselves
//   number                   -> a JS number when it is a float or a safe integer,
//                               a bigint when it is an integer beyond 2^53 (OPA keeps those exact:
//                               nanosecond timestamps are ~1.7e18)
//   array                    -> a frozen-by-convention JS array of Values
//   object                   -> RObject (keys may be any Value, as in Rego)
//   set                      -> RSet
// Values are immutable by convention: builtins and the evaluator never mutate one they did not
// just create.

export type Value = null | boolean | string | number | bigint | Value[] | RObject | RSet;

/** Keeps numbers canonical: integral values beyond the safe range become bigint, bigint within it becomes number. */
export function num(n: number | bigint): number | bigint {
  if (typeof n === 'bigint') {
    return n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n;
  }
  if (Number.isInteger(n) && !Number.isSafeInteger(n) && Number.isFinite(n)) return BigInt(n);
  return n;
}

export function isNumber(v: Value): v is number | bigint {
  return typeof v === 'number' || typeof v === 'bigint';
}

/** Canonical string for a value: equal values (1 and 1.0, sets in any order) get the same key. */
export function key(v: Value): string {
  switch (typeof v) {
    case 'string':
      return 's' + v;
    case 'number':
      return Number.isSafeInteger(v) ? 'n' + v : 'n' + (Number.isInteger(v) ? BigInt(v).toString() : String(v));
    case 'bigint':
      return 'n' + v.toString();
    case 'boolean':
      return v ? 'T' : 'F';
    case 'object':
      if (v === null) return 'N';
      if (Array.isArray(v)) {
        // length-prefixed parts: unambiguous without escaping
        let out = 'a' + v.length + '[';
        for (let i = 0; i < v.length; i++) {
          const k = key(v[i]!);
          out += k.length + ':' + k;
        }
        return out;
      }
      return v.canonicalKey();
  }
  throw new Error('not a Rego value: ' + String(v));
}

const shapes = new Map<string, Shape>();

/** The keys (distinct strings, in Rego's order) shared by the objects that have exactly these keys. */
export class Shape {
  readonly index = new Map<string, number>();
  constructor(readonly keys: string[]) {
    keys.forEach((k, i) => this.index.set(k, i));
  }

  /** The shape of these keys (any order, distinct; one shape per set of keys while the registry
   * holds it), and where each key's value goes in it. */
  static of(keys: string[]): { shape: Shape; slot: number[] } {
    const sorted = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const id = sorted.join('\0');
    let shape = shapes.get(id);
    if (!shape) {
      if (shapes.size >= 10_000) shapes.clear();
      shapes.set(id, (shape = new Shape(sorted)));
    }
    const sh = shape;
    return { shape: sh, slot: keys.map((k) => sh.index.get(k)!) };
  }
}

// Shapes of objects converted from JavaScript (fromJS) or written as ground literals, found by their
// keys in insertion order through a trie: objects with the same keys share one shape. Bounded (the
// trie starts over when full; objects keep the shapes they have).
interface ShapeTrie {
  next: Map<string, ShapeTrie> | null;
  shape: { shape: Shape; slot: number[] } | null;
}
let shapeTrie: ShapeTrie = { next: null, shape: null };
let shapeTrieSize = 0;
const SHAPE_TRIE_MAX = 50_000;
const SHAPE_MAX_KEYS = 32;

/** The shape of an object with these distinct keys (in this order), undefined for too many keys. */
export function shapeOf(keys: string[]): { shape: Shape; slot: number[] } | undefined {
  const n = keys.length;
  if (n === 0 || n > SHAPE_MAX_KEYS) return undefined;
  let t = shapeTrie;
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    let next = t.next?.get(k);
    if (next === undefined) {
      if (shapeTrieSize >= SHAPE_TRIE_MAX) {
        shapeTrie = { next: null, shape: null };
        shapeTrieSize = 0;
        return undefined;
      }
      next = { next: null, shape: null };
      (t.next ??= new Map()).set(k, next);
      shapeTrieSize++;
    }
    t = next;
  }
  return (t.shape ??= Shape.of(keys));
}

/** The shape of objects without keys (an object made from `{}`: no map until it changes). */
const EMPTY_SHAPE = new Shape([]);

/** A property lookup site's memory (generated code): the last shape seen and where its key sits. */
export interface KeyCache {
  s: Shape | null;
  i: number;
}

/** What an object derives from its entries (computed on demand, dropped when it changes). */
interface ObjectCache {
  sorted: [Value, Value][] | null;
  ks: Value[] | null;
  vs: Value[] | null;
  ck: string | null;
}

export class RObject {
  // String keys (the common case) live in `s` under the raw string, which saves building a
  // canonical key per lookup; other keys live in `m` under key(k) (allocated on first use).
  // An object built by an object literal with constant keys has no map of its own: its values sit
  // in `vals` in the order of its shape's keys (a map is made if it is ever changed).
  // Insertion order is never observable (iteration goes sorted).
  // (five fields: objects are the most allocated values; what is derived from the entries, computed
  // on demand, lives in `c`)
  private s: Map<string, Value> | null;
  private m: Map<string, [Value, Value]> | null;
  private shape: Shape | null;
  private vals: Value[] | null;
  private c: ObjectCache | null;

  constructor(shape?: Shape, vals?: Value[]) {
    this.m = null;
    this.c = null;
    if (shape) {
      this.s = null;
      this.shape = shape;
      this.vals = vals!;
    } else {
      this.s = new Map();
      this.shape = null;
      this.vals = null;
    }
  }

  /** An object of a shape, its values in the order of the shape's keys. */
  static shaped(shape: Shape, vals: Value[]): RObject {
    return new RObject(shape, vals);
  }

  static from(entries: Iterable<[Value, Value]>): RObject {
    const o = new RObject();
    for (const [k, v] of entries) o.set(k, v);
    return o;
  }

  static fromRecord(rec: Record<string, Value>): RObject {
    const o = new RObject();
    for (const k of Object.keys(rec)) o.set(k, rec[k]!);
    return o;
  }

  get size(): number {
    const s = this.s;
    if (s === null) return this.shape!.keys.length;
    return this.m === null ? s.size : s.size + this.m.size;
  }

  /** The map of string keys (made from the shape the first time an object of a shape changes). */
  private strings(): Map<string, Value> {
    let s = this.s;
    if (s === null) {
      s = new Map();
      const keys = this.shape!.keys;
      const vals = this.vals!;
      for (let i = 0; i < keys.length; i++) s.set(keys[i]!, vals[i]!);
      this.s = s;
      this.shape = null;
      this.vals = null;
    }
    return s;
  }

  /** Only for building a fresh object. */
  set(k: Value, v: Value): this {
    if (typeof k === 'string') (this.s ?? this.strings()).set(k, v);
    else (this.m ??= new Map()).set(key(k), [k, v]);
    if (this.c !== null) this.c = null;
    return this;
  }

  private invalidate(): void {
    this.c = null;
  }

  delete(k: Value): boolean {
    this.invalidate();
    return typeof k === 'string' ? this.strings().delete(k) : this.m !== null && this.m.delete(key(k));
  }

  get(k: Value): Value | undefined {
    if (typeof k === 'string') {
      const s = this.s;
      if (s !== null) return s.get(k);
      const i = this.shape!.index.get(k);
      return i === undefined ? undefined : this.vals![i];
    }
    return this.m === null ? undefined : this.m.get(key(k))?.[1];
  }

  /** get(k) for a constant string key at one lookup site (kc: that site's cache). */
  getAt(k: string, kc: KeyCache): Value | undefined {
    const sh = this.shape;
    if (sh === null) return this.s!.get(k);
    if (sh === kc.s) return this.vals![kc.i];
    const i = sh.index.get(k);
    if (i === undefined) return undefined;
    kc.s = sh;
    kc.i = i;
    return this.vals![i];
  }

  /** The same object with a shape, when it has only string keys (few enough) and no shape yet. */
  compact(): RObject {
    if (this.s === null || this.m !== null || this.s.size === 0) return this;
    const sh = shapeOf(this.keys() as string[]);
    return sh ? new RObject(sh.shape, this.values()) : this;
  }

  has(k: Value): boolean {
    if (typeof k === 'string') return this.s !== null ? this.s.has(k) : this.shape!.index.has(k);
    return this.m !== null && this.m.has(key(k));
  }

  getByKey(canonical: string): Value | undefined {
    return canonical[0] === 's' ? this.get(canonical.slice(1)) : this.m?.get(canonical)?.[1];
  }

  private cache(): ObjectCache {
    return (this.c ??= { sorted: null, ks: null, vs: null, ck: null });
  }

  /** Entries in Rego's order of keys. */
  entries(): [Value, Value][] {
    const c = this.cache();
    if (c.sorted === null) {
      const all: [Value, Value][] = [];
      const s = this.s;
      if (s === null) {
        const keys = this.shape!.keys;
        const vals = this.vals!;
        for (let i = 0; i < keys.length; i++) all.push([keys[i]!, vals[i]!]);
      } else {
        for (const [k, v] of s) all.push([k, v]);
        if (this.m !== null && this.m.size) {
          for (const e of this.m.values()) all.push(e);
          all.sort((a, b) => compare(a[0], b[0]));
        } else all.sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : (a[0] as string) > (b[0] as string) ? 1 : 0)); // string keys: code unit order
      }
      c.sorted = all;
    }
    return c.sorted;
  }

  /** Keys in Rego's order (one array, computed once: do not mutate). */
  keys(): Value[] {
    if (this.s === null) return this.shape!.keys;
    const c = this.cache();
    return (c.ks ??= this.entries().map((e) => e[0]));
  }

  /** Values in the order of their keys (one array, computed once: do not mutate). */
  values(): Value[] {
    if (this.s === null) return this.vals!;
    const c = this.cache();
    return (c.vs ??= this.entries().map((e) => e[1]));
  }

  sortedKeys(): string[] {
    return this.entries().map((e) => key(e[0]));
  }

  /** key(this), computed once per object (objects are immutable once built). */
  canonicalKey(): string {
    const c = this.cache();
    if (c.ck === null) {
      const es = this.entries();
      let out = 'o' + es.length + '{';
      for (const [k, v] of es) {
        const a = key(k);
        const b = key(v);
        out += a.length + ':' + a + b.length + ':' + b;
      }
      c.ck = out;
    }
    return c.ck;
  }

  clone(): RObject {
    const o = new RObject();
    const s = this.s;
    const os = o.s!;
    if (s === null) {
      const keys = this.shape!.keys;
      const vals = this.vals!;
      for (let i = 0; i < keys.length; i++) os.set(keys[i]!, vals[i]!);
    } else for (const [k, e] of s) os.set(k, e);
    if (this.m !== null) o.m = new Map(this.m);
    return o;
  }
}

const NO_STRINGS: ReadonlySet<string> = new Set();

export class RSet {
  // strings in `s`, other members under key(v) in `m` (both allocated on first use; see RObject)
  private s: Set<string> | null = null;
  private m: Map<string, Value> | null = null;
  private sorted: Value[] | null = null;
  private ck: string | null = null;

  static from(items: Iterable<Value>): RSet {
    const s = new RSet();
    for (const v of items) s.add(v);
    return s;
  }

  get size(): number {
    const n = this.s === null ? 0 : this.s.size;
    return this.m === null ? n : n + this.m.size;
  }

  /** Only for building a fresh set. */
  add(v: Value): this {
    if (typeof v === 'string') {
      const s = (this.s ??= new Set());
      const n = s.size;
      s.add(v);
      if (s.size !== n) {
        this.sorted = null;
        this.ck = null;
      }
      return this;
    }
    const k = key(v);
    const m = (this.m ??= new Map());
    if (!m.has(k)) {
      m.set(k, v);
      this.sorted = null;
      this.ck = null;
    }
    return this;
  }

  delete(v: Value): boolean {
    this.sorted = null;
    this.ck = null;
    return typeof v === 'string' ? this.s !== null && this.s.delete(v) : this.m !== null && this.m.delete(key(v));
  }

  has(v: Value): boolean {
    return typeof v === 'string' ? this.s !== null && this.s.has(v) : this.m !== null && this.m.has(key(v));
  }

  /** Members in Rego's order (one array, computed once: do not mutate). */
  values(): Value[] {
    if (this.sorted === null) {
      const strs = this.s ?? NO_STRINGS;
      if (this.m === null || this.m.size === 0) {
        const all: string[] = [...strs];
        if (all.length > 1) all.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)); // strings: code unit order
        this.sorted = all;
      } else this.sorted = [...strs, ...this.m.values()].sort(compare);
    }
    return this.sorted;
  }

  sortedKeys(): string[] {
    return this.values().map(key);
  }

  /** key(this), computed once per set (sets are immutable once built). */
  canonicalKey(): string {
    if (this.ck === null) {
      const vs = this.values();
      let out = 'S' + vs.length + '{';
      for (const v of vs) {
        const a = key(v);
        out += a.length + ':' + a;
      }
      this.ck = out;
    }
    return this.ck;
  }

  clone(): RSet {
    const s = new RSet();
    if (this.s !== null) s.s = new Set(this.s);
    if (this.m !== null) s.m = new Map(this.m);
    return s;
  }
}

/** OPA's type order: null < boolean < number < string < array < object < set. */
function rank(v: Value): number {
  switch (typeof v) {
    case 'boolean':
      return 1;
    case 'number':
    case 'bigint':
      return 2;
    case 'string':
      return 3;
    case 'object':
      if (v === null) return 0;
      if (Array.isArray(v)) return 4;
      if (v instanceof RObject) return 5;
      return 6;
  }
  throw new Error('not a Rego value: ' + String(v));
}

export function compareNumbers(a: number | bigint, b: number | bigint): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  // Mixed or both bigint: compare exactly.
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number') {
    if (!Number.isFinite(a)) return a > 0 ? 1 : -1;
    const fa = Math.floor(a);
    const c = BigInt(fa) < (b as bigint) ? -1 : BigInt(fa) > (b as bigint) ? 1 : 0;
    if (c !== 0) return c;
    return a > fa ? 1 : 0;
  }
  return -compareNumbers(b, a);
}

export function compare(a: Value, b: Value): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return a === b ? 0 : a ? 1 : -1;
    case 2:
      return compareNumbers(a as number | bigint, b as number | bigint);
    case 3:
      return a === b ? 0 : (a as string) < (b as string) ? -1 : 1;
    case 4: {
      const x = a as Value[];
      const y = b as Value[];
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const c = compare(x[i]!, y[i]!);
        if (c !== 0) return c;
      }
      return x.length - y.length < 0 ? -1 : x.length > y.length ? 1 : 0;
    }
    case 5: {
      const x = (a as RObject).entries();
      const y = (b as RObject).entries();
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const ck = compare(x[i]![0], y[i]![0]);
        if (ck !== 0) return ck;
        const cv = compare(x[i]![1], y[i]![1]);
        if (cv !== 0) return cv;
      }
      return x.length < y.length ? -1 : x.length > y.length ? 1 : 0;
    }
    default: {
      const x = (a as RSet).values();
      const y = (b as RSet).values();
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const c = compare(x[i]!, y[i]!);
        if (c !== 0) return c;
      }
      return x.length < y.length ? -1 : x.length > y.length ? 1 : 0;
    }
  }
}

export function equal(a: Value, b: Value): boolean {
  if (a === b) return true;
  const ta = typeof a;
  if (ta === 'string' || ta === 'boolean' || typeof b === 'string' || typeof b === 'boolean') return false;
  if (isNumber(a) && isNumber(b)) return compareNumbers(a, b) === 0;
  return rank(a) === rank(b) && compare(a, b) === 0;
}

export type TypeName = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object' | 'set';

export function typeName(v: Value): TypeName {
  return (['null', 'boolean', 'number', 'string', 'array', 'object', 'set'] as const)[rank(v)]!;
}

/** From parsed JSON/YAML (plain JS). bigint is accepted for exact big integers. */
export function fromJS(x: unknown): Value {
  if (x === null || x === undefined) return null;
  switch (typeof x) {
    case 'string':
    case 'boolean':
      return x;
    case 'number':
      return num(x);
    case 'bigint':
      return num(x);
    case 'object':
      if (Array.isArray(x)) return x.map(fromJS);
      if (Object.getPrototypeOf(x) === Object.prototype) return fromRecord(x as Record<string, unknown>);
      if (x instanceof RObject || x instanceof RSet) return x;
      if (x instanceof Map) {
        const o = new RObject();
        for (const [k, v] of x) o.set(fromJS(k), fromJS(v));
        return o;
      }
      if (x instanceof Set) return RSet.from([...x].map(fromJS));
      if (x instanceof Date) return x.toISOString();
      return fromRecord(x as Record<string, unknown>);
  }
  throw new Error('cannot convert to a Rego value: ' + typeof x);
}

/** The keys and shape last converted, by first key: objects converted from JSON mostly repeat their
 * keys in the same order, which comparing key by key (the same strings) confirms faster than the trie. */
const lastShapes = new Map<string, { keys: string[]; sh: { shape: Shape; slot: number[] } }>();

function shapeOfRecord(keys: string[]): { shape: Shape; slot: number[] } | undefined {
  const n = keys.length;
  if (n === 0) return undefined;
  const last = lastShapes.get(keys[0]!);
  if (last !== undefined && last.keys.length === n) {
    const lk = last.keys;
    let i = 1;
    while (i < n && lk[i] === keys[i]) i++;
    if (i === n) return last.sh;
  }
  const sh = shapeOf(keys);
  if (sh) {
    if (lastShapes.size >= 1000) lastShapes.clear();
    lastShapes.set(keys[0]!, { keys, sh });
  }
  return sh;
}

/** A plain object's own enumerable properties as an object (with a shape when it has one). */
function fromRecord(rec: Record<string, unknown>): RObject {
  const keys = Object.keys(rec);
  const n = keys.length;
  if (n === 0) return new RObject(EMPTY_SHAPE, []);
  const sh = shapeOfRecord(keys);
  if (sh) {
    const slot = sh.slot;
    const vals: Value[] = new Array(n);
    // (the values in the order of the keys, read at once: no keyed lookup per property)
    const xs = Object.values(rec);
    for (let i = 0; i < n; i++) {
      const x = xs[i];
      // strings, booleans and doubles as they are (the common leaves), the rest through fromJS
      vals[slot[i]!] = typeof x === 'string' || typeof x === 'boolean' || (typeof x === 'number' && !(Number.isInteger(x) && !Number.isSafeInteger(x))) ? x : fromJS(x);
    }
    return new RObject(sh.shape, vals);
  }
  const o = new RObject();
  for (const k of keys) o.set(k, fromJS(rec[k]));
  return o;
}

/**
 * To plain JS for output, as OPA's JSON encoding does: sets become sorted arrays, objects get their
 * keys as strings (non-string keys are JSON-encoded). bigint stays bigint (see toJSON for text).
 */
export function toJS(v: Value): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out: unknown[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = toJS(v[i]!);
    return out;
  }
  if (v instanceof RSet) return v.values().map(toJS);
  // keys in order (sorted), so that the plain object's own order is Rego's
  const ks = v.keys();
  const vs = v.values();
  const out: Record<string, unknown> = {};
  for (let i = 0; i < ks.length; i++) {
    const k = ks[i]!;
    out[typeof k === 'string' ? k : toJSON(k)] = toJS(vs[i]!);
  }
  return out;
}

/** JSON text, exact for big integers; object keys sorted as OPA prints them. indent: spaces or 0. */
export function toJSON(v: Value, indent = 0): string {
  return stringifyJS(toJS(v), indent);
}

/** JSON.stringify that writes bigint as digits and (unless sortKeys is false) sorts object keys. */
export function stringifyJS(x: unknown, indent = 0, depth = 0, sortKeys = true): string {
  const nl = indent ? '\n' + ' '.repeat(indent * (depth + 1)) : '';
  const end = indent ? '\n' + ' '.repeat(indent * depth) : '';
  const sep = indent ? ': ' : ':';
  if (x === null || x === undefined) return 'null';
  switch (typeof x) {
    case 'bigint':
      return x.toString();
    case 'number':
      return Number.isFinite(x) ? formatNumber(x) : 'null';
    case 'string':
    case 'boolean':
      return JSON.stringify(x);
    case 'object': {
      if (Array.isArray(x)) {
        if (x.length === 0) return '[]';
        return '[' + x.map((e) => nl + stringifyJS(e, indent, depth + 1, sortKeys)).join(',') + end + ']';
      }
      const keys = sortKeys ? Object.keys(x as object).sort() : Object.keys(x as object);
      if (keys.length === 0) return '{}';
      return (
        '{' +
        keys
          .map((k) => nl + JSON.stringify(k) + sep + stringifyJS((x as Record<string, unknown>)[k], indent, depth + 1, sortKeys))
          .join(',') +
        end +
        '}'
      );
    }
  }
  return 'null';
}

/** Numbers as OPA prints them: integers without exponent, floats in shortest round-trip form. */
export function formatNumber(n: number | bigint): string {
  if (typeof n === 'bigint') return n.toString();
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return n.toFixed(0);
  if (Number.isInteger(n)) return BigInt(n).toString();
  return String(n);
}

/**
 * JSON parser that keeps integers beyond 2^53 exact (as bigint) so nanosecond timestamps in input
 * and data documents survive (JSON.parse's reviver has no source text on Node 20). Returns plain JS
 * (objects are null-prototype-free plain objects); pass through fromJS for a Value.
 */
export function parseJSONExact(text: string): unknown {
  let i = 0;
  const n = text.length;
  const fail = (msg: string): never => {
    throw new SyntaxError(`${msg} at offset ${i}`);
  };
  const ws = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const value = (): unknown => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const o: Record<string, unknown> = {};
      ws();
      if (text[i] === '}') {
        i++;
        return o;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected string key');
        const k = str();
        ws();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        const v = value();
        Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return o;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const a: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return a;
      }
      for (;;) {
        a.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return a;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    if (text.startsWith('true', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return false;
    }
    if (text.startsWith('null', i)) {
      i += 4;
      return null;
    }
    const m = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) return fail('unexpected token');
    i += m[0].length;
    if (!m[1] && !m[2]) {
      const v = Number(m[0]);
      return Number.isSafeInteger(v) ? v : BigInt(m[0]);
    }
    return Number(m[0]);
  };
  const str = (): string => {
    // text[i] === '"'
    const start = i + 1;
    let j = start;
    let simple = true;
    while (j < n && text[j] !== '"') {
      if (text[j] === '\\') {
        simple = false;
        j += 2;
      } else j++;
    }
    if (j >= n) fail('unterminated string');
    const raw = text.slice(start, j);
    i = j + 1;
    return simple ? raw : (JSON.parse('"' + raw + '"') as string);
  };
  const v = value();
  ws();
  if (i < n) fail('unexpected trailing text');
  return v;
}

export const TRUE: Value = true;
export const FALSE: Value = false;
export const EMPTY_OBJECT = new RObject();
export const EMPTY_SET = new RSet();
