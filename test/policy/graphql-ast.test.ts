// The graphql.* builtins against the real OPA (one `opa run --server` on loopback, strict builtin
// errors): hand-written schemas and queries covering every definition kind, comments, descriptions,
// block strings, default values, extensions, validation rules one at a time, parse errors, and AST
// objects handed back as input; then pairs generated with fast-check: random schemas and queries
// (some cut short or with a character dropped), random queries against a fixed schema, and queries
// built from that schema's types (mostly valid, some with one mistake). Each goes through the
// builtins in both engines; values are compared as JSON, errors by code and whole message.
// A large run by hand: OBLIGO_GQL_RUNS=5000 npx vitest run test/policy/graphql-ast.test.ts (OBLIGO_DIFF_SEED=n
// replays a sample; GQL_DIFF_DUMP=file writes a disagreement there as JSON).
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegoEngine, RegoError, toJSON, fromJS, parseJSONExact } from '../../src/policy/rego/index.js';
import { inCI, requireTool } from '../helpers/tools.js';
import { OpaServer, type OpaAnswer } from './opa-server.js';

const opa = requireTool('opa');
const RUNS = Number(process.env.OBLIGO_GQL_RUNS ?? 150);
const SEED = process.env.OBLIGO_DIFF_SEED ? Number(process.env.OBLIGO_DIFF_SEED) : inCI ? 20261205 : undefined;

const MODULE = `package gql

schema := graphql.parse_schema(input.s)
query := graphql.parse_query(input.q)
both := graphql.parse(input.q, input.s)
verified := graphql.parse_and_verify(input.q, input.s)
valid := graphql.is_valid(input.q, input.s)
schema_valid := graphql.schema_is_valid(input.s)

# AST objects as input: a schema's and a query's AST handed back
schema_ast_valid := graphql.schema_is_valid(graphql.parse_schema(input.s))
ast_valid := graphql.is_valid(graphql.parse_query(input.q), graphql.parse_schema(input.s))
ast_both := graphql.parse(graphql.parse_query(input.q), graphql.parse_schema(input.s))
ast_verified := graphql.parse_and_verify(graphql.parse_query(input.q), graphql.parse_schema(input.s))
`;
const ALL_RULES = ['schema', 'query', 'both', 'verified', 'valid', 'schema_valid', 'schema_ast_valid', 'ast_valid', 'ast_both', 'ast_verified'];

interface Case {
  s: string;
  q: string;
  /** which rules to compare */
  rules: string[];
}

const SCHEMA = `
# The schema of a small shop
"""
The root of all queries.
  Indented line kept.
"""
type Query implements Node & Named @key(fields: "id") {
  "an id"
  id: ID!
  name: String @deprecated(reason: "use title")
  items(first: Int = 10, after: String, filter: ItemFilter = {kind: BOOK, tags: ["a", "b"]}): [Item!]! # trailing
  search(term: String!): [SearchResult]
  shape: Shape
}

interface Node { id: ID! }
interface Named implements Node { id: ID!, name: String }

type Item implements Node {
  id: ID!
  kind: Kind
  price(currency: Currency = EUR): Float
}
type Book implements Node { id: ID! title: String }

union SearchResult = | Item | Book
union Shape @tag = Item

enum Kind { BOOK, FOOD @deprecated, "described" TOOL }
enum Currency { EUR USD }

input ItemFilter {
  kind: Kind = BOOK
  tags: [String!]
  price: Float = 1.5e3
}

scalar Date @specifiedBy(url: "https://example.com/date")

schema @entry { query: Query mutation: Mutation }
type Mutation { buy(id: ID!, qty: Int! = 1): Item }

extend type Item { stock: Int }
extend interface Named @tag
extend union Shape = Book
extend enum Currency { GBP }
extend input ItemFilter { maxPrice: Float }
extend scalar Date @tag
extend schema @tag

"Keys" directive @key(fields: String!) repeatable on OBJECT | INTERFACE
directive @tag on | OBJECT | INTERFACE | UNION | SCALAR | SCHEMA | ENUM
directive @entry on SCHEMA
`;

const QUERY = `
# find things
query Find($term: String! = "x" @dir, $n: Int) @op {
  a: search(term: $term) {
    ... on Item { id kind price(currency: USD) }
    ...BookBits
    __typename
  }
  items(first: $n, filter: {kind: FOOD, tags: [], price: -0.5}) { id }
}
fragment BookBits on Book { title }
`;

