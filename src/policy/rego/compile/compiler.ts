// Compiler: resolves names (imports, package rules, builtins), renames nested local variables,
// reorders body expressions for safety (every variable bound before it is read), detects
// recursion, and indexes rules into a tree by their static path under `data`.
import type { Annotations, Expr, Module, Rule, Term } from '../ast/types.js';
import { exprVars, isDataRule, shallowExprVars, shallowTermVars, termVars } from '../ast/vars.js';
import { builtinArity } from '../builtins/decls.js';
import { RegoError, RegoErrors, type Location } from '../errors.js';
import type { Value } from '../value.js';
import {
  allRules,
  checkComprehensionHeads,
  checkConflicts,
  checkModules,
  checkQueryComprehensionHeads,
  checkUnknownFns,
  firstStage,
  replacedPaths,
  sortByLocation,
  throwErrors,
} from './checks.js';
import { RuleNode, type CompiledRule, type RuleKind, type ScopeHost } from './ir.js';
import { NameGen } from './names.js';
import { hoistHeadRefs } from './head-refs.js';
import { hoistNegations } from './negation.js';
import { analyseDependencies } from './recursion.js';
import { potentialOuts, Safety } from './safety.js';
import { Scope } from './scope.js';
import { TypeChecker, userVarName } from './typecheck.js';

export { RuleNode, type CompiledRule, type RuleKind } from './ir.js';

// ---------------------------------------------------------------- the compiler

export interface CompileOptions {
  /** package-relative name resolution */
  pkg?: string[];
}

export class Compiler implements ScopeHost {
  /** fresh names for renamed locals (per compiler: no global counter) */
  private readonly names = new NameGen();
  fresh(base: string): string {
    return this.names.fresh(base);
  }
  /** every builtin the compiled modules and queries call (see builtins/load.ts) */
  usedBuiltins = new Set<string>();
  modules: Module[] = [];
  root = new RuleNode([]);
  funcs = new Map<string, CompiledRule[]>(); // "data.a.b.f" -> rules
  /** values of static nodes, shared by all queries until the next compile or setData */
  shared = new Map<string, Value | null>();
  /** calls to functions that are neither builtins nor rules (an error unless some `with` mocks them) */
  unknownFns: { op: string; loc: Location }[] = [];
  mockedFns = new Set<string>();
  /** package path key -> set of first-level rule names */
  private pkgRules = new Map<string, Set<string>>();
  private errors: RegoError[] = [];
  /** the static type checker, holding the rule types for checking queries (compile/typecheck.ts) */
  private types?: TypeChecker;

  compile(modules: Module[]): void {
    // OPA's parse and v1 module checks (checks.ts); the recoverable ones are reported with what follows
    const early = checkModules(modules);
    if (early.parse.length) throwErrors(sortByLocation(early.parse));
    if (early.fatal.length) throwErrors(sortByLocation([...early.fatal, ...early.recoverable]));
    this.types = undefined;
    this.modules = modules;
    this.root = new RuleNode([]);
    this.funcs = new Map();
    this.pkgNodes = new Map();
    this.shared = new Map();
    this.pkgRules = new Map();
    this.errors = [];
    this.unknownFns = [];
    this.mockedFns = new Set();
    for (const m of modules) {
      const k = m.pkg.join('.');
      let s = this.pkgRules.get(k);
      if (!s) this.pkgRules.set(k, (s = new Set()));
      for (const r of m.rules) s.add((r.ref[0] as { v: string }).v);
    }
    for (const m of modules) this.nodeFor(m.pkg).isPackage = true;
    // function names first (arity needed when resolving calls)
    for (const m of modules) for (const r of m.rules) if (r.args) this.indexFunc(m, r);
    for (const m of modules) {
      for (const r of m.rules) {
        try {
          this.compileRule(m, r);
        } catch (e) {
          if (e instanceof RegoError) this.errors.push(e);
          else throw e;
        }
      }
    }
    // undefined functions first: they also make their output arguments look unsafe
    const fnErrors: RegoError[] = [];
    this.checkUnknownFns(fnErrors);
    this.errors.unshift(...fnErrors);
    checkConflicts(this.root, this.errors);
    for (const c of early.conflicts ?? []) if (!this.errors.some((e) => e.message === c.message)) this.errors.push(c);
    const rules = allRules(this.root);
    this.errors.push(...checkComprehensionHeads(rules));
    if (this.errors.length) throwErrors(firstStage(early.recoverable, this.errors));
    this.checkRecursion();
    // OPA's type checker (typecheck.ts), then the module errors OPA would have reported with it
    this.types = new TypeChecker({ root: this.root, replaced: replacedPaths(rules) });
    throwErrors(sortByLocation([...early.recoverable, ...this.types.checkAll()]));
    const mark = (n: RuleNode, flag: boolean): void => {
      n.underRefHead = flag;
      const objectKeyed = n.rules.every((r) => r.kind === 'object' && r.dyn.length === 1 && r.dyn[0]!.t === 'var' && !r.elses.length);
      const setKeyed = n.rules.every((r) => r.kind === 'set' && r.dyn.length === 0 && r.key!.t === 'var' && !r.elses.length);
      n.keyed = n.rules.length && !n.defaults.length ? (objectKeyed ? 'object' : setKeyed ? 'set' : undefined) : undefined;
      const childFlag = flag || n.rules.some((r) => r.dyn.length > 0);
      for (const c of n.children.values()) mark(c, childFlag);
    };
    mark(this.root, false);
  }

