// Rego cannot hang or crash the process (issue 7, part 7): RE2 matching in linear time, a linear
// glob.match, an evaluation deadline and a bound on the size of values built during evaluation, both
// raised as RegoLimitError (never a hang, never a V8 fatal error, never a silently empty result).
// No wall-clock thresholds: each case is one a backtracking engine or an unbounded evaluator could not
// finish (it would time the test run out or kill the process), so finishing with the right answer is
// the assertion.
import { describe, expect, it } from 'vitest';
import { createPolicyEngine } from '../../src/policy/engine.js';
import { RegoEngine, RegoLimitError, toJS } from '../../src/policy/rego/index.js';

function engine(text: string, opts: ConstructorParameters<typeof RegoEngine>[0] = {}): RegoEngine {
  const e = new RegoEngine(opts);
  e.addModule('limits.rego', text);
  e.compile();
  return e;
}

function errorOf(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

const A = 'a'.repeat(100_000);

describe('regular expressions are matched in linear time (RE2 semantics)', () => {
  const e = engine('package t\nimport rego.v1\n');
  it.each([
    ['(a+)+$', A + 'b', false],
    ['^(a|a)*$', A + 'b', false],
    ['(a|aa)+c', A, false],
    ['^(a+)+$', A, true],
    ['(x+x+)+y', 'x'.repeat(50_000), false],
  ])('regex.match(%j) on 10^5 characters', (pattern, s, want) => {
    expect(toJS(e.eval('regex.match(input.p, input.s)', { p: pattern, s }))).toBe(want);
  });

  it('regex.find_n and regex.replace on a catastrophic pattern finish', () => {
    expect(toJS(e.eval('count(regex.find_n("(a*)*b", input.s, -1))', { s: A }))).toBe(0);
    expect(toJS(e.eval('regex.replace(input.s, "(a+)+b", "x")', { s: A }))).toBe(A);
  });

  it('RE2 rejects what Go rejects: lookaround and backreferences are invalid', () => {
    expect(toJS(e.eval('regex.is_valid("(?=a)b")'))).toBe(false);
    expect(toJS(e.eval('regex.is_valid("(a)\\\\1")'))).toBe(false);
    expect(toJS(e.eval('regex.is_valid("(?P<x>a)\\\\pL")'))).toBe(true);
  });

  it('glob.match is linear too', () => {
    expect(toJS(e.eval('glob.match("*a*a*a*a*a*a*a*a*a*b", [], input.s)', { s: A }))).toBe(false);
    expect(toJS(e.eval('glob.match("{a,aa}{a,aa}{a,aa}{a,aa}*c", [], input.s)', { s: A }))).toBe(false);
  });
});

describe('the size bound', () => {
  it('numbers.range beyond the bound is an error in both modes, never an empty result', () => {
    for (const strictBuiltinErrors of [false, true]) {
      const e = engine('package t\nimport rego.v1\nn := count(numbers.range(1, 100000000))\n', { strictBuiltinErrors });
      const err = errorOf(() => e.eval('data.t.n'));
      expect(err).toBeInstanceOf(RegoLimitError);
      expect((err as RegoLimitError).kind).toBe('size');
      expect((err as RegoLimitError).code).toBe('eval_resource_error');
    }
  });

  it('a comprehension that would build 10^8 elements raises the size error', () => {
    const e = engine(
      `package t
import rego.v1
big := [[i, j] | some i in numbers.range(1, 10000); some j in numbers.range(1, 10000)]
`,
      { maxValueSize: 200_000 },
    );
    const err = errorOf(() => e.eval('count(data.t.big)'));
    expect(err).toBeInstanceOf(RegoLimitError);
    expect((err as RegoLimitError).message).toMatch(/limits\.rego:3: eval_resource_error: value too large/);
  });

  it('so do partial sets and objects', () => {
    const e = engine(
      `package t
import rego.v1
s contains [i, j] if { some i in numbers.range(1, 1000); some j in numbers.range(1, 1000) }
o[k] := i if { some i in numbers.range(1, 1000); some j in numbers.range(1, 1000); k := i * 1000 + j }
`,
      { maxValueSize: 50_000 },
    );
    expect(errorOf(() => e.eval('count(data.t.s)'))).toBeInstanceOf(RegoLimitError);
    expect(errorOf(() => e.eval('count(data.t.o)'))).toBeInstanceOf(RegoLimitError);
  });

  it('a value within the bound is fine', () => {
    const e = engine('package t\nimport rego.v1\nn := count([x | some x in numbers.range(1, 100000)])\n', { maxValueSize: 200_000 });
    expect(toJS(e.eval('data.t.n'))).toBe(100_000);
  });

  it('input nested 10^5 deep is a limit error, not a crash', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const e = engine('package t\nimport rego.v1\nx := input\n');
    const err = errorOf(() => e.eval('data.t.x', deep));
    expect(err).toBeInstanceOf(RegoLimitError);
  });
});

describe('the deadline', () => {
  const text = `package t
import rego.v1
slow := count([x | some i in numbers.range(1, 3000); some j in numbers.range(1, 3000); x := i * j])
`;
  it('an evaluation past its deadline raises eval_cancel_error', () => {
    const e = engine(text, { maxValueSize: 0 });
    const err = errorOf(() => e.eval('data.t.slow', undefined, { timeoutMs: 1 }));
    expect(err).toBeInstanceOf(RegoLimitError);
    expect((err as RegoLimitError).kind).toBe('timeout');
    expect((err as RegoLimitError).code).toBe('eval_cancel_error');
  });

  it('through the policy engine: evaluate(…, { timeoutMs }) rejects with the typed error', async () => {
    const pe = await createPolicyEngine({ backend: 'builtin', modules: [{ path: 't.rego', text }], maxValueSize: 0 });
    await expect(pe.evaluate('t/slow', {}, { timeoutMs: 1 })).rejects.toBeInstanceOf(RegoLimitError);
  });

  it('the engine has a default deadline of a few seconds', () => {
    expect(new RegoEngine().timeoutMs).toBeGreaterThanOrEqual(1000);
    expect(new RegoEngine().timeoutMs).toBeLessThanOrEqual(10_000);
  });
});
