// The static type checker: OPA's compile stage "CheckTypes" (ast/check.go) reproduced over our
// compiled IR. Rules are typed in dependency order (a rule is typed the first time something refers
// to it); each body is checked expression by expression, inferring the types of variables:
//   - calls: argument count and argument types against the builtin declarations (decls.ts
//     BUILTIN_TYPES) or the inferred type of a user function ("invalid argument(s)", "too many
//     arguments"); a call nested in a term must have exactly its arity, a top-level one may add an
//     output argument;
//   - `=` / `:=`: both sides must be able to hold the same value ("match error");
//   - refs: into a rule whose type is known, a key the type cannot have ("undefined ref"), a scalar
//     dereferenced, a function used as a value ("function … used as reference, not called");
//   - `x in xs`, `some x in xs`: x must be able to occur in xs.
// Where OPA cannot know a type (input, base documents, `with`), nothing is reported. Every error is
// a RegoError rego_type_error at the expression's file:row:col, with OPA's message and details.
import type { Expr, Term } from '../ast/types.js';
import { BUILTIN_TYPES } from '../builtins/decls.js';
import { RegoError, type Location } from '../errors.js';
import { key as valueKey, type Value } from '../value.js';
import type { CompiledRule, RuleNode } from './ir.js';
import {
  A,
  anyOf,
  argsString,
  arr,
  B,
  isEmptyCollection,
  isNil,
  keys as keysOf,
  N,
  NUL,
  obj,
  objOfItems,
  or,
  parseSignature,
  S,
  select,
  set,
  typeString,
  unifies,
  values as valuesOf,
  type FuncType,
  type Prop,
  type Type,
} from './types.js';

// ---------------------------------------------------------------- builtin signatures

/** Builtins that Rego v1 no longer has (OPA still declares them, to say so). */
export const DEPRECATED_BUILTINS: ReadonlySet<string> = new Set([
  'all', 'any', 'cast_array', 'cast_boolean', 'cast_null', 'cast_object', 'cast_set', 'cast_string', 'net.cidr_overlap', 're_match', 'set_diff',
]);

const SIGS = new Map<string, FuncType | null>();

/** OPA's declared type of a builtin (undefined when it has none). */
export function builtinType(name: string): FuncType | undefined {
  let f = SIGS.get(name);
  if (f === undefined) {
    const src = BUILTIN_TYPES[name];
    f = src ? parseSignature(src) : null;
    SIGS.set(name, f);
  }
  return f ?? undefined;
}

// ---------------------------------------------------------------- type tree of data

/** Bumped whenever a type enters the tree (extent caches are valid for one version). */
let treeVersion = 0;

class TNode {
  value: Type | undefined;
  children = new Map<string, { key: Value; node: TNode }>();
  /** extent(this) as of treeVersion ev */
  ext: Type | undefined;
  ev = -1;
  child(k: Value): TNode | undefined {
    return this.children.get(typeof k === 'string' ? 's' + k : valueKey(k))?.node;
  }
  ensure(k: Value): TNode {
    const kk = typeof k === 'string' ? 's' + k : valueKey(k);
    let c = this.children.get(kk);
    if (!c) this.children.set(kk, (c = { key: k, node: new TNode() }));
    return c.node;
  }
  get leaf(): boolean {
    return this.value !== undefined;
  }
}

/** The type of a package-like node: its children as static properties, any other string key. */
function extent(n: TNode): Type {
  if (n.leaf) return n.value!;
  if (n.ev === treeVersion) return n.ext!;
  const props: Prop[] = [];
  for (const { key, node } of n.children.values()) {
    if (typeof key === 'string' || typeof key === 'number' || typeof key === 'boolean') props.push({ key, value: extent(node) });
  }
  n.ext = obj(props, { key: S, value: A });
  n.ev = treeVersion;
  return n.ext;
}

function mergeTypes(a: Type | undefined, b: Type | undefined): Type | undefined {
  if (!a) return b;
  if (!b) return a;
  if (a.k === 'object' && b.k === 'object' && a.static.length === 0 && b.static.length === 0) {
    if (!a.dynamic) return b;
    if (!b.dynamic) return a;
    return obj([], { key: or(a.dynamic.key, b.dynamic.key), value: mergeTypes(a.dynamic.value, b.dynamic.value) });
  }
  if (a.k === 'set' && b.k === 'set') return set(or(a.of, b.of));
  if (a.k === 'any' && b.k !== 'any') return mergeTypes(b, a);
  return or(a, b);
}

function relaxEmpty(t: Type | undefined): Type | undefined {
  if (!t) return t;
  if (isEmptyCollection(t)) return A;
  switch (t.k) {
    case 'object':
      return obj(
        t.static.map((p) => ({ key: p.key, value: relaxEmpty(p.value) })),
        t.dynamic ? { key: t.dynamic.key, value: relaxEmpty(t.dynamic.value) } : undefined,
      );
    case 'array':
      return arr(t.static.map(relaxEmpty), relaxEmpty(t.dynamic));
    case 'set':
      return set(relaxEmpty(t.of));
    case 'any':
      return t.of.length ? anyOf(...t.of.map((x) => relaxEmpty(x)!)) : t;
    default:
      return t;
  }
}

