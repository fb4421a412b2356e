// What `not` negates, as OPA evaluates it. OPA's compiler moves parts of a negated expression out of
// the negation before evaluating it (open-policy-agent/opa#1877, kept for compatibility): nested
// calls become separate expressions (rewriteExprTerms), `==` between two operands of a rule body
// becomes `=` (rewriteEquals), then refs and comprehensions that are call arguments, sides of `=`
// inside composite values, or operands of refs are bound to generated variables first
// (rewriteDynamics). Those hoisted expressions run outside the `not`: when one of them is undefined,
// the body fails instead of the negation succeeding. So `not startswith(input.x, "p")` is undefined
// when input.x is undefined, while `not input.x == "p"` (in a rule) is true.
//
// This pass applies the same rewriting to every negated expression of a body (and of the bodies
// nested in it), before the safety reordering.
import type { Expr, Term, With } from '../ast/types.js';
import { visitBody } from '../ast/visit.js';

export interface NegationContext {
  /** a fresh variable name */
  fresh(base: string): string;
  /** rule bodies rewrite `a == b` to `a = b`; queries do not */
  isQuery: boolean;
}

/** Whether a body (or a body nested in it) has a negated expression. */
// (one visitor for every call, its finding in a variable: hasNot runs for every body compiled)
let notFound = false;
const NOT_FINDER = {
  expr: (e: Expr): boolean => {
    if (e.k === 'not') notFound = true;
    return !notFound;
  },
  term: (t: Term): boolean => !notFound && !((t.t === 'array' || t.t === 'object' || t.t === 'set') && t.ground),
};

function hasNot(body: Expr[]): boolean {
  notFound = false;
  visitBody(body, NOT_FINDER);
  const found = notFound;
  notFound = false;
  return found;
}

/** Rewrites the negated expressions of a body (and nested bodies); returns the new body (the same
 * array when it has none). */
export function hoistNegations(body: Expr[], ctx: NegationContext): Expr[] {
  if (!hasNot(body)) return body;
  const out: Expr[] = [];
  for (const e0 of body) {
    const e = nested(e0, ctx);
    if (e.k !== 'not') {
      out.push(e);
      continue;
    }
    const support: Expr[] = [];
    const withs = [...(e.withs ?? []), ...(e.expr.withs ?? [])];
    const h = new Hoister(ctx, support, withs.length ? withs : undefined, e);
    const inner = h.rewrite(e.expr);
    out.push(...support, { ...e, expr: inner });
  }
  return out;
}

/** Applies the pass to the bodies nested in an expression (comprehensions, every, not). */
function nested(e: Expr, ctx: NegationContext): Expr {
  const t = (x: Term): Term => nestedTerm(x, ctx);
  switch (e.k) {
    case 'term':
      return { ...e, term: t(e.term) };
    case 'unify':
      return { ...e, a: t(e.a), b: t(e.b) };
    case 'somein':
      return { ...e, coll: t(e.coll) };
    case 'every':
      return { ...e, coll: t(e.coll), body: hoistNegations(e.body, ctx) };
    case 'not':
      return { ...e, expr: nested(e.expr, ctx) };
    default:
      return e;
  }
}

function nestedTerm(t: Term, ctx: NegationContext): Term {
  switch (t.t) {
    case 'arraycomp':
    case 'setcomp':
      return { ...t, term: nestedTerm(t.term, ctx), body: hoistNegations(t.body, ctx) };
    case 'objcomp':
      return { ...t, key: nestedTerm(t.key, ctx), value: nestedTerm(t.value, ctx), body: hoistNegations(t.body, ctx) };
    case 'ref':
      return { ...t, terms: t.terms.map((x) => nestedTerm(x, ctx)) };
    case 'array':
    case 'set':
      return t.ground ? t : { ...t, items: t.items.map((x) => nestedTerm(x, ctx)) };
    case 'object':
      return t.ground ? t : { ...t, items: t.items.map(([k, v]) => [nestedTerm(k, ctx), nestedTerm(v, ctx)] as [Term, Term]) };
    case 'call':
      return { ...t, args: t.args.map((x) => nestedTerm(x, ctx)) };
    case 'template':
      return { ...t, parts: t.parts.map((p) => (typeof p === 'string' ? p : nestedTerm(p, ctx))) };
    default:
      return t;
  }
}

class Hoister {
  constructor(
    private readonly ctx: NegationContext,
    private readonly support: Expr[],
    private readonly withs: With[] | undefined,
    private readonly at: Expr,
  ) {}

