// Credit tiers: a tier gives `percent` when achieved is below X (strict) or atOrBelow X, and, with
// our optional lower bounds, above Y (strict) or atOrAbove Y. Values are compared as exact decimals
// of what the contract says (99.95 is "99.95", never 99.9500000000000028...), after the contract's
// rounding of the achieved percentage. The highest matching percent wins; no match → 0.
//
// Rounding (decision; the spec does not name a tie rule): nearest-0.1 / nearest-0.01 round half-up
// (ties away from zero: 99.95 → 100.0, 99.945 → 99.95), the usual reading of "rounded to the nearest".
import { Decimal } from 'decimal.js';
import type { Contract } from '../contract/model.js';
import type { TierDoc } from '../contract/schema.js';

export type Rounding = Contract['creditPolicy']['rounding'];

const D = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_UP });

function dec(x: string | number | Decimal): Decimal {
  return typeof x === 'number' ? new D(String(x)) : new D(x);
}

/** The achieved percentage as compared against tiers: exact, or rounded half-up to 0.1 / 0.01. */
export function roundAchieved(achieved: string | Decimal, rounding: Rounding): Decimal {
  const a = dec(achieved);
  if (rounding === 'nearest-0.1') return a.toDecimalPlaces(1, Decimal.ROUND_HALF_UP);
  if (rounding === 'nearest-0.01') return a.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
  return a;
}

/** Does a (rounded) achieved value fall in the tier? */
export function inTier(value: Decimal, tier: TierDoc): boolean {
  if (tier.below !== undefined && !value.lt(dec(tier.below))) return false;
  if (tier.atOrBelow !== undefined && !value.lte(dec(tier.atOrBelow))) return false;
  if (tier.above !== undefined && !value.gt(dec(tier.above))) return false;
  if (tier.atOrAbove !== undefined && !value.gte(dec(tier.atOrAbove))) return false;
  return tier.below !== undefined || tier.atOrBelow !== undefined;
}

export interface TierMatch {
  /** Credit percent (0 when no tier matches). */
  percent: number;
  /** Index of the winning tier in the contract's list (the first of equal percents), or null. */
  tierIndex: number | null;
  /** The value compared, after rounding, as a decimal string. */
  compared: string;
}

export function matchTier(achieved: string | Decimal, tiers: readonly TierDoc[], rounding: Rounding = 'none'): TierMatch {
  const value = roundAchieved(achieved, rounding);
  let best: TierMatch = { percent: 0, tierIndex: null, compared: value.toFixed() };
  tiers.forEach((t, i) => {
    if (inTier(value, t) && dec(t.percent).gt(dec(best.percent))) best = { percent: t.percent, tierIndex: i, compared: best.compared };
  });
  return best;
}

/** The credit percent for an achieved percentage: the highest matching tier's, or 0. */
export function tierFor(achieved: string | Decimal, tiers: readonly TierDoc[], rounding: Rounding = 'none'): number {
  return matchTier(achieved, tiers, rounding).percent;
}
