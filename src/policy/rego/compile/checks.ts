// Whole-program checks that run after every rule is compiled: calls to undefined functions and
// conflicting rule kinds at one path. This is the home for further static checks (the type
// checker): each is a function from the compiled rule tree to a list of errors.
import type { Expr, Import, Module, Rule, Term } from '../ast/types.js';
import { bodyVars, exprVars, importPath, isDataRule, shallowTermVars, termVars } from '../ast/vars.js';
import { visitBody, visitTerm } from '../ast/visit.js';
import { builtinArity } from '../builtins/decls.js';
import { RegoError, RegoErrors, type Location } from '../errors.js';
import type { CompiledRule, RuleNode } from './ir.js';
import { builtinType, DEPRECATED_BUILTINS, userVarName } from './typecheck.js';
import { argsString } from './types.js';

/** Calls to functions that are neither builtins nor rules, unless some `with` replaces them. */
export function checkUnknownFns(unknown: readonly { op: string; loc: Location }[], mocked: ReadonlySet<string>, errors: RegoError[]): void {
  for (const u of unknown) {
    if (mocked.has(u.op)) continue;
    // deprecated builtins are declared: the type checker reports them, in OPA's later stage
    if (!DEPRECATED_BUILTINS.has(u.op)) errors.push(new RegoError('rego_type_error', `undefined function ${u.op}`, u.loc));
  }
}

/** A call with the wrong number of arguments, in OPA's words (builtins show their declaration). */
export function arityError(fn: string, arity: number, got: number, loc: Location): RegoError {
  const sig = fn.startsWith('data.') ? undefined : builtinType(fn);
  if (sig) return new RegoError('rego_type_error', `${fn}: arity mismatch\n\twant: ${argsString(sig, false)}`, loc);
  return new RegoError('rego_type_error', `function ${fn} has arity ${arity}, got ${got} argument${got === 1 ? '' : 's'}`, loc);
}

/** Rules of different kinds at one path, several defaults, functions mixed with values. */
export function checkConflicts(n: RuleNode, errors: RegoError[]): void {
  const one = n.rules.length + n.defaults.length + n.funcs.length === 1 && !(n.funcs.length && n.funcs[0]!.isDefault);
  if (!one && (n.rules.length || n.defaults.length || n.funcs.length)) {
    const name = 'data.' + n.path.join('.');
    const kinds = new Set<string>(n.rules.map((r) => (r.kind === 'set' && r.dyn.length ? 'object' : r.kind)));
    for (const d of n.defaults) kinds.add(d.kind);
    const valueKinds = [...kinds];
    if (valueKinds.length > 1 || (valueKinds.length && n.funcs.some((f) => !f.isDefault))) {
      // at the first rule in source order, as OPA
      const r = [...n.rules, ...n.defaults, ...n.funcs].sort((a, b) => compareLoc(a.loc, b.loc))[0]!;
      errors.push(new RegoError('rego_type_error', `conflicting rules ${name} found`, r.loc));
    }
    const defaults = [...n.defaults, ...n.funcs.filter((f) => f.isDefault)].sort((a, b) => compareLoc(a.loc, b.loc));
    if (defaults.length > 1) {
      // OPA reports it at the package of the first one, listing them all
      const at = defaults.map((d) => `${d.loc.file}:${d.loc.row}`).join(', ');
      errors.push(new RegoError('rego_type_error', `multiple default rules ${name} found at ${at}`, defaults[0]!.module.pkgLoc));
    }
    const arities = new Set(n.funcs.map((f) => f.args!.length));
    if (arities.size > 1) errors.push(new RegoError('rego_type_error', `conflicting rules ${name} found`, n.funcs[0]!.loc));
  }
  for (const c of n.children.values()) checkConflicts(c, errors);
}

// ---------------------------------------------------------------- module checks (before compiling rules)
//
// What OPA's parser and first compiler stages reject in a v1 module, checked on the syntax tree:
//   parse errors (rego_parse_error): import paths that start elsewhere than data/input/future/rego,
//     unknown future keywords, `default` values or arguments that are not constants, `else` on
//     multi-value rules and on rules with variables in their head;
//   compile errors (rego_compile_error): rules, arguments and `:=` targets named input or data,
//     imports that shadow one another, `:=` whose left side is no variable/array/object pattern,
//     `:=` inside `not`, variables declared with `some`/`every` and never used.

