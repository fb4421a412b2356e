// The Rego engine core: parser, compiler and evaluator. Expected values are worked out by hand from
// the Rego language reference (they do not come from running this engine).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseModule, RegoEngine, RegoError, runTests } from '../../src/policy/rego/index.js';
import { fromJS, parseJSONExact, RObject, RSet, toJSON, type Value } from '../../src/policy/rego/value.js';

function engine(modules: string | string[], data: unknown = {}, strict = false): RegoEngine {
  const e = new RegoEngine({ strictBuiltinErrors: strict });
  (Array.isArray(modules) ? modules : [modules]).forEach((m, i) => e.addModule(`m${i}.rego`, m));
  e.setData(data);
  e.compile();
  return e;
}

const j = (v: Value | undefined): string | undefined => (v === undefined ? undefined : toJSON(v));

function errorOf(f: () => unknown): RegoError {
  try {
    f();
  } catch (e) {
    if (e instanceof RegoError) return e;
    throw e;
  }
  throw new Error('expected a RegoError');
}

describe('parser', () => {
  it('parses a module with imports, rules of every kind', () => {
    const m = parseModule(
      'x.rego',
      `package a.b
import rego.v1
import data.lib.util as u

default allow := false
allow if { input.user == "bob" }
deny contains msg if { msg := "no" }
obj[k] := v if { some k, v in {"x": 1} }
f(x) := x + 1
g(x) := 1 if x > 0 else := 2
a.b.c := 3
`,
    );
    expect(m.pkg).toEqual(['a', 'b']);
    expect(m.imports).toHaveLength(2);
    expect(m.rules).toHaveLength(7);
    expect(m.rules[0]!.isDefault).toBe(true);
    expect(m.rules[2]!.contains).toBe(true);
    expect(m.rules[4]!.args).toHaveLength(1);
    expect(m.rules[5]!.elses).toHaveLength(1);
  });

  it('reports parse errors as file:line:col', () => {
    const e = errorOf(() => parseModule('pol/x.rego', 'package p\n\nallow if {\n  x := [1, 2\n}\n'));
    expect(e.code).toBe('rego_parse_error');
    expect(e.location).toEqual({ file: 'pol/x.rego', row: 5, col: 1 });
    expect(e.message).toMatch(/^pol\/x\.rego:5:1: /);
  });

  it('requires `if` before rule bodies (Rego v1)', () => {
    const e = errorOf(() => parseModule('v0.rego', 'package p\n\nallow {\n  true\n}\n'));
    expect(e.message).toBe('v0.rego:3:7: `if` keyword is required before rule body');
  });

  it('accepts keywords as ref segments and `contains(...)` as a call', () => {
    const m = parseModule('k.rego', 'package foo.if.bar\n\nin.x := 1\np if contains("abc", "b")\n');
    expect(m.pkg).toEqual(['foo', 'if', 'bar']);
    expect(m.rules).toHaveLength(2);
  });

  it('rejects a module without package', () => {
    const e = errorOf(() => parseModule('y.rego', 'allow := true'));
    expect(e.message).toMatch(/^y\.rego:1:1: package expected/);
  });
});