function hasEmpty(t: Type | undefined): boolean {
  if (!t) return false;
  if (isEmptyCollection(t)) return true;
  switch (t.k) {
    case 'object':
      return t.static.some((p) => hasEmpty(p.value)) || hasEmpty(t.dynamic?.value);
    case 'array':
      return t.static.some(hasEmpty) || hasEmpty(t.dynamic);
    case 'set':
      return hasEmpty(t.of);
    case 'any':
      return t.of.some(hasEmpty);
    default:
      return false;
  }
}

// ---------------------------------------------------------------- variable environments

class VarEnv {
  private vars = new Map<string, Type | undefined>();
  constructor(readonly parent?: VarEnv) {}
  get(name: string): Type | undefined {
    for (let e: VarEnv | undefined = this; e; e = e.parent) {
      if (e.vars.has(name)) return e.vars.get(name);
    }
    return undefined;
  }
  put(name: string, t: Type | undefined): void {
    this.vars.set(name, t);
  }
}

// ---------------------------------------------------------------- printing terms as OPA does

/** A variable as the author wrote it (renamed locals lose their `$n` suffix, wildcards read `_`). */
export function userVarName(name: string): string {
  if (name.startsWith('$_')) return '_';
  return name.replace(/\$\d+$/, '');
}

function scalarString(v: Value): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null) return 'null';
  return String(v);
}

export function termString(t: Term): string {
  switch (t.t) {
    case 'scalar':
      return scalarString(t.v);
    case 'var':
      return userVarName(t.name);
    case 'ref': {
      let s = termString(t.terms[0]!);
      for (const x of t.terms.slice(1)) {
        if (x.t === 'scalar' && typeof x.v === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(x.v)) s += '.' + x.v;
        else s += '[' + termString(x) + ']';
      }
      return s;
    }
    case 'array':
      return '[' + t.items.map(termString).join(', ') + ']';
    case 'set':
      return t.items.length ? '{' + t.items.map(termString).join(', ') + '}' : 'set()';
    case 'object':
      return '{' + t.items.map(([k, v]) => `${termString(k)}: ${termString(v)}`).join(', ') + '}';
    case 'call':
      return `${t.op}(${t.args.map(termString).join(', ')})`;
    case 'arraycomp':
      return `[${termString(t.term)} | …]`;
    case 'setcomp':
      return `{${termString(t.term)} | …}`;
    case 'objcomp':
      return `{${termString(t.key)}: ${termString(t.value)} | …}`;
    case 'template':
      return '$"…"';
  }
}

// ---------------------------------------------------------------- errors

/** A rego_type_error: OPA's one-line message, then its details (have/want, the ref and a caret) on tab-indented lines. */
function typeError(loc: Location, message: string, details: string[] = []): RegoError {
  return new RegoError('rego_type_error', message + (details.length ? '\n\t' + details.join('\n\t') : ''), loc);
}

interface TypedError {
  err: RegoError;
  /** caused by a type nothing is known about (OPA suppresses these after a more specific error) */
  nil: boolean;
}

function argError(loc: Location, name: string, msg: string, have: (Type | undefined)[], want: FuncType, withResult: boolean): TypedError {
  const h = '(' + have.map(typeString).join(', ') + ')';
  return { err: typeError(loc, `${name}: ${msg}`, ['have: ' + h, 'want: ' + argsString(want, withResult)]), nil: have.some(isNil) };
}

function refErrorInvalid(loc: Location, ref: Term, pos: number, have: Type | undefined, want: Type | undefined, oneOf: Value[]): RegoError {
  const r = ref as Extract<Term, { t: 'ref' }>;
  const prefix = termString({ ...r, terms: r.terms.slice(0, pos) });
  const pad = ' '.repeat(prefix.length + 1);
  const lines = [termString(ref), pad + '^'];
  lines.push(have ? `${pad}have (type): ${typeString(have)}` : `${pad}have: ${termString(r.terms[pos]!)}`);
  if (oneOf.length) lines.push(`${pad}want (one of): [${oneOf.map(scalarString).join(' ')}]`);
  else if (!want) lines.push(`${pad}want (one of): []`);
  else lines.push(`${pad}want (type): ${typeString(want)}`);
  return typeError(loc, `undefined ref: ${termString(ref)}`, lines);
}

function refErrorUnsupported(loc: Location, ref: Term, pos: number, have: Type): RegoError {
  const r = ref as Extract<Term, { t: 'ref' }>;
  const head = termString({ ...r, terms: r.terms.slice(0, pos + 1) });
  const lines = [termString(ref), '^'.repeat(head.length), `have: ${typeString(have)}`];
  if (have.k === 'func') return typeError(loc, `function ${termString(ref)} used as reference, not called`, lines);
  return typeError(loc, `undefined ref: ${termString(ref)}`, lines);
}

// ---------------------------------------------------------------- the checker

export interface TypeCheckHost {
  root: RuleNode;
  /** static paths ("data.a.b") that some `with` replaces */
  replaced: ReadonlySet<string>;
}

const isConst = (t: Term): boolean => t.t === 'scalar';

export class TypeChecker {
  private tree = new TNode();
  /** marks this checker leaves on the nodes it typed (RuleNode.typed, .subtreeTyped): no Map of them */
  private readonly id: object = {};
  readonly errors: RegoError[] = [];

  constructor(private host: TypeCheckHost) {}

  /** Types every rule; returns the errors sorted by location. */
  checkAll(): RegoError[] {
    const walk = (n: RuleNode): void => {
      this.ensure(n);
      for (const c of n.children.values()) walk(c);
    };
    walk(this.host.root);
    return sortErrors(this.errors);
  }

