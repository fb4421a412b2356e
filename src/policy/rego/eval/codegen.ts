// Compiles rule bodies and head terms into JavaScript source (one function per body or term, built
// with `new Function` once per rule), for the constructs that dominate real policies: single-valued
// terms (refs, calls, literals, comprehensions), equality and binding, `some x in`, `not`. Anything
// else (with, every, open unification, iteration inside refs, templates, relations...) falls back to
// the closures of closures.ts, called from the generated code with a continuation; the closures
// define the semantics and this file only specialises them.
//
// The generated code is a backtracking search written as nested blocks instead of continuations:
//   - an expression is a labelled block `L: { ...; rest }`; failing is `break L` (on to the next
//     solution of the enclosing loop, or out of the body);
//   - iteration is a `for` loop around the rest of the body;
//   - a solution runs the continuation inline (`if (k()) stop`), where `stop` undoes the bindings
//     made so far in this JavaScript function and returns true (or, inside `not`, leaves its block).
// Variables live in the same slots (`env[i]`) as for the closures, so both kinds of code interleave.
//
// Safety: no text from a policy or its data is ever spliced into the source. Values, names,
// locations and closures are passed in an array of constants (c0, c1, ...); the source holds only
// generated identifiers, slot numbers and fixed operators.
import type { Expr, Term } from '../ast/types.js';
import { bindsOf } from '../ast/vars.js';
import { builtinArity } from '../builtins/decls.js';
import { builtins, inlineForms } from '../builtins/registry.js';
import type { CompiledRule, RuleNode } from '../compile/ir.js';
import { RegoError, type Location } from '../errors.js';
import { compare, equal, key as vkey, RObject, RSet, Shape, type KeyCache, type Value } from '../value.js';
import type { BodyFn, C, CallSpec, DataRefSpec, Planner, ValFn } from './closures.js';
import { groundValue, index, member2 } from './values.js';

/** One JavaScript function being generated: the bindings made so far, to undo on a stop. */
interface Fx {
  undo: string[];
}

/** Where the code being emitted stands: its function, and what a stop (a solution that ends the
 * search) does here. */
interface Cx {
  fx: Fx;
  stop: () => string;
  /** refs and variables computed so far in scope (termKey -> the constant holding the value): the
   * code after them is nested inside their block, so it may reuse them */
  memo: Map<string, string>;
}

type Kont = (cx: Cx) => string;

interface Val {
  pre: string;
  v: string;
}

/** The value of an array comprehension without solutions, shared (values are immutable). */
const EMPTY_ARRAY: Value[] = [];

/** Thrown while emitting a construct the generator leaves to the closures (caught where a fallback exists). */
class Unsupported extends Error {}

// ---------------------------------------------------------------------- helpers of generated code

/** v[key] (see values.ts index), with the object case first. */
function idx(v: Value, key: Value): Value | undefined {
  return v instanceof RObject ? v.get(key) : index(v, key);
}

/** v[k] for a constant string k at one lookup site (kc: its cache of the last shape). */
function idxK(v: Value, k: string, kc: KeyCache): Value | undefined {
  return v instanceof RObject ? v.getAt(k, kc) : index(v, k);
}

/** The members to iterate over (array elements, object values, set members), null for a scalar. */
function valsOf(v: Value): Value[] | null {
  if (Array.isArray(v)) return v;
  if (v instanceof RObject) return v.values();
  if (v instanceof RSet) return v.values();
  return null;
}

/** The keys matching valsOf (null for an array: its indexes). */
function keysOf(v: Value): Value[] | null {
  if (v instanceof RObject) return v.keys();
  if (v instanceof RSet) return v.values();
  return null;
}

function mkSet(vs: Value[]): RSet {
  return RSet.from(vs);
}

/** An object literal from alternating keys and values (a key given twice with different values is a conflict). */
function mkObj(kvs: Value[], loc: Location): RObject {
  const o = new RObject();
  for (let i = 0; i < kvs.length; i += 2) {
    const prev = o.get(kvs[i]!);
    if (prev !== undefined && !equal(prev, kvs[i + 1]!)) throw new RegoError('eval_conflict_error', 'object keys must be unique', loc);
    o.set(kvs[i]!, kvs[i + 1]!);
  }
  return o;
}

function objInsert(o: RObject, k: Value, v: Value, loc: Location): void {
  const prev = o.get(k);
  if (prev !== undefined && !equal(prev, v)) throw new RegoError('eval_conflict_error', 'object keys must be unique', loc);
  o.set(k, v);
}

function unsafeVar(name: string, loc: Location): never {
  throw new RegoError('rego_unsafe_var_error', `var ${name} is unsafe`, loc);
}

function isNum(v: Value): boolean {
  return typeof v === 'number' || typeof v === 'bigint';
}

/** sort(v) when v is an array of strings already in order (itself) or a set (its sorted members);
 * undefined: the builtin decides. */
function sortedFast(v: Value): Value | undefined {
  if (v instanceof RSet) return v.values();
  if (!Array.isArray(v)) return undefined;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== 'string' || (i > 0 && (v[i - 1] as string) > x)) return undefined;
  }
  return v;
}