  private checkUnknownFns(errors: RegoError[]): void {
    checkUnknownFns(this.unknownFns, this.mockedFns, errors);
    this.unknownFns = [];
  }

  private funcArity = new Map<string, number>();

  private indexFunc(m: Module, r: Rule): void {
    const path = ['data', ...m.pkg, ...staticPrefix(r.ref)];
    this.funcArity.set(path.join('.'), r.args!.length);
  }

  arityOf(fn: string): number | undefined {
    return this.funcArity.get(fn) ?? builtinArity(fn);
  }

  // -------------------------------------------------------------- rules

  private compileRule(m: Module, r0: Rule): void {
    if (isDataRule(r0)) {
      // a named constant: nothing to resolve, reorder or check (its path is its node's; no dyn, no
      // else: shared empty arrays, never changed)
      const node = this.pkgNode(m).child((r0.ref[0] as { v: string }).v);
      const cr: CompiledRule = {
        kind: 'complete',
        path: node.path,
        dyn: NONE,
        value: r0.value,
        body: r0.body,
        elses: NONE,
        isDefault: false,
        loc: r0.loc,
        module: m,
        data: true,
      };
      if (r0.annotations) cr.annotations = r0.annotations;
      node.rules.push(cr);
      return;
    }
    const r = hoistHeadRefs(normalizeArgs(r0, this), this);
    const statics = staticPrefix(r.ref);
    const dynRaw = r.ref.slice(statics.length);
    const scope = new Scope(null, m, this);
    // function args are declared (and bound) first
    const bound = new Set<string>();
    let args: Term[] | undefined;
    if (r.args) {
      args = r.args.map((a) => scope.declarePattern(a));
      for (const a of args) for (const v of termVars(a)) bound.add(v);
    }
    const argScope = scope.fork();
    const body = this.compileBody(r.body, scope, bound, new Set());
    const dyn = dynRaw.map((t) => scope.resolveTerm(t));
    const key = r.key ? scope.resolveTerm(r.key) : undefined;
    const value = r.value ? scope.resolveTerm(r.value) : undefined;
    const elses = r.elses.map((e) => {
      const s2 = argScope.fork();
      const b2 = new Set(bound);
      const eb = this.compileBody(e.body, s2, b2, new Set());
      const ev = e.value ? s2.resolveTerm(e.value) : undefined;
      if (ev) this.reorderHeadTerms([ev], b2, eb, s2);
      return { value: ev, body: eb };
    });
    this.reorderHeadTerms([...dyn, ...(key ? [key] : []), ...(value ? [value] : [])], bound, body, scope);
    let kind: RuleKind;
    if (r.args) kind = 'func';
    else if (r.contains) kind = 'set';
    else if (dyn.length) kind = 'object';
    else kind = 'complete';
    if (r.isDefault && kind !== 'complete' && kind !== 'func') {
      throw new RegoError('rego_type_error', 'default rules must not have a ref with variables', r.loc);
    }
    // args: rule args must be re-declared per else (done above); the head uses the main scope
    const cr: CompiledRule = {
      kind,
      path: [...m.pkg, ...statics],
      dyn,
      args,
      key,
      value,
      body,
      elses,
      isDefault: r.isDefault,
      loc: r.loc,
      module: m,
      ...(r.annotations ? { annotations: r.annotations } : {}),
    };
    // head safety
    const headVars = new Set<string>();
    for (const t of dyn) shallowTermVars(t, headVars);
    if (key) shallowTermVars(key, headVars);
    if (value) shallowTermVars(value, headVars);
    const boundAfter = new Set(bound);
    // `some x` declares x without binding it
    for (const e of body) if (e.k !== 'some') for (const v of exprVars(e)) boundAfter.add(v);
    for (const v of headVars) {
      if (!boundAfter.has(v) && !v.startsWith('$')) {
        throw new RegoError('rego_unsafe_var_error', `var ${userVarName(v)} is unsafe`, headVarLoc([...dyn, ...(key ? [key] : []), ...(value ? [value] : [])], v) ?? r.loc);
      }
    }
    if (kind === 'func') {
      const k = ['data', ...cr.path].join('.');
      let list = this.funcs.get(k);
      if (!list) this.funcs.set(k, (list = []));
      list.push(cr);
      this.nodeFor(cr.path).addFunc(cr);
    } else {
      const node = this.nodeFor(cr.path);
      if (r.isDefault) node.addDefault(cr);
      else node.rules.push(cr);
    }
  }

