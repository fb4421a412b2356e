// The names Obligo's outputs and readers must agree on, in one place: recording-rule and alert names,
// the windows they are recorded for, the label and annotation names on rules and alerts, and the metrics
// `obligo serve` exports that rules and dashboards read. Compile (rules, dashboards, Alertmanager routes)
// and measure (status, credits, gate) both import from here, so a rename cannot leave one side behind.
// Changing a value here is a breaking change for every deployed rule file, dashboard and route.
import type { Sla } from './contract/model.js';
import { durationSeconds, SLI_WINDOWS } from './contract/model.js';
import { keptPer } from './kept.js';

// ---------------------------------------------------------------------------------------------------
// Labels

/** Label names on recorded series, alerts and `obligo serve` metrics. */
export const LABEL = {
  /** Contract id (`metadata.id`): on every recorded series, alert and serve metric. */
  contract: 'contract',
  /** SLA id within the contract: on every recorded series and alert. */
  sla: 'sla',
  /** The vendor's name (`parties.vendor.name`): on alerts and `obligo:sla_info`. */
  vendor: 'vendor',
  /** `page` or `ticket` (see SEVERITIES): on alerts, and what Alertmanager routes on. */
  severity: 'severity',
  /** Owning team: copied from the contract's or SLA's `labels.team` when present. */
  team: 'team',
  longWindow: 'long_window',
  shortWindow: 'short_window',
  /** Window of a serve burn-rate metric (`obligo_burn_rate{window="1h"}`). */
  window: 'window',
  /** ISO 4217 code of a serve money metric. */
  currency: 'currency',
  /** Enum label of `obligo_sla_state` (one series per state, 1 for the current one). */
  state: 'state',
  alertname: 'alertname',
} as const;

/** Alert severities, in the order of urgency: a page wakes someone, a ticket waits for working hours. */
export const SEVERITIES = ['page', 'ticket'] as const;
export type AlertSeverity = (typeof SEVERITIES)[number];

/** Labels obligo sets on its alerts itself; contract/SLA labels with these names are not copied onto alerts. */
export const RESERVED_ALERT_LABELS: ReadonlySet<string> = new Set([
  LABEL.contract,
  LABEL.sla,
  LABEL.vendor,
  LABEL.severity,
  LABEL.longWindow,
  LABEL.shortWindow,
  LABEL.alertname,
]);

// ---------------------------------------------------------------------------------------------------
// Recording rules and alerts

/**
 * Recorded series, named `level:metric:operations` like Sloth's `slo:sli_error:ratio_rate5m`:
 * - `obligo:sli_error_ratio:rate<w>`: fraction of bad events over window w (0..1).
 * - `obligo:burn_rate:rate<w>`: that ratio divided by the error budget (1 = spending exactly on budget).
 * - `obligo:slo_objective:ratio`, `obligo:error_budget:ratio`: constants of the SLA (0.9995, 0.0005).
 * - `obligo:sla_info`: constant 1 with descriptive labels (period, method, timezone, vendor, role).
 * Every series carries exactly `contract` and `sla` (plus whatever labels the SLI query itself keeps,
 * e.g. a `sum by (region)`); descriptive labels live on `obligo:sla_info` only.
 */
export const RECORD_PREFIX = 'obligo:';
export const errorRatioRecord = (window: string): string => `obligo:sli_error_ratio:rate${window}`;
export const burnRateRecord = (window: string): string => `obligo:burn_rate:rate${window}`;
export const OBJECTIVE_RECORD = 'obligo:slo_objective:ratio';
export const BUDGET_RECORD = 'obligo:error_budget:ratio';
export const SLA_INFO_RECORD = 'obligo:sla_info';

/** The multi-window multi-burn-rate alert: one rule per row of an SLA's burn-rate table. */
export const BURN_ALERT = 'ObligoErrorBudgetBurn';

/**
 * Annotation names on burn alerts. Alertmanager templates and the PagerDuty details read them by name
 * (`{{ .CommonAnnotations.runbook_url }}`), so they are part of the interface.
 */
export const ANNOTATION = {
  summary: 'summary',
  description: 'description',
  /** "99.95% per month". */
  objective: 'objective',
  /** Every escalation contact in level order, as a JSON array of the contract's `escalation[]` entries. */
  escalation: 'escalation',
  /** The internal risk owner (`metadata.owner`): "Name <email>". */
  owner: 'owner',
  runbookUrl: 'runbook_url',
  dashboardUrl: 'dashboard_url',
  dashboardUid: 'dashboard_uid',
  contractDocumentUrl: 'contract_document_url',
  contractRevision: 'contract_revision',
} as const;

/** `escalation_1`, `escalation_2`, …: the n-th escalation contact (1-based, level order) as one line of text. */
export const escalationAnnotation = (n: number): string => `escalation_${n}`;

