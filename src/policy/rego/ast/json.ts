// OPA's JSON form of a parsed module (what rego.parse_module returns), for the parts policies
// usually inspect: package path, imports, rule heads and bodies as terms.
import type { Expr, Module, Rule, Term } from './types.js';
import { fromJS, type Value } from '../value.js';

type J = Record<string, unknown>;

function term(t: Term): J {
  switch (t.t) {
    case 'scalar':
      return { type: t.v === null ? 'null' : typeof t.v === 'bigint' ? 'number' : typeof t.v, value: t.v };
    case 'var':
      return { type: 'var', value: t.name.startsWith('$_') ? '_' : t.name };
    case 'ref':
      return { type: 'ref', value: t.terms.map(term) };
    case 'array':
      return { type: 'array', value: t.items.map(term) };
    case 'set':
      return { type: 'set', value: t.items.map(term) };
    case 'object':
      return { type: 'object', value: t.items.map(([k, v]) => [term(k), term(v)]) };
    case 'arraycomp':
      return { type: 'arraycomprehension', value: { term: term(t.term), body: body(t.body) } };
    case 'setcomp':
      return { type: 'setcomprehension', value: { term: term(t.term), body: body(t.body) } };
    case 'objcomp':
      return { type: 'objectcomprehension', value: { key: term(t.key), value: term(t.value), body: body(t.body) } };
    case 'call':
      return { type: 'call', value: [opRef(t.op), ...t.args.map(term)] };
    case 'template':
      return { type: 'templatestring', value: t.parts.map((p) => (typeof p === 'string' ? { type: 'string', value: p } : term(p))) };
  }
}

function opRef(op: string): J {
  const [h, ...rest] = op.split('.');
  return { type: 'ref', value: [{ type: 'var', value: h }, ...rest.map((s) => ({ type: 'string', value: s }))] };
}

function expr(e: Expr, index: number): J {
  const out: J = { index };
  switch (e.k) {
    case 'term':
      out.terms = e.term.t === 'call' ? [opRef(e.term.op), ...e.term.args.map(term)] : term(e.term);
      break;
    case 'unify':
      out.terms = [opRef(e.decl ? 'assign' : 'eq'), term(e.a), term(e.b)];
      break;
    case 'some':
      out.terms = { type: 'somedecl', value: e.vars.map(term) };
      break;
    case 'somein':
      out.terms = {
        type: 'somedecl',
        value: [{ type: 'call', value: [opRef(e.key ? 'internal.member_3' : 'internal.member_2'), ...(e.key ? [term(e.key)] : []), term(e.val), term(e.coll)] }],
      };
      break;
    case 'every':
      out.terms = {
        type: 'every',
        value: { ...(e.key ? { key: term(e.key) } : {}), value: term(e.val), domain: term(e.coll), body: body(e.body) },
      };
      break;
    case 'not':
      Object.assign(out, expr(e.expr, index), { negated: true });
      break;
  }
  if (e.withs?.length) out.with = e.withs.map((w) => ({ target: term(w.target), value: term(w.value) }));
  return out;
}

function body(b: Expr[]): J[] {
  return b.map(expr);
}

function rule(r: Rule): J {
  const name = r.ref[0]!.t === 'scalar' ? String(r.ref[0]!.v) : '';
  const head: J = {
    name,
    ref: [{ type: 'var', value: name }, ...r.ref.slice(1).map(term)],
  };
  if (r.args) head.args = r.args.map(term);
  if (r.key) head.key = term(r.key);
  head.value = r.value ? term(r.value) : { type: 'boolean', value: true };
  if (r.assign) head.assign = true;
  const out: J = { head, body: body(r.body) };
  if (r.isDefault) out.default = true;
  if (r.elses.length) {
    let cur = out;
    for (const e of r.elses) {
      const el: J = { head: { ...head, value: e.value ? term(e.value) : { type: 'boolean', value: true } }, body: body(e.body) };
      cur.else = el;
      cur = el;
    }
  }
  return out;
}

export function moduleToValue(m: Module): Value {
  const j: J = {
    package: {
      path: [{ type: 'var', value: 'data' }, ...m.pkg.map((p) => ({ type: 'string', value: p }))],
    },
    rules: m.rules.map(rule),
  };
  if (m.imports.length) {
    j.imports = m.imports.map((i) => ({ path: term(i.path), ...(i.alias ? { alias: i.alias } : {}) }));
  }
  return fromJS(j);
}
