// graphql.schema_is_valid and graphql.is_valid through the graphql package, with gqlparser's schema
// loading (what OPA uses): an extension of a type the schema does not define defines it, and a
// schema needs no query root type. Errors come in gqlparser's wording and positions. graphql.parse_query
// returns gqlparser's QueryDocument as OPA hands it over (Go field names, pruned of positions, nulls and
// empties), built from graphql-js's AST; the schema ASTs (graphql.parse_schema, and graphql.parse and
// parse_and_verify, which return both) are not built: where OPA would return one these fail with a
// builtin error saying so, rather than hand a policy a differently shaped value.
import { buildASTSchema, GraphQLError, Kind, parse, validate, validateSchema, visit, type DefinitionNode, type DirectiveNode, type DocumentNode, type GraphQLSchema, type SelectionNode, type TypeNode, type ValueNode, type VariableDefinitionNode } from 'graphql';
import { fromJS, RObject } from '../value.js';
import { typeName, type Value } from '../value.js';
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

function loadSchema(name: string, v: Value | undefined): GraphQLSchema | undefined {
  if (typeof v !== 'string') throw new BuiltinError('eval_type_error', `${name}: operand must be string but got ${typeName(v!)}`);
  try {
    const schema = buildASTSchema(asGqlparserLoads(parse(v)));
    // gqlparser does not require a query root type
    const errors = validateSchema(schema).filter((e) => !/^Query root type must be provided/.test(e.message));
    return errors.length === 0 ? schema : undefined;
  } catch {
    return undefined;
  }
}

def('graphql.schema_is_valid', 1, ([schema]) => loadSchema('graphql.schema_is_valid', schema) !== undefined);