export interface ModuleCheckResult {
  /** parse errors: the module would not have parsed in OPA */
  parse: RegoError[];
  /** compile errors after which OPA goes on compiling (reported together with later errors) */
  recoverable: RegoError[];
  /** compile errors that stop OPA's compiler before its later stages */
  fatal: RegoError[];
  /** functions and other rules at one path (OPA's conflict stage, before safety) */
  conflicts?: RegoError[];
}

/**
 * Calls with the wrong number of arguments, found on the syntax tree so that they are reported
 * before any safety error, as OPA's stage order has it (scope.ts finds the same while resolving).
 */
function checkArities(modules: readonly Module[], byPath: RulesByPath): RegoError[] {
  // the arity of the last function at a path; 0 for a path of rules that are no functions
  const arityAt = (k: string): number | undefined => {
    const at = byPath.get(k);
    if (at === undefined) return undefined;
    if (!Array.isArray(at)) return at.args ? at.args.length : 0;
    for (let i = at.length - 1; i >= 0; i--) if (at[i]!.args) return at[i]!.args!.length;
    return 0;
  };
  const out: RegoError[] = [];
  for (const m of modules) {
    if (m.rules.every(isDataRule)) continue; // named constants call nothing
    const aliases = new Map<string, string[]>();
    for (const imp of m.imports) {
      const p = importPath(imp.path);
      if (p && (p[0] === 'data' || p[0] === 'input')) aliases.set(imp.alias ?? p[p.length - 1]!, p);
    }
    // (made when a call first needs it: the calls of generated modules are internal ones only)
    let ruleNames: Set<string> | undefined;
    // functions some `with` replaces may be undefined (resolution reports those, if at all)
    const mocked = new Set<string>();
    for (const r of m.rules) {
      if (isDataRule(r)) continue;
      visitBody([...r.body, ...r.elses.flatMap((e) => e.body)], {
        expr: (e) => {
          for (const w of e.withs ?? []) {
            const p = importPath(w.target);
            if (p) mocked.add(p.join('.'));
          }
        },
      });
    }
    const resolve = (op: string): string => {
      const parts = op.split('.');
      if (parts[0] === 'data') return op;
      const a = aliases.get(parts[0]!);
      if (a) return [...a, ...parts.slice(1)].join('.');
      ruleNames ??= new Set(m.rules.map((r) => String((r.ref[0] as { v: unknown }).v)));
      if (ruleNames.has(parts[0]!)) return ['data', ...m.pkg, ...parts].join('.');
      return op;
    };
    const check = (t: Term, top: boolean): void => {
      if (t.t !== 'call') return;
      if (t.op === 'print' || t.op.startsWith('internal.')) return;
      const fn = resolve(t.op);
      // a rule that is no function has arity 0 for OPA (`f()` passes here, the type checker rejects it)
      const arity = arityAt(fn) ?? (fn.startsWith('data.') ? undefined : declaredArity(fn));
      if (arity !== undefined && arity >= 0 && t.args.length !== arity && !(top && t.args.length === arity + 1)) {
        out.push(arityError(fn, arity, t.args.length, t.loc));
      } else if (arity === undefined && !mocked.has(t.op) && !mocked.has(fn)) {
        out.push(new RegoError('rego_type_error', `undefined function ${fn}`, t.loc));
      }
    };
    const visitor = {
      expr: (e: Expr): boolean => {
        const inner = e.k === 'not' ? e.expr : e;
        if (inner.k === 'term' && inner.term.t === 'call') {
          check(inner.term, true);
          for (const a of inner.term.args) visitTerm(a, visitor);
          for (const w of inner.withs ?? []) visitTerm(w.value, visitor);
          return false;
        }
        return true;
      },
      term: (t: Term): boolean => {
        check(t, false);
        return true;
      },
    };
    for (const r of m.rules) {
      if (isDataRule(r)) continue;
      for (const body of [r.body, ...r.elses.map((e) => e.body)]) visitBody(body, visitor);
      for (const t of headTerms(r)) visitTerm(t, visitor);
    }
  }
  return out;
}

