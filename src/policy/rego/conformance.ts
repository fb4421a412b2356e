// Runner for OPA's YAML conformance cases (v1/<folder>/*.yaml): loads each case's modules, data
// and input into a fresh RegoEngine, runs the query and compares the result set or the error.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYAML } from 'yaml';
import './builtins/index.js';
import { RegoEngine } from './engine.js';
import { RegoError } from './errors.js';
import { fromJS, RObject, stringifyJS, toJS, type Value } from './value.js';

/** The core-language folders (PROVENANCE.md, "Core language, 792"). */
export const CORE_FOLDERS = [
  'assignments', 'baseandvirtualdocs', 'completedoc', 'compositebasedereference', 'compositereferences',
  'comprehensions', 'containskeyword', 'dataderef', 'defaultkeyword', 'disjunction', 'elsekeyword',
  'embeddedvirtualdoc', 'eqexpr', 'evaltermexpr', 'every', 'example', 'fix1863', 'functionerrors', 'functions',
  'helloworld', 'indexing', 'indirectreferences', 'inputvalues', 'invalidkeyerror', 'keywordrefs', 'negation',
  'nestedreferences', 'partialdocconstants', 'partialiter', 'partialobjectdoc', 'partialsetdoc', 'planner-ir',
  'refheads', 'stringinterpolation', 'topdowndynamicdispatch', 'type', 'undos', 'varreferences', 'virtualdocs',
  'withkeyword',
];

export interface ConformanceCase {
  note: string;
  query: string;
  modules?: string[];
  data?: unknown;
  input?: unknown;
  input_term?: string;
  want_result?: Record<string, unknown>[];
  want_error_code?: string;
  want_error?: string;
  strict_error?: boolean;
  sort_bindings?: boolean;
  ignore_generated_vars?: boolean;
  skip?: boolean;
}

export interface CaseOutcome {
  note: string;
  file: string;
  status: 'passed' | 'failed' | 'skipped';
  reason?: string;
  ms: number;
}

export interface FolderResult {
  folder: string;
  passed: number;
  failed: number;
  skipped: number;
  cases: CaseOutcome[];
}

export interface ConformanceOptions {
  folders?: string[];
  /** run only cases whose note matches */
  filter?: RegExp;
  /** per-case evaluation time limit (ms) */
  timeoutMs?: number;
}

export function listFolders(root: string): string[] {
  const v1 = path.join(root, 'v1');
  return readdirSync(v1)
    .filter((f) => statSync(path.join(v1, f)).isDirectory())
    .sort();
}

export function loadCases(root: string, folder: string): { file: string; c: ConformanceCase }[] {
  const dir = path.join(root, 'v1', folder);
  const out: { file: string; c: ConformanceCase }[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith('.yaml') && !f.endsWith('.yml') && !f.endsWith('.json')) continue;
    const doc = parseYAML(readFileSync(path.join(dir, f), 'utf8'), { intAsBigInt: true }) as {
      cases?: ConformanceCase[];
    };
    for (const c of doc?.cases ?? []) out.push({ file: path.join(folder, f), c });
  }
  return out;
}

export function runConformance(root: string, opts: ConformanceOptions = {}): FolderResult[] {
  const folders = opts.folders ?? listFolders(root);
  const results: FolderResult[] = [];
  for (const folder of folders) {
    const fr: FolderResult = { folder, passed: 0, failed: 0, skipped: 0, cases: [] };
    for (const { file, c } of loadCases(root, folder)) {
      if (opts.filter && !opts.filter.test(c.note)) continue;
      const t0 = performance.now();
      let status: CaseOutcome['status'];
      let reason: string | undefined;
      if (c.skip) {
        status = 'skipped';
        reason = 'marked skip';
      } else {
        reason = runCase(c, opts.timeoutMs ?? 2000);
        status = reason === undefined ? 'passed' : 'failed';
      }
      fr[status]++;
      fr.cases.push({ note: c.note, file, status, reason, ms: performance.now() - t0 });
    }
    results.push(fr);
  }
  return results;
}

