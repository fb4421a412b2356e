// Compiles the compiler's IR (rule bodies, heads, queries) into JavaScript closures, once per rule,
// so that evaluation runs straight-line code instead of walking the syntax tree.
//
// Evaluation is a backtracking search in continuation-passing style: a compiled expression takes a
// continuation that it calls once per solution; a continuation returns true to stop the search
// (used by `not`, `every`, membership and complete rules with constant values).
//
// Variables live in slots of an array per rule evaluation (the compiler renamed nested locals
// apart, so one array serves a rule with its comprehensions and `every` bodies). A slot holds
// undefined while its variable is unbound; a binding is undone as soon as its continuation returns.
//
// Which variables are bound at each point is known statically (bodies were ordered for safety):
// terms whose variables are all bound compile to single-valued functions `s(run, env)` that return
// a value (undefined: no value) without allocating continuations; the others keep the general form
// `m(run, env, k)`. Binding points still check dynamically whether a slot is bound, as a keyed
// lookup pre-binds a rule's key variable.
import type { Expr, Term } from '../ast/types.js';
import { bindsOf, shallowTermVars } from '../ast/vars.js';
import { builtinArity } from '../builtins/decls.js';
import type { BuiltinFn } from '../builtins/registry.js';
import type { CompiledRule, RuleNode } from '../compile/ir.js';
import { RegoError, type Location } from '../errors.js';
import { equal, RObject, RSet, type Value } from '../value.js';
import { formatValue, groundValue, index, iterate } from './values.js';
import { CodeGen, type ClauseFn, type FnInfo, type GenHost, type SetFn } from './codegen.js';

export type Env = (Value | undefined)[];
export type K = () => boolean;
export type KV = (v: Value) => boolean;
export type BodyFn = (r: Runtime, env: Env, k: K) => boolean;
export type TermFn = (r: Runtime, env: Env, k: KV) => boolean;
export type ValFn = (r: Runtime, env: Env) => Value | undefined;
export type MatchFn = (r: Runtime, v: Value, env: Env, k: K) => boolean;

/** A compiled term. */
export interface CTerm {
  /** every value of the term */
  m: TermFn;
  /** the single value (undefined: none), when the term cannot iterate at this point */
  s?: ValFn;
  /** the constant value of a ground term */
  g?: Value;
  /** whether the term, used as a pattern, still has unbound variables (null: never) */
  open: ((env: Env) => boolean) | null;
  /** unifies the term (a pattern, possibly with unbound variables) with a value */
  match: MatchFn;
  /** a plain variable (evaluated after the other operands of a call or collection) */
  isVar?: true;
}

/** A compiled ref operand: a constant, a variable (bound or iterated) or another term. */
export type Op = { k: 0; v: Value } | { k: 1; slot: number; name: string } | { k: 2; t: CTerm };

/** A ref under `data`; the runtime resolves its constant prefix in the rule tree once (pre). */
export interface DataRefSpec {
  ops: Op[];
  pre?: unknown;
}

/** A `with` modifier: a replacement for input/data at a path, or for a function. */
export interface WithSpec {
  path?: string[];
  fn?: string;
  value: CTerm | { fnRef: string };
}

export interface CallSpec {
  fn: string;
  loc: Location;
}

/** What compiled code needs from the evaluation that runs it (eval/run.ts). */
export interface Runtime {
  input(): Value | undefined;
  dataRef(spec: DataRefSpec, env: Env, k: KV): boolean;
  /** the single value of a data ref whose operands are all bound (undefined: none) */
  dataValue(spec: DataRefSpec, env: Env): Value | undefined;
  /** calls a builtin or user function (with mocks applied) */
  call(c: CallSpec, args: Value[], k: KV): boolean;
  /** the single result of a call, undefined when it has none */
  call1(c: CallSpec, args: Value[]): Value | undefined;
  print(s: string): void;
  /** whether `with` replaced this function */
  mocked(fn: string): boolean;
  /** counts a step; throws when the deadline passed */
  tick(): void;
  /** checks the size of a value being built */
  grow(n: number, loc: Location): void;
  runWith(specs: WithSpec[], values: (Value | { fnRef: string })[], inner: (k: K) => boolean, k: K): boolean;
  /** no `with` replaces functions here (builtins may be computed inline) */
  readonly nm: boolean;
  /** the value of a rule node reached by a data ref of constant operands (spec), cached per evaluation */
  ruleValue(node: RuleNode, spec: DataRefSpec): Value | undefined;
  /** calls builtin f (the registered implementation of c.fn) unless `with` replaced it */
  callB(c: CallSpec, f: BuiltinFn, args: Value[]): Value | undefined;
  /** calls user function f (named c.fn) unless `with` replaced it */
  callU(c: CallSpec, f: FnInfo, args: Value[]): Value | undefined;
  callU1(c: CallSpec, f: FnInfo, a: Value): Value | undefined;
  /** values of the top-level query expressions (by Expr.qi), null outside a query */
  qvals: Value[] | null;
  qStrictFalse: boolean;
}

