// PromQL text for the Prometheus outputs: label matchers, the SLI error-ratio expression, burn rates and
// the alert condition (names from src/conventions.ts). Kept apart from the rule-file layout so that the
// evaluator and the dashboards can build the same expressions without compiling a file.
import { Decimal } from 'decimal.js';
import type { Sla } from '../contract/model.js';
import { renderWindow } from '../contract/model.js';
import { burnRateRecord, errorRatioRecord, MAINTENANCE_ACTIVE_METRIC } from '../conventions.js';

// The names live in src/conventions.ts (read by measure and serve too); re-exported here for the
// modules that import them from the compile room.
export {
  activeBurnRates,
  BUDGET_RECORD,
  BURN_ALERT,
  burnRateRecord,
  errorRatioRecord,
  OBJECTIVE_RECORD,
  RECORD_PREFIX,
  SLA_INFO_RECORD,
  slaWindows,
} from '../conventions.js';

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

/** `{contract="c"}`: selects a contract's `obligo serve` series (maintenance). */
export function contractMatcher(contractId: string): string {
  return `{contract=${promqlString(contractId)}}`;
}

/**
 * Multi-window alert condition: both windows burn faster than the factor, and the contract is not in
 * maintenance. Empty without traffic.
 *
 * Maintenance: `obligo serve` exports `obligo_maintenance_active{contract} 1` while one of the contract's
 * windows is in progress. The alert is dropped while any sample of that series within the row's short
 * window is 1: during the window, and for one short window after it, while the short window still
 * holds the maintenance's errors (without that tail every maintenance that ends would page at once).
 * The long window may still hold them afterwards; the short window then has to confirm a new burn.
 * `unless on (contract)` ignores the scrape's own labels (job, instance) and any other labels; the
 * series of other contracts select nothing, and a missing series (serve not deployed) or 0 silences
 * nothing.
 */
export function burnAlertExpr(
  sla: Pick<Sla, 'contractId' | 'id'>,
  row: { long: string; short: string; factor: number },
): string {
  const m = slaMatchers(sla);
  const f = numberLiteral(row.factor);
  const maintenance = `max_over_time(${MAINTENANCE_ACTIVE_METRIC}${contractMatcher(sla.contractId)}[${row.short}]) == 1`;
  return [
    '(',
    `  ${burnRateRecord(row.long)}${m} > ${f}`,
    'and',
    `  ${burnRateRecord(row.short)}${m} > ${f}`,
    ')',
    'unless on (contract)',
    `  ${maintenance}`,
  ].join('\n');
}
