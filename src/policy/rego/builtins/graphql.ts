// The graphql.* builtins as OPA 1.22.4 answers them. OPA uses vektah/gqlparser v2.5.64, and so do
// we, ported: its parser (graphql-gqlparser.ts) gives graphql.parse_schema, parse_query, parse and
// parse_and_verify their values (gqlparser's SchemaDocument and QueryDocument as OPA hands them
// over: Go field names, comments, pruned of positions, nulls and empties) and parse errors in its
// words and positions; its schema loading (graphql-schema.ts, with its prelude) decides whether a
// schema is valid and words the first problem; its query validator (graphql-validate.ts) finds
// every problem of a query, in its order. OPA formats those errors (formatGqlParserError), and so
// do we. A schema or query may also be given as an AST object (what parse_schema/parse_query
// return), which OPA decodes into gqlparser's structures (graphql-decode.ts decodes the same way).
import { fromJS, RObject, toJS, typeName, type Value } from '../value.js';
import { decode } from './graphql-decode.js';
import { gqlParseQuery, gqlParseSchema, GqlSyntaxError, pruneGql } from './graphql-gqlparser.js';
import { GqlSchemaError, loadSchemaDocument, type LoadedSchema } from './graphql-schema.js';
import { hasProblems, validateQuery, type GqlProblem } from './graphql-validate.js';
import { isLimit, withBudget } from './graphql-budget.js';
import { BuiltinError, def as defBuiltin, type BuiltinFn } from './registry.js';

/** Every graphql builtin runs under the evaluation's deadline and size limit (graphql-budget.ts). */
const def = (name: string, arity: number, fn: BuiltinFn): void => defBuiltin(name, arity, (args, ctx) => withBudget(ctx, () => fn(args, ctx)));

type Obj = Record<string, unknown>;

/** A document as OPA reads it: the value policies see (taken before validation annotates the document) and gqlparser's document. */
interface Read {
  ast: unknown;
  doc: Obj;
}

/**
 * OPA's formatGqlParserError over an error's text ("input:L:C: message", a list of those one a
 * line): the message after the first location, a final ".\n" trimmed (only that: a message not
 * ending in a period keeps the list's newline); when the text does not start with a location
 * (an AST object has no positions, a negative column is no number for OPA), "GraphQL parse error: "
 * and the whole text.
 */
function formatGqlParserError(text: string): string {
  const parts = splitN(text, ':', 4);
  if (parts.length >= 4 && /^\d+$/.test(parts[1]!) && /^\d+$/.test(parts[2]!)) {
    let msg = parts[3]!.replace(/^ +/, '');
    if (msg.endsWith('.\n')) msg = msg.slice(0, -2);
    return `${msg} in GraphQL string at location ${Number(parts[1])}:${Number(parts[2])}`;
  }
  return `GraphQL parse error: ${text}`;
}

/** Go's strings.SplitN. */
function splitN(s: string, sep: string, n: number): string[] {
  const out: string[] = [];
  let rest = s;
  while (out.length < n - 1) {
    const i = rest.indexOf(sep);
    if (i < 0) break;
    out.push(rest.slice(0, i));
    rest = rest.slice(i + sep.length);
  }
  out.push(rest);
  return out;
}

/** A parse or decoding error as OPA words it. */
function parseError(name: string, e: unknown): BuiltinError {
  if (isLimit(e)) throw e;
  if (e instanceof GqlSyntaxError) return new BuiltinError('eval_builtin_error', `${name}: ${formatGqlParserError(`input:${e.line}:${e.column}: ${e.message}`)}`);
  return new BuiltinError('eval_builtin_error', `${name}: ${(e as Error).message}`);
}

/** gqlparser's error list as text: "input:L:C: message" lines, each ending in a newline. */
function listText(problems: GqlProblem[]): string {
  return problems.map((p) => `input${p.locations[0] ? `:${p.locations[0].line}:${p.locations[0].column}` : ''}: ${p.message}\n`).join('');
}

