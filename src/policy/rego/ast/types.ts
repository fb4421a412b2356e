// Abstract syntax of Rego modules and queries as produced by parser.ts and rewritten by compiler.ts.
import type { Value } from '../value.js';
import type { Location } from '../errors.js';

export type Term =
  | { t: 'scalar'; v: Value; loc: Location }
  | { t: 'var'; name: string; loc: Location }
  // terms[0] is the head (var, composite or call); the rest are the operands ("x.y" -> scalar "y")
  | { t: 'ref'; terms: Term[]; loc: Location }
  // ground: the literal holds only scalars and ground literals (no variables, refs or calls); passes
  // may skip it and share it unchanged
  | { t: 'array'; items: Term[]; loc: Location; ground?: boolean }
  | { t: 'object'; items: [Term, Term][]; loc: Location; ground?: boolean }
  | { t: 'set'; items: Term[]; loc: Location; ground?: boolean }
  | { t: 'arraycomp'; term: Term; body: Expr[]; loc: Location; tmplWith?: boolean }
  | { t: 'setcomp'; term: Term; body: Expr[]; loc: Location }
  | { t: 'objcomp'; key: Term; value: Term; body: Expr[]; loc: Location }
  // op: dotted name as written ("count", "lib.f", "data.x.f"); the compiler resolves it into `fn`
  | { t: 'call'; op: string; args: Term[]; loc: Location; fn?: string; fnRef?: boolean }
  | { t: 'template'; parts: (string | Term)[]; loc: Location };

export interface With {
  target: Term; // ref or var (input, data.x, count, data.pkg.f ...)
  value: Term;
  path?: string[]; // resolved: ["input", ...] / ["data", ...] / function name in fn
  fn?: string;
}

export type ExprBody =
  | { k: 'term'; term: Term }
  | { k: 'unify'; a: Term; b: Term; decl: boolean }
  | { k: 'some'; vars: Term[] }
  | { k: 'somein'; key?: Term; val: Term; coll: Term }
  | { k: 'every'; key?: Term; val: Term; coll: Term; body: Expr[] }
  | { k: 'not'; expr: Expr };

export type Expr = ExprBody & { loc: Location; withs?: With[]; text?: string; qi?: number };

export interface ElseClause {
  value?: Term;
  body: Expr[];
  loc: Location;
}

export interface Rule {
  ref: Term[]; // head ref: ref[0] is a string scalar (the first name); the rest are the operands
  args?: Term[]; // functions
  key?: Term; // `contains` rules: the member
  value?: Term; // undefined means `true`
  contains: boolean;
  body: Expr[];
  isDefault: boolean;
  elses: ElseClause[];
  loc: Location;
  assign: boolean;
  annotations?: Annotations;
  /** derived (ast/vars.ts isDataRule): a named constant; set when first asked */
  dataRule?: boolean;
}

/** A METADATA block, as parsed from its YAML (authors normalised to {name, email}). */
export type Annotations = Record<string, unknown> & { scope: string };

export interface Import {
  path: Term; // a ref: data.x.y / input.x / rego.v1 / future.keywords...
  alias?: string;
  loc: Location;
}

export interface Module {
  file: string;
  pkg: string[]; // package path without the leading "data"
  pkgLoc: Location;
  imports: Import[];
  rules: Rule[];
  annotations?: Annotations; // package / subpackages scope
}
