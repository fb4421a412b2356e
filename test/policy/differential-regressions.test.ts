// Every discrepancy the differential tests found against the real OPA, kept as a regression case:
// the module, query and input, and OPA 1.22.4's answer recorded when it was found
// (test/policy/differential/regressions.json; regenerate an entry with `opa eval -f json`).
// Runs without OPA: the recorded answer is the ground truth.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RegoEngine, RegoError, toJS } from '../../src/policy/rego/index.js';

interface Regression {
  name: string;
  module: string;
  query: string;
  input?: unknown;
  opa: { value?: unknown; error?: string };
  found: string;
}

const cases = JSON.parse(readFileSync(join(import.meta.dirname, 'differential', 'regressions.json'), 'utf8')) as Regression[];

describe('discrepancies found against OPA stay fixed', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    let got: { value?: unknown; error?: string };
    try {
      const e = new RegoEngine();
      e.addModule('reg.rego', c.module);
      e.compile();
      const v = e.eval(c.query, c.input);
      got = v === undefined ? {} : { value: toJS(v) };
    } catch (err) {
      if (!(err instanceof RegoError)) throw err;
      got = { error: err.code };
    }
    expect(got).toEqual(c.opa);
  });

  it('cover both fixes', () => {
    expect(cases.filter((c) => c.name.startsWith('negation')).length).toBeGreaterThan(20);
    expect(cases.some((c) => c.name.startsWith('else'))).toBe(true);
  });
});
