// Top-down evaluator with OPA's semantics: backtracking search written in continuation-passing
// style. Every evaluation function takes a continuation that is called once per solution and
// returns true to stop the search (used by `not`, `every` and membership tests).
//
// Variables live in a Map per rule evaluation (comprehensions share the enclosing Map: they close
// over the outer variables; their own locals were renamed apart by the compiler). A binding is
// undone as soon as its continuation returns.
import type { Expr, Term } from './ast.js';
import { builtinArity, type CompiledRule, type Compiler, type RuleNode } from './compiler.js';
import { RegoError } from './errors.js';
import { moduleToValue } from './ast-json.js';
import {
  formatValue,
  groundValue,
  index,
  insertObjectLeaf,
  insertSetMember,
  iterate,
  markRuleValue,
  member2,
  member3,
  mergeObjects,
  mergeVirtual,
  setPath,
} from './documents.js';
import { Parser } from './parser.js';
import { builtins, BuiltinError, type BuiltinContext } from './builtins/index.js';
import { equal, fromJS, key as vkey, RObject, RSet, typeName, type Value } from './value.js';

type K = () => boolean;
type KV = (v: Value) => boolean;
type Env = Map<string, Value>;

type Mock = { value: Value } | { fn: string };

interface Ctx {
  input: Value | undefined;
  data: Value; // base documents (patched by `with data...`)
  overridden: Set<string> | null; // data paths (joined with \0) replaced by `with`
  fnMocks: Map<string, Mock> | null;
  cache: Map<string, Value | null>; // null = undefined
  inProgress: Set<string>;
}

export interface EvalOptions {
  strict: boolean;
  nowNs: bigint;
  input: Value | undefined;
  data: Value;
  printer?: (s: string) => void;
}

const CONFLICT = 'eval_conflict_error';

export class Evaluator {
  ctx: Ctx;
  private bctx: BuiltinContext;
  private printer: (s: string) => void;
  private strict: boolean;
  /** guards runaway evaluation (conformance timeout) */
  deadline = 0;
  private steps = 0;
  /** values of the top-level query expressions (by Expr.qi) */
  qvals: Value[] | null = null;
  /** top-level query terms that are false fail (multi-expression or iterating queries) */
  qStrictFalse = false;
  /** rules whose bodies are being evaluated (for rego.metadata.*) */
  private ruleStack: CompiledRule[] = [];

