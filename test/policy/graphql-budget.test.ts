// Hostile GraphQL input never hangs or exhausts memory: the ported validator compares fields and fragments
// pairwise (gqlparser's OverlappingFieldsCanBeMerged), so its loops run under the evaluation's deadline
// and value-size limit (graphql-budget.ts) and stop the evaluation as the evaluator would; the schema
// loader's duplicate checks and list building are linear (they were quadratic in time and memory).
// Ground truth: the nested loops of gqlparser written out here for the duplicate checks; for the limits,
// the error class the evaluator gives for any other evaluation past them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstDuplicate } from '../../src/policy/rego/builtins/graphql-schema.js';
import { RegoEngine, RegoError, toJS, type Value } from '../../src/policy/rego/index.js';

/** gqlparser's `for i { for j > i { if a[i] == a[j] { return j } } }`. */
function nestedLoops(a: readonly number[]): number {
  for (let i = 0; i < a.length; i++) for (let j = i + 1; j < a.length; j++) if (a[i] === a[j]) return j;
  return -1;
}

function run(fn: string, args: Record<string, string>, opts: { timeoutMs?: number; maxValueSize?: number } = {}): { value?: unknown; error?: string; message?: string } {
  const e = new RegoEngine({ maxValueSize: opts.maxValueSize, strictBuiltinErrors: true });
  e.addModule('g.rego', `package g\nimport rego.v1\nv := graphql.${fn}(${Object.keys(args).map((k) => `input.${k}`).join(', ')})`);
  e.compile();
  try {
    const v = e.eval('data.g.v', args, { timeoutMs: opts.timeoutMs });
    return { value: v };
  } catch (err) {
    if (!(err instanceof RegoError)) throw err;
    return { error: err.code, message: err.message };
  }
}

const SCHEMA = 'type Query { a: Int b(x: Int): Int t: T } type T { a: Int b: Int t: T }';

describe('the schema loader finds the duplicate gqlparser reports, in linear time', () => {
  it('the same index as the nested loops, for any list', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 40 }), (a) => {
        expect(firstDuplicate(a, (x) => x)).toBe(nestedLoops(a));
      }),
      { numRuns: 2000 },
    );
    expect(firstDuplicate([1, 2, 2, 1], (x) => x)).toBe(3); // the first i with a later duplicate wins, not the first j
    expect(firstDuplicate([1, 2, 2, 2, 1], (x) => x)).toBe(4);
  });

  it('duplicate fields, enum values and union members are reported as before', () => {
    // gqlparser reports the first element with a later duplicate (a), not the first repeated one (b); the
    // messages and positions are the real OPA 1.22.4's (`opa eval --strict-builtin-errors 'graphql.parse(…)'`)
    const conversion = 'g.rego:3: eval_builtin_error: graphql.parse: Error in gqlparser SchemaDocument to Schema conversion: input:1:';
    expect(run('parse', { q: '{ a }', s: 'type Query { a: Int b: Int b: Int a: Int }' }).message).toBe(`${conversion}35: Field Query.a can only be defined once.`);
    expect(run('parse', { q: '{ a }', s: 'type Query { a: E } enum E { X Y Y X }' }).message).toBe(`${conversion}36: Enum value E.X can only be defined once.`);
    expect(run('parse', { q: '{ a }', s: 'type Query { a(x: Int, y: Int, y: Int, x: Int): Int }' }).message).toBe(`${conversion}40: Argument Query.a(x:) can only be defined once.`);
    expect(run('parse', { q: '{ a }', s: 'type Query { a: U } type A { a: Int } type B { a: Int } union U = A | B | B | A' }).message).toBe(`${conversion}79: Union type U can only include type A once.`);
    for (const s of ['type Query { a: Int b: Int b: Int a: Int }', 'type Query { a: E } enum E { X Y Y X }', 'type Query { a: U } type A { a: Int } type B { a: Int } union U = A | B | B | A']) {
      expect(run('schema_is_valid', { s }).value, s).toBe(false);
    }
  });

  it('a union of 64,000 members and a type of 64,000 fields load', () => {
    const n = 64_000;
    const schema = `type Query { ${Array.from({ length: n }, (_, i) => `f${i}: X${i}`).join(' ')} } ${Array.from({ length: n }, (_, i) => `type X${i} { a: Int }`).join(' ')} union U = ${Array.from({ length: n }, (_, i) => `X${i}`).join(' | ')}`;
    expect(run('schema_is_valid', { s: schema })).toEqual({ value: true });
    const extended = `type Query { a: Int } ${Array.from({ length: 20_000 }, (_, i) => `extend type Query { e${i}: Int }`).join(' ')}`;
    expect(run('schema_is_valid', { s: extended })).toEqual({ value: true });
  }, 60_000);
});

