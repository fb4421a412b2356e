// Ported from vektah/gqlparser v2.5.64, Copyright (c) 2018 Adam Scarr, MIT licence (THIRD_PARTY_NOTICES.md).
// gqlparser-shaped ASTs given as Rego objects (what graphql.parse_schema and graphql.parse_query
// return, or hand-written alike). OPA decodes such an object into gqlparser's structures with
// encoding/json, validates that, and hands it back (marshalled, pruned): `decode` does the same
// decoding. A field of the wrong JSON type fails as Go's decoder would.

type J = Record<string, unknown>;

export class GqlShapeError extends Error {}

// ---- encoding/json into gqlparser's structures: known fields only (matched as Go does, exactly or
// else ignoring case), missing ones at their zero value, a wrong JSON type an error. Query nodes
// with their own UnmarshalJSON (decode.go) take only the keys it lists, case-sensitively, and
// every selection decodes as a Field when it can.

type FieldKind = 's' | 'b' | 'i' | 'skip' | { one: string } | { many: string } | 'strings' | 'selections';
const STRUCTS: Record<string, Record<string, FieldKind>> = {
  CommentGroup: { List: { many: 'Comment' } },
  Comment: { Value: 's' },
  Value: { Raw: 's', Children: { many: 'ChildValue' }, Kind: 'i', Comment: { one: 'CommentGroup' }, ExpectedTypeHasDefault: 'b' },
  ChildValue: { Name: 's', Value: { one: 'Value' }, Comment: { one: 'CommentGroup' } },
  Type: { NamedType: 's', Elem: { one: 'Type' }, NonNull: 'b' },
  Argument: { Name: 's', Value: { one: 'Value' }, Comment: { one: 'CommentGroup' } },
  Directive: { Name: 's', Arguments: { many: 'Argument' }, Location: 's' },
  ArgumentDefinition: { Description: 's', Name: 's', DefaultValue: { one: 'Value' }, Type: { one: 'Type' }, Directives: { many: 'Directive' }, BeforeDescriptionComment: { one: 'CommentGroup' }, AfterDescriptionComment: { one: 'CommentGroup' } },
  FieldDefinition: { Description: 's', Name: 's', Arguments: { many: 'ArgumentDefinition' }, DefaultValue: { one: 'Value' }, Type: { one: 'Type' }, Directives: { many: 'Directive' }, BeforeDescriptionComment: { one: 'CommentGroup' }, AfterDescriptionComment: { one: 'CommentGroup' } },
  EnumValueDefinition: { Description: 's', Name: 's', Directives: { many: 'Directive' }, BeforeDescriptionComment: { one: 'CommentGroup' }, AfterDescriptionComment: { one: 'CommentGroup' } },
  Definition: {
    Kind: 's', Description: 's', Name: 's', Directives: { many: 'Directive' }, Interfaces: 'strings', Fields: { many: 'FieldDefinition' }, Types: 'strings', EnumValues: { many: 'EnumValueDefinition' }, BuiltIn: 'b',
    BeforeDescriptionComment: { one: 'CommentGroup' }, AfterDescriptionComment: { one: 'CommentGroup' }, EndOfDefinitionComment: { one: 'CommentGroup' },
  },
  DirectiveDefinition: { Description: 's', Name: 's', Arguments: { many: 'ArgumentDefinition' }, Directives: { many: 'Directive' }, Locations: 'strings', IsRepeatable: 'b', BeforeDescriptionComment: { one: 'CommentGroup' }, AfterDescriptionComment: { one: 'CommentGroup' } },
  OperationTypeDefinition: { Operation: 's', Type: 's', Comment: { one: 'CommentGroup' } },
  SchemaDefinition: { Description: 's', Directives: { many: 'Directive' }, OperationTypes: { many: 'OperationTypeDefinition' }, BeforeDescriptionComment: { one: 'CommentGroup' }, AfterDescriptionComment: { one: 'CommentGroup' }, EndOfDefinitionComment: { one: 'CommentGroup' } },
  SchemaDocument: {
    Schema: { many: 'SchemaDefinition' }, SchemaExtension: { many: 'SchemaDefinition' }, Directives: { many: 'DirectiveDefinition' }, DirectiveExtensions: { many: 'DirectiveDefinition' },
    Definitions: { many: 'Definition' }, Extensions: { many: 'Definition' }, Comment: { one: 'CommentGroup' },
  },
  VariableDefinition: { Description: 's', Variable: 's', Type: { one: 'Type' }, DefaultValue: { one: 'Value' }, Directives: { many: 'Directive' }, Comment: { one: 'CommentGroup' }, Used: 'b' },
  QueryDocument: { Operations: { many: 'OperationDefinition' }, Fragments: { many: 'FragmentDefinition' }, Comment: { one: 'CommentGroup' } },
  FragmentSpread: { Name: 's', Directives: { many: 'Directive' }, Comment: { one: 'CommentGroup' } },
};
/** Structures with their own UnmarshalJSON: the keys it reads (exact case); the rest stay zero. */
const CUSTOM: Record<string, { read: Record<string, FieldKind>; zero: J }> = {
  OperationDefinition: { read: { Operation: 's', Name: 's', VariableDefinitions: { many: 'VariableDefinition' }, Directives: { many: 'Directive' }, SelectionSet: 'selections' }, zero: { Description: '', Operation: '', Name: '', Comment: null } },
  FragmentDefinition: { read: { Name: 's', VariableDefinition: { many: 'VariableDefinition' }, TypeCondition: 's', Directives: { many: 'Directive' }, SelectionSet: 'selections' }, zero: { Description: '', Name: '', TypeCondition: '', Comment: null } },
  Field: { read: { Alias: 's', Name: 's', Arguments: { many: 'Argument' }, Directives: { many: 'Directive' }, SelectionSet: 'selections' }, zero: { Alias: '', Name: '', Comment: null } },
  InlineFragment: { read: { TypeCondition: 's', Directives: { many: 'Directive' }, SelectionSet: 'selections' }, zero: { TypeCondition: '', Comment: null } },
};
const ZERO: Record<string, unknown> = { s: '', b: false, i: 0 };

