// Prometheus output: per contract, one rule file (or one PrometheusRule resource) with, per SLA, the SLI
// error ratios over the recorded windows, the SLA constants, burn rates, and the multi-window
// multi-burn-rate alerts of its table. Names and expressions come from ./promql.ts.
import { Decimal } from 'decimal.js';
import type { Contract, Sla } from '../contract/model.js';
import { slaDashboardUid } from './grafana.js';
import type { Compiler, CompileOptions, OutputFile } from './output.js';
import { toYaml, type YamlValue } from './yaml-writer.js';
import {
  activeBurnRates,
  budgetRatio,
  BUDGET_RECORD,
  BURN_ALERT,
  burnAlertExpr,
  burnRateExpr,
  burnRateRecord,
  errorRatioExpr,
  errorRatioRecord,
  objectiveRatio,
  OBJECTIVE_RECORD,
  SLA_INFO_RECORD,
  slaWindows,
} from './promql.js';

export interface RecordingRule {
  record: string;
  expr: string;
  labels: Record<string, string>;
}

export interface AlertingRule {
  alert: string;
  expr: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export type Rule = RecordingRule | AlertingRule;

export interface RuleGroup {
  name: string;
  rules: Rule[];
}

export type BurnRateRow = Sla['alerting']['burnRates'][number];

/** Labels obligo sets itself; contract/SLA labels with these names are not copied onto alerts. */
const RESERVED_LABELS = new Set(['contract', 'sla', 'severity', 'long_window', 'short_window', 'alertname']);
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Why quiet services never produce NaN; written into every generated file. */
export const NO_TRAFFIC_NOTE = [
  'No traffic: an error ratio is recorded only when the window had traffic (`/ (total > 0)`), so a quiet',
  'service has no obligo:sli_error_ratio:* or obligo:burn_rate:* sample (never NaN, never a guessed 0),',
  'and a burn alert, which needs both of its windows, stays silent. Every window is computed from the raw',
  'counters, not from shorter ratios, so a quiet spell cannot poison a long window. With traffic, a good or',
  'error query without series (no 5xx yet; no 2xx in a total outage) counts as 0 (`or 0 * total`).',
];

/** One group per SLA, rules in dependency order (a group evaluates its rules in sequence, same timestamp). */
export function slaRuleGroup(contract: Contract, sla: Sla): RuleGroup {
  const sel = { contract: contract.id, sla: sla.id };
  const rules: Rule[] = [
    { record: OBJECTIVE_RECORD, expr: `vector(${objectiveRatio(sla.objective)})`, labels: { ...sel } },
    { record: BUDGET_RECORD, expr: `vector(${budgetRatio(sla.objective)})`, labels: { ...sel } },
    {
      record: SLA_INFO_RECORD,
      expr: 'vector(1)',
      labels: {
        ...sel,
        method: sla.measurement.method,
        period: sla.period,
        role: contract.role,
        timezone: contract.timezone,
        vendor: contract.vendor,
      },
    },
  ];
  const windows = slaWindows(sla);
  for (const w of windows) rules.push({ record: errorRatioRecord(w), expr: errorRatioExpr(sla, w), labels: { ...sel } });
  for (const w of windows) rules.push({ record: burnRateRecord(w), expr: burnRateExpr(sla, w), labels: { ...sel } });
  for (const row of activeBurnRates(sla)) rules.push(burnAlert(contract, sla, row));
  return { name: `obligo/${contract.id}/${sla.id}`, rules };
}

export function contractRuleGroups(contract: Contract): RuleGroup[] {
  return contract.slas.map((sla) => slaRuleGroup(contract, sla));
}

function burnAlert(contract: Contract, sla: Sla, row: BurnRateRow): AlertingRule {
  return {
    alert: BURN_ALERT,
    expr: burnAlertExpr(sla, row),
    labels: mapValues(alertLabels(contract, sla, row), escapeTemplate),
    annotations: mapValues(alertAnnotations(contract, sla, row), escapeTemplate),
  };
}

function mapValues(r: Record<string, string>, f: (v: string) => string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(r)) out[k] = f(v);
  return out;
}

/**
 * Labels of a burn alert (as Prometheus shows them, before template escaping): contract, sla, severity,
 * long_window, short_window, then the contract's and SLA's own labels (team, tier, …) for routing; those
 * only when the name is a valid label name that obligo does not set itself.
 */