describe('a schema that extends the prelude', () => {
  it('leaves the prelude as it was for the next schema (the prelude is parsed once per process)', () => {
    for (let i = 0; i < 3; i++) {
      expect(run('schema_is_valid', { s: 'type Query { a: Int } extend type __Type { extra: Int }' })).toEqual({ value: true });
      expect(run('schema_is_valid', { s: 'type Query { a: Int } extend enum __TypeKind { EXTRA }' })).toEqual({ value: true });
    }
    // as the real OPA 1.22.4 answers: `opa eval '[graphql.schema_is_valid(…), graphql.schema_is_valid(…)]'` is [true, true]
  });
});

describe('the validator stops at the evaluation\'s limits', () => {
  it('16,000 fields of one response name: past the deadline, the evaluation is cancelled (not "valid")', () => {
    expect(run('is_valid', { q: `{ ${'a '.repeat(16_000)} }`, s: SCHEMA }, { timeoutMs: 50 })).toEqual({ error: 'eval_cancel_error', message: 'eval_cancel_error: evaluation timed out' });
  });

  it('a chain of 3,000 fragments and 20,000 variables: cancelled past the deadline', () => {
    const frags = `{ ...F0 } ${Array.from({ length: 3000 }, (_, i) => `fragment F${i} on Query { a ${i + 1 < 3000 ? `...F${i + 1}` : ''} }`).join(' ')}`;
    expect(run('parse', { q: frags, s: SCHEMA }, { timeoutMs: 1 }).error).toBe('eval_cancel_error');
    const vars = `query(${Array.from({ length: 20_000 }, (_, i) => `$v${i}: Int`).join(' ')}) { ${Array.from({ length: 2000 }, (_, i) => `x${i}: b(x: $v${19_999 - i})`).join(' ')} }`;
    expect(run('is_valid', { q: vars, s: SCHEMA }, { timeoutMs: 1 }).error).toBe('eval_cancel_error');
  });

  it('millions of conflicts: listing them stops at the size limit (a resource error); whether there is one stops at the first', () => {
    const q = `{ ${Array.from({ length: 4000 }, (_, i) => `x: ${i % 2 ? 'a' : 'b'}`).join(' ')} }`;
    expect(run('parse', { q, s: SCHEMA }, { maxValueSize: 10_000 }).error).toBe('eval_resource_error');
    // without a value-size limit, at MAX_GRAPHQL_PROBLEMS (100,000): 4,000,000 conflicts were 2 GB
    expect(run('parse', { q, s: SCHEMA }, { maxValueSize: 0 })).toEqual({ error: 'eval_resource_error', message: 'eval_resource_error: graphql: more than 100000 problems or conflicts' });
    expect(run('is_valid', { q, s: SCHEMA }, { maxValueSize: 10_000 })).toEqual({ value: false });
    expect(toJS(run('parse_and_verify', { q, s: SCHEMA }, { maxValueSize: 10_000 }).value as Value)).toEqual([false, {}, {}]);
  });

  it('the bound is the smaller of the value-size limit and 100,000, and a list of exactly that many is complete', () => {
    /** `a` aliases of field a and `b` of field b, all named x: a × b conflicts, one problem each. */
    const aliases = (a: number, b: number) => `{ ${'x: a '.repeat(a)}${'x: b '.repeat(b)}}`;
    // 150 × 150 = 22,500: over a value-size limit of 10,000, under 100,000
    expect(run('parse', { q: aliases(150, 150), s: SCHEMA }, { maxValueSize: 10_000 })).toEqual({ error: 'eval_resource_error', message: 'eval_resource_error: graphql: more than 10000 problems or conflicts' });
    // 350 × 350 = 122,500: over 100,000, under the default value-size limit (5,000,000)
    expect(run('parse', { q: aliases(350, 350), s: SCHEMA })).toEqual({ error: 'eval_resource_error', message: 'eval_resource_error: graphql: more than 100000 problems or conflicts' });
    // 250 × 400 = 100,000 exactly: listed in full
    const full = run('parse', { q: aliases(250, 400), s: SCHEMA });
    expect(full.error).toBe('eval_builtin_error');
    expect(full.message!.split('Fields "x" conflict because').length - 1).toBe(100_000);
  }, 60_000);

  it('a few problems are all listed, in order, as before', () => {
    const m = run('parse', { q: '{ x: a x: b y: a y: b }', s: SCHEMA }, { maxValueSize: 10_000 }).message!;
    expect(m).toContain('Fields "x" conflict because "a" and "b" are different fields');
  });

  it('within the limits, the answers are unchanged', () => {
    expect(run('is_valid', { q: '{ x: a x: b }', s: SCHEMA })).toEqual({ value: false });
    expect(run('is_valid', { q: `{ ${'a '.repeat(200)} }`, s: SCHEMA })).toEqual({ value: true });
  });
});
