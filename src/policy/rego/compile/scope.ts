// Name resolution for one rule or query: imports, rules of the package, builtins, `with` targets;
// local variables declared with :=, some and every are renamed apart.
import type { Expr, Module, Term, With } from '../ast/types.js';
import { importPath } from '../ast/vars.js';
import { builtinArity } from '../builtins/decls.js';
import { RegoError, type Location } from '../errors.js';
import { arityError } from './checks.js';
import type { ScopeHost } from './ir.js';

// ---------------------------------------------------------------- scopes and name resolution

export class Scope {
  private declared = new Map<string, string>();
  constructor(
    private parent: Scope | null,
    private module: Module,
    private compiler: ScopeHost,
    private isQuery = false,
  ) {}

  private get nested(): boolean {
    return this.parent !== null;
  }

  /** A sibling scope with the same declarations (else clauses share the function's args). */
  fork(): Scope {
    const s = new Scope(this.parent, this.module, this.compiler, this.isQuery);
    for (const [k, v] of this.declared) s.declared.set(k, v);
    return s;
  }

  child(): Scope {
    return new Scope(this, this.module, this.compiler, this.isQuery);
  }

  private lookupDeclared(name: string): string | undefined {
    for (let s: Scope | null = this; s; s = s.parent) {
      const d = s.declared.get(name);
      if (d !== undefined) return d;
    }
    return undefined;
  }

  /** Declares a variable in this scope; nested scopes get a fresh name so they cannot clash. */
  declare(name: string, loc: Location, strict = true): string {
    if (name.startsWith('$')) return name;
    if (this.declared.has(name) && strict) {
      throw new RegoError('rego_compile_error', `var ${name} assigned above`, loc);
    }
    const n = this.nested || !this.isQuery ? this.compiler.fresh(name) : name;
    this.declared.set(name, n);
    return n;
  }

  declarePattern(t: Term, strict = true): Term {
    switch (t.t) {
      case 'var':
        return { ...t, name: this.declare(t.name, t.loc, strict) };
      case 'array':
        return { ...t, items: t.items.map((x) => this.declarePattern(x, strict)) };
      case 'object':
        return { ...t, items: t.items.map(([k, v]) => [this.resolveTerm(k), this.declarePattern(v, strict)] as [Term, Term]) };
      default:
        return this.resolveTerm(t);
    }
  }

  /** A name (first element of a ref) -> its replacement term, if it is not a local variable. */
  private resolveName(name: string, loc: Location): Term | undefined {
    if (this.lookupDeclared(name) !== undefined) return undefined;
    if (name === 'data' || name === 'input') return undefined;
    for (const imp of this.module.imports) {
      const parts = importPath(imp.path);
      if (!parts) continue;
      if (parts[0] !== 'data' && parts[0] !== 'input') continue;
      const alias = imp.alias ?? parts[parts.length - 1];
      if (alias === name && parts.length > 0) {
        return {
          t: 'ref',
          terms: [{ t: 'var', name: parts[0]!, loc }, ...parts.slice(1).map((p) => ({ t: 'scalar' as const, v: p, loc }))],
          loc,
        };
      }
    }
    if (!this.isQuery || this.module.pkg.length) {
      const names = this.compiler.packageRuleNames(this.module.pkg);
      if (names?.has(name)) {
        return {
          t: 'ref',
          terms: [
            { t: 'var', name: 'data', loc },
            ...[...this.module.pkg, name].map((p) => ({ t: 'scalar' as const, v: p, loc })),
          ],
          loc,
        };
      }
    }
    return undefined;
  }

