// json.filter, json.remove (paths "a/b/0" or ["a","b",0]) and json.patch (RFC 6902).
import { equal, key, RObject, RSet, typeName, type Value } from '../value.js';
import { obj, typeErr } from './args.js';
import { BuiltinError, def } from './registry.js';

// A path trie: segment key -> subtree; LEAF marks "this whole value".
type Trie = Map<string, Trie | typeof LEAF>;
const LEAF = Symbol('leaf');

function parsePaths(name: string, v: Value): Value[][] {
  let xs: Value[];
  if (Array.isArray(v)) xs = v;
  else if (v instanceof RSet) xs = v.values();
  else throw typeErr(name, 2, 'one of {set, array}', v);
  return xs.map((p) => {
    if (typeof p === 'string') {
      const t = p.replace(/^\/+|\/+$/g, '');
      return t === '' ? [] : t.split('/').map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
    }
    if (Array.isArray(p)) return p;
    throw new BuiltinError(
      'eval_type_error',
      `${name}: operand 2 must be one of {set, array} containing string paths or array of path segments but got ${typeName(p)}`,
    );
  });
}

/** Segment keys a collection member can be addressed by: its own key, and for indices/number keys also the string form. */
function segKey(seg: Value): string {
  if (typeof seg === 'number' || typeof seg === 'bigint') return 's' + String(seg);
  return typeof seg === 'string' ? 's' + seg : key(seg);
}

function buildTrie(paths: Value[][]): Trie | typeof LEAF {
  const root: Trie = new Map();
  for (const p of paths) {
    if (p.length === 0) return LEAF;
    let node: Trie = root;
    for (let i = 0; i < p.length; i++) {
      const k = segKey(p[i]!);
      const last = i === p.length - 1;
      const cur = node.get(k);
      if (cur === LEAF) break; // a shorter path already covers this one
      if (last) {
        node.set(k, LEAF);
        break;
      }
      let next = cur as Trie | undefined;
      if (!next) {
        next = new Map();
        node.set(k, next);
      }
      node = next;
    }
  }
  return root;
}

function memberKey(k: Value): string {
  return typeof k === 'string' ? 's' + k : typeof k === 'number' || typeof k === 'bigint' ? 's' + String(k) : key(k);
}

function filterValue(v: Value, t: Trie | typeof LEAF): Value | undefined {
  if (t === LEAF) return v;
  if (v instanceof RObject) {
    const out = new RObject();
    for (const [k, x] of v.entries()) {
      const sub = t.get(memberKey(k));
      if (sub === undefined) continue;
      const f = filterValue(x, sub);
      if (f !== undefined) out.set(k, f);
    }
    return out;
  }
  if (Array.isArray(v)) {
    const out: Value[] = [];
    v.forEach((x, i) => {
      const sub = t.get('s' + i);
      if (sub === undefined) return;
      const f = filterValue(x, sub);
      if (f !== undefined) out.push(f);
    });
    return out;
  }
  if (v instanceof RSet) {
    const out = new RSet();
    for (const x of v.values()) {
      const sub = t.get(memberKey(x));
      if (sub === undefined) continue;
      const f = filterValue(x, sub);
      if (f !== undefined) out.add(f);
    }
    return out;
  }
  return undefined;
}

function removeValue(v: Value, t: Trie): Value {
  if (v instanceof RObject) {
    const out = new RObject();
    for (const [k, x] of v.entries()) {
      const sub = t.get(memberKey(k));
      if (sub === LEAF) continue;
      out.set(k, sub ? removeValue(x, sub) : x);
    }
    return out;
  }
  if (Array.isArray(v)) {
    const out: Value[] = [];
    v.forEach((x, i) => {
      const sub = t.get('s' + i);
      if (sub === LEAF) return;
      out.push(sub ? removeValue(x, sub) : x);
    });
    return out;
  }
  if (v instanceof RSet) {
    const out = new RSet();
    for (const x of v.values()) {
      const sub = t.get(memberKey(x));
      if (sub === LEAF) continue;
      out.add(sub ? removeValue(x, sub) : x);
    }
    return out;
  }
  return v;
}

def('json.filter', 2, (args) => {
  const o = obj('json.filter', args, 0);
  const t = buildTrie(parsePaths('json.filter', args[1]!));
  return filterValue(o, t) ?? new RObject();
});

def('json.remove', 2, (args) => {
  const o = obj('json.remove', args, 0);
  const t = buildTrie(parsePaths('json.remove', args[1]!));
  if (t === LEAF) return undefined;
  return removeValue(o, t);
});

// ---- json.patch ----
class PatchFailure extends Error {}

