// gqlparser-shaped ASTs given as Rego objects (what graphql.parse_schema and graphql.parse_query
// return, or hand-written alike). OPA decodes such an object into gqlparser's structures with
// encoding/json and hands that back (marshalled, pruned): `decode` does the same. For validation we
// print the decoded document back to GraphQL and validate that, which keeps one validator for both
// input forms. A field of the wrong JSON type fails as Go's decoder would.

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
const selectionKind = new WeakMap<object, 'Field' | 'FragmentSpread' | 'InlineFragment'>();

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

// ---- printing decoded documents as GraphQL text

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

function str(x: unknown, what: string): string {
  if (x === undefined || x === null) return '';
  if (typeof x !== 'string') throw new GqlShapeError(`json: cannot unmarshal ${jsonType(x)} into Go struct field ${what} of type string`);
  return x;
}

function bool(x: unknown, what: string): boolean {
  if (x === undefined || x === null) return false;
  if (typeof x !== 'boolean') throw new GqlShapeError(`json: cannot unmarshal ${jsonType(x)} into Go struct field ${what} of type bool`);
  return x;
}

function quoteString(s: string): string {
  return JSON.stringify(s);
}

function description(d: unknown, what: string): string {
  const s = str(d, what);
  return s === '' ? '' : `${quoteString(s)} `;
}

function value(v: unknown): string {
  const o = obj(v, 'ast.Value');
  const raw = str(o.Raw, 'Value.Raw');
  const kind = o.Kind ?? 0;
  const children = list(o.Children, 'ast.ChildValueList').map((c) => obj(c, 'ast.ChildValue'));
  switch (kind) {
    case 0:
      return `$${raw}`;
    case 3:
    case 4:
      return quoteString(raw);
    case 8:
      return `[${children.map((c) => value(c.Value)).join(', ')}]`;
    case 9:
      return `{${children.map((c) => `${str(c.Name, 'ChildValue.Name')}: ${value(c.Value)}`).join(', ')}}`;
    case 1:
    case 2:
    case 5:
    case 6:
    case 7:
      return raw;
  }
  throw new GqlShapeError(`json: cannot unmarshal ${jsonType(kind)} into Go struct field Value.Kind of type ast.ValueKind`);
}

function type(t: unknown): string {
  const o = obj(t, 'ast.Type');
  const inner = o.Elem !== undefined && o.Elem !== null ? `[${type(o.Elem)}]` : str(o.NamedType, 'Type.NamedType');
  return inner + (bool(o.NonNull, 'Type.NonNull') ? '!' : '');
}

function args(a: unknown): string {
  const as = list(a, 'ast.ArgumentList').map((x) => obj(x, 'ast.Argument'));
  return as.length ? `(${as.map((x) => `${str(x.Name, 'Argument.Name')}: ${value(x.Value)}`).join(', ')})` : '';
}

function directives(d: unknown): string {
  return list(d, 'ast.DirectiveList')
    .map((x) => obj(x, 'ast.Directive'))
    .map((x) => ` @${str(x.Name, 'Directive.Name')}${args(x.Arguments)}`)
    .join('');
}

function inputValues(a: unknown, what: string): string[] {
  return list(a, what)
    .map((x) => obj(x, what))
    .map((x) => `${description(x.Description, 'Description')}${str(x.Name, 'Name')}${fieldArgs(x.Arguments)}: ${type(x.Type)}${x.DefaultValue ? ` = ${value(x.DefaultValue)}` : ''}${directives(x.Directives)}`);
}

function fieldArgs(a: unknown): string {
  const as = inputValues(a, 'ast.ArgumentDefinitionList');
  return as.length ? `(${as.join(', ')})` : '';
}

function definition(d: J, extend: boolean): string {
  const head = extend ? 'extend ' : description(d.Description, 'Definition.Description');
  const name = str(d.Name, 'Definition.Name');
  const dirs = directives(d.Directives);
  const ifaces = list(d.Interfaces, '[]string').map((x) => str(x, 'Definition.Interfaces'));
  const impl = ifaces.length ? ` implements ${ifaces.join(' & ')}` : '';
  const block = (lines: string[]): string => (lines.length ? ` {\n${lines.map((l) => `  ${l}\n`).join('')}}` : '');
  switch (d.Kind) {
    case 'SCALAR':
      return `${head}scalar ${name}${dirs}`;
    case 'OBJECT':
      return `${head}type ${name}${impl}${dirs}${block(inputValues(d.Fields, 'ast.FieldList'))}`;
    case 'INTERFACE':
      return `${head}interface ${name}${impl}${dirs}${block(inputValues(d.Fields, 'ast.FieldList'))}`;
    case 'UNION': {
      const types = list(d.Types, '[]string').map((x) => str(x, 'Definition.Types'));
      return `${head}union ${name}${dirs}${types.length ? ` = ${types.join(' | ')}` : ''}`;
    }
    case 'ENUM':
      return `${head}enum ${name}${dirs}${block(list(d.EnumValues, 'ast.EnumValueList').map((x) => obj(x, 'ast.EnumValueDefinition')).map((x) => `${description(x.Description, 'Description')}${str(x.Name, 'Name')}${directives(x.Directives)}`))}`;
    case 'INPUT_OBJECT':
      return `${head}input ${name}${dirs}${block(inputValues(d.Fields, 'ast.FieldList'))}`;
  }
  throw new GqlShapeError(`unknown definition kind ${JSON.stringify(d.Kind)}`);
}

