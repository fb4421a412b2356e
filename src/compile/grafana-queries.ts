// PromQL for the dashboards. Rolling windows read the series the Prometheus rules record (names from
// src/conventions.ts, so dashboards and rules cannot drift); period-to-date numbers on the per-SLA dashboard are
// computed from the SLA's own SLI templates over the dashboard range ($__range), with the measurement
// method's slices as subquery steps. Those are a live view: no maintenance exclusion, no
// minConsecutiveBadSlices, slices without traffic left out. The evaluator's numbers are the ones of record.
import type { Sla } from '../contract/model.js';
import { cleanRatio } from './openslo.js';
import { BUDGET_RECORD, BURN_ALERT, burnRateRecord, errorRatioRecord, OBJECTIVE_RECORD } from '../conventions.js';
import { budgetRatio, errorRatioExpr, objectiveRatio, promqlString, slaMatchers } from './promql.js';

/** Grafana's range variable: the whole dashboard time range, e.g. "this month so far". */
export const RANGE = '$__range';

/** Matcher for the overview's multi-select `contract` variable. */
export const CONTRACT_FILTER = '{contract=~"$contract"}';

export const overviewQueries = {
  slaCount: `count(${OBJECTIVE_RECORD}${CONTRACT_FILTER}) or vector(0)`,
  firingBurnAlerts: `count(ALERTS{alertname=${promqlString(BURN_ALERT)},alertstate="firing",contract=~"$contract"}) or vector(0)`,
  burningOverBudget1d: `count(${burnRateRecord('1d')}${CONTRACT_FILTER} > 1) or vector(0)`,
  objective: `${OBJECTIVE_RECORD}${CONTRACT_FILTER}`,
  sli1d: `1 - ${errorRatioRecord('1d')}${CONTRACT_FILTER}`,
  /**
   * Mean of the 5m error ratios over the range, in budgets: the "averaged" reading of every SLA.
   * `group_left`: an SLI that keeps labels of its own (`sum by (region)`) has several ratio series per
   * budget series.
   */
  rangeBurn: `avg_over_time(${errorRatioRecord('5m')}${CONTRACT_FILTER}[${RANGE}]) / on (contract, sla) group_left ${BUDGET_RECORD}${CONTRACT_FILTER}`,
  rangeBudgetRemaining: `1 - (avg_over_time(${errorRatioRecord('5m')}${CONTRACT_FILTER}[${RANGE}]) / on (contract, sla) group_left ${BUDGET_RECORD}${CONTRACT_FILTER})`,
  budgetExhausted: `count((avg_over_time(${errorRatioRecord('5m')}${CONTRACT_FILTER}[${RANGE}]) / on (contract, sla) group_left ${BUDGET_RECORD}${CONTRACT_FILTER}) > 1) or vector(0)`,
  burn1h: `${burnRateRecord('1h')}${CONTRACT_FILTER}`,
  sli1dSeries: `1 - ${errorRatioRecord('1d')}${CONTRACT_FILTER}`,
};

/** SLI of one SLA over a recorded window (0..1). */
export function sliWindowQuery(sla: Sla, window: string): string {
  return `1 - ${errorRatioRecord(window)}${slaMatchers(sla)}`;
}

export function burnRateQuery(sla: Sla, window: string): string {
  return `${burnRateRecord(window)}${slaMatchers(sla)}`;
}

/**
 * Achieved SLI (0..1) over the dashboard range, by measurement method:
 * - events: Σgood/Σtotal over the range (a ratio of rates over one window is a ratio of increases);
 * - timeslices: share of slices with good/total ≥ sliceGoodRatio (`>= bool` gives 1 or 0 per slice);
 * - averaged: 1 − mean of the slices' error ratios.
 */
export function periodSliQuery(sla: Sla): string {
  const m = sla.measurement;
  if (m.method === 'events') return `1 - (${errorRatioExpr(sla, RANGE)})`;
  const sliceErrorRatio = errorRatioExpr(sla, m.slice);
  if (m.method === 'timeslices') {
    return `avg_over_time(((1 - (${sliceErrorRatio})) >= bool ${cleanRatio(m.sliceGoodRatio)})[${RANGE}:${m.slice}])`;
  }
  return `1 - avg_over_time((${sliceErrorRatio})[${RANGE}:${m.slice}])`;
}

/** Budget remaining over the range: 1 − (1 − SLI)/b; negative once the SLA is breached. */
export function periodBudgetRemainingQuery(sla: Sla): string {
  return `1 - (1 - (${periodSliQuery(sla)})) / ${budgetRatio(sla.objective)}`;
}

export function objectiveLiteral(sla: Sla): number {
  return Number(objectiveRatio(sla.objective));
}

/**
 * A one-off maintenance window as an annotation series: present (value 1) only inside [start, end), with
 * the reason as a label. "$" would be read twice, by Grafana (template variables) and by label_replace
 * (group references), so it is shown as the full-width "＄".
 */
export function maintenanceWindowQuery(startEpoch: number, endEpoch: number, reason: string): string {
  const inWindow = `((vector(time()) >= ${startEpoch}) < ${endEpoch})`;
  return `label_replace(${inWindow} * 0 + 1, "reason", ${promqlString(reason.replace(/\$/g, '\uFF04'))}, "", "")`;
}
