// Tier lookup as the spec defines it: a tier matches when achieved is below (strict) / atOrBelow its
// upper bound and, if given, above (strict) / atOrAbove its lower bound; the highest percent among
// matching tiers wins; none → 0. Callers pass the achieved value already rounded per creditPolicy.
import type { TierDoc } from './schema.js';

export function tierMatches(t: TierDoc, achieved: number): boolean {
  if (t.below !== undefined && !(achieved < t.below)) return false;
  if (t.atOrBelow !== undefined && !(achieved <= t.atOrBelow)) return false;
  if (t.above !== undefined && !(achieved > t.above)) return false;
  if (t.atOrAbove !== undefined && !(achieved >= t.atOrAbove)) return false;
  return t.below !== undefined || t.atOrBelow !== undefined;
}

/** Credit percent for an achieved percentage: highest percent among matching tiers, else 0. */
export function creditPercentFor(tiers: readonly TierDoc[], achieved: number): number {
  let best = 0;
  for (const t of tiers) if (tierMatches(t, achieved) && t.percent > best) best = t.percent;
  return best;
}