  resolveTerm(t: Term): Term {
    switch (t.t) {
      case 'scalar':
        return t;
      case 'var': {
        const d = this.lookupDeclared(t.name);
        if (d !== undefined) return d === t.name ? t : { ...t, name: d };
        if (t.name === 'data' || t.name === 'input') return { t: 'ref', terms: [t], loc: t.loc };
        const r = this.resolveName(t.name, t.loc);
        return r ?? t;
      }
      case 'ref': {
        const h = t.terms[0]!;
        const rest = t.terms.slice(1).map((x) => this.resolveTerm(x));
        let head: Term;
        if (h.t === 'var') {
          const d = this.lookupDeclared(h.name);
          if (d !== undefined) head = { ...h, name: d };
          else if (h.name === 'data' || h.name === 'input') head = h;
          else head = this.resolveName(h.name, h.loc) ?? h;
        } else head = this.resolveTerm(h);
        if (head.t === 'ref') return { t: 'ref', terms: [...head.terms, ...rest], loc: t.loc };
        return { t: 'ref', terms: [head, ...rest], loc: t.loc };
      }
      case 'array':
        return t.ground ? t : { ...t, items: t.items.map((x) => this.resolveTerm(x)) };
      case 'set':
        return t.ground ? t : { ...t, items: t.items.map((x) => this.resolveTerm(x)) };
      case 'object':
        if (t.ground) return t;
        return { ...t, items: t.items.map(([k, v]) => [this.resolveTerm(k), this.resolveTerm(v)] as [Term, Term]) };
      case 'arraycomp':
      case 'setcomp': {
        const s = this.child();
        const body = t.body.map((e) => s.resolveExpr(e));
        return { ...t, body, term: s.resolveTerm(t.term) };
      }
      case 'objcomp': {
        const s = this.child();
        const body = t.body.map((e) => s.resolveExpr(e));
        return { ...t, body, key: s.resolveTerm(t.key), value: s.resolveTerm(t.value) };
      }
      case 'call':
        return this.resolveCall(t, false);
      case 'template':
        return { ...t, parts: t.parts.map((p) => (typeof p === 'string' ? p : this.resolveTerm(p))) };
    }
  }

  /** A call: nested in a term it takes exactly its arity, as an expression of its own (top) it may add an output argument. */
  private resolveCall(t: Extract<Term, { t: 'call' }>, top: boolean): Term {
    const fn = this.resolveFn(t.op, t.loc);
    const arity = this.compiler.arityOf(fn);
    if (arity !== undefined && arity >= 0 && t.args.length !== arity && !(top && t.args.length === arity + 1)) {
      throw arityError(fn, arity, t.args.length, t.loc);
    }
    return { ...t, fn, args: t.args.map((a) => this.resolveTerm(a)) };
  }

  /** Function name as written -> "data.pkg.f" for user functions, or the builtin name. */
  resolveFn(op: string, loc: Location): string {
    const parts = op.split('.');
    const head = parts[0]!;
    if (this.lookupDeclared(head) === undefined) {
      const r = this.resolveName(head, loc);
      if (r && r.t === 'ref') {
        const p = importPath(r);
        if (p) {
          const name = [...p, ...parts.slice(1)].join('.');
          if (p[0] === 'data') return this.dataFn(name, loc);
        }
      }
    }
    if (head === 'data') return this.dataFn(op, loc);
    if (builtinArity(op) !== undefined) {
      this.compiler.usedBuiltins.add(op);
      return op;
    }
    // unknown builtins (http.send, ...) fail when called, so `with` can still mock them
    if (this.lookupDeclared(head) === undefined) {
      this.compiler.unknownFns.push({ op, loc });
      return op;
    }
    throw new RegoError('rego_type_error', `undefined function ${op}`, loc);
  }

  /** A call to data.…: undefined (an error unless `with` replaces it) when no function is there. */
  private dataFn(name: string, loc: Location): string {
    if (this.compiler.arityOf(name) === undefined) {
      // a rule that is no function has arity 0 for OPA: `f()` passes this stage, the type checker rejects it
      const parts = name.split('.');
      const isRule = this.compiler.packageRuleNames(parts.slice(1, -1))?.has(parts[parts.length - 1]!);
      if (!isRule) this.compiler.unknownFns.push({ op: name, loc });
    }
    return name;
  }

