// gate.rego (the rule's one home) agrees with the reference copy in test/evaluate/gate-reference.ts on
// random selections, incomplete data included: a property test of the policy, not of the copy.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ENTRYPOINTS, loadObligoPolicies } from '../../src/policy/obligo-policies.js';
import { decideGate, type GateSlaInput } from './gate-reference.js';

describe('gate.rego agrees with the reference TypeScript rule', async () => {
  const engine = await loadObligoPolicies({ contracts: [], env: {} });
  it('on random selections of SLA statuses, coverage and minimum budgets', async () => {
    const status = fc.record({
      sla: fc.constantFrom('a', 'b', 'c'),
      state: fc.constantFrom('ok', 'at-risk', 'breached', 'no-data', 'outside-term'),
      budget: fc.double({ min: -2, max: 1, noNaN: true }),
      coverage: fc.option(fc.record({ ratio: fc.double({ min: 0, max: 1, noNaN: true }), partialResponse: fc.boolean() }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(status, { maxLength: 4 }), fc.constantFrom(0, 0.1, 0.25, 0.5), async (rows, minBudget) => {
        // Consistent statuses, as measureStatus produces them: breached ⇔ budget < 0, no-data ⇔ nulls.
        const slas: GateSlaInput[] = rows.map((r, i) => {
          const budget = r.state === 'breached' ? -Math.abs(r.budget) - 0.01 : r.state === 'no-data' || r.state === 'outside-term' ? null : Math.abs(r.budget);
          const cov = r.coverage && { ratio: r.coverage.ratio, minimum: 0.99, partialResponse: r.coverage.partialResponse, complete: r.coverage.ratio >= 0.99 && !r.coverage.partialResponse };
          return {
            key: `c${i}/${r.sla}`,
            contract: `c${i}`,
            sla: r.sla,
            objective: 99.9,
            achieved: budget === null ? null : 100 - (1 - budget) * 0.1,
            budgetRemaining: budget,
            state: r.state as GateSlaInput['state'],
            ...(cov ? { coverage: cov } : {}),
          };
        });
        const ts = decideGate(slas, { minBudget });
        const rego = (await engine.evaluate(ENTRYPOINTS.gate, { slas, min_budget: minBudget, change: {} })) as { decision: string };
        expect(rego.decision).toBe(ts.outcome);
      }),
      { numRuns: 300 },
    );
  });
});
