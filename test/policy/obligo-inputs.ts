// Generated inputs for Obligo's policies (decision, gate, credits): loose shapes around what the
// policies read, with missing and odd fields, for differential tests between engines.
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileRego } from '../../src/compile/rego.js';
import { loadContracts } from '../../src/contract/index.js';
import { projectRoot } from '../helpers/tools.js';

const WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'];

export function statusArb(contracts: { id: string; slas: string[] }[]): fc.Arbitrary<Record<string, unknown>> {
  const num = fc.oneof(fc.double({ min: 0, max: 40, noNaN: true }), fc.constantFrom(0, 1, 6, 14.4, 14.5, 100));
  return fc
    .constantFrom(...contracts, { id: 'no-such-contract', slas: ['x'] })
    .chain((c) =>
      fc.record(
        {
          contract: fc.constant(c.id),
          sla: fc.oneof(fc.constantFrom(...c.slas), fc.constant('unknown-sla')),
          objective: fc.constantFrom(99, 99.9, 99.95, 99.99),
          achieved: fc.oneof(fc.double({ min: 90, max: 100, noNaN: true }), fc.constant(null)),
          budgetRemaining: fc.oneof(fc.double({ min: -1, max: 1, noNaN: true }), fc.constant(null)),
          burnRates: fc.dictionary(fc.constantFrom(...WINDOWS), fc.oneof(num, fc.constant(null)), { maxKeys: 7 }),
          windowCoverage: fc.dictionary(fc.constantFrom(...WINDOWS), fc.double({ min: 0, max: 1, noNaN: true }), { maxKeys: 7 }),
          coverage: fc.record({ ratio: fc.double({ min: 0, max: 1, noNaN: true }), minimum: fc.constantFrom(0.5, 0.9, 0.99), complete: fc.boolean(), partialResponse: fc.boolean() }, { requiredKeys: [] }),
          state: fc.constantFrom('ok', 'at-risk', 'breached', 'no-data', 'unknown'),
          flags: fc.subarray(['outside-term', 'partial', 'maintenance']),
          period: fc.record({ start: fc.constantFrom('2026-03-01T00:00:00Z', '2026-04-01T00:00:00-04:00'), end: fc.constant('2026-04-01T00:00:00Z') }),
        },
        { requiredKeys: ['contract', 'sla', 'state'] },
      ),
    );
}

export function creditArb(contracts: { id: string; slas: string[] }[]): fc.Arbitrary<Record<string, unknown>> {
  return fc.constantFrom(...contracts).chain((c) =>
    fc.record(
      {
        contract: fc.constant(c.id),
        sla: fc.constantFrom(...c.slas),
        amount: fc.constantFrom('0', '0.50', '1', '125.75', '12000'),
        currency: fc.constantFrom('USD', 'EUR'),
        creditPercent: fc.constantFrom(0, 10, 25, 100),
        claimDeadline: fc.constantFrom('2026-04-30', '2026-05-31', '2025-12-31'),
        claimDeadlineEndsAt: fc.constantFrom('2026-05-01T04:00:00Z', '2026-06-01T00:00:00Z', '2026-01-01T00:00:00Z'),
        flags: fc.subarray(['provisional', 'partial', 'no-data', 'incomplete']),
        coverage: fc.record({ ratio: fc.double({ min: 0, max: 1, noNaN: true }), minimum: fc.constantFrom(0.5, 0.9), complete: fc.boolean(), partialResponse: fc.boolean() }, { requiredKeys: [] }),
      },
      { requiredKeys: ['contract', 'sla', 'amount'] },
    ),
  );
}

/** Obligo's own policies (tests excluded) plus the Rego modules and data compiled from the example contracts. */
export async function obligoPolicyModules() {
  const { contracts } = await loadContracts([join(projectRoot, 'contracts')]);
  const generated = compileRego(contracts, { prometheusFormat: 'prometheus' });
  const dir = join(projectRoot, 'policies', 'obligo');
  const modules = [
    ...readdirSync(dir)
      .filter((f) => f.endsWith('.rego') && !f.endsWith('_test.rego') && !f.startsWith('test_'))
      .map((f) => ({ path: `policies/obligo/${f}`, text: readFileSync(join(dir, f), 'utf8') })),
    ...generated.filter((f) => f.path.endsWith('.rego')).map((f) => ({ path: f.path, text: f.content })),
  ];
  const data = JSON.parse(generated.find((f) => f.path.endsWith('data.json'))!.content) as { obligo: Record<string, unknown> };
  return { contracts, modules, data };
}
