// Structure of the generated Prometheus rules: names, labels, windows, alerts per table row, escaping,
// decimal literals, the operator resource, determinism and speed. Whether the rules *behave* is checked
// by promtool in prometheus-rules.test.ts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Contract } from '../../src/contract/model.js';
import { slaDashboardUid } from '../../src/compile/grafana.js';
import {
  compilePrometheus,
  contractRuleGroups,
  dashboardUrl,
  escapeTemplate,
  PLACEHOLDER_LINKS,
  runbookUrl,
  type AlertingRule,
  type RecordingRule,
} from '../../src/compile/prometheus.js';
import { promtoolTestFile } from '../../src/compile/promtool-tests.js';
import {
  budgetRatio,
  errorRatioExpr,
  errorRatioRecord as promqlErrorRatioRecord,
  objectiveRatio,
  slaWindows as promqlSlaWindows,
} from '../../src/compile/promql.js';
import { ANNOTATION, errorRatioRecord, LABEL, MAINTENANCE_ACTIVE_METRIC, SERVE_METRICS, slaWindows } from '../../src/conventions.js';
import { contractFromYaml, fixtureContracts } from '../golden/fixtures/contracts.js';
import { requireTool } from '../helpers/tools.js';
import { scenariosFor } from '../rules/reference.js';

const promtool = requireTool('promtool');

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
      [
        '(',
        '  obligo:burn_rate:rate1h{contract="acme-compute",sla="availability"} > 14.4',
        'and',
        '  obligo:burn_rate:rate5m{contract="acme-compute",sla="availability"} > 14.4',
        ')',
        'unless on (contract)',
        '  max_over_time(obligo_maintenance_active{contract="acme-compute"}[5m]) == 1',
      ].join('\n'),
    );
    // The maintenance look-back is each row's own short window.
    expect(alerts[2]!.expr).toContain('max_over_time(obligo_maintenance_active{contract="acme-compute"}[6h]) == 1');
    expect(alerts[0]!.labels).toEqual({
      contract: 'acme-compute',
      sla: 'availability',
      vendor: 'Acme Cloud, Inc.',
      severity: 'page',
      long_window: '1h',
      short_window: '5m',
      team: 'infra',
      tier: 'critical',
    });
  });

  it('annotations: summary and description name vendor and SLA; every contact in level order, as text and JSON', () => {
    const a = ruleFile(byId('acme-compute')).groups[0]!.rules.find((r) => r.alert)!;
    expect(a.annotations.summary).toBe('Acme Cloud, Inc.: Monthly Uptime Percentage is burning its error budget more than 14.4x too fast (1h/5m)');
    expect(a.annotations.description).toContain('SLA acme-compute/availability with Acme Cloud, Inc.');
    expect(a.annotations.description).toContain('error budget 0.01%');
    expect(a.annotations.description).toContain('2d 2h'); // 30 days / 14.4 = 50 hours
    expect(a.annotations.objective).toBe('99.99% per month');
    expect(a.annotations.owner).toBe('Jane Doe <jane@example.com>');
    // The fixture lists level 2 before level 1: the annotations follow the levels.
    expect(a.annotations.escalation_1).toBe('level 1: Acme NOC, +1 555 0100, noc@acme.example, respond within 15 min');
    expect(a.annotations.escalation_2).toBe('level 2: Acme duty manager, +1 555 0199, duty@acme.example, respond within 60 min');
    expect(a.annotations.escalation_3).toBeUndefined();
    expect(JSON.parse(a.annotations.escalation!)).toEqual([
      { level: 1, name: 'Acme NOC', phone: '+1 555 0100', email: 'noc@acme.example', respondWithinMinutes: 15 },
      { level: 2, name: 'Acme duty manager', phone: '+1 555 0199', email: 'duty@acme.example', respondWithinMinutes: 60 },
    ]);
    expect(a.annotations.contract_document_url).toBe('https://clm.example.com/contracts/1001');
    expect(a.annotations.contract_revision).toBe('v3');
    expect(a.annotations.dashboard_uid).toBe('sla-acme-compute-availability');
    expect('vendor' in a.annotations).toBe(false); // a label now
    // No contacts, no owner, no URL, no revision: no such annotations; the links are always there.
    const g = ruleFile(byId('globex-storage')).groups[0]!.rules.find((r) => r.alert)!;
    for (const k of ['escalation', 'escalation_1', 'owner', 'contract_document_url', 'contract_revision']) expect(g.annotations[k], k).toBeUndefined();
    expect(g.annotations.runbook_url).toBe('https://runbooks.invalid/globex-storage/availability');
  });

  it('links: placeholders on reserved .invalid hosts by default, the given base URLs otherwise', () => {
    const acme = byId('acme-compute');
    const annotations = (links?: { grafana?: string; runbooks?: string }) =>
      (parse(compilePrometheus([acme], { prometheusFormat: 'prometheus', links })[0]!.content).groups[0].rules as AlertingRule[]).find((r) => r.alert)!
        .annotations;
    expect(annotations()).toMatchObject({
      dashboard_url: 'https://grafana.invalid/d/sla-acme-compute-availability',
      runbook_url: 'https://runbooks.invalid/acme-compute/availability',
    });
    expect(annotations({ grafana: 'https://grafana.example.com/', runbooks: 'https://wiki.example.com/runbooks/' })).toMatchObject({
      dashboard_url: 'https://grafana.example.com/d/sla-acme-compute-availability',
      runbook_url: 'https://wiki.example.com/runbooks/acme-compute/availability',
    });
    expect(annotations({ runbooks: 'https://wiki.example.com/display/SLA/{contract}#{sla}' }).runbook_url).toBe(
      'https://wiki.example.com/display/SLA/acme-compute#availability',
    );
    // The uid is the Grafana compiler's (shortened with a hash when long).
    expect(dashboardUrl('a'.repeat(30), 'b'.repeat(30), { grafana: 'https://g' })).toBe(`https://g/d/${slaDashboardUid('a'.repeat(30), 'b'.repeat(30))}`);
    expect(runbookUrl('c', 's')).toBe(`${PLACEHOLDER_LINKS.runbooks}/c/s`);
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

  it('contract text is escaped for Go templates ({{ becomes {{ "{{" }}) in labels and annotations, and stays one line in the summary', () => {
    expect(escapeTemplate('a {{ b }} {{c')).toBe('a {{ "{{" }} b }} {{ "{{" }}c');
    expect(escapeTemplate('plain }} text')).toBe('plain }} text');
    const a = ruleFile(byId('platform-api')).groups[0]!.rules.find((r) => r.alert)!;
    // Read back from the YAML: quotes, the backslash and the newline survive; only "{{" is rewritten.
    expect(a.labels.vendor).toBe('Example {{ "{{" }} .Corp }} "Platform" \\ Ops\nTeam');
    expect(a.annotations.summary).not.toContain('\n');
    expect(a.annotations.summary.startsWith('Example {{ "{{" }} .Corp }} "Platform" \\ Ops Team: ')).toBe(true);
    expect(a.annotations.escalation_1).toBe('level 1: Platform "on-call" \\ {{ "{{" }} .L1 }}, oncall@example.com');
    expect(a.annotations.escalation_2).toBe('level 2: Platform lead, +49 30 555 0100, https://example.com/escalate?a=1&b=2, respond within 30 min');
    // The JSON annotation is valid JSON once Prometheus has expanded the template escape.
    const expanded = a.annotations.escalation!.split('{{ "{{" }}').join('{{');
    expect(JSON.parse(expanded)[0]).toEqual({ level: 1, name: 'Platform "on-call" \\ {{ .L1 }}', email: 'oncall@example.com' });
  });
});