/** A rule's kind as checkFunctionConflicts compares them ("func/<arity>" for functions). */
function ruleKind(r: Rule): string {
  let statics = 0;
  while (statics < r.ref.length && r.ref[statics]!.t === 'scalar' && typeof (r.ref[statics] as { v: unknown }).v === 'string') statics++;
  const dyn = r.ref.length > statics;
  return r.args ? `func/${r.args.length}` : r.contains ? (dyn ? 'object' : 'set') : dyn ? 'object' : 'complete';
}

/** "data.<package>.<static part of the rule's ref>" (pre: "data.<package>"). */
function staticRuleKey(pre: string, r: Rule): string {
  let k = pre;
  for (const t of r.ref) {
    if (t.t === 'scalar' && typeof t.v === 'string') k += '.' + t.v;
    else break;
  }
  return k;
}

/** Arity of a builtin OPA declares (ours, or one we lack such as the deprecated `any`), -1 variadic. */
function declaredArity(name: string): number | undefined {
  const a = builtinArity(name);
  if (a !== undefined) return a;
  const sig = builtinType(name);
  return sig ? (sig.variadic ? -1 : sig.args.length) : undefined;
}

/**
 * Rules of different kinds at one path (a function and a value, a single value and a set, different
 * arities): "conflicting rules data.p.f found" at the first one. Checked on the syntax tree, so that a
 * rule that fails to compile still conflicts, as in OPA (checkConflicts sees compiled rules only).
 */
/** The rules at each static path "data.<package>.<ref prefix>" (one rule, the common case, as itself: no list). */
type RulesByPath = Map<string, Rule | Rule[]>;

function rulesByPath(modules: readonly Module[]): RulesByPath {
  const byPath: RulesByPath = new Map();
  for (const m of modules) {
    const pre = m.pkg.length ? 'data.' + m.pkg.join('.') : 'data';
    for (const r of m.rules) {
      const k = staticRuleKey(pre, r);
      const prev = byPath.get(k);
      if (prev === undefined) byPath.set(k, r);
      else if (Array.isArray(prev)) prev.push(r);
      else byPath.set(k, [prev, r]);
    }
  }
  return byPath;
}

function checkFunctionConflicts(byPath: RulesByPath): RegoError[] {
  const out: RegoError[] = [];
  for (const [k, list] of byPath) {
    if (!Array.isArray(list)) continue;
    const kinds = new Set(list.map(ruleKind));
    const funcs = [...kinds].filter((x) => x.startsWith('func/'));
    const values = [...kinds].filter((x) => !x.startsWith('func/'));
    if (funcs.length > 1 || values.length > 1 || (funcs.length && values.length)) {
      out.push(new RegoError('rego_type_error', `conflicting rules ${k} found`, list[0]!.loc));
    }
  }
  return out;
}

const IMPORT_ROOTS = new Set(['data', 'input', 'future', 'rego']);
const FUTURE_KEYWORDS = ['and', 'contains', 'every', 'if', 'in', 'not', 'or'];
const ROOT_DOCS = new Set(['input', 'data']);

/** OPA's name for the kind of a term (ValueName). */
export function termKindName(t: Term): string {
  switch (t.t) {
    case 'scalar': {
      const v = t.v;
      if (v === null) return 'null';
      if (typeof v === 'string') return 'string';
      if (typeof v === 'boolean') return 'boolean';
      return 'number';
    }
    case 'var':
      return 'var';
    case 'ref':
      return 'ref';
    case 'call':
      return 'call';
    case 'array':
      return 'array';
    case 'object':
      return 'object';
    case 'set':
      return 'set';
    case 'arraycomp':
      return 'arraycomprehension';
    case 'setcomp':
      return 'setcomprehension';
    case 'objcomp':
      return 'objectcomprehension';
    case 'template':
      return 'templatestring';
  }
}

function importString(imp: Import): string {
  const p = importPath(imp.path);
  return `import ${p ? p.join('.') : '?'}${imp.alias ? ` as ${imp.alias}` : ''}`;
}

