// Refs with variables in a rule head are looked up in the body, as OPA's rewriteRefsInHead does:
//   p := o[k]               ->  p := $h if { $h = o[k] }          (k is bound by the lookup)
//   p contains o[k] if {…}  ->  p contains $h if { …; $h = o[k] }
//   p[o[k]] := 1            ->  p[$h] := 1 if { $h = o[k] }
// Without it, k would be an unsafe head variable, where OPA accepts the rule.
import type { Expr, Rule, Term } from '../ast/types.js';
import { visitTerm } from '../ast/visit.js';
import type { ScopeHost } from './ir.js';

// (one visitor for every call, its finding in a variable)
let varFound = false;
const VAR_FINDER = { term: (x: Term): void => void (x.t === 'var' && (varFound = true)) };

function hasVarOperand(t: Extract<Term, { t: 'ref' }>): boolean {
  varFound = false;
  for (let i = 1; i < t.terms.length; i++) visitTerm(t.terms[i]!, VAR_FINDER);
  const found = varFound;
  varFound = false;
  return found;
}

function hoist(t: Term, extra: Expr[], names: Pick<ScopeHost, 'fresh'>): Term {
  switch (t.t) {
    case 'ref':
      if (hasVarOperand(t)) {
        const v: Term = { t: 'var', name: names.fresh('$head'), loc: t.loc };
        extra.push({ k: 'unify', a: v, b: t, decl: false, loc: t.loc });
        return v;
      }
      return t;
    case 'array':
    case 'set':
      return t.ground ? t : { ...t, items: t.items.map((x) => hoist(x, extra, names)) };
    case 'object':
      return t.ground ? t : { ...t, items: t.items.map(([k, v]) => [hoist(k, extra, names), hoist(v, extra, names)] as [Term, Term]) };
    case 'call':
      return { ...t, args: t.args.map((x) => hoist(x, extra, names)) };
    default:
      return t;
  }
}

/** The rule with the refs of its head (key, value, ref operands, else values) moved into its bodies. */
export function hoistHeadRefs(r: Rule, names: Pick<ScopeHost, 'fresh'>): Rule {
  if (r.isDefault) return r;
  const extra: Expr[] = [];
  let statics = 0;
  while (statics < r.ref.length && r.ref[statics]!.t === 'scalar' && typeof (r.ref[statics] as { v: unknown }).v === 'string') statics++;
  const ref = r.ref.map((t, i) => (i < statics ? t : hoist(t, extra, names)));
  const key = r.key ? hoist(r.key, extra, names) : undefined;
  const value = r.value ? hoist(r.value, extra, names) : undefined;
  let elsesChanged = false;
  const elses = r.elses.map((e) => {
    const more: Expr[] = [];
    const ev = e.value ? hoist(e.value, more, names) : undefined;
    if (!more.length) return e;
    elsesChanged = true;
    return { ...e, value: ev, body: [...e.body, ...more] };
  });
  if (!extra.length && !elsesChanged) return r;
  return { ...r, ref, ...(key ? { key } : {}), ...(value ? { value } : {}), body: [...r.body, ...extra], elses, dataRule: undefined };
}
