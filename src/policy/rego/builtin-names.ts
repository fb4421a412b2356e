// Names and arities of builtins: the builtins registry plus the few the evaluator implements.
import { builtins } from './builtins/index.js';

/** Extra builtins implemented by the evaluator itself. */
export const EVAL_BUILTINS = new Map<string, number>([
  ['print', -1],
  ['internal.print', 1],
  ['trace', 1],
  ['internal.member_2', 2],
  ['internal.member_3', 3],
  ['rego.metadata.chain', 0],
  ['rego.metadata.rule', 0],
  ['walk', 1],
  ['opa.runtime', 0],
  ['rego.parse_module', 2],
  ['http.send', 1],
]);

export function builtinArity(name: string): number | undefined {
  const b = builtins.get(name);
  if (b) return b.arity;
  return EVAL_BUILTINS.get(name);
}