/** A query (string, or a QueryDocument object) as OPA reads it. Throws on a parse or decoding error; undefined for other types. */
function readQuery(v: Value | undefined): Read | undefined {
  const doc = v instanceof RObject ? decode('QueryDocument', toJS(v)) : typeof v === 'string' ? gqlParseQuery(v) : undefined;
  return doc && { ast: pruneGql(doc), doc };
}

/** A schema (string, or a SchemaDocument object) as OPA reads it; as readQuery. */
function readSchema(v: Value | undefined): Read | undefined {
  const doc = v instanceof RObject ? decode('SchemaDocument', toJS(v)) : typeof v === 'string' ? gqlParseSchema(v) : undefined;
  return doc && { ast: pruneGql(doc), doc };
}

/** Reads both, loads the schema and validates the query; undefined on any problem. */
function verified(query: Value | undefined, schema: Value | undefined): { q: Read; s: Read } | undefined {
  try {
    const q = readQuery(query);
    const s = q && readSchema(schema);
    if (!q || !s) return undefined;
    return hasProblems(loadSchemaDocument(s.doc), q.doc) ? undefined : { q, s };
  } catch (e) {
    if (isLimit(e)) throw e;
    return undefined;
  }
}

def('graphql.schema_is_valid', 1, ([schema]) => {
  try {
    const s = readSchema(schema);
    return !!s && !!loadSchemaDocument(s.doc);
  } catch (e) {
    if (isLimit(e)) throw e;
    return false;
  }
});

def('graphql.is_valid', 2, ([query, schema]) => verified(query, schema) !== undefined);

def('graphql.parse_and_verify', 2, ([query, schema]) => {
  const ok = verified(query, schema);
  // any problem: [false, {}, {}], as OPA
  return ok ? [true, fromJS(ok.q.ast), fromJS(ok.s.ast)] : [false, new RObject(), new RObject()];
});

def('graphql.parse_query', 1, ([q]) => {
  if (typeof q !== 'string') throw new BuiltinError('eval_type_error', `graphql.parse_query: operand 1 must be string but got ${typeName(q!)}`);
  try {
    return fromJS(readQuery(q)!.ast);
  } catch (e) {
    throw parseError('graphql.parse_query', e);
  }
});

def('graphql.parse_schema', 1, ([s]) => {
  if (typeof s !== 'string') throw new BuiltinError('eval_type_error', `graphql.parse_schema: operand 1 must be string but got ${typeName(s!)}`);
  try {
    return fromJS(readSchema(s)!.ast);
  } catch (e) {
    throw parseError('graphql.parse_schema', e);
  }
});

def('graphql.parse', 2, ([query, schema]) => {
  const name = 'graphql.parse';
  let q: Read | undefined;
  let s: Read | undefined;
  try {
    q = readQuery(query);
    if (q) s = readSchema(schema);
  } catch (e) {
    throw parseError(name, e);
  }
  if (!q) throw new BuiltinError('eval_type_error', `${name}: operand 1 must be one of {object, string} but got ${typeName(query!)}`);
  if (!s) throw new BuiltinError('eval_type_error', `${name}: operand 2 must be one of {object, string} but got ${typeName(schema!)}`);
  let loaded: LoadedSchema;
  try {
    loaded = loadSchemaDocument(s.doc);
  } catch (e) {
    if (isLimit(e)) throw e;
    if (e instanceof GqlSchemaError) throw new BuiltinError('eval_builtin_error', `${name}: Error in gqlparser SchemaDocument to Schema conversion: ${e.message}`);
    throw parseError(name, e);
  }
  const problems = validateQuery(loaded, q.doc);
  if (problems.length) throw new BuiltinError('eval_builtin_error', `${name}: ${formatGqlParserError(listText(problems))}`);
  return [fromJS(q.ast), fromJS(s.ast)];
});