/** concat(d, v) for a string d and an array or set of strings; undefined: the builtin decides. */
function concatFast(d: Value, v: Value): Value | undefined {
  if (typeof d !== 'string') return undefined;
  const xs = Array.isArray(v) ? v : v instanceof RSet ? v.values() : null;
  if (xs === null) return undefined;
  for (let i = 0; i < xs.length; i++) if (typeof xs[i] !== 'string') return undefined;
  return xs.length === 1 ? xs[0] : xs.join(d);
}

/** object.get(o, k, d) for a string key: the value when the key is there (null included), else d. */
function objGet(o: RObject, k: string, d: Value): Value {
  const v = o.get(k);
  return v === undefined ? d : v;
}

const HELPERS = { equal, compare, idx, idxK, valsOf, keysOf, mkSet, mkObj, objInsert, unsafeVar, member2, isNum, sortedFast, concatFast, objGet, RObject, RSet };
const HELPER_NAMES = Object.keys(HELPERS).join(', ');

/** Builtins computed inline when no `with` replaces functions: (arguments) -> JS expression. */
const INLINE: Record<string, (a: string[]) => string> = {
  equal: ([a, b]) => `equal(${a}, ${b})`,
  neq: ([a, b]) => `!equal(${a}, ${b})`,
  gt: ([a, b]) => `(typeof ${a} === 'number' && typeof ${b} === 'number' ? ${a} > ${b} : compare(${a}, ${b}) > 0)`,
  gte: ([a, b]) => `(typeof ${a} === 'number' && typeof ${b} === 'number' ? ${a} >= ${b} : compare(${a}, ${b}) >= 0)`,
  lt: ([a, b]) => `(typeof ${a} === 'number' && typeof ${b} === 'number' ? ${a} < ${b} : compare(${a}, ${b}) < 0)`,
  lte: ([a, b]) => `(typeof ${a} === 'number' && typeof ${b} === 'number' ? ${a} <= ${b} : compare(${a}, ${b}) <= 0)`,
  'internal.member_2': ([x, c]) => `member2(${x}, ${c})`,
  is_number: ([v]) => `isNum(${v})`,
  is_string: ([v]) => `(typeof ${v} === 'string')`,
  is_boolean: ([v]) => `(typeof ${v} === 'boolean')`,
  is_null: ([v]) => `(${v} === null)`,
  is_array: ([v]) => `Array.isArray(${v})`,
  is_object: ([v]) => `(${v} instanceof RObject)`,
};

/** Builtins computed inline for the common operands (the guard), else called as registered. */
const GUARDED: Record<string, { guard: (a: string[]) => string; value: (a: string[]) => string }> = {
  // safe integers: exact in doubles (the result's range is checked; else the general form decides)
  plus: { guard: ([a, b]) => `typeof ${a} === 'number' && typeof ${b} === 'number' && Number.isInteger(${a}) && Number.isInteger(${b}) && Number.isSafeInteger(${a} + ${b})`, value: ([a, b]) => `${a} + ${b} + 0` },
  minus: { guard: ([a, b]) => `typeof ${a} === 'number' && typeof ${b} === 'number' && Number.isInteger(${a}) && Number.isInteger(${b}) && Number.isSafeInteger(${a} - ${b})`, value: ([a, b]) => `${a} - ${b} + 0` },
  mul: { guard: ([a, b]) => `typeof ${a} === 'number' && typeof ${b} === 'number' && Number.isInteger(${a}) && Number.isInteger(${b}) && Number.isSafeInteger(${a} * ${b})`, value: ([a, b]) => `${a} * ${b} + 0` },
  // a quotient of safe integers is the correctly rounded double of the exact one (arith.ts div)
  div: { guard: ([a, b]) => `typeof ${a} === 'number' && typeof ${b} === 'number' && Number.isSafeInteger(${a}) && Number.isSafeInteger(${b}) && ${b} !== 0`, value: ([a, b]) => `${a} / ${b} + 0` },
  // Go's math.Round (half away from zero), as arith.ts round
  round: { guard: ([a]) => `typeof ${a} === 'number'`, value: ([a]) => `(Number.isInteger(${a}) ? ${a} : Math.sign(${a}) * Math.round(Math.abs(${a})) + 0)` },
  // a string key (not a path): the key's value or the default
  'object.get': { guard: ([o, k]) => `${o} instanceof RObject && typeof ${k} === 'string'`, value: ([o, k, d]) => `objGet(${o}, ${k}, ${d})` },
  count: { guard: ([a]) => `(Array.isArray(${a}) || ${a} instanceof RObject || ${a} instanceof RSet)`, value: ([a]) => `(Array.isArray(${a}) ? ${a}.length : ${a}.size)` },
};

/** Builtins with a helper computing the common cases (undefined otherwise: the builtin is called). */
const FAST: Record<string, (a: string[]) => string> = {
  sort: ([a]) => `sortedFast(${a})`,
  concat: ([d, v]) => `concatFast(${d}, ${v})`,
};

/** One generated function: its constants, fresh names, and the source. */
class Unit {
  private readonly consts: unknown[] = [];
  private readonly constIds = new Map<unknown, string>();
  private n = 0;

  k(v: unknown): string {
    let id = this.constIds.get(v);
    if (id === undefined) {
      id = 'c' + this.consts.length;
      this.consts.push(v);
      this.constIds.set(v, id);
    }
    return id;
  }

  fresh(prefix: string): string {
    return prefix + this.n++;
  }