  private nodeFor(path: string[]): RuleNode {
    let n = this.root;
    for (let i = 0; i < path.length; i++) n = n.child(path[i]!);
    return n;
  }

  /** The node of a module's package (looked up once per module and compile). */
  private pkgNodes = new Map<Module, RuleNode>();
  private pkgNode(m: Module): RuleNode {
    let n = this.pkgNodes.get(m);
    if (n === undefined) this.pkgNodes.set(m, (n = this.nodeFor(m.pkg)));
    return n;
  }

  /** Resolves names, renames nested locals and reorders the body for safety. */
  compileBody(body: Expr[], scope: Scope, bound: Set<string>, outer: Set<string>, isQuery = false): Expr[] {
    const resolved = body.map((e) => scope.resolveExpr(e));
    // what a `not` evaluates outside its negation, as OPA (negation.ts)
    const rewritten = hoistNegations(resolved, { fresh: (b) => this.fresh(b), isQuery });
    return this.reorder(rewritten, bound, outer, scope);
  }

  reorder(body: Expr[], bound0: Set<string>, outer: Set<string>, scope: Scope): Expr[] {
    const safety = new Safety(outer);
    safety.arityOf = (fn) => this.arityOf(fn);
    const bound = new Set(bound0);
    const remaining = [...body];
    const out: Expr[] = [];
    const varsOf = remaining.map((e) => shallowExprVars(e));
    // how many remaining expressions mention each variable (outside nested bodies)
    const counts = new Map<string, number>();
    for (const vs of varsOf) for (const v of vs) counts.set(v, (counts.get(v) ?? 0) + 1);
    safety.context = { has: (v: string) => (counts.get(v) ?? 0) > 0 };
    while (remaining.length) {
      let picked = -1;
      let outs: Set<string> | null = null;
      for (let i = 0; i < remaining.length; i++) {
        const own = varsOf[i]!;
        // variables of the other remaining expressions
        const siblings = { has: (v: string) => (counts.get(v) ?? 0) - (own.has(v) ? 1 : 0) > 0 };
        outs = safety.exprIO(remaining[i]!, bound, siblings);
        if (outs) {
          picked = i;
          break;
        }
      }
      if (picked < 0) {
        // report a variable that nothing can bind, in the first stuck expression that has one
        const bindable = new Set<string>();
        for (const x of remaining) for (const v of potentialOuts(x)) bindable.add(v);
        let e = remaining[0]!;
        let name: string | undefined;
        for (const x of remaining) {
          name = [...exprVars(x)].find((v) => !bound.has(v) && !bindable.has(v) && !v.startsWith('$'));
          if (name) {
            e = x;
            break;
          }
        }
        name ??= [...exprVars(e)].find((v) => !bound.has(v) && !v.startsWith('$')) ?? [...exprVars(e)].find((v) => !bound.has(v)) ?? '?';
        throw new RegoError('rego_unsafe_var_error', `var ${name.replace(/\$\d+$/, '')} is unsafe`, e.loc);
      }
      const e = remaining.splice(picked, 1)[0]!;
      for (const v of varsOf.splice(picked, 1)[0]!) counts.set(v, counts.get(v)! - 1);
      for (const v of outs!) bound.add(v);
      out.push(e);
      // nested bodies: compile them now that we know what is bound
      this.reorderNested(e, bound, new Set([...outer, ...bound, ...varsOf.flatMap((s) => [...s])]), scope);
    }
    return out;
  }