  /** Checks a query body (after the modules were checked). */
  checkQuery(body: Expr[]): RegoError[] {
    const before = this.errors.length;
    this.checkBody(new VarEnv(), body);
    return sortErrors(this.errors.slice(before));
  }

  // ---- rules

  private ensure(n: RuleNode): void {
    if (n.typed === this.id) return;
    n.typed = this.id;
    for (const r of n.defaults) this.checkRule(r);
    for (const r of n.rules) this.checkRule(r);
    for (const r of n.funcs) this.checkRule(r);
  }

  /** Types the rules a ref may read: every node along its constant prefix and all below it. */
  private ensureRef(path: Term[]): void {
    let n: RuleNode | undefined = this.host.root;
    for (const t of path) {
      this.ensure(n);
      if (t.t !== 'scalar' || typeof t.v !== 'string') break;
      n = n.children.get(t.v);
      if (!n) return;
    }
    this.ensureSubtree(n);
  }

  private ensureSubtree(n: RuleNode): void {
    // (a node whose whole subtree is typed, or being typed, carries this checker's id)
    if (n.subtreeTyped === this.id) return;
    n.subtreeTyped = this.id;
    this.ensure(n);
    for (const c of n.children.values()) this.ensureSubtree(c);
  }

  private checkRule(r: CompiledRule): void {
    if (r.data) {
      // a named constant: its type is its literal's
      const tpe = groundType(r.value!, (x) => this.typeOf(new VarEnv(), x));
      if (tpe) this.insert(['data', ...r.path], this.host.replaced.size && hasEmpty(tpe) && this.isReplaced(['data', ...r.path]) ? (relaxEmpty(tpe) ?? A) : tpe);
      return;
    }
    const variants: { value?: Term; body: Expr[]; key?: Term }[] = [{ value: r.value, body: r.body, key: r.key }, ...r.elses];
    for (const v of variants) {
      const env = new VarEnv();
      let errs = this.checkBody(env, v.body);
      for (const t of [...r.dyn, ...(v.key ?? r.key ? [v.key ?? r.key!] : []), ...(v.value ? [v.value] : [])]) {
        if (this.checkHeadTerm(env, t)) errs = true;
      }
      const path = ['data', ...r.path];
      if (errs) {
        this.put(path, A);
        continue;
      }
      let tpe: Type | undefined;
      if (r.kind === 'func') {
        for (const a of r.args!) this.defaultArgVars(env, a);
        const args = r.args!.map((a) => this.typeOf(env, a));
        const result = v.value ? this.typeOf(env, v.value) : B;
        tpe = { k: 'func', args, ...(result ? { result } : {}) };
      } else if (r.kind === 'set') {
        const k = this.typeOf(env, v.key ?? r.key!);
        tpe = k ? set(k) : undefined;
        if (tpe && r.dyn.length) tpe = this.nestedObject(env, r.dyn, tpe);
      } else {
        const val = v.value ? this.typeOf(env, v.value) : B;
        tpe = r.dyn.length ? this.nestedObject(env, r.dyn, val) : val;
      }
      if (tpe) {
        if (this.host.replaced.size && hasEmpty(tpe) && this.isReplaced(path)) tpe = relaxEmpty(tpe) ?? A;
        this.insert(path, tpe);
      }
    }
  }

  private isReplaced(path: string[]): boolean {
    const p = path.join('.');
    for (const r of this.host.replaced) if (r === p || r.startsWith(p + '.') || p.startsWith(r + '.')) return true;
    return false;
  }

  private defaultArgVars(env: VarEnv, t: Term): void {
    if (t.t === 'var') {
      if (env.get(t.name) === undefined) env.put(t.name, A);
    } else if (t.t === 'array') t.items.forEach((x) => this.defaultArgVars(env, x));
    else if (t.t === 'object') t.items.forEach(([, x]) => this.defaultArgVars(env, x));
  }

  private nestedObject(env: VarEnv, path: Term[], t: Type | undefined): Type | undefined {
    if (!path.length) return t;
    const v = this.nestedObject(env, path.slice(1), t);
    if (!v) return undefined;
    const k = this.typeOf(env, path[0]!);
    if (!k) return undefined;
    return obj([], { key: k, value: v });
  }

  private put(path: string[], t: Type): void {
    treeVersion++;
    let n = this.tree;
    for (const p of path) n = n.ensure(p);
    n.value = t;
  }

  private insert(path: string[], t: Type): void {
    treeVersion++;
    let n = this.tree;
    for (let i = 0; i < path.length; i++) {
      n = n.ensure(path[i]!);
      // a rule below another rule's value (ref heads mixing levels): nothing precise is known
      if (n.leaf && i + 1 < path.length) n.value = A;
    }
    n.value = n.children.size ? A : mergeTypes(n.value, t);
  }

  // ---- bodies

  /** Checks the expressions of a body in env; returns whether any error was found. */
  private checkBody(env: VarEnv, body: Expr[]): boolean {
    let failed = false;
    for (const e of body) if (this.checkExprFull(env, e)) failed = true;
    return failed;
  }

