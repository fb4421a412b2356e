// A graphql builtin runs synchronously, so the evaluator's deadline and size limit cannot stop it from
// outside. The ported validator compares fields and fragments pairwise (gqlparser's
// OverlappingFieldsCanBeMerged): a hostile query of 16,000 fields with one response name is 128 million
// comparisons, and without a bound it ran out of memory. Those loops count their steps here; past the
// evaluation's deadline or its value-size limit, the evaluation stops as it does anywhere else
// (RegoLimitError: eval_cancel_error, eval_resource_error), never read as "valid" or "invalid".
import { RegoLimitError } from '../errors.js';
import type { BuiltinContext } from './registry.js';

let deadline = 0;
let maxSize = 0;
let steps = 0;

/** Run one builtin call under the evaluation's deadline and size limit (graphql builtins never nest). */
export function withBudget<T>(ctx: BuiltinContext, f: () => T): T {
  deadline = ctx.deadline ?? 0;
  maxSize = ctx.maxSize ?? 0;
  try {
    return f();
  } finally {
    deadline = 0;
    maxSize = 0;
  }
}

/** One unit of work (a pair compared, a node visited); the clock is read every 1,024 units. */
export function step(): void {
  if ((++steps & 1023) !== 0) return;
  if (deadline && Date.now() > deadline) throw new RegoLimitError('timeout', 'evaluation timed out');
}

/**
 * Problems (and conflicts between fields) a query may have before the evaluation stops: each is an
 * object of a few hundred bytes and a line of the error message, so the evaluation's value-size limit
 * (5,000,000 elements) would still allow gigabytes. OPA lists them all; past this many we stop.
 */
export const MAX_GRAPHQL_PROBLEMS = 100_000;

/** A list the validator builds has reached `n` elements. */
export function grown(n: number): void {
  const limit = maxSize ? Math.min(maxSize, MAX_GRAPHQL_PROBLEMS) : MAX_GRAPHQL_PROBLEMS;
  if (n > limit) throw new RegoLimitError('size', `graphql: more than ${limit} problems or conflicts`);
}

/** Limit errors pass through the builtins' own error handling (which turns the rest into "invalid"). */
export function isLimit(e: unknown): e is RegoLimitError {
  return e instanceof RegoLimitError;
}
