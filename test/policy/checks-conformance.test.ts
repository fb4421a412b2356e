// Issue 12's measure on OPA's conformance cases: cases whose expected outcome is an error
// (want_error_code) pass at the same rate as the rest. Prints both rates (and both without the cases
// that call builtins OPA declares and we do not implement yet). Fails when a static check is to
// blame: a case that OPA compiles (all of them do) fails here with a compile-time error (rego_*).
import { describe, expect, it } from 'vitest';
import { BUILTIN_TYPES } from '../../src/policy/rego/builtins/decls.js';
import { listFolders, loadCases, runConformance } from '../../src/policy/rego/conformance.js';
import { requireShared } from '../helpers/tools.js';

const shared = requireShared('opa-conformance');

/** "undefined function graphql.parse" for a builtin OPA declares: a builtin we lack, not a wrong check. */
function missingBuiltin(reason: string | undefined): boolean {
  const m = /undefined function ([\w.]+)/.exec(reason ?? '');
  return !!m && BUILTIN_TYPES[m[1]!] !== undefined;
}

describe(`conformance: error cases pass like the rest${shared.skipNote}`, () => {
  it.skipIf(!shared.ok)('want_error_code cases against the others', () => {
    const results = runConformance(shared.path, { folders: listFolders(shared.path), timeoutMs: 2000 });
    const tally = { error: { pass: 0, all: 0, lacking: 0 }, other: { pass: 0, all: 0, lacking: 0 } };
    const wrong: string[] = [];
    for (const r of results) {
      const cases = loadCases(shared.path, r.folder).filter(({ c }) => !c.skip);
      const byNote = new Map(cases.map(({ c }) => [c.note, c]));
      for (const o of r.cases) {
        const c = byNote.get(o.note);
        if (!c || o.status === 'skipped') continue;
        const t = c.want_error_code !== undefined ? tally.error : tally.other;
        t.all++;
        if (o.status === 'passed') t.pass++;
        else if (missingBuiltin(o.reason)) t.lacking++;
        // (numbers beyond the float range are a known limit of the number parser, not a static check)
        const blamed = /(got|unexpected error:) rego_/.test(o.reason ?? '') && !/number too large/.test(o.reason ?? '');
        if (o.status === 'failed' && !missingBuiltin(o.reason) && blamed) wrong.push(`${o.file} :: ${o.note}: ${o.reason}`);
      }
    }
    const rate = (t: { pass: number; all: number }): string => `${t.pass}/${t.all} (${((100 * t.pass) / t.all).toFixed(1)}%)`;
    const rateWithout = (t: { pass: number; all: number; lacking: number }): string => rate({ pass: t.pass, all: t.all - t.lacking });
    console.log(
      `conformance: want_error_code ${rate(tally.error)}, other ${rate(tally.other)}; ` +
        `without cases calling builtins we lack: want_error_code ${rateWithout(tally.error)}, other ${rateWithout(tally.other)}`,
    );
    expect(tally.error.all).toBeGreaterThan(200);
    expect(wrong).toEqual([]);
  }, 120_000);
});