  /** One expression: closures, refs, then the expression itself (OPA's CheckBody loop). */
  private checkExprFull(env: VarEnv, e: Expr): boolean {
    // calls in `with` values: OPA hoists them into expressions of their own, checked in any case
    const before0 = this.errors.length;
    for (const x of e.k === 'not' ? [e, e.expr] : [e]) {
      for (const w of x.withs ?? []) {
        const refErrs: RegoError[] = [];
        const closureErrs: RegoError[] = [];
        this.walkRefs(env, { k: 'term', term: w.value, loc: w.value.loc }, refErrs, closureErrs);
        this.errors.push(...closureErrs, ...refErrs);
        if (!refErrs.length && !closureErrs.length) this.typeOf(env, w.value);
      }
    }
    if (this.errors.length > before0) return true;
    // replaced documents and functions: their types are not ours to guess (`with input` replaces an any)
    const notInput = (w: { path?: string[] }): boolean => w.path?.[0] !== 'input';
    if (e.withs?.some(notInput)) return false;
    const inner = e.k === 'not' ? e.expr : e;
    if (inner.withs?.some(notInput)) return false;
    const before = this.errors.length;
    const refErrs: RegoError[] = [];
    const closureErrs: RegoError[] = [];
    this.walkRefs(env, inner, refErrs, closureErrs);
    const err = this.checkExpr(env, inner);
    const out = [...closureErrs, ...refErrs];
    if (err && !((refErrs.length || closureErrs.length) && err.nil)) out.push(err.err);
    this.errors.push(...out);
    return this.errors.length > before;
  }

  /** A term of a rule head: OPA moves its refs and calls into the body, at the term's location. */
  private checkHeadTerm(env: VarEnv, t: Term): boolean {
    if (t.t === 'scalar' || t.t === 'var') return false;
    return this.checkExprFull(env, { k: 'unify', a: { t: 'var', name: '$head', loc: t.loc }, b: t, decl: false, loc: t.loc });
  }

  /** Ref checks and closure bodies of an expression (not inside closures, not the called function). */
  private walkRefs(env: VarEnv, e: Expr, refErrs: RegoError[], closureErrs: RegoError[]): void {
    const visit = (t: Term): void => {
      switch (t.t) {
        case 'ref': {
          const err = this.checkRefTerm(env, t);
          if (err) refErrs.push(err);
          t.terms.forEach(visit);
          return;
        }
        case 'array':
        case 'set':
          if (!t.ground) t.items.forEach(visit);
          return;
        case 'object':
          if (!t.ground)
            for (const [k, v] of t.items) {
              visit(k);
              visit(v);
            }
          return;
        case 'call':
          if (t.op !== 'print') t.args.forEach(visit);
          return;
        case 'template':
          for (const p of t.parts) if (typeof p !== 'string') visit(p);
          return;
        case 'arraycomp':
        case 'setcomp':
        case 'objcomp': {
          const before = this.errors.length;
          this.comprehensionType(env, t);
          closureErrs.push(...this.errors.splice(before));
          return;
        }
        default:
          return;
      }
    };
    switch (e.k) {
      case 'term':
        visit(e.term);
        break;
      case 'unify':
        visit(e.a);
        visit(e.b);
        break;
      case 'somein':
        if (e.key) visit(e.key);
        visit(e.val);
        visit(e.coll);
        break;
      case 'every':
        // OPA checks the refs of an `every` (domain and body) but not the body's calls
        if (e.key) visit(e.key);
        visit(e.val);
        visit(e.coll);
        for (const x of e.body) if (!x.withs?.length) this.walkRefs(env, x.k === 'not' ? x.expr : x, refErrs, closureErrs);
        break;
      default:
        break;
    }
  }

  private comprehensions = new WeakMap<Term, Type | null>();
  /** result types of nested calls (each is checked once: its errors are reported once) */
  private calls = new WeakMap<Term, Type | null>();

  private comprehensionType(env: VarEnv, t: Extract<Term, { t: 'arraycomp' | 'setcomp' | 'objcomp' }>): Type | undefined {
    const memo = this.comprehensions.get(t);
    if (memo !== undefined) return memo ?? undefined;
    const inner = new VarEnv(env);
    const failed = this.checkBody(inner, t.body);
    let out: Type | undefined;
    if (!failed) {
      if (t.t === 'arraycomp') out = arr([], this.typeOf(inner, t.term));
      else if (t.t === 'setcomp') out = set(this.typeOf(inner, t.term));
      else out = obj([], { key: this.typeOf(inner, t.key), value: this.typeOf(inner, t.value) });
    }
    this.comprehensions.set(t, out ?? null);
    return out;
  }

  private checkExpr(env: VarEnv, e: Expr): TypedError | undefined {
    switch (e.k) {
      case 'term':
        if (e.term.t === 'call') {
          // `a == b` as an expression is unification (OPA's rewriteEquals)
          if ((e.term.fn ?? e.term.op) === 'equal' && e.term.args.length === 2) return this.checkEq(env, e.term.args[0]!, e.term.args[1]!, e.loc);
          return this.checkCall(env, { ...e.term, loc: e.loc }, true).err;
        }
        // calls nested in the term are checked (OPA hoists each into an expression of its own)
        this.typeOf(env, e.term);
        return undefined;
      case 'unify':
        return this.checkEq(env, e.a, e.b, e.loc);
      case 'somein': {
        if (e.coll.t === 'call' || e.coll.t === 'ref' || e.coll.t === 'var') {
          // OPA reads `some x in f(…)` as `x = f(…)[k]`: a call whose result is a scalar has no members
          const ct = this.typeOf(env, e.coll);
          if (ct && !isNil(ct) && !keysOf(ct)) {
            const ref = `${termString(e.coll)}[${termString(e.key ?? { t: 'var', name: '_', loc: e.loc })}]`;
            return { err: typeError(e.coll.loc, `undefined ref: ${ref}`, [ref, `have: ${typeString(ct)}`]), nil: false };
          }
        }
        const args = e.key ? [e.key, e.val, e.coll] : [e.val, e.coll];
        const op = e.key ? 'internal.member_3' : 'internal.member_2';
        return this.checkMember(env, args, e.loc) ?? this.checkCall(env, { t: 'call', op, fn: op, args, loc: e.loc }, true).err;
      }
      case 'every':
        // the domain's calls are checked (OPA hoists them); the body's calls are not
        this.typeOf(env, e.coll);
        return undefined;
      default:
        return undefined;
    }
  }

