// Safety analysis: which variables an expression needs bound before it runs and which it binds.
// The compiler uses it to order body expressions (OPA's reordering) and to report unsafe vars.
import type { Expr, Term } from '../ast/types.js';
import { bodyVars, exprVars, termVars } from '../ast/vars.js';

// ---------------------------------------------------------------- safety analysis

export interface IO {
  needs: Set<string>;
  outs: Set<string>;
}

/** Membership test over a set of variable names. */
export interface VarSet {
  has(v: string): boolean;
}

export class Safety {
  /** vars visible from enclosing scopes (closures of comprehensions / every / not) */
  constructor(private outer: Set<string>) {}

  /** Inputs/outputs of evaluating t as a value. */
  termIO(t: Term, bound: Set<string>, io: IO): void {
    switch (t.t) {
      case 'scalar':
        return;
      case 'var':
        if (!bound.has(t.name)) io.needs.add(t.name);
        return;
      case 'ref': {
        const h = t.terms[0]!;
        if (!(h.t === 'var' && (h.name === 'data' || h.name === 'input'))) this.termIO(h, bound, io);
        for (let i = 1; i < t.terms.length; i++) {
          const x = t.terms[i]!;
          if (x.t === 'var') {
            if (!bound.has(x.name)) io.outs.add(x.name);
          } else if (x.t === 'array' || x.t === 'object') this.patternIO(x, bound, io);
          else this.termIO(x, bound, io);
        }
        return;
      }
      case 'array':
      case 'set':
        for (const x of t.items) this.termIO(x, bound, io);
        return;
      case 'object':
        for (const [k, v] of t.items) {
          this.termIO(k, bound, io);
          this.termIO(v, bound, io);
        }
        return;
      case 'arraycomp':
      case 'setcomp':
      case 'objcomp': {
        for (const v of termVars(t)) if (!bound.has(v) && (this.outer.has(v) || this.context.has(v))) io.needs.add(v);
        return;
      }
      case 'call': {
        const arity = t.fn ? (this.arityOf(t.fn) ?? t.args.length) : t.args.length;
        t.args.forEach((a, i) => {
          if (i >= arity && arity >= 0) this.patternIO(a, bound, io);
          else this.termIO(a, bound, io);
        });
        return;
      }
      case 'template':
        for (const x of t.parts) if (typeof x !== 'string') this.termIO(x, bound, io);
        return;
    }
  }

  arityOf: (fn: string) => number | undefined = () => undefined;
  /** vars of the enclosing body outside the comprehension being analysed */
  context: VarSet = new Set();

  /** t in a pattern position: unbound vars are outputs. */
  patternIO(t: Term, bound: Set<string>, io: IO): void {
    if (t.t === 'var') {
      if (!bound.has(t.name)) io.outs.add(t.name);
      return;
    }
    if (t.t === 'array') {
      for (const x of t.items) this.patternIO(x, bound, io);
      return;
    }
    if (t.t === 'object') {
      for (const [k, v] of t.items) {
        this.termIO(k, bound, io);
        this.patternIO(v, bound, io);
      }
      return;
    }
    this.termIO(t, bound, io);
  }

