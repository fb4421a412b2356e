// `obligo policy eval|test` front ends, called in-process with captured output.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyEval, policyTest } from '../../src/policy/cli/index.js';

let dir: string;

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (s: string) => void out.push(s), stderr: (s: string) => void err.push(s) }, out, err };
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'obligo-policy-cli-'));
  mkdirSync(path.join(dir, 'pol', 'limits'), { recursive: true });
  writeFileSync(
    path.join(dir, 'pol', 'decision.rego'),
    `package obligo.decision

default allow := false
allow if input.latency_ms <= data.limits.max_latency_ms
ts := data.clock.t0 + 1
`,
  );
  writeFileSync(
    path.join(dir, 'pol', 'decision_test.rego'),
    `package obligo.decision_test
import data.obligo.decision

test_fast if decision.allow with input as {"latency_ms": 10}
test_slow if not decision.allow with input as {"latency_ms": 10000}
`,
  );
  // data.json in a sub-folder merges at that folder's path: data.limits
  writeFileSync(path.join(dir, 'pol', 'limits', 'data.json'), '{"max_latency_ms": 300}');
  writeFileSync(path.join(dir, 'clock.yaml'), 'clock:\n  t0: 1700000000000000000\n');
  writeFileSync(path.join(dir, 'input.json'), '{"latency_ms": 120}');
  mkdirSync(path.join(dir, 'failing'));
  writeFileSync(
    path.join(dir, 'failing', 'x_test.rego'),
    `package x_test
test_ok if 1 == 1
test_broken if 1 == 2
`,
  );
  mkdirSync(path.join(dir, 'broken'));
  writeFileSync(path.join(dir, 'broken', 'bad.rego'), 'package bad\n\np if {\n  x := \n}\n');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('policy eval', () => {
  it('prints opa eval --format json results with expressions and bindings', async () => {
    const c = capture();
    const code = await policyEval(
      ['-d', path.join(dir, 'pol'), '-d', path.join(dir, 'clock.yaml'), '-i', path.join(dir, 'input.json'), 'x := data.obligo.decision.allow; data.obligo.decision.ts'],
      c.io,
    );
    expect(code).toBe(0);
    const text = c.out.join('');
    // the big integer stays exact in the JSON text
    expect(text).toContain('"value": 1700000000000000001');
    const parsed = JSON.parse(text);
    expect(parsed.result).toHaveLength(1);
    expect(parsed.result[0].bindings).toEqual({ x: true });
    expect(parsed.result[0].expressions[0]).toEqual({ value: true, text: 'x := data.obligo.decision.allow', location: { row: 1, col: 1 } });
    expect(parsed.result[0].expressions[1].text).toBe('data.obligo.decision.ts');
    expect(parsed.result[0].expressions[1].location).toEqual({ row: 1, col: 34 });
  });

  it('prints {} when the query is undefined', async () => {
    const c = capture();
    expect(await policyEval(['-d', path.join(dir, 'pol'), 'data.obligo.decision.nothing'], c.io)).toBe(0);
    expect(c.out.join('').trim()).toBe('{}');
  });

  it('reports parse errors with location and exit status 2', async () => {
    const c = capture();
    expect(await policyEval(['-d', path.join(dir, 'broken'), 'data.bad.p'], c.io)).toBe(2);
    const parsed = JSON.parse(c.out.join(''));
    expect(parsed.errors[0].code).toBe('rego_parse_error');
    expect(parsed.errors[0].location).toEqual({ file: path.join(dir, 'broken', 'bad.rego'), row: 5, col: 1 });
  });

  it('reports a missing data path as an error', async () => {
    const c = capture();
    expect(await policyEval(['-d', path.join(dir, 'nope'), 'data'], c.io)).toBe(2);
    const parsed = JSON.parse(c.out.join(''));
    expect(parsed.errors[0].code).toBe('load_error');
    expect(parsed.errors[0].message).toContain('no such file or directory');
  });

  it('reports strict builtin errors', async () => {
    const c = capture();
    expect(await policyEval(['--strict-builtin-errors', 'x := 1 / 0'], c.io)).toBe(2);
    const parsed = JSON.parse(c.out.join(''));
    expect(parsed.errors[0].code).toBe('eval_builtin_error');
    expect(parsed.errors[0].message).toContain('divide by zero');
    const lax = capture();
    expect(await policyEval(['x := 1 / 0'], lax.io)).toBe(0);
    expect(lax.out.join('').trim()).toBe('{}');
  });
});

describe('policy test', () => {
  it('passes and prints PASS: n/n', async () => {
    const c = capture();
    expect(await policyTest([path.join(dir, 'pol')], c.io)).toBe(0);
    expect(c.out.join('')).toContain('PASS: 2/2');
  });

  it('fails with exit 1 and names the failing test', async () => {
    const c = capture();
    expect(await policyTest([path.join(dir, 'failing')], c.io)).toBe(1);
    const text = c.out.join('');
    expect(text).toContain('data.x_test.test_broken: FAIL');
    expect(text).not.toContain('test_ok: PASS');
    expect(text).toContain('PASS: 1/2');
    expect(text).toContain('FAIL: 1/2');
  });

  it('lists every test with -v and filters with --run', async () => {
    const c = capture();
    expect(await policyTest([path.join(dir, 'failing'), '-v', '--run', 'test_ok'], c.io)).toBe(0);
    const text = c.out.join('');
    expect(text).toContain('data.x_test.test_ok: PASS');
    expect(text).not.toContain('test_broken');
  });

  it('exits 2 on parse errors', async () => {
    const c = capture();
    expect(await policyTest([path.join(dir, 'broken')], c.io)).toBe(2);
    expect(c.err.join('')).toContain('rego_parse_error');
  });
});
