// PolicyEngine backed by Obligo's own Rego evaluator: modules are parsed and compiled once.
import type { BuiltinEngineOptions, EvaluateOptions, PolicyEngine } from './engine.js';
import { entrypointRef } from './engine.js';
import { loadBuiltins } from './rego/builtins/load.js';
import { RegoEngine } from './rego/engine.js';
import { toJS } from './rego/value.js';

export class BuiltinPolicyEngine implements PolicyEngine {
  readonly backend = 'builtin' as const;
  private readonly engine: RegoEngine;

  /** Parses and compiles the modules, then loads the builtin families they call (and only those). */
  static async create(opts: BuiltinEngineOptions): Promise<BuiltinPolicyEngine> {
    const e = new BuiltinPolicyEngine(opts);
    await loadBuiltins(e.engine.usedBuiltins());
    return e;
  }

  private constructor(opts: BuiltinEngineOptions) {
    this.engine = new RegoEngine({ timeoutMs: opts.timeoutMs, maxValueSize: opts.maxValueSize, codegen: opts.codegen });
    for (const m of opts.modules) this.engine.addModule(m.path, m.text);
    if (opts.data !== undefined) this.engine.setData(opts.data);
    this.engine.compile();
  }

  async evaluate(entrypoint: string, input: unknown, opts: EvaluateOptions = {}): Promise<unknown> {
    const v = this.engine.eval(entrypointRef(entrypoint), input, { timeoutMs: opts.timeoutMs });
    return v === undefined ? undefined : toJS(v);
  }
}
