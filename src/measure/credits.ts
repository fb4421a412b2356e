// Service credits for one period label (YYYY-MM or YYYY-Qn): measure every selected SLA whose period
// kind matches (rollups where stored, Prometheus for the rest), then tiers, base, cap and rounding
// per contract. A period not yet ended at `at` is measured up to `at` and flagged provisional.
import type { Contract, Sla } from '../contract/model.js';
import type { RollupRepository } from './rollup-store.js';
import { isPeriodLabel, parsePeriodLabel, type Period } from '../slo/periods.js';
import { assembleContractCredits, type CreditRow, type ContractTotal } from './credit-rows.js';
import { measureTargets, type MeasureTarget } from './measure-slas.js';
import type { FetchSlicesOptions } from './fetch-slices.js';
import type { PromSource } from './source.js';

export interface CreditReport {
  period: string;
  at: string;
  credits: CreditRow[];
  totals: ContractTotal[];
  /** SLAs not in this report because their period kind differs from the label's (month vs quarter). */
  skipped: string[];
  /** Distinct Prometheus warnings of the answers (partial responses). */
  warnings: string[];
  /** HTTP requests made to Prometheus. */
  requests: number;
}

export interface MeasureCreditsOptions {
  /** YYYY-MM or YYYY-Qn. */
  period: string;
  at: number;
  source?: PromSource;
  store?: RollupRepository;
  /** Store complete hours read from Prometheus. */
  persist?: boolean;
  ignoreRollups?: boolean;
  fetch?: FetchSlicesOptions;
}

export class PeriodLabelError extends Error {
  override name = 'PeriodLabelError';
}

export function periodKindOfLabel(label: string): 'month' | 'quarter' {
  if (!isPeriodLabel(label)) throw new PeriodLabelError(`--period expects YYYY-MM or YYYY-Qn (got "${label}")`);
  return /Q/.test(label) ? 'quarter' : 'month';
}

function isoUtc(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

export async function measureCredits(slas: readonly { contract: Contract; sla: Sla }[], opts: MeasureCreditsOptions): Promise<CreditReport> {
  const kind = periodKindOfLabel(opts.period);
  const before = opts.source?.requests ?? 0;
  const skipped: string[] = [];
  const targets: MeasureTarget[] = [];
  for (const { contract, sla } of slas) {
    if (sla.period !== kind) {
      skipped.push(sla.key);
      continue;
    }
    const period: Period = parsePeriodLabel(opts.period, contract.timezone);
    targets.push({ contract, sla, period });
  }
  const measured = await measureTargets(targets, {
    asOf: opts.at,
    source: opts.source,
    store: opts.store,
    persist: opts.persist,
    ignoreRollups: opts.ignoreRollups,
    fetch: opts.fetch,
  });
  // Group by contract, keeping the contracts' and SLAs' file order.
  const byContract = new Map<string, typeof measured>();
  for (const m of measured) {
    const list = byContract.get(m.contract.id) ?? [];
    list.push(m);
    byContract.set(m.contract.id, list);
  }
  const credits: CreditRow[] = [];
  const totals: ContractTotal[] = [];
  for (const list of byContract.values()) {
    const r = assembleContractCredits(list, opts.at);
    credits.push(...r.rows);
    totals.push(r.total);
  }
  const warnings = [...new Set(measured.flatMap((m) => m.evidence.warnings))].sort();
  return { period: opts.period, at: isoUtc(opts.at), credits, totals, skipped, warnings, requests: (opts.source?.requests ?? 0) - before };
}
