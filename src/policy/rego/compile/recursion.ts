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
  const c: Collect = { out: new Set(), current: root, dynamic, target };
  const collect = (r: CompiledRule, out: Set<RuleNode>): void => {
    c.out = out;
    c.current = current;
    collectRule(c, r);
  };
  const rulesOf = (n: RuleNode, out: Set<RuleNode>, rules: CompiledRule[]): void => {
    for (const r of rules) {
      if (r.data) continue; // a constant depends on nothing
      collect(r, out);
      // `with` changes what a rule sees: keep such rules per query
      if (hasWith(r)) dynamic.add(n);
    }
  };
  // returns true for a subtree of named constants only: no entry in deps (dfs and isStatic skip it)
  const walk = (n: RuleNode): boolean => {
    if (n.funcs.length === 0 && n.defaults.length === 0 && allData(n.rules)) {
      // named constants only (generated contract modules are mostly these), in this node and all
      // below it (a package of them): nothing to depend on, never part of a cycle, static
      let constants = true;
      for (const c of n.children.values()) if (!walk(c)) constants = false;
      if (constants) {
        n.isStatic = true;
        return true;
      }
    } else for (const c of n.children.values()) walk(c);
    const out = new Set<RuleNode>(n.children.values());
    current = n;
    rulesOf(n, out, n.rules);
    rulesOf(n, out, n.defaults);
    rulesOf(n, out, n.funcs);
    deps.set(n, out);
    return false;
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

/** The state of one dependency walk (module-level functions: no closures per rule). */
interface Collect {
  out: Set<RuleNode>;
  current: RuleNode;
  dynamic: Set<RuleNode>;
  target: (p: string[]) => RuleNode | undefined;
}

function collectRule(c: Collect, r: CompiledRule): void {
  for (const y of r.body) depExpr(c, y);
  for (const e of r.elses) {
    for (const y of e.body) depExpr(c, y);
    if (e.value) depTerm(c, e.value);
  }
  if (r.value) depTerm(c, r.value);
  if (r.key) depTerm(c, r.key);
  for (const y of r.dyn) depTerm(c, y);
}

function depTerm(c: Collect, t: Term): void {
  switch (t.t) {
    case 'ref': {
      const h = t.terms[0]!;
      if (h.t === 'var' && h.name === 'input') c.dynamic.add(c.current);
      if (h.t === 'var' && h.name === 'data') {
        const p: string[] = [];
        for (let i = 1; i < t.terms.length; i++) {
          const x = t.terms[i]!;
          if (x.t === 'scalar' && typeof x.v === 'string') p.push(x.v);
          else break;
        }
        if (p.length) {
          const n = c.target(p);
          if (n) c.out.add(n);
        } else c.dynamic.add(c.current); // data[x]: unknown dependencies, never cached across queries
      }
      for (const y of t.terms) depTerm(c, y);
      return;
    }
    case 'array':
    case 'set':
      if (!t.ground) for (const y of t.items) depTerm(c, y);
      return;
    case 'object':
      if (t.ground) return;
      for (const [k, v] of t.items) {
        depTerm(c, k);
        depTerm(c, v);
      }
      return;
    case 'call':
      if (t.fn && t.fn.startsWith('data.')) {
        const n = c.target(t.fn.split('.').slice(1));
        if (n) c.out.add(n);
      } else if (!t.fn || NON_DETERMINISTIC.test(t.fn)) c.dynamic.add(c.current);
      for (const y of t.args) depTerm(c, y);
      return;
    case 'template':
      for (const p of t.parts) if (typeof p !== 'string') depTerm(c, p);
      return;
    case 'arraycomp':
    case 'setcomp':
      depTerm(c, t.term);
      for (const y of t.body) depExpr(c, y);
      return;
    case 'objcomp':
      depTerm(c, t.key);
      depTerm(c, t.value);
      for (const y of t.body) depExpr(c, y);
      return;
  }
}

function depExpr(c: Collect, x: Expr): void {
  switch (x.k) {
    case 'term':
      depTerm(c, x.term);
      break;
    case 'unify':
      depTerm(c, x.a);
      depTerm(c, x.b);
      break;
    case 'somein':
      depTerm(c, x.coll);
      depTerm(c, x.val);
      if (x.key) depTerm(c, x.key);
      break;
    case 'every':
      depTerm(c, x.coll);
      for (const y of x.body) depExpr(c, y);
      break;
    case 'not':
      depExpr(c, x.expr);
      break;
  }
  if (x.withs) for (const w of x.withs) depTerm(c, w.value);
}

function allData(rules: CompiledRule[]): boolean {
  for (let i = 0; i < rules.length; i++) if (!rules[i]!.data) return false;
  return true;
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
