// Ported from vektah/gqlparser v2.5.64, Copyright (c) 2018 Adam Scarr, MIT licence (THIRD_PARTY_NOTICES.md).
// A port of gqlparser v2.5.64's schema loading (validator/schema.go, ValidateSchemaDocument), which
// OPA runs on the prelude merged with a policy's schema (convertSchema): whether a schema is valid,
// and its first problem in gqlparser's words and position; else the schema as loaded (extensions
// merged, root types resolved, possible types), which graphql-validate.ts validates queries against.
import { gqlParseSchema, goQuote, POSITIONS, TYPE_POSITIONS } from './graphql-gqlparser.js';
import { GQLPARSER_PRELUDE } from './graphql-prelude.js';
import { step } from './graphql-budget.js';

type Obj = Record<string, unknown>;
interface Pos { line: number; column: number }

/** gqlparser's error: "input:L:C: message" (L:C is -1:-1 without a position). */
export class GqlSchemaError extends Error {
  constructor(
    readonly gqlMessage: string,
    readonly pos: Pos | undefined,
  ) {
    super(`input:${pos ? `${pos.line}:${pos.column}` : '-1:-1'}: ${gqlMessage}`);
  }
}

function fail(node: unknown, message: string): never {
  throw new GqlSchemaError(message, node && typeof node === 'object' ? POSITIONS.get(node) : undefined);
}

// Readers of gqlparser-shaped nodes and type references, shared with the query validator (graphql-validate.ts).
export const arr = (x: unknown): Obj[] => (Array.isArray(x) ? (x as Obj[]) : []);
const strs = (x: unknown): string[] => (Array.isArray(x) ? (x as string[]) : []);
export const str = (x: unknown): string => (typeof x === 'string' ? x : '');

export function typeName(t: Obj): string {
  return str(t.NamedType) !== '' ? str(t.NamedType) : typeName(t.Elem as Obj);
}

export function typeString(t: Obj): string {
  const nn = t.NonNull ? '!' : '';
  return str(t.NamedType) !== '' ? str(t.NamedType) + nn : `[${typeString(t.Elem as Obj)}]${nn}`;
}

export function isCompatible(t: Obj, other: Obj): boolean {
  if (str(t.NamedType) !== str(other.NamedType)) return false;
  if (t.Elem && !other.Elem) return false;
  if (t.Elem && !isCompatible(t.Elem as Obj, other.Elem as Obj)) return false;
  if (other.NonNull) return !!t.NonNull;
  return true;
}

/** The first element named `name` (a linear scan, as gqlparser's ForName; each element a step of the budget). */
export function forName(l: unknown, name: string): Obj | undefined {
  for (const x of arr(l)) {
    step();
    if (x && x.Name === name) return x;
  }
  return undefined;
}

const PRELUDE_DIRECTIVES = new Set(['defer', 'deprecated', 'include', 'oneOf', 'skip', 'specifiedBy']);

export interface LoadedSchema {
  types: Map<string, Obj>;
  directives: Map<string, Obj>;
  /** an interface's or union's possible types (an object type's: itself) */
  possibleTypes: Map<string, Obj[]>;
  query?: Obj;
  mutation?: Obj;
  subscription?: Obj;
}

let prelude: Obj | undefined;

/** A shallow copy that keeps the node's position (the validator appends to copies, not to the parsed documents). */
function copy(o: Obj): Obj {
  const c = { ...o };
  const p = POSITIONS.get(o);
  if (p) POSITIONS.set(c, p);
  const tp = TYPE_POSITIONS.get(o);
  if (tp) TYPE_POSITIONS.set(c, [...tp]);
  return c;
}

/** Lists made while loading a schema (appended to in place; any other list is copied first). */
const madeHere = new WeakSet<unknown[]>();

/** `list` (as `read` gives it) followed by `more`: the same array when this loading made it, else a new one. */
function appended<T>(list: unknown, more: readonly T[], read: (l: unknown) => T[] = arr as (l: unknown) => T[]): T[] {
  let out = list as T[];
  if (!Array.isArray(list) || !madeHere.has(list)) {
    out = [...read(list)];
    madeHere.add(out);
  }
  for (const x of more) out.push(x);
  return out;
}