describe('evaluation basics', () => {
  it('distinguishes undefined from false', () => {
    const e = engine(`package t
p if input.x == 1
q := false
default r := false
r if input.x == 1
`);
    expect(e.eval('data.t.p', { x: 2 })).toBeUndefined();
    expect(e.eval('data.t.q', {})).toBe(false);
    expect(e.eval('data.t.r', { x: 2 })).toBe(false);
    expect(e.eval('data.t.r', { x: 1 })).toBe(true);
    // a single-expression query reports false as its value; with iteration, false rows drop out
    expect(e.query('1 > 2').map((r) => r.expressions[0])).toEqual([false]);
    expect(e.query('x := [1, 2, 3]; x[i] > 1').map((r) => r.bindings.get('i'))).toEqual([1, 2]);
  });

  it('computes partial sets and objects, ref heads and comprehensions', () => {
    const e = engine(
      `package t
s contains x if { some x in input.xs; x > 1 }
o[k] := count(v) if { some k, v in input.m }
a.b[x].c := x if { some x in ["u", "w"] }
comp := {x: y | some x in [1, 2]; y := x * 10}
`,
    );
    const input = { xs: [1, 2, 3, 3], m: { p: [1], q: [1, 2] } };
    expect(j(e.eval('data.t.s', input))).toBe('[2,3]');
    expect(j(e.eval('data.t.o', input))).toBe('{"p":1,"q":2}');
    expect(j(e.eval('data.t.a', input))).toBe('{"b":{"u":{"c":"u"},"w":{"c":"w"}}}');
    expect(j(e.eval('data.t.comp', input))).toBe('{"1":10,"2":20}');
  });

  it('backtracks through iteration and unification', () => {
    const e = engine(`package t
pairs contains [x, y] if {
  some x in [1, 2, 3]
  some y in [1, 2, 3]
  x + y == 4
}
`);
    expect(j(e.eval('data.t.pairs'))).toBe('[[1,3],[2,2],[3,1]]');
    const r = e.query('[a, b] = [1, x]; x = 2; y := a + x');
    expect(r).toHaveLength(1);
    expect(j(r[0]!.bindings.get('y'))).toBe('3');
    expect(j(r[0]!.bindings.get('b'))).toBe('2');
  });

  it('reorders expressions so variables are bound before use', () => {
    const e = engine(`package t
p := y if {
  y == x + 1
  x = input.n
  y = 6
}
`);
    expect(e.eval('data.t.p', { n: 5 })).toBe(6);
    expect(e.eval('data.t.p', { n: 4 })).toBeUndefined();
  });

  it('orders comprehension bodies in rule heads after the rule body', () => {
    const e = engine(`package t
p := [y | y = x + 1; x = input.a[_]]
q[k] := {v | v = w * k; w = input.a[_]} if some k in [2]
`);
    expect(j(e.eval('data.t.p', { a: [1, 2] }))).toBe('[2,3]');
    expect(j(e.eval('data.t.q', { a: [1, 2] }))).toBe('{"2":[2,4]}');
  });

  it('evaluates functions, else chains and defaults', () => {
    const e = engine(`package t
size(n) := "large" if n > 100
else := "small" if n > 0
else := "none"
default half(_) := 0
half(n) := n / 2 if n > 0
`);
    expect(e.eval('data.t.size(500)')).toBe('large');
    expect(e.eval('data.t.size(5)')).toBe('small');
    expect(e.eval('data.t.size(-1)')).toBe('none');
    expect(e.eval('data.t.half(8)')).toBe(4);
    expect(e.eval('data.t.half(-8)')).toBe(0);
  });

  it('supports every, not, some-in, membership and string interpolation', () => {
    const e = engine(`package t
all_pos if every x in input.xs { x > 0 }
none_neg if not any_neg
any_neg if { some x in input.xs; x < 0 }
has2 := 2 in input.xs
msg := $"{count(input.xs)} items, first {input.xs[0]}, missing {input.nope}"
`);
    expect(e.eval('data.t.all_pos', { xs: [1, 2] })).toBe(true);
    expect(e.eval('data.t.all_pos', { xs: [1, -2] })).toBeUndefined();
    expect(e.eval('data.t.all_pos', { xs: [] })).toBe(true);
    expect(e.eval('data.t.none_neg', { xs: [1, -2] })).toBeUndefined();
    expect(e.eval('data.t.none_neg', { xs: [1, 2] })).toBe(true);
    expect(e.eval('data.t.has2', { xs: [1, 3] })).toBe(false);
    expect(e.eval('data.t.msg', { xs: [7, 8] })).toBe('2 items, first 7, missing <undefined>');
  });

  it('mocks data, input and functions with `with`', () => {
    const e = engine(`package t
limit := data.cfg.limit
over if input.n > limit
double(x) := x * 2
q := double(3)
test_over if over with input as {"n": 11} with data.cfg.limit as 10
test_mock if { q == 7 with double as 7 }
test_mock_fn if { q == 9 with double as triple }
triple(x) := x * 3
`, { cfg: { limit: 100 } });
    expect(e.eval('data.t.over', { n: 11 })).toBeUndefined();
    const results = runTests(e);
    expect(results.map((r) => `${r.name}:${r.status}`).sort()).toEqual(['test_mock:pass', 'test_mock_fn:pass', 'test_over:pass']);
  });

  it('keeps integers beyond 2^53 exact', () => {
    const data = parseJSONExact('{"t0": 1700000000000000001}');
    const e = engine(`package t
next := data.t0 + 1
same if data.t0 == 1700000000000000001
`, data);
    expect(e.eval('data.t.next')).toBe(1700000000000000002n);
    expect(e.eval('data.t.same')).toBe(true);
  });
});

