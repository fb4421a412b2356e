// `opa test` for RegoEngine: every rule whose name starts with `test_` is evaluated; it passes
// when its value is true. `with` mocking inside tests works as in any rule.
import type { RegoEngine } from './engine.js';
import { RegoError } from './errors.js';

export interface TestResult {
  name: string; // rule name, e.g. test_allow
  package: string; // e.g. obligo.decision_test
  file: string;
  row: number;
  status: 'pass' | 'fail' | 'error' | 'skip';
  error?: string;
  durationMs: number;
}

export function runTests(engine: RegoEngine, opts: { filter?: RegExp; timeoutMs?: number } = {}): TestResult[] {
  const seen = new Set<string>();
  const results: TestResult[] = [];
  for (const r of engine.rules()) {
    const todo = r.name.startsWith('todo_test_');
    if (r.kind !== 'complete' || !(r.name.startsWith('test_') || todo)) continue;
    const full = [...r.path].join('.');
    if (seen.has(full)) continue;
    seen.add(full);
    if (opts.filter && !opts.filter.test(full) && !opts.filter.test(r.name)) continue;
    if (todo) {
      results.push({ name: r.name, package: r.package, file: r.file, row: r.row, status: 'skip', durationMs: 0 });
      continue;
    }
    const t0 = performance.now();
    let status: TestResult['status'] = 'fail';
    let error: string | undefined;
    try {
      const v = engine.eval('data' + r.path.map(quoteSegment).join(''), undefined, { timeoutMs: opts.timeoutMs });
      status = v === true ? 'pass' : 'fail';
    } catch (e) {
      status = 'error';
      error = e instanceof RegoError ? e.message : String(e);
    }
    results.push({
      name: r.name,
      package: r.package,
      file: r.file,
      row: r.row,
      status,
      error,
      durationMs: performance.now() - t0,
    });
  }
  return results;
}

function quoteSegment(s: string, i: number): string {
  if (i > 0 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) return '.' + s;
  if (i === 0 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) return '.' + s;
  return '[' + JSON.stringify(s) + ']';
}