// ---------------------------------------------------------------------------------------------------
// Windows

/** Windows for which every SLA's error ratio and burn rate are recorded (5m … 3d). */
export { SLI_WINDOWS };

/** The rows of the burn-rate table whose severity the SLA has not switched off, in table order. */
export function activeBurnRates(sla: Pick<Sla, 'alerting'>): Sla['alerting']['burnRates'] {
  const { page, ticket, burnRates } = sla.alerting;
  return burnRates.filter((r) => (r.severity === 'page' ? page : ticket));
}

/**
 * The windows recorded for an SLA: the standard ones plus every window its burn-rate table uses (a
 * custom table may name, say, 4h or 12h), ordered by length, then by spelling (60m and 1h are both
 * kept: the alert refers to the name as written).
 */
export function slaWindows(sla: Pick<Sla, 'alerting'>): string[] {
  // Asked per SLA on every serve tick: kept per alerting table.
  return keptWindows(sla.alerting).slice();
}

const keptWindows = keptPer((alerting: Sla['alerting']) => computeSlaWindows({ alerting }));

function computeSlaWindows(sla: Pick<Sla, 'alerting'>): string[] {
  const set = new Set<string>(SLI_WINDOWS);
  for (const row of activeBurnRates(sla)) {
    set.add(row.long);
    set.add(row.short);
  }
  return [...set].sort((a, b) => durationSeconds(a) - durationSeconds(b) || (a < b ? -1 : a > b ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------------
// Metrics exported by `obligo serve` (on /metrics) that rules and dashboards read

export interface ServeMetric {
  name: string;
  type: 'gauge';
  help: string;
  /** Label names, in this order. */
  labels: readonly string[];
}

function gauge(name: string, labels: readonly string[], help: string): ServeMetric {
  return { name, type: 'gauge', help, labels };
}

export const SERVE_METRICS = {
  /**
   * 1 while one of the contract's maintenance windows (one-off or recurring, in its time zone) is in
   * progress, else 0. The compiled burn alerts are silenced while it is 1 (and for the alert's short
   * window after it, whose errors still date from the maintenance); absent (serve not deployed) or 0
   * silences nothing.
   */
  maintenanceActive: gauge(
    'obligo_maintenance_active',
    [LABEL.contract],
    '1 while a maintenance window of the contract is in progress, else 0.',
  ),
  slaAchievedPercent: gauge(
    'obligo_sla_achieved_percent',
    [LABEL.contract, LABEL.sla],
    'Achieved percentage of the current period so far, by the SLA\'s measurement method, maintenance excluded.',
  ),
  errorBudgetRemainingRatio: gauge(
    'obligo_error_budget_remaining_ratio',
    [LABEL.contract, LABEL.sla],
    'Error budget remaining in the current period (1 = untouched, negative once breached).',
  ),
  burnRate: gauge('obligo_burn_rate', [LABEL.contract, LABEL.sla, LABEL.window], 'Error budget burn rate over a rolling window.'),
  slaState: gauge(
    'obligo_sla_state',
    [LABEL.contract, LABEL.sla, LABEL.state],
    'Current state of the SLA: 1 for the series of the current state (ok, at-risk, breached, no-data), 0 for the others.',
  ),
  dataCoverageRatio: gauge(
    'obligo_data_coverage_ratio',
    [LABEL.contract, LABEL.sla],
    'Measured minutes divided by minutes that should have been measured in the current period, maintenance excluded.',
  ),
  serviceCreditAmount: gauge(
    'obligo_service_credit_amount',
    [LABEL.contract, LABEL.sla, LABEL.currency],
    'Service credit owed for the current period so far, in the contract currency (no series when measured on incomplete data).',
  ),
  contractRenewalNoticeDays: gauge(
    'obligo_contract_renewal_notice_days',
    [LABEL.contract],
    'Days left until the renewal notice deadline of the contract (negative once passed).',
  ),
} as const satisfies Record<string, ServeMetric>;

export const MAINTENANCE_ACTIVE_METRIC = SERVE_METRICS.maintenanceActive.name;

/** The states `obligo_sla_state` enumerates. */
export const SLA_STATES = ['ok', 'at-risk', 'breached', 'no-data', 'outside-term'] as const;

// ---------------------------------------------------------------------------------------------------
// Notification

/**
 * Name of the PagerDuty routing key used for contracts that do not name their own
 * (`notify.pagerduty.routingKey`): an environment variable for `obligo serve`, a file of that name in
 * the routing-key directory for the generated Alertmanager receivers.
 */
export const DEFAULT_PAGERDUTY_ROUTING_KEY = 'OBLIGO_PAGERDUTY_ROUTING_KEY';