describe.skipIf(!promtool.ok)(`the alert rules under promtool${promtool.skipNote}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'obligo-prom-alerts-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (name: string, rules: string, test: object) => {
    writeFileSync(join(dir, `${name}.rules.yaml`), rules);
    writeFileSync(join(dir, `${name}.test.yaml`), stringify({ rule_files: [`${name}.rules.yaml`], evaluation_interval: '1m', tests: [test] }));
    const r = spawnSync(promtool.path!, ['test', 'rules', `${name}.test.yaml`], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
  };

  it('labels reach Prometheus exactly: quotes, backslash, newline and "{{" in the vendor name (hand-written expectation)', () => {
    const platform = byId('platform-api');
    const rules = compilePrometheus([platform], { prometheusFormat: 'prometheus' })[0]!.content;
    // 100% errors from the start: after 10 minutes, page 1h/5m fires (the 1h window holds only errors).
    const test = {
      interval: '1m',
      input_series: [
        { series: 'obligo_demo_requests_total{service="platform-api",code="500"}', values: '0+60x20' },
        { series: 'obligo_demo_requests_total{service="platform-api",code="200"}', values: '0+0x20' },
      ],
      promql_expr_test: [
        {
          expr: 'ALERTS{alertname="ObligoErrorBudgetBurn",alertstate="firing",long_window="1h"}',
          eval_time: '10m',
          exp_samples: [
            {
              // PromQL notation, written by hand: \" and \\ and \n are escapes of the label value.
              labels:
                'ALERTS{alertname="ObligoErrorBudgetBurn",alertstate="firing",contract="platform-api",sla="availability",' +
                'vendor="Example {{ .Corp }} \\"Platform\\" \\\\ Ops\\nTeam",severity="page",long_window="1h",short_window="5m",team="platform",tier="gold"}',
              value: 1,
            },
          ],
        },
      ],
    };
    const r = run('labels', rules, test);
    expect(r.ok, r.out).toBe(true);
    // The check can fail: one character off in the vendor.
    const wrong = JSON.parse(JSON.stringify(test));
    wrong.promql_expr_test[0].exp_samples[0].labels = wrong.promql_expr_test[0].exp_samples[0].labels.replace('Ops', 'Opz');
    expect(run('labels-wrong', rules, wrong).ok).toBe(false);
  });

  describe('maintenance: the scenario fails for rules that silence wrongly (each clause is needed)', () => {
    const acme = byId('acme-compute');
    const sla = acme.slas[0]!;
    const scenario = scenariosFor(acme, [sla]).find((s) => s.name.includes('maintenance (minutes 55-80)'))!;
    const rules = compilePrometheus([acme], { prometheusFormat: 'prometheus' })[0]!.content;
    const check = (name: string, r: string) => {
      writeFileSync(join(dir, `${name}.rules.yaml`), r);
      writeFileSync(join(dir, `${name}.test.yaml`), promtoolTestFile(acme, `${name}.rules.yaml`, [scenario]));
      const p = spawnSync(promtool.path!, ['test', 'rules', `${name}.test.yaml`], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
      return { ok: p.status === 0, out: `${p.stdout}${p.stderr}` };
    };

    it('the compiled rules pass; the scenario pages after maintenance and holds the other contract in maintenance', () => {
      expect(scenario.series!.map((s) => s.series)).toEqual([
        'obligo_maintenance_active{contract="acme-compute",instance="obligo-serve:9464",job="obligo"}',
        'obligo_maintenance_active{contract="some-other-contract",instance="obligo-serve:9464",job="obligo"}',
      ]);
      const during = scenario.alerts.filter((a) => a.atMinute > 60 && a.atMinute <= 80);
      expect(during.length).toBeGreaterThan(0);
      for (const a of during) expect(a.firing, `minute ${a.atMinute}`).toEqual([]);
      expect(scenario.alerts.some((a) => a.firing.some((f) => f.row.severity === 'page'))).toBe(true);
      const r = check('maint', rules);
      expect(r.ok, r.out).toBe(true);
    });

    it('without the maintenance clause: pages during maintenance', () => {
      const r = rules.replace(/\n\s*\)\n\s*unless on \(contract\)\n[^\n]*/g, '\n  )').replace(/\(\n(\s*)obligo:burn_rate/g, '(\n$1obligo:burn_rate');
      expect(r).not.toContain('unless');
      expect(check('no-clause', r).ok).toBe(false);
    });

    it('`unless` without `on (contract)`: the scrape labels (job, instance) never match, nothing is silenced', () => {
      const r = rules.split('unless on (contract)').join('unless');
      expect(check('no-on', r).ok).toBe(false);
    });

    it('other contracts: `on (contract)` alone keeps them apart; with no contract matching at all, they silence this one', () => {
      const noMatcher = rules.replace(/obligo_maintenance_active\{contract="[^"]*"\}/g, 'obligo_maintenance_active');
      expect(noMatcher).not.toMatch(/obligo_maintenance_active\{contract="/);
      expect(check('no-matcher', noMatcher).ok).toBe(true);
      expect(check('on-nothing', noMatcher.split('unless on (contract)').join('unless on ()')).ok).toBe(false);
    });

    it('no look-back (`obligo_maintenance_active == 1`): pages the moment maintenance ends', () => {
      const r = rules.replace(/max_over_time\((obligo_maintenance_active\{[^}]*\})\[[^\]]+\]\)/g, '$1');
      expect(r).not.toContain('max_over_time');
      expect(check('no-lookback', r).ok).toBe(false);
    });
  });
});

describe('conventions (src/conventions.ts)', () => {
  it('metric, label and annotation names are valid Prometheus names; serve metrics are gauges with unique names', () => {
    const metricRe = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
    const labelRe = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
    for (const l of Object.values(LABEL)) expect(l).toMatch(labelRe);
    for (const a of Object.values(ANNOTATION)) expect(a).toMatch(labelRe);
    const metrics = Object.values(SERVE_METRICS);
    expect(new Set(metrics.map((m) => m.name)).size).toBe(metrics.length);
    for (const m of metrics) {
      expect(m.name).toMatch(/^obligo_[a-z_]+$/);
      expect(m.type).toBe('gauge');
      expect(m.labels[0]).toBe('contract');
      for (const l of m.labels) expect(l).toMatch(labelRe);
    }
    expect(MAINTENANCE_ACTIVE_METRIC).toBe('obligo_maintenance_active');
    expect(SERVE_METRICS.burnRate.labels).toEqual(['contract', 'sla', 'window']);
    expect(SERVE_METRICS.serviceCreditAmount.labels).toContain('currency');
  });

  it('the rules use the conventions: alert labels, annotation names, the maintenance metric', () => {
    const f = ruleFile(byId('acme-compute'));
    const alert = f.groups[0]!.rules.find((r) => r.alert)!;
    for (const l of [LABEL.contract, LABEL.sla, LABEL.vendor, LABEL.severity, LABEL.longWindow, LABEL.shortWindow]) expect(alert.labels).toHaveProperty(l);
    for (const a of [ANNOTATION.summary, ANNOTATION.escalation, ANNOTATION.runbookUrl, ANNOTATION.dashboardUrl]) expect(alert.annotations).toHaveProperty(a);
    expect(alert.expr).toContain(`${MAINTENANCE_ACTIVE_METRIC}{contract="acme-compute"}`);
    // promql.ts still exports the names measure imports (re-exported from conventions).
    expect(promqlErrorRatioRecord).toBe(errorRatioRecord);
    expect(promqlSlaWindows).toBe(slaWindows);
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
