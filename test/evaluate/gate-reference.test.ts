import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideGate, type GateSlaInput, type SlaState } from './gate-reference.js';

const s = (key: string, state: SlaState, achieved: number | null, budgetRemaining: number | null, objective = 99.9): GateSlaInput => ({
  key,
  contract: key.split('/')[0]!,
  sla: key.split('/')[1]!,
  state,
  achieved,
  budgetRemaining,
  objective,
});

describe('decideGate', () => {
  it('allows when every SLA has at least the minimum budget', () => {
    expect(decideGate([s('a/x', 'ok', 99.99, 0.9), s('a/y', 'at-risk', 99.91, 0.1)], { minBudget: 0.1 })).toEqual({
      allow: true,
      outcome: 'allow',
      reasons: ['a/x: error budget remaining 90% (minimum 10%)', 'a/y: error budget remaining 10% (minimum 10%)'],
    });
  });

  it('denies a breach and a budget below the minimum; denial wins over unknowns', () => {
    const d = decideGate([s('a/ok', 'ok', 99.99, 0.9), s('a/gone', 'no-data', null, null), s('a/low', 'ok', 99.95, 0.5), s('a/br', 'breached', 99.5, -4)], { minBudget: 0.6 });
    expect(d.outcome).toBe('deny');
    expect(d.allow).toBe(false);
    expect(d.reasons.slice(0, 3)).toEqual([
      'a/low: error budget remaining 50% is below the minimum 60%',
      'a/br: SLA breached (achieved 99.5% < objective 99.9%)',
      'a/gone: no data for the current period',
    ]);
  });

  it('cannot decide without data or without any SLA', () => {
    expect(decideGate([s('a/gone', 'no-data', null, null)], { minBudget: 0 }).outcome).toBe('unknown');
    expect(decideGate([], { minBudget: 0 })).toEqual({ allow: false, outcome: 'unknown', reasons: ['no SLA matched the selection'] });
  });

  it('with minimum 0, exactly spent budget (achieved = objective) is allowed', () => {
    expect(decideGate([s('a/x', 'at-risk', 99.9, 0)], { minBudget: 0 }).outcome).toBe('allow');
  });

  it('property: allow ⇔ all measured, none breached, all at or above the minimum', () => {
    const sla = fc.record({
      state: fc.constantFrom<SlaState>('ok', 'at-risk', 'breached', 'no-data'),
      budget: fc.double({ min: -5, max: 1, noNaN: true }),
    });
    fc.assert(
      fc.property(fc.array(sla, { minLength: 1, maxLength: 8 }), fc.double({ min: 0, max: 1, noNaN: true }), (xs, min) => {
        const inputs = xs.map((x, i) =>
          x.state === 'no-data' ? s(`c/${i}`, 'no-data', null, null) : s(`c/${i}`, x.state, 99.9 + x.budget * 0.1, x.budget),
        );
        const d = decideGate(inputs, { minBudget: min });
        const denied = inputs.some((i) => i.state === 'breached' || (i.budgetRemaining !== null && (i.achieved! < i.objective || i.budgetRemaining < min)));
        const unknown = inputs.some((i) => i.state === 'no-data');
        expect(d.outcome).toBe(denied ? 'deny' : unknown ? 'unknown' : 'allow');
        expect(d.allow).toBe(d.outcome === 'allow');
        expect(d.reasons.length).toBe(inputs.length);
      }),
    );
  });
});