/** Slot assignment for one rule, function or query. */
export class Layout {
  readonly slots = new Map<string, number>();
  slot(name: string): number {
    let i = this.slots.get(name);
    if (i === undefined) this.slots.set(name, (i = this.slots.size));
    return i;
  }
  get size(): number {
    return this.slots.size;
  }
  env(): Env {
    return new Array(this.slots.size);
  }
}

/** Compile-time state: the layout and the variables bound at this point. */
export interface C {
  layout: Layout;
  bound: Set<string>;
}

/** A compiled rule (function, complete, partial set or object rule). */
export interface RulePlan {
  layout: Layout;
  args?: MatchFn[];
  /** the slots of a function's arguments when they are distinct plain variables (bound directly) */
  argSlots?: number[];
  /** complete rules and functions: the main clause then the else clauses as generated functions */
  clauses?: ClauseFn[];
  /** partial set rules: body and key as one generated function */
  setFn?: SetFn;
  body: BodyFn;
  value?: CTerm;
  key?: CTerm;
  dyn: CTerm[];
  elses: { body: BodyFn; value?: CTerm }[];
}

export interface QueryPlan {
  layout: Layout;
  body: BodyFn;
}

const CONFLICT = 'eval_conflict_error';

function unsafe(name: string, loc: Location): RegoError {
  return new RegoError('rego_unsafe_var_error', `var ${name} is unsafe`, loc);
}

const trueK: K = () => true;
const emptyBody: BodyFn = (_r, _env, k) => k();


export class Planner {
  private readonly arityOf: (fn: string) => number | undefined;
  /** JavaScript generation of bodies and head terms (codegen.ts); undefined: closures only */
  private readonly gen: CodeGen | undefined;

  constructor(host: GenHost, opts: { codegen?: boolean } = {}) {
    this.arityOf = (fn) => host.arityOf(fn);
    this.gen = opts.codegen === false ? undefined : new CodeGen(this, host);
  }

  /** A head term (rule value, key, ref operand): its single value generated as JavaScript when it has one. */
  private headTerm(t: Term, c: C): CTerm {
    const ct = this.term(t, c);
    if (!this.gen || !ct.s || ct.g !== undefined || t.t === 'var' || this.hasUnboundStatic(t, c)) return ct;
    const s = this.gen.valFn(t, { layout: c.layout, bound: new Set(c.bound) });
    if (!s) return ct;
    return { ...ct, s, m: (r, env, k) => {
      const v = s(r, env);
      return v === undefined ? false : k(v);
    } };
  }

  // ------------------------------------------------------------------ units

  rule(r: CompiledRule, preBound: string[] = []): RulePlan {
    const layout = new Layout();
    const c: C = { layout, bound: new Set(preBound) };
    for (const v of preBound) layout.slot(v);
    let args: MatchFn[] | undefined;
    if (r.args) {
      args = r.args.map((a) => this.term(a, c).match);
      for (const a of r.args) shallowTermVars(a, c.bound);
    }
    const argBound = new Set(c.bound);
    const name = r.path.join('.');
    let argSlots: number[] | undefined;
    if (r.args && r.args.every((a) => a.t === 'var') && new Set(r.args.map((a) => (a as { name: string }).name)).size === r.args.length) {
      argSlots = r.args.map((a) => layout.slot((a as { name: string }).name));
    }
    // complete rules and functions: each clause (body and value) as one generated function
    let clauses: ClauseFn[] | undefined;
    if (this.gen && (r.kind === 'complete' || r.kind === 'func')) {
      clauses = [];
      for (const cl of [{ body: r.body, value: r.value }, ...r.elses]) {
        const f = this.gen.clauseFn(cl.body, cl.value, { layout, bound: new Set(argBound) }, name);
        if (!f) {
          clauses = undefined;
          break;
        }
        clauses.push(f);
      }
    }
    const setFn =
      this.gen && r.kind === 'set' && r.dyn.length === 0 && r.key && !preBound.length
        ? this.gen.setFn(r.body, r.key, { layout, bound: new Set(argBound) }, r.loc, name)
        : undefined;
    // with clauses (or a set function), the bodies are compiled only if something asks for them
    const lazyBody = (exprs: Expr[], bound: Set<string>): BodyFn => {
      if (!clauses && !setFn) return this.body(exprs, { layout, bound }, name);
      for (const e of exprs) bindsOf(e, bound);
      let real: BodyFn | undefined;
      return (rt, env, k) => (real ??= this.body(exprs, { layout, bound: new Set(argBound) }, name))(rt, env, k);
    };
    const body = lazyBody(r.body, c.bound);
    const dyn = r.dyn.map((t) => this.headTerm(t, c));
    const key = r.key ? this.headTerm(r.key, c) : undefined;
    const value = r.value ? this.headTerm(r.value, c) : undefined;
    const elses = r.elses.map((e) => {
      const ce: C = { layout, bound: new Set(argBound) };
      const b = lazyBody(e.body, ce.bound);
      return { body: b, value: e.value ? this.headTerm(e.value, ce) : undefined };
    });
    return { layout, args, argSlots, clauses, setFn, body, value, key, dyn, elses };
  }