  /** name: a label for profiles (reduced to identifier characters) */
  build<F>(params: string, code: string, name = ''): F {
    const decls = this.consts.map((_, i) => `const c${i} = K[${i}];`).join('\n');
    const fname = 'rego_' + name.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 80);
    const src = `"use strict";\nconst { ${HELPER_NAMES} } = H;\n${decls}\nreturn function ${fname}(${params}) {\n${code}\n};`;
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from fixed templates only (see the file comment)
    return new Function('K', 'H', src)(this.consts, HELPERS) as F;
  }
}

function undoCode(undo: string[], from: number): string {
  let s = '';
  for (let i = undo.length - 1; i >= from; i--) s += undo[i];
  return s;
}


/** A key naming a variable or a ref of constants, variables and such refs (null: not memoised). */
function termKey(t: Term): string | null {
  switch (t.t) {
    case 'scalar':
      return 'c' + vkey(t.v);
    case 'var':
      return 'v' + t.name;
    case 'ref': {
      let out = 'r' + t.terms.length + '(';
      for (const x of t.terms) {
        const k = termKey(x);
        if (k === null) return null;
        out += k.length + ':' + k;
      }
      return out;
    }
    default:
      return null;
  }
}

/** termKey of the ref made of the first n terms of t (n >= 1). */
function prefixKey(terms: Term[], n: number): string | null {
  return termKey({ t: 'ref', terms: terms.slice(0, n), loc: terms[0]!.loc });
}

/** Where a data ref's constant prefix leads in the rule tree (see run.ts resolvePrefix). */
function staticPrefix(root: RuleNode, ops: Term[]): { node: RuleNode | undefined; i: number } {
  let node: RuleNode | undefined = root;
  let i = 0;
  while (node && !node.hasRules && i < ops.length) {
    const op = ops[i]!;
    if (op.t !== 'scalar' || typeof op.v !== 'string') break;
    node = node.children.get(op.v);
    i++;
  }
  return { node, i };
}

/** What a clause function returns when two solutions of its body give different values. */
export const CLAUSE_CONFLICT: unique symbol = Symbol('conflict');

/**
 * One clause of a complete rule or function (its body and value): the value of its solutions, undefined
 * when none has one, CLAUSE_CONFLICT when two differ (the caller raises the error it words).
 */
export type ClauseFn = (r: Parameters<BodyFn>[0], env: Parameters<BodyFn>[1]) => Value | undefined | typeof CLAUSE_CONFLICT;

/** A partial set rule: adds its members to out. */
export type SetFn = (r: Parameters<BodyFn>[0], env: Parameters<BodyFn>[1], out: RSet) => void;

/** A user function as generated calls see it: its rules, and its results in one evaluation context. */
export interface FnInfo {
  rules: CompiledRule[];
  cid: number;
  /** results beyond the first few (see run.ts memoGet) */
  memo: Map<unknown, Value | null> | null;
  /** the first few results: keys, values (null: undefined), how many */
  mk: unknown[];
  mv: (Value | null)[];
  mn: number;
  /** how calls evaluate it (eval/run.ts; made on the first call, opaque here) */
  plan: unknown;
}

export interface GenHost {
  arityOf(fn: string): number | undefined;
  fnInfo(fn: string): FnInfo | null;
  root(): RuleNode;
}

export class CodeGen {
  constructor(
    private readonly p: Planner,
    private readonly host: GenHost,
  ) {}

  // ------------------------------------------------------------------ entry points

  /** A body: (r, env, k) => stopped. c.bound grows with what the body binds (as Planner.body). */
  body(exprs: Expr[], c: C, name?: string): BodyFn {
    const u = new Unit();
    const fx: Fx = { undo: [] };
    const cx: Cx = { fx, stop: () => undoCode(fx.undo, 0) + 'return true;', memo: new Map() };
    const code = this.exprs(u, exprs, 0, c, cx, (cx2) => `if (k()) { ${cx2.stop()} }`);
    return u.build<BodyFn>('r, env, k', code + '\nreturn false;', name);
  }

  /** A clause (see ClauseFn); undefined when its value is not single-valued (the closures handle it). */
  clauseFn(exprs: Expr[], value: Term | undefined, c: C, name?: string): ClauseFn | undefined {
    const u = new Unit();
    const fx: Fx = { undo: [] };
    const done = `return conf ? ${u.k(CLAUSE_CONFLICT)} : res;`;
    const cx: Cx = { fx, stop: () => undoCode(fx.undo, 0) + done, memo: new Map() };
    const g = value === undefined ? true : value.t === 'scalar' || value.t === 'array' || value.t === 'object' || value.t === 'set' ? groundValue(value) : undefined;
    const kont: Kont = (cx2) => {
      const K = u.fresh('L');
      let v: Val | null;
      if (g !== undefined) v = { pre: '', v: u.k(g) };
      else {
        v = this.val(u, value!, c, cx2, `break ${K};`);
        if (!v) throw new Unsupported();
      }
      const first = g !== undefined ? cx2.stop() : '';
      return `${K}: {
${v.pre}
if (res === undefined) { res = ${v.v}; ${first} }
else if (!equal(res, ${v.v})) { conf = true; ${cx2.stop()} }
}`;
    };
    let code: string;
    try {
      code = this.exprs(u, exprs, 0, c, cx, kont);
    } catch (e) {
      if (e instanceof Unsupported) return undefined;
      throw e;
    }
    return u.build<ClauseFn>('r, env', `let res, conf = false;
${code}
${done}`, name);
  }

