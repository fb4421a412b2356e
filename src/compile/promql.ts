// PromQL text for the Prometheus outputs: the names of the series obligo records, their label matchers,
// and the SLI error-ratio expression. Kept apart from the rule-file layout so that the evaluator and the
// dashboards can build the same names without compiling a file.
import { Decimal } from 'decimal.js';
import type { Sla } from '../contract/model.js';
import { durationSeconds, renderWindow, SLI_WINDOWS } from '../contract/model.js';

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
export const BURN_ALERT = 'ObligoErrorBudgetBurn';

/** A PromQL / Go double-quoted string literal. */
export function promqlString(s: string): string {
  let out = '"';
  for (const ch of s) {
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else out += ch;
  }
  return out + '"';
}

/** `{contract="c",sla="s"}`: selects one SLA's recorded series. */
export function slaMatchers(sla: Pick<Sla, 'contractId' | 'id'>): string {
  return `{contract=${promqlString(sla.contractId)},sla=${promqlString(sla.id)}}`;
}

/** Objective percent as a ratio literal, computed in decimal: 99.95 → "0.9995" (never 0.99950000000001). */
export function objectiveRatio(objectivePercent: number): string {
  return memo(objectiveCache, objectivePercent, () => new Decimal(String(objectivePercent)).div(100).toFixed());
}

/** Error budget fraction literal b = 1 − O/100, in decimal: 99.95 → "0.0005". */
export function budgetRatio(objectivePercent: number): string {
  return memo(budgetCache, objectivePercent, () => new Decimal(1).minus(new Decimal(String(objectivePercent)).div(100)).toFixed());
}

/** A burn-rate factor as a PromQL literal (14.4 → "14.4"). */
export function numberLiteral(n: number): string {
  return memo(literalCache, n, () => new Decimal(String(n)).toFixed());
}

// Decimal arithmetic is slow next to string building, and a thousand SLAs share a few objectives.
const objectiveCache = new Map<number, string>();
const budgetCache = new Map<number, string>();
const literalCache = new Map<number, string>();
function memo(cache: Map<number, string>, key: number, f: () => string): string {
  let v = cache.get(key);
  if (v === undefined) {
    if (cache.size > 10_000) cache.clear();
    cache.set(key, (v = f()));
  }
  return v;
}

/**
 * The windows recorded for an SLA: the standard ones plus every window its burn-rate table uses (a
 * custom table may name, say, 4h or 12h), ordered by length, then by spelling (60m and 1h are both
 * kept: the alert refers to the name as written).
 */
export function slaWindows(sla: Pick<Sla, 'alerting'>): string[] {
  const set = new Set<string>(SLI_WINDOWS);
  for (const row of activeBurnRates(sla)) {
    set.add(row.long);
    set.add(row.short);
  }
  return [...set].sort((a, b) => durationSeconds(a) - durationSeconds(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** The rows of the burn-rate table whose severity the SLA has not switched off, in table order. */
export function activeBurnRates(sla: Pick<Sla, 'alerting'>): Sla['alerting']['burnRates'] {
  const { page, ticket, burnRates } = sla.alerting;
  return burnRates.filter((r) => (r.severity === 'page' ? page : ticket));
}

/**
 * Error ratio of an SLA over one window, never NaN:
 * - the denominator is `(total) > 0`, so a window without traffic (0/0) gives no sample at all instead
 *   of NaN; alerts and the evaluator then see "no data", which is what it is;
 * - the numerator falls back to `0 * (total)` when its own query has no series (an error counter that
 *   was never incremented, or a good-request series that does not exist during a total outage), so that
 *   missing series do not hide a real error ratio of 0 or 1.
 * ratio/latency: 1 − good/total; errors: errors/total.
 */
export function errorRatioExpr(sla: Pick<Sla, 'sli'>, window: string): string {
  const total = renderWindow(sla.sli.total, window);
  const positiveTotal = `((${total}) > 0)`;
  const zeroLike = `(0 * (${total}))`;
  if (sla.sli.kind === 'errors' && sla.sli.errors !== undefined) {
    const errors = renderWindow(sla.sli.errors, window);
    return `((${errors}) or ${zeroLike}) / ${positiveTotal}`;
  }
  const good = renderWindow(sla.sli.good, window);
  return `1 - (((${good}) or ${zeroLike}) / ${positiveTotal})`;
}

/** Burn rate over a window, from the recorded error ratio: ratio / budget. */
export function burnRateExpr(sla: Pick<Sla, 'contractId' | 'id' | 'objective'>, window: string): string {
  return `${errorRatioRecord(window)}${slaMatchers(sla)} / ${budgetRatio(sla.objective)}`;
}

/** Multi-window alert condition: both windows burn faster than the factor. Empty without traffic. */
export function burnAlertExpr(
  sla: Pick<Sla, 'contractId' | 'id'>,
  row: { long: string; short: string; factor: number },
): string {
  const m = slaMatchers(sla);
  const f = numberLiteral(row.factor);
  return `${burnRateRecord(row.long)}${m} > ${f}\nand\n${burnRateRecord(row.short)}${m} > ${f}`;
}