/** convertSchema: the prelude and the document through ValidateSchemaDocument. Throws GqlSchemaError. */
export function loadSchemaDocument(doc: Obj): LoadedSchema {
  if (!prelude) {
    prelude = gqlParseSchema(GQLPARSER_PRELUDE);
    for (const d of [...arr(prelude.Definitions), ...arr(prelude.Extensions)]) d.BuiltIn = true;
  }
  const sd = {
    Schema: [...arr(prelude.Schema), ...arr(doc.Schema)],
    SchemaExtension: [...arr(prelude.SchemaExtension), ...arr(doc.SchemaExtension)],
    Directives: [...arr(prelude.Directives), ...arr(doc.Directives)].map(copy),
    DirectiveExtensions: [...arr(prelude.DirectiveExtensions), ...arr(doc.DirectiveExtensions)],
    Definitions: [...arr(prelude.Definitions), ...arr(doc.Definitions)].map(copy),
    Extensions: [...arr(prelude.Extensions), ...arr(doc.Extensions)],
  };
  const types = new Map<string, Obj>();
  const directives = new Map<string, Obj>();
  const possibleTypes = new Map<string, Obj[]>();
  const addPossible = (name: string, def: Obj | undefined): void => {
    const list = possibleTypes.get(name);
    if (list) list.push(def as Obj);
    else possibleTypes.set(name, [def as Obj]);
  };
  const schema: LoadedSchema = { types, directives, possibleTypes };

  for (const def of sd.Definitions) {
    if (types.has(str(def.Name))) fail(def, `Cannot redeclare type ${str(def.Name)}.`);
    types.set(str(def.Name), def);
  }
  const defs = [...sd.Definitions];
  for (const ext of sd.Extensions) {
    let def = types.get(str(ext.Name));
    if (!def) {
      def = { Kind: ext.Kind, Name: ext.Name, Description: '', Directives: null, Interfaces: null, Fields: null, Types: null, EnumValues: null, BuiltIn: false };
      const p = POSITIONS.get(ext);
      if (p) POSITIONS.set(def, p);
      types.set(str(ext.Name), def);
      defs.push(def);
    }
    if (def.Kind !== ext.Kind) fail(ext, `Cannot extend type ${str(ext.Name)} because the base type is a ${str(def.Kind)}, not ${str(ext.Kind)}.`);
    // Appended in place to lists this loading made (a type extended thousands of times must not be copied
    // again on every extension); the parsed document's own lists are copied once, never changed.
    def.Directives = appended(def.Directives, arr(ext.Directives));
    def.Interfaces = appended(def.Interfaces, strs(ext.Interfaces), strs);
    def.Fields = appended(def.Fields, arr(ext.Fields));
    def.Types = appended(def.Types, strs(ext.Types), strs);
    TYPE_POSITIONS.set(def, appended(TYPE_POSITIONS.get(def), TYPE_POSITIONS.get(ext) ?? []));
    def.EnumValues = appended(def.EnumValues, arr(ext.EnumValues));
  }
  for (const def of defs) {
    switch (def.Kind) {
      case 'UNION':
        for (const t of strs(def.Types)) addPossible(str(def.Name), types.get(t));
        break;
      case 'INPUT_OBJECT':
      case 'OBJECT':
        for (const i of strs(def.Interfaces)) addPossible(i, def);
        addPossible(str(def.Name), def);
        break;
      case 'INTERFACE':
        for (const i of strs(def.Interfaces)) addPossible(i, def);
        break;
    }
  }
  for (const dir of sd.Directives) {
    if (directives.has(str(dir.Name)) && !PRELUDE_DIRECTIVES.has(str(dir.Name))) fail(dir, `Cannot redeclare directive ${str(dir.Name)}.`);
    directives.set(str(dir.Name), dir);
  }
  for (const ext of sd.DirectiveExtensions) {
    const def = directives.get(str(ext.Name));
    if (!def) fail(ext, `Cannot extend directive @${str(ext.Name)} because it is not defined.`);
    def.Directives = [...arr(def.Directives), ...arr(ext.Directives)];
  }
  if (sd.Schema.length > 1) fail(sd.Schema[1], 'Cannot have multiple schema entry points, consider schema extensions instead.');

  const rootPositions = new Map<string, Obj>();
  const roots = (entry: Obj): void => {
    for (const ep of arr(entry.OperationTypes)) {
      const op = str(ep.Operation);
      if (rootPositions.has(op)) fail(ep, `There can be only one ${op} type in schema.`);
      rootPositions.set(op, ep);
      const def = types.get(str(ep.Type));
      if (!def) fail(ep, `Schema root ${op} refers to a type ${str(ep.Type)} that does not exist.`);
      if (op === 'query') schema.query = def;
      else if (op === 'mutation') schema.mutation = def;
      else if (op === 'subscription') schema.subscription = def;
    }
    validateDirectives(schema, arr(entry.Directives), 'SCHEMA', undefined, true);
  };
  if (sd.Schema.length === 1) roots(sd.Schema[0]!);
  for (const ext of sd.SchemaExtension) roots(ext);

  for (const name of [...types.keys()].sort(goLess)) validateDefinition(schema, possibleTypes, types.get(name)!);
  validateInputObjectCircularRefs(schema);
  for (const name of [...directives.keys()].sort(goLess)) validateDirective(schema, directives.get(name)!);

  if (sd.Schema.length === 0) {
    schema.query ??= types.get('Query');
    schema.mutation ??= types.get('Mutation');
    schema.subscription ??= types.get('Subscription');
  }
  const rootChecks: [string, Obj | undefined, string][] = [
    ['query', schema.query, 'Query root type must be Object type, it cannot be %s.'],
    ['mutation', schema.mutation, 'Mutation root type must be Object type if provided, it cannot be %s.'],
    ['subscription', schema.subscription, 'Subscription root type must be Object type if provided, it cannot be %s.'],
  ];
  for (const [op, def, message] of rootChecks) {
    if (!def || def.Kind === 'OBJECT') continue;
    fail(rootPositions.get(op) ?? def, message.replace('%s', str(def.Name)));
  }
  // QueryIntrospectionFields
  if (schema.query) {
    const t = (name: string, nonNull: boolean): Obj => ({ NamedType: name, Elem: null, NonNull: nonNull });
    schema.query.Fields = [
      ...arr(schema.query.Fields),
      { Description: '', Name: '__schema', Arguments: null, DefaultValue: null, Type: t('__Schema', true), Directives: null },
      { Description: '', Name: '__type', Arguments: [{ Description: '', Name: 'name', DefaultValue: null, Type: t('String', true), Directives: null }], DefaultValue: null, Type: t('__Type', false), Directives: null },
    ];
  }
  return schema;
}

