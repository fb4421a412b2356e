// Static checks (issue 12): every program of test/fixtures/rego-errors/ is rejected by our engine
// exactly as the real OPA rejects it (error kind, file:row:col, message), or accepted when OPA
// accepts it. The expected verdicts were written by OPA (checks-opa.test.ts keeps them honest).
import { describe, expect, it } from 'vitest';
import { loadFixtures, ourErrors } from './checks-fixtures.js';

describe('static checks as OPA (test/fixtures/rego-errors)', () => {
  const fixtures = loadFixtures();
  it('has fixtures', () => expect(fixtures.length).toBeGreaterThan(30));
  for (const f of fixtures) {
    it(f.name, () => {
      // the module is named as OPA was given it (the fixture's file name)
      const errs = ourErrors([{ path: f.name, text: f.text }]);
      if (f.accepted) {
        expect(errs.map((e) => e.message)).toEqual([]);
        return;
      }
      expect(errs.length, 'OPA rejects this program; we must too').toBeGreaterThan(0);
      const first = errs[0]!;
      const want = f.wants[0]!;
      // parse errors: same place (the wording of syntax errors is the parser's own)
      // (OPA's generated variables __localN__ read `_` in ours)
      const message = (m: string): string => (want.code === 'rego_parse_error' ? '' : m.replace(/__local\d+__/g, '_'));
      expect({ code: first.code, row: first.location?.row, col: first.location?.col, message: message(first.bare.split('\n')[0]!) }).toEqual({
        code: want.code,
        row: want.row,
        col: want.col,
        message: message(want.message),
      });
      expect(first.location?.file).toBe(f.name);
      // every error we report is one OPA reports too (same kind, same place)
      for (const e of errs) {
        expect(f.wants.some((w) => w.code === e.code && w.row === e.location?.row)).toBe(true);
      }
    });
  }
});
