// One evaluation (a query with its input): the runtime that compiled closures (closures.ts) call.
// It walks `data` refs through the rule tree, evaluates rules into virtual documents (complete,
// partial set, partial object; defaults and else), merges them with base documents, caches them per
// query (static ones across queries), applies `with`, and calls builtins and user functions.
import { moduleToValue } from '../ast/json.js';
import { Parser } from '../ast/parser.js';
import { builtinFamily } from '../builtins/decls.js';
import { builtins, BuiltinError, type BuiltinContext, type BuiltinFn } from '../builtins/registry.js';
import type { Compiler } from '../compile/compiler.js';
import type { CompiledRule, RuleNode } from '../compile/ir.js';
import { isResourceError, RegoError, RegoLimitError, type Location } from '../errors.js';
import { equal, fromJS, key as vkey, RObject, RSet, typeName, type Value } from '../value.js';
import { CLAUSE_CONFLICT, type FnInfo } from './codegen.js';
import { Planner, refRest, type CallSpec, type CTerm, type DataRefSpec, type Env, type K, type KV, type Op, type QueryPlan, type RulePlan, type Runtime, type WithSpec } from './closures.js';
import { formatValue, index, insertObjectLeaf, insertSetMember, iterate, markRuleValue, member2, member3, mergeObjects, mergeVirtual, setPath } from './values.js';

const CONFLICT = 'eval_conflict_error';

let lastCtxId = 0;

/** A function replaced by `with`: by a value or by another function. */
type Mock = { value: Value } | { fn: string };

interface Ctx {
  /** unique among all contexts of all evaluations (RuleNode.cid) */
  id: number;
  input: Value | undefined;
  data: Value; // base documents (patched by `with data...`)
  overridden: Set<string> | null; // data paths (joined with \0) replaced by `with`
  fnMocks: Map<string, Mock> | null;
  /** values of rule nodes (null = undefined) beyond their front cache (RuleNode.cid/cval): null in
   * the first context of an evaluation until another context exists (see Run.ensureCache) */
  cache: Map<string, Value | null> | null;
  /** p[key] values of keyed rules */
  keyed: Map<string, Value | null> | null;
  /** user function results: function name -> argument key -> result (null = undefined); created on first call */
  calls: Map<string, Map<unknown, Value | null>> | null;
}

export interface EvalOptions {
  strict: boolean;
  /** time.now_ns() (default: startMs in nanoseconds, computed when first asked) */
  nowNs?: bigint;
  /** when the evaluation started (Date.now()) */
  startMs: number;
  input: Value | undefined;
  data: Value;
  printer?: (s: string) => void;
  /** absolute time (Date.now() ms) after which evaluation fails; 0: none */
  deadline?: number;
  /** the largest collection evaluation may build (elements); 0: no limit */
  maxValueSize?: number;
}

/** The builtins' view of one evaluation: the time and the cache are made when first asked for. */
class RunBuiltinContext implements BuiltinContext {
  private ns: bigint | undefined;
  private c: Map<string, unknown> | null = null;
  constructor(
    readonly strict: boolean,
    fixedNs: bigint | undefined,
    private readonly startMs: number,
    readonly maxSize: number,
    readonly deadline: number,
  ) {
    this.ns = fixedNs;
  }
  get nowNs(): bigint {
    return (this.ns ??= BigInt(this.startMs) * 1_000_000n);
  }
  get cache(): Map<string, unknown> {
    return (this.c ??= new Map());
  }
}

/**
 * The compiled program shared by every evaluation of one compile: rule plans are built lazily, on
 * the first evaluation that needs them, and kept.
 */
export class Program {
  readonly planner: Planner;
  private readonly keyedPlans = new Map<CompiledRule, RulePlan>();
  private readonly fns = new Map<string, FnInfo | null>();

  /** A user function's rules and memo (what generated calls hold), null when fn has no rules. */
  fnInfo(fn: string): FnInfo | null {
    let f = this.fns.get(fn);
    if (f === undefined) {
      const rules = this.compiler.funcs.get(fn);
      this.fns.set(fn, (f = rules ? { rules, cid: 0, memo: null, mk: [], mv: [], mn: 0, plan: undefined } : null));
    }
    return f;
  }

  /** some rule calls rego.metadata.rule or .chain (evaluation then keeps the stack of rules) */
  readonly metadata: boolean;

  constructor(
    readonly compiler: Compiler,
    codegen = true,
  ) {
    this.metadata = compiler.usedBuiltins.has('rego.metadata.rule') || compiler.usedBuiltins.has('rego.metadata.chain');
    this.planner = new Planner({ arityOf: (fn) => compiler.arityOf(fn), root: () => compiler.root, fnInfo: (fn) => this.fnInfo(fn) }, { codegen });
  }

  plan(r: CompiledRule): RulePlan {
    return (r.evalPlan as RulePlan | undefined) ?? (r.evalPlan = this.planner.rule(r));
  }

  /** The plan of a keyed rule with its key variable bound before the body runs. */
  keyedPlan(r: CompiledRule, keyVar: string): RulePlan {
    let p = this.keyedPlans.get(r);
    if (!p) this.keyedPlans.set(r, (p = this.planner.rule(r, [keyVar])));
    return p;
  }

  /** How calls evaluate a user function (see FnPlan), decided on its first call. */
  fnPlan(f: FnInfo): FnPlan | null {
    const rules = f.rules.filter((r) => !r.isDefault);
    const plans = rules.map((r) => this.plan(r));
    const arity = rules[0]?.args?.length ?? -1;
    const dflts = f.rules.filter((r) => r.isDefault);
    const ok =
      rules.length > 0 &&
      dflts.length <= 1 &&
      (dflts.length === 0 || dflts[0]!.args!.length === arity) &&
      rules.every((r, i) => r.args!.length === arity && plans[i]!.clauses && plans[i]!.argSlots);
    const fp: FnPlan | null = ok ? { arity, rules, plans, sizes: plans.map((p) => p.layout.slots.size), dflt: dflts[0] ?? null } : null;
    f.plan = fp;
    return fp;
  }

