// evaluate/: the application layer. evaluate(request, deps) → Evaluation (measure, then ask the
// policies); selection of SLAs; the JSON documents that are both output and policy input.
export { evaluate, type EvaluateDeps, type EvaluateRequest, type StatusOptions } from './evaluate.js';
export { ObligoPolicies, PolicyError, gateInput, type PolicyOptions } from './policies.js';
export { selectSlas, SelectionError, type Selection } from './selection.js';
export { statusDocument, creditDocument } from './documents.js';
export type * from './types.js';
