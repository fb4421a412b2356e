// `obligo policy eval` and `obligo policy test`: opa eval / opa test compatible front ends for the
// Rego engine. The lead wires these into the obligo CLI; they never exit the process themselves.
import { parseArgs } from 'node:util';
import '../rego/builtins/index.js';
import { RegoEngine } from '../rego/engine.js';
import { RegoError, RegoErrors } from '../rego/errors.js';
import { runTests, type TestResult } from '../rego/test-runner.js';
import { stringifyJS, toJS } from '../rego/value.js';
import { defaultPolicyDir } from '../obligo-policies.js';
import { argsErrorMessage, usageText } from './args.js';
import { loadPaths, readDocument } from './load.js';

export interface CliIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

export const EVAL_HELP = `usage: obligo policy eval -d PATH [-d PATH…] [-i INPUT.json] [--strict-builtin-errors] QUERY

Evaluate a Rego query with the built-in engine; prints what \`opa eval --format json\` prints.

  -d, --data PATH            .rego modules and data files; folders are walked (repeatable)
  -i, --input FILE           the input document (JSON or YAML)
  --strict-builtin-errors    a built-in function error fails the query (as opa eval's flag)
  -f, --format json          the only format
`;

export const TEST_HELP = `usage: obligo policy test [PATH…] [-v] [--run REGEX]

Run the Rego tests (rules named test_*) with the built-in engine; prints what \`opa test\` prints.
Exit 0 all passed, 1 a test failed, 2 a policy that does not load or compile.

  PATH           files or folders to load (default: the policies/ shipped with obligo, the folder
                 gate, credits and policy build use without --policies)
  -v, --verbose  list every test, not only the failures
  -r, --run RE   only the tests whose data.<package>.<name> matches the regular expression
`;

/** A bad command line of `obligo policy <sub>`: the message, then the usage lines; exit 2. */
function usageError(sub: string, help: string, e: unknown, io: CliIO): number {
  io.stderr(usageText(`policy ${sub}`, argsErrorMessage(e), help));
  return 2;
}

/** `policy eval -d PATH… [-i INPUT] [--strict-builtin-errors] QUERY` → opa eval --format json output. */
export async function policyEval(argv: string[], io: CliIO): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        data: { type: 'string', short: 'd', multiple: true },
        input: { type: 'string', short: 'i' },
        format: { type: 'string', short: 'f', default: 'json' },
        'strict-builtin-errors': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    return usageError('eval', EVAL_HELP, e, io);
  }
  if (args.values.help) {
    io.stdout(EVAL_HELP);
    return 0;
  }
  const query = args.positionals.join(' ').trim();
  if (!query) {
    io.stderr('error: specify exactly one query argument\n');
    return 2;
  }
  if (args.values.format !== 'json') {
    io.stderr(`error: unsupported format ${args.values.format} (only json)\n`);
    return 2;
  }
  try {
    const engine = new RegoEngine({ strictBuiltinErrors: args.values['strict-builtin-errors'] });
    const loaded = loadPaths(args.values.data ?? []);
    for (const m of loaded.modules) engine.addModule(m.path, m.text);
    engine.setData(loaded.data);
    engine.compile();
    const input = args.values.input !== undefined ? readDocument(args.values.input) : undefined;
    const results = engine.query(query, { input });
    if (results.length === 0) {
      io.stdout('{}\n');
      return 0;
    }
    const exprs = queryExprInfo(engine, query);
    const out = {
      result: results.map((r) => {
        const row: Record<string, unknown> = {
          expressions: r.expressions.map((v, i) => ({
            value: toJS(v),
            text: exprs[i]?.text ?? '',
            location: { row: exprs[i]?.row ?? 1, col: exprs[i]?.col ?? 1 },
          })),
        };
        if (r.bindings.size) {
          const b: Record<string, unknown> = {};
          for (const k of [...r.bindings.keys()].sort()) b[k] = toJS(r.bindings.get(k)!);
          row.bindings = b;
        }
        return row;
      }),
    };
    io.stdout(stringifyOrdered(out) + '\n');
    return 0;
  } catch (e) {
    io.stdout(stringifyOrdered({ errors: errorList(e) }) + '\n');
    return 2;
  }
}