  query(body: Expr[]): QueryPlan {
    const layout = new Layout();
    return { layout, body: this.body(body, { layout, bound: new Set() }) };
  }

  /** A query that is one term expression with a single value (no iteration, no `with`): that value. */
  single(body: Expr[]): { size: number; s: ValFn } | undefined {
    if (body.length !== 1) return undefined;
    const e = body[0]!;
    if (e.k !== 'term' || e.withs?.length) return undefined;
    const layout = new Layout();
    const t = this.term(e.term, { layout, bound: new Set() });
    return t.s ? { size: layout.size, s: t.s } : undefined;
  }

  /** A term evaluated on its own (default values). */
  standalone(t: Term): { layout: Layout; t: CTerm } {
    const layout = new Layout();
    return { layout, t: this.term(t, { layout, bound: new Set() }) };
  }

  // ------------------------------------------------------------------ bodies and expressions

  /** Compiles a body; c.bound grows with what the body binds. */
  body(body: Expr[], c: C, name?: string): BodyFn {
    if (body.length === 0) return emptyBody;
    if (this.gen) return this.gen.body(body, c, name);
    const parts: { f: BodyFn; test?: (r: Runtime, env: Env) => boolean }[] = [];
    for (const e of body) {
      parts.push(this.expr(e, c));
      bindsOf(e, c.bound);
    }
    let next: BodyFn | undefined;
    for (let i = parts.length - 1; i >= 0; i--) {
      const { f, test } = parts[i]!;
      const n = next;
      if (!n) next = f;
      else if (test) next = (r, env, k) => test(r, env) && n(r, env, k);
      else next = (r, env, k) => f(r, env, () => n(r, env, k));
    }
    return next!;
  }

  expr(e: Expr, c: C): { f: BodyFn; test?: (r: Runtime, env: Env) => boolean } {
    if (e.withs?.length) return { f: this.withExpr(e, c) };
    switch (e.k) {
      case 'term': {
        const t = this.term(e.term, c);
        if (e.qi !== undefined) {
          const qi = e.qi;
          // top-level query terms capture their value; as in OPA, false only counts as a result
          // when the query is a single expression without iteration
          return {
            f: (r, env, k) =>
              t.m(r, env, (v) => {
                const qv = r.qvals;
                if (!qv) return v === false ? false : k();
                if (v === false && r.qStrictFalse) return false;
                qv[qi] = v;
                return k();
              }),
          };
        }
        const s = t.s;
        if (s) {
          const test = (r: Runtime, env: Env): boolean => {
            const v = s(r, env);
            return v !== undefined && v !== false;
          };
          return { f: (r, env, k) => test(r, env) && k(), test };
        }
        return { f: (r, env, k) => t.m(r, env, (v) => (v === false ? false : k())) };
      }
      case 'unify':
        return this.unify(e.a, e.b, c);
      case 'some':
        return { f: emptyBody };
      case 'somein': {
        const coll = this.term(e.coll, c);
        const inner: C = { layout: c.layout, bound: new Set(c.bound) };
        shallowTermVars(e.coll, inner.bound);
        const val = this.term(e.val, inner);
        const key = e.key ? this.term(e.key, inner) : undefined;
        const vm = val.match;
        if (key) {
          const km = key.match;
          return { f: (r, env, k) => coll.m(r, env, (cv) => iterate(cv, (kk, vv) => (r.tick(), vm(r, vv, env, () => km(r, kk, env, k))))) };
        }
        return { f: (r, env, k) => coll.m(r, env, (cv) => iterate(cv, (_kk, vv) => (r.tick(), vm(r, vv, env, k)))) };
      }
      case 'every': {
        const coll = this.term(e.coll, c);
        const inner: C = { layout: c.layout, bound: new Set(c.bound) };
        const val = this.term(e.val, inner);
        const key = e.key ? this.term(e.key, inner) : undefined;
        if (e.key) shallowTermVars(e.key, inner.bound);
        shallowTermVars(e.val, inner.bound);
        const body = this.body(e.body, inner);
        const vm = val.match;
        const km = key?.match;
        return {
          f: (r, env, k) =>
            coll.m(r, env, (cv) => {
              if (!(Array.isArray(cv) || cv instanceof RObject || cv instanceof RSet)) return false;
              let all = true;
              iterate(cv, (kk, vv) => {
                r.tick();
                let ok = false;
                const done = (): boolean => (ok = true);
                vm(r, vv, env, () => (km ? km(r, kk, env, () => body(r, env, done)) : body(r, env, done)));
                if (!ok) {
                  all = false;
                  return true;
                }
                return false;
              });
              return all ? k() : false;
            }),
        };
      }
      case 'not': {
        const inner = this.expr(e.expr, { layout: c.layout, bound: new Set(c.bound) });
        const test = inner.test;
        if (test) {
          const nt = (r: Runtime, env: Env): boolean => !test(r, env);
          return { f: (r, env, k) => nt(r, env) && k(), test: nt };
        }
        const f = inner.f;
        const nt = (r: Runtime, env: Env): boolean => !f(r, env, trueK);
        return { f: (r, env, k) => nt(r, env) && k(), test: nt };
      }
    }
  }

