// RegoEngine: holds modules and base data, compiles once, answers queries.
import { Parser, parseQuery } from './ast/parser.js';
import type { Expr, Module, Term } from './ast/types.js';
import { visitBody, visitExpr } from './ast/visit.js';
import { Compiler } from './compile/compiler.js';
import type { CompiledRule, RuleNode } from './compile/ir.js';
import { DEFAULT_MAX_VALUE_SIZE, DEFAULT_TIMEOUT_MS, isResourceError, RegoError, RegoLimitError } from './errors.js';
import type { QueryPlan, ValFn } from './eval/closures.js';
import { Program, Run } from './eval/run.js';
import { fromJS, RObject, type Value } from './value.js';

export interface RegoModuleSource {
  path: string;
  text: string;
}

export interface QueryResult {
  expressions: Value[];
  bindings: Map<string, Value>;
}

export interface QueryOptions {
  input?: Value | unknown;
  nowNs?: bigint;
  /** wall-clock limit for this evaluation (ms; default: the engine's, DEFAULT_TIMEOUT_MS); 0 = none.
   * Exceeding it is a RegoLimitError (eval_cancel_error). */
  timeoutMs?: number;
  /** where print() output goes (default: stderr) */
  print?: (s: string) => void;
}

export interface RegoEngineOptions {
  /** --strict-builtin-errors */
  strictBuiltinErrors?: boolean;
  /** default deadline of one evaluation (ms; DEFAULT_TIMEOUT_MS); 0: none */
  timeoutMs?: number;
  /** the largest array, set or object an evaluation may build (elements; DEFAULT_MAX_VALUE_SIZE); 0: no bound */
  maxValueSize?: number;
  /** compile rule bodies to JavaScript (eval/codegen.ts; default true); false: closures only (tests
   * compare both) */
  codegen?: boolean;
}

export interface RuleInfo {
  package: string; // "a.b"
  name: string; // last static path element
  path: string[]; // from data
  kind: CompiledRule['kind'];
  isDefault: boolean;
  file: string;
  row: number;
  col: number;
}

interface CompiledQuery {
  plan: QueryPlan;
  count: number; // number of top-level expressions
  texts: string[];
  locs: { row: number; col: number }[];
  vars: string[]; // user-visible variables, in order of appearance
  strictFalse: boolean; // see Runtime.qStrictFalse
  /** a query that is one term without iteration (a ref such as data.pkg.rule): its value, directly */
  single?: { size: number; s: ValFn };
}

/** Whether a query iterates: a ref operand that is a variable, or `some`. */
function hasIteration(body: Expr[]): boolean {
  let found = false;
  visitBody(body, {
    expr: (e) => {
      if (e.k === 'some' || e.k === 'somein') found = true;
      return !found;
    },
    term: (t) => {
      if (t.t === 'ref' && t.terms.slice(1).some((y) => y.t === 'var')) found = true;
      return !found;
    },
  });
  return found;
}

export function parseModule(path: string, text: string): Module {
  return new Parser(path, text).parseModule();
}

export class RegoEngine {
  private modules = new Map<string, Module>();
  private data: Value = new RObject();
  private compiler = new Compiler();
  private compiled = false;
  /** rule bodies compiled into closures (lazily, per rule), replaced at each compile */
  private program: Program | undefined;
  private queries = new Map<string, CompiledQuery>();
  readonly strict: boolean;

  readonly timeoutMs: number;
  readonly maxValueSize: number;
  private readonly codegen: boolean;

  constructor(opts: RegoEngineOptions = {}) {
    this.strict = !!opts.strictBuiltinErrors;
    this.codegen = opts.codegen !== false;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxValueSize = opts.maxValueSize ?? DEFAULT_MAX_VALUE_SIZE;
  }

  addModule(path: string, text: string): void {
    this.modules.set(path, parseModule(path, text));
    this.compiled = false;
  }

  addParsedModule(m: Module): void {
    this.modules.set(m.file, m);
    this.compiled = false;
  }

  setData(data: Value | unknown): void {
    const v = fromJS(data);
    if (!(v instanceof RObject)) throw new RegoError('rego_type_error', 'data must be an object');
    this.data = v;
    this.queries.clear();
    // (a new map, not a cleared one: rule nodes keep static values for the map they were stored in)
    this.compiler.shared = new Map();
  }

  getModules(): Module[] {
    return [...this.modules.values()];
  }

  compile(): void {
    this.compiler.compile([...this.modules.values()]);
    this.program = new Program(this.compiler, this.codegen);
    this.compiled = true;
    this.queries.clear();
  }

  private ensureCompiled(): void {
    if (!this.compiled) this.compile();
  }

