// Dependency analysis over the rule tree: recursion detection (rego_recursion_error) and the
// "static" flag of nodes whose value depends on neither input nor time, so evaluators may cache
// them across queries.
import type { Expr, Term } from '../ast/types.js';
import { visitBody, visitTerm } from '../ast/visit.js';
import type { CompiledRule, RuleNode } from './ir.js';
import { RegoError } from '../errors.js';

/**
 * Recursion check over the rule tree: a rule node depends on the nodes its refs and calls reach
 * (a ref that stops at a package depends on everything below it), and a package node on its
 * children. A cycle is a rego_recursion_error.
 */
export function analyseDependencies(root: RuleNode): void {
  const deps = new Map<RuleNode, Set<RuleNode>>();
  const target = (p: string[]): RuleNode | undefined => {
    let n = root;
    for (const seg of p) {
      if (n.rules.length || n.defaults.length || n.funcs.length) return n;
      const c = n.children.get(seg);
      if (!c) return undefined;
      n = c;
    }
    return n;
  };
  const dynamic = new Set<RuleNode>();
  let current: RuleNode = root;
  const collect = (r: CompiledRule, out: Set<RuleNode>): void => {
    const visitTerm = (t: Term): void => {
      switch (t.t) {
        case 'ref': {
          const h = t.terms[0]!;
          if (h.t === 'var' && h.name === 'input') dynamic.add(current);
          if (h.t === 'var' && h.name === 'data') {
            const p: string[] = [];
            for (let i = 1; i < t.terms.length; i++) {
              const x = t.terms[i]!;
              if (x.t === 'scalar' && typeof x.v === 'string') p.push(x.v);
              else break;
            }
            if (p.length) {
              const n = target(p);
              if (n) out.add(n);
            } else dynamic.add(current); // data[x]: unknown dependencies, never cached across queries
          }
          t.terms.forEach(visitTerm);
          return;
        }
        case 'array':
        case 'set':
          if (!t.ground) t.items.forEach(visitTerm);
          return;
        case 'object':
          if (t.ground) return;
          for (const [k, v] of t.items) {
            visitTerm(k);
            visitTerm(v);
          }
          return;
        case 'call':
          if (t.fn && t.fn.startsWith('data.')) {
            const n = target(t.fn.split('.').slice(1));
            if (n) out.add(n);
          } else if (!t.fn || NON_DETERMINISTIC.test(t.fn)) dynamic.add(current);
          t.args.forEach(visitTerm);
          return;
        case 'template':
          for (const p of t.parts) if (typeof p !== 'string') visitTerm(p);
          return;
        case 'arraycomp':
        case 'setcomp':
          visitTerm(t.term);
          t.body.forEach(visitExpr);
          return;
        case 'objcomp':
          visitTerm(t.key);
          visitTerm(t.value);
          t.body.forEach(visitExpr);
          return;
      }
    };
    const visitExpr = (x: Expr): void => {
      switch (x.k) {
        case 'term':
          visitTerm(x.term);
          break;
        case 'unify':
          visitTerm(x.a);
          visitTerm(x.b);
          break;
        case 'somein':
          visitTerm(x.coll);
          visitTerm(x.val);
          if (x.key) visitTerm(x.key);
          break;
        case 'every':
          visitTerm(x.coll);
          x.body.forEach(visitExpr);
          break;
        case 'not':
          visitExpr(x.expr);
          break;
      }
      if (x.withs) for (const w of x.withs) visitTerm(w.value);
    };
    r.body.forEach(visitExpr);
    for (const e of r.elses) {
      e.body.forEach(visitExpr);
      if (e.value) visitTerm(e.value);
    }
    if (r.value) visitTerm(r.value);
    if (r.key) visitTerm(r.key);
    r.dyn.forEach(visitTerm);
  };
  const rulesOf = (n: RuleNode, out: Set<RuleNode>, rules: CompiledRule[]): void => {
    for (const r of rules) {
      if (r.data) continue; // a constant depends on nothing
      collect(r, out);
      // `with` changes what a rule sees: keep such rules per query
      if (hasWith(r)) dynamic.add(n);
    }
  };
  const walk = (n: RuleNode): void => {
    if (n.children.size === 0 && n.funcs.length === 0 && n.defaults.length === 0 && n.rules.every((r) => r.data)) {
      // named constants only (generated contract modules are mostly these): nothing to depend on,
      // never part of a cycle, static (no entry in deps: dfs and isStatic skip it)
      n.isStatic = true;
      return;
    }
    const out = new Set<RuleNode>(n.children.values());
    current = n;
    rulesOf(n, out, n.rules);
    rulesOf(n, out, n.defaults);
    rulesOf(n, out, n.funcs);
    deps.set(n, out);
    for (const c of n.children.values()) walk(c);
  };
  walk(root);
  const state = new Map<RuleNode, number>();
  const stack: RuleNode[] = [];
  const dfs = (n: RuleNode): void => {
    state.set(n, 1);
    stack.push(n);
    for (const d of deps.get(n) ?? []) {
      if (!deps.has(d)) continue; // a node of constants (see walk)
      const st = state.get(d);
      if (st === 1) {
        const cyc = stack.slice(stack.indexOf(d)).filter((x) => x.rules.length || x.funcs.length || x.defaults.length);
        const first = cyc[0] ?? d;
        const r = first.rules[0] ?? first.funcs[0] ?? first.defaults[0];
        const names = [...cyc, first].map((x) => 'data.' + x.path.join('.'));
        throw new RegoError('rego_recursion_error', `rule ${names[0]} is recursive: ${names.join(' -> ')}`, r?.loc);
      }
      if (!st) dfs(d);
    }
    stack.pop();
    state.set(n, 2);
  };
  dfs(root);
  // static nodes: no input, no time/randomness, and only static dependencies (the graph is acyclic)
  const memo = new Map<RuleNode, boolean>();
  const isStatic = (n: RuleNode): boolean => {
    const m = memo.get(n);
    if (m !== undefined) return m;
    memo.set(n, false);
    let s = !dynamic.has(n);
    if (s) for (const d of deps.get(n) ?? []) if (deps.has(d) && !isStatic(d)) {
      s = false;
      break;
    }
    memo.set(n, s);
    n.isStatic = s;
    return s;
  };
  for (const n of deps.keys()) isStatic(n);
}

/** Builtins whose result is not a function of their arguments (or that reach the outside world). */
const NON_DETERMINISTIC = /^(time\.now_ns|rand\.|uuid\.rfc4122|http\.send|opa\.runtime|net\.lookup_ip_addr|trace|print|internal\.print|io\.jwt\.encode_sign)/;

// (one visitor for every rule, its finding in a variable)
let withFound = false;
const WITH_FINDER = {
  expr: (e: Expr): boolean => {
    if (e.withs?.length) withFound = true;
    return !withFound;
  },
  term: (t: Term): boolean => !withFound && !((t.t === 'array' || t.t === 'object' || t.t === 'set') && t.ground),
};

function hasWith(r: CompiledRule): boolean {
  withFound = false;
  visitBody(r.body, WITH_FINDER);
  for (const e of r.elses) visitBody(e.body, WITH_FINDER);
  if (r.value) visitTerm(r.value, WITH_FINDER);
  const found = withFound;
  withFound = false;
  return found;
}
