// Variable utilities shared by the compiler passes: which variables a term or expression mentions,
// and plain paths of refs. (Fresh names for renamed locals come from compile/names.ts, per compiler.)
import type { Expr, Rule, Term } from './types.js';


// ---------------------------------------------------------------- variable utilities

/** Every variable occurring in a term (including nested comprehension bodies). */
export function termVars(t: Term, out: Set<string> = new Set()): Set<string> {
  if ((t.t === 'array' || t.t === 'object' || t.t === 'set') && t.ground) return out;
  switch (t.t) {
    case 'var':
      out.add(t.name);
      break;
    case 'ref':
      for (let i = 0; i < t.terms.length; i++) {
        const x = t.terms[i]!;
        if (i === 0 && x.t === 'var' && (x.name === 'data' || x.name === 'input')) continue;
        termVars(x, out);
      }
      break;
    case 'array':
    case 'set':
      for (const x of t.items) termVars(x, out);
      break;
    case 'object':
      for (const [k, v] of t.items) {
        termVars(k, out);
        termVars(v, out);
      }
      break;
    case 'arraycomp':
    case 'setcomp':
      termVars(t.term, out);
      bodyVars(t.body, out);
      break;
    case 'objcomp':
      termVars(t.key, out);
      termVars(t.value, out);
      bodyVars(t.body, out);
      break;
    case 'call':
      for (const x of t.args) termVars(x, out);
      break;
    case 'template':
      for (const x of t.parts) if (typeof x !== 'string') termVars(x, out);
      break;
  }
  return out;
}

export function exprVars(e: Expr, out: Set<string> = new Set()): Set<string> {
  switch (e.k) {
    case 'term':
      termVars(e.term, out);
      break;
    case 'unify':
      termVars(e.a, out);
      termVars(e.b, out);
      break;
    case 'some':
      for (const v of e.vars) termVars(v, out);
      break;
    case 'somein':
      if (e.key) termVars(e.key, out);
      termVars(e.val, out);
      termVars(e.coll, out);
      break;
    case 'every':
      if (e.key) termVars(e.key, out);
      termVars(e.val, out);
      termVars(e.coll, out);
      bodyVars(e.body, out);
      break;
    case 'not':
      exprVars(e.expr, out);
      break;
  }
  if (e.withs) for (const w of e.withs) termVars(w.value, out);
  return out;
}

export function bodyVars(b: Expr[], out: Set<string> = new Set()): Set<string> {
  for (const e of b) exprVars(e, out);
  return out;
}

/** Vars of an expression outside its comprehension / every bodies. */
export function shallowExprVars(e: Expr): Set<string> {
  const out = new Set<string>();
  exprShallow(e, out);
  return out;
}

// (module-level recursive functions rather than closures made per call: these run for every
// expression of every rule the compiler sees)
function exprShallow(x: Expr, out: Set<string>): void {
  switch (x.k) {
    case 'term':
      termShallow(x.term, out);
      break;
    case 'unify':
      termShallow(x.a, out);
      termShallow(x.b, out);
      break;
    case 'somein':
      if (x.key) termShallow(x.key, out);
      termShallow(x.val, out);
      termShallow(x.coll, out);
      break;
    case 'every':
      termShallow(x.coll, out);
      break;
    case 'not':
      exprShallow(x.expr, out);
      break;
  }
}

/** Vars of a term outside its comprehension bodies. */
export function shallowTermVars(t0: Term, out: Set<string> = new Set()): Set<string> {
  termShallow(t0, out);
  return out;
}

function termShallow(t: Term, out: Set<string>): void {
  switch (t.t) {
    case 'var':
      if (t.name !== 'data' && t.name !== 'input') out.add(t.name);
      return;
    case 'ref':
      for (const x of t.terms) termShallow(x, out);
      return;
    case 'array':
    case 'set':
      if (!t.ground) for (const x of t.items) termShallow(x, out);
      return;
    case 'object':
      if (t.ground) return;
      for (const [k, v] of t.items) {
        termShallow(k, out);
        termShallow(v, out);
      }
      return;
    case 'call':
      for (const x of t.args) termShallow(x, out);
      return;
    case 'template':
      for (const p of t.parts) if (typeof p !== 'string') termShallow(p, out);
      return;
  }
}

/** ["data","a","b"] for a ref whose operands are all strings. */
export function importPath(t: Term): string[] | undefined {
  if (t.t === 'var') return [t.name];
  if (t.t !== 'ref') return undefined;
  const h = t.terms[0]!;
  if (h.t !== 'var') return undefined;
  const out = [h.name];
  for (const x of t.terms.slice(1)) {
    if (x.t !== 'scalar' || typeof x.v !== 'string') return undefined;
    out.push(x.v);
  }
  return out;
}

/**
 * A rule that is a named constant: `name := <constant>` (or `=`), no arguments, no body, no else,
 * not default. The bulk of generated contract modules; compiler passes give such rules a short way
 * through (nothing in them can be unsafe, recursive, undefined or ill-declared).
 */
export function isDataRule(r: Rule): boolean {
  // (asked by every compiler pass of every rule: kept on the rule, which is not changed once parsed)
  const known = r.dataRule;
  if (known !== undefined) return known;
  return (r.dataRule = dataRule(r));
}

function dataRule(r: Rule): boolean {
  if (r.args || r.contains || r.isDefault || r.elses.length || r.ref.length !== 1 || !r.value) return false;
  const v = r.value;
  if (!(v.t === 'scalar' || ((v.t === 'array' || v.t === 'object' || v.t === 'set') && v.ground))) return false;
  if (r.body.length !== 1) return false;
  const e = r.body[0]!;
  return e.k === 'term' && !e.withs && e.term.t === 'scalar' && e.term.v === true;
}

/** Variables an expression binds when it succeeds (outside nested bodies, `not` and `every`). */
export function bindsOf(e: Expr, out: Set<string>): void {
  switch (e.k) {
    case 'term':
      shallowTermVars(e.term, out);
      break;
    case 'unify':
      shallowTermVars(e.a, out);
      shallowTermVars(e.b, out);
      break;
    case 'somein':
      if (e.key) shallowTermVars(e.key, out);
      shallowTermVars(e.val, out);
      shallowTermVars(e.coll, out);
      break;
    default:
      break;
  }
}
