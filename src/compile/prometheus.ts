// Prometheus output: per contract, one rule file (or one PrometheusRule resource) with, per SLA, the SLI
// error ratios over the recorded windows, the SLA constants, burn rates, and the multi-window
// multi-burn-rate alerts of its table, silenced during the contract's maintenance. Names come from
// src/conventions.ts, expressions from ./promql.ts.
import { Decimal } from 'decimal.js';
import type { Contract, Sla } from '../contract/model.js';
import type { EscalationDoc } from '../contract/schema.js';
import { slaDashboardUid } from './grafana.js';
import type { Compiler, CompileOptions, OutputFile } from './output.js';
import { toYaml, type YamlValue } from './yaml-writer.js';
import {
  activeBurnRates,
  ANNOTATION,
  BUDGET_RECORD,
  BURN_ALERT,
  burnRateRecord,
  errorRatioRecord,
  escalationAnnotation,
  LABEL,
  MAINTENANCE_ACTIVE_METRIC,
  OBJECTIVE_RECORD,
  RESERVED_ALERT_LABELS,
  SLA_INFO_RECORD,
  slaWindows,
} from '../conventions.js';
import { budgetRatio, burnAlertExpr, burnRateExpr, errorRatioExpr, objectiveRatio } from './promql.js';

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

const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Why quiet services never produce NaN; written into every generated file. */
export const NO_TRAFFIC_NOTE = [
  'No traffic: an error ratio is recorded only when the window had traffic (`/ (total > 0)`), so a quiet',
  'service has no obligo:sli_error_ratio:* or obligo:burn_rate:* sample (never NaN, never a guessed 0),',
  'and a burn alert, which needs both of its windows, stays silent. Every window is computed from the raw',
  'counters, not from shorter ratios, so a quiet spell cannot poison a long window. With traffic, a good or',
  'error query without series (no 5xx yet; no 2xx in a total outage) counts as 0 (`or 0 * total`).',
];

/** How maintenance silences the alerts; written into every generated file. */
export const MAINTENANCE_NOTE = [
  `Maintenance: burn alerts are dropped while \`obligo serve\` reports ${MAINTENANCE_ACTIVE_METRIC}{contract} 1`,
  "(and for the alert's short window after, whose errors still date from the maintenance). Without that",
  'series (serve not deployed) or with 0, nothing is silenced; other contracts are not affected.',
];

/** One group per SLA, rules in dependency order (a group evaluates its rules in sequence, same timestamp). */
export function slaRuleGroup(contract: Contract, sla: Sla, links: AlertLinks = {}): RuleGroup {
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
  for (const row of activeBurnRates(sla)) rules.push(burnAlert(contract, sla, row, links));
  return { name: `obligo/${contract.id}/${sla.id}`, rules };
}

export function contractRuleGroups(contract: Contract, links: AlertLinks = {}): RuleGroup[] {
  return contract.slas.map((sla) => slaRuleGroup(contract, sla, links));
}

function burnAlert(contract: Contract, sla: Sla, row: BurnRateRow, links: AlertLinks): AlertingRule {
  return {
    alert: BURN_ALERT,
    expr: burnAlertExpr(sla, row),
    labels: mapValues(alertLabels(contract, sla, row), escapeTemplate),
    annotations: mapValues(alertAnnotations(contract, sla, row, links), escapeTemplate),
  };
}

function mapValues(r: Record<string, string>, f: (v: string) => string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(r)) out[k] = f(v);
  return out;
}

/**
 * Labels of a burn alert (as Prometheus shows them, before template escaping): contract, sla, vendor,
 * severity, long_window, short_window, then the contract's and SLA's own labels (team, tier, …) for
 * routing; those only when the name is a valid label name that obligo does not set itself.
 */
export function alertLabels(contract: Contract, sla: Sla, row: BurnRateRow): Record<string, string> {
  const labels: Record<string, string> = {
    [LABEL.contract]: contract.id,
    [LABEL.sla]: sla.id,
    [LABEL.vendor]: contract.vendor,
    [LABEL.severity]: row.severity,
    [LABEL.longWindow]: row.long,
    [LABEL.shortWindow]: row.short,
  };
  for (const key of Object.keys(sla.labels).sort()) {
    if (!LABEL_NAME_RE.test(key) || key.startsWith('__') || RESERVED_ALERT_LABELS.has(key)) continue;
    labels[key] = sla.labels[key] as string;
  }
  return labels;
}

/** Base URLs for the links in alert annotations (`obligo compile --links-grafana/--links-runbooks`). */
export interface AlertLinks {
  /** Grafana's root URL; dashboards are at `<grafana>/d/<uid>`. */
  grafana?: string;
  /**
   * Runbooks: `{contract}` and `{sla}` in it are replaced by the ids; without them, `/<contract>/<sla>`
   * is appended.
   */
  runbooks?: string;
}

/** Used when no base URL is given: reserved `.invalid` hosts (RFC 2606), obviously not a real link. */
export const PLACEHOLDER_LINKS: Required<AlertLinks> = {
  grafana: 'https://grafana.invalid',
  runbooks: 'https://runbooks.invalid',
};

export function dashboardUrl(contractId: string, slaId: string, links: AlertLinks = {}): string {
  return `${trimSlash(links.grafana ?? PLACEHOLDER_LINKS.grafana)}/d/${slaDashboardUid(contractId, slaId)}`;
}

