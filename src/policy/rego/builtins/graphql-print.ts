// GraphQL text from gqlparser-shaped ASTs given as Rego objects (what graphql.parse_schema and
// graphql.parse_query return, or hand-written alike). OPA decodes such an object into gqlparser's
// structures with encoding/json; we print it back to GraphQL and parse and validate that, which
// keeps one parser and one validator for both input forms. A field of the wrong JSON type fails as
// Go's decoder would (an error, which the builtins turn into false or an error).

type J = Record<string, unknown>;

export class GqlShapeError extends Error {}

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

/** A SchemaDocument object as GraphQL SDL. */
export function printSchemaDocument(doc: unknown): string {
  const d = obj(doc, 'ast.SchemaDocument');
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
    // gqlparser decodes a selection as a Field when it can (any object), so do we; a spread and
    // an inline fragment are told apart by the keys a Field does not have
    if ('TypeCondition' in x || (!('Name' in x) && !('Alias' in x) && 'SelectionSet' in x)) {
      const tc = str(x.TypeCondition, 'TypeCondition');
      return `${inner}...${tc ? ` on ${tc}` : ''}${directives(x.Directives)}${selections(x.SelectionSet, inner)}`;
    }
    if (!('Alias' in x) && 'Name' in x && !('SelectionSet' in x) && !('Arguments' in x)) return `${inner}...${str(x.Name, 'Name')}${directives(x.Directives)}`;
    const name = str(x.Name, 'Field.Name');
    const alias = str(x.Alias, 'Field.Alias');
    return `${inner}${alias && alias !== name ? `${alias}: ` : ''}${name}${args(x.Arguments)}${directives(x.Directives)}${selections(x.SelectionSet, inner)}`;
  });
  return ` {\n${lines.join('\n')}\n${indent}}`;
}

/** A QueryDocument object as a GraphQL query. */
export function printQueryDocument(doc: unknown): string {
  const d = obj(doc, 'ast.QueryDocument');
  const out: string[] = [];
  for (const x of list(d.Operations, 'ast.OperationList')) {
    const o = obj(x, 'ast.OperationDefinition');
    const op = str(o.Operation, 'Operation') || 'query';
    out.push(`${op}${o.Name ? ` ${str(o.Name, 'Name')}` : ''}${variables(o.VariableDefinitions)}${directives(o.Directives)}${selections(o.SelectionSet, '') || ' { __typename }'}`);
  }
  for (const x of list(d.Fragments, 'ast.FragmentDefinitionList')) {
    const o = obj(x, 'ast.FragmentDefinition');
    out.push(`fragment ${str(o.Name, 'Name')}${variables(o.VariableDefinition)} on ${str(o.TypeCondition, 'TypeCondition')}${directives(o.Directives)}${selections(o.SelectionSet, '')}`);
  }
  return out.join('\n\n') + '\n';
}
