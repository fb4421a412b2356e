// Whole-program checks that run after every rule is compiled: calls to undefined functions and
// conflicting rule kinds at one path. This is the home for further static checks (the type
// checker): each is a function from the compiled rule tree to a list of errors.
import { RegoError, type Location } from '../errors.js';
import type { RuleNode } from './ir.js';

/** Calls to functions that are neither builtins nor rules, unless some `with` replaces them. */
export function checkUnknownFns(unknown: readonly { op: string; loc: Location }[], mocked: ReadonlySet<string>, errors: RegoError[]): void {
  for (const u of unknown) {
    if (!mocked.has(u.op)) errors.push(new RegoError('rego_type_error', `undefined function ${u.op}`, u.loc));
  }
}

/** Rules of different kinds at one path, several defaults, functions mixed with values. */
export function checkConflicts(n: RuleNode, errors: RegoError[]): void {
  const name = 'data.' + n.path.join('.');
  if (n.rules.length || n.defaults.length || n.funcs.length) {
    const kinds = new Set<string>(n.rules.map((r) => (r.kind === 'set' && r.dyn.length ? 'object' : r.kind)));
    for (const d of n.defaults) kinds.add(d.kind);
    const valueKinds = [...kinds];
    if (valueKinds.length > 1 || (valueKinds.length && n.funcs.some((f) => !f.isDefault))) {
      const r = n.rules[0] ?? n.funcs[0]!;
      errors.push(new RegoError('rego_type_error', `conflicting rules ${name} found`, r.loc));
    }
    const defaults = [...n.defaults, ...n.funcs.filter((f) => f.isDefault)];
    if (defaults.length > 1) errors.push(new RegoError('rego_type_error', `multiple default rules ${name} found`, defaults[1]!.loc));
    const arities = new Set(n.funcs.map((f) => f.args!.length));
    if (arities.size > 1) errors.push(new RegoError('rego_type_error', `conflicting rules ${name} found`, n.funcs[0]!.loc));
  }
  for (const c of n.children.values()) checkConflicts(c, errors);
}
