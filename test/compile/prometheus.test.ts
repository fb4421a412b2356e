// Structure of the generated Prometheus rules: names, labels, windows, alerts per table row, escaping,
// decimal literals, the operator resource, determinism and speed. Whether the rules *behave* is checked
// by promtool in prometheus-rules.test.ts.
import { parser } from '@prometheus-io/lezer-promql';
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Contract } from '../../src/contract/model.js';
import { compilePrometheus, contractRuleGroups, escapeTemplate, type AlertingRule, type RecordingRule } from '../../src/compile/prometheus.js';
import { budgetRatio, errorRatioExpr, objectiveRatio } from '../../src/compile/promql.js';
import { contractFromYaml, fixtureContracts } from '../golden/fixtures/contracts.js';

const fixtures = fixtureContracts();
const byId = (id: string) => fixtures.find((c) => c.id === id)!;

function ruleFile(c: Contract): { groups: { name: string; rules: (RecordingRule & AlertingRule)[] }[] } {
  return parse(compilePrometheus([c], { prometheusFormat: 'prometheus' })[0]!.content);
}

function hasSyntaxError(q: string): boolean {
  const cursor = parser.parse(q).cursor();
  do if (cursor.type.isError) return true;
  while (cursor.next());
  return false;
}

/** A contract with one SLA whose alerting block is `alerting` (YAML flow text). */
function withAlerting(alerting: string, objective = 99.9): Contract {
  return contractFromYaml(`
apiVersion: obligo.dev/v1
kind: Contract
metadata: { id: t, title: T }
role: customer
parties: { vendor: { name: V }, customer: { name: C } }
term: { start: 2026-01-01, timezone: UTC }
fees: { currency: USD, monthly: 1 }
slas:
  - id: s
    objective: ${objective}
    period: month
    sli:
      good: sum(rate(x{ok="1"}[{{.window}}]))
      total: sum(rate(x[{{.window}}]))
    measurement: { method: events }
    alerting: ${alerting}
`);
}