  private withExpr(e: Expr, c: C): BodyFn {
    const specs: WithSpec[] = e.withs!.map((w) => ({
      path: w.fn ? undefined : w.path,
      fn: w.fn,
      value: w.value.t === 'call' && w.value.fnRef ? { fnRef: w.value.fn! } : this.term(w.value, c),
    }));
    const inner = this.expr({ ...e, withs: undefined } as Expr, c).f;
    return (r, env, k) => {
      const values: (Value | { fnRef: string })[] = new Array(specs.length);
      // replacement values first, in the outer context
      const collect = (i: number): boolean => {
        if (i === specs.length) return r.runWith(specs, values, (k2) => inner(r, env, k2), k);
        const v = specs[i]!.value;
        if ('fnRef' in v) {
          values[i] = v;
          return collect(i + 1);
        }
        return v.m(r, env, (x) => {
          values[i] = x;
          return collect(i + 1);
        });
      };
      return collect(0);
    };
  }

  // ------------------------------------------------------------------ unification

  private unify(a: Term, b: Term, c: C): { f: BodyFn; test?: (r: Runtime, env: Env) => boolean } {
    const ca = this.term(a, c);
    const cb = this.term(b, c);
    // both sides known statically: an equality test
    if (ca.s && cb.s && !this.hasUnboundStatic(a, c) && !this.hasUnboundStatic(b, c)) {
      const sa = ca.s;
      const sb = cb.s;
      const test = (r: Runtime, env: Env): boolean => {
        const va = sa(r, env);
        if (va === undefined) return false;
        const vb = sb(r, env);
        return vb !== undefined && equal(va, vb);
      };
      return { f: (r, env, k) => test(r, env) && k(), test };
    }
    // a plain variable bound to a single value (x := f(y))
    if (a.t === 'var' && cb.s && !this.hasUnboundStatic(b, c)) {
      const sb = cb.s;
      const am = ca.match;
      return {
        f: (r, env, k) => {
          const v = sb(r, env);
          return v === undefined ? false : am(r, v, env, k);
        },
      };
    }
    const open = this.unifyOpen(a, b, c);
    const f: BodyFn = (r, env, k) => {
      const aU = ca.open !== null && ca.open(env);
      const bU = cb.open !== null && cb.open(env);
      if (aU && bU) return open(r, env, k);
      if (aU) return cb.m(r, env, (v) => ca.match(r, v, env, k));
      if (bU) return ca.m(r, env, (v) => cb.match(r, v, env, k));
      return ca.m(r, env, (va) => cb.m(r, env, (vb) => (equal(va, vb) ? k() : false)));
    };
    return { f };
  }

  /** Both sides have unbound variables: composite against composite, element by element. */
  private unifyOpen(a: Term, b: Term, c: C): BodyFn {
    if (a.t === 'array' && b.t === 'array') {
      if (a.items.length !== b.items.length) return () => false;
      const pairs = a.items.map((x, i) => [this.term(x, c), this.term(b.items[i]!, c)] as [CTerm, CTerm]);
      return (r, env, k) => unifyPairs(r, pairs, env, k);
    }
    if (a.t === 'object' && b.t === 'object') {
      if (a.items.length !== b.items.length) return () => false;
      const ak = a.items.map((x) => this.term(x[0], c));
      const bk = b.items.map((x) => this.term(x[0], c));
      const av = a.items.map((x) => this.term(x[1], c));
      const bv = b.items.map((x) => this.term(x[1], c));
      const evalA = terms(ak);
      const evalB = terms(bk);
      return (r, env, k) =>
        evalA(r, env, (aks) =>
          evalB(r, env, (bks) => {
            const pairs: [CTerm, CTerm][] = [];
            for (let i = 0; i < aks.length; i++) {
              const j = bks.findIndex((bk) => equal(bk, aks[i]!));
              if (j < 0) return false;
              pairs.push([av[i]!, bv[j]!]);
            }
            return unifyPairs(r, pairs, env, k);
          }),
        );
    }
    const loc = a.loc;
    return () => {
      throw new RegoError('rego_unsafe_var_error', 'var is unsafe', loc);
    };
  }