export function checkModules(modules: readonly Module[]): ModuleCheckResult {
  const out: ModuleCheckResult = { parse: [], recoverable: [], fatal: [] };
  for (const m of modules) {
    checkImports(m, out);
    for (const r of m.rules) checkRuleShape(r, out);
    for (const r of m.rules) {
      const name = r.ref[0]!.t === 'scalar' ? String(r.ref[0]!.v) : '';
      // OPA goes on after this one, but every later stage then trips over the shadowed document
      if (ROOT_DOCS.has(name)) out.fatal.push(new RegoError('rego_compile_error', `rules must not shadow ${name} (use a different rule name)`, r.loc));
      if (isDataRule(r)) continue; // a named constant: nothing else to check
      for (const a of r.args ?? []) {
        if (a.t === 'var' && ROOT_DOCS.has(a.name)) {
          // OPA reports it and compiles no further
          out.fatal.push(new RegoError('rego_compile_error', `args must not shadow ${a.name} (use a different variable name)`, r.loc));
        }
      }
      const inHead = new Set<string>();
      for (const t of headTerms(r)) termVars(t, inHead);
      for (const body of [r.body, ...r.elses.map((e) => e.body)]) checkBody(body, out, inHead);
      exprChecks = out;
      for (const t of headTerms(r)) visitTerm(t, EXPR_CHECKER);
    }
  }
  if (!out.fatal.length) out.fatal.push(...checkDeclarations(modules));
  const byPath = rulesByPath(modules);
  out.conflicts = [...checkFunctionConflicts(byPath), ...checkArities(modules, byPath)];
  return out;
}

function headTerms(r: Rule): Term[] {
  return [...r.ref.slice(1), ...(r.key ? [r.key] : []), ...(r.value ? [r.value] : []), ...r.elses.flatMap((e) => (e.value ? [e.value] : []))];
}

function checkImports(m: Module, out: ModuleCheckResult): void {
  const seen = new Map<string, Import>();
  for (const imp of m.imports) {
    const p = importPath(imp.path);
    if (!p) continue;
    if (!IMPORT_ROOTS.has(p[0]!)) {
      out.parse.push(
        new RegoError(
          'rego_parse_error',
          `unexpected import path, must begin with one of: {data, future, input, rego}, got: ${p[0]} (hint: if this is unexpected, try updating OPA)`,
          imp.path.loc,
        ),
      );
      continue;
    }
    if (p[0] === 'future' && (p[1] !== 'keywords' || (p.length > 2 && !FUTURE_KEYWORDS.includes(p[2]!)) || p.length > 3)) {
      out.parse.push(new RegoError('rego_parse_error', `unexpected keyword, must be one of [${FUTURE_KEYWORDS.join(' ')}]`, imp.path.loc));
      continue;
    }
    const name = imp.alias ?? p[p.length - 1]!;
    const prev = seen.get(name);
    if (prev) out.recoverable.push(new RegoError('rego_compile_error', `import must not shadow ${importString(prev)}`, imp.loc));
    else seen.set(name, imp);
  }
}

function checkRuleShape(r: Rule, out: ModuleCheckResult): void {
  if (r.isDefault) {
    if (r.value) {
      let bad: Term | undefined;
      visitTerm(r.value, {
        term: (t) => {
          if (bad) return false;
          if (t.t === 'arraycomp' || t.t === 'setcomp' || t.t === 'objcomp') return false;
          if (t.t === 'ref' || t.t === 'var' || t.t === 'call') {
            bad = t;
            return false;
          }
          return true;
        },
      });
      if (bad) out.parse.push(new RegoError('rego_parse_error', `illegal default rule (value cannot contain ${termKindName(bad)})`, r.loc));
    }
    const vars = new Set<string>();
    for (const a of r.args ?? []) {
      if (a.t !== 'var') {
        out.parse.push(new RegoError('rego_parse_error', `illegal default rule (arguments cannot contain ${termKindName(a)})`, r.loc));
        break;
      }
      if (vars.has(a.name) && !a.name.startsWith('$')) {
        out.parse.push(new RegoError('rego_parse_error', `illegal default rule (arguments cannot be repeated ${a.name})`, r.loc));
        break;
      }
      vars.add(a.name);
    }
  }
  if (r.elses.length && !r.args) {
    if (r.contains) out.parse.push(new RegoError('rego_parse_error', 'else keyword cannot be used on multi-value rules', r.elses[0]!.loc));
    else if (r.ref.slice(1).some((t) => t.t !== 'scalar')) {
      out.parse.push(new RegoError('rego_parse_error', 'else keyword cannot be used on rules with variables in head', r.elses[0]!.loc));
    }
  }
}

