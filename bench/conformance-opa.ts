// OPA's conformance cases run through the real OPA and through our engine, once, by hand:
//   npx tsx bench/conformance-opa.ts [--write]
// For every case it records whether OPA 1.22.4 (`opa eval`, a process per case, --strict-builtin-errors
// where the case asks for it) passes it, and prints the cases our engine fails with OPA's outcome.
// With --write it refreshes test/policy/conformance-known-failures.json: our failures, each with the
// reason of its group and OPA's own outcome (so the list shows what OPA itself does not pass).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caseId, judge, listFolders, loadCases, runCase, type ConformanceCase } from '../src/policy/rego/conformance.js';
import { parseJSONExact, RegoEngine, toJS, toJSON } from '../src/policy/rego/index.js';

const root = join(import.meta.dirname, '..', '..', 'shared', 'opa-conformance');
const listPath = join(import.meta.dirname, '..', 'test', 'policy', 'conformance-known-failures.json');
const opa = process.env.OBLIGO_OPA_BIN ?? 'opa';

/** Why a group of cases fails on our engine (the key is matched against the case id). */
const REASONS: [RegExp, string, string][] = [
  [/^graphql\//, 'graphql', "graphql.parse_schema and the builtins returning schema ASTs (graphql.parse, graphql.parse_and_verify on valid input) are not built: OPA answers with vektah/gqlparser's SchemaDocument (Go field names); query ASTs (graphql.parse_query), validity (schema_is_valid, is_valid) and error messages are implemented through the graphql package"],
  [/float too big|bad timestamp/, 'number-text', 'number literals written with an exponent or beyond float64 (2e308, -1e9): OPA keeps them as text (json.marshal(1e3) is "1e3", an integer operand written -1e9 is rejected), we keep numbers as values'],
];

function runOpa(c: ConformanceCase): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'conf-opa-'));
  try {
    const args = ['eval', '--format', 'json'];
    (c.modules ?? []).forEach((m, i) => {
      writeFileSync(join(dir, `test-${i}.rego`), m);
      args.push('-d', `test-${i}.rego`);
    });
    if (c.data !== undefined && c.data !== null) {
      writeFileSync(join(dir, 'data.json'), toJSON(toValue(c.data)));
      args.push('-d', 'data.json');
    }
    let input: unknown = c.input;
    if (c.input_term !== undefined) {
      const e = new RegoEngine();
      input = toJS(e.query(`__input__ = ${c.input_term}`)[0]!.bindings.get('__input__')!);
    }
    if (input !== undefined) {
      writeFileSync(join(dir, 'input.json'), toJSON(toValue(input)));
      args.push('-i', 'input.json');
    }
    if (c.strict_error) args.push('--strict-builtin-errors');
    args.push(c.query);
    // (relative paths, as the cases' messages name test-0.rego)
    const r = spawnSync(opa, args, { cwd: dir, encoding: 'utf8', timeout: 30_000 });
    if (r.error) return `opa: ${r.error.message}`;
    // exact parse: nanosecond timestamps exceed 2^53
    const out = parseJSONExact(r.stdout || '{}') as { result?: { bindings?: Record<string, unknown> }[]; errors?: { code: string; message: string }[] };
    if (out.errors?.length) return judge(c, { error: { code: out.errors[0]!.code, message: out.errors[0]!.message, bare: out.errors[0]!.message } });
    return judge(c, { rows: (out.result ?? []).map((x) => x.bindings ?? {}) });
  } catch (e) {
    return `harness: ${(e as Error).message}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function toValue(x: unknown): import('../src/policy/rego/value.js').Value {
  return new RegoEngine().eval('input', x) ?? null;
}

const write = process.argv.includes('--write');
const ours: Record<string, { group: string; ours: string; opa: string }> = {};
let total = 0;
let opaFails = 0;
const opaFailures: string[] = [];
for (const folder of listFolders(root)) {
  for (const { file, c } of loadCases(root, folder)) {
    total++;
    const id = caseId(file, c);
    const mine = runCase(c, 5000);
    const theirs = process.env.SKIP_OPA ? 'not run' : runOpa(c);
    if (theirs !== undefined && theirs !== 'not run') {
      opaFails++;
      opaFailures.push(`${id}: ${theirs.split('\n')[0]}`);
    }
    if (mine !== undefined) {
      const g = REASONS.find(([re]) => re.test(id));
      ours[id] = { group: g?.[1] ?? 'other', ours: mine.split('\n')[0]!.slice(0, 200), opa: theirs === undefined ? 'passes' : `fails: ${theirs.split('\n')[0]!.slice(0, 200)}` };
    }
  }
}
console.log(`${total} cases; ours fails ${Object.keys(ours).length}; OPA fails ${opaFails}`);
for (const f of opaFailures) console.log('OPA: ' + f);
if (write) {
  const reasons = Object.fromEntries(REASONS.map(([, k, r]) => [k, r]));
  const prev = JSON.parse(readFileSync(listPath, 'utf8').toString() || '{}') as { reasons?: Record<string, string>; opa_failures?: { about?: string } };
  const opaCases = Object.fromEntries(opaFailures.map((l) => [l.slice(0, l.indexOf('::') + l.slice(l.indexOf('::')).indexOf(': ')), l.slice(l.indexOf('::') + l.slice(l.indexOf('::')).indexOf(': ') + 2).slice(0, 240)]));
  const list = { reasons: { ...prev.reasons, ...reasons }, cases: ours, opa_failures: { about: prev.opa_failures?.about ?? 'cases the real OPA itself does not pass through opa eval', cases: opaCases } };
  writeFileSync(listPath, JSON.stringify(list, null, 1) + '\n');
  console.log(`wrote ${listPath}`);
}