describe('recording rules', () => {
  it('one group per SLA, named obligo/<contract>/<sla>, with the standard windows in order', () => {
    const f = ruleFile(byId('acme-compute'));
    expect(f.groups.map((g) => g.name)).toEqual(['obligo/acme-compute/availability']);
    const records = f.groups[0]!.rules.filter((r) => r.record).map((r) => r.record);
    const ws = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'];
    expect(records).toEqual([
      'obligo:slo_objective:ratio',
      'obligo:error_budget:ratio',
      'obligo:sla_info',
      ...ws.map((w) => `obligo:sli_error_ratio:rate${w}`),
      ...ws.map((w) => `obligo:burn_rate:rate${w}`),
    ]);
  });

  it('every recorded series is labelled with exactly contract and sla (info carries the descriptive labels)', () => {
    for (const c of fixtures) {
      for (const g of ruleFile(c).groups) {
        const sla = g.name.split('/')[2];
        for (const r of g.rules.filter((x) => x.record)) {
          if (r.record === 'obligo:sla_info') {
            expect(Object.keys(r.labels).sort()).toEqual(['contract', 'method', 'period', 'role', 'sla', 'timezone', 'vendor']);
          } else {
            expect(r.labels).toEqual({ contract: c.id, sla });
          }
        }
      }
    }
  });

  it('SLA constants are exact decimal literals', () => {
    const f = ruleFile(byId('acme-compute'));
    const rules = f.groups[0]!.rules;
    expect(rules.find((r) => r.record === 'obligo:slo_objective:ratio')!.expr).toBe('vector(0.9999)');
    expect(rules.find((r) => r.record === 'obligo:error_budget:ratio')!.expr).toBe('vector(0.0001)');
    expect(rules.find((r) => r.record === 'obligo:burn_rate:rate1h')!.expr).toBe(
      'obligo:sli_error_ratio:rate1h{contract="acme-compute",sla="availability"} / 0.0001',
    );
  });

  it('objective and budget literals add up to exactly 1 and never use exponents (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 99_999 }), fc.integer({ min: 0, max: 3 }), (n, scale) => {
        const objective = n / 10 ** scale; // as a contract author would write it, e.g. 99.95
        if (!(objective > 0 && objective < 100)) return;
        const o = objectiveRatio(objective);
        const b = budgetRatio(objective);
        expect(o).toMatch(/^0\.\d+$/);
        expect(b).toMatch(/^0\.\d+$/);
        expect(new Decimal(o).plus(b).toString()).toBe('1');
        expect(new Decimal(o).times(100).toString()).toBe(new Decimal(String(objective)).toString());
      }),
    );
  });

  it('error-ratio expressions parse for every SLI kind and guard the denominator with > 0', () => {
    for (const c of fixtures) {
      for (const sla of c.slas) {
        for (const w of ['5m', '3d']) {
          const q = errorRatioExpr(sla, w);
          expect(hasSyntaxError(q), q).toBe(false);
          expect(q).toContain(`) > 0)`);
          expect(q).not.toContain('{{.window}}');
          expect(q).toContain(`[${w}]`);
        }
      }
    }
    const platform = byId('platform-api');
    // errors kind: errors / total, the error counter falling back to 0 × total when it has no series.
    expect(errorRatioExpr(platform.slas[0]!, '5m')).toBe(
      '((sum(rate(obligo_demo_requests_total{service="platform-api",code=~"5.."}[5m]))) or (0 * (sum(rate(obligo_demo_requests_total{service="platform-api"}[5m]))))) / ((sum(rate(obligo_demo_requests_total{service="platform-api"}[5m]))) > 0)',
    );
    // latency kind: 1 - good/total on the histogram's threshold bucket.
    expect(errorRatioExpr(platform.slas[1]!, '5m')).toBe(
      '1 - (((sum(rate(obligo_demo_request_duration_seconds_bucket{service="platform-api",le="0.3"}[5m]))) or (0 * (sum(rate(obligo_demo_request_duration_seconds_bucket{service="platform-api",le="+Inf"}[5m]))))) / ((sum(rate(obligo_demo_request_duration_seconds_bucket{service="platform-api",le="+Inf"}[5m]))) > 0))',
    );
  });
});

