// The contract metrics of /metrics are rendered to text once per tick by src/server/metrics.ts instead
// of through prom-client gauges (30,000 label sets per tick at 2,000 SLAs). Ground truth: prom-client
// itself, rendering the same family from a Gauge, for arbitrary label values (quotes, backslashes,
// newlines, unicode) and values (fractions, exponents, ±0, ±Infinity, NaN).
import fc from 'fast-check';
import { Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { exposition } from '../../src/server/metrics.js';

const FAMILY = { name: 'obligo_test_metric', help: 'A help text with \\ a backslash,\n a newline and "quotes".' };

async function promClientText(rows: Array<{ contract: string; sla: string; value: number }>): Promise<string> {
  const registry = new Registry();
  const g = new Gauge({ name: FAMILY.name, help: FAMILY.help, labelNames: ['contract', 'sla'], registers: [registry] });
  for (const r of rows) g.set({ contract: r.contract, sla: r.sla }, r.value);
  return registry.metrics();
}

describe('contract metrics text (exposition helpers) against prom-client', () => {
  it('property: the same family text as a prom-client Gauge with the same series', async () => {
    const text = fc.oneof(fc.string(), fc.constantFrom('a"b', 'a\\b', 'a\nb', '\\"\n', '} 1', 'é€😀'));
    const value = fc.oneof(fc.double(), fc.constantFrom(0, -0, 1e21, 1e-7, Infinity, -Infinity, NaN, 99.95));
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.record({ contract: text, sla: text, value }), { selector: (r) => `${r.contract}\u0000${r.sla}`, maxLength: 8 }), async (rows) => {
        const ours = exposition.familyText(
          FAMILY,
          rows.map((r) => exposition.series(FAMILY, `${exposition.label('contract', r.contract)},${exposition.label('sla', r.sla)}`, r.value)),
        );
        expect(`${ours}\n`).toBe(await promClientText(rows));
      }),
      { numRuns: 300 },
    );
  });
});
