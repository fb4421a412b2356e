// OPA's conformance cases (Rego v1, 2,067 in ../shared/opa-conformance), each its own test. A case in
// test/policy/conformance-known-failures.json must fail (with the reason its group gives; the list
// also records whether the real OPA passes it), every other case must pass. A known failure that
// starts passing fails here too: take it off the list. Regenerate the list (and OPA's outcomes) with
// `npx tsx bench/conformance-opa.ts --write`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { caseId, CORE_FOLDERS, listFolders, loadCases, runCase } from '../../src/policy/rego/conformance.js';
import { requireShared } from '../helpers/tools.js';

const shared = requireShared('opa-conformance');
const known = JSON.parse(readFileSync(join(import.meta.dirname, 'conformance-known-failures.json'), 'utf8')) as {
  reasons: Record<string, string>;
  cases: Record<string, { group: string; ours: string; opa: string }>;
};

describe.skipIf(!shared.ok)(`OPA conformance (v1)${shared.skipNote}`, () => {
  const folders = shared.ok ? listFolders(shared.path) : [];
  const seen = new Set<string>();
  let total = 0;
  let core = 0;
  for (const folder of folders) {
    const cases = loadCases(shared.path, folder);
    total += cases.length;
    if (CORE_FOLDERS.includes(folder)) core += cases.length;
    describe(folder, () => {
      for (const { file, c } of cases) {
        const id = caseId(file, c);
        seen.add(id);
        const k = known.cases[id];
        it(`${c.note}${k ? ` (known failure: ${k.group})` : ''}`, () => {
          const why = runCase(c, 5000);
          if (k) expect(why, `${id} passes now: remove it from conformance-known-failures.json`).toBeDefined();
          else expect(why, id).toBeUndefined();
        });
      }
    });
  }

  it('the known-failure list names real cases, each with a reason, none in the core language', () => {
    for (const [id, k] of Object.entries(known.cases)) {
      expect(seen.has(id), id).toBe(true);
      expect(known.reasons[k.group], id).toBeTruthy();
      expect(CORE_FOLDERS.includes(id.split('/')[0]!), id).toBe(false);
    }
    const failing = Object.keys(known.cases).length;
    console.log(`conformance: core ${core}/${core}, all ${total - failing}/${total} (${(((total - failing) / total) * 100).toFixed(1)} %); known failures by group: ${JSON.stringify(Object.entries(known.cases).reduce<Record<string, number>>((a, [, k]) => ((a[k.group] = (a[k.group] ?? 0) + 1), a), {}))}`);
    expect(total).toBe(2067);
    expect(core).toBe(792);
  });
});