  private checkEq(env: VarEnv, a: Term, b: Term, loc: Location): TypedError | undefined {
    const ta = this.typeOf(env, a);
    const tb = this.typeOf(env, b);
    if (!this.unify2(env, a, ta, b, tb)) {
      return { err: typeError(loc, 'match error', [`left  : ${typeString(ta)}`, `right : ${typeString(tb)}`]), nil: isNil(ta) || isNil(tb) };
    }
    return undefined;
  }

  private checkMember(env: VarEnv, args: Term[], loc: Location): TypedError | undefined {
    const coll = this.typeOf(env, args[args.length - 1]!);
    const vals = valuesOf(coll);
    if (!vals) return undefined;
    const check = (t: Term, want: Type | undefined): TypedError | undefined => {
      if (!want || isNil(want)) return undefined;
      const have = this.typeOf(env, t);
      if ((!isNil(have) && !unifies(have, want)) || !this.unify1(env, t, want, false)) {
        return { err: typeError(loc, 'match error', [`left  : ${typeString(have)}`, `right : ${typeString(want)}`]), nil: false };
      }
      return undefined;
    };
    if (args.length === 3) {
      const err = check(args[0]!, keysOf(coll));
      if (err) return err;
    }
    return check(args[args.length - 2]!, vals);
  }

  // ---- calls

  private callTypeOf(fn: string): Type | undefined {
    if (fn.startsWith('data.')) {
      const parts = fn.split('.');
      this.ensureRef(parts.slice(1).map((p) => ({ t: 'scalar', v: p, loc: { file: '', row: 0, col: 0 } })));
      let n: TNode | undefined = this.tree;
      for (const p of parts) {
        n = n.child(p);
        if (!n) return undefined;
      }
      return n.value ?? (n.children.size ? undefined : A);
    }
    return builtinType(fn);
  }

  /**
   * Checks a call; top: an expression of its own (may carry an output argument), else a call
   * nested in a term (OPA hoists it with a fresh output variable). Returns the result type.
   */
  private checkCall(env: VarEnv, t: Extract<Term, { t: 'call' }>, top: boolean): { type?: Type; err?: TypedError } {
    const fn = t.fn ?? t.op;
    if (fn === 'print' || fn === 'internal.print' || t.fnRef) return { type: A };
    if (DEPRECATED_BUILTINS.has(fn)) this.errors.push(typeError(t.loc, `deprecated built-in function calls in expression: ${fn}`));
    if (top && (fn === 'internal.member_2' || fn === 'internal.member_3')) {
      const err = this.checkMember(env, t.args, t.loc);
      if (err) return { err };
    }
    const tpe = this.callTypeOf(fn);
    if (!tpe) {
      if (fn.startsWith('data.')) return { err: { err: typeError(t.loc, `undefined function ${fn}`), nil: false } };
      return { type: undefined };
    }
    if (tpe.k === 'any' && tpe.of.length === 0) return { type: A };
    if (tpe.k !== 'func') return { err: { err: typeError(t.loc, `undefined function ${fn}`), nil: false } };
    const name = fn;
    const fargs = tpe.result ? [...tpe.args, tpe.result] : [...tpe.args];
    const args: (Term | null)[] = top ? [...t.args] : [...t.args, null]; // null: the hoisted output variable
    let outType: Type | undefined;
    const typeArg = (a: Term | null): Type | undefined => (a ? this.typeOf(env, a) : outType);
    const want: FuncType = { ...tpe };
    if (args.length > fargs.length && !tpe.variadic) return { err: argError(t.loc, name, 'too many arguments', args.map(typeArg), want, true) };
    if (args.length < tpe.args.length) return { err: argError(t.loc, name, 'too few arguments', args.map(typeArg), want, true) };
    const pre = args.map(typeArg);
    for (let i = 0; i < args.length; i++) {
      const w = i < fargs.length ? fargs[i] : tpe.variadic;
      const a = args[i]!;
      if (pre[i] && !isNil(pre[i]) && !unifies(pre[i], w)) return { err: argError(t.loc, name, 'invalid argument(s)', pre, want, true) };
      const ok = a ? this.unify1(env, a, w!, false) : ((outType = w), true);
      if (!ok) return { err: argError(t.loc, name, 'invalid argument(s)', args.map(typeArg), want, true) };
    }
    return { type: top ? B : outType };
  }

  // ---- term types (OPA's GetByValue)

