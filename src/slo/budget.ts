// Error budget and burn rate. b = 1 − O/100. Computed as (100 − x)/(100 − O) in decimals so that
// 99.95 does not turn into 0.0004999999999999449 on the way.
//
// State (decision): 'no-data' when achieved is unknown; 'breached' when achieved < objective (exact
// decimal compare; remaining < 0); 'at-risk' when budget remaining < atRiskBelow (default 0.25) or
// any page-severity burn-rate pair has both windows over its factor; else 'ok'. A pair with a
// missing window value (null) does not fire.
import { Decimal } from 'decimal.js';
import type { BurnRateWindowDoc } from '../contract/schema.js';
import { keptByValue } from '../kept.js';

const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });

function dec(x: number | string | Decimal): Decimal {
  return typeof x === 'number' ? new D(String(x)) : new D(x);
}

export type BudgetState = 'ok' | 'at-risk' | 'breached' | 'no-data';

/** Error budget fraction b = 1 − objective/100 (objective in percent, 0 < O < 100). */
export function errorBudget(objective: number): number {
  return budgetPercent(objective).div(100).toNumber();
}

/** Burn rate (1 − sli)/b for an SLI ratio in [0, 1]; null when the SLI is unknown. */
export function burnRate(sli: number | null, objective: number): number | null {
  if (sli === null || !Number.isFinite(sli)) return null;
  // A window without errors burns nothing (and is the common case).
  if (sli === 1) return 0;
  // Serve computes seven burn rates per SLA per tick, and SLAs that share an SLI (one service, several
  // contracts or tiers) share its window ratios: each (objective, SLI) pair is computed once while kept.
  return objectiveDecimals(objective).burnRate(sli);
}

const ONE = new D(1);
const HUNDRED = new D(100);
/** Per objective (a handful in practice): O as a decimal, 100 − O, and its burn rates, kept by SLI value. */
interface ObjectiveDecimals {
  objective: Decimal;
  budgetPercent: Decimal;
  burnRate: (sli: number) => number;
}
const objectiveDecimals = keptByValue(1000, (objective: number): ObjectiveDecimals => {
  const d = dec(objective);
  const b = HUNDRED.minus(d);
  return { objective: d, budgetPercent: b, burnRate: keptByValue(50_000, (sli: number) => ONE.minus(dec(sli)).times(100).div(b).toNumber()) };
});
const budgetPercent = (objective: number): Decimal => objectiveDecimals(objective).budgetPercent;

/** Burn rate from good and total counts over a window; null without traffic. */
export function burnRateFromCounts(good: number | null, total: number | null, objective: number): number | null {
  if (good === null || total === null || !Number.isFinite(good) || !Number.isFinite(total) || total <= 0) return null;
  const bad = new D(String(total)).minus(new D(String(Math.min(Math.max(good, 0), total))));
  return bad.div(new D(String(total))).times(100).div(budgetPercent(objective)).toNumber();
}

/** Exact variant of budgetRemaining (decimal string in, Decimal out). */
export function budgetRemainingDecimal(achieved: string | number | Decimal | null, objective: number): Decimal | null {
  if (achieved === null) return null;
  return ONE.minus(HUNDRED.minus(dec(achieved)).div(budgetPercent(objective)));
}

/** Period-to-date budget remaining 1 − (1 − A/100)/b: 1 untouched, 0 used up, < 0 breached. */
export function budgetRemaining(achieved: string | number | null, objective: number): number | null {
  return budgetRemainingDecimal(achieved, objective)?.toNumber() ?? null;
}

/** Burn rates of the long and short window of one alerting pair. */
export interface BurnPairValue {
  pair: BurnRateWindowDoc;
  long: number | null;
  short: number | null;
}

/** A pair fires when both windows burn faster than its factor. */
export function pairFiring(v: BurnPairValue): boolean {
  return v.long !== null && v.short !== null && v.long > v.pair.factor && v.short > v.pair.factor;
}

export interface BudgetStateInput {
  /** Achieved percent period-to-date (exact decimal string preferred); null = unknown. */
  achieved: string | number | null;
  objective: number;
  burn?: readonly BurnPairValue[];
  /** Budget remaining below this is at risk (default 0.25). */
  atRiskBelow?: number;
  /** budgetRemainingDecimal(achieved, objective), when the caller has it already. */
  remaining?: Decimal;
}

const DEFAULT_AT_RISK_BELOW = dec(0.25);

export function budgetState(input: BudgetStateInput): BudgetState {
  if (input.achieved === null) return 'no-data';
  if (dec(input.achieved).lt(objectiveDecimals(input.objective).objective)) return 'breached';
  const remaining = input.remaining ?? budgetRemainingDecimal(input.achieved, input.objective)!;
  if (remaining.lt(input.atRiskBelow === undefined ? DEFAULT_AT_RISK_BELOW : dec(input.atRiskBelow))) return 'at-risk';
  if ((input.burn ?? []).some((b) => b.pair.severity === 'page' && pairFiring(b))) return 'at-risk';
  return 'ok';
}