export function alertLabels(contract: Contract, sla: Sla, row: BurnRateRow): Record<string, string> {
  const labels: Record<string, string> = {
    contract: contract.id,
    sla: sla.id,
    severity: row.severity,
    long_window: row.long,
    short_window: row.short,
  };
  for (const key of Object.keys(sla.labels).sort()) {
    if (!LABEL_NAME_RE.test(key) || key.startsWith('__') || RESERVED_LABELS.has(key)) continue;
    labels[key] = sla.labels[key] as string;
  }
  return labels;
}

/**
 * Alert annotations as they read once Prometheus has expanded them (the generated file escapes any
 * `{{` so that a vendor named "{{x}}" is not taken for a template). Static text only: no $value, so
 * the promtool tests can state them exactly.
 */
export function alertAnnotations(contract: Contract, sla: Sla, row: BurnRateRow): Record<string, string> {
  const objective = `${sla.objective}%`;
  const budgetPercent = `${trimPercent(budgetRatio(sla.objective))}%`;
  const out: Record<string, string> = {
    summary: `${oneLine(contract.vendor)}: ${oneLine(sla.title)} is burning its error budget more than ${row.factor}x too fast (${row.long}/${row.short})`,
    description:
      `${oneLine(contract.title)}, SLA ${sla.key}: objective ${objective} per ${sla.period} (error budget ${budgetPercent}). ` +
      `The error ratio over the last ${row.long} and the last ${row.short} is above ${row.factor} times the budget; ` +
      `at that rate a 30-day budget is spent in ${spendTime(row.factor)}.`,
    vendor: contract.vendor,
    objective: `${objective} per ${sla.period}`,
  };
  const first = contract.escalation[0];
  if (first) {
    const reach = [first.phone, first.email, first.url].filter((x): x is string => !!x).join(', ');
    const within = first.respondWithinMinutes !== undefined ? `; respond within ${first.respondWithinMinutes} min` : '';
    out.escalation = `${first.name} (level ${first.level})${reach ? `: ${reach}` : ''}${within}`;
  }
  if (contract.documentUrl) out.contract_url = contract.documentUrl;
  // The SLA's Grafana dashboard (compile/grafana.ts); Grafana's base URL is not known here, so the
  // uid, for an Alertmanager template to turn into <grafana>/d/<uid>.
  out.dashboard_uid = slaDashboardUid(contract.id, sla.id);
  return out;
}

/** "0.0005" → "0.05": the budget fraction as a percent, exact. */
function trimPercent(fraction: string): string {
  return new Decimal(fraction).times(100).toFixed();
}

/** 30 days / factor, as "2d 2h", "50h", "5d", "30d". */
function spendTime(factor: number): string {
  const minutes = Math.round((30 * 24 * 60) / factor);
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  const parts = [d ? `${d}d` : '', h ? `${h}h` : '', m ? `${m}m` : ''].filter(Boolean);
  return parts.length ? parts.join(' ') : '0m';
}

/** Go text/template treats `{{` as an action; a literal one is written {{ "{{" }}. */
export function escapeTemplate(s: string): string {
  return s.includes('{{') ? s.split('{{').join('{{ "{{" }}') : s;
}

function header(contract: Contract): string {
  const lines = [
    `generated by obligo from ${oneLine(contract.file)} (sha256 ${contract.hash}) — do not edit`,
    `contract ${contract.id}: ${oneLine(contract.title)}`,
    '',
    ...NO_TRAFFIC_NOTE,
  ];
  return lines.map((l) => (l ? `# ${l}` : '#')).join('\n') + '\n';
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ');
}

export function prometheusRuleFile(contract: Contract): string {
  return header(contract) + toYaml({ groups: contractRuleGroups(contract) as unknown as YamlValue[] });
}

export function prometheusOperatorResource(contract: Contract): string {
  const resource = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: `obligo-${contract.id}`,
      labels: { 'app.kubernetes.io/managed-by': 'obligo', 'obligo.dev/contract': contract.id },
    },
    spec: { groups: contractRuleGroups(contract) },
  };
  return header(contract) + toYaml(resource as unknown as { [key: string]: YamlValue });
}

export const compilePrometheus: Compiler = (contracts: readonly Contract[], opts: CompileOptions): OutputFile[] => {
  const operator = opts.prometheusFormat === 'prometheus-operator';
  return contracts.map((c) =>
    operator
      ? { path: `prometheus-operator/${c.id}.yaml`, content: prometheusOperatorResource(c) }
      : { path: `prometheus/${c.id}.rules.yaml`, content: prometheusRuleFile(c) },
  );
};