  constructor(
    private compiler: Compiler,
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

  private evalExprInner(e: Expr, env: Env, k: K): boolean {
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

  private evalWith(e: Expr, env: Env, k: K): boolean {
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

  private runWith(e: Expr, env: Env, k: K, values: (Value | Mock)[], outer: Ctx): boolean {
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

  private evalRef(terms: Term[], env: Env, k: KV): boolean {
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
  private evalBaseRef(v: Value, terms: Term[], i: number, env: Env, k: KV): boolean {
    if (i === terms.length) return k(v);
    const op = terms[i]!;
    let key: Value | undefined;
    if (op.t === 'scalar') key = op.v;
    else if (op.t === 'var') key = env.get(op.name);
    if (key === undefined) return this.evalRefRest(v, terms, i, env, k);
    let r = index(v, key);
    if (r === undefined && typeof key === 'number' && v instanceof RObject) r = v.get(String(key));
    return r === undefined ? false : this.evalBaseRef(r, terms, i + 1, env, k);
  }

  /** Walks `data` through the rule tree, evaluating virtual documents only where needed. */
  private evalDataRef(
    terms: Term[],
    i: number,
    node: RuleNode | undefined,
    base: Value | undefined,
    path: string[],
    env: Env,
    k: KV,
  ): boolean {
    const ov = this.ctx.overridden;
    if (ov && path.length && ov.has(path.join('\0'))) {
      return base === undefined ? false : this.evalRefRest(base, terms, i, env, k);
    }
    if (!ov) {
      // fast path without `with data` overrides: descend through constant string segments
      while (node && !node.hasRules && i < terms.length) {
        const op = terms[i]!;
        if (op.t !== 'scalar' || typeof op.v !== 'string') break;
        const child: RuleNode | undefined = node.children.get(op.v);
        base = base instanceof RObject ? base.get(op.v) : undefined;
        if (!child) return base === undefined ? false : this.evalBaseRef(base, terms, i + 1, env, k);
        node = child;
        i++;
      }
    }
    if (!node) return base === undefined ? false : this.evalBaseRef(base, terms, i, env, k);
    if (node.keyed && i < terms.length && !node.isStatic && !ov && base === undefined && node.children.size === 0) {
      // a lookup with a known key: evaluate only that key's solutions (unless the whole value is cached)
      const op = terms[i]!;
      const key = op.t === 'scalar' ? op.v : op.t === 'var' ? env.get(op.name) : undefined;
      if (key !== undefined && !this.ctx.cache.has(node.cacheKey)) {
        const v = this.keyedValue(node, key);
        return v === undefined ? false : this.evalRefRest(v, terms, i + 1, env, k);
      }
    }
    if (node.hasRules || i === terms.length) {
      const v = this.nodeValue(node, base);
      return v === undefined ? false : this.evalRefRest(v, terms, i, env, k);
    }
    const op = terms[i]!;
    const step = (key: Value): boolean => {
      if (typeof key !== 'string') {
        let r = base === undefined ? undefined : index(base, key);
        if (r === undefined && typeof key === 'number' && base instanceof RObject) r = base.get(String(key));
        return r === undefined ? false : this.evalBaseRef(r, terms, i + 1, env, k);
      }
      const child = node.children.get(key);
      const cb = base instanceof RObject ? base.get(key) : undefined;
      if (!child) return cb === undefined ? false : this.evalBaseRef(cb, terms, i + 1, env, k);
      path.push(key);
      try {
        return this.evalDataRef(terms, i + 1, child, cb, path, env, k);
      } finally {
        path.pop();
      }
    };
    if (op.t === 'scalar') return step(op.v);
    if (op.t === 'var') {
      const b = env.get(op.name);
      if (b !== undefined) return step(b);
    }
    if (op.t === 'var' || this.hasUnbound(op, env)) {
      const v = this.nodeValue(node, base);
      return v === undefined ? false : this.evalRefRest(v, terms, i, env, k);
    }
    return this.evalTerm(op, env, step);
  }

  /** The full value of the document at a rule-tree node (rules, sub-packages and base data). */
  nodeValue(node: RuleNode, base: Value | undefined): Value | undefined {
    const ck = node.cacheKey;
    const shared = node.isStatic && !this.ctx.overridden && !this.ctx.fnMocks ? this.compiler.shared : undefined;
    const cached = (shared ?? this.ctx.cache).get(ck);
    if (cached !== undefined) return cached === null ? undefined : cached;
    let result: Value | undefined;
    if (node.rules.length || node.defaults.length) {
      if (this.ctx.inProgress.has(ck)) {
        throw new RegoError('rego_recursion_error', `rule data.${node.path.join('.')} is recursive`, node.rules[0]?.loc);
      }
      this.ctx.inProgress.add(ck);
      try {
        result = this.evalRules(node);
      } finally {
        this.ctx.inProgress.delete(ck);
      }
    }
    if (node.children.size) {
      let obj: RObject | undefined;
      if (result instanceof RObject) obj = result.clone();
      else if (result === undefined) obj = new RObject();
      if (obj) {
        const ov = this.ctx.overridden;
        for (const [name, child] of node.children) {
          const cb = base instanceof RObject ? base.get(name) : undefined;
          let v: Value | undefined;
          if (ov && ov.has([...node.path, name].join('\0'))) v = cb;
          else v = this.nodeValue(child, cb);
          if (v !== undefined) {
            const prev = obj.get(name);
            obj.set(name, prev === undefined ? v : mergeVirtual(prev, v, node));
          }
        }
        result = obj;
      }
    }
    if (result === undefined && node.isPackage) result = new RObject();
    if (base !== undefined) {
      // base documents win over rules where both define a key
      if (result === undefined) result = base;
      else if (result instanceof RObject && base instanceof RObject) result = mergeObjects(result, base);
    }
    if (result !== undefined && this.ctx.overridden) result = this.applyOverridesBelow(node.path, result);
    (shared ?? this.ctx.cache).set(ck, result === undefined ? null : result);
    return result;
  }

  /** p[key] for a node whose rules are all keyed by one variable (see RuleNode.keyed). */
  private keyedValue(node: RuleNode, key: Value): Value | undefined {
    const ck = node.cacheKey + '\0k' + vkey(key);
    const cached = this.ctx.cache.get(ck);
    if (cached !== undefined) return cached === null ? undefined : cached;
    if (this.ctx.inProgress.has(node.cacheKey)) {
      throw new RegoError('rego_recursion_error', `rule data.${node.path.join('.')} is recursive`, node.rules[0]?.loc);
    }
    this.ctx.inProgress.add(node.cacheKey);
    let result: Value | undefined;
    try {
      for (const r of node.rules) {
        const kv = (node.keyed === 'object' ? r.dyn[0] : r.key) as Extract<Term, { t: 'var' }>;
        const env: Env = new Map([[kv.name, key]]);
        if (node.keyed === 'set') {
          this.ruleSolutions(r, () => {
            result = key;
            return true;
          }, env);
          if (result !== undefined) break;
        } else {
          this.ruleSolutions(r, (env2, valueTerm) =>
            this.evalTermOrTrue(valueTerm, env2, (v) => {
              if (result === undefined) result = v;
              else if (!equal(result, v)) throw new RegoError(CONFLICT, 'object keys must be unique', r.loc);
              return isConstant(valueTerm);
            }),
          env);
        }
      }
    } finally {
      this.ctx.inProgress.delete(node.cacheKey);
    }
    this.ctx.cache.set(ck, result === undefined ? null : result);
    return result;
  }

  private applyOverridesBelow(path: string[], v: Value): Value {
    const prefix = path.join('\0');
    for (const o of this.ctx.overridden!) {
      const parts = o.split('\0');
      if (parts.length <= path.length) continue;
      if (path.length && !o.startsWith(prefix + '\0')) continue;
      const rest = parts.slice(path.length);
      let cur: Value | undefined = this.ctx.data;
      for (const p of parts) cur = cur instanceof RObject ? cur.get(p) : undefined;
      if (cur !== undefined) v = setPath(v, rest, cur);
    }
    return v;
  }

  /** Evaluates the rules at one node into its value. */
  private evalRules(node: RuleNode): Value | undefined {
    const rules = node.rules;
    let complete: Value | undefined;
    let set: RSet | undefined;
    let obj: RObject | undefined;
    let sawComplete = false;
    for (const r of rules) {
      if (r.kind === 'complete') {
        sawComplete = true;
        this.ruleSolutions(r, (env, valueTerm) =>
          this.evalTermOrTrue(valueTerm, env, (v) => {
            if (complete === undefined) complete = v;
            else if (!equal(complete, v)) {
              throw new RegoError(CONFLICT, 'complete rules must not produce multiple outputs', r.loc);
            }
            // early exit: a constant value cannot change with further solutions of this body
            return isConstant(valueTerm);
          }),
        );
      } else if (r.kind === 'set' && r.dyn.length === 0) {
        if (!set) set = new RSet();
        const s = set;
        this.ruleSolutions(r, (env) =>
          this.evalTerm(r.key!, env, (v) => {
            s.add(v);
            return isConstant(r.key);
          }),
        );
      } else {
        if (!obj) obj = new RObject();
        const root = obj;
        this.ruleSolutions(r, (env, valueTerm) =>
          this.evalTerms(r.dyn, env, (keys) => {
            if (r.kind === 'set') {
              return this.evalTerm(r.key!, env, (m) => {
                insertSetMember(root, keys, m, r);
                return false;
              });
            }
            return this.evalTermOrTrue(valueTerm, env, (v) => {
              insertObjectLeaf(root, keys, v, r);
              return false;
            });
          }),
        );
      }
    }
    if (sawComplete && complete === undefined && node.defaults.length) {
      const d = node.defaults[0]!;
      this.evalTerm(d.value!, new Map(), (v) => {
        complete = v;
        return true;
      });
    } else if (!sawComplete && !set && !obj && node.defaults.length) {
      const d = node.defaults[0]!;
      this.evalTerm(d.value!, new Map(), (v) => {
        complete = v;
        return true;
      });
    }
    if (set) return set;
    if (obj) return obj;
    if (node.underRefHead) markRuleValue(complete ?? null);
    return complete;
  }

  private evalTermOrTrue(t: Term | undefined, env: Env, k: KV): boolean {
    return t ? this.evalTerm(t, env, k) : k(true);
  }

  /** Calls emit for each solution of the rule body (or of the first else clause that has one). */
  private ruleSolutions(r: CompiledRule, emit: (env: Env, valueTerm: Term | undefined) => boolean, env: Env = new Map()): boolean {
    this.ruleStack.push(r);
    try {
      return this.ruleSolutionsInner(r, emit, env);
    } finally {
      this.ruleStack.pop();
    }
  }

  private ruleSolutionsInner(r: CompiledRule, emit: (env: Env, valueTerm: Term | undefined) => boolean, env: Env): boolean {
    let found = false;
    const halted = this.evalBody(r.body, env, () => {
      found = true;
      return emit(env, r.value);
    });
    if (found || halted) return halted;
    for (const e of r.elses) {
      const halted2 = this.evalBody(e.body, env, () => {
        found = true;
        return emit(env, e.value);
      });
      if (found || halted2) return halted2;
    }
    return false;
  }

  // ------------------------------------------------------------------ calls

  private evalCall(t: Extract<Term, { t: 'call' }>, env: Env, k: KV): boolean {
    const fn = t.fn ?? t.op;
    if ((fn === 'print' || fn === 'internal.print') && !this.ctx.fnMocks?.has(fn)) {
      // print never fails: an undefined operand prints as <undefined>
      const parts = t.args.map((a) => {
        const vals: Value[] = [];
        this.evalTerm(a, env, (v) => {
          vals.push(v);
          return false;
        });
        if (vals.length === 0) return '<undefined>';
        return vals.map((v) => (typeof v === 'string' ? v : formatValue(v))).join(', ');
      });
      this.printer(parts.join(' '));
      return k(true);
    }
    let arity = fn.startsWith('data.') ? this.compiler.arityOf(fn) : builtinArity(fn);
    if (arity === undefined) arity = t.args.length;
    if (arity < 0 || t.args.length <= arity) {
      return this.evalTerms(t.args, env, (args) => this.callFn(fn, args, env, k, t));
    }
    if (t.args.length > arity + 1) {
      throw new RegoError('rego_type_error', `${fn}: too many arguments`, t.loc);
    }
    const ins = t.args.slice(0, arity);
    const out = t.args[arity]!;
    return this.evalTerms(ins, env, (args) => this.callFn(fn, args, env, (r) => this.matchValue(out, r, env, () => k(true)), t));
  }

  callFn(fn: string, args: Value[], env: Env, k: KV, t?: Term): boolean {
    const mocks = this.ctx.fnMocks;
    if (mocks) {
      const m = mocks.get(fn);
      if (m) {
        if ('value' in m) return k(m.value);
        // mocked by another function: inside it, no function mock applies (OPA: a mock does not
        // call other mocks, and calls to the mocked function reach the original)
        const outer = this.ctx;
        const inner: Ctx = { ...outer, fnMocks: null, cache: new Map() };
        this.ctx = inner;
        try {
          return this.callFn(m.fn, args, env, (v) => {
            this.ctx = outer;
            try {
              return k(v);
            } finally {
              this.ctx = inner;
            }
          }, t);
        } finally {
          this.ctx = outer;
        }
      }
    }
    if (fn.startsWith('data.')) return this.callUser(fn, args, k, t);
    switch (fn) {
      case 'internal.member_2':
        return k(member2(args[0]!, args[1]!));
      case 'internal.member_3':
        return k(member3(args[0]!, args[1]!, args[2]!));
      case 'print':
      case 'internal.print':
        this.printer(args.map((a) => (typeof a === 'string' ? a : formatValue(a))).join(' '));
        return k(true);
      case 'trace':
        return k(true);
    }
    const b = builtins.get(fn);
    if (!b) {
      if (fn === 'walk') return this.walk(args[0]!, k);
      if (fn === 'rego.metadata.chain') {
        const r = this.ruleStack[this.ruleStack.length - 1];
        return k(r ? fromJS(this.compiler.metadataChain(r)) : []);
      }
      if (fn === 'rego.metadata.rule') {
        const r = this.ruleStack[this.ruleStack.length - 1];
        const a = r?.annotations && r.annotations.scope === 'rule' ? r.annotations : undefined;
        return k(a ? fromJS(a) : new RObject());
      }
      if (fn === 'opa.runtime') return k(new RObject());
      if (fn === 'rego.parse_module') return this.parseModuleBuiltin(args, k, t);
      if (fn === 'http.send') return this.httpSend(args[0]!, t);
      throw new RegoError('eval_builtin_error', `${fn}: unknown builtin`, t?.loc);
    }
    try {
      if (b.relation) {
        for (const v of b.relation(args, this.bctx)) if (k(v)) return true;
        return false;
      }
      const r = b.fn!(args, this.bctx);
      if (r === undefined) return false;
      return k(r);
    } catch (e) {
      if (e instanceof BuiltinError) {
        if (this.strict) throw new RegoError(e.code, e.message, t?.loc);
        return false;
      }
      if (e instanceof RegoError) throw e;
      if (e instanceof RangeError) throw e;
      if (this.strict) throw new RegoError('eval_builtin_error', `${fn}: ${(e as Error).message}`, t?.loc);
      return false;
    }
  }

  /**
   * http.send checks its request object as OPA does, but this engine makes no network calls
   * (evaluation is synchronous): a valid request is an eval_builtin_error. Mock it with `with`.
   */
  private httpSend(req: Value, t?: Term): boolean {
    if (!(req instanceof RObject)) {
      throw new RegoError('eval_type_error', `http.send: operand 1 must be object but got ${typeName(req)}`, t?.loc);
    }
    const bad = req.keys().filter((k) => typeof k !== 'string' || !HTTP_SEND_KEYS.has(k));
    if (bad.length) {
      throw new RegoError('eval_type_error', `http.send: invalid request parameters(s): {${bad.map((k) => JSON.stringify(k)).join(', ')}}`, t?.loc);
    }
    const missing = ['method', 'url'].filter((k) => !req.has(k));
    if (missing.length) {
      throw new RegoError('eval_type_error', `http.send: missing required request parameters(s): {${missing.map((k) => JSON.stringify(k)).join(', ')}}`, t?.loc);
    }
    if (this.strict) throw new RegoError('eval_builtin_error', 'http.send: network access is not supported by this engine', t?.loc);
    return false;
  }

  private parseModuleBuiltin(args: Value[], k: KV, t?: Term): boolean {
    const [file, text] = args;
    const fail = (code: string, msg: string): boolean => {
      if (this.strict) throw new RegoError(code, msg, t?.loc);
      return false;
    };
    if (typeof file !== 'string') return fail('eval_type_error', `rego.parse_module: operand 1 must be string but got ${typeName(file!)}`);
    if (typeof text !== 'string') return fail('eval_type_error', `rego.parse_module: operand 2 must be string but got ${typeName(text!)}`);
    try {
      return k(moduleToValue(new Parser(file, text).parseModule()));
    } catch (e) {
      if (e instanceof RegoError) return fail('eval_builtin_error', `rego.parse_module: ${e.code}: ${e.bare}`);
      throw e;
    }
  }

  private walk(v: Value, k: KV): boolean {
    const rec = (path: Value[], x: Value): boolean => {
      if (k([path.slice(), x])) return true;
      return iterate(x, (key, val) => {
        path.push(key);
        try {
          return rec(path, val);
        } finally {
          path.pop();
        }
      });
    };
    return rec([], v);
  }

  private callUser(fn: string, args: Value[], k: KV, t?: Term): boolean {
    const rules = this.compiler.funcs.get(fn);
    if (!rules) {
      // a call through a data ref that is not a function
      return false;
    }
    const ck = 'f\0' + fn + '\0' + args.map(vkey).join('\0');
    const cached = this.ctx.cache.get(ck);
    if (cached !== undefined) return cached === null ? false : k(cached);
    let result: Value | undefined;
    for (const r of rules) {
      if (r.isDefault) continue;
      if (r.args!.length !== args.length) continue;
      const env: Env = new Map();
      this.matchValues(r.args!, args, env, () =>
        this.ruleSolutions(
          r,
          (env2, valueTerm) =>
            this.evalTermOrTrue(valueTerm, env2, (v) => {
              if (result === undefined) result = v;
              else if (!equal(result, v)) {
                throw new RegoError(CONFLICT, 'functions must not produce multiple outputs for same inputs', t?.loc ?? r.loc);
              }
              return isConstant(valueTerm);
            }),
          env,
        ),
      );
    }
    if (result === undefined) {
      const d = rules.find((r) => r.isDefault);
      if (d && d.args!.length === args.length) {
        this.evalTerm(d.value!, new Map(), (v) => {
          result = v;
          return true;
        });
      }
    }
    this.ctx.cache.set(ck, result === undefined ? null : result);
    return result === undefined ? false : k(result);
  }

  // ------------------------------------------------------------------ unification

  private hasUnbound(t: Term, env: Env): boolean {
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

  private unifyPairs(pairs: [Term, Term][], env: Env, k: K): boolean {
    if (pairs.length === 0) return k();
    // solve a pair whose sides are not both open first
    let idx = pairs.findIndex(([x, y]) => !(this.hasUnbound(x, env) && this.hasUnbound(y, env)));
    if (idx < 0) idx = 0;
    const [x, y] = pairs[idx]!;
    const rest = pairs.filter((_, i) => i !== idx);
    return this.unify(x, y, env, () => this.unifyPairs(rest, env, k));
  }
}

const HTTP_SEND_KEYS = new Set([
  'method', 'url', 'body', 'enable_redirect', 'force_json_decode', 'force_yaml_decode', 'headers', 'raw_body',
  'tls_use_system_certs', 'tls_ca_cert', 'tls_ca_cert_file', 'tls_ca_cert_env_variable', 'tls_client_cert',
  'tls_client_cert_file', 'tls_client_cert_env_variable', 'tls_client_key', 'tls_client_key_file',
  'tls_client_key_env_variable', 'tls_insecure_skip_verify', 'tls_server_name', 'timeout', 'cache', 'force_cache',
  'force_cache_duration_seconds', 'raise_error', 'caching_mode', 'max_retry_attempts', 'cache_ignored_headers',
]);

/** A rule value that is the same for every solution (absent means `true`). */
function isConstant(t: Term | undefined): boolean {
  return t === undefined || groundValue(t) !== undefined;
}

function isMock(v: unknown): v is Mock {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof RObject) && !(v instanceof RSet) && ('fn' in v || 'value' in v);
}

export { formatValue, index, iterate, setPath } from './documents.js';