  /** A partial set rule's body and key: adds every key to `out` (checking the size bound);
   * undefined when the key is not single-valued. */
  setFn(exprs: Expr[], key: Term, c: C, loc: Location, name?: string): SetFn | undefined {
    const u = new Unit();
    const fx: Fx = { undo: [] };
    const cx: Cx = { fx, stop: () => undoCode(fx.undo, 0) + 'return;', memo: new Map() };
    const g = key.t === 'scalar' || key.t === 'array' || key.t === 'object' || key.t === 'set' ? groundValue(key) : undefined;
    const kont: Kont = (cx2) => {
      const K = u.fresh('L');
      let v: Val | null;
      if (g !== undefined) v = { pre: '', v: u.k(g) };
      else {
        v = this.val(u, key, c, cx2, `break ${K};`);
        if (!v) throw new Unsupported();
      }
      // a constant key: the first solution is all there is to add
      return `${K}: {\n${v.pre}\nout.add(${v.v});\nr.grow(out.size, ${u.k(loc)});\n${g !== undefined ? cx2.stop() : ''}\n}`;
    };
    let code: string;
    try {
      code = this.exprs(u, exprs, 0, c, cx, kont);
    } catch (e) {
      if (e instanceof Unsupported) return undefined;
      throw e;
    }
    return u.build<SetFn>('r, env, out', code, name);
  }

  /** A single-valued term: (r, env) => value or undefined; undefined when the term is not single-valued here. */
  valFn(t: Term, c: C, name?: string): ValFn | undefined {
    const u = new Unit();
    const fx: Fx = { undo: [] };
    const cx: Cx = { fx, stop: () => 'return undefined;', memo: new Map() };
    let v: Val | null;
    try {
      v = this.val(u, t, c, cx, 'return undefined;');
    } catch (e) {
      if (e instanceof Unsupported) return undefined;
      throw e;
    }
    if (!v) return undefined;
    return u.build<ValFn>('r, env', v.pre + `\nreturn ${v.v};`, name);
  }

  // ------------------------------------------------------------------ bodies and expressions

  private exprs(u: Unit, exprs: Expr[], i: number, c: C, cx: Cx, kont: Kont): string {
    if (i === exprs.length) return kont(cx);
    const e = exprs[i]!;
    return this.expr(u, e, c, cx, (cx2) => {
      bindsOf(e, c.bound);
      return this.exprs(u, exprs, i + 1, c, cx2, kont);
    });
  }

  private expr(u: Unit, e: Expr, c: C, cx: Cx, rest: Kont): string {
    if (e.withs?.length || e.qi !== undefined) return this.fallbackExpr(u, e, c, cx, rest);
    const snap = new Map(cx.memo);
    let code: string | null;
    switch (e.k) {
      case 'some':
        return rest(cx);
      case 'term':
        code = this.termExpr(u, e.term, c, cx, rest);
        break;
      case 'unify':
        code = this.unify(u, e, c, cx, rest);
        break;
      case 'somein':
        code = this.someIn(u, e, c, cx, rest);
        break;
      case 'not':
        return this.not(u, e, c, cx, rest);
      default:
        code = null;
    }
    if (code !== null) return code;
    // (the native forms decide before emitting the rest, so nothing of it was emitted)
    cx.memo = snap;
    return this.fallbackExpr(u, e, c, cx, rest);
  }

  /** The closures' form of an expression, with the rest of the body as its continuation. */
  private fallbackExpr(u: Unit, e: Expr, c: C, cx: Cx, rest: Kont): string {
    const { f, test } = this.p.expr(e, c);
    if (test) return `if (${u.k(test)}(r, env)) {\n${rest(cx)}\n}`;
    const afx: Fx = { undo: [] };
    const acx: Cx = { fx: afx, stop: () => undoCode(afx.undo, 0) + 'return true;', memo: new Map(cx.memo) };
    return `if (${u.k(f)}(r, env, () => {\n${rest(acx)}\nreturn false;\n})) { ${cx.stop()} }`;
  }

  /** Emits a term's value for an expression, or null; Unsupported inside means the same as null. */
  private tryVal(u: Unit, t: Term, c: C, cx: Cx, fail: string): Val | null {
    const before = new Map(cx.memo);
    let v: Val | null;
    try {
      v = this.val(u, t, c, cx, fail);
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      v = null;
    }
    if (!v) cx.memo = before;
    return v;
  }