  typeOf(env: VarEnv, t: Term): Type | undefined {
    switch (t.t) {
      case 'scalar':
        return scalarType(t.v);
      case 'template':
        return S;
      case 'var':
        if (t.name === 'input' || t.name === 'data') return A;
        return env.get(t.name);
      case 'ref':
        return this.refType(env, t);
      case 'array':
        return arr(t.items.map((x) => this.typeOf(env, x)));
      case 'set': {
        let of: Type | undefined;
        for (const x of t.items) of = or(of, this.typeOf(env, x));
        return set(of);
      }
      case 'object': {
        const st: Prop[] = [];
        let dyn: { key: Type | undefined; value: Type | undefined } | undefined;
        for (const [k, v] of t.items) {
          if (k.t === 'scalar' && (typeof k.v !== 'object' || k.v === null)) st.push({ key: k.v, value: this.typeOf(env, v) });
          else dyn = { key: this.typeOf(env, k), value: this.typeOf(env, v) };
        }
        return obj(st, dyn);
      }
      case 'arraycomp':
      case 'setcomp':
      case 'objcomp':
        return this.comprehensionType(env, t);
      case 'call': {
        const memo = this.calls.get(t);
        if (memo !== undefined) return memo ?? undefined;
        const r = this.checkCall(env, t, false);
        if (r.err) this.errors.push(r.err.err);
        const out = r.err ? undefined : r.type;
        this.calls.set(t, out ?? null);
        return out;
      }
    }
  }

  private refType(env: VarEnv, t: Extract<Term, { t: 'ref' }>): Type | undefined {
    const h = t.terms[0]!;
    if (h.t === 'var' && h.name === 'input') return A;
    if (h.t === 'var' && h.name === 'data') {
      this.ensureRef(t.terms.slice(1));
      return this.getRefRec(env, this.tree.child('data'), t.terms.slice(1));
    }
    return selectRef(this.typeOf(env, h), t.terms.slice(1), (x) => this.typeOf(env, x));
  }

  private getRefRec(env: VarEnv, n: TNode | undefined, tail: Term[]): Type | undefined {
    if (!n) return A;
    if (!tail.length) return extent(n);
    if (n.leaf) {
      const c = isConst(tail[0]!) ? n.child((tail[0] as { v: Value }).v) : undefined;
      if (c) return this.getRefRec(env, c, tail.slice(1));
      return selectRef(n.value, tail, (x) => this.typeOf(env, x));
    }
    if (!isConst(tail[0]!)) return selectRef(extent(n), tail, (x) => this.typeOf(env, x));
    const c = n.child((tail[0] as { v: Value }).v);
    if (!c) return A;
    return this.getRefRec(env, c, tail.slice(1));
  }

  // ---- ref checks (OPA's refChecker)

  private checkRefTerm(env: VarEnv, ref: Extract<Term, { t: 'ref' }>): RegoError | undefined {
    const loc = ref.terms[0]!.loc ?? ref.loc;
    const h = ref.terms[0]!;
    if (h.t === 'var' && h.name === 'input') {
      this.checkRefLeaf(env, loc, A, ref, 1);
      return undefined;
    }
    if (h.t === 'var' && h.name === 'data') {
      this.ensureRef(ref.terms.slice(1));
      const t = this.refType(env, ref);
      if (t?.k === 'func') return refErrorUnsupported(loc, ref, ref.terms.length - 1, t);
      return this.checkRef(env, loc, this.tree.child('data'), ref, 1);
    }
    if (h.t === 'var') {
      const t = env.get(h.name);
      if (t === undefined) {
        // nothing known: OPA types the variable (and the ones in the ref) as any
        this.checkRefLeaf(env, loc, A, ref, 0);
        return undefined;
      }
      return this.checkRefLeaf(env, loc, t, ref, 1);
    }
    if (h.t === 'call') return undefined; // hoisted by OPA: the result is checked as a var
    const t = this.typeOf(env, h);
    if (!t) return undefined;
    return this.checkRefLeaf(env, loc, t, ref, 1);
  }

  private checkRef(env: VarEnv, loc: Location, node: TNode | undefined, ref: Extract<Term, { t: 'ref' }>, idx: number): RegoError | undefined {
    if (idx === ref.terms.length || !node) return undefined;
    const head = ref.terms[idx]!;
    if (idx === 1 || idx === 2) {
      if (!(head.t === 'var' || (head.t === 'scalar' && typeof head.v === 'string'))) {
        const oneOf = [...node.children.values()].map((c) => c.key).sort(compareKeys);
        return refErrorInvalid(loc, ref, idx, this.typeOf(env, head), S, oneOf);
      }
    }
    if (head.t === 'var') {
      const tpe = keysOf(extent(node));
      const exist = env.get(head.name);
      if (exist) {
        if (!unifies(tpe, exist)) return refErrorInvalid(loc, ref, idx, exist, tpe, [...node.children.values()].map((c) => c.key).sort(compareKeys));
      } else env.put(head.name, tpe);
    }
    const child = head.t === 'scalar' ? node.child(head.v) : undefined;
    if (!child) {
      // a key not in the tree: base documents may hold it (variables: iterate what is there)
      if (head.t !== 'scalar') for (const c of node.children.values()) this.checkRef(env, loc, c.node, ref, idx + 1);
      return undefined;
    }
    if (child.leaf) return this.checkRefLeaf(env, loc, child.value!, ref, idx + 1);
    return this.checkRef(env, loc, child, ref, idx + 1);
  }

