// The core of the top-down evaluator (OPA's semantics): backtracking search written in
// continuation-passing style. Every evaluation function takes a continuation that is called once per
// solution and returns true to stop the search (used by `not`, `every` and membership tests).
//
// Variables live in a Map per rule evaluation (comprehensions share the enclosing Map: they close
// over the outer variables; their own locals were renamed apart by the compiler). A binding is
// undone as soon as its continuation returns.
//
// Layers: core.ts (bodies, expressions, terms, unification, `with`) <- rules.ts (the data tree:
// rules, virtual and base documents) <- calls.ts (builtins and user functions) = Evaluator.
import type { Expr, Term } from '../ast/types.js';
import type { BuiltinContext } from '../builtins/registry.js';
import type { Compiler } from '../compile/compiler.js';
import type { CompiledRule, RuleNode } from '../compile/ir.js';
import { RegoError } from '../errors.js';
import { equal, RObject, RSet, type Value } from '../value.js';
import { CONFLICT, isMock, type Ctx, type Env, type EvalOptions, type K, type KV, type Mock } from './context.js';
import { formatValue, groundValue, index, iterate, setPath } from './values.js';

export abstract class EvalCore {
  ctx: Ctx;
  protected bctx: BuiltinContext;
  protected printer: (s: string) => void;
  protected strict: boolean;
  /** guards runaway evaluation (conformance timeout) */
  deadline = 0;
  protected steps = 0;
  /** values of the top-level query expressions (by Expr.qi) */
  qvals: Value[] | null = null;
  /** top-level query terms that are false fail (multi-expression or iterating queries) */
  qStrictFalse = false;
  /** rules whose bodies are being evaluated (for rego.metadata.*) */
  protected ruleStack: CompiledRule[] = [];

  constructor(
    protected compiler: Compiler,
    opts: EvalOptions,
  ) {
    this.strict = opts.strict;
    this.bctx = { strict: opts.strict, nowNs: opts.nowNs, cache: new Map() };
    this.ctx = {
      input: opts.input,
      data: opts.data,
      overridden: null,
      fnMocks: null,
      cache: new Map(),
      inProgress: new Set(),
    };
    this.printer = opts.printer ?? ((s) => process.stderr.write(s + '\n'));
  }


  // ------------------------------------------------------------------ bodies and expressions

  evalBody(body: Expr[], env: Env, k: K, i = 0): boolean {
    if (i === body.length) return k();
    return this.evalExpr(body[i]!, env, () => this.evalBody(body, env, k, i + 1));
  }

  evalExpr(e: Expr, env: Env, k: K): boolean {
    if (this.deadline && ++this.steps % 4096 === 0 && Date.now() > this.deadline) {
      throw new RegoError('eval_cancel_error', 'evaluation timed out');
    }
    if (e.withs) return this.evalWith(e, env, k);
    return this.evalExprInner(e, env, k);
  }

  protected evalExprInner(e: Expr, env: Env, k: K): boolean {
    switch (e.k) {
      case 'term':
        if (e.qi !== undefined && this.qvals) {
          const qv = this.qvals;
          const qi = e.qi;
          // top-level query terms capture their value; as in OPA, false only counts as a result
          // when the query is a single expression without iteration
          const strictFalse = this.qStrictFalse;
          return this.evalTerm(e.term, env, (v) => {
            if (v === false && strictFalse) return false;
            qv[qi] = v;
            return k();
          });
        }
        return this.evalTerm(e.term, env, (v) => (v === false ? false : k()));
      case 'unify':
        return this.unify(e.a, e.b, env, k);
      case 'some':
        return k();
      case 'somein':
        return this.evalTerm(e.coll, env, (c) =>
          iterate(c, (key, val) =>
            this.matchValue(e.val, val, env, () => (e.key ? this.matchValue(e.key, key, env, k) : k())),
          ),
        );
      case 'every':
        return this.evalTerm(e.coll, env, (c) => {
          if (!(Array.isArray(c) || c instanceof RObject || c instanceof RSet)) return false;
          let all = true;
          iterate(c, (key, val) => {
            let ok = false;
            this.matchValue(e.val, val, env, () =>
              e.key
                ? this.matchValue(e.key, key, env, () =>
                    this.evalBody(e.body, env, () => {
                      ok = true;
                      return true;
                    }),
                  )
                : this.evalBody(e.body, env, () => {
                    ok = true;
                    return true;
                  }),
            );
            if (!ok) {
              all = false;
              return true;
            }
            return false;
          });
          return all ? k() : false;
        });
      case 'not': {
        let found = false;
        this.evalExpr(e.expr, env, () => {
          found = true;
          return true;
        });
        return found ? false : k();
      }
    }
  }