/** Checks the expressions of a body (and of every body nested in it). */
// (one visitor for every body and head term, the result it writes to in a variable: no closures made
// per rule)
let exprChecks: ModuleCheckResult | undefined;
const EXPR_CHECKER = { expr: (e: Expr): void => void checkExpr(e, exprChecks!) };

function checkBody(body: readonly Expr[], out: ModuleCheckResult, usedOutside: ReadonlySet<string> = new Set()): void {
  exprChecks = out;
  visitBody(body, EXPR_CHECKER);
  checkUnusedDeclared(body, out, usedOutside);
}

function checkExpr(e: Expr, out: ModuleCheckResult): void {
  if (e.k === 'not' && e.expr.k === 'unify' && e.expr.decl) {
    out.fatal.push(new RegoError('rego_compile_error', 'cannot assign vars inside negated expression', e.loc));
  }
  if (e.k === 'unify' && e.decl) {
    if (e.a.t === 'var' && ROOT_DOCS.has(e.a.name)) {
      out.recoverable.push(new RegoError('rego_compile_error', `variables must not shadow ${e.a.name} (use a different variable name)`, e.loc));
    } else checkAssignTarget(e.a, out);
  }
  // nested bodies (comprehensions, every) get their own unused-declaration check
  visitExprTerms(e, (t) => {
    if (t.t === 'arraycomp' || t.t === 'setcomp' || t.t === 'objcomp') checkUnusedDeclared(t.body, out);
  });
  if (e.k === 'every') checkUnusedEvery(e, out);
}

function visitExprTerms(e: Expr, f: (t: Term) => void): void {
  const terms: Term[] = [];
  switch (e.k) {
    case 'term':
      terms.push(e.term);
      break;
    case 'unify':
      terms.push(e.a, e.b);
      break;
    case 'somein':
      terms.push(e.coll);
      break;
    case 'every':
      terms.push(e.coll);
      break;
    default:
      break;
  }
  for (const t of terms) {
    visitTerm(t, {
      term: (x) => {
        f(x);
        return !(x.t === 'arraycomp' || x.t === 'setcomp' || x.t === 'objcomp');
      },
    });
  }
}

/** The left side of `:=`: variables, and arrays/objects of them (object values only); OPA's message otherwise. */
function checkAssignTarget(t: Term, out: ModuleCheckResult): void {
  switch (t.t) {
    case 'var':
      return;
    case 'array':
      for (const x of t.items) checkAssignTarget(x, out);
      return;
    case 'object':
      for (const [, v] of t.items) checkAssignTarget(v, out);
      return;
    case 'ref': {
      const h = t.terms[0]!;
      if (t.terms.length === 1 && h.t === 'var' && ROOT_DOCS.has(h.name)) return;
      break;
    }
    default:
      break;
  }
  out.fatal.push(new RegoError('rego_compile_error', `cannot assign to ${termKindName(t)}`, t.loc));
}

/** Variables a body uses, not counting comprehensions that declare a variable of that name anew. */
function usedVars(body: readonly Expr[]): Set<string> {
  const out = new Set<string>();
  const declaredIn = (b: readonly Expr[]): Set<string> => {
    const d = new Set<string>();
    for (const e of b) {
      if (e.k === 'unify' && e.decl) termVars(e.a, d);
      if (e.k === 'some') for (const v of e.vars) termVars(v, d);
      if (e.k === 'somein') {
        if (e.key) termVars(e.key, d);
        termVars(e.val, d);
      }
    }
    return d;
  };
  const visit = (b: readonly Expr[], hidden: ReadonlySet<string>): void => {
    const visitor = {
      term: (t: Term): boolean => {
        if (t.t === 'var' && !hidden.has(t.name)) out.add(t.name);
        if (t.t === 'arraycomp' || t.t === 'setcomp' || t.t === 'objcomp') {
          const h = new Set([...hidden, ...declaredIn(t.body)]);
          visit(t.body, h);
          for (const x of t.t === 'objcomp' ? [t.key, t.value] : [t.term]) visitTerm(x, { term: (y) => void (y.t === 'var' && !h.has(y.name) && out.add(y.name)) });
          return false;
        }
        return true;
      },
    };
    visitBody(b, visitor);
  };
  visit(body, new Set());
  return out;
}

