import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BURN_RATES } from '../../src/contract/model.js';
import { budgetRemaining, budgetRemainingDecimal, budgetState, burnRate, burnRateFromCounts, errorBudget, pairFiring } from '../../src/slo/budget.js';

const [page1h, page6h, ticket3d] = DEFAULT_BURN_RATES as [typeof DEFAULT_BURN_RATES[0], typeof DEFAULT_BURN_RATES[0], typeof DEFAULT_BURN_RATES[0]];

describe('error budget', () => {
  it('b = 1 − O/100 without float drift', () => {
    expect(errorBudget(99.95)).toBe(0.0005); // 1 - 99.95/100 in floats is 0.0004999999999999449
    expect(errorBudget(99.9)).toBe(0.001);
    expect(errorBudget(99)).toBe(0.01);
  });

  it('burn rate = (1 − SLI)/b', () => {
    expect(burnRate(0.999, 99.9)).toBe(1);
    expect(burnRate(0.99, 99.9)).toBe(10);
    expect(burnRate(1, 99.9)).toBe(0);
    expect(burnRate(0.9856, 99.9)).toBe(14.4);
    expect(burnRate(null, 99.9)).toBeNull();
    expect(burnRate(Number.NaN, 99.9)).toBeNull();
    expect(burnRateFromCounts(999, 1000, 99.9)).toBe(1);
    expect(burnRateFromCounts(0.9, 1, 99)).toBe(10);
    expect(burnRateFromCounts(0, 0, 99.9)).toBeNull();
    expect(burnRateFromCounts(null, 10, 99.9)).toBeNull();
  });

  it('budget remaining = 1 − (1 − A/100)/b; negative once breached', () => {
    expect(budgetRemaining('100', 99.9)).toBe(1);
    expect(budgetRemaining('99.95', 99.9)).toBe(0.5);
    expect(budgetRemaining('99.9', 99.9)).toBe(0);
    expect(budgetRemaining('99.8', 99.9)).toBe(-1);
    expect(budgetRemaining(99.975, 99.95)).toBe(0.5);
    expect(budgetRemaining(null, 99.9)).toBeNull();
  });

  it('states: no-data, breached, at-risk (budget < 25 % or a page pair firing), ok', () => {
    expect(budgetState({ achieved: null, objective: 99.9 })).toBe('no-data');
    expect(budgetState({ achieved: '99.89999', objective: 99.9 })).toBe('breached');
    expect(budgetState({ achieved: '99.9', objective: 99.9 })).toBe('at-risk'); // remaining 0, not breached
    expect(budgetState({ achieved: '99.92', objective: 99.9 })).toBe('at-risk'); // remaining 0.2
    expect(budgetState({ achieved: '99.925', objective: 99.9 })).toBe('ok'); // remaining exactly 0.25
    expect(budgetState({ achieved: '99.99', objective: 99.9, atRiskBelow: 0.95 })).toBe('at-risk');
    const firing = { pair: page1h, long: 15, short: 14.5 };
    expect(pairFiring(firing)).toBe(true);
    expect(pairFiring({ pair: page1h, long: 15, short: 14.4 })).toBe(false); // strictly over the factor
    expect(pairFiring({ pair: page6h, long: 7, short: null })).toBe(false);
    expect(budgetState({ achieved: '99.99', objective: 99.9, burn: [firing] })).toBe('at-risk');
    expect(budgetState({ achieved: '99.99', objective: 99.9, burn: [{ pair: ticket3d, long: 50, short: 50 }] })).toBe('ok');
  });

  it('property: breached ⇔ achieved < objective ⇔ remaining < 0 (exact decimals)', () => {
    const pct = fc.integer({ min: 1, max: 99_999 }).map((n) => n / 1000);
    const ach = fc.integer({ min: 0, max: 100_000_000 }).map((n) => (n / 1_000_000).toFixed(6));
    fc.assert(
      fc.property(ach, pct, (a, o) => {
        const r = budgetRemainingDecimal(a, o)!;
        const s = budgetState({ achieved: a, objective: o });
        // integer compare: a·1e6 < o·1e6
        const below = BigInt(a.replace('.', '')) < BigInt(Math.round(o * 1000)) * 1000n;
        expect(s === 'breached').toBe(below);
        expect(r.lt(0)).toBe(below);
        expect(r.lte(1)).toBe(true);
        expect(budgetRemaining(a, o)!).toBeCloseTo(1 - burnRate(Number(a) / 100, o)!, 6);
      }),
      { numRuns: 300 },
    );
  });
});