const HAND: [string, string, string[]?][] = [
  ['type Q { a: Int }', '{ a }'],
  [SCHEMA, QUERY],
  [SCHEMA, '{ name id }'],
  [SCHEMA, 'mutation M { buy(id: "1") { id stock } }'],
  [SCHEMA, '{ nope }'],
  [SCHEMA, 'query Q($x: Int) { id }'],
  [SCHEMA, ''],
  [SCHEMA, '# only a comment'],
  ['"""\n  Block\n    indented\n\n"""\ntype Query { a(x: String = """tri\\"""ple"""): String }', '{ a(x: """b""") }'],
  ['type Query { a: String } # end\n# eof', '# lead\n{ # in\n a # after\n}'],
  ['# c1\n"d" # c2\ntype Q # c3\n{ # c4\n a( # c5\n x: Int # c6\n ): Int # c7\n}', '{ a }'],
  ['extend type Query { a: Int }', '{ a }'],
  ['extend type Foo @x', '{ a }'],
  ['schema { query: Q } type Q { a: Q }', '{ a { a { a } } }'],
  ['type Query { a: [[Int!]!] }', '{ a }'],
  ['type Query { s(x: String = "é\\u00e9\\u{1F600}\\n\\t\\"\\\\"): String }', '{ s(x: "ਊ😀") }'],
  ['directive @d(a: Int = 1, b: [Int] = [1, 2]) repeatable on FIELD_DEFINITION | ARGUMENT_DEFINITION\ntype Query { a(x: Int @d): Int @d @d(a: 2) }', '{ a }'],
  ['extend directive @d @e', '{ a }'],
  ['type Query { a: Int }', 'subscription { a }'],
  ['type Query { a: Int }', '{ a } { a }'],
  ['type Query { a(x: Int): Int }', 'query ($v: Int = 3) { a(x: $v) }'],
  ['type Query { a(x: Int): Int }', 'fragment f($v: Int) on Query { a(x: $v) } { ...f }'],
  ['type Query { a: Int }', '"described" query Q { a }'],
  // validation: one rule at a time
  [SCHEMA, 'query Q { id } query Q { name }'],
  [SCHEMA, 'fragment F on Query { id } fragment F on Query { name } { ...F }'],
  [SCHEMA, 'fragment F on Query { id } { name }'],
  [SCHEMA, 'fragment F on Query { ...G } fragment G on Query { ...F } { ...F }'],
  [SCHEMA, '{ items(nope: 1) { id } }'],
  [SCHEMA, '{ search { ... on Item { id } } }'],
  [SCHEMA, '{ items(first: "ten") { id } }'],
  [SCHEMA, 'query Q($t: Int) { search(term: $t) { __typename } }'],
  [SCHEMA, '{ id @include(if: true) @include(if: false) }'],
  [SCHEMA, '{ __schema { types { name } } __type(name: "Item") { name } __typename }'],
  // (not as AST objects: the real OPA's validator dereferences nil on this one and the process dies)
  [SCHEMA, '{ id @skip(if: false) ... @defer { name } }', ['schema', 'query', 'both', 'verified', 'valid', 'schema_valid']],
  [SCHEMA, '{ a: id a: name }'],
  [SCHEMA, '{ shape { ... on Book { title } ... on Item { id } } }'],
  [SCHEMA, '{ id { x } }'],
  [SCHEMA, 'query Q($f: ItemFilter = {kind: BOOK, nope: 1}) { items(filter: $f) { id } }'],
  [SCHEMA, 'subscription S { a: id b: id }'],
  ['type Query { a(x: In!): Int } input In @oneOf { a: Int b: String }', '{ a(x: {a: 1}) }'],
  ['type Query { a: Int } type Query { b: Int }', '{ a }'],
  ['type Query { a: Int } extend interface Query { b: Int }', '{ a }'],
  ['type Query implements I { a: Int } interface I { a: String }', '{ a }'],
  ['type Query { a(x: Int, x: Int): Int }', '{ a }'],
  ['type Query { a: Int @nope }', '{ a }'],
  ['type Query { a: Int } input I { a: I! }', '{ a }'],
  ['type Query { a: Int } union U = Query | Query', '{ a }'],
  ['type Query { __a: Int }', '{ __a }'],
  ['schema { query: Q } schema { query: Q } type Q { a: Int }', '{ a }'],
  ['schema { query: I } interface I { a: Int }', '{ a }'],
  ['type Query { a: Int } enum E { true }', '{ a }'],
  ['directive @d(x: Int!) on FIELD_DEFINITION type Query { a: Int @d }', '{ a }'],
  // parse errors: messages and positions
  ['type Q {', '{ a'],
  ['type Q { }', '{ }'],
  ['type Q { a: Int ', '{ a('],
  ['type Q { a(x: Int = "x\\q"): Int }', '{ a(x: "x\\q") }'],
  ['type Q { a: Int = 1 }', '{ a(x: $v, y: 0x) }'],
  ['union U = | A || B', 'query Q($x: Int = $y) { a }'],
  ['enum E {}', '{ ... }'],
  ['input I { a(x: Int): Int }', 'fragment on on T { a }'],
  ['directive @d on NOWHERE', 'query { a(x: "unterminated) }'],
  ['"desc" extend type Q { a: Int }', 'query Q ( ) { a }'],
  ['extend schema', '{ a(x: 1.) }'],
  ["type Q { a: 'x' }", '{ a(x: 1.5e) }'],
  ['scalar', '{ a(x: -) }'],
  ['type Q { a: Int } garbage', '{ a } garbage'],
  ['type Q\u0001 { a: Int }', '{ a(x: "\u0001") }'],
  ['extend input I', '{ a(x: 00) }'],
  ['type Q { a: Int }\nextend type Q', '"""unterminated'],
];


