// The generated rules under Prometheus's own tools: `promtool check rules` on every rule file, and
// `promtool test rules` on generated scenarios whose expected alerts come from test/rules/reference.ts
// (request counts → window ratios → thresholds, in decimal), not from the compiler.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Contract } from '../../src/contract/model.js';
import { compilePrometheus } from '../../src/compile/prometheus.js';
import { demoSeriesWriter, promtoolTestFile, type PromtoolScenario, type SeriesWriter } from '../../src/compile/promtool-tests.js';
import { exampleContracts, fixtureContracts, REPO_ROOT } from '../golden/fixtures/contracts.js';
import { requireTool } from '../helpers/tools.js';
import { alertsAt, constant, firstFiring, NAN_EXPR, scenariosFor, seriesGroups, verdict } from '../rules/reference.js';

// Missing outside CI: these blocks are skipped, the reason in their titles; under CI=true: this file fails.
const promtoolTool = requireTool('promtool', [], 'install the Debian package prometheus');
const HAS_PROMTOOL = promtoolTool.ok;
const SKIP = promtoolTool.skipNote;

const tmp = mkdtempSync(join(tmpdir(), 'obligo-promtool-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function promtool(args: string[], cwd: string) {
  const r = spawnSync(promtoolTool.path!, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** The same, without blocking: the scenario runs are the slow part, and they can share the cores. */
function promtoolAsync(args: string[], cwd: string): Promise<{ status: number | null; out: string }> {
  return new Promise((done) => {
    const child = spawn(promtoolTool.path!, args, { cwd, timeout: 120_000 });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (status) => done({ status, out }));
    child.on('error', (e) => done({ status: -1, out: String(e) }));
  });
}

function rulesOf(contract: Contract, format: 'prometheus' | 'prometheus-operator' = 'prometheus'): string {
  const [file] = compilePrometheus([contract], { prometheusFormat: format });
  return file!.content;
}

function scenariosOf(contract: Contract): PromtoolScenario[] {
  return seriesGroups(contract, demoSeriesWriter).flatMap((slas) => scenariosFor(contract, slas));
}

const sets: { label: string; contracts: Contract[]; rulesDir: string; testsDir: string; ruleRef: string }[] = [
  {
    label: 'example contracts (contracts/)',
    contracts: exampleContracts(),
    rulesDir: join(REPO_ROOT, 'test/golden/prometheus'),
    testsDir: join(REPO_ROOT, 'test/rules'),
    ruleRef: '../golden/prometheus',
  },
  {
    label: 'fixture contracts',
    contracts: fixtureContracts(),
    rulesDir: join(REPO_ROOT, 'test/golden/prometheus/fixtures'),
    testsDir: join(REPO_ROOT, 'test/rules/fixtures'),
    ruleRef: '../../golden/prometheus/fixtures',
  },
];

// An empty set would make the blocks below check nothing and pass: it is a failure.
it('both contract sets are there (contracts/ and the fixtures)', () => {
  for (const set of sets) expect(set.contracts.length, set.label).toBeGreaterThan(0);
});

for (const set of sets) {
  describe.skipIf(!HAS_PROMTOOL)(`promtool check rules on the ${set.label}${SKIP}`, () => {
    for (const contract of set.contracts) {
      const dir = join(tmp, set.label.replace(/\W+/g, '-'), contract.id);
      mkdirSync(dir, { recursive: true });

      it(`${contract.id}: plain rule file`, () => {
        writeFileSync(join(dir, 'rules.yaml'), rulesOf(contract));
        const r = promtool(['check', 'rules', 'rules.yaml'], dir);
        expect(r.out).toContain('SUCCESS');
        expect(r.status, r.out).toBe(0);
      });

      it(`${contract.id}: spec of the PrometheusRule resource`, () => {
        const resource = parse(rulesOf(contract, 'prometheus-operator'));
        expect(resource.apiVersion).toBe('monitoring.coreos.com/v1');
        expect(resource.kind).toBe('PrometheusRule');
        writeFileSync(join(dir, 'operator-spec.yaml'), stringify(resource.spec));
        const r = promtool(['check', 'rules', 'operator-spec.yaml'], dir);
        expect(r.status, r.out).toBe(0);
      });
    }
  });

  // All contracts of a set in one block so that the promtool runs (the slow part) overlap.
  describe.skipIf(!HAS_PROMTOOL)(`promtool test rules on the ${set.label}${SKIP}`, () => {
    for (const contract of set.contracts) {
      it.concurrent(`${contract.id}: generated scenarios pass`, async () => {
        // The committed files (pinned by prometheus-golden.test.ts) are what promtool runs.
        const ruleFile = `${set.ruleRef}/${contract.id}.rules.yaml`;
        const stale = 'stale golden file: run UPDATE_GOLDEN=1 npx vitest run test/compile/prometheus-golden.test.ts';
        expect(readFileSync(join(set.testsDir, `${contract.id}.test.yaml`), 'utf8'), stale).toBe(promtoolTestFile(contract, ruleFile, scenariosOf(contract)));
        expect(readFileSync(join(set.rulesDir, `${contract.id}.rules.yaml`), 'utf8'), stale).toBe(rulesOf(contract));
        const r = await promtoolAsync(['test', 'rules', `${contract.id}.test.yaml`], set.testsDir);
        expect(r.status, r.out).toBe(0);
        expect(r.out).toContain('SUCCESS');
      });
    }
  });
}

describe.skipIf(!HAS_PROMTOOL)(`the promtool scenarios test what they claim${SKIP}`, () => {
  const all = [...fixtureContracts(), ...exampleContracts()];

  it('a fast burn pages within 10 minutes of the errors starting (when pages are on)', () => {
    for (const c of all) {
      for (const sla of c.slas) {
        const fast = scenariosFor(c, [sla])[0]!;
        const page = firstFiring(sla, fast.minutes, 'page', 60, 80);
        if (sla.alerting.page && sla.alerting.burnRates.some((r) => r.severity === 'page')) {
          expect(page, sla.key).toBeDefined();
          expect(page! - 60, sla.key).toBeGreaterThanOrEqual(1);
          expect(page! - 60, sla.key).toBeLessThanOrEqual(10);
          expect(fast.alerts.some((a) => a.firing.some((f) => f.row.severity === 'page'))).toBe(true);
        } else {
          expect(page, sla.key).toBeUndefined();
        }
        // Minute 60: the errors have not started yet.
        expect(fast.alerts.find((a) => a.atMinute === 60)!.firing).toEqual([]);
      }
    }
  });

  it('a slow burn tickets (where tickets are on) and never pages; healthy and quiet never alert', () => {
    for (const c of all) {
      for (const sla of c.slas) {
        const [, slow, healthy, quiet] = scenariosFor(c, [sla]);
        const severities = slow!.alerts.flatMap((a) => a.firing.map((f) => f.row.severity));
        expect(severities, sla.key).not.toContain('page');
        if (sla.alerting.ticket && sla.alerting.burnRates.some((r) => r.severity === 'ticket')) expect(severities, sla.key).toContain('ticket');
        expect(healthy!.alerts.every((a) => a.firing.length === 0)).toBe(true);
        expect(quiet!.alerts.every((a) => a.firing.length === 0)).toBe(true);
      }
    }
  });

  it('the default table on a 99.99 SLA: page at minute 61, ticket at 61; slow burn tickets at 61 (hand math)', () => {
    // Budget b = 0.0001. Fast: at 60+k the 1h ratio is k/60 > 14.4b = 0.00144 already for k = 1, and
    // the 5m ratio k/5 too; 3d (capped at the data's start) ratio k/(60+k) > b for k = 1.
    // Slow: 2b from minute 30, so the 3d and 6h ratios at 30+k are 2bk/(30+k) > b iff k > 30: first at
    // 61; at 60 the ratio is exactly b (not above), which is why the scenario does not assert minute 60.
    const acme = fixtureContracts().find((c) => c.id === 'acme-compute')!;
    const sla = acme.slas[0]!;
    const [fast, slow] = scenariosFor(acme, [sla]);
    expect(firstFiring(sla, fast!.minutes, 'page', 60, 80)).toBe(61);
    expect(firstFiring(sla, fast!.minutes, 'ticket', 60, 80)).toBe(61);
    expect(firstFiring(sla, slow!.minutes, 'ticket', 30, 130)).toBe(61);
    expect(firstFiring(sla, slow!.minutes, 'page', 30, 130)).toBeUndefined();
    expect(slow!.alerts.map((a) => a.atMinute)).toEqual([20, 45, 59, 61, 62, 130]); // not 60: see below
  });

  it('minutes on a threshold are never asserted (floating point could go either way)', () => {
    const acme = fixtureContracts().find((c) => c.id === 'acme-compute')!;
    const [, slow] = scenariosFor(acme, [acme.slas[0]!]);
    expect(verdict(acme.slas[0]!, slow!.minutes, 60).nearBoundary).toBe(true);
  });
});

describe.skipIf(!HAS_PROMTOOL)(`promtool rejects wrong expectations (the checks can fail)${SKIP}`, () => {
  const acme = fixtureContracts().find((c) => c.id === 'acme-compute')!;
  const sla = acme.slas[0]!;
  const dir = join(tmp, 'wrong');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'rules.yaml'), rulesOf(acme));
  const run = (s: PromtoolScenario) => {
    writeFileSync(join(dir, 'test.yaml'), promtoolTestFile(acme, 'rules.yaml', [s]));
    return promtool(['test', 'rules', 'test.yaml'], dir);
  };

  it('the unmodified scenarios pass here', () => {
    const r = run(scenariosFor(acme, [sla])[0]!);
    expect(r.status, r.out).toBe(0);
  });

  it('a page expected from a healthy service', () => {
    const healthy = scenariosFor(acme, [sla])[2]!;
    const row = sla.alerting.burnRates[0]!;
    const wrong = { ...healthy, alerts: [{ atMinute: 60, firing: [{ sla, row }] }] };
    const r = run(wrong);
    expect(r.status).not.toBe(0);
    expect(r.out).toContain('ObligoErrorBudgetBurn');
  });

  it('a page expected one minute before the errors could cause it', () => {
    const fast = scenariosFor(acme, [sla])[0]!;
    const row = sla.alerting.burnRates[0]!;
    const wrong = { ...fast, alerts: [{ atMinute: 60, firing: [{ sla, row }] }] };
    expect(run(wrong).status).not.toBe(0);
  });

  it('NaN in a recorded series: the rules without the `total > 0` guard, on a quiet service', () => {
    // Sloth-style good/total: 0/0 = NaN for every window while nothing happens.
    const unguarded = rulesOf(acme).replace(/ > 0\)\)/g, '))');
    expect(unguarded).not.toContain('> 0))');
    writeFileSync(join(dir, 'unguarded.yaml'), unguarded);
    const quiet = scenariosFor(acme, [sla])[3]!;
    writeFileSync(join(dir, 'test-nan.yaml'), promtoolTestFile(acme, 'unguarded.yaml', [{ ...quiet, alerts: [] , exprs: quiet.exprs!.filter((e) => e.expr === NAN_EXPR) }]));
    const r = promtool(['test', 'rules', 'test-nan.yaml'], dir);
    expect(r.status).not.toBe(0);
    expect(r.out).toContain('NaN');
  });

  it('a ratio recorded for a quiet service', () => {
    const quiet = scenariosFor(acme, [sla])[3]!;
    const sel = `{contract="acme-compute",sla="availability"}`;
    const wrong = { ...quiet, exprs: [{ atMinute: 60, expr: `obligo:sli_error_ratio:rate5m${sel}`, samples: [{ labels: `obligo:sli_error_ratio:rate5m${sel}`, value: 0 }] }] };
    expect(run(wrong).status).not.toBe(0);
  });
});

