// Generator of Rego v1 modules that are often ill-formed (wrong arity or argument types, unsafe
// variables, bad assignment targets, shadowed input/data, duplicate or bad imports, non-constant
// defaults, else on multi-value rules, undefined functions and refs, unary minus on non-numbers,
// match errors, unused declarations...), mixed with well-formed rules so that OPA accepts a share
// of them. differential-errors.test.ts compiles each with the real OPA and with our engine.
import fc from 'fast-check';

const num = fc.oneof(fc.integer({ min: -5, max: 20 }).map(String), fc.constantFrom('1.5', '0', '-2'));
const str = fc.constantFrom('"a"', '"b"', '"abc"', '""', '"x.y"');
const scalar = fc.oneof(num, str, fc.constantFrom('true', 'false', 'null'));

/** A term: scalars, input refs, the helper rules (n: number, s: string, o: object, a: array, st: set), composites. */
const leaf = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 3, arbitrary: fc.constantFrom('input.x', 'input.y[0]', 'input.z.w', 'data.other.v') },
  { weight: 3, arbitrary: fc.constantFrom('n', 's', 'o', 'a', 'st', 'o.k', 'a[0]', 'st[1]', 'fn(1)', 'lib.f(1)') },
  { weight: 1, arbitrary: fc.constantFrom('o.missing', 'a[9]', 'a.x', 'n.x', 's[0]', 'o[k]', 'fn', 'fn(1, 2)') },
);

const BUILTINS: [string, number][] = [
  ['abs', 1], ['count', 1], ['sum', 1], ['max', 1], ['sort', 1], ['concat', 2], ['contains', 2], ['startswith', 2],
  ['lower', 1], ['upper', 1], ['split', 2], ['replace', 3], ['substring', 3], ['to_number', 1], ['sprintf', 2],
  ['object.get', 3], ['object.keys', 1], ['array.concat', 2], ['array.slice', 3], ['json.marshal', 1], ['is_string', 1],
  ['type_name', 1], ['bits.and', 2], ['bits.negate', 1], ['numbers.range', 2], ['trim', 2], ['format_int', 2],
  ['time.parse_rfc3339_ns', 1], ['units.parse', 1], ['regex.match', 2], ['base64.encode', 1], ['union', 1], ['intersection', 1],
  ['strings.reverse', 1], ['indexof', 2], ['round', 1], ['ceil', 1], ['product', 1], ['min', 1], ['any', 1], ['re_match', 2],
  ['nothere', 1], ['lib.f', 1], ['lib.missing', 1], ['fn', 1], ['fn2', 2], ['f0', 0],
];

const term: fc.Arbitrary<string> = fc.letrec<{ t: string }>((tie) => ({
  t: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 6, arbitrary: leaf },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...BUILTINS), fc.integer({ min: -1, max: 1 }), fc.array(tie('t'), { maxLength: 4 })).map(([[name, arity], delta, args]) => {
      const n = Math.max(0, arity + delta);
      const as = [...args, ...Array(Math.max(0, n - args.length)).fill('1')].slice(0, n);
      return `${name}(${as.join(', ')})`;
    }) },
    { weight: 2, arbitrary: fc.tuple(tie('t'), fc.constantFrom('+', '-', '*', '/', '%', '&', '|', '==', '!=', '<', '>', 'in'), tie('t')).map(([a, op, b]) => `${a} ${op} ${b}`) },
    { weight: 1, arbitrary: fc.array(tie('t'), { maxLength: 3 }).map((xs) => `[${xs.join(', ')}]`) },
    { weight: 1, arbitrary: fc.array(fc.tuple(str, tie('t')), { maxLength: 2 }).map((kv) => `{${kv.map(([k, v]) => `${k}: ${v}`).join(', ')}}`) },
    { weight: 1, arbitrary: fc.array(tie('t'), { minLength: 1, maxLength: 2 }).map((xs) => `{${xs.join(', ')}}`) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('x', 'y', 'z'), tie('t')).map(([v, t]) => `[${v} | some ${v} in ${t}]`) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('x', 'y'), tie('t')).map(([v, t]) => `[${v} | ${v} := ${t}]`) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('1', '"a"', '[1]', 'true', '(x)', 'x', 'input.x', 'n'), fc.constant('-')).map(([t]) => `-${t}`) },
  ),
})).t;

/** A body expression. */
const expr: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: term },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('x', 'y', 'z', 'v'), term).map(([v, t]) => `${v} := ${t}`) },
  { weight: 2, arbitrary: fc.tuple(term, term).map(([a, b]) => `${a} = ${b}`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('1', '"a"', 'input.x', 'input', 'data', '[x, 1]', '[x, y]', '{"k": x}', '{x: 1}', 'f(x)', 'x'), term).map(([a, b]) => `${a} := ${b}`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('[x]', '[x, y]', '{"a": x}'), fc.constantFrom('[1]', '{"key": 1}', '[1, 2]', '{"a": 1}', '"s"', 'input.q')).map(([a, b]) => `${a} = ${b}`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('x', 'k'), term).map(([v, t]) => `some ${v} in ${t}`) },
  { weight: 1, arbitrary: fc.constantFrom('some x', 'some x, y', 'x > 1', 'not x := 1', 'not input.x', 'x == x') },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('x', '_'), term, term).map(([v, c, b]) => `every ${v} in ${c} { ${b} }`) },
  { weight: 1, arbitrary: fc.tuple(term, term).map(([a, b]) => `${a} with input as ${b}`) },
);