def('graphql.is_valid', 2, ([query, schema]) => {
  if (typeof query !== 'string') return false;
  const s = loadSchema('graphql.is_valid', schema);
  if (!s) return false;
  // gqlparser reads an empty query as a document without operations (graphql-js rejects it)
  if (query.replace(/#[^\n]*/g, '').trim() === '') return true;
  try {
    return validate(s, parse(query)).length === 0;
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

function noAst(name: string): BuiltinError {
  return new BuiltinError('eval_builtin_error', `${name}: GraphQL ASTs (gqlparser's structures in OPA) are not provided by this engine`);
}

def('graphql.parse_query', 1, ([q]) => {
  if (typeof q !== 'string') throw new BuiltinError('eval_type_error', `graphql.parse_query: operand 1 must be string but got ${typeName(q!)}`);
  let doc: DocumentNode;
  try {
    doc = parse(q);
  } catch (e) {
    throw gqlMessage('graphql.parse_query', e, false, q);
  }
  // gqlparser rejects an empty selection set ({}) where graphql-js accepts it
  let empty: number | undefined;
  visit(doc, {
    SelectionSet(n) {
      if (n.selections.length === 0 && n.loc && empty === undefined) empty = n.loc.end - 1;
    },
  });
  if (empty !== undefined) {
    const before = q.slice(0, empty);
    const line = before.split('\n').length;
    const col = empty - before.lastIndexOf('\n');
    throw new BuiltinError('eval_builtin_error', `graphql.parse_query: expected at least one definition, found } in GraphQL string at location ${line}:${col}`);
  }
  return fromJS(prune(queryDocument(doc)));
});

def('graphql.parse_schema', 1, ([s]) => {
  if (typeof s !== 'string') throw new BuiltinError('eval_type_error', `graphql.parse_schema: operand 1 must be string but got ${typeName(s!)}`);
  try {
    parse(s);
  } catch (e) {
    throw gqlMessage('graphql.parse_schema', e, true, s);
  }
  throw noAst('graphql.parse_schema');
});

/** Parses and validates; the first problem in gqlparser's words, undefined when the query is valid. */
function verify(name: string, query: Value | undefined, schema: Value | undefined): BuiltinError | undefined {
  if (typeof query !== 'string' || typeof schema !== 'string') throw new BuiltinError('eval_type_error', `${name}: operands must be strings`);
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
  const err = verify('graphql.parse', query, schema);
  if (err) throw err;
  throw noAst('graphql.parse');
});

def('graphql.parse_and_verify', 2, ([query, schema]) => {
  // invalid: [false, {}, {}] as OPA; valid: the ASTs, which we do not have
  if (verify('graphql.parse_and_verify', query, schema)) return [false, new RObject(), new RObject()];
  throw noAst('graphql.parse_and_verify');
});

// ---- gqlparser's QueryDocument, as OPA hands it to policies: the Go structures' fields by their Go
// names, without Position, nulls and empty lists or objects (OPA's pruneIrrelevantGraphQLASTNodes).

/** gqlparser's ValueKind numbers. */
const VALUE_KIND: Record<string, number> = {
  [Kind.VARIABLE]: 0, [Kind.INT]: 1, [Kind.FLOAT]: 2, [Kind.STRING]: 3, [Kind.BOOLEAN]: 5, [Kind.NULL]: 6, [Kind.ENUM]: 7, [Kind.LIST]: 8, [Kind.OBJECT]: 9,
};

type J = unknown;

function gqlValue(v: ValueNode): J {
  const kind = v.kind === Kind.STRING && v.block ? 4 : VALUE_KIND[v.kind]!;
  let raw = '';
  let children: J[] = [];
  switch (v.kind) {
    case Kind.VARIABLE:
      raw = v.name.value;
      break;
    case Kind.INT:
    case Kind.FLOAT:
    case Kind.STRING:
    case Kind.ENUM:
      raw = v.value;
      break;
    case Kind.BOOLEAN:
      raw = v.value ? 'true' : 'false';
      break;
    case Kind.NULL:
      raw = 'null';
      break;
    case Kind.LIST:
      children = v.values.map((x) => ({ Name: '', Value: gqlValue(x) }));
      break;
    case Kind.OBJECT:
      children = v.fields.map((f) => ({ Name: f.name.value, Value: gqlValue(f.value) }));
      break;
  }
  return { Raw: raw, Children: children, Kind: kind, ExpectedTypeHasDefault: false };
}

function gqlType(t: TypeNode): J {
  if (t.kind === Kind.NON_NULL_TYPE) return { ...(gqlType(t.type) as object), NonNull: true };
  if (t.kind === Kind.LIST_TYPE) return { NamedType: '', Elem: gqlType(t.type), NonNull: false };
  return { NamedType: t.name.value, NonNull: false };
}

function gqlDirectives(ds: readonly DirectiveNode[] | undefined): J[] {
  return (ds ?? []).map((d) => ({ Name: d.name.value, Arguments: (d.arguments ?? []).map((a) => ({ Name: a.name.value, Value: gqlValue(a.value) })), Location: '' }));
}

function gqlVariables(vs: readonly VariableDefinitionNode[] | undefined): J[] {
  return (vs ?? []).map((v) => ({
    Variable: v.variable.name.value,
    Type: gqlType(v.type),
    DefaultValue: v.defaultValue ? gqlValue(v.defaultValue) : null,
    Directives: gqlDirectives(v.directives),
    Used: false,
  }));
}

function gqlSelections(ss: readonly SelectionNode[] | undefined): J[] {
  return (ss ?? []).map((s) => {
    switch (s.kind) {
      case Kind.FIELD:
        return {
          Alias: s.alias?.value ?? s.name.value,
          Name: s.name.value,
          Arguments: (s.arguments ?? []).map((a) => ({ Name: a.name.value, Value: gqlValue(a.value) })),
          Directives: gqlDirectives(s.directives),
          SelectionSet: gqlSelections(s.selectionSet?.selections),
        };
      case Kind.INLINE_FRAGMENT:
        return { TypeCondition: s.typeCondition?.name.value ?? '', Directives: gqlDirectives(s.directives), SelectionSet: gqlSelections(s.selectionSet.selections) };
      case Kind.FRAGMENT_SPREAD:
        return { Name: s.name.value, Directives: gqlDirectives(s.directives) };
    }
  });
}

function queryDocument(doc: DocumentNode): J {
  const operations: J[] = [];
  const fragments: J[] = [];
  for (const d of doc.definitions) {
    if (d.kind === Kind.OPERATION_DEFINITION) {
      operations.push({
        Operation: d.operation,
        Name: d.name?.value ?? '',
        VariableDefinitions: gqlVariables(d.variableDefinitions),
        Directives: gqlDirectives(d.directives),
        SelectionSet: gqlSelections(d.selectionSet.selections),
      });
    } else if (d.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.push({
        Name: d.name.value,
        VariableDefinition: gqlVariables(d.variableDefinitions),
        TypeCondition: d.typeCondition.name.value,
        Directives: gqlDirectives(d.directives),
        SelectionSet: gqlSelections(d.selectionSet.selections),
      });
    }
  }
  return { Operations: operations, Fragments: fragments };
}

/** Drops nulls and empty lists and objects, recursively (keeps empty strings and false). */
function prune(x: J): J {
  if (Array.isArray(x)) {
    const out: J[] = [];
    for (const e of x) {
      if (e === null || e === undefined) continue;
      const p = prune(e);
      if ((Array.isArray(p) && p.length === 0) || (typeof p === 'object' && p !== null && !Array.isArray(p) && Object.keys(p).length === 0)) continue;
      out.push(p);
    }
    return out;
  }
  if (typeof x === 'object' && x !== null) {
    const out: Record<string, J> = {};
    for (const [k, v] of Object.entries(x)) {
      if (v === null || v === undefined) continue;
      const p = prune(v);
      if ((Array.isArray(p) && p.length === 0) || (typeof p === 'object' && p !== null && !Array.isArray(p) && Object.keys(p).length === 0)) continue;
      out[k] = p;
    }
    return out;
  }
  return x;
}