  /** Whether a term mentions a variable that is not bound at this point (outside nested bodies). */
  hasUnboundStatic(t: Term, c: C): boolean {
    const vs = shallowTermVars(t);
    for (const v of vs) if (!c.bound.has(v)) return true;
    return false;
  }

  // ------------------------------------------------------------------ terms

  term(t: Term, c: C): CTerm {
    const g = t.t === 'scalar' || t.t === 'array' || t.t === 'object' || t.t === 'set' ? groundValue(t) : undefined;
    if (g !== undefined) return constTerm(g);
    switch (t.t) {
      case 'scalar':
        return constTerm(t.v); // unreachable: scalars are ground
      case 'var':
        return this.varTerm(t.name, t.loc, c);
      case 'ref':
        return this.ref(t, c);
      case 'array':
      case 'set':
        return this.collection(t, c);
      case 'object':
        return this.object(t, c);
      case 'arraycomp':
      case 'setcomp':
      case 'objcomp':
        return this.comprehension(t, c);
      case 'call':
        return this.call(t, c);
      case 'template':
        return this.template(t, c);
    }
  }

  private varTerm(name: string, loc: Location, c: C): CTerm {
    const slot = c.layout.slot(name);
    const get: ValFn = (_r, env) => {
      const v = env[slot];
      if (v === undefined) throw unsafe(name, loc);
      return v;
    };
    return {
      isVar: true,
      m: (r, env, k) => k(get(r, env)!),
      s: c.bound.has(name) ? get : undefined,
      open: (env) => env[slot] === undefined,
      match: (_r, v, env, k) => {
        const b = env[slot];
        if (b === undefined) {
          env[slot] = v;
          const res = k();
          env[slot] = undefined;
          return res;
        }
        return equal(b, v) ? k() : false;
      },
    };
  }

  private collection(t: Extract<Term, { t: 'array' | 'set' }>, c: C): CTerm {
    const items = t.items.map((x) => this.term(x, c));
    const isSet = t.t === 'set';
    const all = terms(items);
    const make = isSet ? (vs: Value[]): Value => RSet.from(vs) : (vs: Value[]): Value => vs;
    const m: TermFn = (r, env, k) => all(r, env, (vs) => k(make(vs)));
    let s: ValFn | undefined;
    if (items.every((x) => x.s)) {
      const ss = items.map((x) => x.s!);
      s = (r, env) => {
        const vs: Value[] = new Array(ss.length);
        for (let i = 0; i < ss.length; i++) {
          const v = ss[i]!(r, env);
          if (v === undefined) return undefined;
          vs[i] = v;
        }
        return make(vs);
      };
    }
    const opens = items.map((x) => x.open).filter((o): o is (env: Env) => boolean => o !== null);
    const open = isSet || opens.length === 0 ? null : (env: Env) => opens.some((o) => o(env));
    let match: MatchFn;
    if (isSet || !open) {
      match = (r, v, env, k) => m(r, env, (pv) => (equal(pv, v) ? k() : false));
    } else {
      const ms = items.map((x) => x.match);
      match = (r, v, env, k) => {
        if (!Array.isArray(v) || v.length !== ms.length) return false;
        return matchSeq(r, ms, v, env, k, 0);
      };
    }
    return { m, s, open, match };
  }