/** What each decoded selection is (a Field, FragmentSpread or InlineFragment). */
export const selectionKind = new WeakMap<object, 'Field' | 'FragmentSpread' | 'InlineFragment'>();

function decodeField(k: FieldKind, v: unknown, where: string): unknown {
  if (k === 'skip') return null;
  if (v === null || v === undefined) return typeof k === 'string' && k in ZERO ? ZERO[k] : null;
  switch (k) {
    case 's':
      if (typeof v !== 'string') throw new GqlShapeError(`json: cannot unmarshal ${jsonType(v)} into Go struct field ${where} of type string`);
      return v;
    case 'b':
      if (typeof v !== 'boolean') throw new GqlShapeError(`json: cannot unmarshal ${jsonType(v)} into Go struct field ${where} of type bool`);
      return v;
    case 'i':
      if (typeof v !== 'number' || !Number.isInteger(v)) throw new GqlShapeError(`json: cannot unmarshal ${jsonType(v)} into Go struct field ${where} of type ast.ValueKind`);
      return v;
    case 'strings':
      return list(v, '[]string').map((x) => decodeField('s', x, where));
    case 'selections': {
      // ast.UnmarshalSelectionSet: a Field if it decodes as one, else a FragmentSpread, else an
      // InlineFragment, else left out
      const out: unknown[] = [];
      for (const x of list(v, 'ast.SelectionSet')) {
        for (const kind of ['Field', 'FragmentSpread', 'InlineFragment'] as const) {
          try {
            const d = decode(kind, x) as J;
            selectionKind.set(d, kind);
            out.push(d);
            break;
          } catch {
            // the next kind
          }
        }
      }
      return out;
    }
  }
  if ('one' in k) return decode(k.one, v);
  return list(v, `ast.${k.many}List`).map((x) => (x === null ? null : decode(k.many, x)));
}

/** encoding/json of a JSON value into gqlparser's structure `struct`, marshalled back (before OPA's pruning). */
export function decode(struct: string, x: unknown): J {
  const o = obj(x, `ast.${struct}`);
  const custom = CUSTOM[struct];
  if (custom) {
    const out: J = { ...custom.zero };
    for (const [f, k] of Object.entries(custom.read)) out[f] = decodeField(k, o[f], `${struct}.${f}`);
    return out;
  }
  const fields = STRUCTS[struct]!;
  const keys = Object.keys(o);
  const out: J = {};
  for (const [f, k] of Object.entries(fields)) {
    const key = f in o ? f : keys.find((kk) => kk.toLowerCase() === f.toLowerCase());
    out[f] = decodeField(k, key === undefined ? undefined : o[key], `${struct}.${f}`);
  }
  return out;
}

function obj(x: unknown, what: string): J {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new GqlShapeError(`json: cannot unmarshal ${jsonType(x)} into Go value of type ${what}`);
  return x as J;
}

function jsonType(x: unknown): string {
  return Array.isArray(x) ? 'array' : x === null ? 'null' : typeof x === 'object' ? 'object' : typeof x;
}

function list(x: unknown, what: string): unknown[] {
  if (x === undefined || x === null) return [];
  if (!Array.isArray(x)) throw new GqlShapeError(`json: cannot unmarshal ${jsonType(x)} into Go value of type ${what}`);
  return x;
}