/** Go's sort.Strings order (bytewise). */
function goLess(a: string, b: string): number {
  const ea = Buffer.from(a);
  const eb = Buffer.from(b);
  return Buffer.compare(ea, eb);
}

function validateInputObjectCircularRefs(schema: LoadedSchema): void {
  const visited = new Set<string>();
  const fieldPath: Obj[] = [];
  const indexByType = new Map<string, number>();
  const detect = (def: Obj): void => {
    if (visited.has(str(def.Name))) return;
    visited.add(str(def.Name));
    indexByType.set(str(def.Name), fieldPath.length);
    for (const field of arr(def.Fields)) {
      const t = field.Type as Obj | null;
      if (!t || !t.NonNull || str(t.NamedType) === '') continue;
      const ft = schema.types.get(str(t.NamedType));
      if (!ft || ft.Kind !== 'INPUT_OBJECT') continue;
      fieldPath.push(field);
      const cycle = indexByType.get(str(ft.Name));
      if (cycle !== undefined) {
        const path = fieldPath.slice(cycle);
        fail(path[0], `Cannot reference Input Object ${goQuote(str(ft.Name))} within itself through a series of non-null fields: ${goQuote(path.map((f) => str(f.Name)).join('.'))}.`);
      }
      detect(ft);
      fieldPath.pop();
    }
    indexByType.delete(str(def.Name));
  };
  for (const name of [...schema.types.keys()].sort(goLess)) {
    const def = schema.types.get(name)!;
    if (def.Kind === 'INPUT_OBJECT') detect(def);
  }
}