function pointer(v: Value | undefined): Value[] {
  if (Array.isArray(v)) return v;
  if (typeof v !== 'string') throw new PatchFailure('invalid path');
  if (v === '') return [];
  // OPA also accepts paths without the leading slash ("foo/b").
  return (v.startsWith('/') ? v.slice(1) : v)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function arrayIndex(seg: Value, len: number, allowEnd: boolean): number {
  if (allowEnd && seg === '-') return len;
  const n = typeof seg === 'number' ? seg : typeof seg === 'string' && /^(0|[1-9]\d*)$/.test(seg) ? Number(seg) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > (allowEnd ? len : len - 1)) throw new PatchFailure('index out of range');
  return n;
}

function getAt(doc: Value, path: Value[]): Value {
  let cur = doc;
  for (const seg of path) {
    if (cur instanceof RObject) {
      const x = cur.get(seg);
      if (x === undefined) throw new PatchFailure('path does not exist');
      cur = x;
    } else if (Array.isArray(cur)) cur = cur[arrayIndex(seg, cur.length, false)]!;
    else if (cur instanceof RSet) {
      if (!cur.has(seg)) throw new PatchFailure('path does not exist');
      cur = seg;
    } else throw new PatchFailure('path does not exist');
  }
  return cur;
}

/** Returns a copy of doc with fn applied to the parent of path's last segment. */
function update(doc: Value, path: Value[], op: (parent: Value, last: Value) => Value): Value {
  if (path.length === 0) throw new PatchFailure('root');
  const [head, ...rest] = path;
  if (rest.length === 0) return op(doc, head!);
  if (doc instanceof RObject) {
    const x = doc.get(head!);
    if (x === undefined) throw new PatchFailure('path does not exist');
    return doc.clone().set(head!, update(x, rest, op));
  }
  if (Array.isArray(doc)) {
    const i = arrayIndex(head!, doc.length, false);
    const out = [...doc];
    out[i] = update(doc[i]!, rest, op);
    return out;
  }
  if (doc instanceof RSet) {
    if (!doc.has(head!)) throw new PatchFailure('path does not exist');
    const out = doc.clone();
    out.delete(head!);
    return out.add(update(head!, rest, op));
  }
  throw new PatchFailure('path does not exist');
}

function add(doc: Value, path: Value[], value: Value): Value {
  if (path.length === 0) return value;
  return update(doc, path, (parent, last) => {
    if (parent instanceof RObject) return parent.clone().set(last, value);
    if (Array.isArray(parent)) {
      const i = arrayIndex(last, parent.length, true);
      return [...parent.slice(0, i), value, ...parent.slice(i)];
    }
    if (parent instanceof RSet) {
      // A set member is addressed by itself, so the path's last segment must be the value.
      if (!equal(last, value)) throw new PatchFailure('set member and value differ');
      return parent.clone().add(value);
    }
    throw new PatchFailure('cannot add');
  });
}

function remove(doc: Value, path: Value[]): Value {
  return update(doc, path, (parent, last) => {
    if (parent instanceof RObject) {
      if (!parent.has(last)) throw new PatchFailure('path does not exist');
      const out = parent.clone();
      out.delete(last);
      return out;
    }
    if (Array.isArray(parent)) {
      const i = arrayIndex(last, parent.length, false);
      return [...parent.slice(0, i), ...parent.slice(i + 1)];
    }
    if (parent instanceof RSet) {
      if (!parent.has(last)) throw new PatchFailure('path does not exist');
      const out = parent.clone();
      out.delete(last);
      return out;
    }
    throw new PatchFailure('cannot remove');
  });
}

function applyOp(doc: Value, op: Value): Value {
  if (!(op instanceof RObject)) throw new PatchFailure('operation must be an object');
  const kind = op.get('op');
  const path = pointer(op.get('path'));
  switch (kind) {
    case 'add':
      if (!op.has('value')) throw new PatchFailure('missing value');
      return add(doc, path, op.get('value')!);
    case 'remove':
      return remove(doc, path);
    case 'replace':
      if (!op.has('value')) throw new PatchFailure('missing value');
      getAt(doc, path);
      return add(path.length ? remove(doc, path) : doc, path, op.get('value')!);
    case 'move': {
      const from = pointer(op.get('from'));
      const v = getAt(doc, from);
      if (from.length < path.length && from.every((s, i) => equal(s, path[i]!))) throw new PatchFailure('move into child');
      return add(remove(doc, from), path, v);
    }
    case 'copy':
      return add(doc, path, getAt(doc, pointer(op.get('from'))));
    case 'test':
      if (!op.has('value')) throw new PatchFailure("missing 'value' parameter");
      if (!equal(getAt(doc, path), op.get('value')!)) throw new PatchFailure('test failed');
      return doc;
    default:
      throw new PatchFailure('unknown op');
  }
}

def('json.patch', 2, ([doc, patches]) => {
  let ops: Value[];
  if (Array.isArray(patches)) ops = patches;
  else if (patches instanceof RSet) ops = patches.values();
  else throw typeErr('json.patch', 2, 'array', patches!);
  let cur: Value = doc as Value;
  try {
    for (const op of ops) cur = applyOp(cur, op);
  } catch (e) {
    if (e instanceof PatchFailure) return undefined;
    throw e;
  }
  return cur;
});