  private checkRefLeaf(env: VarEnv, loc: Location, tpe: Type, ref: Extract<Term, { t: 'ref' }>, idx: number): RegoError | undefined {
    if (idx === ref.terms.length) return undefined;
    const head = ref.terms[idx]!;
    if (isEmptyCollection(tpe)) {
      if (head.t === 'scalar') return refErrorInvalid(loc, ref, idx, undefined, undefined, []);
      if (head.t === 'var') {
        const exist = env.get(head.name);
        const ks = keysOf(tpe);
        if (!exist) env.put(head.name, A);
        else if (ks && !unifies(exist, ks)) return refErrorInvalid(loc, ref, idx, exist, ks, []);
      }
      return undefined;
    }
    const ks = keysOf(tpe);
    if (!ks) return refErrorUnsupported(loc, ref, idx - 1, tpe);
    switch (head.t) {
      case 'var': {
        const exist = env.get(head.name);
        if (exist) {
          if (!unifies(exist, ks)) return refErrorInvalid(loc, ref, idx, exist, ks, oneOfType(tpe));
        } else env.put(head.name, ks);
        break;
      }
      case 'ref': {
        const exist = this.typeOf(env, head);
        if (exist && !unifies(exist, ks)) return refErrorInvalid(loc, ref, idx, exist, ks, oneOfType(tpe));
        break;
      }
      case 'array':
      case 'object':
      case 'set':
        if (!this.unify1(env, head, ks, false)) return refErrorInvalid(loc, ref, idx, this.typeOf(env, head), ks, []);
        break;
      case 'scalar': {
        const child = select(tpe, head.v);
        if (!child) return refErrorInvalid(loc, ref, idx, undefined, ks, oneOfType(tpe));
        return this.checkRefLeaf(env, loc, child, ref, idx + 1);
      }
      default:
        break;
    }
    const vs = valuesOf(tpe);
    return vs ? this.checkRefLeaf(env, loc, vs, ref, idx + 1) : undefined;
  }

  // ---- unification (OPA's unify1 / unify2)

  private unify2(env: VarEnv, a: Term, ta: Type | undefined, b: Term, tb: Type | undefined): boolean {
    const nilA = isNil(ta);
    const nilB = isNil(tb);
    if (nilA && !nilB) return this.unify1(env, a, tb!, false);
    if (nilB && !nilA) return this.unify1(env, b, ta!, false);
    if (!nilA && !nilB) return unifies(ta, tb);
    const ka = kindOf(a);
    const kb = kindOf(b);
    if (ka === 'array') return this.unify2Array(env, a as Extract<Term, { t: 'array' }>, b);
    if (ka === 'object') return this.unify2Object(env, a as Extract<Term, { t: 'object' }>, b);
    if (ka === 'var') {
      if (kb === 'var') return this.unify1(env, a, A, false) && this.unify1(env, b, this.typeOf(env, a) ?? A, false);
      if (kb === 'array') return this.unify2Array(env, b as Extract<Term, { t: 'array' }>, a);
      if (kb === 'object') return this.unify2Object(env, b as Extract<Term, { t: 'object' }>, a);
      if (kb === 'ref') return this.unify1(env, a, A, false);
    }
    if (ka === 'ref' && kb === 'var') return this.unify1(env, b, A, false);
    if (ka === 'var' && !ta && tb) return this.unify1(env, a, tb, false);
    if (kb === 'var' && !tb && ta) return this.unify1(env, b, ta, false);
    // partially typed terms on both sides (comprehensions, refs with unknown parts): nothing to say
    return ka !== 'scalar' && kb !== 'scalar';
  }

  private unify2Array(env: VarEnv, a: Extract<Term, { t: 'array' }>, b: Term): boolean {
    if (b.t === 'array') {
      if (a.items.length !== b.items.length) return false;
      return a.items.every((x, i) => this.unify2(env, x, this.typeOf(env, x), b.items[i]!, this.typeOf(env, b.items[i]!)));
    }
    if (kindOf(b) === 'var') return this.unify1(env, a, A, false) && this.unify1(env, b, this.typeOf(env, a) ?? A, false);
    return false;
  }

  private unify2Object(env: VarEnv, a: Extract<Term, { t: 'object' }>, b: Term): boolean {
    if (b.t === 'object') {
      const pairs: [Term, Term][] = [];
      for (const [k, v] of a.items) {
        const m = b.items.find(([k2]) => termEqual(k, k2));
        if (m) pairs.push([v, m[1]]);
      }
      if (a.items.length !== b.items.length || pairs.length !== b.items.length) return false;
      return pairs.every(([x, y]) => this.unify2(env, x, this.typeOf(env, x), y, this.typeOf(env, y)));
    }
    if (kindOf(b) === 'var') return this.unify1(env, a, A, false) && this.unify1(env, b, this.typeOf(env, a) ?? A, false);
    return false;
  }