  private termExpr(u: Unit, t: Term, c: C, cx: Cx, rest: Kont): string | null {
    const L = u.fresh('L');
    if (t.t === 'call') {
      const fn = t.fn ?? t.op;
      const arity = this.arity(fn, t.args.length);
      if (arity >= 0 && t.args.length === arity + 1 && !builtins.get(fn)?.relation && fn !== 'walk' && !fn.startsWith('internal.print') && fn !== 'print') {
        // a call with its output argument: f(x, y, out)
        const out = t.args[arity]!;
        const ins: Val[] = [];
        for (const a of t.args.slice(0, arity)) {
          const v = this.tryVal(u, a, c, cx, `break ${L};`);
          if (!v) return null;
          ins.push(v);
        }
        const res = u.fresh('t');
        const call = this.callCode(u, fn, t.loc, ins.map((x) => x.v));
        const pre = ins.map((x) => x.pre).join('\n') + `\nconst ${res} = ${call};\nif (${res} === undefined) break ${L};`;
        if (out.t === 'var' && !c.bound.has(out.name)) return `${L}: {\n${pre}\n${this.bind(u, c, out, res, L, cx, rest)}\n}`;
        const ov = this.tryVal(u, out, c, cx, `break ${L};`);
        if (!ov) return null;
        return `${L}: {\n${pre}\n${ov.pre}\nif (!equal(${res}, ${ov.v})) break ${L};\n${rest(cx)}\n}`;
      }
    }
    if (t.t === 'scalar' && t.v !== false) return rest(cx); // `true` (the body of a rule without one)
    const v = this.tryVal(u, t, c, cx, `break ${L};`);
    if (!v) return null;
    return `${L}: {\n${v.pre}\nif (${v.v} === false) break ${L};\n${rest(cx)}\n}`;
  }

  private unify(u: Unit, e: Extract<Expr, { k: 'unify' }>, c: C, cx: Cx, rest: Kont): string | null {
    const L = u.fresh('L');
    const fail = `break ${L};`;
    const va = this.tryVal(u, e.a, c, cx, fail);
    const vb = this.tryVal(u, e.b, c, cx, fail);
    if (va && vb) return `${L}: {\n${va.pre}\n${vb.pre}\nif (!equal(${va.v}, ${vb.v})) break ${L};\n${rest(cx)}\n}`;
    if (e.a.t === 'var' && vb) return `${L}: {\n${vb.pre}\n${this.bind(u, c, e.a, vb.v, L, cx, rest)}\n}`;
    if (e.b.t === 'var' && va) return `${L}: {\n${va.pre}\n${this.bind(u, c, e.b, va.v, L, cx, rest)}\n}`;
    return null;
  }

  /** Binds a variable to a value (or, bound already, compares), runs the rest, unbinds. */
  private bind(u: Unit, c: C, x: Extract<Term, { t: 'var' }>, v: string, L: string, cx: Cx, rest: Kont): string {
    const s = c.layout.slot(x.name);
    const b = u.fresh('b');
    const undo = `if (${b}) env[${s}] = undefined;\n`;
    let code = `const ${b} = env[${s}] === undefined;\nif (${b}) env[${s}] = ${v};\nelse if (!equal(env[${s}], ${v})) break ${L};\n`;
    // below, the variable's value is v (or an equal one)
    cx.memo.set('v' + x.name, v);
    cx.fx.undo.push(undo);
    code += rest(cx);
    cx.fx.undo.pop();
    return code + '\n' + undo;
  }

  private someIn(u: Unit, e: Extract<Expr, { k: 'somein' }>, c: C, cx: Cx, rest: Kont): string | null {
    if (e.val.t !== 'var' || (e.key && e.key.t !== 'var')) return null;
    const L = u.fresh('L');
    const coll = this.tryVal(u, e.coll, c, cx, `break ${L};`);
    if (!coll) return null;
    const vs = u.fresh('vs');
    const ks = u.fresh('ks');
    const i = u.fresh('i');
    const sv = c.layout.slot(e.val.name);
    const bv = u.fresh('b');
    let code = `${L}: {\n${coll.pre}\nconst ${vs} = valsOf(${coll.v});\nif (${vs} === null) break ${L};\n`;
    let undo = `if (${bv}) env[${sv}] = undefined;\n`;
    code += `const ${bv} = env[${sv}] === undefined;\n`;
    let keyBind = '';
    if (e.key) {
      const sk = c.layout.slot(e.key.name);
      const bk = u.fresh('b');
      const kv = u.fresh('kv');
      code += `const ${ks} = keysOf(${coll.v});\nconst ${bk} = env[${sk}] === undefined;\n`;
      keyBind = `const ${kv} = ${ks} === null ? ${i} : ${ks}[${i}];\nif (${bk}) env[${sk}] = ${kv};\nelse if (!equal(env[${sk}], ${kv})) continue;\n`;
      undo = `if (${bk}) env[${sk}] = undefined;\n` + undo;
    }
    code += `for (let ${i} = 0; ${i} < ${vs}.length; ${i}++) {\nr.tick();\n`;
    code += `if (${bv}) env[${sv}] = ${vs}[${i}];\nelse if (!equal(env[${sv}], ${vs}[${i}])) continue;\n${keyBind}`;
    cx.fx.undo.push(undo);
    code += rest(cx);
    cx.fx.undo.pop();
    return code + `\n}\n${undo}}`;
  }

  private not(u: Unit, e: Extract<Expr, { k: 'not' }>, c: C, cx: Cx, rest: Kont): string {
    const inner: C = { layout: c.layout, bound: new Set(c.bound) };
    const ok = u.fresh('ok');
    const N = u.fresh('N');
    const mark = cx.fx.undo.length;
    const ncx: Cx = { fx: cx.fx, stop: () => undoCode(cx.fx.undo, mark) + `${ok} = true; break ${N};`, memo: new Map(cx.memo) };
    const innerCode = this.expr(u, e.expr, inner, ncx, (cx2) => cx2.stop());
    return `let ${ok} = false;\n${N}: {\n${innerCode}\n}\nif (!${ok}) {\n${rest(cx)}\n}`;
  }