function validateName(node: unknown, name: string): void {
  if (name.startsWith('__')) fail(node, `Name "${name}" must not begin with "__", which is reserved by GraphQL introspection.`);
}

function duplicateArg(args: Obj[]): Obj | undefined {
  return args[firstDuplicate(args, byName)];
}

const byName = (o: Obj): unknown => o.Name;

/**
 * What gqlparser's nested loops `for i { for j > i { if key(i) == key(j) { report j } } }` report, in
 * linear time: the first i with a later duplicate is the first occurrence of its key (an earlier
 * occurrence would come first), and its first later duplicate is that key's second occurrence. So: the
 * second occurrence of the key whose first occurrence comes first. -1 without duplicates.
 */
export function firstDuplicate<T>(items: readonly T[], key: (t: T) => unknown): number {
  const first = new Map<unknown, number>();
  let best = -1;
  let bestFirst = Infinity;
  for (let j = 0; j < items.length; j++) {
    const k = key(items[j]!);
    const i = first.get(k);
    if (i === undefined) first.set(k, j);
    else if (i >= 0) {
      if (i < bestFirst) {
        bestFirst = i;
        best = j;
      }
      first.set(k, -1); // a third occurrence comes after the second: never the one reported
    }
  }
  return best;
}

function validateDirective(schema: LoadedSchema, def: Obj): void {
  validateName(def, str(def.Name));
  const dup = duplicateArg(arr(def.Arguments));
  if (dup) fail(dup, `Argument @${str(def.Name)}(${str(dup.Name)}:) can only be defined once.`);
  validateDirectives(schema, arr(def.Directives), 'DIRECTIVE_DEFINITION', def, true);
  validateArgs(schema, arr(def.Arguments), def);
}

function validateTypeRef(schema: LoadedSchema, t: Obj): void {
  if (!schema.types.has(typeName(t))) fail(t, `Undefined type ${typeName(t)}.`);
}

function validateArgs(schema: LoadedSchema, args: Obj[], current: Obj | undefined): void {
  for (const arg of args) {
    validateName(arg, str(arg.Name));
    validateTypeRef(schema, arg.Type as Obj);
    validateInputFieldNames(arg.DefaultValue as Obj | null);
    const def = schema.types.get(typeName(arg.Type as Obj))!;
    if (!['SCALAR', 'ENUM', 'INPUT_OBJECT'].includes(str(def.Kind))) {
      fail(arg, `cannot use ${typeString(arg.Type as Obj)} as argument ${str(arg.Name)} because ${str(def.Kind)} is not a valid input type`);
    }
    validateDirectives(schema, arr(arg.Directives), 'ARGUMENT_DEFINITION', current, true);
  }
}

function validateDirectives(schema: LoadedSchema, dirs: Obj[], location: string, current: Obj | undefined, singleLocation: boolean): void {
  const seen = new Set<string>();
  for (const dir of dirs) {
    const name = str(dir.Name);
    validateName(dir, name);
    if (current && name === current.Name) fail(dir, `Directive ${str(current.Name)} cannot refer to itself.`);
    const def = schema.directives.get(name);
    if (!def) fail(dir, `Undefined directive ${name}.`);
    if (singleLocation) {
      if (seen.has(name) && !def.IsRepeatable) fail(dir, `The directive ${name} can only be used once at this location.`);
      seen.add(name);
    }
    if (!strs(def.Locations).includes(location)) fail(dir, `Directive ${name} is not applicable on ${location}.`);
    const args = arr(dir.Arguments);
    args.forEach((arg, i) => {
      if (!forName(def.Arguments, str(arg.Name))) fail(arg, `Undefined argument ${str(arg.Name)} for directive ${name}.`);
      if (forName(i === 0 ? [] : args.slice(0, i), str(arg.Name))) fail(arg, `There can be only one argument named ${str(arg.Name)}.`);
    });
    for (const sa of arr(def.Arguments)) {
      if ((sa.Type as Obj).NonNull && !sa.DefaultValue) {
        const arg = forName(args, str(sa.Name));
        if (!arg || (arg.Value as Obj).Kind === 6) fail(dir, `Argument ${str(sa.Name)} for directive ${name} cannot be null.`);
      }
    }
    for (const arg of args) validateInputFieldNames(arg.Value as Obj | null);
  }
}