describe('errors', () => {
  it('raises eval_conflict_error for complete rules with several values', () => {
    const e = engine(`package t
p := x if some x in [1, 2]
`);
    const err = errorOf(() => e.eval('data.t.p'));
    expect(err.code).toBe('eval_conflict_error');
    expect(err.message).toContain('complete rules must not produce multiple outputs');
  });

  it('raises eval_conflict_error for functions with several outputs', () => {
    const e = engine(`package t
f(x) := 1 if x > 0
f(x) := 2 if x > 1
`);
    expect(e.eval('data.t.f(1)')).toBe(1);
    expect(errorOf(() => e.eval('data.t.f(5)')).code).toBe('eval_conflict_error');
  });

  it('makes builtin errors undefined unless strict', () => {
    const src = `package t
p := x if x := 1 / input.d
`;
    expect(engine(src).eval('data.t.p', { d: 0 })).toBeUndefined();
    const err = errorOf(() => engine(src, {}, true).eval('data.t.p', { d: 0 }));
    expect(err.code).toBe('eval_builtin_error');
    expect(err.message).toContain('div: divide by zero');
  });

  it('reports unsafe variables and recursion at compile time', () => {
    const unsafe = errorOf(() => engine(`package t
p if { x > 1 }
`));
    expect(unsafe.code).toBe('rego_unsafe_var_error');
    expect(unsafe.message).toContain('var x is unsafe');
    const rec = errorOf(() => engine(`package t
a if b
b if a
`));
    expect(rec.code).toBe('rego_recursion_error');
  });
});

describe('compile-time checks', () => {
  it('rejects undefined functions unless a `with` mocks them', () => {
    const e = errorOf(() => engine(`package t
p if nosuch.fn(1)
`));
    expect(e.code).toBe('rego_type_error');
    expect(e.message).toContain('undefined function nosuch.fn');
    const mocked = engine(`package t
p := custom.fetch({"url": "x"})
test_p if p == {"status_code": 200} with custom.fetch as {"status_code": 200}
`);
    expect(runTests(mocked).map((r) => r.status)).toEqual(['pass']);
  });

  it('rejects rules of different kinds under one name and double defaults', () => {
    expect(errorOf(() => engine(`package t
p := 1
p contains 2
`)).message).toContain('conflicting rules data.t.p found');
    expect(errorOf(() => engine(`package t
default p := 1
default p := 2
`)).message).toContain('multiple default rules data.t.p found');
  });

  it('checks the number of arguments of calls (with OPA 1.22.4\'s wording)', () => {
    expect(errorOf(() => engine(`package t
p if count([1], 2, 3)
`)).message).toMatch(/^m0\.rego:2:6: count: arity mismatch/);
    expect(errorOf(() => engine(`package t
f(a, b) := a + b
p := f(1)
`)).message).toBe('m0.rego:3:6: function data.t.f has arity 2, got 1 argument');
  });

  it('rejects a variable assigned twice', () => {
    expect(errorOf(() => engine(`package t
p if { x := 1; x := 2 }
`)).message).toContain('var x assigned above');
  });
});