  protected evalWith(e: Expr, env: Env, k: K): boolean {
    const withs = e.withs!;
    const outer = this.ctx;
    const values: (Value | Mock)[] = [];
    // evaluate replacement values first (in the outer context)
    const collect = (i: number): boolean => {
      if (i === withs.length) return this.runWith(e, env, k, values, outer);
      const w = withs[i]!;
      if (w.value.t === 'call' && w.value.fnRef) {
        values[i] = { fn: w.value.fn! };
        return collect(i + 1);
      }
      return this.evalTerm(w.value, env, (v) => {
        values[i] = v;
        return collect(i + 1);
      });
    };
    return collect(0);
  }

  protected runWith(e: Expr, env: Env, k: K, values: (Value | Mock)[], outer: Ctx): boolean {
    const withs = e.withs!;
    const ctx: Ctx = {
      input: outer.input,
      data: outer.data,
      overridden: outer.overridden,
      fnMocks: outer.fnMocks,
      cache: new Map(),
      inProgress: outer.inProgress,
    };
    withs.forEach((w, i) => {
      const v = values[i]!;
      if (w.fn) {
        ctx.fnMocks = new Map(ctx.fnMocks ?? []);
        ctx.fnMocks.set(w.fn, isMock(v) ? v : { value: v as Value });
        return;
      }
      const path = w.path!;
      const val = (isMock(v) ? null : v) as Value;
      if (path[0] === 'input') {
        ctx.input = path.length === 1 ? val : setPath(ctx.input ?? new RObject(), path.slice(1), val);
      } else {
        const p = path.slice(1);
        ctx.data = p.length === 0 ? val : setPath(ctx.data, p, val);
        ctx.overridden = new Set(ctx.overridden ?? []);
        ctx.overridden.add(p.join('\0'));
      }
    });
    this.ctx = ctx;
    try {
      const inner: Expr = { ...e, withs: undefined };
      return this.evalExprInner(inner, env, () => {
        this.ctx = outer;
        try {
          return k();
        } finally {
          this.ctx = ctx;
        }
      });
    } finally {
      this.ctx = outer;
    }
  }

  // ------------------------------------------------------------------ terms

  evalTerm(t: Term, env: Env, k: KV): boolean {
    switch (t.t) {
      case 'scalar':
        return k(t.v);
      case 'var': {
        const v = env.get(t.name);
        if (v === undefined) throw new RegoError('rego_unsafe_var_error', `var ${t.name} is unsafe`, t.loc);
        return k(v);
      }
      case 'ref':
        return this.evalRef(t.terms, env, k);
      case 'array':
      case 'set':
      case 'object': {
        const g = groundValue(t);
        if (g !== undefined) return k(g);
        if (t.t === 'array') return this.evalTerms(t.items, env, (vs) => k(vs));
        if (t.t === 'set') return this.evalTerms(t.items, env, (vs) => k(RSet.from(vs)));
        const flat: Term[] = [];
        for (const [a, b] of t.items) flat.push(a, b);
        return this.evalTerms(flat, env, (vs) => {
          const o = new RObject();
          for (let i = 0; i < vs.length; i += 2) {
            const prev = o.get(vs[i]!);
            if (prev !== undefined && !equal(prev, vs[i + 1]!)) {
              throw new RegoError(CONFLICT, 'object keys must be unique', t.loc);
            }
            o.set(vs[i]!, vs[i + 1]!);
          }
          return k(o);
        });
      }
      case 'arraycomp': {
        const out: Value[] = [];
        this.evalBody(t.body, env, () =>
          this.evalTerm(t.term, env, (v) => {
            out.push(v);
            return false;
          }),
        );
        return k(out);
      }
      case 'setcomp': {
        const out = new RSet();
        this.evalBody(t.body, env, () =>
          this.evalTerm(t.term, env, (v) => {
            out.add(v);
            return false;
          }),
        );
        return k(out);
      }
      case 'objcomp': {
        const out = new RObject();
        this.evalBody(t.body, env, () =>
          this.evalTerm(t.key, env, (kv) =>
            this.evalTerm(t.value, env, (vv) => {
              const prev = out.get(kv);
              if (prev !== undefined && !equal(prev, vv)) {
                throw new RegoError(CONFLICT, 'object keys must be unique', t.loc);
              }
              out.set(kv, vv);
              return false;
            }),
          ),
        );
        return k(out);
      }
      case 'call':
        return this.evalCall(t, env, k);
      case 'template': {
        const parts = t.parts;
        const strs: string[] = new Array(parts.length);
        const step = (i: number): boolean => {
          if (i === parts.length) return k(strs.join(''));
          const p = parts[i]!;
          if (typeof p === 'string') {
            strs[i] = p;
            return step(i + 1);
          }
          let vals: Value[] = [];
          this.evalTerm(p, env, (v) => {
            if (p.t === 'arraycomp' && p.tmplWith) vals = v as Value[];
            else vals.push(v);
            return false;
          });
          if (vals.length === 0) strs[i] = '<undefined>';
          else if (vals.length === 1) strs[i] = typeof vals[0] === 'string' ? (vals[0] as string) : formatValue(vals[0]!);
          else {
            const distinct = RSet.from(vals);
            if (distinct.size > 1) {
              throw new RegoError(CONFLICT, 'template-strings must not produce multiple outputs', p.loc);
            }
            strs[i] = typeof vals[0] === 'string' ? (vals[0] as string) : formatValue(vals[0]!);
          }
          return step(i + 1);
        };
        return step(0);
      }
    }
  }