  private object(t: Extract<Term, { t: 'object' }>, c: C): CTerm {
    const keys = t.items.map(([a]) => this.term(a, c));
    const vals = t.items.map(([, b]) => this.term(b, c));
    const flat: CTerm[] = [];
    for (let i = 0; i < keys.length; i++) flat.push(keys[i]!, vals[i]!);
    const all = terms(flat);
    const loc = t.loc;
    const build = (vs: Value[]): RObject => {
      const o = new RObject();
      for (let i = 0; i < vs.length; i += 2) {
        const prev = o.get(vs[i]!);
        if (prev !== undefined && !equal(prev, vs[i + 1]!)) throw new RegoError(CONFLICT, 'object keys must be unique', loc);
        o.set(vs[i]!, vs[i + 1]!);
      }
      return o;
    };
    const m: TermFn = (r, env, k) => all(r, env, (vs) => k(build(vs)));
    let s: ValFn | undefined;
    if (flat.every((x) => x.s)) {
      const ss = flat.map((x) => x.s!);
      s = (r, env) => {
        const vs: Value[] = new Array(ss.length);
        for (let i = 0; i < ss.length; i++) {
          const v = ss[i]!(r, env);
          if (v === undefined) return undefined;
          vs[i] = v;
        }
        return build(vs);
      };
    }
    const opens = vals.map((x) => x.open).filter((o): o is (env: Env) => boolean => o !== null);
    const open = opens.length === 0 ? null : (env: Env) => opens.some((o) => o(env));
    let match: MatchFn;
    if (!open) match = (r, v, env, k) => m(r, env, (pv) => (equal(pv, v) ? k() : false));
    else {
      const n = keys.length;
      match = (r, v, env, k) => {
        if (!(v instanceof RObject) || v.size !== n) return false;
        const step = (i: number): boolean => {
          if (i === n) return k();
          return keys[i]!.m(r, env, (kv) => {
            const x = v.get(kv);
            return x === undefined ? false : vals[i]!.match(r, x, env, () => step(i + 1));
          });
        };
        return step(0);
      };
    }
    return { m, s, open, match };
  }

  private comprehension(t: Extract<Term, { t: 'arraycomp' | 'setcomp' | 'objcomp' }>, c: C): CTerm {
    const inner: C = { layout: c.layout, bound: new Set(c.bound) };
    const body = this.body(t.body, inner);
    const loc = t.loc;
    let s: ValFn;
    if (t.t === 'objcomp') {
      const key = this.term(t.key, inner);
      const value = this.term(t.value, inner);
      s = (r, env) => {
        const out = new RObject();
        body(r, env, () =>
          key.m(r, env, (kv) =>
            value.m(r, env, (vv) => {
              const prev = out.get(kv);
              if (prev !== undefined && !equal(prev, vv)) throw new RegoError(CONFLICT, 'object keys must be unique', loc);
              out.set(kv, vv);
              r.grow(out.size, loc);
              return false;
            }),
          ),
        );
        return out;
      };
    } else if (t.t === 'setcomp') {
      const term = this.term(t.term, inner);
      s = (r, env) => {
        const out = new RSet();
        body(r, env, () =>
          term.m(r, env, (v) => {
            out.add(v);
            r.grow(out.size, loc);
            return false;
          }),
        );
        return out;
      };
    } else {
      const term = this.term(t.term, inner);
      s = (r, env) => {
        const out: Value[] = [];
        body(r, env, () =>
          term.m(r, env, (v) => {
            out.push(v);
            r.grow(out.length, loc);
            return false;
          }),
        );
        return out;
      };
    }
    return single(s);
  }

  private template(t: Extract<Term, { t: 'template' }>, c: C): CTerm {
    const parts = t.parts.map((p) => (typeof p === 'string' ? p : { t: this.term(p, c), tmplWith: p.t === 'arraycomp' && !!p.tmplWith, loc: p.loc }));
    return single((r, env) => {
      const strs: string[] = new Array(parts.length);
      for (let i = 0; i < parts.length; i++) {
        const p = parts[i]!;
        if (typeof p === 'string') {
          strs[i] = p;
          continue;
        }
        let vals: Value[] = [];
        p.t.m(r, env, (v) => {
          if (p.tmplWith) vals = v as Value[];
          else vals.push(v);
          return false;
        });
        if (vals.length === 0) strs[i] = '<undefined>';
        else {
          if (vals.length > 1 && RSet.from(vals).size > 1) {
            throw new RegoError(CONFLICT, 'template-strings must not produce multiple outputs', p.loc);
          }
          strs[i] = typeof vals[0] === 'string' ? (vals[0] as string) : formatValue(vals[0]!);
        }
      }
      return strs.join('');
    });
  }

  // ------------------------------------------------------------------ refs

  private operand(t: Term, c: C): { op: Op; bound: boolean } {
    if (t.t === 'scalar') return { op: { k: 0, v: t.v }, bound: true };
    if (t.t === 'var') return { op: { k: 1, slot: c.layout.slot(t.name), name: t.name }, bound: c.bound.has(t.name) };
    const ct = this.term(t, c);
    if (ct.g !== undefined) return { op: { k: 0, v: ct.g }, bound: true };
    return { op: { k: 2, t: ct }, bound: !!ct.s && !this.hasUnboundStatic(t, c) };
  }

