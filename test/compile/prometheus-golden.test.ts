// Golden files for every Prometheus output kind, for the example contracts (contracts/) and the fixture
// contracts: rule files, PrometheusRule resources and the generated promtool test files. Rewrite with
// `UPDATE_GOLDEN=1 npx vitest run test/compile/prometheus-golden.test.ts` and review the diff.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Contract } from '../../src/contract/model.js';
import { compilePrometheus } from '../../src/compile/prometheus.js';
import { demoSeriesWriter, promtoolTestFile } from '../../src/compile/promtool-tests.js';
import { exampleContracts, fixtureContracts, REPO_ROOT } from '../golden/fixtures/contracts.js';
import { golden, UPDATE_GOLDEN } from '../golden/fixtures/golden.js';
import { scenariosFor, seriesGroups } from '../rules/reference.js';

const GOLDEN_SETS = [
  { label: 'example contracts', contracts: exampleContracts(), rules: 'test/golden/prometheus', tests: 'test/rules', ruleRef: '../golden/prometheus' },
  { label: 'fixture contracts', contracts: fixtureContracts(), rules: 'test/golden/prometheus/fixtures', tests: 'test/rules/fixtures', ruleRef: '../../golden/prometheus/fixtures' },
];

function only(format: 'prometheus' | 'prometheus-operator', c: Contract): string {
  return compilePrometheus([c], { prometheusFormat: format })[0]!.content;
}

/** The golden files in a folder must be exactly those of the contracts (stale ones removed on update). */
function expectOnly(dir: string, suffix: string, ids: string[]) {
  const abs = join(REPO_ROOT, dir);
  const present = existsSync(abs) ? readdirSync(abs).filter((f) => f.endsWith(suffix)) : [];
  const wanted = ids.map((id) => `${id}${suffix}`);
  for (const f of present) if (!wanted.includes(f) && UPDATE_GOLDEN) rmSync(join(abs, f));
  const after = existsSync(abs) ? readdirSync(abs).filter((f) => f.endsWith(suffix)).sort() : [];
  expect(after).toEqual([...wanted].sort());
}

// An empty set would compare nothing and pass: it is a failure.
it('both contract sets are there (contracts/ and the fixtures)', () => {
  for (const set of GOLDEN_SETS) expect(set.contracts.length, set.label).toBeGreaterThan(0);
});

for (const set of GOLDEN_SETS) {
  describe(`golden Prometheus outputs of the ${set.label}`, () => {
    for (const c of set.contracts) {
      it(`${c.id}: rule file, PrometheusRule resource, promtool tests`, () => {
        const rules = only('prometheus', c);
        expect(golden(join(REPO_ROOT, set.rules, `${c.id}.rules.yaml`), rules)).toBe(rules);
        const operator = only('prometheus-operator', c);
        expect(golden(join(REPO_ROOT, set.rules, 'operator', `${c.id}.yaml`), operator)).toBe(operator);
        const scenarios = seriesGroups(c, demoSeriesWriter).flatMap((slas) => scenariosFor(c, slas));
        const tests = promtoolTestFile(c, `${set.ruleRef}/${c.id}.rules.yaml`, scenarios);
        expect(golden(join(REPO_ROOT, set.tests, `${c.id}.test.yaml`), tests)).toBe(tests);
      });
    }
    it('no golden file without a contract', () => {
      const ids = set.contracts.map((c) => c.id);
      expectOnly(set.rules, '.rules.yaml', ids);
      expectOnly(join(set.rules, 'operator'), '.yaml', ids);
      expectOnly(set.tests, '.test.yaml', ids);
    });
  });
}

describe('determinism', () => {
  it('compiling twice gives byte-identical files', () => {
    const all = [...exampleContracts(), ...fixtureContracts()];
    for (const format of ['prometheus', 'prometheus-operator'] as const) {
      const a = compilePrometheus(all, { prometheusFormat: format });
      const b = compilePrometheus([...exampleContracts(), ...fixtureContracts()], { prometheusFormat: format });
      expect(b.map((f) => f.path)).toEqual(a.map((f) => f.path));
      for (let i = 0; i < a.length; i++) expect(b[i]!.content === a[i]!.content, a[i]!.path).toBe(true);
    }
  });
});
