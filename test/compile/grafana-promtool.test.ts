// The per-SLA dashboards' period-to-date queries, evaluated by Prometheus itself (`promtool test rules`)
// on hand-made series whose answers are worked out below by hand: a check of what the PromQL computes,
// not only that it parses. $__range is fixed to 60m, the evaluation time to 60m.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { overviewQueries, periodBudgetRemainingQuery, periodSliQuery } from '../../src/compile/grafana-queries.js';
import { fixtureContracts } from '../golden/fixtures-b/fixtures.js';
import { requireTool } from '../helpers/tools.js';

// Missing outside CI: skipped with the reason in the title; under CI=true: this file fails.
const promtoolTool = requireTool('promtool', [], 'install the Debian package prometheus');
const hasPromtool = promtoolTool.ok;

const contracts = fixtureContracts();
const sla = (c: string, s: string) => contracts.find((x) => x.id === c)!.slas.find((x) => x.id === s)!;
const at60m = (q: string) => q.split('$__range').join('60m');

const dir = mkdtempSync(join(tmpdir(), 'obligo-grafana-promtool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Case {
  expr: string;
  /** Expected value of a sample without labels, or the samples with their labels (promtool syntax). */
  value?: number;
  samples?: { labels: string; value: number }[];
}

function promtool(series: { series: string; values: string }[], cases: Case[]): { ok: boolean; output: string } {
  const file = join(dir, `t${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(
    file,
    stringify({
      rule_files: [],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: series,
          // promtool 2.42 compares floats exactly: compare at 6 decimals, rounded on both sides.
          promql_expr_test: cases.map((c) => ({
            expr: `round((${c.expr}) * 1e6)`,
            eval_time: '60m',
            exp_samples: (c.samples ?? [{ labels: '{}', value: c.value! }]).map((x) => ({ labels: x.labels, value: Math.round(x.value * 1e6) })),
          })),
        },
      ],
    }),
  );
  const r = spawnSync(promtoolTool.path!, ['test', 'rules', file], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}\n${r.stderr}` };
}

// 60 minutes of traffic: 100 good requests a minute throughout; from minute 41 on, 50 errors a minute too.
const requests = (service: string) => [
  { series: `obligo_demo_requests_total{service="${service}",code="200"}`, values: '0+100x60' },
  { series: `obligo_demo_requests_total{service="${service}",code="500"}`, values: '0+0x40 50+50x19' },
];

describe.skipIf(!hasPromtool)(`period-to-date queries evaluated by promtool${promtoolTool.skipNote}`, () => {
  it('timeslices (1m slices, good when ≥ 0.95): 40 good of 60 slices', () => {
    // Minutes 1–40: ratio 1 (good); minutes 41–60: 100/150 = 0.667 (bad) → 40/60.
    // Budget remaining with objective 99.99: 1 − (1 − 2/3) / 0.0001 = −3332.333…
    const s = sla('acme-compute', 'availability');
    const r = promtool(requests('compute'), [
      { expr: at60m(periodSliQuery(s)), value: 40 / 60 },
      { expr: at60m(periodBudgetRemainingQuery(s)), value: 1 - (1 - 40 / 60) / 0.0001 },
    ]);
    expect(r.ok, r.output).toBe(true);
  });

  it('averaged (5m slices): mean error ratio 4 × (1/3) / 12 = 1/9', () => {
    // Slices end at 5, 10, …, 60 min; those ending 45–60 have 50 errors of 150 requests a minute.
    const s = sla('platform-api', 'availability');
    const r = promtool(requests('platform-api'), [
      { expr: at60m(periodSliQuery(s)), value: 1 - 1 / 9 },
      { expr: at60m(periodBudgetRemainingQuery(s)), value: 1 - 1 / 9 / 0.0005 },
    ]);
    expect(r.ok, r.output).toBe(true);
  });

  it('events (latency histogram): 90 of 100 requests under 0.3 s', () => {
    const s = sla('platform-api', 'latency');
    const r = promtool(
      [
        { series: 'obligo_demo_request_duration_seconds_bucket{service="platform-api",le="0.3"}', values: '0+90x60' },
        { series: 'obligo_demo_request_duration_seconds_bucket{service="platform-api",le="+Inf"}', values: '0+100x60' },
      ],
      [
        { expr: at60m(periodSliQuery(s)), value: 0.9 },
        { expr: at60m(periodBudgetRemainingQuery(s)), value: 1 - 0.1 / 0.01 },
      ],
    );
    expect(r.ok, r.output).toBe(true);
  });

  it('overview: burn and budget remaining over the range from the recorded 5m ratios', () => {
    // Two SLAs, samples at minutes 1–60 (none at 0, so the answer does not depend on whether the range
    // includes its left end): a/x has ratio 0 for 30 minutes then 0.001 (budget 0.001) → mean 0.0005,
    // burn 0.5; b/y has a constant 0.002 with budget 0.001 → burn 2, over budget. Its SLI keeps a
    // `region` label, so ratio and budget series match many-to-one.
    const all = (q: string) => at60m(q).split('$contract').join('.+');
    const series = [
      { series: 'obligo:sli_error_ratio:rate5m{contract="a",sla="x"}', values: '_ 0x29 0.001x30' },
      { series: 'obligo:error_budget:ratio{contract="a",sla="x"}', values: '_ 0.001x59' },
      { series: 'obligo:sli_error_ratio:rate5m{contract="b",sla="y",region="eu"}', values: '_ 0.002x59' },
      { series: 'obligo:error_budget:ratio{contract="b",sla="y"}', values: '_ 0.001x59' },
    ];
    const a = '{contract="a",sla="x"}';
    const b = '{contract="b",sla="y",region="eu"}';
    const r = promtool(series, [
      { expr: all(overviewQueries.rangeBurn), samples: [{ labels: a, value: 0.5 }, { labels: b, value: 2 }] },
      { expr: all(overviewQueries.rangeBudgetRemaining), samples: [{ labels: a, value: 0.5 }, { labels: b, value: -1 }] },
      { expr: all(overviewQueries.budgetExhausted), value: 1 },
    ]);
    expect(r.ok, r.output).toBe(true);
  });

  it('fails when the expected value is wrong (the harness can fail)', () => {
    const r = promtool(requests('compute'), [{ expr: at60m(periodSliQuery(sla('acme-compute', 'availability'))), value: 41 / 60 }]);
    expect(r.ok).toBe(false);
  });
});