function validateInputFieldNames(value: Obj | null | undefined): void {
  if (!value) return;
  const children = arr(value.Children);
  const seen = value.Kind === 9 && children.length > 1 ? new Set<string>() : undefined;
  for (const child of children) {
    if (seen) {
      if (seen.has(str(child.Name))) fail(child, `There can be only one input field named "${str(child.Name)}".`);
      seen.add(str(child.Name));
    }
    validateInputFieldNames(child.Value as Obj | null);
  }
}

function emptyDefinition(def: Obj): never {
  const what = def.Kind === 'INPUT_OBJECT' ? 'input fields' : def.Kind === 'ENUM' ? 'unique enum values' : def.Kind === 'UNION' ? 'member types' : 'fields';
  fail(def, `${str(def.Kind)} ${str(def.Name)}: must define one or more ${what}.`);
}

function validateDefinition(schema: LoadedSchema, possible: Map<string, Obj[]>, def: Obj): void {
  for (const field of arr(def.Fields)) {
    validateName(field, str(field.Name));
    validateTypeRef(schema, field.Type as Obj);
    validateInputFieldNames(field.DefaultValue as Obj | null);
    const dup = duplicateArg(arr(field.Arguments));
    if (dup) fail(dup, `Argument ${str(def.Name)}.${str(field.Name)}(${str(dup.Name)}:) can only be defined once.`);
    validateArgs(schema, arr(field.Arguments), undefined);
    validateDirectives(schema, arr(field.Directives), def.Kind === 'INPUT_OBJECT' ? 'INPUT_FIELD_DEFINITION' : 'FIELD_DEFINITION', undefined, true);
  }
  for (const t of strs(def.Types)) {
    const td = schema.types.get(t);
    if (!td) fail(def, `Undefined type ${goQuote(t)}.`);
    if (td.Kind !== 'OBJECT') fail(def, `${str(def.Kind)} type ${goQuote(t)} must be OBJECT.`);
  }
  const implemented = new Set<string>();
  for (const intf of strs(def.Interfaces)) {
    if (implemented.has(intf)) fail(def, `Type ${str(def.Name)} can only implement ${intf} once.`);
    implemented.add(intf);
    validateImplements(schema, possible, def, intf);
  }
  switch (def.Kind) {
    case 'OBJECT':
    case 'INTERFACE':
      if (!arr(def.Fields).length) emptyDefinition(def);
      for (const field of arr(def.Fields)) {
        const t = schema.types.get(typeName(field.Type as Obj));
        if (t && !['SCALAR', 'OBJECT', 'INTERFACE', 'UNION', 'ENUM'].includes(str(t.Kind))) fail(field, `${str(def.Kind)} ${str(def.Name)}: field must be one of SCALAR, OBJECT, INTERFACE, UNION, ENUM.`);
      }
      break;
    case 'ENUM':
      if (!arr(def.EnumValues).length) emptyDefinition(def);
      for (const v of arr(def.EnumValues)) {
        validateName(v, str(v.Name));
        if (['true', 'false', 'null'].includes(str(v.Name))) fail(v, `${str(def.Kind)} ${str(def.Name)}: non-enum value ${str(v.Name)}.`);
        validateDirectives(schema, arr(v.Directives), 'ENUM_VALUE', undefined, true);
      }
      break;
    case 'INPUT_OBJECT':
      if (!arr(def.Fields).length) emptyDefinition(def);
      for (const field of arr(def.Fields)) {
        const t = schema.types.get(typeName(field.Type as Obj));
        if (t && !['SCALAR', 'ENUM', 'INPUT_OBJECT'].includes(str(t.Kind))) fail(field, `${str(t.Kind)} ${str(field.Name)}: field must be one of SCALAR, ENUM, INPUT_OBJECT.`);
      }
      break;
    case 'UNION':
      if (!strs(def.Types).length) emptyDefinition(def);
      break;
  }
  const fields = arr(def.Fields);
  const f2 = fields[firstDuplicate(fields, byName)];
  if (f2) fail(f2, `Field ${str(def.Name)}.${str(f2.Name)} can only be defined once.`);
  const values = arr(def.EnumValues);
  const v2 = values[firstDuplicate(values, byName)];
  if (v2) fail(v2, `Enum value ${str(def.Name)}.${str(v2.Name)} can only be defined once.`);
  const members = strs(def.Types);
  const positions = TYPE_POSITIONS.get(def) ?? [];
  const aligned = positions.length === members.length;
  const j = firstDuplicate(members, (t) => t);
  if (j >= 0) {
    const pos = aligned && positions[j] ? positions[j] : POSITIONS.get(def);
    throw new GqlSchemaError(`Union type ${str(def.Name)} can only include type ${members[j]} once.`, pos);
  }
  if (!def.BuiltIn) validateName(def, str(def.Name));
  validateDirectives(schema, arr(def.Directives), str(def.Kind), undefined, false);
}