  private compileQuery(q: string): CompiledQuery {
    let cq = this.queries.get(q);
    if (cq) return cq;
    this.ensureCompiled();
    const parsed = parseQuery(q);
    parsed.forEach((e, i) => (e.qi = i));
    const texts = parsed.map((e) => e.text ?? '');
    const vars: string[] = [];
    const seen = new Set<string>();
    // user-visible variables in order of appearance (not inside comprehensions: those are local)
    const addVars = (e: Expr): void =>
      visitExpr(e, {
        expr: (x) => x.k === 'term' || x.k === 'unify' || x.k === 'some' || x.k === 'somein',
        term: (t: Term) => {
          if (t.t === 'arraycomp' || t.t === 'setcomp' || t.t === 'objcomp') return false;
          if (t.t === 'var' && !seen.has(t.name)) {
            seen.add(t.name);
            if (!t.name.startsWith('$') && t.name !== 'data' && t.name !== 'input') vars.push(t.name);
          }
          return true;
        },
      });
    parsed.forEach(addVars);
    const body = this.compiler.compileQuery(parsed);
    const plan = this.program!.planner.query(body);
    const locs = parsed.map((e) => ({ row: e.loc.row, col: e.loc.col }));
    const strictFalse = parsed.length > 1 || hasIteration(parsed);
    const single = strictFalse ? undefined : this.program!.planner.single(body);
    cq = { plan, count: parsed.length, texts, locs, vars, strictFalse, single };
    if (this.queries.size > 1000) this.queries.clear();
    this.queries.set(q, cq);
    return cq;
  }

  /** All solutions of a query. Throws RegoError on compile and evaluation errors. */
  query(q: string, opts: QueryOptions = {}): QueryResult[] {
    const cq = this.compileQuery(q);
    const run = this.run(opts);
    const results: QueryResult[] = [];
    const qvals: Value[] = new Array(cq.count).fill(true);
    run.qvals = qvals;
    run.qStrictFalse = cq.strictFalse;
    const slots = cq.vars.map((v) => [v, cq.plan.layout.slots.get(v)] as const);
    this.guard(() => run.query(cq.plan, (env) => {
      const bindings = new Map<string, Value>();
      for (const [v, i] of slots) {
        const x = i === undefined ? undefined : env[i];
        if (x !== undefined) bindings.set(v, x);
      }
      results.push({ expressions: qvals.slice(), bindings });
      return false;
    }));
    return results;
  }

  /** Texts of the query's expressions (for `opa eval`-style output). */
  queryTexts(q: string): string[] {
    return this.compileQuery(q).texts;
  }

  /** Text and position of each top-level query expression (opa eval's "text" and "location"). */
  queryInfo(q: string): { text: string; row: number; col: number }[] {
    const cq = this.compileQuery(q);
    return cq.texts.map((text, i) => ({ text, ...cq.locs[i]! }));
  }

  /** The value of a ref such as `data.pkg.rule` (undefined when undefined). */
  eval(ref: string, input?: unknown, opts: QueryOptions = {}): Value | undefined {
    const cq = this.compileQuery(ref);
    const single = cq.single;
    if (single) {
      const run = this.run(opts, input);
      try {
        return single.s(run, new Array(single.size));
      } catch (e) {
        if (isResourceError(e)) throw new RegoLimitError('size', `evaluation exhausted a resource: ${e.message}`);
        throw e;
      }
    }
    const r = this.query(ref, { ...opts, input });
    if (r.length === 0) return undefined;
    return r[0]!.expressions[0];
  }

  /** JavaScript's resource errors (a stack exhausted by deep input, ...) become RegoLimitErrors. */
  private guard<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (isResourceError(e)) throw new RegoLimitError('size', `evaluation exhausted a resource: ${e.message}`);
      throw e;
    }
  }

  private run(opts: QueryOptions, input: unknown = opts.input): Run {
    this.ensureCompiled();
    const now = Date.now();
    return new Run(this.program!, {
      strict: this.strict,
      nowNs: opts.nowNs,
      startMs: now,
      input: input === undefined ? undefined : this.guard(() => fromJS(input)),
      data: this.data,
      printer: opts.print,
      deadline: (opts.timeoutMs ?? this.timeoutMs) ? now + (opts.timeoutMs ?? this.timeoutMs) : 0,
      maxValueSize: this.maxValueSize,
    });
  }

  /** Builtins the compiled modules call: load them with loadBuiltins() when this module was imported
   * without rego/index.ts (which loads every family). */
  usedBuiltins(): string[] {
    this.ensureCompiled();
    return [...this.compiler.usedBuiltins];
  }

  /** Every compiled rule (functions included), for tools such as the test runner. */
  rules(): RuleInfo[] {
    this.ensureCompiled();
    const out: RuleInfo[] = [];
    const walk = (n: RuleNode): void => {
      for (const r of [...n.rules, ...n.defaults, ...n.funcs]) {
        out.push({
          package: r.module.pkg.join('.'),
          name: r.path[r.path.length - 1]!,
          path: r.path,
          kind: r.kind,
          isDefault: r.isDefault,
          file: r.loc.file,
          row: r.loc.row,
          col: r.loc.col,
        });
      }
      for (const c of n.children.values()) walk(c);
    };
    walk(this.compiler.root);
    return out;
  }
}