const ruleName = fc.constantFrom('p', 'q', 'r', 'input', 'data', 'fn', 'n');

/** A rule: complete, partial set/object, function, default, with else. */
const rule: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(ruleName, term, fc.array(expr, { maxLength: 3 })).map(([n, v, b]) => (b.length ? `${n} := ${v} if {\n\t${b.join('\n\t')}\n}` : `${n} := ${v}`)) },
  { weight: 2, arbitrary: fc.tuple(ruleName, term, fc.array(expr, { minLength: 1, maxLength: 3 })).map(([n, v, b]) => `${n} contains ${v} if {\n\t${b.join('\n\t')}\n}`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('x', '"k"', 'y'), term, fc.array(expr, { minLength: 1, maxLength: 2 })).map(([k, v, b]) => `obj[${k}] := ${v} if {\n\t${b.join('\n\t')}\n}`) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('g(x)', 'g(x, y)', 'g(1)', 'g(input)', 'h()', 'g([a, b])'), term, fc.array(expr, { maxLength: 2 })).map(([h, v, b]) => (b.length ? `${h} := ${v} if {\n\t${b.join('\n\t')}\n}` : `${h} := ${v}`)) },
  { weight: 1, arbitrary: fc.tuple(ruleName, term).map(([n, v]) => `default ${n} := ${v}`) },
  { weight: 1, arbitrary: fc.tuple(term, expr, term).map(([v, b, e]) => `w := ${v} if {\n\t${b}\n} else := ${e}`) },
  { weight: 1, arbitrary: fc.tuple(term, expr, term).map(([v, b, e]) => `ws contains ${v} if {\n\t${b}\n} else := ${e}`) },
  { weight: 1, arbitrary: fc.tuple(expr, expr).map(([a, b]) => `t if {\n\t${a}\n\t${b}\n}`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('p', 'q'), fc.constantFrom('q', 'p')).map(([a, b]) => `${a} if ${b}`) },
);

// ---- well-formed pieces (a program made of these alone should compile)

const cleanTerm = fc.constantFrom(
  '1', '"a"', 'true', 'null', 'input.x', 'input.y[0]', 'n', 's', 'o.k', 'a[0]', 'count(a)', 'concat(",", [s, "x"])', 'abs(n)',
  'upper(s)', 'fn(n)', 'lib.f(input.x)', 'n + 1', '[x | some x in a]', '{k: v | some k, v in o}', 'object.get(o, "k", 0)',
  'sprintf("%v", [input.x])', '{"k": n, "s": s}', '[n, s]', 'st | {3}', 'count(input.items) * 2', 'fn2(s, "b")', 'f0 + 1',
);
const cleanExpr = fc.oneof(
  fc.tuple(fc.constantFrom('x', 'y'), cleanTerm).map(([v, t]) => `${v} := ${t}`),
  cleanTerm.map((t) => `input.x == ${t}`),
  fc.constantFrom('some v in a', 'count(a) > 0', 'not input.deny', 'every v in a { v > 0 }', 'some k, v in o', 'startswith(s, "s")', 'input.x != null', 'o.k in a'),
);
const cleanRule = fc.oneof(
  fc.tuple(fc.constantFrom('p', 'q', 'r'), cleanTerm, fc.array(cleanExpr, { maxLength: 2 })).map(([n, v, b]) => (b.length ? `${n} := ${v} if {\n\t${b.join('\n\t')}\n}` : `${n} := ${v}`)),
  fc.tuple(cleanTerm, fc.array(cleanExpr, { minLength: 1, maxLength: 2 })).map(([v, b]) => `ps contains ${v} if {\n\t${b.join('\n\t')}\n}`),
  fc.tuple(cleanTerm, cleanExpr).map(([v, b]) => `h(z) := ${v} if {\n\tz > 0\n\t${b}\n}`),
  fc.tuple(cleanTerm, cleanTerm).map(([v, e]) => `w := ${v} if {\n\tinput.flag\n} else := ${e}`),
  fc.constantFrom('default allow := false', 'allow if input.user == "admin"', 'obj[k] := v if {\n\tsome k, v in o\n}'),
);

const importLine = fc.constantFrom('import rego.v1', 'import data.lib', 'import data.lib', 'import rego.v1', 'import data.lib as lib', 'import input.x as lib', 'import foo.bar', 'import future.keywords.in', 'import future.keywords.nope', 'import data.other.v');

/** Rules of one program: all well-formed, well-formed with one generated rule, or generated only. */
const rules = fc.oneof(
  fc.array(cleanRule, { minLength: 1, maxLength: 3 }),
  fc.tuple(fc.array(cleanRule, { maxLength: 2 }), rule).map(([c, r]) => [...c, r]),
  fc.array(rule, { minLength: 1, maxLength: 2 }),
);

/** The helpers every program may refer to (well-typed), then generated imports and rules. */
export const program: fc.Arbitrary<string> = fc
  .tuple(fc.array(importLine, { maxLength: 2 }), rules)
  .map(([imports, rules]) =>
    [
      'package gen',
      '',
      ...imports,
      '',
      'n := 1',
      's := "str"',
      'o := {"k": 1}',
      'a := [1, 2]',
      'st := {1, 2}',
      'fn(x) := x + 1',
      'fn2(x, y) := concat(x, y)',
      'f0 := 1',
      '',
      ...rules.flatMap((r) => [r, '']),
    ].join('\n'),
  );

/** A second module the programs may import (data.lib). */
export const LIB = 'package lib\n\nf(x) := x\n';