  evalTerms(ts: Term[], env: Env, k: (vs: Value[]) => boolean): boolean {
    const n = ts.length;
    const vals: Value[] = new Array(n);
    // fast path: scalars and bound vars
    let simple = true;
    for (let i = 0; i < n; i++) {
      const t = ts[i]!;
      if (t.t === 'scalar') vals[i] = t.v;
      else if (t.t === 'var' && env.has(t.name)) vals[i] = env.get(t.name)!;
      else {
        simple = false;
        break;
      }
    }
    if (simple) return k(vals);
    // plain variables last: another operand (a ref) may bind them, as in `x == a[x]`
    const order: number[] = [];
    for (let i = 0; i < n; i++) if (ts[i]!.t !== 'var') order.push(i);
    for (let i = 0; i < n; i++) if (ts[i]!.t === 'var') order.push(i);
    const step = (j: number): boolean => {
      if (j === n) return k(vals.slice());
      const i = order[j]!;
      return this.evalTerm(ts[i]!, env, (v) => {
        vals[i] = v;
        return step(j + 1);
      });
    };
    return step(0);
  }

  // ------------------------------------------------------------------ refs

  protected evalRef(terms: Term[], env: Env, k: KV): boolean {
    const h = terms[0]!;
    if (h.t === 'var') {
      if (h.name === 'data') return this.evalDataRef(terms, 1, this.compiler.root, this.ctx.data, [], env, k);
      if (h.name === 'input') {
        const inp = this.ctx.input;
        if (inp === undefined) return false;
        return this.evalRefRest(inp, terms, 1, env, k);
      }
      const v = env.get(h.name);
      if (v === undefined) throw new RegoError('rego_unsafe_var_error', `var ${h.name} is unsafe`, h.loc);
      return this.evalRefRest(v, terms, 1, env, k);
    }
    return this.evalTerm(h, env, (v) => this.evalRefRest(v, terms, 1, env, k));
  }

  evalRefRest(v: Value, terms: Term[], i: number, env: Env, k: KV): boolean {
    if (i === terms.length) return k(v);
    const op = terms[i]!;
    if (op.t === 'scalar') {
      const r = index(v, op.v);
      return r === undefined ? false : this.evalRefRest(r, terms, i + 1, env, k);
    }
    if (op.t === 'var') {
      const b = env.get(op.name);
      if (b !== undefined) {
        const r = index(v, b);
        return r === undefined ? false : this.evalRefRest(r, terms, i + 1, env, k);
      }
      const name = op.name;
      return iterate(v, (key, val) => {
        env.set(name, key);
        try {
          return this.evalRefRest(val, terms, i + 1, env, k);
        } finally {
          env.delete(name);
        }
      });
    }
    if (this.hasUnbound(op, env)) {
      return iterate(v, (key, val) => this.matchValue(op, key, env, () => this.evalRefRest(val, terms, i + 1, env, k)));
    }
    return this.evalTerm(op, env, (key) => {
      const r = index(v, key);
      return r === undefined ? false : this.evalRefRest(r, terms, i + 1, env, k);
    });
  }

