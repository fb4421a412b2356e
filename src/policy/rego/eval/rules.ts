// The data tree: walking `data` refs through the rule tree, evaluating rules into virtual documents
// (complete, partial set, partial object; defaults and else), merging them with base documents and
// caching the results per query.
import type { Term } from '../ast/types.js';
import type { CompiledRule, RuleNode } from '../compile/ir.js';
import { RegoError } from '../errors.js';
import { equal, key as vkey, RObject, RSet, type Value } from '../value.js';
import { CONFLICT, isConstant, type Env, type KV } from './context.js';
import { EvalCore } from './core.js';
import { index, insertObjectLeaf, insertSetMember, markRuleValue, mergeObjects, mergeVirtual, setPath } from './values.js';

export abstract class RuleEval extends EvalCore {
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
  protected evalDataRef(
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
  protected keyedValue(node: RuleNode, key: Value): Value | undefined {
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

  protected applyOverridesBelow(path: string[], v: Value): Value {
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
  protected evalRules(node: RuleNode): Value | undefined {
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

  protected evalTermOrTrue(t: Term | undefined, env: Env, k: KV): boolean {
    return t ? this.evalTerm(t, env, k) : k(true);
  }

  /** Calls emit for each solution of the rule body (or of the first else clause that has one). */
  protected ruleSolutions(r: CompiledRule, emit: (env: Env, valueTerm: Term | undefined) => boolean, env: Env = new Map()): boolean {
    this.ruleStack.push(r);
    try {
      return this.ruleSolutionsInner(r, emit, env);
    } finally {
      this.ruleStack.pop();
    }
  }

  protected ruleSolutionsInner(r: CompiledRule, emit: (env: Env, valueTerm: Term | undefined) => boolean, env: Env): boolean {
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
}