/** Hand-written: every rule. */
const handCases: Case[] = HAND.map(([s, q, rules]) => ({ s, q, rules: rules ?? ALL_RULES }));

// ---- generated schemas and queries: pieces joined with random spacing, comments and commas,
// sometimes cut or with a character dropped (errors must agree too)

const name = fc.constantFrom('a', 'b', 'Q', 'Query', 'type', 'on', 'input', 'enum', 'x1', '_y', 'true', 'null', 'Foo');
const typeName = fc.constantFrom('Int', 'String', 'Q', 'Foo', 'Boolean', 'ID');
const ws = fc.constantFrom(' ', '  ', '\n', ', ', '\t', ' # note\n', '\r\n', '\n  ');
const typeRef: fc.Arbitrary<string> = fc.letrec<{ t: string }>((tie) => ({
  t: fc.oneof({ depthSize: 'small', withCrossShrink: true }, typeName, tie('t').map((t) => `[${t}]`), typeName.map((t) => `${t}!`), tie('t').map((t) => `[${t}]!`)),
})).t;
const scalarValue = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).map((d) => String(d)),
  fc.string({ maxLength: 6 }).map((s) => JSON.stringify(s)),
  fc.constantFrom('true', 'false', 'null', 'RED', '"""blk\n  text"""', '"é"', '1e3', '-0'),
);
const value: fc.Arbitrary<string> = fc.letrec<{ v: string }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalarValue,
    fc.array(tie('v'), { maxLength: 3 }).map((vs) => `[${vs.join(', ')}]`),
    fc.array(fc.tuple(name, tie('v')), { maxLength: 3 }).map((fs) => `{${fs.map(([k, v]) => `${k}: ${v}`).join(' ')}}`),
  ),
})).v;
const desc = fc.oneof(fc.constant(''), fc.constant(''), fc.string({ maxLength: 8 }).map((s) => JSON.stringify(s) + ' '), fc.constantFrom('"""\n  multi\n   line\n"""\n', '# comment\n"d" '));
const directive = fc.tuple(name, fc.option(fc.tuple(name, value), { nil: undefined })).map(([n, a]) => ` @${n}${a ? `(${a[0]}: ${a[1]})` : ''}`);
const directives = fc.array(directive, { maxLength: 2 }).map((ds) => ds.join(''));
const argDef = fc.tuple(desc, name, typeRef, fc.option(value, { nil: undefined }), directives).map(([d, n, t, v, ds]) => `${d}${n}: ${t}${v !== undefined ? ` = ${v}` : ''}${ds}`);
const fieldDef = fc.tuple(desc, name, fc.array(argDef, { maxLength: 2 }), typeRef, directives, ws).map(([d, n, as, t, ds, w]) => `${d}${n}${as.length ? `(${as.join(', ')})` : ''}: ${t}${ds}${w}`);
const fields = fc.array(fieldDef, { minLength: 1, maxLength: 3 }).map((fs) => `{${fs.join(' ')}}`);
const ifaces = fc.array(typeName, { maxLength: 2 }).map((is) => (is.length ? ` implements ${is.join(' & ')}` : ''));
const definition = fc.oneof(
  fc.tuple(desc, name, ifaces, directives, fields).map(([d, n, i, ds, f]) => `${d}type ${n}${i}${ds} ${f}`),
  fc.tuple(desc, name, ifaces, directives, fields).map(([d, n, i, ds, f]) => `${d}interface ${n}${i}${ds} ${f}`),
  fc.tuple(desc, name, directives, fc.array(typeName, { minLength: 1, maxLength: 3 })).map(([d, n, ds, ts]) => `${d}union ${n}${ds} = ${ts.join(' | ')}`),
  fc.tuple(desc, name, directives, fc.array(fc.tuple(desc, name, directives), { minLength: 1, maxLength: 3 })).map(([d, n, ds, vs]) => `${d}enum ${n}${ds} { ${vs.map(([vd, v, vds]) => `${vd}${v}${vds}`).join(' ')} }`),
  fc.tuple(desc, name, directives, fc.array(argDef, { minLength: 1, maxLength: 3 })).map(([d, n, ds, fs]) => `${d}input ${n}${ds} { ${fs.join('\n')} }`),
  fc.tuple(desc, name, directives).map(([d, n, ds]) => `${d}scalar ${n}${ds}`),
  fc.tuple(desc, directives, fc.array(fc.tuple(fc.constantFrom('query', 'mutation', 'subscription'), typeName), { minLength: 1, maxLength: 2 })).map(([d, ds, ops]) => `${d}schema${ds} { ${ops.map(([o, t]) => `${o}: ${t}`).join(' ')} }`),
  fc.tuple(desc, name, fc.array(argDef, { maxLength: 2 }), fc.boolean(), fc.array(fc.constantFrom('OBJECT', 'FIELD', 'QUERY', 'SCHEMA', 'ENUM_VALUE', 'INPUT_FIELD_DEFINITION'), { minLength: 1, maxLength: 3 })).map(
    ([d, n, as, r, ls]) => `${d}directive @${n}${as.length ? `(${as.join(', ')})` : ''}${r ? ' repeatable' : ''} on ${ls.join(' | ')}`,
  ),
  fc.tuple(name, ifaces, directives, fields).map(([n, i, ds, f]) => `extend type ${n}${i}${ds} ${f}`),
  fc.tuple(name, directive).map(([n, d]) => `extend scalar ${n}${d}`),
  directive.map((d) => `extend schema${d}`),
);
/** Queries over a vocabulary of field, argument, fragment and type names (with `value` and `directives`). */
function operationArb(fieldName: fc.Arbitrary<string>, typeCond: fc.Arbitrary<string>, dirs: fc.Arbitrary<string>, val: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const selection: fc.Arbitrary<string> = fc.letrec<{ s: string }>((tie) => ({
    s: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.tuple(fc.option(fieldName, { nil: undefined }), fieldName, fc.array(fc.tuple(fieldName, fc.oneof(val, fieldName.map((n) => `$${n}`))), { maxLength: 2 }), dirs).map(([al, n, as, ds]) => `${al ? `${al}: ` : ''}${n}${as.length ? `(${as.map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''}${ds}`),
      fc.tuple(fieldName, fc.array(tie('s'), { minLength: 1, maxLength: 3 })).map(([n, ss]) => `${n} { ${ss.join(' ')} }`),
      fc.tuple(fc.option(typeCond, { nil: undefined }), dirs, fc.array(tie('s'), { minLength: 1, maxLength: 2 })).map(([t, ds, ss]) => `...${t ? ` on ${t}` : ''}${ds} { ${ss.join(' ')} }`),
      fc.tuple(fieldName, dirs).map(([n, ds]) => `...${n}${ds}`),
    ),
  })).s;
  const selections = fc.array(selection, { minLength: 1, maxLength: 3 }).map((ss) => `{ ${ss.join(' ')} }`);
  const varDef = fc.tuple(fieldName, fc.oneof(typeRef, typeCond), fc.option(val, { nil: undefined }), dirs).map(([n, t, v, ds]) => `$${n}: ${t}${v !== undefined ? ` = ${v}` : ''}${ds}`);
  return fc.oneof(
    selections,
    fc.tuple(fc.constantFrom('query', 'mutation', 'subscription'), fc.option(fieldName, { nil: undefined }), fc.array(varDef, { maxLength: 2 }), dirs, selections, desc).map(
      ([o, n, vs, ds, ss, d]) => `${d}${o}${n ? ` ${n}` : ''}${vs.length ? `(${vs.join(', ')})` : ''}${ds} ${ss}`,
    ),
    fc.tuple(fieldName, typeCond, dirs, selections).map(([n, t, ds, ss]) => `fragment ${n} on ${t}${ds} ${ss}`),
  );
}
const operation = operationArb(name, typeName, directives, value);

// queries that mostly make sense against SCHEMA: its field, argument and type names, its enum
// values, the built-in directives (so the validator's rules, not unknown names, are what fails)
const shopName = fc.constantFrom('id', 'name', 'items', 'search', 'shape', 'kind', 'price', 'title', 'stock', 'buy', '__typename', 'first', 'after', 'filter', 'term', 'currency', 'tags', 'qty', 'x', 'B', '__schema', 'types', 'fields', 'ofType', 'interfaces');
const shopType = fc.constantFrom('Item', 'Book', 'Node', 'Named', 'Query', 'Kind', 'SearchResult', 'Shape', 'ItemFilter', 'String', 'Int', '__Type', 'Mutation', 'Currency');
const shopValue = fc.oneof(value, fc.constantFrom('BOOK', 'FOOD', 'EUR', 'GBP', '"t"', '3', '{kind: TOOL, tags: ["a"]}', '{price: 2.5, tags: "x"}', '[1, 2]', 'null', '2147483648', '1e400'));
const shopDirective = fc
  .tuple(fc.constantFrom('include', 'skip', 'deprecated', 'defer', 'key', 'tag', 'oneOf'), fc.option(fc.tuple(fc.constantFrom('if', 'label', 'reason', 'fields'), fc.constantFrom('true', 'false', '$x', '"l"', '1')), { nil: undefined }))
  .map(([n, a]) => ` @${n}${a ? `(${a[0]}: ${a[1]})` : ''}`);
const shopDirectives = fc.array(shopDirective, { maxLength: 2 }).map((ds) => ds.join(''));
const shopOperation = operationArb(shopName, shopType, shopDirectives, shopValue);

// queries built from SCHEMA's types (so most are valid), each with a chance of one mistake
type ShopField = { args?: Record<string, string>; required?: string[]; type?: string };
const SHOP: Record<string, Record<string, ShopField> | string[]> = {
  Query: { id: {}, name: {}, items: { args: { first: '5', after: '"c"', filter: '{kind: BOOK, tags: ["a"]}' }, type: 'Item' }, search: { args: { term: '"x"' }, required: ['term'], type: 'SearchResult' }, shape: { type: 'Shape' } },
  Mutation: { buy: { args: { id: '"1"', qty: '2' }, required: ['id'], type: 'Item' } },
  Item: { id: {}, kind: {}, price: { args: { currency: 'USD' } }, stock: {} },
  Book: { id: {}, title: {} },
  SearchResult: ['Item', 'Book'],
  Shape: ['Item', 'Book'],
};
const mistake = fc.oneof({ weight: 30, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('nope', 'title', '(first: "x")', '(term: 1)', ' @skip', ' @include(if: 1)', ' @deprecated', '(qty: null)', ' { id }') });
function shopSelection(type: string, depth: number): fc.Arbitrary<string> {
  const t = SHOP[type]!;
  if (Array.isArray(t)) {
    return fc.array(fc.constantFrom(...t), { minLength: 1, maxLength: 2 }).chain((members) =>
      fc.tuple(...members.map((m) => shopSelection(m, depth + 1).map((sel) => `... on ${m} { ${sel} }`))).map((parts) => `__typename ${parts.join(' ')}`),
    );
  }
  const names = Object.keys(t);
  const field = (n: string): fc.Arbitrary<string> => {
    const f = t[n]!;
    const args = fc.subarray(Object.keys(f.args ?? {})).map((as) => [...new Set([...(f.required ?? []), ...as])]);
    return fc
      .tuple(args, fc.option(fc.constantFrom('a', 'b', n), { nil: undefined }), fc.constantFrom('', '', ' @include(if: true)', ' @skip(if: false)'), f.type && depth < 3 ? shopSelection(f.type, depth + 1) : fc.constant(''), mistake)
      .map(([as, alias, dir, sub, bad]) => {
        const argText = as.length ? `(${as.map((a) => `${a}: ${f.args![a]}`).join(', ')})` : '';
        const head = `${alias && alias !== n ? `${alias}: ` : ''}${bad === 'nope' || bad === 'title' ? bad : n}${bad.startsWith('(') ? bad : argText}`;
        return `${head}${bad.startsWith(' @') ? bad : dir}${sub ? ` { ${sub} }` : bad === ' { id }' ? bad : ''}`;
      });
  };
  return fc.array(fc.constantFrom(...names), { minLength: 1, maxLength: 3 }).chain((ns) => fc.tuple(...ns.map(field)).map((fs) => fs.join(' ')));
}
const shopQuery = fc.oneof(
  shopSelection('Query', 0).map((sel) => `{ ${sel} }`),
  shopSelection('Query', 0).map((sel) => `query Q($t: String! = "x", $n: Int) { ${sel} search(term: $t) { __typename } items(first: $n) { id } }`),
  shopSelection('Mutation', 0).map((sel) => `mutation M { ${sel} }`),
  shopSelection('Item', 1).map((sel) => `fragment F on Item { ${sel} } { items { ...F } }`),
);

/** Joins pieces with random spacing, then maybe damages the text (cut short, a character dropped). */
function doc(piece: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .tuple(fc.array(fc.tuple(piece, ws), { minLength: 1, maxLength: 4 }), fc.nat({ max: 9 }), fc.nat())
    .map(([ps, damage, at]) => {
      const text = ps.map(([p, w]) => p + w).join('');
      if (damage === 0) return text.slice(0, at % (text.length + 1));
      if (damage === 1) {
        const i = at % Math.max(1, text.length);
        return text.slice(0, i) + text.slice(i + 1);
      }
      return text;
    });
}

const GENERATED_RULES = ['schema', 'query', 'both', 'verified', 'valid', 'schema_valid'];
const sampleOpts = { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) };
const generated: Case[] = [
  ...fc.sample(fc.tuple(doc(definition), doc(operation)), sampleOpts).map(([s, q]) => ({ s, q, rules: GENERATED_RULES })),
  ...fc.sample(doc(shopOperation), sampleOpts).map((q) => ({ s: SCHEMA, q, rules: ['query', 'both', 'verified', 'valid'] })),
  ...fc.sample(shopQuery, sampleOpts).map((q) => ({ s: SCHEMA, q, rules: ['both', 'verified', 'valid'] })),
];


type Outcome = { value: unknown } | { undefined: true } | { error: { code: string; message: string } };

function ours(engine: RegoEngine, rule: string, input: unknown): Outcome {
  try {
    const v = engine.eval(`data.gql.${rule}`, input);
    return v === undefined ? { undefined: true } : { value: JSON.parse(toJSON(v)) };
  } catch (e) {
    if (e instanceof RegoError) return { error: { code: e.code, message: e.message.replace(/^.*?: (graphql\.)/, '$1') } };
    throw e;
  }
}

/**
 * gqlparser suggests unknown type names from a Go map's iteration, so OPA lists names equally close
 * to the typo in no fixed order: such a list is compared as a set.
 */
function canonical(o: Outcome): Outcome {
  if (!('error' in o)) return o;
  const message = o.error.message.replace(/(Unknown type "[^"]*"\. Did you mean )([^?]*)\?/g, (_, head: string, list: string) => `${head}${[...list.matchAll(/"([^"]*)"/g)].map((m) => m[1]).sort().join('|')}?`);
  return { error: { ...o.error, message } };
}

function theirs(a: OpaAnswer): Outcome {
  if (a.error) return { error: { code: a.error.code, message: a.error.message } };
  return a.json === undefined ? { undefined: true } : { value: toJSONValue(a.json) };
}

function toJSONValue(text: string): unknown {
  return JSON.parse(toJSON(fromJS(parseJSONExact(text))));
}

describe.skipIf(!opa.ok)(`graphql builtins: our engine against the real OPA${opa.skipNote}`, () => {
  let server: OpaServer;
  const engine = new RegoEngine({ strictBuiltinErrors: true });
  beforeAll(async () => {
    server = await OpaServer.start(opa.path!);
    const err = await server.putPolicy('gql', MODULE);
    if (err) throw new Error(`OPA rejects the module: ${err.message}`);
    engine.addModule('gql.rego', MODULE);
    engine.compile();
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function compare(cases: Case[]): Promise<{ compared: number; values: number; errors: number; validQueries: number; mismatches: string[] }> {
    const jobs = cases.flatMap((c) => c.rules.map((rule) => ({ c, rule })));
    const answers: OpaAnswer[] = [];
    // a few requests at a time: one OPA process, many inputs
    for (let i = 0; i < jobs.length; i += 32) {
      answers.push(...(await Promise.all(jobs.slice(i, i + 32).map(({ c, rule }) => server.evaluate(`gql/${rule}?strict-builtin-errors=true`, { s: c.s, q: c.q })))));
    }
    const out = { compared: 0, values: 0, errors: 0, validQueries: 0, mismatches: [] as string[] };
    jobs.forEach(({ c, rule }, i) => {
      const them = theirs(answers[i]!);
      const us = ours(engine, rule, { s: c.s, q: c.q });
      out.compared++;
      if ('value' in them) out.values++;
      if ('error' in them) out.errors++;
      if (rule === 'valid' && 'value' in them && them.value === true) out.validQueries++;
      if (JSON.stringify(sortKeys(canonical(us))) !== JSON.stringify(sortKeys(canonical(them)))) {
        if (process.env.GQL_DIFF_DUMP) writeFileSync(process.env.GQL_DIFF_DUMP, JSON.stringify({ c, rule, us, them }));
        out.mismatches.push(`${rule} on schema ${JSON.stringify(c.s)} query ${JSON.stringify(c.q)}:\n  ours ${JSON.stringify(us)}\n  opa  ${JSON.stringify(them)}`);
      }
    });
    return out;
  }

  it(`agree on ${handCases.length} hand-written schema/query pairs through every graphql builtin`, async () => {
    const r = await compare(handCases);
    console.log(`graphql differential (hand-written): ${handCases.length} pairs, ${r.compared} evaluations (${r.values} values, ${r.errors} errors)`);
    expect(r.mismatches.slice(0, 5).join('\n')).toBe('');
    expect(r.values).toBeGreaterThan(100);
    expect(r.errors).toBeGreaterThan(50);
  }, 60_000);

  it(`agree on ${RUNS} generated schema/query pairs through parse_schema, parse_query, parse, parse_and_verify, is_valid, schema_is_valid`, async () => {
    const r = await compare(generated);
    console.log(`graphql differential (generated): ${generated.length} pairs, ${r.compared} evaluations (${r.values} values, ${r.errors} errors), ${r.validQueries} valid queries`);
        expect(r.mismatches.slice(0, 5).join('\n')).toBe('');
    // both parsed documents and errors must be common, or the generator proves little
    expect(r.values).toBeGreaterThan(r.compared / 5);
    expect(r.errors).toBeGreaterThan(r.compared / 20);
    expect(r.validQueries).toBeGreaterThan(RUNS / 4);
  }, 60_000 + RUNS * 30);
});

function sortKeys(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(sortKeys);
  if (typeof x === 'object' && x !== null) return Object.fromEntries(Object.keys(x).sort().map((k) => [k, sortKeys((x as Record<string, unknown>)[k])]));
  return x;
}


describe('the graphql family stays lazy', () => {
  it('compiling a policy that calls graphql.* loads no graphql code; evaluating it through the policy engine does', () => {
    const script = `
      import { RegoEngine } from './src/policy/rego/engine.js';
      import { builtins } from './src/policy/rego/builtins/registry.js';
      import { createPolicyEngine } from './src/policy/engine.js';
      const text = 'package g\\nx := graphql.parse_schema("type Q { a: Int }").Definitions[0].Name';
      const e = new RegoEngine();
      e.addModule('g.rego', text);
      e.compile();
      const afterCompile = [...builtins.keys()].filter((n) => n.startsWith('graphql.')).length;
      const pe = await createPolicyEngine({ backend: 'builtin', modules: [{ path: 'g.rego', text }] });
      const v = await pe.evaluate('g/x', {});
      console.log(JSON.stringify({ afterCompile, v, loaded: builtins.has('graphql.parse_schema') }));
    `;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: join(import.meta.dirname, '..', '..'), encoding: 'utf8' });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ afterCompile: 0, v: 'Q', loaded: true });
  });
});