  // ------------------------------------------------------------------ terms

  private arity(fn: string, n: number): number {
    const a = fn.startsWith('data.') ? this.host.arityOf(fn) : builtinArity(fn);
    return a ?? n;
  }

  /**
   * A single-valued term: code computing it (failing with `fail` when it has no value) and the
   * expression holding the value; null when the term may have several values or unbound variables.
   */
  /** The code of each term in turn, or null when one of them cannot be generated. */
  private vals(u: Unit, ts: readonly Term[], c: C, cx: Cx, fail: string): Val[] | null {
    const out: Val[] = [];
    for (const t of ts) {
      const v = this.val(u, t, c, cx, fail);
      if (!v) return null;
      out.push(v);
    }
    return out;
  }

  private val(u: Unit, t: Term, c: C, cx: Cx, fail: string): Val | null {
    if (t.t === 'scalar' || t.t === 'array' || t.t === 'object' || t.t === 'set') {
      const g = groundValue(t);
      if (g !== undefined) return { pre: '', v: u.k(g) };
    }
    switch (t.t) {
      case 'var': {
        if (!c.bound.has(t.name)) return null;
        const known = cx.memo.get('v' + t.name);
        if (known !== undefined) return { pre: '', v: known };
        const s = c.layout.slot(t.name);
        const x = u.fresh('t');
        cx.memo.set('v' + t.name, x);
        return { pre: `const ${x} = env[${s}];\nif (${x} === undefined) unsafeVar(${u.k(t.name)}, ${u.k(t.loc)});`, v: x };
      }
      case 'ref':
        return this.ref(u, t, c, cx, fail);
      case 'call':
        return this.call(u, t, c, cx, fail);
      case 'array':
      case 'set': {
        const items = this.vals(u, t.items, c, cx, fail);
        if (!items) return null;
        const x = u.fresh('t');
        const list = '[' + items.map((i) => i.v).join(', ') + ']';
        return { pre: items.map((i) => i.pre).join('\n') + `\nconst ${x} = ${t.t === 'set' ? `mkSet(${list})` : list};`, v: x };
      }
      case 'object':
        return this.object(u, t, c, cx, fail);
      case 'arraycomp':
      case 'setcomp':
      case 'objcomp':
        return this.comprehension(u, t, c, cx, fail);
      default:
        return this.fallbackVal(u, t, c, fail);
    }
  }

  private fallbackVal(u: Unit, t: Term, c: C, fail: string): Val | null {
    const ct = this.p.term(t, c);
    if (!ct.s || this.p.hasUnboundStatic(t, c)) return null;
    const x = u.fresh('t');
    return { pre: `const ${x} = ${u.k(ct.s)}(r, env);\nif (${x} === undefined) ${fail}`, v: x };
  }

  private object(u: Unit, t: Extract<Term, { t: 'object' }>, c: C, cx: Cx, fail: string): Val | null {
    const ks: Val[] = [];
    const vs: Val[] = [];
    const seen = new Set<string>();
    let distinctStrings = true;
    for (const [a, b] of t.items) {
      const kv = this.val(u, a, c, cx, fail);
      if (!kv) return null;
      const vv = this.val(u, b, c, cx, fail);
      if (!vv) return null;
      ks.push(kv);
      vs.push(vv);
      if (a.t !== 'scalar' || typeof a.v !== 'string' || seen.has(a.v)) distinctStrings = false;
      else seen.add(a.v);
    }
    const x = u.fresh('t');
    let pre = '';
    for (let i = 0; i < ks.length; i++) pre += ks[i]!.pre + '\n' + vs[i]!.pre + '\n';
    if (distinctStrings && ks.length) {
      // constant keys: one shape for every object this literal builds, values in its key order
      const { shape, slot } = Shape.of(t.items.map(([a]) => (a as { v: string }).v));
      const ordered: string[] = new Array(slot.length);
      slot.forEach((j, i) => (ordered[j] = vs[i]!.v));
      pre += `const ${x} = new RObject(${u.k(shape)}, [${ordered.join(', ')}]);\n`;
    } else {
      pre += `const ${x} = mkObj([${ks.map((k, i) => k.v + ', ' + vs[i]!.v).join(', ')}], ${u.k(t.loc)});\n`;
    }
    return { pre, v: x };
  }