  /** `$n = term` before the negation; the variable stands for the term inside it. */
  private bind(term: Term): Term {
    const v: Term = { t: 'var', name: this.ctx.fresh('$not'), loc: term.loc };
    this.support.push({ k: 'unify', a: v, b: term, decl: false, loc: this.at.loc, ...(this.withs ? { withs: this.withs } : {}) });
    return v;
  }

  /** `f(args…, $n)` before the negation, for a call nested in it. */
  private bindCall(call: Extract<Term, { t: 'call' }>): Term {
    const v: Term = { t: 'var', name: this.ctx.fresh('$not'), loc: call.loc };
    const hoisted: Term = { ...call, args: [...call.args, v] };
    this.support.push({ k: 'term', term: hoisted, loc: this.at.loc, ...(this.withs ? { withs: this.withs } : {}) });
    return v;
  }

  rewrite(e: Expr): Expr {
    // (with values are evaluated outside the negation as well)
    let x: Expr = e.withs ? { ...e, withs: e.withs.map((w) => ({ ...w, value: this.expand(w.value) })) } : e;
    // 1. nested calls out (rewriteExprTerms)
    if (x.k === 'term' && x.term.t === 'call') {
      const call = x.term;
      x = { ...x, term: { ...call, args: call.args.map((a) => this.expand(a)) } };
    } else if (x.k === 'term') x = { ...x, term: this.expand(x.term) };
    else if (x.k === 'unify') x = { ...x, a: this.expand(x.a), b: this.expand(x.b) };
    else return x;
    // 2. `a == b` is unification in rule bodies (rewriteEquals)
    if (!this.ctx.isQuery && x.k === 'term' && x.term.t === 'call' && x.term.fn === 'equal' && x.term.args.length === 2) {
      x = { k: 'unify', a: x.term.args[0]!, b: x.term.args[1]!, decl: false, loc: x.loc, ...(x.withs ? { withs: x.withs } : {}), ...(x.text ? { text: x.text } : {}) };
    }
    // 3. dynamic terms out (rewriteDynamics)
    if (x.k === 'unify') return { ...x, a: this.dynInTerm(x.a), b: this.dynInTerm(x.b) };
    if (x.k === 'term' && x.term.t === 'call') {
      const call = x.term;
      return { ...x, term: { ...call, args: call.args.map((a) => this.dynOne(a)) } };
    }
    if (x.k === 'term') return { ...x, term: this.dynInTerm(x.term) };
    return x;
  }

  /** Nested calls become generated expressions; refs with composite heads get a variable head. */
  private expand(t: Term): Term {
    switch (t.t) {
      case 'call':
        if (t.fnRef) return t;
        return this.bindCall({ ...t, args: t.args.map((a) => this.expand(a)) });
      case 'ref': {
        const terms = t.terms.map((x) => this.expand(x));
        const h = terms[0]!;
        if (h.t === 'array' || h.t === 'object' || h.t === 'set' || h.t === 'arraycomp' || h.t === 'setcomp' || h.t === 'objcomp') {
          terms[0] = this.bind(h);
        }
        return { ...t, terms };
      }
      case 'array':
      case 'set':
        return t.ground ? t : { ...t, items: t.items.map((x) => this.expand(x)) };
      case 'object':
        return t.ground ? t : { ...t, items: t.items.map(([k, v]) => [this.expand(k), this.expand(v)] as [Term, Term]) };
      default:
        return t;
    }
  }

  private dynInTerm(t: Term): Term {
    if (t.t === 'ref') return { ...t, terms: t.terms.map((x, i) => (i === 0 ? x : this.dynOne(x))) };
    if (t.t === 'arraycomp' || t.t === 'setcomp' || t.t === 'objcomp') return t;
    return this.dynOne(t);
  }

  private dynOne(t: Term): Term {
    switch (t.t) {
      case 'ref': {
        const r: Term = { ...t, terms: t.terms.map((x, i) => (i === 0 ? x : this.dynOne(x))) };
        return this.bind(r);
      }
      case 'array':
      case 'set':
        return t.ground ? t : { ...t, items: t.items.map((x) => this.dynOne(x)) };
      case 'object':
        return t.ground ? t : { ...t, items: t.items.map(([k, v]) => [this.dynOne(k), this.dynOne(v)] as [Term, Term]) };
      case 'arraycomp':
      case 'setcomp':
      case 'objcomp':
        return this.bind(t);
      default:
        return t;
    }
  }
}
