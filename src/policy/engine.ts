// The policy engine seen by the rest of Obligo: "evaluate this entrypoint with this input". Two
// backends: the built-in Rego evaluator (default; needs no `opa` binary) and a wasm bundle built by
// `opa build -t wasm` (OBLIGO_POLICY_BACKEND=wasm, OBLIGO_POLICY_BUNDLE=bundle.tar.gz).

export interface PolicyEngine {
  readonly backend: 'builtin' | 'wasm';
  /**
   * Evaluates an entrypoint such as "obligo/decision/result"; undefined when the policy is undefined.
   * An evaluation that passes its deadline or builds a value beyond the size bound rejects with a
   * RegoLimitError (src/policy/rego/errors.ts: kind "timeout" or "size"), never hangs.
   */
  evaluate(entrypoint: string, input: unknown, opts?: EvaluateOptions): Promise<unknown>;
}

export interface EvaluateOptions {
  /** deadline of this evaluation in ms (default: the engine's, 5 s); the gate passes --timeout */
  timeoutMs?: number;
}

export interface BuiltinEngineOptions {
  /** Rego sources (hand-written policies and the modules `obligo compile` generates). */
  modules: { path: string; text: string }[];
  /** The data document (e.g. the generated policies/data.json). */
  data?: unknown;
  /** default deadline of one evaluation (ms, default 5000) */
  timeoutMs?: number;
  /** the largest collection an evaluation may build (elements, default 5,000,000) */
  maxValueSize?: number;
  /**
   * Compile rule bodies to JavaScript (default true: fastest for many evaluations). false: closures
   * only, cheaper to build: a process that evaluates once (`obligo gate`) saves the code generation.
   */
  codegen?: boolean;
}

export interface WasmEngineOptions {
  /** Path of a bundle.tar.gz built by `opa build -t wasm -e obligo/decision/result …`. */
  bundle: string;
  /** Data merged over the bundle's data.json (e.g. the contracts' generated data). */
  data?: unknown;
}

export type PolicyBackendChoice = { backend: 'builtin' } & BuiltinEngineOptions | ({ backend: 'wasm' } & WasmEngineOptions);

export async function createPolicyEngine(choice: PolicyBackendChoice): Promise<PolicyEngine> {
  if (choice.backend === 'wasm') {
    const { WasmPolicyEngine } = await import('./wasm-backend.js');
    return WasmPolicyEngine.load(choice);
  }
  const { BuiltinPolicyEngine } = await import('./builtin-backend.js');
  return BuiltinPolicyEngine.create(choice);
}

/** "obligo/decision/result" → "data.obligo.decision.result" (the entrypoint naming of `opa build -e`). */
export function entrypointRef(entrypoint: string): string {
  return 'data.' + entrypoint.split('/').filter(Boolean).join('.');
}
