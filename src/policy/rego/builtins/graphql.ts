// graphql.schema_is_valid and graphql.is_valid through the graphql package, with gqlparser's schema
// loading (what OPA uses): an extension of a type the schema does not define defines it, and a
// schema needs no query root type. The
// builtins that return gqlparser ASTs (graphql.parse*, graphql.parse_and_verify) are not provided:
// their answers are gqlparser's Go structures, which graphql-js does not produce.
import { buildASTSchema, Kind, parse, validate, validateSchema, type DefinitionNode, type DocumentNode, type GraphQLSchema } from 'graphql';
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
