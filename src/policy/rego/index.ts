// Public API of the Rego v1 engine.
//
//   const engine = new RegoEngine({ strictBuiltinErrors: false });
//   engine.addModule('policies/x.rego', text);   // parses now; RegoError "file:row:col: message"
//   engine.setData({...});                       // plain JS or Value
//   engine.compile();                            // safety, recursion, conflicts
//   engine.eval('data.x.allow', input);          // value or undefined
//   engine.query('x := data.x.deny[_]', { input }); // [{ expressions, bindings }]
//   runTests(engine)                             // opa test: every test_* rule
//
// Layers (each imports only the ones before it): value.ts, errors.ts (the data model) -> ast/ (lexer,
// parser, syntax types, one visitor) -> builtins/decls.ts (names and arities) -> compile/ (name
// resolution, safety reordering, recursion and conflict checks; IR types in compile/ir.ts) ->
// eval/ (closures.ts compiles rule bodies into closures once per rule; run.ts is one evaluation: the
// data tree, caches, `with`, calls; values.ts) -> builtins/ implementations (loaded by family) -> engine.ts.
// Importing this module loads every builtin family; engine.ts alone loads none (see builtins/load.ts).
import './builtins/index.js';
export { DEFAULT_MAX_VALUE_SIZE, DEFAULT_TIMEOUT_MS, RegoError, RegoErrors, RegoLimitError, type Location } from './errors.js';
export type { Module, Rule, Expr, Term } from './ast/types.js';
export { parseQuery, parseTerm } from './ast/parser.js';
export { RegoEngine, parseModule, type RegoEngineOptions, type QueryResult, type QueryOptions, type RegoModuleSource, type RuleInfo } from './engine.js';
export { runTests, type TestResult } from './test-runner.js';
export * from './value.js';
export { loadBuiltins, loadAllBuiltins } from './builtins/load.js';