  /** Reorders comprehension / every / not bodies inside e. */
  /** Comprehensions in a rule head run after the body: order their bodies with its variables bound. */
  private reorderHeadTerms(terms: Term[], bound0: Set<string>, body: Expr[], scope: Scope): void {
    const bound = new Set(bound0);
    for (const e of body) for (const v of exprVars(e)) bound.add(v);
    for (const t of terms) this.reorderNested({ k: 'term', term: t, loc: t.loc }, bound, new Set(bound), scope);
  }

  private reorderNested(e: Expr, bound: Set<string>, outer: Set<string>, scope: Scope): void {
    this.nestedExpr(e, bound, outer, scope);
  }

  // (methods, not closures made per expression: the compiler runs them for every expression)
  private nestedTerm(t: Term, bound: Set<string>, outer: Set<string>, scope: Scope): void {
    switch (t.t) {
      case 'ref':
        for (const x of t.terms) this.nestedTerm(x, bound, outer, scope);
        return;
      case 'array':
      case 'set':
        if (!t.ground) for (const x of t.items) this.nestedTerm(x, bound, outer, scope);
        return;
      case 'object':
        if (t.ground) return;
        for (const [k, v] of t.items) {
          this.nestedTerm(k, bound, outer, scope);
          this.nestedTerm(v, bound, outer, scope);
        }
        return;
      case 'call':
        for (const x of t.args) this.nestedTerm(x, bound, outer, scope);
        return;
      case 'template':
        for (const p of t.parts) if (typeof p !== 'string') this.nestedTerm(p, bound, outer, scope);
        return;
      case 'arraycomp':
      case 'setcomp':
      case 'objcomp': {
        const innerOuter = new Set([...outer, ...bound]);
        t.body = this.reorder(t.body, new Set(bound), innerOuter, scope);
        if (t.t === 'objcomp') {
          this.nestedTerm(t.key, bound, outer, scope);
          this.nestedTerm(t.value, bound, outer, scope);
        } else this.nestedTerm(t.term, bound, outer, scope);
        return;
      }
    }
  }

  private nestedExpr(x: Expr, bound: Set<string>, outer: Set<string>, scope: Scope): void {
    switch (x.k) {
      case 'term':
        this.nestedTerm(x.term, bound, outer, scope);
        break;
      case 'unify':
        this.nestedTerm(x.a, bound, outer, scope);
        this.nestedTerm(x.b, bound, outer, scope);
        break;
      case 'somein':
        this.nestedTerm(x.coll, bound, outer, scope);
        break;
      case 'every': {
        this.nestedTerm(x.coll, bound, outer, scope);
        const b2 = new Set(bound);
        if (x.key) termVars(x.key, b2);
        termVars(x.val, b2);
        x.body = this.reorder(x.body, b2, new Set([...outer, ...b2]), scope);
        break;
      }
      case 'not': {
        // the negated expression runs alone: nested bodies inside it see the same bound set
        this.nestedExpr(x.expr, bound, outer, scope);
        break;
      }
    }
    if (x.withs) for (const w of x.withs) this.nestedTerm(w.value, bound, outer, scope);
  }

  // -------------------------------------------------------------- recursion

  private checkRecursion(): void {
    analyseDependencies(this.root);
  }

  // -------------------------------------------------------------- queries