  /** How nodeValue evaluates node (see NodePlan), decided once. */
  nodePlan(node: RuleNode): NodePlan {
    const rules = node.rules;
    let kind: 0 | 1 | 2 = 0;
    let plans: RulePlan[] = [];
    let dflt: Value | undefined;
    const simple =
      rules.length > 0 && node.children.size === 0 && !node.isPackage && !node.isStatic && !node.underRefHead && !(node.keyed && rules.some((r) => r.kind !== 'set')) && !this.metadata && node.defaults.length <= 1;
    if (simple) {
      plans = rules.map((r) => this.plan(r));
      if (rules.every((r, i) => r.kind === 'complete' && plans[i]!.clauses)) {
        kind = 1;
        if (node.defaults.length) {
          const d = this.defaultValue(node.defaults[0]!);
          if (d.t.g !== undefined) dflt = d.t.g;
          else kind = 0;
        }
      } else if (!node.defaults.length && rules.every((r, i) => r.kind === 'set' && plans[i]!.setFn)) kind = 2;
    }
    const np: NodePlan = { kind, rules, plans, sizes: plans.map((p) => p.layout.slots.size), dflt };
    node.evalInfo = np;
    return np;
  }

  defaultValue(r: CompiledRule): { size: number; t: CTerm } {
    const p = r.evalPlan as { size: number; t: CTerm } | undefined;
    if (p) return p;
    const { layout, t } = this.planner.standalone(r.value!);
    return (r.evalPlan = { size: layout.size, t });
  }
}

export class Run implements Runtime {
  ctx: Ctx;
  private readonly bctx: BuiltinContext;
  private readonly printer: (s: string) => void;
  private readonly strict: boolean;
  private readonly compiler: Compiler;
  private readonly deadline: number;
  private readonly maxSize: number;
  private budget = 4096;
  qvals: Value[] | null = null;
  qStrictFalse = false;
  /** nodes whose values the first context holds on the nodes alone (see ensureCache) */
  private readonly rootNodes: RuleNode[] = [];
  /** rules whose bodies are being evaluated (for rego.metadata.*) */
  private readonly ruleStack: CompiledRule[] = [];

  constructor(
    private readonly program: Program,
    opts: EvalOptions,
  ) {
    this.compiler = program.compiler;
    this.strict = opts.strict;
    this.bctx = new RunBuiltinContext(opts.strict, opts.nowNs, opts.startMs, opts.maxValueSize ?? 0, opts.deadline ?? 0);
    this.ctx = { id: ++lastCtxId, input: opts.input, data: opts.data, overridden: null, fnMocks: null, cache: null, keyed: null, calls: null };
    this.printer = opts.printer ?? printStderr;
    this.deadline = opts.deadline ?? 0;
    this.maxSize = opts.maxValueSize ?? 0;
  }

  /** Runs a query; onSolution gets the environment for each solution (return true to stop). */
  query(q: QueryPlan, onSolution: (env: Env) => boolean): void {
    const env = q.layout.env();
    q.body(this, env, () => onSolution(env));
  }

  // ------------------------------------------------------------------ Runtime basics

  input(): Value | undefined {
    return this.ctx.input;
  }

  print(s: string): void {
    this.printer(s);
  }

  mocked(fn: string): boolean {
    return !!this.ctx.fnMocks?.has(fn);
  }

  get nm(): boolean {
    return this.ctx.fnMocks === null;
  }

  ruleValue(node: RuleNode, spec: DataRefSpec): Value | undefined {
    const ctx = this.ctx;
    if (node.cid === ctx.id) return (node.cval as Value | null) ?? undefined;
    // the common case (see nodeValue): a node of generated rules, first evaluated in the first
    // context, without a base document at its path
    const np = node.evalInfo as NodePlan | null;
    if (np !== null && np.kind !== 0 && ctx.cache === null && ctx.overridden === null) {
      const pre = spec.pre as Prefix | undefined;
      if (pre !== undefined && pre.data === ctx.data && pre.base === undefined && pre.node === node) return this.plainValue(node, np);
    }
    return this.dataValue(spec, NO_ENV);
  }

  callB(c: CallSpec, f: BuiltinFn, args: Value[]): Value | undefined {
    if (this.ctx.fnMocks !== null) return this.call1(c, args);
    try {
      return f(args, this.bctx);
    } catch (e) {
      return this.builtinFailure(c.fn, e, c.loc);
    }
  }

  tick(): void {
    if (--this.budget > 0) return;
    this.budget = 4096;
    if (this.deadline && Date.now() > this.deadline) throw new RegoLimitError('timeout', 'evaluation timed out');
  }

  grow(n: number, loc: Location): void {
    if (this.maxSize && n > this.maxSize) {
      throw new RegoLimitError('size', `value too large: more than ${this.maxSize} elements`, loc);
    }
    this.tick();
  }

  // ------------------------------------------------------------------ with

