// The parser lives in ast/parser.ts; this module keeps the old import path working.
export { Parser, parseModule, parseQuery, parseTerm, refToPath } from './ast/parser.js';