function schemaDef(s: J, extend: boolean): string {
  const ops = list(s.OperationTypes, 'ast.OperationTypeDefinitionList').map((x) => obj(x, 'ast.OperationTypeDefinition'));
  const body = ops.length ? ` {\n${ops.map((o) => `  ${str(o.Operation, 'Operation')}: ${str(o.Type, 'Type')}\n`).join('')}}` : '';
  return `${extend ? 'extend ' : description(s.Description, 'SchemaDefinition.Description')}schema${directives(s.Directives)}${body}`;
}

/** A decoded SchemaDocument (decode('SchemaDocument', …)) as GraphQL SDL. */
export function printSchemaDocument(d: J): string {
  const out: string[] = [];
  for (const s of list(d.Schema, 'ast.SchemaDefinitionList')) out.push(schemaDef(obj(s, 'ast.SchemaDefinition'), false));
  for (const s of list(d.SchemaExtension, 'ast.SchemaDefinitionList')) out.push(schemaDef(obj(s, 'ast.SchemaDefinition'), true));
  for (const x of list(d.Directives, 'ast.DirectiveDefinitionList')) {
    const o = obj(x, 'ast.DirectiveDefinition');
    const locs = list(o.Locations, '[]ast.DirectiveLocation').map((l) => str(l, 'Locations'));
    out.push(`${description(o.Description, 'Description')}directive @${str(o.Name, 'Name')}${fieldArgs(o.Arguments)}${directives(o.Directives)}${bool(o.IsRepeatable, 'IsRepeatable') ? ' repeatable' : ''} on ${locs.join(' | ')}`);
  }
  for (const x of list(d.DirectiveExtensions, 'ast.DirectiveDefinitionList')) {
    const o = obj(x, 'ast.DirectiveDefinition');
    out.push(`extend directive @${str(o.Name, 'Name')}${directives(o.Directives)}`);
  }
  for (const x of list(d.Definitions, 'ast.DefinitionList')) out.push(definition(obj(x, 'ast.Definition'), false));
  for (const x of list(d.Extensions, 'ast.DefinitionList')) out.push(definition(obj(x, 'ast.Definition'), true));
  return out.join('\n\n') + '\n';
}

function variables(v: unknown): string {
  const vs = list(v, 'ast.VariableDefinitionList').map((x) => obj(x, 'ast.VariableDefinition'));
  if (!vs.length) return '';
  return `(${vs.map((x) => `$${str(x.Variable, 'Variable')}: ${type(x.Type)}${x.DefaultValue ? ` = ${value(x.DefaultValue)}` : ''}${directives(x.Directives)}`).join(', ')})`;
}

function selections(s: unknown, indent: string): string {
  const ss = list(s, 'ast.SelectionSet').map((x) => obj(x, 'ast.Selection'));
  if (!ss.length) return '';
  const inner = indent + '  ';
  const lines = ss.map((x) => {
    const kind = selectionKind.get(x) ?? 'Field';
    if (kind === 'InlineFragment') {
      const tc = str(x.TypeCondition, 'TypeCondition');
      return `${inner}...${tc ? ` on ${tc}` : ''}${directives(x.Directives)}${selections(x.SelectionSet, inner)}`;
    }
    if (kind === 'FragmentSpread') return `${inner}...${str(x.Name, 'Name')}${directives(x.Directives)}`;
    const name = str(x.Name, 'Field.Name');
    const alias = str(x.Alias, 'Field.Alias');
    return `${inner}${alias && alias !== name ? `${alias}: ` : ''}${name}${args(x.Arguments)}${directives(x.Directives)}${selections(x.SelectionSet, inner)}`;
  });
  return ` {\n${lines.join('\n')}\n${indent}}`;
}

/** A decoded QueryDocument (decode('QueryDocument', …)) as a GraphQL query. */
export function printQueryDocument(d: J): string {
  const out: string[] = [];
  for (const x of list(d.Operations, 'ast.OperationList')) {
    const o = obj(x, 'ast.OperationDefinition');
    const op = str(o.Operation, 'Operation') || 'query';
    out.push(`${op}${o.Name ? ` ${str(o.Name, 'Name')}` : ''}${variables(o.VariableDefinitions)}${directives(o.Directives)}${selections(o.SelectionSet, '')}`);
  }
  for (const x of list(d.Fragments, 'ast.FragmentDefinitionList')) {
    const o = obj(x, 'ast.FragmentDefinition');
    out.push(`fragment ${str(o.Name, 'Name')}${variables(o.VariableDefinition)} on ${str(o.TypeCondition, 'TypeCondition')}${directives(o.Directives)}${selections(o.SelectionSet, '')}`);
  }
  return out.join('\n\n') + '\n';
}