function validateImplements(schema: LoadedSchema, possible: Map<string, Obj[]>, def: Obj, intfName: string): void {
  const intf = schema.types.get(intfName);
  if (!intf) fail(def, `Undefined type ${goQuote(intfName)}.`);
  if (intf.Kind !== 'INTERFACE') fail(def, `${goQuote(intfName)} is a non interface type ${str(intf.Kind)}.`);
  if (intf.Name === def.Name) fail(def, `Type ${str(def.Name)} cannot implement itself because it would create a circular reference.`);
  for (const required of arr(intf.Fields)) {
    const found = forName(def.Fields, str(required.Name));
    if (!found) fail(def, `For ${str(def.Name)} to implement ${str(intf.Name)} it must have a field called ${str(required.Name)}.`);
    if (!isCovariant(possible, required.Type as Obj, found.Type as Obj)) {
      fail(found, `For ${str(def.Name)} to implement ${str(intf.Name)} the field ${str(required.Name)} must have type ${typeString(required.Type as Obj)}.`);
    }
    for (const ra of arr(required.Arguments)) {
      const fa = forName(found.Arguments, str(ra.Name));
      if (!fa) fail(found, `For ${str(def.Name)} to implement ${str(intf.Name)} the field ${str(required.Name)} must have the same arguments but it is missing ${str(ra.Name)}.`);
      if (!isCompatible(ra.Type as Obj, fa.Type as Obj)) fail(fa, `For ${str(def.Name)} to implement ${str(intf.Name)} the field ${str(required.Name)} must have the same arguments but ${str(ra.Name)} has the wrong type.`);
    }
    for (const fa of arr(found.Arguments)) {
      if (!forName(required.Arguments, str(fa.Name)) && (fa.Type as Obj).NonNull && !fa.DefaultValue) {
        fail(fa, `For ${str(def.Name)} to implement ${str(intf.Name)} any additional arguments on ${str(found.Name)} must be optional or have a default value but ${str(fa.Name)} is required.`);
      }
    }
  }
  for (const transitive of strs(intf.Interfaces)) {
    if (strs(def.Interfaces).includes(transitive)) continue;
    if (transitive === def.Name) fail(def, `Type ${str(def.Name)} cannot implement ${intfName} because it would create a circular reference.`);
    fail(def, `Type ${str(def.Name)} must implement ${transitive} because it is implemented by ${intfName}.`);
  }
}

function isCovariant(possible: Map<string, Obj[]>, required: Obj, actual: Obj): boolean {
  if (required.NonNull && !actual.NonNull) return false;
  if (str(required.NamedType) !== '') {
    if (required.NamedType === actual.NamedType) return true;
    return (possible.get(str(required.NamedType)) ?? []).some((pt) => (step(), pt?.Name === actual.NamedType));
  }
  if (required.Elem && !actual.Elem) return false;
  return isCovariant(possible, required.Elem as Obj, actual.Elem as Obj);
}