  /** Compiles a query (no package context, or the given package). */
  compileQuery(body: Expr[], pkg?: Module): Expr[] {
    const m: Module = pkg ?? { file: 'query', pkg: [], pkgLoc: { file: 'query', row: 1, col: 1 }, imports: [], rules: [] };
    const scope = new Scope(null, m, this, true);
    const saved = this.mockedFns;
    this.mockedFns = new Set(saved);
    try {
      const out = this.compileBody(body, scope, new Set(), new Set(), true);
      const errors: RegoError[] = [];
      this.checkUnknownFns(errors);
      errors.push(...checkQueryComprehensionHeads(out));
      if (errors.length) throw errors.length === 1 ? errors[0]! : new RegoErrors(errors);
      if (this.types) throwErrors(this.types.checkQuery(out));
      return out;
    } finally {
      this.mockedFns = saved;
      this.unknownFns = [];
    }
  }

  /** rego.metadata.chain() for a rule: its own entry, then document, package and subpackages scopes. */
  metadataChain(r: CompiledRule): { path: string[]; annotations?: Annotations }[] {
    const out: { path: string[]; annotations?: Annotations }[] = [];
    const own = r.annotations && r.annotations.scope === 'rule' ? r.annotations : undefined;
    out.push(own ? { path: r.path, annotations: own } : { path: r.path });
    let node: RuleNode | undefined = this.root;
    for (const p of r.path) node = node?.children.get(p);
    if (node) {
      for (const x of [...node.rules, ...node.defaults, ...node.funcs]) {
        if (x.annotations?.scope === 'document') {
          out.push({ path: r.path, annotations: x.annotations });
          break;
        }
      }
    }
    const pkg = r.module.pkg;
    for (const m of this.modules) {
      if (m.annotations?.scope === 'package' && m.pkg.join('.') === pkg.join('.')) {
        out.push({ path: pkg, annotations: m.annotations });
        break;
      }
    }
    for (let i = pkg.length; i >= 1; i--) {
      const prefix = pkg.slice(0, i).join('.');
      for (const m of this.modules) {
        if (m.annotations?.scope === 'subpackages' && m.pkg.join('.') === prefix) {
          out.push({ path: pkg.slice(0, i), annotations: m.annotations });
          break;
        }
      }
    }
    return out;
  }

  packageRuleNames(pkg: string[]): Set<string> | undefined {
    return this.pkgRules.get(pkg.join('.'));
  }
}

/** Function args that are not patterns (templates, calls, refs) become `$argN == term` checks. */
function normalizeArgs(r: Rule, names: ScopeHost): Rule {
  if (!r.args || r.args.every(isPattern)) return r;
  const extra: Expr[] = [];
  const args = r.args.map((a) => {
    if (isPattern(a)) return a;
    const v: Term = { t: 'var', name: names.fresh('$arg'), loc: a.loc };
    extra.push({ k: 'unify', a: v, b: a, decl: false, loc: a.loc });
    return v;
  });
  return {
    ...r,
    args,
    dataRule: undefined, // (derived from the rest: asked again)
    body: [...r.body, ...extra],
    elses: r.elses.map((e) => ({ ...e, body: [...e.body, ...extra] })),
  };
}

function isPattern(t: Term): boolean {
  switch (t.t) {
    case 'var':
    case 'scalar':
      return true;
    case 'array':
      return t.items.every(isPattern);
    case 'object':
      return t.items.every(([k, v]) => k.t === 'scalar' && isPattern(v));
    default:
      return false;
  }
}

/** Where a variable of a rule head is written (OPA reports an unsafe head variable there). */
function headVarLoc(terms: Term[], v: string): Location | undefined {
  for (const t of terms) {
    if (t.t === 'var' && t.name === v) return t.loc;
    if (t.t === 'ref' || t.t === 'array' || t.t === 'set' || t.t === 'call') {
      const items = t.t === 'ref' ? t.terms : t.t === 'call' ? t.args : t.items;
      const l = headVarLoc(items, v);
      if (l) return l;
    }
    if (t.t === 'object') {
      const l = headVarLoc(t.items.flat(), v);
      if (l) return l;
    }
  }
  return undefined;
}

/** (shared by every named constant: never changed) */
const NONE: never[] = [];

function staticPrefix(ref: Term[]): string[] {
  const out: string[] = [];
  for (const t of ref) {
    if (t.t === 'scalar' && typeof t.v === 'string') out.push(t.v);
    else break;
  }
  return out;
}