  runWith(specs: WithSpec[], values: (Value | { fnRef: string })[], inner: (k: K) => boolean, k: K): boolean {
    const outer = this.ctx;
    this.ensureCache(outer);
    const ctx: Ctx = { id: ++lastCtxId, input: outer.input, data: outer.data, overridden: outer.overridden, fnMocks: outer.fnMocks, cache: new Map(), keyed: null, calls: null };
    specs.forEach((w, i) => {
      const v = values[i]!;
      const isRef = typeof v === 'object' && v !== null && !Array.isArray(v) && 'fnRef' in v;
      if (w.fn) {
        ctx.fnMocks = new Map(ctx.fnMocks ?? []);
        ctx.fnMocks.set(w.fn, isRef ? { fn: (v as { fnRef: string }).fnRef } : { value: v as Value });
        return;
      }
      const path = w.path!;
      const val = (isRef ? null : v) as Value;
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
      return inner(() => {
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

  // ------------------------------------------------------------------ the data tree

  dataValue(spec: DataRefSpec, env: Env): Value | undefined {
    // the common case, a rule (data.pkg.rule or its local name) and bound operands below it: the
    // rule's value, indexed, without continuations
    if (!this.ctx.overridden) {
      const ops = spec.ops;
      const pre = (spec.pre as Prefix | undefined) ?? (spec.pre = resolvePrefix(this.compiler.root, ops));
      const node = pre.node;
      if (node && node.hasRules && !(node.keyed && pre.i < ops.length)) {
        const data = this.ctx.data;
        if (pre.data !== data) {
          let b: Value | undefined = data;
          for (let j = 0; j < pre.i && b !== undefined; j++) b = b instanceof RObject ? b.get((ops[j] as { v: string }).v) : undefined;
          pre.data = data;
          pre.base = b;
        }
        let v = this.nodeValue(node, pre.base);
        for (let j = pre.i; j < ops.length && v !== undefined; j++) {
          const op = ops[j]!;
          const key = op.k === 0 ? op.v : op.k === 1 ? env[op.slot] : op.t.s!(this, env);
          if (key === undefined) return undefined;
          v = index(v, key);
        }
        return v;
      }
    }
    if (!this.ctx.overridden) return this.walkBound(spec.ops, env);
    let out: Value | undefined;
    this.dataRef(spec, env, (v) => {
      out = v;
      return true;
    });
    return out;
  }

  /** evalDataRef for operands that are all bound and no `with data` overrides: a loop, no continuations. */
  private walkBound(ops: Op[], env: Env): Value | undefined {
    let node: RuleNode | undefined = this.compiler.root;
    let base: Value | undefined = this.ctx.data;
    const n = ops.length;
    for (let i = 0; i < n; i++) {
      const op = ops[i]!;
      const key = op.k === 0 ? op.v : op.k === 1 ? env[op.slot] : op.t.s!(this, env);
      if (key === undefined) return undefined;
      if (node === undefined) {
        // base documents: as OPA's store, object keys are strings (data.x[2] finds "2")
        let r = index(base!, key);
        if (r === undefined && typeof key === 'number' && base instanceof RObject) r = base.get(String(key));
        if (r === undefined) return undefined;
        base = r;
        continue;
      }
      if (node.hasRules) {
        let v: Value | undefined;
        if (node.keyed && !node.isStatic && base === undefined && node.children.size === 0 && op.k !== 2 && node.cid !== this.ctx.id && !this.ctx.cache?.has(node.cacheKey)) {
          // a lookup with a known key: only that key's solutions
          v = this.keyedValue(node, key);
          i++;
        } else v = this.nodeValue(node, base);
        for (; i < n && v !== undefined; i++) {
          const o = ops[i]!;
          const k = o.k === 0 ? o.v : o.k === 1 ? env[o.slot] : o.t.s!(this, env);
          if (k === undefined) return undefined;
          v = index(v, k);
        }
        return v;
      }
      if (typeof key !== 'string') {
        let r: Value | undefined = base === undefined ? undefined : index(base, key);
        if (r === undefined && typeof key === 'number' && base instanceof RObject) r = base.get(String(key));
        if (r === undefined) return undefined;
        node = undefined;
        base = r;
        continue;
      }
      node = node.children.get(key);
      base = base instanceof RObject ? base.get(key) : undefined;
      if (node === undefined && base === undefined) return undefined;
    }
    return node ? this.nodeValue(node, base) : base;
  }

  dataRef(spec: DataRefSpec, env: Env, k: KV): boolean {
    const ops = spec.ops;
    if (this.ctx.overridden) return this.evalDataRef(ops, 0, this.compiler.root, this.ctx.data, [], env, k);
    // the constant prefix (data.a.b.rule) leads to the same node every time: resolve it once
    let pre = spec.pre as Prefix | undefined;
    if (!pre) spec.pre = pre = resolvePrefix(this.compiler.root, ops);
    const data = this.ctx.data;
    if (pre.data !== data) {
      let b: Value | undefined = data;
      for (let j = 0; j < pre.i && b !== undefined; j++) b = b instanceof RObject ? b.get((ops[j] as { v: string }).v) : undefined;
      pre.data = data;
      pre.base = b;
    }
    const base = pre.base;
    if (!pre.node) return base === undefined ? false : this.evalBaseRef(base, ops, pre.i, env, k);
    return this.evalDataRef(ops, pre.i, pre.node, base, [], env, k);
  }

  /** Refs into base documents: as OPA's store, object keys are strings, so data.x[2] finds "2". */
  private evalBaseRef(v: Value, ops: Op[], i: number, env: Env, k: KV): boolean {
    for (; i < ops.length; i++) {
      const op = ops[i]!;
      let key: Value | undefined;
      if (op.k === 0) key = op.v;
      else if (op.k === 1) key = env[op.slot];
      if (key === undefined) return refRest(this, v, ops, i, env, k);
      let r = index(v, key);
      if (r === undefined && typeof key === 'number' && v instanceof RObject) r = v.get(String(key));
      if (r === undefined) return false;
      v = r;
    }
    return k(v);
  }

  /** Walks `data` through the rule tree, evaluating virtual documents only where needed. */
  private evalDataRef(ops: Op[], i: number, node: RuleNode | undefined, base: Value | undefined, path: string[], env: Env, k: KV): boolean {
    const ov = this.ctx.overridden;
    if (ov && path.length && ov.has(path.join('\0'))) {
      return base === undefined ? false : refRest(this, base, ops, i, env, k);
    }
    if (!ov) {
      // fast path without `with data` overrides: descend through constant string segments
      while (node && !node.hasRules && i < ops.length) {
        const op = ops[i]!;
        let seg: Value | undefined;
        if (op.k === 0) seg = op.v;
        else if (op.k === 1) seg = env[op.slot];
        if (typeof seg !== 'string') break;
        const child: RuleNode | undefined = node.children.get(seg);
        base = base instanceof RObject ? base.get(seg) : undefined;
        if (!child) return base === undefined ? false : this.evalBaseRef(base, ops, i + 1, env, k);
        node = child; // (path only matters under `with data` overrides, which skip this loop)
        i++;
      }
    }
    if (!node) return base === undefined ? false : this.evalBaseRef(base, ops, i, env, k);
    if (node.keyed && i < ops.length && !node.isStatic && !ov && base === undefined && node.children.size === 0) {
      // a lookup with a known key: evaluate only that key's solutions (unless the whole value is cached)
      const op = ops[i]!;
      const key = op.k === 0 ? op.v : op.k === 1 ? env[op.slot] : undefined;
      if (key !== undefined && node.cid !== this.ctx.id && !this.ctx.cache?.has(node.cacheKey)) {
        const v = this.keyedValue(node, key);
        return v === undefined ? false : refRest(this, v, ops, i + 1, env, k);
      }
    }
    if (node.hasRules || i === ops.length) {
      const v = this.nodeValue(node, base);
      return v === undefined ? false : refRest(this, v, ops, i, env, k);
    }
    const n = node;
    const step = (key: Value): boolean => {
      if (typeof key !== 'string') {
        let r = base === undefined ? undefined : index(base, key);
        if (r === undefined && typeof key === 'number' && base instanceof RObject) r = base.get(String(key));
        return r === undefined ? false : this.evalBaseRef(r, ops, i + 1, env, k);
      }
      const child = n.children.get(key);
      const cb = base instanceof RObject ? base.get(key) : undefined;
      if (!child) return cb === undefined ? false : this.evalBaseRef(cb, ops, i + 1, env, k);
      return this.evalDataRef(ops, i + 1, child, cb, [...path, key], env, k);
    };
    const op = ops[i]!;
    if (op.k === 0) return step(op.v);
    if (op.k === 1) {
      const b = env[op.slot];
      if (b !== undefined) return step(b);
    }
    if (op.k === 1 || (op.t.open !== null && op.t.open(env))) {
      const v = this.nodeValue(node, base);
      return v === undefined ? false : refRest(this, v, ops, i, env, k);
    }
    return op.t.m(this, env, step);
  }

  /** The full value of the document at a rule-tree node (rules, sub-packages and base data). */
  nodeValue(node: RuleNode, base: Value | undefined): Value | undefined {
    const ctx = this.ctx;
    if (node.cid === ctx.id) return (node.cval as Value | null) ?? undefined;
    // the common case: a rule's value in the first context, no base document, nothing replaced
    const np = (node.evalInfo as NodePlan | null) ?? this.program.nodePlan(node);
    if (np.kind !== 0 && base === undefined && ctx.cache === null && ctx.overridden === null) return this.plainValue(node, np);
    const shared = node.isStatic && !ctx.overridden && !ctx.fnMocks ? this.compiler.shared : undefined;
    if (shared !== undefined && node.sharedIn === shared) {
      // a static value, kept on the node too (for as long as the shared map is this one)
      const v = node.sharedVal as Value | null;
      node.cid = ctx.id;
      node.cval = v;
      return v === null ? undefined : v;
    }
    const ck = node.cacheKey;
    const cached = (shared ?? ctx.cache)?.get(ck);
    if (cached !== undefined) {
      node.cid = ctx.id;
      node.cval = cached;
      if (shared !== undefined) {
        node.sharedIn = shared;
        node.sharedVal = cached;
      }
      return cached === null ? undefined : cached;
    }
    let result: Value | undefined;
    if (node.rules.length || node.defaults.length) {
      if (node.busy) {
        throw new RegoError('rego_recursion_error', `rule data.${node.path.join('.')} is recursive`, node.rules[0]?.loc);
      }
      try {
        node.busy = true;
        result = this.evalRules(node);
      } finally {
        node.busy = false;
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
    if (result !== undefined && ctx.overridden) result = this.applyOverridesBelow(node.path, result);
    const stored = result === undefined ? null : result;
    if (shared) {
      shared.set(ck, stored);
      node.sharedIn = shared;
      node.sharedVal = stored;
    }
    else if (ctx.cache) ctx.cache.set(ck, stored);
    else this.rootNodes.push(node);
    node.cid = ctx.id;
    node.cval = stored;
    return result;
  }

  /** nodeValue's common case: a node of generated rules (NodePlan kind 1 or 2) in the first context,
   * without a base document, nothing replaced by `with`. */
  private plainValue(node: RuleNode, np: NodePlan): Value | undefined {
    if (node.busy) throw new RegoError('rego_recursion_error', `rule data.${node.path.join('.')} is recursive`, node.rules[0]?.loc);
    let result: Value | undefined;
    node.busy = true;
    try {
      result = np.kind === 1 ? this.completeValue(np) : this.setValue(np);
    } finally {
      node.busy = false;
    }
    this.rootNodes.push(node);
    node.cid = this.ctx.id;
    node.cval = result === undefined ? null : result;
    return result;
  }

  /** Before a second context exists, the first one's values move from the nodes' front cache to its map. */
  private ensureCache(ctx: Ctx): void {
    if (ctx.cache) return;
    const m = new Map<string, Value | null>();
    for (const n of this.rootNodes) if (n.cid === ctx.id) m.set(n.cacheKey, n.cval as Value | null);
    ctx.cache = m;
    this.rootNodes.length = 0;
  }

  /** p[key] for a node whose rules are all keyed by one variable (see RuleNode.keyed). */
  private keyedValue(node: RuleNode, key: Value): Value | undefined {
    const ck = node.cacheKey + '\0k' + vkey(key);
    const keyed = (this.ctx.keyed ??= new Map());
    const cached = keyed.get(ck);
    if (cached !== undefined) return cached === null ? undefined : cached;
    if (node.busy) {
      throw new RegoError('rego_recursion_error', `rule data.${node.path.join('.')} is recursive`, node.rules[0]?.loc);
    }
    let result: Value | undefined;
    try {
      node.busy = true;
      for (const r of node.rules) {
        const kv = (node.keyed === 'object' ? r.dyn[0] : r.key) as { name: string };
        const p = this.program.keyedPlan(r, kv.name);
        const env = p.layout.env();
        env[p.layout.slot(kv.name)] = key;
        if (node.keyed === 'set') {
          this.ruleSolutions(r, p, () => {
            result = key;
            return true;
          }, env);
          if (result !== undefined) break;
        } else {
          this.ruleValues(r, p, (v, valueTerm) => {
            if (result === undefined) result = v;
            else if (!equal(result, v)) throw new RegoError(CONFLICT, 'object keys must be unique', r.loc);
            return isConstant(valueTerm);
          }, env);
        }
      }
    } finally {
      node.busy = false;
    }
    keyed.set(ck, result === undefined ? null : result);
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

  /** The value of complete rules that all have generated clauses (NodePlan kind 1). */
  private completeValue(np: NodePlan): Value | undefined {
    let complete: Value | undefined;
    const plans = np.plans;
    const sizes = np.sizes;
    for (let i = 0; i < plans.length; i++) {
      const p = plans[i]!;
      const size = sizes[i]!;
      const v = this.clauseValue(np.rules[i]!, p, size === 0 ? NO_SLOTS : new Array(size));
      if (v === CLAUSE_CONFLICT) throw new RegoError(CONFLICT, 'complete rules must not produce multiple outputs', np.rules[i]!.loc);
      if (v !== undefined) {
        if (complete === undefined) complete = v;
        else if (!equal(complete, v)) throw new RegoError(CONFLICT, 'complete rules must not produce multiple outputs', np.rules[i]!.loc);
      }
    }
    return complete === undefined ? np.dflt : complete;
  }

  /** The value of partial set rules that all have generated set functions (NodePlan kind 2). */
  private setValue(np: NodePlan): Value {
    const set = new RSet();
    const plans = np.plans;
    const sizes = np.sizes;
    for (let i = 0; i < plans.length; i++) {
      const p = plans[i]!;
      this.tick();
      const size = sizes[i]!;
      p.setFn!(this, size === 0 ? NO_SLOTS : new Array(size), set);
    }
    return set;
  }

  /** Evaluates the rules at one node into its value. */
  private evalRules(node: RuleNode): Value | undefined {
    let complete: Value | undefined;
    let set: RSet | undefined;
    let obj: RObject | undefined;
    let sawComplete = false;
    for (const r of node.rules) {
      const p = this.program.plan(r);
      if (r.kind === 'complete' && p.clauses) {
        sawComplete = true;
        const v = this.clauseValue(r, p, p.layout.env());
        if (v === CLAUSE_CONFLICT) throw new RegoError(CONFLICT, 'complete rules must not produce multiple outputs', r.loc);
        if (v !== undefined) {
          if (complete === undefined) complete = v;
          else if (!equal(complete, v)) throw new RegoError(CONFLICT, 'complete rules must not produce multiple outputs', r.loc);
        }
      } else if (r.kind === 'complete') {
        sawComplete = true;
        this.ruleValues(r, p, (v, valueTerm) => {
          if (complete === undefined) complete = v;
          else if (!equal(complete, v)) throw new RegoError(CONFLICT, 'complete rules must not produce multiple outputs', r.loc);
          // early exit: a constant value cannot change with further solutions of this body
          return isConstant(valueTerm);
        });
      } else if (r.kind === 'set' && p.setFn) {
        if (!set) set = new RSet();
        this.tick();
        if (!this.program.metadata) p.setFn(this, p.layout.env(), set);
        else {
          this.ruleStack.push(r);
          try {
            p.setFn(this, p.layout.env(), set);
          } finally {
            this.ruleStack.pop();
          }
        }
      } else if (r.kind === 'set' && r.dyn.length === 0) {
        if (!set) set = new RSet();
        const s = set;
        const key = p.key!;
        this.ruleSolutions(r, p, (env) =>
          key.m(this, env, (v) => {
            s.add(v);
            this.grow(s.size, r.loc);
            return key.g !== undefined;
          }),
        );
      } else {
        if (!obj) obj = new RObject();
        const root = obj;
        const dyn = p.dyn;
        this.ruleSolutions(r, p, (env, valueTerm) =>
          evalAll(this, dyn, env, (keys) => {
            if (r.kind === 'set') {
              return p.key!.m(this, env, (m) => {
                insertSetMember(root, keys, m, r);
                return false;
              });
            }
            return this.evalTermOrTrue(valueTerm, env, (v) => {
              insertObjectLeaf(root, keys, v, r);
              this.grow(root.size, r.loc);
              return false;
            });
          }),
        );
      }
    }
    if ((sawComplete && complete === undefined && node.defaults.length) || (!sawComplete && !set && !obj && node.defaults.length)) {
      const d = this.program.defaultValue(node.defaults[0]!);
      if (d.t.g !== undefined) complete = d.t.g;
      else {
        d.t.m(this, new Array(d.size), (v) => {
          complete = v;
          return true;
        });
      }
    }
    if (set) return set;
    if (obj) return obj;
    if (node.underRefHead) markRuleValue(complete ?? null);
    return complete;
  }

  /** The value of a rule's first clause that has one (generated clauses, see RulePlan.clauses). */
  private clauseValue(r: CompiledRule, p: RulePlan, env: Env): Value | undefined | typeof CLAUSE_CONFLICT {
    const clauses = p.clauses!;
    this.tick();
    // (the stack of rules only serves rego.metadata.*: kept when the modules call it)
    if (!this.program.metadata) {
      for (let i = 0; i < clauses.length; i++) {
        const v = clauses[i]!(this, env);
        if (v !== undefined) return v;
      }
      return undefined;
    }
    this.ruleStack.push(r);
    try {
      for (let i = 0; i < clauses.length; i++) {
        const v = clauses[i]!(this, env);
        if (v !== undefined) return v;
      }
      return undefined;
    } finally {
      this.ruleStack.pop();
    }
  }

  private evalTermOrTrue(t: CTerm | undefined, env: Env, k: KV): boolean {
    if (!t) return k(true);
    const s = t.s;
    if (s) {
      const v = s(this, env);
      return v === undefined ? false : k(v);
    }
    return t.m(this, env, k);
  }

  /** Calls emit for each solution of the rule body (or of the first else clause that has one). */
  private ruleSolutions(r: CompiledRule, p: RulePlan, emit: (env: Env, valueTerm: CTerm | undefined) => boolean, env: Env = p.layout.env()): boolean {
    this.ruleStack.push(r);
    this.tick();
    try {
      let found = false;
      const halted = p.body(this, env, () => {
        found = true;
        return emit(env, p.value);
      });
      if (found || halted) return halted;
      for (const e of p.elses) {
        const halted2 = e.body(this, env, () => {
          found = true;
          return emit(env, e.value);
        });
        if (found || halted2) return halted2;
      }
      return false;
    } finally {
      this.ruleStack.pop();
    }
  }

  /**
   * Calls onValue for each value of the rule (body solutions with their head value), from the first
   * clause that has one: as in OPA, a clause whose body succeeds but whose value is undefined
   * passes on to its else.
   */
  private ruleValues(r: CompiledRule, p: RulePlan, onValue: (v: Value, valueTerm: CTerm | undefined) => boolean, env: Env = p.layout.env()): boolean {
    this.ruleStack.push(r);
    this.tick();
    try {
      let found = false;
      const clause = (body: RulePlan['body'], valueTerm: CTerm | undefined): boolean =>
        body(this, env, () =>
          this.evalTermOrTrue(valueTerm, env, (v) => {
            found = true;
            return onValue(v, valueTerm);
          }),
        );
      const halted = clause(p.body, p.value);
      if (found || halted) return halted;
      for (const e of p.elses) {
        const halted2 = clause(e.body, e.value);
        if (found || halted2) return halted2;
      }
      return false;
    } finally {
      this.ruleStack.pop();
    }
  }

  // ------------------------------------------------------------------ calls

  call1(c: CallSpec, args: Value[]): Value | undefined {
    const fn = c.fn;
    if (!this.ctx.fnMocks && !fn.startsWith('data.')) {
      // the common case: a plain builtin
      const b = builtins.get(fn);
      if (b?.fn) return this.invoke(fn, b.fn, args, c.loc);
    }
    let out: Value | undefined;
    this.call(c, args, (v) => {
      out = v;
      return true;
    });
    return out;
  }

  private invoke(fn: string, f: NonNullable<(typeof builtins extends Map<string, infer B> ? B : never)['fn']>, args: Value[], loc: Location): Value | undefined {
    try {
      return f(args, this.bctx);
    } catch (e) {
      return this.builtinFailure(fn, e, loc);
    }
  }

  private builtinFailure(fn: string, e: unknown, loc: Location | undefined): undefined {
    if (e instanceof BuiltinError) {
      if (this.strict) throw new RegoError(e.code, e.message, loc);
      return undefined;
    }
    if (e instanceof RegoError) throw e;
    if (isResourceError(e)) throw new RegoLimitError('size', `${fn}: ${e.message}`, loc);
    if (this.strict) throw new RegoError('eval_builtin_error', `${fn}: ${(e as Error).message}`, loc);
    return undefined;
  }

  call(c: CallSpec, args: Value[], k: KV): boolean {
    return this.callFn(c.fn, args, k, c.loc);
  }

  private callFn(fn: string, args: Value[], k: KV, loc: Location | undefined): boolean {
    const mocks = this.ctx.fnMocks;
    if (mocks) {
      const m = mocks.get(fn);
      if (m) {
        if ('value' in m) return k(m.value);
        // mocked by another function: inside it, no function mock applies (OPA: a mock does not
        // call other mocks, and calls to the mocked function reach the original)
        const outer = this.ctx;
        this.ensureCache(outer);
        const inner: Ctx = { ...outer, id: ++lastCtxId, fnMocks: null, cache: new Map(), keyed: null, calls: null };
        this.ctx = inner;
        try {
          return this.callFn(m.fn, args, (v) => {
            this.ctx = outer;
            try {
              return k(v);
            } finally {
              this.ctx = inner;
            }
          }, loc);
        } finally {
          this.ctx = outer;
        }
      }
    }
    if (fn.startsWith('data.')) return this.callUser(fn, args, k, loc);
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
      if (fn === 'rego.parse_module') return this.parseModuleBuiltin(args, k, loc);
      if (fn === 'http.send') return this.httpSend(args[0]!, loc);
      if (builtinFamily(fn)) {
        // declared but its family was not loaded (see builtins/load.ts): a bug in the caller
        throw new RegoError('eval_builtin_error', `${fn}: builtin not loaded (load its family with loadBuiltins)`, loc);
      }
      throw new RegoError('eval_builtin_error', `${fn}: unknown builtin`, loc);
    }
    if (b.relation) {
      let values: Iterable<Value>;
      try {
        values = [...b.relation(args, this.bctx)];
      } catch (e) {
        this.builtinFailure(fn, e, loc);
        return false;
      }
      for (const v of values) if (k(v)) return true;
      return false;
    }
    const r = this.invoke(fn, b.fn!, args, loc ?? { file: '', row: 0, col: 0 });
    return r === undefined ? false : k(r);
  }

  /**
   * http.send checks its request object as OPA does, but this engine makes no network calls
   * (evaluation is synchronous): a valid request is an eval_builtin_error. Mock it with `with`.
   */
  private httpSend(req: Value, loc?: Location): boolean {
    if (!(req instanceof RObject)) {
      throw new RegoError('eval_type_error', `http.send: operand 1 must be object but got ${typeName(req)}`, loc);
    }
    const bad = req.keys().filter((k) => typeof k !== 'string' || !HTTP_SEND_KEYS.has(k));
    if (bad.length) {
      throw new RegoError('eval_type_error', `http.send: invalid request parameters(s): {${bad.map((k) => JSON.stringify(k)).join(', ')}}`, loc);
    }
    const missing = ['method', 'url'].filter((k) => !req.has(k));
    if (missing.length) {
      throw new RegoError('eval_type_error', `http.send: missing required request parameters(s): {${missing.map((k) => JSON.stringify(k)).join(', ')}}`, loc);
    }
    if (this.strict) throw new RegoError('eval_builtin_error', 'http.send: network access is not supported by this engine', loc);
    return false;
  }

  private parseModuleBuiltin(args: Value[], k: KV, loc?: Location): boolean {
    const [file, text] = args;
    const fail = (code: string, msg: string): boolean => {
      if (this.strict) throw new RegoError(code, msg, loc);
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
      this.tick();
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

  callU(c: CallSpec, f: FnInfo, args: Value[]): Value | undefined {
    const ctx = this.ctx;
    if (ctx.fnMocks !== null) return this.call1(c, args);
    const ck: unknown = args.length === 1 ? args[0] : '\0' + args.map(vkey).join('\0');
    const cached = memoGet(f, ctx.id, ck);
    if (cached !== undefined) return cached === null ? undefined : cached;
    const fp = (f.plan as FnPlan | null | undefined) ?? this.program.fnPlan(f);
    const result = fp !== null && fp.arity === args.length ? this.fnValue(fp, args, c.loc) : this.userValue(f.rules, args, c.loc);
    memoSet(f, ctx.id, ck, result === undefined ? null : result);
    return result;
  }

  /** callU of a function of one argument (no array unless the result is computed). */
  callU1(c: CallSpec, f: FnInfo, a: Value): Value | undefined {
    const ctx = this.ctx;
    if (ctx.fnMocks !== null) return this.call1(c, [a]);
    const cached = memoGet(f, ctx.id, a);
    if (cached !== undefined) return cached === null ? undefined : cached;
    const fp = (f.plan as FnPlan | null | undefined) ?? this.program.fnPlan(f);
    const result = fp !== null && fp.arity === 1 ? this.fnValue1(fp, a, c.loc) : this.userValue(f.rules, [a], c.loc);
    memoSet(f, ctx.id, a, result === undefined ? null : result);
    return result;
  }

  private callUser(fn: string, args: Value[], k: KV, loc?: Location): boolean {
    const rules = this.compiler.funcs.get(fn);
    if (!rules) return false; // a call through a data ref that is not a function
    // results per function and arguments, for this query (and `with` context)
    const calls = (this.ctx.calls ??= new Map());
    let perFn = calls.get(fn);
    if (!perFn) calls.set(fn, (perFn = new Map()));
    // one argument is its own key: a scalar by value (numbers are canonical, see value.ts num), a
    // composite by identity (an equal composite elsewhere computes the same result again)
    const ck: unknown = args.length === 1 ? args[0] : '\0' + args.map(vkey).join('\0');
    const cached = perFn.get(ck);
    if (cached !== undefined) return cached === null ? false : k(cached);
    const result = this.userValue(rules, args, loc);
    perFn.set(ck, result === undefined ? null : result);
    return result === undefined ? false : k(result);
  }

  /** userValue for a function whose rules all have generated clauses (see FnPlan). */
  private fnValue(fp: FnPlan, args: Value[], loc: Location | undefined): Value | undefined {
    let result: Value | undefined;
    const { rules, plans, sizes } = fp;
    for (let i = 0; i < plans.length; i++) {
      const p = plans[i]!;
      const env: Env = new Array(sizes[i]!);
      const slots = p.argSlots!;
      for (let j = 0; j < slots.length; j++) env[slots[j]!] = args[j];
      const v = this.clauseValue(rules[i]!, p, env);
      if (v === CLAUSE_CONFLICT || (v !== undefined && result !== undefined && !equal(result, v))) {
        throw new RegoError(CONFLICT, 'functions must not produce multiple outputs for same inputs', loc ?? rules[i]!.loc);
      }
      if (v !== undefined) result = v;
    }
    return result === undefined && fp.dflt !== null ? this.fnDefault(fp.dflt) : result;
  }

  /** fnValue of one argument. */
  private fnValue1(fp: FnPlan, a: Value, loc: Location | undefined): Value | undefined {
    let result: Value | undefined;
    const { rules, plans, sizes } = fp;
    for (let i = 0; i < plans.length; i++) {
      const p = plans[i]!;
      const env: Env = new Array(sizes[i]!);
      env[p.argSlots![0]!] = a;
      const v = this.clauseValue(rules[i]!, p, env);
      if (v === CLAUSE_CONFLICT || (v !== undefined && result !== undefined && !equal(result, v))) {
        throw new RegoError(CONFLICT, 'functions must not produce multiple outputs for same inputs', loc ?? rules[i]!.loc);
      }
      if (v !== undefined) result = v;
    }
    return result === undefined && fp.dflt !== null ? this.fnDefault(fp.dflt) : result;
  }

  private fnDefault(d: CompiledRule): Value | undefined {
    let result: Value | undefined;
    const dv = this.program.defaultValue(d);
    dv.t.m(this, new Array(dv.size), (v) => {
      result = v;
      return true;
    });
    return result;
  }

  /** A user function's value for these arguments (undefined: none). */
  private userValue(rules: CompiledRule[], args: Value[], loc: Location | undefined): Value | undefined {
    let result: Value | undefined;
    for (const r of rules) {
      if (r.isDefault) continue;
      if (r.args!.length !== args.length) continue;
      const p = this.program.plan(r);
      const env = p.layout.env();
      if (p.clauses && p.argSlots) {
        const slots = p.argSlots;
        for (let i = 0; i < slots.length; i++) env[slots[i]!] = args[i];
        const v = this.clauseValue(r, p, env);
        if (v === CLAUSE_CONFLICT || (v !== undefined && result !== undefined && !equal(result, v))) {
          throw new RegoError(CONFLICT, 'functions must not produce multiple outputs for same inputs', loc ?? r.loc);
        }
        if (v !== undefined) result = v;
        continue;
      }
      const ms = p.args!;
      const onValue = (v: Value, valueTerm: CTerm | undefined): boolean => {
        if (result === undefined) result = v;
        else if (!equal(result, v)) throw new RegoError(CONFLICT, 'functions must not produce multiple outputs for same inputs', loc ?? r.loc);
        return isConstant(valueTerm);
      };
      const matchArgs = (i: number): boolean => {
        if (i === ms.length) return this.ruleValues(r, p, onValue, env);
        return ms[i]!(this, args[i]!, env, () => matchArgs(i + 1));
      };
      matchArgs(0);
    }
    if (result === undefined) {
      const d = rules.find((r) => r.isDefault);
      if (d && d.args!.length === args.length) {
        const dv = this.program.defaultValue(d);
        dv.t.m(this, new Array(dv.size), (v) => {
          result = v;
          return true;
        });
      }
    }
    return result;
  }
}

const NO_ENV: Env = [];

function printStderr(s: string): void {
  process.stderr.write(s + '\n');
}
/** The environment of a rule without variables (frozen: nothing may write to it). */
const NO_SLOTS: Env = Object.freeze([]) as unknown as Env;

/**
 * How nodeValue evaluates a node (RuleNode.evalInfo, made on first use by Program.nodePlan):
 * kind 1, complete rules that all have generated clauses (dflt: the constant default's value);
 * kind 2, partial set rules that all have generated set functions; kind 0, the general path
 * (children, packages, static values, keyed or mixed rules, functions' rules, rego.metadata.*).
 */
export interface NodePlan {
  kind: 0 | 1 | 2;
  rules: CompiledRule[];
  plans: RulePlan[];
  /** the size of each plan's environment */
  sizes: number[];
  dflt: Value | undefined;
}

/**
 * How calls evaluate a user function whose rules (all of one arity) all have generated clauses and
 * plain variables as arguments (FnInfo.plan; null: the general path, Run.userValue).
 */
interface FnPlan {
  arity: number;
  rules: CompiledRule[];
  plans: RulePlan[];
  sizes: number[];
  dflt: CompiledRule | null;
}

/** Where a data ref's constant string prefix leads in the rule tree (node undefined: below it, base
 * data only), with the base document at that path for one data value. */
interface Prefix {
  node: RuleNode | undefined;
  i: number;
  data?: Value;
  base?: Value;
}

function resolvePrefix(root: RuleNode, ops: Op[]): Prefix {
  let node: RuleNode | undefined = root;
  let i = 0;
  while (node && !node.hasRules && i < ops.length) {
    const op = ops[i]!;
    if (op.k !== 0 || typeof op.v !== 'string') break;
    node = node.children.get(op.v);
    i++;
  }
  return { node, i };
}

/** A rule value that is the same for every solution (absent means `true`). */
function isConstant(t: CTerm | undefined): boolean {
  return t === undefined || t.g !== undefined;
}

function evalAll(r: Run, ts: CTerm[], env: Env, k: (vs: Value[]) => boolean): boolean {
  const n = ts.length;
  const vals: Value[] = new Array(n);
  const step = (i: number): boolean => {
    if (i === n) return k(vals.slice());
    return ts[i]!.m(r, env, (v) => {
      vals[i] = v;
      return step(i + 1);
    });
  };
  return step(0);
}

const HTTP_SEND_KEYS = new Set([
  'method', 'url', 'body', 'enable_redirect', 'force_json_decode', 'force_yaml_decode', 'headers', 'raw_body',
  'tls_use_system_certs', 'tls_ca_cert', 'tls_ca_cert_file', 'tls_ca_cert_env_variable', 'tls_client_cert',
  'tls_client_cert_file', 'tls_client_cert_env_variable', 'tls_client_key', 'tls_client_key_file',
  'tls_client_key_env_variable', 'tls_insecure_skip_verify', 'tls_server_name', 'timeout', 'cache', 'force_cache',
  'force_cache_duration_seconds', 'raise_error', 'caching_mode', 'max_retry_attempts', 'cache_ignored_headers',
]);


// Results of a user function per evaluation context (FnInfo.cid): the first few in two arrays searched
// by identity (the arguments one evaluation passes are few), the rest in a map (the same keys: an
// argument itself when there is one, else the canonical keys of all). Recomputed, never wrong, when
// another context used the function in between.
const MEMO_LINEAR = 8;

function memoGet(f: FnInfo, cid: number, ck: unknown): Value | null | undefined {
  if (f.cid !== cid) {
    f.cid = cid;
    f.mn = 0;
    f.memo = null;
    return undefined;
  }
  const n = f.mn;
  const ks = f.mk;
  for (let i = 0; i < n; i++) if (ks[i] === ck) return f.mv[i];
  return f.memo === null ? undefined : f.memo.get(ck);
}

function memoSet(f: FnInfo, cid: number, ck: unknown, v: Value | null): void {
  if (f.cid !== cid) {
    f.cid = cid;
    f.mn = 0;
    f.memo = null;
  }
  const n = f.mn;
  if (n < MEMO_LINEAR) {
    f.mk[n] = ck;
    f.mv[n] = v;
    f.mn = n + 1;
  } else (f.memo ??= new Map()).set(ck, v);
}
