// A policy with a mistake OPA rejects at compile time is never enforced: loading it fails loudly with
// file:row:col wherever Obligo loads policies (the engine behind `gate`/`serve`/`status`, `policy
// test`, `policy eval`), instead of evaluating to undefined ("no page", "cannot decide").
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryIO } from '../../src/cli/io.js';
import { loadContracts } from '../../src/contract/index.js';
import { policyEval, policyTest } from '../../src/policy/cli/index.js';
import { loadObligoPolicies } from '../../src/policy/obligo-policies.js';
import { RegoError } from '../../src/policy/rego/errors.js';

const root = join(import.meta.dirname, '..', '..');

/** Mistakes from issue 12, each with the error OPA reports for it (kind, row, col of the line below the package). */
const BROKEN: { name: string; rego: string; code: string; row: number; col: number }[] = [
  { name: 'too many arguments', rego: 'x := abs(-9, 10)', code: 'rego_type_error', row: 3, col: 6 },
  { name: 'bare ref to a missing key', rego: 'p := {"b": 1}\n\nq if {\n\tp.a\n}', code: 'rego_type_error', row: 6, col: 2 },
  { name: 'assignment to input', rego: 'q if {\n\tinput := 1\n}', code: 'rego_compile_error', row: 4, col: 2 },
  { name: 'non-constant default', rego: 'default a := 5 + 6', code: 'rego_parse_error', row: 3, col: 1 },
  { name: 'import of nothing', rego: 'import foo.bar\n\nq := 1', code: 'rego_parse_error', row: 3, col: 8 },
  { name: 'undefined function of an import', rego: 'import data.lib\n\nq := lib.missing(1)', code: 'rego_type_error', row: 5, col: 6 },
  { name: 'assignment to a number', rego: 'q if {\n\t1 := input.value\n}', code: 'rego_compile_error', row: 4, col: 2 },
];

describe('a broken policy fails to load, with file:row:col', async () => {
  const { contracts } = await loadContracts([join(root, 'contracts')]);
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  /** policies/ plus one broken module, in a fresh folder */
  const brokenPolicies = (rego: string): { dir: string; file: string } => {
    const dir = mkdtempSync(join(tmpdir(), 'obligo-broken-'));
    dirs.push(dir);
    cpSync(join(root, 'policies'), dir, { recursive: true });
    const file = join(dir, 'obligo', 'extra.rego');
    writeFileSync(file, `package obligo.extra\n\n${rego}\n`);
    return { dir, file };
  };

  for (const b of BROKEN) {
    it(`${b.name}: the policy engine does not load`, async () => {
      const { dir, file } = brokenPolicies(b.rego);
      const err = await loadObligoPolicies({ contracts, policyDir: dir, env: {} }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(RegoError);
      const e = err as RegoError;
      expect(e.code).toBe(b.code);
      expect(e.location).toEqual({ file, row: b.row, col: b.col });
      expect(e.message.startsWith(`${file}:${b.row}:${b.col}: `)).toBe(true);
    });
  }

  it('policy test exits 2 and names the file and line', async () => {
    const { dir, file } = brokenPolicies('x := abs(-9, 10)');
    const io = memoryIO();
    expect(await policyTest([dir], io)).toBe(2);
    expect(io.err).toContain(`${file}:3: rego_type_error: abs: arity mismatch`);
  });

  it('policy eval exits 2 with the error as opa eval prints it', async () => {
    const { dir, file } = brokenPolicies('import data.lib\n\nq := lib.missing(1)');
    const io = memoryIO();
    expect(await policyEval(['-d', dir, 'data.obligo.extra.q'], io)).toBe(2);
    const out = JSON.parse(io.out) as { errors: { code: string; message: string; location: { file: string; row: number } }[] };
    expect(out.errors[0]).toMatchObject({ code: 'rego_type_error', message: 'undefined function data.lib.missing', location: { file, row: 5 } });
  });

  it('the shipped policies and the modules generated from the example contracts pass every check', async () => {
    await expect(loadObligoPolicies({ contracts, env: {} })).resolves.toBeDefined();
    const io = memoryIO();
    expect(await policyTest([join(root, 'policies')], io)).toBe(0);
  });
});