  private comprehension(u: Unit, t: Extract<Term, { t: 'arraycomp' | 'setcomp' | 'objcomp' }>, c: C, cx: Cx, fail: string): Val | null {
    const copy = this.copyComprehension(u, t, c, cx);
    if (copy) return copy;
    const inner: C = { layout: c.layout, bound: new Set(c.bound) };
    const out = u.fresh('o');
    const B = u.fresh('B');
    const loc = u.k(t.loc);
    const mark = cx.fx.undo.length;
    // a stop cannot reach a comprehension's body (its continuation never stops); leave the body if one did
    const bcx: Cx = { fx: cx.fx, stop: () => undoCode(cx.fx.undo, mark) + `break ${B};`, memo: new Map(cx.memo) };
    let init: string;
    let kont: Kont;
    if (t.t === 'objcomp') {
      init = `const ${out} = new RObject();`;
      kont = (cx2) => {
        const K = u.fresh('L');
        const kv = this.val(u, t.key, inner, cx2, `break ${K};`);
        const vv = kv && this.val(u, t.value, inner, cx2, `break ${K};`);
        if (!kv || !vv) throw new Unsupported();
        return `${K}: {\n${kv.pre}\n${vv.pre}\nobjInsert(${out}, ${kv.v}, ${vv.v}, ${loc});\nr.grow(${out}.size, ${loc});\n}`;
      };
    } else {
      init = t.t === 'setcomp' ? `const ${out} = new RSet();` : `const ${out} = [];`;
      const add = t.t === 'setcomp' ? 'add' : 'push';
      const size = t.t === 'setcomp' ? 'size' : 'length';
      kont = (cx2) => {
        const K = u.fresh('L');
        const v = this.val(u, t.term, inner, cx2, `break ${K};`);
        if (!v) throw new Unsupported();
        return `${K}: {\n${v.pre}\n${out}.${add}(${v.v});\nr.grow(${out}.${size}, ${loc});\n}`;
      };
    }
    let body: string;
    try {
      body = this.exprs(u, t.body, 0, inner, bcx, kont);
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      cx.fx.undo.length = mark;
      return this.fallbackVal(u, t, c, fail);
    }
    return { pre: `${init}\n${B}: {\n${body}\n}`, v: out };
  }

  /**
   * `[x | some x in coll]`: the members of coll in their order, which is valsOf(coll) itself (an
   * array's elements, an object's values, a set's sorted members; values are immutable, so the
   * array is shared), [] when coll is undefined or a scalar. null when t has another form.
   */
  private copyComprehension(u: Unit, t: Extract<Term, { t: 'arraycomp' | 'setcomp' | 'objcomp' }>, c: C, cx: Cx): Val | null {
    if (t.t !== 'arraycomp' || t.term.t !== 'var' || t.body.length !== 1) return null;
    const e = t.body[0]!;
    if (e.k !== 'somein' || e.key || e.withs?.length || e.qi !== undefined || e.val.t !== 'var' || e.val.name !== t.term.name || c.bound.has(e.val.name)) return null;
    const B = u.fresh('B');
    const out = u.fresh('o');
    // (what the collection's code computes is in scope inside the block only: a copy of the memo)
    const bcx: Cx = { fx: cx.fx, stop: cx.stop, memo: new Map(cx.memo) };
    const coll = this.tryVal(u, e.coll, c, bcx, `break ${B};`);
    if (!coll) return null;
    return { pre: `let ${out} = ${u.k(EMPTY_ARRAY)};\n${B}: {\n${coll.pre}\n${out} = valsOf(${coll.v}) ?? ${out};\n}\nr.grow(${out}.length, ${u.k(t.loc)});`, v: out };
  }

  // ------------------------------------------------------------------ refs

  private ref(u: Unit, t: Extract<Term, { t: 'ref' }>, c: C, cx: Cx, fail: string): Val | null {
    const h = t.terms[0]!;
    const ops = t.terms.slice(1);
    // computed already in scope: the whole ref through the runtime's general walk, else the longest prefix
    const whole = termKey(t);
    const exact = whole === null ? undefined : cx.memo.get('=' + whole);
    if (exact !== undefined) return { pre: '', v: exact };
    let known = 0;
    let cur = '';
    for (let n = t.terms.length; n >= 2; n--) {
      const k = prefixKey(t.terms, n);
      const v = k === null ? undefined : cx.memo.get(k);
      if (v !== undefined) {
        known = n;
        cur = v;
        break;
      }
    }
    if (known === t.terms.length) return { pre: '', v: cur };
    let pre = '';
    let from = known - 1; // the first operand to index with
    if (known === 0) {
      from = 0;
      if (h.t === 'var' && h.name === 'data') {
        const { node, i } = staticPrefix(this.host.root(), ops);
        if (node && node.hasRules && !(node.keyed && i < ops.length)) {
          // a rule's value (cached per evaluation), then plain indexing
          const spec: DataRefSpec = this.p.dataSpec(ops.slice(0, i), c).spec;
          cur = u.fresh('t');
          pre = `const ${cur} = r.ruleValue(${u.k(node)}, ${u.k(spec)});\nif (${cur} === undefined) ${fail}`;
          from = i;
          const k = prefixKey(t.terms, i + 1);
          if (k !== null) cx.memo.set(k, cur);
        } else {
          // base documents, sub-packages, keyed rules: the runtime's general walk
          const ds = this.p.dataSpec(ops, c);
          if (!ds.allBound) return null;
          cur = u.fresh('t');
          // (not a prefix for longer refs: base documents index numbers as strings too)
          if (whole !== null) cx.memo.set('=' + whole, cur);
          return { pre: `const ${cur} = r.dataValue(${u.k(ds.spec)}, env);\nif (${cur} === undefined) ${fail}`, v: cur };
        }
      } else if (h.t === 'var' && h.name === 'input') {
        cur = u.fresh('t');
        pre = `const ${cur} = r.input();\nif (${cur} === undefined) ${fail}`;
        cx.memo.set(prefixKey(t.terms, 1)!, cur);
      } else {
        const hv = this.val(u, h, c, cx, fail);
        if (!hv) return null;
        pre = hv.pre;
        cur = hv.v;
      }
    }
    for (let j = from; j < ops.length; j++) {
      const op = ops[j]!;
      const x = u.fresh('t');
      if (op.t === 'scalar' && typeof op.v === 'string') {
        const kc: KeyCache = { s: null, i: 0 };
        pre += `\nconst ${x} = idxK(${cur}, ${u.k(op.v)}, ${u.k(kc)});\nif (${x} === undefined) ${fail}`;
      } else {
        const kv = this.val(u, op, c, cx, fail);
        if (!kv) return null;
        pre += `\n${kv.pre}\nconst ${x} = idx(${cur}, ${kv.v});\nif (${x} === undefined) ${fail}`;
      }
      cur = x;
      const k = prefixKey(t.terms, j + 2);
      if (k !== null) cx.memo.set(k, cur);
    }
    return { pre, v: cur };
  }

