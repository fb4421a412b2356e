// The graphql.* builtins as OPA 1.22.4 answers them. Parsing is a port of gqlparser, the parser OPA
// uses (graphql-gqlparser.ts): graphql.parse_schema, parse_query, parse and parse_and_verify return
// its SchemaDocument and QueryDocument as OPA hands them over (Go field names, comments, pruned of
// positions, nulls and empties), and parse errors are gqlparser's words and positions. Validation
// (schema_is_valid, is_valid, and the verify step of parse and parse_and_verify) goes through the
// graphql package with gqlparser's schema loading: an extension of a type the schema does not define
// defines it, and a schema needs no query root type; its errors are put in gqlparser's wording.
// A schema or query may also be given as an AST object (what parse_schema/parse_query return), which
// OPA decodes into gqlparser's structures: we print it back to GraphQL (graphql-print.ts).
import { buildASTSchema, GraphQLError, Kind, parse, validate, validateSchema, type DefinitionNode, type DocumentNode, type GraphQLSchema } from 'graphql';
import { fromJS, RObject, toJS, typeName, type Value } from '../value.js';
import { gqlParseQuery, gqlParseSchema, GqlSyntaxError, pruneGql } from './graphql-gqlparser.js';
import { decode, printQueryDocument, printSchemaDocument } from './graphql-print.js';
import { BuiltinError, def } from './registry.js';

const EXTENSIONS: Partial<Record<string, string>> = {
  [Kind.OBJECT_TYPE_EXTENSION]: Kind.OBJECT_TYPE_DEFINITION,
  [Kind.INTERFACE_TYPE_EXTENSION]: Kind.INTERFACE_TYPE_DEFINITION,
  [Kind.UNION_TYPE_EXTENSION]: Kind.UNION_TYPE_DEFINITION,
  [Kind.ENUM_TYPE_EXTENSION]: Kind.ENUM_TYPE_DEFINITION,
  [Kind.INPUT_OBJECT_TYPE_EXTENSION]: Kind.INPUT_OBJECT_TYPE_DEFINITION,
  [Kind.SCALAR_TYPE_EXTENSION]: Kind.SCALAR_TYPE_DEFINITION,
};

/** gqlparser's LoadSchema: the first extension of an undefined type stands for its definition. */
function asGqlparserLoads(doc: DocumentNode): DocumentNode {
  const defined = new Set<string>();
  for (const d of doc.definitions) if ('name' in d && d.name && !(d.kind in EXTENSIONS)) defined.add(d.name.value);
  const definitions: DefinitionNode[] = doc.definitions.map((d) => {
    const kind = EXTENSIONS[d.kind];
    if (!kind || !('name' in d) || !d.name || defined.has(d.name.value)) return d;
    defined.add(d.name.value);
    return { ...d, kind } as unknown as DefinitionNode;
  });
  return { ...doc, definitions };
}

