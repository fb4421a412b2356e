// The one generic walk over the syntax tree: every term and expression below a node, in source
// order. Passes that need their own traversal order (safety, renaming) are written out in compile/;
// everything else that only needs "look at every term" uses this.
import type { Expr, Term } from './types.js';

export interface Visitor {
  /** Called for each term; return false to skip its children. */
  term?(t: Term): boolean | void;
  /** Called for each expression; return false to skip its children. */
  expr?(e: Expr): boolean | void;
  /** Descend into ground literals (arrays, objects, sets of constants, marked by the parser) too.
   * By default a walk passes over their members (the literal itself is still visited): a visitor
   * looking for variables, refs, calls, comprehensions or expressions loses nothing and skips the
   * bulk of data-like modules. */
  groundToo?: boolean;
}

export function visitBody(body: readonly Expr[], v: Visitor): void {
  for (const e of body) visitExpr(e, v);
}

export function visitExpr(e: Expr, v: Visitor): void {
  if (v.expr && v.expr(e) === false) return;
  switch (e.k) {
    case 'term':
      visitTerm(e.term, v);
      break;
    case 'unify':
      visitTerm(e.a, v);
      visitTerm(e.b, v);
      break;
    case 'some':
      for (const t of e.vars) visitTerm(t, v);
      break;
    case 'somein':
      if (e.key) visitTerm(e.key, v);
      visitTerm(e.val, v);
      visitTerm(e.coll, v);
      break;
    case 'every':
      if (e.key) visitTerm(e.key, v);
      visitTerm(e.val, v);
      visitTerm(e.coll, v);
      visitBody(e.body, v);
      break;
    case 'not':
      visitExpr(e.expr, v);
      break;
  }
  if (e.withs) {
    for (const w of e.withs) {
      visitTerm(w.target, v);
      visitTerm(w.value, v);
    }
  }
}

export function visitTerm(t: Term, v: Visitor): void {
  if (v.term && v.term(t) === false) return;
  if (!v.groundToo && (t.t === 'array' || t.t === 'object' || t.t === 'set') && t.ground) return;
  switch (t.t) {
    case 'ref':
      for (const x of t.terms) visitTerm(x, v);
      break;
    case 'array':
    case 'set':
      for (const x of t.items) visitTerm(x, v);
      break;
    case 'object':
      for (const [a, b] of t.items) {
        visitTerm(a, v);
        visitTerm(b, v);
      }
      break;
    case 'arraycomp':
    case 'setcomp':
      visitTerm(t.term, v);
      visitBody(t.body, v);
      break;
    case 'objcomp':
      visitTerm(t.key, v);
      visitTerm(t.value, v);
      visitBody(t.body, v);
      break;
    case 'call':
      for (const x of t.args) visitTerm(x, v);
      break;
    case 'template':
      for (const p of t.parts) if (typeof p !== 'string') visitTerm(p, v);
      break;
    case 'scalar':
    case 'var':
      break;
  }
}
