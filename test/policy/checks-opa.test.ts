// The verdicts at the end of each test/fixtures/rego-errors/*.rego file are OPA's: this test runs the
// real OPA (`opa check --format json`, v1 syntax) on every fixture and compares. Together with
// checks.test.ts (our engine against the same lines) it is a differential test of every check.
import { describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/tools.js';
import { FIXTURES, loadFixtures, opaCheck } from './checks-fixtures.js';

const opa = requireTool('opa');

describe(`fixture verdicts are the real OPA's${opa.skipNote}`, () => {
  for (const f of loadFixtures()) {
    it.skipIf(!opa.ok)(f.name, () => {
      // run where the fixtures are: messages that name files name them as the verdict lines do
      const got = opaCheck(opa.path!, [f.name], FIXTURES);
      expect(got.length === 0).toBe(f.accepted);
      expect(got).toEqual(f.wants);
    });
  }
});