  /** The runtime form of a data ref's operands (after `data`), and whether they are all bound here. */
  dataSpec(ops: Term[], c: C): { spec: DataRefSpec; allBound: boolean } {
    const compiled = ops.map((x) => this.operand(x, c));
    return { spec: { ops: compiled.map((x) => x.op) }, allBound: compiled.every((x) => x.bound) };
  }

  private ref(t: Extract<Term, { t: 'ref' }>, c: C): CTerm {
    const h = t.terms[0]!;
    const compiled = t.terms.slice(1).map((x) => this.operand(x, c));
    const ops = compiled.map((x) => x.op);
    const allBound = compiled.every((x) => x.bound);
    let m: TermFn;
    let s: ValFn | undefined;
    if (h.t === 'var' && h.name === 'data') {
      const spec: DataRefSpec = { ops };
      m = (r, env, k) => r.dataRef(spec, env, k);
      if (allBound) s = (r, env) => r.dataValue(spec, env);
    } else {
      let head: ValFn | undefined;
      let headM: TermFn | undefined;
      if (h.t === 'var' && h.name === 'input') head = (r) => r.input();
      else if (h.t === 'var') {
        const slot = c.layout.slot(h.name);
        const name = h.name;
        const loc = h.loc;
        head = (_r, env) => {
          const v = env[slot];
          if (v === undefined) throw unsafe(name, loc);
          return v;
        };
      } else {
        const ht = this.term(h, c);
        if (ht.s) head = ht.s;
        else headM = ht.m;
      }
      if (head) {
        const hd = head;
        m = (r, env, k) => {
          const v = hd(r, env);
          return v === undefined ? false : refRest(r, v, ops, 0, env, k);
        };
        if (allBound) s = (r, env) => {
          const v = hd(r, env);
          return v === undefined ? undefined : refValue(r, v, ops, env);
        };
      } else {
        const hm = headM!;
        m = (r, env, k) => hm(r, env, (v) => refRest(r, v, ops, 0, env, k));
      }
    }
    return general(m, s);
  }

  // ------------------------------------------------------------------ calls

  private call(t: Extract<Term, { t: 'call' }>, c: C): CTerm {
    const fn = t.fn ?? t.op;
    const spec: CallSpec = { fn, loc: t.loc };
    if (fn === 'print' || fn === 'internal.print') {
      const args = t.args.map((a) => this.term(a, c));
      const all = terms(args);
      return general((r, env, k) => {
        if (r.mocked(fn)) return all(r, env, (vs) => r.call(spec, vs, k));
        // print never fails: an undefined operand prints as <undefined>
        const parts = args.map((a) => {
          const vals: Value[] = [];
          a.m(r, env, (v) => {
            vals.push(v);
            return false;
          });
          if (vals.length === 0) return '<undefined>';
          return vals.map((v) => (typeof v === 'string' ? v : formatValue(v))).join(', ');
        });
        r.print(parts.join(' '));
        return k(true);
      });
    }
    let arity = fn.startsWith('data.') ? this.arityOf(fn) : builtinArity(fn);
    if (arity === undefined) arity = t.args.length;
    if (arity < 0 || t.args.length <= arity) {
      const args = t.args.map((a) => this.term(a, c));
      const all = terms(args);
      const m: TermFn = (r, env, k) => all(r, env, (vs) => r.call(spec, vs, k));
      let s: ValFn | undefined;
      if (fn !== 'walk' && args.every((a) => a.s) && t.args.every((a) => !this.hasUnboundStatic(a, c))) {
        const ss = args.map((a) => a.s!);
        const n = ss.length;
        s = (r, env) => {
          const vs: Value[] = new Array(n);
          for (let i = 0; i < n; i++) {
            const v = ss[i]!(r, env);
            if (v === undefined) return undefined;
            vs[i] = v;
          }
          return r.call1(spec, vs);
        };
      }
      return general(m, s);
    }
    if (t.args.length > arity + 1) {
      const loc = t.loc;
      return general(() => {
        throw new RegoError('rego_type_error', `${fn}: too many arguments`, loc);
      });
    }
    const ins = t.args.slice(0, arity).map((a) => this.term(a, c));
    const out = this.term(t.args[arity]!, c).match;
    const all = terms(ins);
    return general((r, env, k) => all(r, env, (vs) => r.call(spec, vs, (v) => out(r, v, env, () => k(true)))));
  }
}

// ---------------------------------------------------------------------- helpers

function constTerm(v: Value): CTerm {
  return {
    m: (_r, _env, k) => k(v),
    s: () => v,
    g: v,
    open: null,
    match: (_r, x, _env, k) => (equal(v, x) ? k() : false),
  };
}

function single(s: ValFn): CTerm {
  return general((r, env, k) => {
    const v = s(r, env);
    return v === undefined ? false : k(v);
  }, s);
}