describe('evaluator-provided builtins', () => {
  it('print never fails and shows undefined operands', () => {
    const lines: string[] = [];
    const e = engine(`package t
p if { print("n =", input.n, [1, "a"]) }
`);
    const r = e.query('data.t.p', { input: {}, print: (s) => lines.push(s) });
    expect(r).toHaveLength(1);
    expect(lines).toEqual(['n = <undefined> [1, "a"]']);
  });

  it('stops a rule body at its first solution when the value is constant (early exit)', () => {
    const lines: string[] = [];
    const e = engine(`package t
p if { some x in input.xs; print(x); x > 1 }
q := x if { some x in input.xs; print("q", x); x > 1 }
`);
    expect(e.query('data.t.p', { input: { xs: [1, 2, 3, 4] }, print: (s) => lines.push(s) })[0]!.expressions[0]).toBe(true);
    expect(lines).toEqual(['1', '2']);
    // a variable value must see every solution (here: a conflict)
    expect(errorOf(() => e.query('data.t.q', { input: { xs: [1, 2, 3] }, print: () => {} })).code).toBe('eval_conflict_error');
  });

  it('looks up one key of a partial object or set without evaluating the others', () => {
    const lines: string[] = [];
    const e = engine(`package t
o[k] := v if { some k, v in input.m; print("o", k) }
s contains x if { some x in input.xs; print("s", x) }
`);
    const input = { m: { a: 1, b: 2, c: 3 }, xs: ['p', 'q', 'r'] };
    const r = e.query('data.t.o.b == 2; data.t.s.q; not data.t.s.z; data.t.o.z', { input, print: (l) => lines.push(l) });
    expect(r).toHaveLength(0); // data.t.o.z is undefined
    expect(lines).toEqual(['o b', 's q']);
    const all = e.query('x := data.t.o', { input, print: () => {} });
    expect(j(all[0]!.bindings.get('x'))).toBe('{"a":1,"b":2,"c":3}');
  });

  it('rego.metadata.rule and chain read METADATA comments', () => {
    const e = engine(`# METADATA
# title: Pkg
package t

# METADATA
# title: Rule p
# authors:
# - Ann Example <ann@example.com>
p := rego.metadata.rule()
q := rego.metadata.chain()
`);
    expect(j(e.eval('data.t.p'))).toBe('{"authors":[{"email":"ann@example.com","name":"Ann Example"}],"scope":"rule","title":"Rule p"}');
    expect(j(e.eval('data.t.q'))).toBe('[{"path":["t","q"]},{"annotations":{"scope":"package","title":"Pkg"},"path":["t"]}]');
  });

  it('skips todo_test_ rules in the test runner', () => {
    const e = engine(`package t
test_a if true
todo_test_b if false
`);
    expect(runTests(e).map((r) => `${r.name}:${r.status}`)).toEqual(['test_a:pass', 'todo_test_b:skip']);
  });
});

describe('values', () => {
  it('parseJSONExact agrees with JSON.parse on safe documents', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = JSON.stringify(v);
        const plain = JSON.parse(text);
        expect(toJSON(fromJS(parseJSONExact(text)))).toBe(toJSON(plainToValue(plain)));
      }),
      { numRuns: 200 },
    );
  });

  it('sets and objects compare by value', () => {
    const e = engine('package t\n');
    const r = e.query('{1, 2} == {2, 1}; {"a": [1]} == {"a": [1]}; x := {3, 1, 2}');
    expect(r).toHaveLength(1);
    const x = r[0]!.bindings.get('x');
    expect(x).toBeInstanceOf(RSet);
    expect(j(x)).toBe('[1,2,3]');
  });
});

function plainToValue(x: unknown): Value {
  if (x === null || typeof x !== 'object') {
    // an unsafe integer keeps the digits JSON.stringify printed (what the exact parser reads back)
    if (typeof x === 'number' && Number.isInteger(x) && !Number.isSafeInteger(x)) {
      return /^-?\d+$/.test(String(x)) ? BigInt(String(x)) : BigInt(x);
    }
    return x as Value;
  }
  if (Array.isArray(x)) return x.map(plainToValue);
  const o = new RObject();
  for (const [k, v] of Object.entries(x as Record<string, unknown>)) o.set(k, plainToValue(v));
  return o;
}

describe('evaluator against JavaScript oracles (property-based)', () => {
  const e = engine(`package prop
above := count([x | some x in input.xs; x > input.t])
all_above if every x in input.xs { x > input.t }
any_above if { some x in input.xs; x > input.t }
uniq := {x | some x in input.xs}
idx[i] := x if { some i, x in input.xs; x > input.t }
total := sum(input.xs)
`);

  it('comprehensions, every, some and partial objects agree with Array methods', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 12 }), fc.integer({ min: -50, max: 50 }), (xs, t) => {
        const input = { xs, t };
        expect(e.eval('data.prop.above', input)).toBe(xs.filter((x) => x > t).length);
        expect(e.eval('data.prop.all_above', input)).toBe(xs.every((x) => x > t) ? true : undefined);
        expect(e.eval('data.prop.any_above', input)).toBe(xs.some((x) => x > t) ? true : undefined);
        expect(j(e.eval('data.prop.uniq', input))).toBe(JSON.stringify([...new Set(xs)].sort((a, b) => a - b)));
        const idx: Record<string, number> = {};
        xs.forEach((x, i) => {
          if (x > t) idx[String(i)] = x;
        });
        const got = e.eval('data.prop.idx', input) as RObject;
        expect(got.size).toBe(Object.keys(idx).length);
        for (const [k, v] of Object.entries(idx)) expect(got.get(Number(k))).toBe(v);
        expect(e.eval('data.prop.total', input)).toBe(xs.reduce((a, b) => a + b, 0));
      }),
      { numRuns: 150 },
    );
  });
});