  private unify1(env: VarEnv, t: Term, tpe: Type, union: boolean): boolean {
    switch (t.t) {
      case 'array':
        if (tpe.k === 'array') {
          if (t.items.length !== tpe.static.length && !tpe.dynamic) return false;
          return t.items.every((x, i) => this.unify1(env, x, (i < tpe.static.length ? tpe.static[i] : tpe.dynamic) ?? A, union));
        }
        if (tpe.k === 'any') {
          if (tpe.of.length === 0) {
            for (const x of t.items) this.unify1(env, x, A, true);
            return true;
          }
          let ok = false;
          for (const m of tpe.of) ok = this.unify1(env, t, m, true) || ok;
          return ok;
        }
        return false;
      case 'object':
        if (tpe.k === 'object') {
          if (t.items.length !== tpe.static.length && !tpe.dynamic?.value) return false;
          for (const [k, v] of t.items) {
            if (k.t === 'scalar') {
              const child = select(tpe, k.v);
              if (!child || !this.unify1(env, v, child, union)) return false;
            } else this.unify1(env, v, A, union);
          }
          return true;
        }
        if (tpe.k === 'any') {
          if (tpe.of.length === 0) {
            for (const [k, v] of t.items) {
              this.unify1(env, k, A, true);
              this.unify1(env, v, A, true);
            }
            return true;
          }
          let ok = false;
          for (const m of tpe.of) ok = this.unify1(env, t, m, true) || ok;
          return ok;
        }
        return false;
      case 'set':
        if (tpe.k === 'set') {
          const of = tpe.of;
          return t.items.every((x) => (of ? this.unify1(env, x, of, union) : false));
        }
        if (tpe.k === 'any') {
          if (tpe.of.length === 0) {
            for (const x of t.items) this.unify1(env, x, A, true);
            return true;
          }
          let ok = false;
          for (const m of tpe.of) ok = this.unify1(env, t, m, true) || ok;
          return ok;
        }
        return false;
      case 'ref':
      case 'arraycomp':
      case 'setcomp':
      case 'objcomp':
        return unifies(this.typeOf(env, t), tpe);
      case 'var': {
        if (t.name === 'input' || t.name === 'data') return unifies(A, tpe);
        if (!union) {
          const exist = env.get(t.name);
          if (exist) return unifies(exist, tpe);
          env.put(t.name, tpe);
        } else env.put(t.name, or(env.get(t.name), tpe));
        return true;
      }
      case 'call': {
        // OPA hoists the call into a fresh output variable: its type is the call's result
        const exist = this.typeOf(env, t);
        return exist ? unifies(exist, tpe) : true;
      }
      case 'scalar':
        return unifies(scalarType(t.v), tpe);
      case 'template':
        return unifies(S, tpe);
    }
  }
}

function kindOf(t: Term): 'var' | 'array' | 'object' | 'ref' | 'scalar' | 'other' {
  switch (t.t) {
    case 'var':
    case 'call':
      return 'var';
    case 'array':
    case 'object':
    case 'ref':
      return t.t;
    case 'scalar':
    case 'template':
      return 'scalar';
    default:
      return 'other';
  }
}

function termEqual(a: Term, b: Term): boolean {
  if (a.t === 'scalar' && b.t === 'scalar') return valueKey(a.v) === valueKey(b.v);
  if (a.t === 'var' && b.t === 'var') return a.name === b.name;
  return false;
}

/** typeOf of a ground literal (scalars, and arrays, objects and sets of them: no variables). */
function groundType(t: Term, general: (t: Term) => Type | undefined): Type | undefined {
  switch (t.t) {
    case 'scalar':
      return scalarType(t.v);
    case 'array': {
      const st: (Type | undefined)[] = new Array(t.items.length);
      for (let i = 0; i < st.length; i++) st[i] = groundType(t.items[i]!, general);
      return arr(st);
    }
    case 'set': {
      let of: Type | undefined;
      for (const x of t.items) of = or(of, groundType(x, general));
      return set(of);
    }
    case 'object': {
      const vals: (Type | undefined)[] = new Array(t.items.length);
      for (let i = 0; i < vals.length; i++) {
        const k = t.items[i]![0];
        // (a ground key that is itself a collection makes the dynamic part: the general path)
        if (k.t !== 'scalar' || (typeof k.v === 'object' && k.v !== null)) return general(t);
        vals[i] = groundType(t.items[i]![1], general);
      }
      return objOfItems(t.items as [{ v?: unknown }, unknown][], vals);
    }
  }
  return undefined;
}

function scalarType(v: Value): Type {
  if (v === null) return NUL;
  switch (typeof v) {
    case 'boolean':
      return B;
    case 'string':
      return S;
    case 'number':
    case 'bigint':
      return N;
  }
  return A;
}

function compareKeys(a: Value, b: Value): number {
  const x = valueKey(a);
  const y = valueKey(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function oneOfType(t: Type): Value[] {
  if (t.k === 'object') return t.static.map((p) => p.key).sort(compareKeys);
  if (t.k === 'any') {
    const out = new Map<string, Value>();
    for (const m of t.of) for (const k of oneOfType(m)) out.set(valueKey(k), k);
    return [...out.values()].sort(compareKeys);
  }
  return [];
}

/** OPA's selectRef: the type reached by following tail from t (unions over non-constant keys). */
function selectRef(t: Type | undefined, tail: Term[], typeOf: (x: Term) => Type | undefined): Type | undefined {
  if (!t || !tail.length) return t;
  const h = tail[0]!;
  if (h.t === 'scalar') return selectRef(select(t, h.v), tail.slice(1), typeOf);
  if (isEmptyCollection(t)) return A;
  return selectRef(valuesOf(t), tail.slice(1), typeOf);
}

function sortErrors(errs: RegoError[]): RegoError[] {
  return [...errs].sort((a, b) => {
    const x = a.location;
    const y = b.location;
    if (!x || !y) return 0;
    if (x.file !== y.file) return x.file < y.file ? -1 : 1;
    return x.row - y.row || x.col - y.col || (a.bare < b.bare ? -1 : a.bare > b.bare ? 1 : 0);
  });
}