/** Vars of `some x, y` that nothing else in the body mentions. */
function checkUnusedDeclared(body: readonly Expr[], out: ModuleCheckResult, usedOutside: ReadonlySet<string> = new Set()): void {
  body.forEach((e, i) => {
    if (e.k !== 'some') return;
    const others = new Set<string>(usedOutside);
    for (const v of usedVars(body.filter((_, j) => j !== i))) others.add(v);
    for (const v of e.vars) {
      if (v.t === 'var' && !v.name.startsWith('$') && !others.has(v.name)) {
        out.recoverable.push(new RegoError('rego_compile_error', `declared var ${v.name} unused`, e.loc));
      }
    }
  });
}

function checkUnusedEvery(e: Extract<Expr, { k: 'every' }>, out: ModuleCheckResult): void {
  checkUnusedDeclared(e.body, out);
  const used = usedVars(e.body);
  for (const t of [e.key, e.val]) {
    if (t?.t === 'var' && !t.name.startsWith('$') && !used.has(t.name)) {
      out.recoverable.push(new RegoError('rego_compile_error', `declared var ${t.name} unused`, e.body[0]?.loc ?? e.loc));
    }
  }
}

// ---------------------------------------------------------------- after compiling rules

type Comprehension = Extract<Term, { t: 'arraycomp' | 'setcomp' | 'objcomp' }>;

/**
 * Variables in the head of a comprehension (`[x | body]`) that neither its body nor the enclosing
 * bodies bind: OPA's "var x is unsafe". (Compiled names are unique per rule, so a name bound
 * anywhere in an enclosing body is bound before the comprehension runs.)
 */
export function checkComprehensionHeads(rules: Iterable<CompiledRule>): RegoError[] {
  const errors: RegoError[] = [];
  for (const r of rules) {
    if (r.data) continue;
    const outer = new Set<string>();
    for (const a of r.args ?? []) termVars(a, outer);
    bodyVars(r.body, outer);
    for (const e of r.elses) bodyVars(e.body, outer);
    const terms = [...r.dyn, ...(r.key ? [r.key] : []), ...(r.value ? [r.value] : []), ...r.elses.flatMap((e) => (e.value ? [e.value] : []))];
    checkComprehensionsIn([...r.body, ...r.elses.flatMap((e) => e.body)], terms, outer, errors);
  }
  return errors;
}

/** The same check for a compiled query body. */
export function checkQueryComprehensionHeads(body: Expr[]): RegoError[] {
  const errors: RegoError[] = [];
  checkComprehensionsIn(body, [], bodyVars(body), errors);
  return errors;
}

function checkComprehensionsIn(body: readonly Expr[], terms: readonly Term[], outer: ReadonlySet<string>, errors: RegoError[]): void {
  const visitor = {
    term: (t: Term): boolean => {
      if (t.t !== 'arraycomp' && t.t !== 'setcomp' && t.t !== 'objcomp') return true;
      checkComprehension(t, outer, errors);
      return false;
    },
  };
  visitBody(body, visitor);
  for (const t of terms) visitTerm(t, visitor);
}

function checkComprehension(c: Comprehension, outer: ReadonlySet<string>, errors: RegoError[]): void {
  const bound = new Set(outer);
  bodyVars(c.body, bound);
  const head = new Set<string>();
  for (const t of c.t === 'objcomp' ? [c.key, c.value] : [c.term]) shallowTermVars(t, head);
  for (const v of head) {
    if (!bound.has(v) && !v.startsWith('$') && v !== 'input' && v !== 'data') {
      errors.push(new RegoError('rego_unsafe_var_error', `var ${userVarName(v)} is unsafe`, c.loc));
      return;
    }
  }
  checkComprehensionsIn(c.body, c.t === 'objcomp' ? [c.key, c.value] : [c.term], bound, errors);
}

/**
 * OPA's compiler runs in stages and stops after the first one that fails: of the errors found
 * while compiling rules, keep those of the earliest stage (local variables, then conflicts and
 * undefined functions, then safety, then recursion). Recoverable module errors always stay.
 */
export function firstStage(recoverable: readonly RegoError[], errors: readonly RegoError[]): RegoError[] {
  const rank = (e: RegoError): number =>
    e.code === 'rego_parse_error' ? 0 : e.code === 'rego_compile_error' ? 1 : e.code === 'rego_type_error' ? 2 : e.code === 'rego_unsafe_var_error' ? 3 : 4;
  const min = Math.min(...errors.map(rank));
  return sortByLocation([...recoverable, ...errors.filter((e) => rank(e) === min)]);
}

