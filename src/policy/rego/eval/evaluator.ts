// The evaluator: see core.ts for how evaluation works and how the layers fit together.
export { Evaluator } from './calls.js';
export type { EvalOptions } from './context.js';