  /** Vars newly bound by `a = b`, or null if it cannot run yet. */
  unifyIO(a: Term, b: Term, bound: Set<string>): Set<string> | null {
    const aFree = a.t === 'var' && !bound.has(a.name);
    const bFree = b.t === 'var' && !bound.has(b.name);
    if (aFree && bFree) return null; // `x = y` with neither bound waits for one of them
    if (aFree || bFree) {
      const [v, other] = aFree ? [a, b] : [b, a];
      const io: IO = { needs: new Set(), outs: new Set() };
      this.termIO(other, bound, io);
      if (io.needs.size) return null;
      io.outs.add((v as { name: string }).name);
      return io.outs;
    }
    if (a.t === 'array' && b.t === 'array' && a.items.length === b.items.length) {
      const b2 = new Set(bound);
      const outs = new Set<string>();
      // pairs may be solved in any order
      const pending = a.items.map((x, i) => [x, b.items[i]!] as const);
      while (pending.length) {
        const idx = pending.findIndex(([x, y]) => this.unifyIO(x, y, b2) !== null);
        if (idx < 0) return null;
        const [x, y] = pending.splice(idx, 1)[0]!;
        for (const v of this.unifyIO(x, y, b2)!) {
          b2.add(v);
          outs.add(v);
        }
      }
      return outs;
    }
    if (a.t === 'object' && b.t === 'object' && a.items.length === b.items.length) {
      const b2 = new Set(bound);
      const outs = new Set<string>();
      const pending: [Term, Term][] = [];
      for (const [k, v] of a.items) {
        const m = b.items.find(
          ([k2]) => (k2.t === 'scalar' && k.t === 'scalar' && k2.v === k.v) || (k2.t === 'var' && k.t === 'var' && k2.name === k.name),
        );
        if (m && k.t === 'var' && !bound.has(k.name)) return null;
        if (!m) {
          // keys not literal: treat whole terms as values
          return this.valuesIO(a, b, bound);
        }
        pending.push([v, m[1]]);
      }
      while (pending.length) {
        const idx = pending.findIndex(([x, y]) => this.unifyIO(x, y, b2) !== null);
        if (idx < 0) return null;
        const [x, y] = pending.splice(idx, 1)[0]!;
        for (const v of this.unifyIO(x, y, b2)!) {
          b2.add(v);
          outs.add(v);
        }
      }
      return outs;
    }
    const aPat = a.t === 'array' || a.t === 'object';
    const bPat = b.t === 'array' || b.t === 'object';
    // two literals of different shapes never unify: they bind nothing (OPA: their vars are unsafe)
    const scalarLit = (t: Term): boolean => t.t === 'scalar' || t.t === 'template' || t.t === 'set' || t.t === 'setcomp';
    if ((aPat && (bPat || scalarLit(b))) || (bPat && scalarLit(a))) return this.valuesIO(a, b, bound, true);
    if (aPat || bPat) {
      // try: the other side as a value, this side as a pattern
      const tryPat = (pat: Term, val: Term): Set<string> | null => {
        const io: IO = { needs: new Set(), outs: new Set() };
        this.termIO(val, bound, io);
        if (io.needs.size) return null;
        const b2 = new Set([...bound, ...io.outs]);
        const pio: IO = { needs: new Set(), outs: new Set() };
        this.patternIO(pat, b2, pio);
        if (pio.needs.size) return null;
        return new Set([...io.outs, ...pio.outs]);
      };
      if (aPat) {
        const r = tryPat(a, b);
        if (r) return r;
      }
      if (bPat) {
        const r = tryPat(b, a);
        if (r) return r;
      }
      return null;
    }
    return this.valuesIO(a, b, bound);
  }

  private valuesIO(a: Term, b: Term, bound: Set<string>, bindsNothing = false): Set<string> | null {
    const io: IO = { needs: new Set(), outs: new Set() };
    this.termIO(a, bound, io);
    this.termIO(b, bound, io);
    if (bindsNothing) {
      for (const v of io.outs) io.needs.add(v);
      io.outs.clear();
    }
    for (const v of io.outs) io.needs.delete(v);
    if (io.needs.size) return null;
    return io.outs;
  }

  /** Vars newly bound by the expression, or null if it cannot run yet. */
  exprIO(e: Expr, bound: Set<string>, siblings: VarSet): Set<string> | null {
    if (e.withs) {
      const io: IO = { needs: new Set(), outs: new Set() };
      for (const w of e.withs) this.termIO(w.value, bound, io);
      if (io.needs.size) return null; // replacement values must be computable first
    }
    switch (e.k) {
      case 'term': {
        const io: IO = { needs: new Set(), outs: new Set() };
        this.termIO(e.term, bound, io);
        for (const v of io.outs) io.needs.delete(v);
        return io.needs.size ? null : io.outs;
      }
      case 'unify':
        return this.unifyIO(e.a, e.b, bound);
      case 'some':
        return new Set();
      case 'somein': {
        const io: IO = { needs: new Set(), outs: new Set() };
        this.termIO(e.coll, bound, io);
        if (io.needs.size) return null;
        const b2 = new Set([...bound, ...io.outs]);
        if (e.key) this.patternIO(e.key, b2, io);
        this.patternIO(e.val, b2, io);
        return io.needs.size ? null : io.outs;
      }
      case 'every': {
        const io: IO = { needs: new Set(), outs: new Set() };
        this.termIO(e.coll, bound, io);
        if (io.needs.size) return null;
        const inner = bodyVars(e.body);
        for (const v of inner) if (!bound.has(v) && (this.outer.has(v) || siblings.has(v))) return null;
        return new Set();
      }
      case 'not': {
        const vs = exprVars(e.expr);
        for (const v of vs) if (!bound.has(v) && (this.outer.has(v) || siblings.has(v))) return null;
        // the negated expression itself must be able to run with its local vars
        return new Set();
      }
    }
  }
}

/** Vars an expression could bind once its inputs are available. */
export function potentialOuts(e: Expr): Set<string> {
  const s = new Safety(new Set());
  const io = { needs: new Set<string>(), outs: new Set<string>() };
  switch (e.k) {
    case 'term':
      s.termIO(e.term, new Set(), io);
      break;
    case 'unify':
      s.patternIO(e.a, new Set(), io);
      s.patternIO(e.b, new Set(), io);
      break;
    case 'somein':
      s.termIO(e.coll, new Set(), io);
      if (e.key) s.patternIO(e.key, new Set(), io);
      s.patternIO(e.val, new Set(), io);
      break;
    default:
      break;
  }
  return io.outs;
}