  /** Refs into base documents: as OPA's store, object keys are strings, so data.x[2] finds "2". */

  // ------------------------------------------------------------------ unification

  protected hasUnbound(t: Term, env: Env): boolean {
    switch (t.t) {
      case 'var':
        return !env.has(t.name);
      case 'array':
        return t.items.some((x) => this.hasUnbound(x, env));
      case 'object':
        return t.items.some(([, v]) => this.hasUnbound(v, env));
      default:
        return false;
    }
  }

  matchValues(pats: Term[], vals: Value[], env: Env, k: K, i = 0): boolean {
    if (i === pats.length) return k();
    return this.matchValue(pats[i]!, vals[i]!, env, () => this.matchValues(pats, vals, env, k, i + 1));
  }

  /** Unifies a (possibly non-ground) term with a value. */
  matchValue(p: Term, v: Value, env: Env, k: K): boolean {
    switch (p.t) {
      case 'var': {
        const b = env.get(p.name);
        if (b === undefined) {
          env.set(p.name, v);
          try {
            return k();
          } finally {
            env.delete(p.name);
          }
        }
        return equal(b, v) ? k() : false;
      }
      case 'scalar':
        return equal(p.v, v) ? k() : false;
      case 'array':
        if (!Array.isArray(v) || v.length !== p.items.length) return false;
        return this.matchValues(p.items, v, env, k);
      case 'object': {
        if (!(v instanceof RObject) || v.size !== p.items.length) return false;
        const items = p.items;
        const step = (i: number): boolean => {
          if (i === items.length) return k();
          const [kt, vt] = items[i]!;
          return this.evalTerm(kt, env, (kv) => {
            const x = v.get(kv);
            return x === undefined ? false : this.matchValue(vt, x, env, () => step(i + 1));
          });
        };
        return step(0);
      }
      default:
        return this.evalTerm(p, env, (pv) => (equal(pv, v) ? k() : false));
    }
  }

  unify(a: Term, b: Term, env: Env, k: K): boolean {
    const aU = this.hasUnbound(a, env);
    const bU = this.hasUnbound(b, env);
    if (aU && bU) {
      if (a.t === 'array' && b.t === 'array') {
        if (a.items.length !== b.items.length) return false;
        return this.unifyPairs(a.items.map((x, i) => [x, b.items[i]!] as [Term, Term]), env, k);
      }
      if (a.t === 'object' && b.t === 'object') {
        if (a.items.length !== b.items.length) return false;
        const ai = a.items;
        const bi = b.items;
        return this.evalTerms(
          ai.map((x) => x[0]),
          env,
          (aks) =>
            this.evalTerms(
              bi.map((x) => x[0]),
              env,
              (bks) => {
                const pairs: [Term, Term][] = [];
                for (let i = 0; i < aks.length; i++) {
                  const j = bks.findIndex((bk) => equal(bk, aks[i]!));
                  if (j < 0) return false;
                  pairs.push([ai[i]![1], bi[j]![1]]);
                }
                return this.unifyPairs(pairs, env, k);
              },
            ),
        );
      }
      const loc = a.loc;
      throw new RegoError('rego_unsafe_var_error', 'var is unsafe', loc);
    }
    if (aU) return this.evalTerm(b, env, (v) => this.matchValue(a, v, env, k));
    if (bU) return this.evalTerm(a, env, (v) => this.matchValue(b, v, env, k));
    return this.evalTerm(a, env, (va) => this.evalTerm(b, env, (vb) => (equal(va, vb) ? k() : false)));
  }

  protected unifyPairs(pairs: [Term, Term][], env: Env, k: K): boolean {
    if (pairs.length === 0) return k();
    // solve a pair whose sides are not both open first
    let idx = pairs.findIndex(([x, y]) => !(this.hasUnbound(x, env) && this.hasUnbound(y, env)));
    if (idx < 0) idx = 0;
    const [x, y] = pairs[idx]!;
    const rest = pairs.filter((_, i) => i !== idx);
    return this.unify(x, y, env, () => this.unifyPairs(rest, env, k));
  }

  /** Refs under `data`: rules.ts. */
  protected abstract evalDataRef(terms: Term[], i: number, node: RuleNode | undefined, base: Value | undefined, path: string[], env: Env, k: KV): boolean;
  /** Function calls: calls.ts. */
  protected abstract evalCall(t: Extract<Term, { t: 'call' }>, env: Env, k: KV): boolean;
}