/** The schema's GraphQL text: a string as is, an AST object printed; undefined for anything else. */
function schemaText(v: Value | undefined): string | undefined {
  if (typeof v === 'string') return v;
  if (v instanceof RObject) {
    try {
      return printSchemaDocument(decode('SchemaDocument', toJS(v)));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function queryText(v: Value | undefined): string | undefined {
  if (typeof v === 'string') return v;
  if (v instanceof RObject) {
    try {
      return printQueryDocument(decode('QueryDocument', toJS(v)));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** graphql-js schema rules gqlparser does not have. */
const NOT_GQLPARSER = [/^Query root type must be provided/, /^Interface field \w+\.\w+ is not deprecated, so implementation field \w+\.\w+ must not be deprecated/];

/**
 * A schema text (already parsed by gqlparser) built for validation with gqlparser's loading rules:
 * the schema, or the first problem graphql-js finds that gqlparser also has.
 */
function buildSchema(text: string): { schema: GraphQLSchema } | { error: unknown } {
  try {
    const doc = asGqlparserLoads(parse(text, { experimentalFragmentArguments: true }));
    const schema = buildASTSchema(doc);
    const all = validateSchema(schema);
    const errors = all.filter((e) => !NOT_GQLPARSER.some((r) => r.test(e.message)));
    if (errors.length) return { error: errors[0] };
    // validate() refuses a schema with any problem: without the ignored ones it is valid for us
    return { schema: all.length ? buildASTSchema(doc, { assumeValid: true }) : schema };
  } catch (e) {
    return { error: e };
  }
}

function loadSchema(v: Value | undefined): GraphQLSchema | undefined {
  const text = schemaText(v);
  if (text === undefined) return undefined;
  try {
    if (typeof v === 'string') gqlParseSchema(text);
  } catch {
    return undefined;
  }
  const built = buildSchema(text);
  return 'schema' in built ? built.schema : undefined;
}

/** gqlparser reads a query without operations or fragments as valid (graphql-js rejects it). */
function emptyQuery(q: string): boolean {
  return q.replace(/#[^\n]*/g, '').trim() === '';
}

/** The problems graphql-js finds in a query (which gqlparser has parsed). */
function queryErrors(schema: GraphQLSchema, q: string): readonly GraphQLError[] {
  if (emptyQuery(q)) return [];
  const doc = parse(q, { experimentalFragmentArguments: true });
  // gqlparser parses a fragment's variable definitions and its validator ignores them
  const definitions = doc.definitions.map((d) => (d.kind === Kind.FRAGMENT_DEFINITION && d.variableDefinitions ? { ...d, variableDefinitions: undefined } : d));
  return validate(schema, { ...doc, definitions });
}

def('graphql.schema_is_valid', 1, ([schema]) => loadSchema(schema) !== undefined);

def('graphql.is_valid', 2, ([query, schema]) => {
  const q = queryText(query);
  if (q === undefined) return false;
  const s = loadSchema(schema);
  if (!s) return false;
  try {
    if (typeof query === 'string') gqlParseQuery(q);
    return queryErrors(s, q).length === 0;
  } catch {
    return false;
  }
});

/** A graphql-js validation message in gqlparser's words, and where gqlparser places it. */
function gqlparserError(e: GraphQLError, located: boolean): string {
  let msg = e.message;
  msg = msg.replace(/^Argument "\w+\.(\w+)\((\w+):\)" of type "([^"]+)" is required, but it was not provided\.$/, 'Field "$1" argument "$2" of type "$3" is required, but it was not provided.');
  msg = msg.replace(/^The (query|mutation|subscription) operation is not supported by the schema\.$/, 'Schema does not support operation type "$1"');
  const at = located ? e.locations?.[0] : undefined;
  // gqlparser places a directive at its name, graphql-js at the @
  const shift = /^(Unknown directive|The directive) "@/.test(msg) ? 1 : 0;
  return `input${at ? `:${at.line}:${at.column + shift}` : ''}: ${msg}`;
}

/**
 * Validation errors as OPA reports them: gqlparser's error list ("input:L:C: message" lines, each
 * ending in a newline) through OPA's formatGqlParserError, which keeps the text after the first
 * location and trims a final ".\n" only; without a location (an AST object has no positions),
 * "GraphQL parse error: " and the whole list. A problem with the schema is reported as OPA's
 * convertSchema words it.
 */
function gqlMessage(name: string, errors: readonly unknown[], opts: { query: boolean; schema: boolean }): BuiltinError {
  const gql = errors.filter((e): e is GraphQLError => e instanceof GraphQLError);
  if (!gql.length) return new BuiltinError('eval_builtin_error', `${name}: ${(errors[0] as Error).message}`);
  if (!opts.query) {
    const e = gql[0]!;
    const at = opts.schema ? e.locations?.[0] : undefined;
    return new BuiltinError('eval_builtin_error', `${name}: Error in gqlparser SchemaDocument to Schema conversion: input:${at ? `${at.line}:${at.column}` : '-1:-1'}: ${e.message}`);
  }
  const list = gql.map((e) => gqlparserError(e, true)).join('\n') + '\n';
  return new BuiltinError('eval_builtin_error', `${name}: ${formatGqlParserError(opts.schema ? list : gql.map((e) => gqlparserError(e, false)).join('\n') + '\n')}`);
}

/** OPA's formatGqlParserError over an error's text. */
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

/** A gqlparser parse error as OPA words it (formatGqlParserError). */
function gqlParseError(name: string, e: unknown): BuiltinError {
  if (e instanceof GqlSyntaxError) return new BuiltinError('eval_builtin_error', `${name}: ${e.message} in GraphQL string at location ${e.line}:${e.column}`);
  return new BuiltinError('eval_builtin_error', `${name}: ${(e as Error).message}`);
}

/** A Rego value as the plain JSON OPA hands to encoding/json. */
function plain(v: Value): unknown {
  return toJS(v);
}

/**
 * A query (string, or a QueryDocument object) as OPA reads it: its AST (pruned, as policies see it)
 * and GraphQL text for the validator. Throws a BuiltinError on a parse error; undefined for other types.
 */
function readQuery(name: string, v: Value | undefined): { ast: unknown; text: string } | undefined {
  if (v instanceof RObject) {
    // OPA decodes the object into gqlparser's structures and hands it back as it was (pruned)
    try {
      const doc = decode('QueryDocument', plain(v));
      return { ast: pruneGql(doc), text: printQueryDocument(doc) };
    } catch (e) {
      throw gqlParseError(name, e);
    }
  }
  if (typeof v !== 'string') return undefined;
  try {
    return { ast: pruneGql(gqlParseQuery(v)), text: v };
  } catch (e) {
    throw gqlParseError(name, e);
  }
}

/** A schema (string, or a SchemaDocument object) as OPA reads it; as readQuery. */
function readSchema(name: string, v: Value | undefined): { ast: unknown; text: string } | undefined {
  if (v instanceof RObject) {
    // OPA decodes the object into gqlparser's structures and hands it back as it was (pruned)
    try {
      const doc = decode('SchemaDocument', plain(v));
      return { ast: pruneGql(doc), text: printSchemaDocument(doc) };
    } catch (e) {
      throw gqlParseError(name, e);
    }
  }
  if (typeof v !== 'string') return undefined;
  try {
    return { ast: pruneGql(gqlParseSchema(v)), text: v };
  } catch (e) {
    throw gqlParseError(name, e);
  }
}

def('graphql.parse_query', 1, ([q]) => {
  if (typeof q !== 'string') throw new BuiltinError('eval_type_error', `graphql.parse_query: operand 1 must be string but got ${typeName(q!)}`);
  return fromJS(readQuery('graphql.parse_query', q)!.ast);
});

def('graphql.parse_schema', 1, ([s]) => {
  if (typeof s !== 'string') throw new BuiltinError('eval_type_error', `graphql.parse_schema: operand 1 must be string but got ${typeName(s!)}`);
  return fromJS(readSchema('graphql.parse_schema', s)!.ast);
});

/**
 * Validates a parsed query against a parsed schema: the problems in gqlparser's words, undefined
 * when valid. `located`: which of the two came as text (an AST object has no positions).
 */
function verify(name: string, query: { text: string; located: boolean }, schema: { text: string; located: boolean }): BuiltinError | undefined {
  const built = buildSchema(schema.text);
  if ('error' in built) return gqlMessage(name, [built.error], { query: false, schema: schema.located });
  try {
    const errors = queryErrors(built.schema, query.text);
    return errors.length ? gqlMessage(name, errors, { query: true, schema: query.located }) : undefined;
  } catch (e) {
    return gqlMessage(name, [e], { query: true, schema: query.located });
  }
}

def('graphql.parse', 2, ([query, schema]) => {
  const q = readQuery('graphql.parse', query);
  if (!q) throw new BuiltinError('eval_type_error', `graphql.parse: operand 1 must be one of {object, string} but got ${typeName(query!)}`);
  const s = readSchema('graphql.parse', schema);
  if (!s) throw new BuiltinError('eval_type_error', `graphql.parse: operand 2 must be one of {object, string} but got ${typeName(schema!)}`);
  const err = verify('graphql.parse', { text: q.text, located: typeof query === 'string' }, { text: s.text, located: typeof schema === 'string' });
  if (err) throw err;
  return [fromJS(q.ast), fromJS(s.ast)];
});

def('graphql.parse_and_verify', 2, ([query, schema]) => {
  // any problem: [false, {}, {}], as OPA
  const unverified = (): Value => [false, new RObject(), new RObject()];
  let q: { ast: unknown; text: string } | undefined;
  let s: { ast: unknown; text: string } | undefined;
  try {
    q = readQuery('graphql.parse_and_verify', query);
    s = q && readSchema('graphql.parse_and_verify', schema);
  } catch {
    return unverified();
  }
  if (!q || !s || verify('graphql.parse_and_verify', { text: q.text, located: true }, { text: s.text, located: true })) return unverified();
  return [true, fromJS(q.ast), fromJS(s.ast)];
});
