// The builtin function registry shared by every builtin family file. Kept apart from index.ts so
// family modules can register without importing index.ts (no circular imports).
import type { Value } from '../value.js';

export interface BuiltinContext {
  /** --strict-builtin-errors */
  strict: boolean;
  /** time.now_ns(), fixed for one query evaluation */
  nowNs: bigint;
  /** per-query cache (compiled regexes, uuid.rfc4122 results, ...) */
  cache: Map<string, unknown>;
  /** the largest collection a builtin may build (elements); 0: no limit */
  maxSize?: number;
  /** the evaluation's deadline (epoch ms), for a builtin that can run long; 0: none */
  deadline?: number;
}

export class BuiltinError extends Error {
  constructor(
    public code: 'eval_builtin_error' | 'eval_type_error',
    message: string,
  ) {
    super(message);
  }
}

export interface Builtin {
  /** e.g. "count", "array.concat", "time.parse_rfc3339_ns" */
  name: string;
  /** number of INPUT args */
  arity: number;
  /** undefined = no result (the expression is undefined) */
  fn?: (args: Value[], ctx: BuiltinContext) => Value | undefined;
  /** multi-output builtins (walk) */
  relation?: (args: Value[], ctx: BuiltinContext) => Iterable<Value>;
}

export const builtins = new Map<string, Builtin>();

/** What a builtin family lends to generated code (eval/codegen.ts), set when the family loads. */
export const inlineForms: {
  /** sprintf's common formats: literal parts and verbs (null: the general formatter decides) */
  sprintfParse?: (format: string) => { lits: string[]; verbs: string[] } | null;
  /** one argument's text under a verb of sprintfParse, undefined when the general formatter decides */
  sprintfArg?: (v: Value, verb: string) => string | undefined;
} = {};

export type BuiltinFn = (args: Value[], ctx: BuiltinContext) => Value | undefined;

/** Registers a function builtin; `names` may list aliases sharing one implementation. */
export function def(names: string | string[], arity: number, fn: BuiltinFn): void {
  for (const name of Array.isArray(names) ? names : [names]) builtins.set(name, { name, arity, fn });
}

export function defRelation(
  name: string,
  arity: number,
  relation: (args: Value[], ctx: BuiltinContext) => Iterable<Value>,
): void {
  builtins.set(name, { name, arity, relation });
}