function compareLoc(x: Location, y: Location): number {
  if (x.file !== y.file) return x.file < y.file ? -1 : 1;
  return x.row - y.row || x.col - y.col;
}

export function sortByLocation(errs: readonly RegoError[]): RegoError[] {
  return [...errs].sort((a, b) => {
    const x = a.location;
    const y = b.location;
    if (!x || !y) return 0;
    if (x.file !== y.file) return x.file < y.file ? -1 : 1;
    return x.row - y.row || x.col - y.col;
  });
}

/** Throws the errors (one RegoError, or RegoErrors for several). */
export function throwErrors(errs: readonly RegoError[]): void {
  if (errs.length === 1) throw errs[0]!;
  if (errs.length > 1) throw new RegoErrors([...errs]);
}

/** Every compiled rule below a node (values, defaults, functions). */
export function allRules(root: RuleNode): CompiledRule[] {
  const out: CompiledRule[] = [];
  const walk = (n: RuleNode): void => {
    out.push(...n.defaults, ...n.rules, ...n.funcs);
    for (const c of n.children.values()) walk(c);
  };
  walk(root);
  return out;
}

/** Static paths under data that some `with` replaces (their rules' empty collections are typed loosely). */
export function replacedPaths(rules: readonly CompiledRule[]): Set<string> {
  const out = new Set<string>();
  const visitor = {
    expr: (e: Expr): boolean => {
      for (const w of e.withs ?? []) {
        if (w.fn?.startsWith('data.')) out.add(w.fn);
        else if (w.path?.[0] === 'data') out.add(w.path.join('.'));
      }
      return true;
    },
  };
  for (const r of rules) {
    if (r.data) continue;
    visitBody(r.body, visitor);
    for (const e of r.elses) visitBody(e.body, visitor);
  }
  return out;
}

// ---------------------------------------------------------------- local variable declarations
//
// OPA's rewriteLocalVars: in one body, a variable may be declared (`:=`, `some`, `every`) only if
// it did not occur there before: "var x referenced above", "var x assigned above", "var x declared
// above", "arg x redeclared"; `some x in xs` must not mention x in xs ("var x assigned before").
// Comprehensions and `every` open a body of their own.

type Occurrence = 'seen' | 'assigned' | 'declared' | 'arg';

class DeclStack {
  private frames: Map<string, Occurrence>[] = [new Map()];
  /** names that OPA resolves to a document before this check: rules of the package, imports */
  constructor(
    private errors: RegoError[],
    private docs: ReadonlyMap<string, string> = new Map(),
  ) {}
  push(): void {
    this.frames.push(new Map());
  }
  pop(): void {
    this.frames.pop();
  }
  private get top(): Map<string, Occurrence> {
    return this.frames[this.frames.length - 1]!;
  }
  error(msg: string, loc: Location): void {
    this.errors.push(new RegoError('rego_compile_error', msg, loc));
  }
  declare(name: string, occ: Occurrence, loc: Location): void {
    if (name.startsWith('$')) return;
    const prev = this.top.get(name);
    if (prev) {
      const msg = prev === 'seen' ? `var ${name} referenced above` : prev === 'arg' ? `arg ${name} redeclared` : `var ${name} ${prev} above`;
      this.errors.push(new RegoError('rego_compile_error', msg, loc));
      return;
    }
    this.top.set(name, occ);
  }
  private declared(name: string): boolean {
    return this.frames.some((f) => {
      const o = f.get(name);
      return o !== undefined && o !== 'seen';
    });
  }
  see(name: string): void {
    if (name.startsWith('$') || this.declared(name)) return;
    const doc = this.docs.get(name);
    if (doc !== undefined) name = doc;
    if (!this.top.has(name)) this.top.set(name, 'seen');
  }
}

