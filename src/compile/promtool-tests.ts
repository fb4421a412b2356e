// `promtool test rules` files for a contract's generated rules. The caller describes traffic minute by
// minute and states which alerts must fire when; this module only turns that into promtool's format
// (input series as counters, expected alerts with their exact labels and annotations). It does not
// decide when an alert should fire: that is the caller's ground truth, computed independently.
import { stringify } from 'yaml';
import type { Contract, Sla } from '../contract/model.js';
import { alertAnnotations, alertLabels, type BurnRateRow } from './prometheus.js';
import { BURN_ALERT, MAINTENANCE_ACTIVE_METRIC } from '../conventions.js';
import { promqlString } from './promql.js';

/** Requests in one minute: those between the sample at minute i and the one at minute i+1. */
export interface MinuteTraffic {
  total: number;
  bad: number;
}

export interface InputSeries {
  series: string;
  values: string;
}

/** Turns per-minute traffic of one SLA into counter series its SLI queries read. */
export type SeriesWriter = (sla: Sla, minutes: readonly MinuteTraffic[]) => InputSeries[];

export interface ExpectedAlert {
  sla: Sla;
  row: BurnRateRow;
}

export interface ExprExpectation {
  atMinute: number;
  expr: string;
  /** Expected samples: series in PromQL notation (`{contract="x"}`) and value; [] means "no sample". */
  samples: { labels: string; value: number }[];
}

export interface PromtoolScenario {
  name: string;
  /** The SLAs whose series carry the traffic (usually one). */
  slas: readonly Sla[];
  minutes: readonly MinuteTraffic[];
  /** For each checked minute, every burn alert that must be firing then (others must not). */
  alerts: { atMinute: number; firing: readonly ExpectedAlert[] }[];
  exprs?: ExprExpectation[];
  /** Further input series as they are (e.g. `maintenanceSeries`). */
  series?: readonly InputSeries[];
}

/**
 * Cumulative counter values for a per-minute count, in promtool's expanding notation: runs with a
 * constant increment become `start+stepxN` (N+1 values).
 */
export function counterValues(perMinute: readonly number[]): string {
  const values = [0];
  for (const n of perMinute) values.push((values[values.length - 1] as number) + n);
  return expandingNotation(values);
}

export function expandingNotation(values: readonly number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < values.length) {
    const start = values[i] as number;
    if (i + 1 >= values.length) {
      parts.push(String(start));
      break;
    }
    const step = (values[i + 1] as number) - start;
    let j = i + 1;
    while (j + 1 < values.length && (values[j + 1] as number) - (values[j] as number) === step) j++;
    parts.push(`${start}${step < 0 ? '-' : '+'}${Math.abs(step)}x${j - i}`);
    i = j + 1;
  }
  return parts.join(' ');
}

const SERVICE_RE = /service="([^"]+)"/;
const LE_RE = /le="([^"]+)"/;

/**
 * The series of the synthetic-metrics convention (docs: notes/metrics.md): a request counter
 * `obligo_demo_requests_total{service, code="200"|"500"}` and latency buckets
 * `obligo_demo_request_duration_seconds_bucket{service, le}`. Bad requests are 500s for request SLIs and
 * slower than the threshold for latency SLIs.
 */
export const demoSeriesWriter: SeriesWriter = (sla, minutes) => {
  const service = SERVICE_RE.exec(sla.sli.total)?.[1];
  const total = minutes.map((m) => m.total);
  const bad = minutes.map((m) => m.bad);
  const good = minutes.map((m) => m.total - m.bad);
  if (service && sla.sli.kind === 'latency' && sla.sli.total.includes('obligo_demo_request_duration_seconds_bucket')) {
    const le = LE_RE.exec(sla.sli.good)?.[1];
    if (!le) throw new Error(`${sla.key}: no le="…" matcher in the latency SLI`);
    const name = 'obligo_demo_request_duration_seconds_bucket';
    return [
      { series: `${name}{service="${service}",le="${le}"}`, values: counterValues(good) },
      { series: `${name}{service="${service}",le="+Inf"}`, values: counterValues(total) },
    ];
  }
  if (service && sla.sli.kind !== 'latency' && sla.sli.total.includes('obligo_demo_requests_total')) {
    const name = 'obligo_demo_requests_total';
    return [
      { series: `${name}{service="${service}",code="200"}`, values: counterValues(good) },
      { series: `${name}{service="${service}",code="500"}`, values: counterValues(bad) },
    ];
  }
  throw new Error(`${sla.key}: the SLI does not read the obligo_demo_* metrics; supply a SeriesWriter`);
};

/**
 * `obligo_maintenance_active{contract=…}` as \`obligo serve\` exports it, one sample a minute (value at
 * minute i = perMinute[i]), with the labels a scrape adds (job, instance) so that tests exercise
 * the rules' `on (contract)` matching.
 */
export function maintenanceSeries(contractId: string, perMinute: readonly (0 | 1)[]): InputSeries {
  return {
    series: `${MAINTENANCE_ACTIVE_METRIC}{contract=${promqlString(contractId)},instance="obligo-serve:9464",job="obligo"}`,
    values: expandingNotation(perMinute),
  };
}

function minutes(n: number): string {
  return `${n}m`;
}

/**
 * A promtool test file for one contract. `ruleFile` is the rule file's path as promtool should open
 * it, relative to the test file's directory.
 */
export function promtoolTestFile(
  contract: Contract,
  ruleFile: string,
  scenarios: readonly PromtoolScenario[],
  writer: SeriesWriter = demoSeriesWriter,
): string {
  const tests = scenarios.map((s) => {
    const seen = new Set<string>();
    const input_series: InputSeries[] = [];
    for (const sla of s.slas) {
      for (const series of writer(sla, s.minutes)) {
        if (seen.has(series.series)) continue;
        seen.add(series.series);
        input_series.push(series);
      }
    }
    for (const series of s.series ?? []) {
      if (seen.has(series.series)) throw new Error(`${s.name}: series ${series.series} given twice`);
      seen.add(series.series);
      input_series.push(series);
    }
    const test: Record<string, unknown> = {
      name: s.name,
      interval: '1m',
      input_series,
      alert_rule_test: s.alerts.map((a) => ({
        eval_time: minutes(a.atMinute),
        alertname: BURN_ALERT,
        exp_alerts: a.firing.map(({ sla, row }) => ({
          exp_labels: alertLabels(contract, sla, row),
          exp_annotations: alertAnnotations(contract, sla, row),
        })),
      })),
    };
    if (s.exprs?.length) {
      test.promql_expr_test = s.exprs.map((e) => ({
        expr: e.expr,
        eval_time: minutes(e.atMinute),
        exp_samples: e.samples.map((x) => ({ labels: x.labels, value: x.value })),
      }));
    }
    return test;
  });
  const head = `# generated by obligo from ${contract.file.replace(/[\r\n]+/g, ' ')} (sha256 ${contract.hash}) — do not edit\n`;
  return head + stringify({ rule_files: [ruleFile], evaluation_interval: '1m', tests }, { lineWidth: 0, minContentWidth: 0 });
}
