// Public API of the Rego v1 engine.
//
//   const engine = new RegoEngine({ strictBuiltinErrors: false });
//   engine.addModule('policies/x.rego', text);   // parses now; RegoError "file:row:col: message"
//   engine.setData({...});                       // plain JS or Value
//   engine.compile();                            // safety, recursion, conflicts
//   engine.eval('data.x.allow', input);          // value or undefined
//   engine.query('x := data.x.deny[_]', { input }); // [{ expressions, bindings }]
//   runTests(engine)                             // opa test: every test_* rule
export { RegoError, RegoErrors, type Location } from './errors.js';
export type { Module, Rule, Expr, Term } from './ast.js';
export { parseQuery, parseTerm } from './parser.js';
export { RegoEngine, parseModule, type QueryResult, type QueryOptions, type RegoModuleSource, type RuleInfo } from './engine.js';
export { runTests, type TestResult } from './test-runner.js';
export * from './value.js';