  resolveExpr(e: Expr): Expr {
    const withs = e.withs?.map((w) => this.resolveWith(w));
    let out: Expr;
    switch (e.k) {
      case 'term':
        out = { loc: e.loc, text: e.text, qi: e.qi, k: 'term', term: e.term.t === 'call' ? this.resolveCall(e.term, true) : this.resolveTerm(e.term) };
        break;
      case 'unify':
        if (e.decl) {
          const b = this.resolveTerm(e.b);
          const a = this.declarePattern(e.a);
          out = { loc: e.loc, text: e.text, qi: e.qi, k: 'unify', a, b, decl: true };
        } else out = { loc: e.loc, text: e.text, qi: e.qi, k: 'unify', a: this.resolveTerm(e.a), b: this.resolveTerm(e.b), decl: false };
        break;
      case 'some':
        out = { loc: e.loc, text: e.text, qi: e.qi, k: 'some', vars: e.vars.map((v) => this.declarePattern(v, false)) };
        break;
      case 'somein': {
        const coll = this.resolveTerm(e.coll);
        const key = e.key ? this.declarePattern(e.key, false) : undefined;
        const val = this.declarePattern(e.val, false);
        out = { loc: e.loc, text: e.text, qi: e.qi, k: 'somein', key, val, coll };
        break;
      }
      case 'every': {
        const coll = this.resolveTerm(e.coll);
        const s = this.child();
        const key = e.key ? s.declarePattern(e.key) : undefined;
        const val = s.declarePattern(e.val);
        const body = e.body.map((x) => s.resolveExpr(x));
        out = { loc: e.loc, text: e.text, qi: e.qi, k: 'every', key, val, coll, body };
        break;
      }
      case 'not':
        out = { loc: e.loc, text: e.text, qi: e.qi, k: 'not', expr: this.resolveExpr(e.expr) };
        break;
    }
    // (as before: the with clauses resolved first, the property only when there are some)
    if (withs) out.withs = withs;
    return out;
  }

  private resolveWith(w: With): With {
    const target = w.target;
    const loc = target.loc;
    // target path
    let parts: string[] | undefined;
    if (target.t === 'var') parts = [target.name];
    else if (target.t === 'ref') parts = importPath(target);
    if (!parts) throw new RegoError('rego_compile_error', 'with keyword target must be a reference', loc);
    let path = parts;
    if (parts[0] !== 'data' && parts[0] !== 'input') {
      const r = this.resolveName(parts[0]!, loc);
      if (r && r.t === 'ref') path = [...importPath(r)!, ...parts.slice(1)];
    }
    const value = this.resolveWithValue(w.value);
    if (path[0] === 'input' || path[0] === 'data') {
      const name = path.join('.');
      if (path[0] === 'data' && this.compiler.arityOf(name) !== undefined) return { target, value, fn: name };
      return { target, value, path };
    }
    const name = path.join('.');
    if (builtinArity(name) !== undefined || this.lookupDeclared(path[0]!) === undefined) {
      this.compiler.mockedFns.add(name);
      return { target, value, fn: name };
    }
    throw new RegoError('rego_compile_error', `with keyword target must reference existing input, data, or a function`, loc);
  }

  private resolveWithValue(t: Term): Term {
    // a bare builtin name as the replacement value: mock with a function
    if (t.t === 'var' && this.lookupDeclared(t.name) === undefined && !this.resolveName(t.name, t.loc)) {
      if (builtinArity(t.name) !== undefined && this.compiler.usedBuiltins.add(t.name)) return { t: 'call', op: t.name, fn: t.name, args: [], loc: t.loc, fnRef: true } as Term;
    }
    if (t.t === 'ref') {
      const p = importPath(t);
      if (p && p[0] !== 'data' && p[0] !== 'input' && this.lookupDeclared(p[0]!) === undefined && !this.resolveName(p[0]!, t.loc)) {
        const name = p.join('.');
        if (builtinArity(name) !== undefined && this.compiler.usedBuiltins.add(name)) return { t: 'call', op: name, fn: name, args: [], loc: t.loc, fnRef: true } as Term;
      }
    }
    const r = this.resolveTerm(t);
    if (r.t === 'ref') {
      const p = importPath(r);
      if (p && p[0] === 'data') {
        const name = p.join('.');
        if (this.compiler.arityOf(name) !== undefined && !builtinArity(name)) {
          return { t: 'call', op: name, fn: name, args: [], loc: t.loc, fnRef: true } as Term;
        }
      }
    }
    return r;
  }
}