/** Local variable declarations of every rule, as OPA checks them (fatal compile errors). */
export function checkDeclarations(modules: readonly Module[]): RegoError[] {
  const errors: RegoError[] = [];
  for (const m of modules) {
    if (m.rules.every(isDataRule)) continue; // named constants declare nothing
    const docs = new Map<string, string>();
    for (const r of m.rules) docs.set(String((r.ref[0] as { v: unknown }).v), 'data');
    for (const imp of m.imports) {
      const p = importPath(imp.path);
      if (p && (p[0] === 'data' || p[0] === 'input')) docs.set(imp.alias ?? p[p.length - 1]!, p[0]);
    }
    for (const r of m.rules) {
      if (isDataRule(r)) continue;
      for (const body of [r.body, ...r.elses.map((e) => e.body)]) {
        const s = new DeclStack(errors, docs);
        for (const a of r.args ?? []) for (const v of termVars(a)) s.declare(v, 'arg', a.loc);
        declBody(s, body);
        for (const t of headTerms(r)) declTerm(s, t);
      }
    }
  }
  return errors;
}

function declBody(s: DeclStack, body: readonly Expr[]): void {
  for (const e of body) declExpr(s, e);
}

function declExpr(s: DeclStack, e: Expr): void {
  switch (e.k) {
    case 'unify':
      if (e.decl) {
        declTerm(s, e.b);
        for (const w of e.withs ?? []) declTerm(s, w.value);
        declPattern(s, e.a);
        return;
      }
      declTerm(s, e.a);
      declTerm(s, e.b);
      break;
    case 'some':
      for (const v of e.vars) if (v.t === 'var') s.declare(v.name, 'declared', e.loc);
      return;
    case 'somein': {
      const bound = new Set<string>();
      for (const t of e.key ? [e.key, e.val] : [e.val]) shallowTermVars(t, bound);
      const domain = shallowTermVars(e.coll);
      const clash = [...bound].filter((v) => domain.has(v) && !v.startsWith('$')).sort();
      if (clash.length) {
        s.error(`var ${clash[0]} assigned before`, e.loc);
        return;
      }
      declTerm(s, e.coll);
      // variables the collection mentions (comprehensions included) are inputs, not declared here
      const inColl = termVars(e.coll);
      for (const v of [...bound].sort()) if (!inColl.has(v)) s.declare(v, 'declared', e.loc);
      break;
    }
    case 'every':
      declTerm(s, e.coll);
      s.push();
      for (const t of e.key ? [e.key, e.val] : [e.val]) if (t.t === 'var') s.declare(t.name, 'declared', e.loc);
      declBody(s, e.body);
      s.pop();
      break;
    case 'not':
      if (!(e.expr.k === 'unify' && e.expr.decl)) declExpr(s, e.expr);
      return;
    case 'term':
      declTerm(s, e.term);
      break;
  }
  for (const w of e.withs ?? []) declTerm(s, w.value);
}

function declPattern(s: DeclStack, t: Term): void {
  switch (t.t) {
    case 'var':
      s.declare(t.name, 'assigned', t.loc);
      return;
    case 'array':
      for (const x of t.items) declPattern(s, x);
      return;
    case 'object':
      for (const [, v] of t.items) declPattern(s, v);
      return;
    default:
      return;
  }
}

function declTerm(s: DeclStack, t: Term): void {
  switch (t.t) {
    case 'var':
      s.see(t.name);
      return;
    case 'ref': {
      const h = t.terms[0]!;
      if (t.terms.length === 1 && h.t === 'var' && (h.name === 'input' || h.name === 'data')) return;
      for (const x of t.terms) declTerm(s, x);
      return;
    }
    case 'array':
    case 'set':
      if (!t.ground) for (const x of t.items) declTerm(s, x);
      return;
    case 'object':
      if (t.ground) return;
      for (const [k, v] of t.items) {
        declTerm(s, k);
        declTerm(s, v);
      }
      return;
    case 'call': {
      const head = t.op.split('.')[0]!;
      if (head === 'data' || !builtinArity(t.op)) s.see(head);
      for (const a of t.args) declTerm(s, a);
      return;
    }
    case 'template':
      for (const p of t.parts) if (typeof p !== 'string') declTerm(s, p);
      return;
    case 'arraycomp':
    case 'setcomp':
      s.push();
      declBody(s, t.body);
      declTerm(s, t.term);
      s.pop();
      return;
    case 'objcomp':
      s.push();
      declBody(s, t.body);
      declTerm(s, t.key);
      declTerm(s, t.value);
      s.pop();
      return;
    default:
      return;
  }
}