/** What an engine answered for a case: an error (code and message) or rows of bindings (JS values). */
export type CaseAnswer = { error: { code: string; message: string; bare?: string } } | { rows: Record<string, unknown>[] };

/** Compares an answer with what the case wants; undefined when it passes, else why not. */
export function judge(c: ConformanceCase, answer: CaseAnswer): string | undefined {
  if ('error' in answer) {
    const e = answer.error;
    if (c.want_error_code === undefined && c.want_error === undefined) return `unexpected error: ${e.code}: ${e.message}`;
    if (c.want_error_code !== undefined && e.code !== c.want_error_code) {
      return `want error code ${c.want_error_code}, got ${e.code}: ${e.message}`;
    }
    if (c.want_error !== undefined && !e.message.includes(c.want_error) && !`${e.code}: ${e.bare ?? ''}`.includes(c.want_error)) {
      return `want error containing ${JSON.stringify(c.want_error)}, got ${JSON.stringify(e.message)}`;
    }
    return undefined;
  }
  if (c.want_error_code !== undefined || c.want_error !== undefined) {
    return `want error ${c.want_error_code ?? ''} ${c.want_error ?? ''}, got ${answer.rows.length} result(s)`;
  }
  const want = (c.want_result ?? []).map((row) => canonicalRow(fromJS(row ?? {}) as RObject, !!c.sort_bindings));
  const got = answer.rows.map((r) => canonicalRow(fromJS(r) as RObject, !!c.sort_bindings));
  const ws = [...new Set(want)].sort();
  const gs = [...new Set(got)].sort();
  if (ws.length === gs.length && ws.every((w, i) => w === gs[i])) return undefined;
  return `want ${ws.join(' | ')}\n got ${gs.join(' | ')}`.slice(0, 2000);
}

/** Runs one case; returns undefined when it passes, else why it failed. */
export function runCase(c: ConformanceCase, timeoutMs = 2000, opts: { codegen?: boolean } = {}): string | undefined {
  let results: { bindings: Map<string, Value> }[];
  try {
    const engine = new RegoEngine({ strictBuiltinErrors: !!c.strict_error, codegen: opts.codegen });
    (c.modules ?? []).forEach((m, i) => engine.addModule(`test-${i}.rego`, m));
    if (c.data !== undefined && c.data !== null) engine.setData(c.data);
    engine.compile();
    let input: Value | undefined;
    if (c.input_term !== undefined) {
      const r = engine.query(`__input__ = ${c.input_term}`);
      input = r[0]?.bindings.get('__input__');
    } else if (c.input !== undefined) input = fromJS(c.input);
    results = engine.query(c.query, { input, timeoutMs, print: () => {} });
  } catch (e) {
    if (!(e instanceof RegoError)) {
      return `internal error: ${(e as Error)?.stack ?? String(e)}`.slice(0, 2000);
    }
    return judge(c, { error: { code: e.code, message: e.message, bare: e.bare } });
  }
  return judge(c, { rows: results.map((r) => toJS(RObject.from(r.bindings)) as Record<string, unknown>) });
}

/** The stable name of a case: its file and note. */
export function caseId(file: string, c: ConformanceCase): string {
  return `${file}::${c.note}`;
}

function canonicalRow(row: RObject, sortBindings: boolean): string {
  const out: Record<string, unknown> = {};
  for (const [k, v] of row.entries()) {
    let js = toJS(v);
    if (sortBindings && Array.isArray(js)) {
      js = [...js].sort((a, b) => {
        const x = stringifyJS(a);
        const y = stringifyJS(b);
        return x < y ? -1 : x > y ? 1 : 0;
      });
    }
    out[String(k)] = js;
  }
  return stringifyJS(out);
}
