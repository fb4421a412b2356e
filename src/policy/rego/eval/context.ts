// Types shared by the evaluator's layers: continuations, variable environments and the evaluation
// context that `with` replaces.
import type { Term } from '../ast/types.js';
import { RObject, RSet, type Value } from '../value.js';
import { groundValue } from './values.js';

/** A continuation: called once per solution; returns true to stop the search. */
export type K = () => boolean;
/** A continuation that receives a value. */
export type KV = (v: Value) => boolean;
/** Variable bindings of one rule evaluation. */
export type Env = Map<string, Value>;

/** A function replaced by `with`: by a value or by another function. */
export type Mock = { value: Value } | { fn: string };

export interface Ctx {
  input: Value | undefined;
  data: Value; // base documents (patched by `with data...`)
  overridden: Set<string> | null; // data paths (joined with \0) replaced by `with`
  fnMocks: Map<string, Mock> | null;
  cache: Map<string, Value | null>; // null = undefined
  inProgress: Set<string>;
}

export interface EvalOptions {
  strict: boolean;
  nowNs: bigint;
  input: Value | undefined;
  data: Value;
  printer?: (s: string) => void;
}

export const CONFLICT = 'eval_conflict_error';

/** A rule value that is the same for every solution (absent means `true`). */
export function isConstant(t: Term | undefined): boolean {
  return t === undefined || groundValue(t) !== undefined;
}

export function isMock(v: unknown): v is Mock {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof RObject) && !(v instanceof RSet) && ('fn' in v || 'value' in v);
}