export function runbookUrl(contractId: string, slaId: string, links: AlertLinks = {}): string {
  const base = links.runbooks ?? PLACEHOLDER_LINKS.runbooks;
  if (base.includes('{contract}') || base.includes('{sla}')) {
    return base.split('{contract}').join(encodeURIComponent(contractId)).split('{sla}').join(encodeURIComponent(slaId));
  }
  return `${trimSlash(base)}/${encodeURIComponent(contractId)}/${encodeURIComponent(slaId)}`;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** One escalation contact as a line: "level 1: Acme NOC, +1 555 0100, noc@acme.example, respond within 15 min". */
export function escalationLine(e: EscalationDoc): string {
  const parts = [`level ${e.level}: ${e.name}`, e.phone, e.email, e.url];
  if (e.respondWithinMinutes !== undefined) parts.push(`respond within ${e.respondWithinMinutes} min`);
  return oneLine(parts.filter((x): x is string => !!x).join(', '));
}

/** The escalation list for machines: the contract's entries in level order, fields as in the contract. */
export function escalationJson(contract: Contract): string {
  return JSON.stringify(
    contract.escalation.map((e) => {
      const o: Record<string, string | number> = { level: e.level, name: e.name };
      if (e.phone !== undefined) o.phone = e.phone;
      if (e.email !== undefined) o.email = e.email;
      if (e.url !== undefined) o.url = e.url;
      if (e.respondWithinMinutes !== undefined) o.respondWithinMinutes = e.respondWithinMinutes;
      return o;
    }),
  );
}

/**
 * Alert annotations as they read once Prometheus has expanded them (the generated file escapes any
 * `{{` so that a vendor named "{{x}}" is not taken for a template). Static text only: no $value, so
 * the promtool tests can state them exactly. Every escalation contact in level order (`escalation_1`, …
 * as text, `escalation` as JSON), the runbook and dashboard links (placeholders without base URLs), the
 * signed document and its revision.
 */
export function alertAnnotations(contract: Contract, sla: Sla, row: BurnRateRow, links: AlertLinks = {}): Record<string, string> {
  const objective = `${sla.objective}%`;
  const budgetPercent = `${trimPercent(budgetRatio(sla.objective))}%`;
  const out: Record<string, string> = {
    [ANNOTATION.summary]: `${oneLine(contract.vendor)}: ${oneLine(sla.title)} is burning its error budget more than ${row.factor}x too fast (${row.long}/${row.short})`,
    [ANNOTATION.description]:
      `${oneLine(contract.title)}, SLA ${sla.key} with ${oneLine(contract.vendor)}: objective ${objective} per ${sla.period} (error budget ${budgetPercent}). ` +
      `The error ratio over the last ${row.long} and the last ${row.short} is above ${row.factor} times the budget; ` +
      `at that rate a 30-day budget is spent in ${spendTime(row.factor)}.`,
    [ANNOTATION.objective]: `${objective} per ${sla.period}`,
  };
  const owner = contract.doc.metadata.owner;
  if (owner) out[ANNOTATION.owner] = oneLine(owner.email ? `${owner.name} <${owner.email}>` : owner.name);
  contract.escalation.forEach((e, i) => {
    out[escalationAnnotation(i + 1)] = escalationLine(e);
  });
  if (contract.escalation.length) out[ANNOTATION.escalation] = escalationJson(contract);
  out[ANNOTATION.runbookUrl] = runbookUrl(contract.id, sla.id, links);
  out[ANNOTATION.dashboardUrl] = dashboardUrl(contract.id, sla.id, links);
  out[ANNOTATION.dashboardUid] = slaDashboardUid(contract.id, sla.id);
  if (contract.documentUrl) out[ANNOTATION.contractDocumentUrl] = contract.documentUrl;
  if (contract.revision !== undefined) out[ANNOTATION.contractRevision] = oneLine(contract.revision);
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
    '',
    ...MAINTENANCE_NOTE,
  ];
  return lines.map((l) => (l ? `# ${l}` : '#')).join('\n') + '\n';
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ');
}

export function prometheusRuleFile(contract: Contract, links: AlertLinks = {}): string {
  return header(contract) + toYaml({ groups: contractRuleGroups(contract, links) as unknown as YamlValue[] });
}

export function prometheusOperatorResource(contract: Contract, links: AlertLinks = {}): string {
  const resource = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: `obligo-${contract.id}`,
      labels: { 'app.kubernetes.io/managed-by': 'obligo', 'obligo.dev/contract': contract.id },
    },
    spec: { groups: contractRuleGroups(contract, links) },
  };
  return header(contract) + toYaml(resource as unknown as { [key: string]: YamlValue });
}

export const compilePrometheus: Compiler = (contracts: readonly Contract[], opts: CompileOptions): OutputFile[] => {
  const operator = opts.prometheusFormat === 'prometheus-operator';
  return contracts.map((c) =>
    operator
      ? { path: `prometheus-operator/${c.id}.yaml`, content: prometheusOperatorResource(c, opts.links) }
      : { path: `prometheus/${c.id}.rules.yaml`, content: prometheusRuleFile(c, opts.links) },
  );
};