function general(m: TermFn, s?: ValFn): CTerm {
  return { m, s, open: null, match: (r, v, env, k) => m(r, env, (pv) => (equal(pv, v) ? k() : false)) };
}

/** Evaluates terms left to right over all their solutions; plain variables last (`x == a[x]`). */
export function terms(ts: CTerm[]): (r: Runtime, env: Env, k: (vs: Value[]) => boolean) => boolean {
  const n = ts.length;
  if (ts.every((t) => t.s)) {
    const ss = ts.map((t) => t.s!);
    return (r, env, k) => {
      const vs: Value[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const v = ss[i]!(r, env);
        if (v === undefined) return false;
        vs[i] = v;
      }
      return k(vs);
    };
  }
  // variables (open: a var term) after the other operands
  const order: number[] = [];
  for (let i = 0; i < n; i++) if (!isVarTerm(ts[i]!)) order.push(i);
  for (let i = 0; i < n; i++) if (isVarTerm(ts[i]!)) order.push(i);
  return (r, env, k) => {
    const vals: Value[] = new Array(n);
    const step = (j: number): boolean => {
      if (j === n) return k(vals.slice());
      const i = order[j]!;
      return ts[i]!.m(r, env, (v) => {
        vals[i] = v;
        return step(j + 1);
      });
    };
    return step(0);
  };
}

function isVarTerm(t: CTerm): boolean {
  return t.isVar === true;
}

function matchSeq(r: Runtime, ms: MatchFn[], vs: Value[], env: Env, k: K, i: number): boolean {
  if (i === ms.length) return k();
  return ms[i]!(r, vs[i]!, env, () => matchSeq(r, ms, vs, env, k, i + 1));
}

function unifyPairs(r: Runtime, pairs: [CTerm, CTerm][], env: Env, k: K): boolean {
  if (pairs.length === 0) return k();
  // solve a pair whose sides are not both open first
  let idx = pairs.findIndex(([x, y]) => !(x.open?.(env) && y.open?.(env)));
  if (idx < 0) idx = 0;
  const [x, y] = pairs[idx]!;
  const rest = pairs.filter((_, i) => i !== idx);
  const xo = x.open?.(env) ?? false;
  const yo = y.open?.(env) ?? false;
  const next = (): boolean => unifyPairs(r, rest, env, k);
  if (xo && yo) throw new RegoError('rego_unsafe_var_error', 'var is unsafe');
  if (xo) return y.m(r, env, (v) => x.match(r, v, env, next));
  if (yo) return x.m(r, env, (v) => y.match(r, v, env, next));
  return x.m(r, env, (a) => y.m(r, env, (b) => (equal(a, b) ? next() : false)));
}

/** The value at a ref whose operands are all bound (undefined: none). */
function refValue(r: Runtime, v: Value, ops: Op[], env: Env): Value | undefined {
  let cur: Value | undefined = v;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    let key: Value | undefined;
    if (op.k === 0) key = op.v;
    else if (op.k === 1) {
      key = env[op.slot];
      if (key === undefined) throw new RegoError('rego_unsafe_var_error', `var ${op.name} is unsafe`);
    } else key = op.t.s!(r, env);
    if (key === undefined) return undefined;
    cur = index(cur!, key);
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** Continues a ref from value v at operand i: indexes, or iterates where an operand is unbound. */
export function refRest(r: Runtime, v: Value, ops: Op[], i: number, env: Env, k: KV): boolean {
  for (; i < ops.length; i++) {
    const op = ops[i]!;
    if (op.k === 0) {
      const x = index(v, op.v);
      if (x === undefined) return false;
      v = x;
      continue;
    }
    if (op.k === 1) {
      const b = env[op.slot];
      if (b !== undefined) {
        const x = index(v, b);
        if (x === undefined) return false;
        v = x;
        continue;
      }
      const slot = op.slot;
      const j = i + 1;
      return iterate(v, (key, val) => {
        r.tick();
        env[slot] = key;
        const res = refRest(r, val, ops, j, env, k);
        env[slot] = undefined;
        return res;
      });
    }
    const t = op.t;
    const j = i + 1;
    if (t.open !== null && t.open(env)) {
      return iterate(v, (key, val) => (r.tick(), t.match(r, key, env, () => refRest(r, val, ops, j, env, k))));
    }
    if (t.s) {
      const key = t.s(r, env);
      if (key === undefined) return false;
      const x = index(v, key);
      if (x === undefined) return false;
      v = x;
      continue;
    }
    const cur = v;
    return t.m(r, env, (key) => {
      const x = index(cur, key);
      return x === undefined ? false : refRest(r, x, ops, j, env, k);
    });
  }
  return k(v);
}