describe.skipIf(!HAS_PROMTOOL)(`series that do not exist yet (the \`or 0 * total\` fallback)${SKIP}`, () => {
  // A counter that was never incremented often has no series at all: a service that has only ever
  // failed has no code="200" series, one that never failed has no code="500" series.
  const omitIdle: SeriesWriter = (sla, minutes) => demoSeriesWriter(sla, minutes).filter((s) => !/^0\+0x\d+$/.test(s.values));
  const dir = join(tmp, 'missing');
  mkdirSync(dir, { recursive: true });

  it('a service failing every request from the start, with no success series, pages (ratio kind)', async () => {
    const acme = fixtureContracts().find((c) => c.id === 'acme-compute')!;
    const sla = acme.slas[0]!;
    const minutes = constant(20, 1200, 1200);
    expect(omitIdle(sla, minutes).map((s) => s.series)).toEqual(['obligo_demo_requests_total{service="compute",code="500"}']);
    const scenario: PromtoolScenario = {
      name: 'only failures, no code="200" series',
      slas: [sla],
      minutes,
      alerts: alertsAt([sla], minutes, [1, 10, 20]),
      exprs: [{ atMinute: 10, expr: 'obligo:sli_error_ratio:rate5m', samples: [{ labels: 'obligo:sli_error_ratio:rate5m{contract="acme-compute",sla="availability"}', value: 1 }] }],
    };
    expect(scenario.alerts[0]!.firing.map((f) => f.row.severity)).toEqual(['page', 'page', 'ticket']);
    writeFileSync(join(dir, 'acme.rules.yaml'), rulesOf(acme));
    writeFileSync(join(dir, 'acme.test.yaml'), promtoolTestFile(acme, 'acme.rules.yaml', [scenario], omitIdle));
    const r = await promtoolAsync(['test', 'rules', 'acme.test.yaml'], dir);
    expect(r.status, r.out).toBe(0);
  });

  it('a service that never failed, with no error series, records an error ratio of 0 (errors kind)', async () => {
    const platform = fixtureContracts().find((c) => c.id === 'platform-api')!;
    const sla = platform.slas.find((s) => s.id === 'availability')!;
    expect(sla.sli.kind).toBe('errors');
    const minutes = constant(20, 1200, 0);
    expect(omitIdle(sla, minutes).map((s) => s.series)).toEqual(['obligo_demo_requests_total{service="platform-api",code="200"}']);
    const sel = '{contract="platform-api",sla="availability"}';
    const scenario: PromtoolScenario = {
      name: 'no code="500" series',
      slas: [sla],
      minutes,
      alerts: alertsAt([sla], minutes, [10, 20]),
      exprs: [
        { atMinute: 10, expr: `obligo:sli_error_ratio:rate5m${sel}`, samples: [{ labels: `obligo:sli_error_ratio:rate5m${sel}`, value: 0 }] },
        { atMinute: 20, expr: `obligo:burn_rate:rate1h${sel}`, samples: [{ labels: `obligo:burn_rate:rate1h${sel}`, value: 0 }] },
      ],
    };
    writeFileSync(join(dir, 'platform.rules.yaml'), rulesOf(platform));
    writeFileSync(join(dir, 'platform.test.yaml'), promtoolTestFile(platform, 'platform.rules.yaml', [scenario], omitIdle));
    const r = await promtoolAsync(['test', 'rules', 'platform.test.yaml'], dir);
    expect(r.status, r.out).toBe(0);
  });
});
