// The verdicts at the end of each test/fixtures/rego-errors/*.rego file are OPA's: this test runs the
// real OPA (`opa check --format json`, v1 syntax) on every fixture and compares. Together with
// checks.test.ts (our engine against the same lines) it is a differential test of every check.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/tools.js';
import { loadFixtures, type Want } from './checks-fixtures.js';

const opa = requireTool('opa');

/** OPA's errors for one file ([] when it compiles). */
export function opaCheck(opaPath: string, file: string): Want[] {
  const r = spawnSync(opaPath, ['check', '--format', 'json', file], { encoding: 'utf8' });
  if (r.status === 0) return [];
  const out = JSON.parse(r.stdout || r.stderr) as { errors: { code: string; message: string; location?: { row: number; col: number } }[] };
  return out.errors.map((e) => ({ code: e.code, row: e.location?.row ?? 0, col: e.location?.col ?? 0, message: e.message.split('\n')[0]! }));
}

describe(`fixture verdicts are the real OPA's${opa.skipNote}`, () => {
  for (const f of loadFixtures()) {
    it.skipIf(!opa.ok)(f.name, () => {
      const got = opaCheck(opa.path!, f.path);
      expect(got.length === 0).toBe(f.accepted);
      expect(got).toEqual(f.wants);
    });
  }
});
