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
import { printQueryDocument, printSchemaDocument } from './graphql-print.js';
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
      return printSchemaDocument(toJS(v));
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
      return printQueryDocument(toJS(v));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function loadSchema(v: Value | undefined): GraphQLSchema | undefined {
  const text = schemaText(v);
  if (text === undefined) return undefined;
  try {
    gqlParseSchema(text);
    const schema = buildASTSchema(asGqlparserLoads(parse(text)));
    // gqlparser does not require a query root type
    const errors = validateSchema(schema).filter((e) => !/^Query root type must be provided/.test(e.message));
    return errors.length === 0 ? schema : undefined;
  } catch {
    return undefined;
  }
}

def('graphql.schema_is_valid', 1, ([schema]) => loadSchema(schema) !== undefined);

def('graphql.is_valid', 2, ([query, schema]) => {
  const q = queryText(query);
  if (q === undefined) return false;
  const s = loadSchema(schema);
  if (!s) return false;
  try {
    gqlParseQuery(q);
  } catch {
    return false;
  }
  // gqlparser reads an empty query as a document without operations (graphql-js rejects it)
  if (q.replace(/#[^\n]*/g, '').trim() === '') return true;
  try {
    return validate(s, parse(q)).length === 0;
  } catch {
    return false;
  }
});

/** A graphql-js error in gqlparser's words: `Expected Name, found { in GraphQL string at location 1:10`. */
function gqlMessage(name: string, e: unknown, schema = false, source = ''): BuiltinError {
  if (!(e instanceof GraphQLError)) return new BuiltinError('eval_builtin_error', `${name}: ${(e as Error).message}`);
  let msg = e.message.replace(/^Syntax Error: /, '').replace(/\.$/, '');
  const at0 = e.locations?.[0];
  let colShift = 0;
  // gqlparser names a misplaced description by its string token, positioned after the opening quote
  if (/^Unexpected description, only GraphQL definitions support descriptions$/.test(msg) && at0) {
    const line = source.split('\n')[at0.line - 1] ?? '';
    const m = /^"((?:[^"\\]|\\.)*)"/.exec(line.slice(at0.column - 1));
    if (m) msg = `Unexpected String "${m[1]}"`;
  }
  if (/^Unexpected String "/.test(msg)) colShift = 1;
  // gqlparser prints punctuators bare: found {, Unexpected ...
  msg = msg.replace(/(found|Unexpected|Expected) "([!$&():=@[\]{|}]|\.\.\.)"/g, '$1 $2');
  msg = msg.replace(/^Unexpected variable "\$\w+" in constant value$/, 'Unexpected $');
  msg = msg.replace(/^Unterminated string$/, 'Unexpected <Invalid>');
  msg = msg.replace(/^Argument "\w+\.(\w+)\((\w+):\)" of type "([^"]+)" is required, but it was not provided$/, 'Field "$1" argument "$2" of type "$3" is required, but it was not provided');
  if (schema && msg === 'Expected Name, found }') msg = 'expected at least one definition, found }';
  const at = e.locations?.[0];
  return new BuiltinError('eval_builtin_error', `${name}: ${msg}${at ? ` in GraphQL string at location ${at.line}:${at.column + colShift}` : ''}`);
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
    const doc = plain(v);
    try {
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
    const doc = plain(v);
    try {
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

/** Validates a parsed query against a parsed schema; the first problem in gqlparser's words, undefined when valid. */
function verify(name: string, query: string, schema: string): BuiltinError | undefined {
  let doc: DocumentNode;
  let s: GraphQLSchema;
  try {
    s = buildASTSchema(asGqlparserLoads(parse(schema)));
  } catch (e) {
    return gqlMessage(name, e, true);
  }
  if (query.replace(/#[^\n]*/g, '').trim() === '') return undefined;
  try {
    doc = parse(query);
  } catch (e) {
    return gqlMessage(name, e);
  }
  const errors = validate(s, doc);
  return errors.length ? gqlMessage(name, errors[0]) : undefined;
}

def('graphql.parse', 2, ([query, schema]) => {
  const q = readQuery('graphql.parse', query);
  if (!q) throw new BuiltinError('eval_type_error', `graphql.parse: operand 1 must be one of {object, string} but got ${typeName(query!)}`);
  const s = readSchema('graphql.parse', schema);
  if (!s) throw new BuiltinError('eval_type_error', `graphql.parse: operand 2 must be one of {object, string} but got ${typeName(schema!)}`);
  const err = verify('graphql.parse', q.text, s.text);
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
  if (!q || !s || verify('graphql.parse_and_verify', q.text, s.text)) return unverified();
  return [true, fromJS(q.ast), fromJS(s.ast)];
});
