// Fixtures shared by the measure/ unit tests: a contract with one events SLA over the series g (good) and
// t (total), and per-minute counts of those series as the 1-minute rate table test/measure/table-source.ts
// answers from.
import { loadContractText } from '../../src/contract/load.js';
import type { Contract } from '../../src/contract/model.js';
import type { ValueFn } from './table-source.js';

const M = 60_000;

/** A contract `id` with one events SLA `slaId` (objective 99, 10 % below) over g/t. */
export function oneEventsSla(o: { id: string; slaId: string; zone?: string; termStart?: string; termEnd?: string; maintenance?: string }): Contract {
  const r = loadContractText(
    `${o.id}.yaml`,
    `apiVersion: obligo.dev/v1
kind: Contract
metadata: { id: ${o.id}, title: Test }
role: provider
parties: { vendor: { name: Us }, customer: { name: Them } }
term: { start: ${o.termStart ?? '2026-01-01'},${o.termEnd ? ` end: ${o.termEnd},` : ''} timezone: ${o.zone ?? 'UTC'} }
fees: { currency: USD, monthly: 100 }
${o.maintenance ? `maintenance:\n  - ${o.maintenance}\n` : ''}slas:
  - id: ${o.slaId}
    objective: 99
    period: month
    sli: { good: 'sum(rate(g[{{.window}}]))', total: 'sum(rate(t[{{.window}}]))' }
    measurement: { method: events }
    credits: { tiers: [ { below: 99, percent: 10 } ] }
`,
  );
  if (!r.contract) throw new Error(r.issues.map((i) => i.message).join('; '));
  return r.contract;
}

/** Per-minute counts of g and t by minute start (undefined: no sample), as rates at the end of each 1-minute slice. */
export function minuteCounts(good: (minuteStart: number) => number | undefined, total: (minuteStart: number) => number | undefined): Map<string, ValueFn> {
  const rate = (f: (m: number) => number | undefined) => (end: number) => {
    const v = f(end - M);
    return v === undefined ? undefined : v / 60;
  };
  return new Map<string, ValueFn>([
    ['sum(rate(g[1m]))', rate(good)],
    ['sum(rate(t[1m]))', rate(total)],
  ]);
}