  // ------------------------------------------------------------------ calls

  private callCode(u: Unit, fn: string, loc: Location, args: string[]): string {
    const spec: CallSpec = { fn, loc };
    const S = u.k(spec);
    const list = '[' + args.join(', ') + ']';
    if (fn.startsWith('data.')) {
      const f = this.host.fnInfo(fn);
      if (f && args.length === 1) return `r.callU1(${S}, ${u.k(f)}, ${args[0]})`;
      return f ? `r.callU(${S}, ${u.k(f)}, ${list})` : `r.call1(${S}, ${list})`;
    }
    const inline = INLINE[fn];
    if (inline && args.length === (builtinArity(fn) ?? -1)) return `(r.nm ? ${inline(args)} : r.call1(${S}, ${list}))`;
    const b = builtins.get(fn);
    const guarded = GUARDED[fn];
    if (b?.fn && guarded && args.length === builtinArity(fn)) {
      return `(r.nm && ${guarded.guard(args)} ? ${guarded.value(args)} : r.callB(${S}, ${u.k(b.fn)}, ${list}))`;
    }
    const fast = FAST[fn];
    if (b?.fn && fast && args.length === builtinArity(fn)) return `((r.nm ? ${fast(args)} : undefined) ?? r.callB(${S}, ${u.k(b.fn)}, ${list}))`;
    if (b?.fn) return `r.callB(${S}, ${u.k(b.fn)}, ${list})`;
    return `r.call1(${S}, ${list})`;
  }

  /**
   * sprintf with a constant format of the common verbs and an array literal of arguments: the text
   * put together inline when every argument's text is known (sprintf.ts fastArg), else the builtin
   * called as usual (with the array); null when the call does not have that form.
   */
  private sprintf(u: Unit, t: Extract<Term, { t: 'call' }>, c: C, cx: Cx, fail: string): Val | null {
    const [f, a] = t.args as [Term, Term];
    const parse = inlineForms.sprintfParse;
    const argText = inlineForms.sprintfArg;
    const b = builtins.get('sprintf');
    if (!parse || !argText || !b?.fn || f.t !== 'scalar' || typeof f.v !== 'string' || a.t !== 'array') return null;
    const parts = parse(f.v);
    if (!parts || parts.verbs.length !== a.items.length) return null;
    const items: Val[] = [];
    const before = new Map(cx.memo);
    for (const x of a.items) {
      const v = this.val(u, x, c, cx, fail);
      if (!v) {
        cx.memo = before; // (nothing computed here is emitted)
        return null;
      }
      items.push(v);
    }
    const A = u.k(argText);
    const names = items.map(() => u.fresh('s'));
    let pre = items.map((x) => x.pre).join('\n');
    names.forEach((n, i) => {
      const prev = i === 0 ? 'r.nm' : `${names[i - 1]} !== undefined`;
      pre += `\nconst ${n} = ${prev} ? ${A}(${items[i]!.v}, ${u.k(parts.verbs[i]!)}) : undefined;`;
    });
    let text = u.k(parts.lits[0]!);
    names.forEach((n, i) => (text += ` + ${n} + ${u.k(parts.lits[i + 1]!)}`));
    const x = u.fresh('t');
    const last = names.length ? `${names[names.length - 1]} !== undefined` : 'r.nm';
    const general = `r.callB(${u.k({ fn: 'sprintf', loc: t.loc } satisfies CallSpec)}, ${u.k(b.fn)}, [${u.k(f.v)}, [${items.map((i) => i.v).join(', ')}]])`;
    pre += `\nconst ${x} = ${last} ? ${text} : ${general};\nif (${x} === undefined) ${fail}`;
    return { pre, v: x };
  }

  private call(u: Unit, t: Extract<Term, { t: 'call' }>, c: C, cx: Cx, fail: string): Val | null {
    const fn = t.fn ?? t.op;
    if (fn === 'print' || fn === 'internal.print' || fn === 'walk' || builtins.get(fn)?.relation) return this.fallbackVal(u, t, c, fail);
    const arity = this.arity(fn, t.args.length);
    if (!(arity < 0 || t.args.length <= arity)) return null;
    if (fn === 'sprintf' && t.args.length === 2) {
      const v = this.sprintf(u, t, c, cx, fail);
      if (v) return v;
    }
    const args = this.vals(u, t.args, c, cx, fail);
    if (!args) return null;
    const x = u.fresh('t');
    const pre = args.map((a) => a.pre).join('\n') + `\nconst ${x} = ${this.callCode(u, fn, t.loc, args.map((a) => a.v))};\nif (${x} === undefined) ${fail}`;
    return { pre, v: x };
  }
}