function queryExprInfo(engine: RegoEngine, query: string): { text: string; row: number; col: number }[] {
  return engine.queryInfo(query);
}

function errorList(e: unknown): Record<string, unknown>[] {
  const list = e instanceof RegoErrors ? e.errors : [e];
  return list.map((x) => {
    if (x instanceof RegoError) {
      const o: Record<string, unknown> = { message: x.bare, code: x.code };
      if (x.location) o.location = { file: x.location.file, row: x.location.row, col: x.location.col };
      return o;
    }
    return { message: (x as Error)?.message ?? String(x), code: 'internal_error' };
  });
}

/**
 * `policy test [PATH…] [-v] [--run REGEX]` → opa test style report. Without PATH: the policies/ folder
 * shipped with obligo (defaultPolicyDir, the one gate, credits and policy build use), never the current
 * folder (a checkout holds deliberately broken Rego under test/fixtures/).
 */
export async function policyTest(argv: string[], io: CliIO): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        verbose: { type: 'boolean', short: 'v', default: false },
        run: { type: 'string', short: 'r' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    return usageError('test', TEST_HELP, e, io);
  }
  if (args.values.help) {
    io.stdout(TEST_HELP);
    return 0;
  }
  const paths = args.positionals.length ? args.positionals : [defaultPolicyDir()];
  let results: TestResult[];
  try {
    const engine = new RegoEngine();
    const loaded = loadPaths(paths);
    for (const m of loaded.modules) engine.addModule(m.path, m.text);
    engine.setData(loaded.data);
    engine.compile();
    const filter = args.values.run !== undefined ? new RegExp(args.values.run) : undefined;
    results = runTests(engine, { filter });
  } catch (e) {
    for (const x of errorList(e)) {
      const loc = x.location as { file: string; row: number; col: number } | undefined;
      io.stderr(`${loc ? `${loc.file}:${loc.row}: ` : ''}${x.code}: ${x.message}\n`);
    }
    return 2;
  }
  if (results.length === 0) {
    io.stdout('no test cases found\n');
    return 0;
  }
  const verbose = args.values.verbose;
  const byFile = new Map<string, TestResult[]>();
  for (const r of results) {
    if (!verbose && (r.status === 'pass' || r.status === 'skip')) continue;
    const list = byFile.get(r.file) ?? [];
    list.push(r);
    byFile.set(r.file, list);
  }
  for (const [file, list] of byFile) {
    io.stdout(`${file}:\n`);
    for (const r of list) {
      const label = r.status === 'skip' ? 'SKIPPED' : r.status.toUpperCase();
      io.stdout(`data.${r.package}.${r.name}: ${label}${r.status === 'skip' ? '' : ` (${formatDuration(r.durationMs)})`}\n`);
      if (r.error) io.stdout(`  ${r.error}\n`);
    }
    io.stdout('\n');
  }
  const pass = results.filter((r) => r.status === 'pass').length;
  const fail = results.filter((r) => r.status === 'fail').length;
  const err = results.filter((r) => r.status === 'error').length;
  const skip = results.filter((r) => r.status === 'skip').length;
  const n = results.length;
  if (byFile.size) io.stdout('-'.repeat(80) + '\n');
  if (pass) io.stdout(`PASS: ${pass}/${n}\n`);
  if (fail) io.stdout(`FAIL: ${fail}/${n}\n`);
  if (skip) io.stdout(`SKIPPED: ${skip}/${n}\n`);
  if (err) io.stdout(`ERROR: ${err}/${n}\n`);
  return fail || err ? 1 : 0;
}

function formatDuration(ms: number): string {
  if (ms < 1) return `${Math.round(ms * 1000)}µs`;
  if (ms < 1000) return `${ms.toFixed(3)}ms`;
  return `${(ms / 1000).toFixed(3)}s`;
}

/** Pretty JSON (2 spaces) keeping the given key order; bigint as digits. */
export function stringifyOrdered(x: unknown, depth = 0): string {
  // Keys in the order given (opa eval prints "expressions" before "bindings"), two-space indent.
  return stringifyJS(x, 2, depth, false);
}

