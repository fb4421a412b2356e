// The compiler's intermediate representation: rules with names resolved, bodies ordered for
// safety, indexed in a tree by their static path under `data`. The evaluator reads only these
// types (and the syntax types of ast/); this module imports nothing but types, so any compiler
// pass (checks, the type checker to come) can use it without import cycles.
import type { Annotations, Expr, Module, Term } from '../ast/types.js';
import type { Location } from '../errors.js';

export type RuleKind = 'complete' | 'set' | 'object' | 'func';

export interface CompiledRule {
  kind: RuleKind;
  path: string[]; // static path from data, e.g. ["test", "p"]
  dyn: Term[]; // the ref terms after the static prefix (object / set-of-object rules)
  args?: Term[];
  key?: Term;
  value?: Term; // undefined means true
  body: Expr[];
  elses: { value?: Term; body: Expr[] }[];
  isDefault: boolean;
  loc: Location;
  module: Module;
  annotations?: Annotations;
  /** a named constant (ast/vars.ts isDataRule): body `true`, a ground value, nothing to check */
  data?: true;
  /** the evaluator's compiled form of this rule, built lazily by eval/ (opaque here) */
  evalPlan?: unknown;
}

/** The children of a node without any (shared: RuleNode.child makes a node its own map). */
const NO_CHILDREN: ReadonlyMap<string, RuleNode> = new Map();
const NO_RULES: readonly CompiledRule[] = Object.freeze([]);

export class RuleNode {
  /** (read-only here: add children through child()) */
  children = NO_CHILDREN as Map<string, RuleNode>;
  rules: CompiledRule[] = []; // value-producing rules (not default, not function)
  // (most nodes have neither: one shared frozen empty list until addDefault/addFunc)
  defaults = NO_RULES as CompiledRule[];
  funcs = NO_RULES as CompiledRule[];
  private ck: string | null = null;
  constructor(public path: string[]) {}

  /** the key of this node's value in caches, made when first asked for */
  get cacheKey(): string {
    return (this.ck ??= 'n\0' + this.path.join('\0'));
  }

  addDefault(r: CompiledRule): void {
    if (this.defaults === NO_RULES) this.defaults = [];
    this.defaults.push(r);
  }
  addFunc(r: CompiledRule): void {
    if (this.funcs === NO_RULES) this.funcs = [];
    this.funcs.push(r);
  }

  /** The child named name, made if there is none. */
  child(name: string): RuleNode {
    let c = this.children.get(name);
    if (c === undefined) {
      if (this.children === NO_CHILDREN) this.children = new Map();
      this.children.set(name, (c = new RuleNode(this.path.length ? [...this.path, name] : [name])));
    }
    return c;
  }
  isPackage = false;
  /** the token of the type checker that typed this node's rules / its whole subtree (typecheck.ts;
   * an object per checker, no global counter) */
  typed: object | undefined = undefined;
  subtreeTyped: object | undefined = undefined;
  /** an ancestor has rules with variables in their ref: this node's value may be merged into theirs */
  underRefHead = false;
  /** all rules are `p[k] := v` (object) or `p contains k` (set) with a variable k: a lookup with a
   * known key can evaluate only the matching solutions */
  keyed: 'object' | 'set' | undefined;
  /** the value depends on neither input nor time/randomness: it may be cached across queries */
  isStatic = false;
  /** the evaluator's front cache (eval/run.ts): the value (null: undefined) computed in the
   * evaluation context whose id is cid */
  cid = 0;
  cval: unknown = null;
  /** being evaluated (a dynamic recursion check) */
  busy = false;
  /** a static node's value (null: undefined) as stored in the shared map sharedIn (eval/run.ts);
   * valid while that map is the compiler's */
  sharedIn: unknown = null;
  sharedVal: unknown = null;
  /** how the evaluator goes about this node (eval/run.ts NodePlan; made on first use, per compile) */
  evalInfo: unknown = null;
  get hasRules(): boolean {
    return this.rules.length > 0 || this.defaults.length > 0;
  }
}

/** What name resolution (scope.ts) needs from the compiler it works for. */
export interface ScopeHost {
  /** arity of a user function ("data.a.f") or builtin; undefined when there is none */
  arityOf(fn: string): number | undefined;
  /** first-level rule names of a package */
  packageRuleNames(pkg: string[]): Set<string> | undefined;
  /** calls to functions that are neither builtins nor rules (an error unless some `with` mocks them) */
  unknownFns: { op: string; loc: Location }[];
  /** functions replaced by `with` somewhere in the current unit */
  mockedFns: Set<string>;
  /** builtins that resolved calls (and `with` replacements) name: what evaluation must load */
  usedBuiltins: Set<string>;
  /** a fresh variable name derived from base, unique within this compiler */
  fresh(base: string): string;
}