describe('burn alerts', () => {
  it('the default table gives three ObligoErrorBudgetBurn alerts: page 1h/5m 14.4, page 6h/30m 6, ticket 3d/6h 1', () => {
    const alerts = ruleFile(byId('acme-compute')).groups[0]!.rules.filter((r) => r.alert);
    expect(alerts.map((a) => a.alert)).toEqual(['ObligoErrorBudgetBurn', 'ObligoErrorBudgetBurn', 'ObligoErrorBudgetBurn']);
    expect(alerts.map((a) => [a.labels.severity, a.labels.long_window, a.labels.short_window])).toEqual([
      ['page', '1h', '5m'],
      ['page', '6h', '30m'],
      ['ticket', '3d', '6h'],
    ]);
    expect(alerts[0]!.expr).toBe(
      'obligo:burn_rate:rate1h{contract="acme-compute",sla="availability"} > 14.4\nand\nobligo:burn_rate:rate5m{contract="acme-compute",sla="availability"} > 14.4',
    );
    expect(alerts[0]!.labels).toEqual({
      contract: 'acme-compute',
      sla: 'availability',
      severity: 'page',
      long_window: '1h',
      short_window: '5m',
      team: 'infra',
      tier: 'critical',
    });
  });

  it('annotations name the vendor, the objective and the first escalation contact (lowest level)', () => {
    const a = ruleFile(byId('acme-compute')).groups[0]!.rules.find((r) => r.alert)!;
    expect(a.annotations.vendor).toBe('Acme Cloud, Inc.');
    expect(a.annotations.objective).toBe('99.99% per month');
    expect(a.annotations.escalation).toBe('Acme NOC (level 1): +1 555 0100, noc@acme.example; respond within 15 min');
    expect(a.annotations.contract_url).toBe('https://clm.example.com/contracts/1001');
    expect(a.annotations.dashboard_uid).toBe('sla-acme-compute-availability');
    expect(a.annotations.summary).toContain('14.4x');
    expect(a.annotations.description).toContain('error budget 0.01%');
    expect(a.annotations.description).toContain('2d 2h'); // 30 days / 14.4 = 50 hours
    // No contacts, no URL: no such annotations.
    const g = ruleFile(byId('globex-storage')).groups[0]!.rules.find((r) => r.alert)!;
    expect(g.annotations.escalation).toBeUndefined();
    expect(g.annotations.contract_url).toBeUndefined();
  });

  it('page: false and ticket: false drop those rows; a custom table records its extra windows', () => {
    const globex = ruleFile(byId('globex-storage')).groups[0]!.rules.filter((r) => r.alert);
    expect(globex.map((a) => a.labels.severity)).toEqual(['ticket']);
    const latency = ruleFile(byId('platform-api')).groups.find((g) => g.name.endsWith('/latency'))!;
    const alerts = latency.rules.filter((r) => r.alert);
    expect(alerts.map((a) => `${a.labels.severity} ${a.labels.long_window}/${a.labels.short_window}`)).toEqual(['page 4h/15m', 'page 1h/5m']);
    const records = latency.rules.filter((r) => r.record?.startsWith('obligo:sli_error_ratio:')).map((r) => r.record);
    expect(records).toEqual(['5m', '15m', '30m', '1h', '2h', '4h', '6h', '1d', '3d'].map((w) => `obligo:sli_error_ratio:rate${w}`));
  });

  it('every window an alert reads is recorded in the same group, before the alert (property over tables)', () => {
    const unit = fc.constantFrom('m', 'h', 'd');
    const dur = fc.tuple(fc.integer({ min: 1, max: 48 }), unit).map(([n, u]) => `${n}${u}`);
    const row = fc.record({ severity: fc.constantFrom('page', 'ticket'), long: dur, short: dur, factor: fc.double({ min: 0.5, max: 50, noNaN: true }).map((x) => Math.round(x * 10) / 10 || 1) });
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 5 }), fc.boolean(), fc.boolean(), (rows, page, ticket) => {
        const yaml = `{ page: ${page}, ticket: ${ticket}, burnRates: [${rows.map((r) => `{ severity: ${r.severity}, long: ${r.long}, short: ${r.short}, factor: ${r.factor} }`).join(', ')}] }`;
        const c = withAlerting(yaml);
        const [group] = contractRuleGroups(c);
        const seen = new Set<string>();
        let alerts = 0;
        for (const r of group!.rules) {
          if ('record' in r) {
            seen.add(r.record);
            continue;
          }
          alerts++;
          for (const m of r.expr.matchAll(/(obligo:[a-z_]+:[a-z0-9]+)\{/g)) expect(seen.has(m[1]!), m[1]).toBe(true);
        }
        const expected = rows.filter((r) => (r.severity === 'page' ? page : ticket)).length;
        expect(alerts).toBe(expected);
        // Recording rules read only recorded series that come earlier (same timestamp within a group).
        const names = new Set<string>();
        for (const r of group!.rules) {
          if (!('record' in r)) continue;
          for (const m of r.expr.matchAll(/(obligo:[a-z_]+:[a-z0-9]+)\{/g)) expect(names.has(m[1]!)).toBe(true);
          names.add(r.record);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('contract labels become alert labels only with valid names, never overriding obligo labels', () => {
    const avail = ruleFile(byId('platform-api')).groups.find((g) => g.name.endsWith('/availability'))!;
    const a = avail.rules.find((r) => r.alert)!;
    expect(a.labels.team).toBe('platform');
    expect(a.labels.tier).toBe('gold');
    expect(a.labels.severity).toBe('page'); // the SLA's `severity: low` label loses
    expect('not-a-label' in a.labels).toBe(false);
  });

  it('contract text is escaped for Go templates ({{ becomes {{ "{{" }}) and stays one line in the summary', () => {
    expect(escapeTemplate('a {{ b }} {{c')).toBe('a {{ "{{" }} b }} {{ "{{" }}c');
    expect(escapeTemplate('plain }} text')).toBe('plain }} text');
    const a = ruleFile(byId('platform-api')).groups[0]!.rules.find((r) => r.alert)!;
    expect(a.annotations.vendor).toBe('Example {{ "{{" }} .Corp }} "Platform"\nTeam');
    expect(a.annotations.summary).not.toContain('\n');
    expect(a.annotations.summary.startsWith('Example {{ "{{" }} .Corp }} "Platform" Team: ')).toBe(true);
  });
});

describe('files', () => {
  it('a header names the source file and its sha256 and explains the no-traffic rule; no timestamps', () => {
    const c = byId('acme-compute');
    const text = compilePrometheus([c], { prometheusFormat: 'prometheus' })[0]!.content;
    expect(text.split('\n')[0]).toBe(`# generated by obligo from test/golden/fixtures/acme-compute.yaml (sha256 ${c.hash}) — do not edit`);
    expect(text).toContain('(`/ (total > 0)`)');
    expect(text).not.toMatch(/20\d\d-\d\d-\d\dT/);
  });

  it('paths: prometheus/<id>.rules.yaml, or prometheus-operator/<id>.yaml', () => {
    expect(compilePrometheus(fixtures, { prometheusFormat: 'prometheus' }).map((f) => f.path)).toEqual(
      fixtures.map((c) => `prometheus/${c.id}.rules.yaml`),
    );
    expect(compilePrometheus(fixtures, { prometheusFormat: 'prometheus-operator' }).map((f) => f.path)).toEqual(
      fixtures.map((c) => `prometheus-operator/${c.id}.yaml`),
    );
  });

  it('the PrometheusRule resource carries the same groups as the rule file', () => {
    for (const c of fixtures) {
      const r = parse(compilePrometheus([c], { prometheusFormat: 'prometheus-operator' })[0]!.content);
      expect(r.apiVersion).toBe('monitoring.coreos.com/v1');
      expect(r.kind).toBe('PrometheusRule');
      expect(r.metadata).toEqual({
        name: `obligo-${c.id}`,
        labels: { 'app.kubernetes.io/managed-by': 'obligo', 'obligo.dev/contract': c.id },
      });
      expect(r.spec).toEqual(ruleFile(c));
    }
  });

  it('is deterministic: two compilations are byte-identical, whatever the input order', () => {
    const a = compilePrometheus(fixtures, { prometheusFormat: 'prometheus' });
    const b = compilePrometheus(fixtureContracts().reverse(), { prometheusFormat: 'prometheus' });
    const byPath = (fs: typeof a) => new Map(fs.map((f) => [f.path, f.content]));
    expect(byPath(b)).toEqual(byPath(a));
  });

  // Speed is measured by bench/validate-compile.ts, not asserted here (a timed unit test is flaky).
  it('compiles 1,000 contracts × 3 SLAs, one file each', () => {
    const base = byId('acme-compute');
    const sla = base.slas[0]!;
    const contracts: Contract[] = Array.from({ length: 1000 }, (_, i) => {
      const id = `c${i}`;
      return { ...base, id, slas: ['a', 'b', 'c'].map((s) => ({ ...sla, id: s, contractId: id, key: `${id}/${s}` })) };
    });
    const files = compilePrometheus(contracts, { prometheusFormat: 'prometheus' });
    expect(files).toHaveLength(1000);
    expect(files[999]!.content).toContain('obligo/c999/c');
  });
});
