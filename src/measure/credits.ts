// Service credits for one period label (YYYY-MM, YYYY-Qn or YYYY): measure every selected SLA over the
// periods of its own kind inside the label (rollups where stored, Prometheus for the rest), then tiers,
// base, cap and rounding per contract and period. A label longer than an SLA's period (a quarter or a
// year of a monthly SLA, a year of a quarterly one) lists each month (quarter) as its own rows, capped
// per month as the contract says, and sums them per contract; a label shorter than an SLA's period (a
// month of a quarterly SLA) leaves that SLA out (`skipped`). Periods outside the contract term are not
// rows (`outsideTerm`), nor are periods that had not started at `at` (`notStarted`). A period not yet
// ended at `at` is measured up to `at` and flagged provisional.
import type { Contract, PeriodKind, Sla } from '../contract/model.js';
import { MoneyDecimal, formatAmount } from '../credits/money.js';
import type { RollupRepository } from './rollup-store.js';
import { measuredRange, parsePeriodLabel, type Period } from '../slo/periods.js';
import { assembleContractCredits, type CreditRow, type ContractTotal } from './credit-rows.js';
import { measureTargets, type MeasureTarget, type SlaMeasurement } from './measure-slas.js';
import type { FetchSlicesOptions } from './fetch-slices.js';
import type { PromSource } from './source.js';
import { isoUtc } from '../iso.js';

export type LabelKind = PeriodKind | 'year';

export interface CreditReport {
  period: string;
  at: string;
  credits: CreditRow[];
  totals: ContractTotal[];
  /** SLAs not in this report because their period is longer than the label's (a quarterly SLA in a month). */
  skipped: string[];
  /** "contract/sla period" of periods left out because they lie outside the contract term. */
  outsideTerm: string[];
  /** "contract/sla period" of periods left out because they had not started at `at`. */
  notStarted: string[];
  /** Distinct Prometheus warnings of the answers (partial responses). */
  warnings: string[];
  /** HTTP requests made to Prometheus. */
  requests: number;
  /** With `detail`: the measurement behind each row (same order as `credits`), all slices kept. */
  measurements?: SlaMeasurement[];
}

export interface MeasureCreditsOptions {
  /** YYYY-MM, YYYY-Qn or YYYY. */
  period: string;
  at: number;
  source?: PromSource;
  store?: RollupRepository;
  /** Store complete hours read from Prometheus. */
  persist?: boolean;
  ignoreRollups?: boolean;
  fetch?: FetchSlicesOptions;
  /** Keep each row's measurement with every classified slice of its period (reports, evidence packs). */
  detail?: boolean;
}

export class PeriodLabelError extends Error {
  override name = 'PeriodLabelError';
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const QUARTER = /^(\d{4})-Q([1-4])$/;
const YEAR = /^(\d{4})$/;

export function periodKindOfLabel(label: string): LabelKind {
  if (MONTH.test(label)) return 'month';
  if (QUARTER.test(label)) return 'quarter';
  if (YEAR.test(label)) return 'year';
  throw new PeriodLabelError(`--period expects YYYY-MM, YYYY-Qn or YYYY (got "${label}")`);
}

/**
 * The labels of the periods of `kind` that make up `label` (2026-Q1 of months: 2026-01, 2026-02, 2026-03;
 * 2026 of quarters: 2026-Q1 … 2026-Q4), or [] when `kind` is longer than the label (a quarter in a month).
 */
export function subPeriodLabels(label: string, kind: PeriodKind): string[] {
  const labelKind = periodKindOfLabel(label);
  const year = label.slice(0, 4);
  const mm = (m: number) => `${year}-${String(m).padStart(2, '0')}`;
  if (labelKind === kind) return [label];
  if (labelKind === 'month') return [];
  if (labelKind === 'quarter') {
    if (kind !== 'month') return [];
    const q = Number(QUARTER.exec(label)![2]);
    return [1, 2, 3].map((i) => mm((q - 1) * 3 + i));
  }
  return kind === 'month' ? Array.from({ length: 12 }, (_, i) => mm(i + 1)) : [1, 2, 3, 4].map((q) => `${year}-Q${q}`);
}

/** The UTC instants a label spans in a zone: [start of its first period, end of its last). */
export function labelRange(label: string, zone: string): { start: number; end: number } {
  const kind = periodKindOfLabel(label);
  const parts = kind === 'year' ? subPeriodLabels(label, 'month') : [label];
  return { start: parsePeriodLabel(parts[0]!, zone).start, end: parsePeriodLabel(parts[parts.length - 1]!, zone).end };
}


/** Sum decimal strings exactly, printed with the currency's minor-unit digits. */
function sumAmounts(xs: readonly string[], currency: string): string {
  return formatAmount(xs.reduce((a, x) => a.plus(x), new MoneyDecimal(0)), currency);
}

export async function measureCredits(slas: readonly { contract: Contract; sla: Sla }[], opts: MeasureCreditsOptions): Promise<CreditReport> {
  periodKindOfLabel(opts.period);
  const before = opts.source?.requests ?? 0;
  const skipped: string[] = [];
  const outsideTerm: string[] = [];
  const notStarted: string[] = [];
  const targets: MeasureTarget[] = [];
  for (const { contract, sla } of slas) {
    const labels = subPeriodLabels(opts.period, sla.period);
    if (labels.length === 0) {
      skipped.push(sla.key);
      continue;
    }
    for (const label of labels) {
      const period: Period = parsePeriodLabel(label, contract.timezone);
      if (!measuredRange(period, contract)) outsideTerm.push(`${sla.key} ${label}`);
      else if (!measuredRange(period, contract, opts.at)) notStarted.push(`${sla.key} ${label}`);
      else targets.push({ contract, sla, period });
    }
  }
  const measured = await measureTargets(targets, {
    asOf: opts.at,
    source: opts.source,
    store: opts.store,
    persist: opts.persist,
    ignoreRollups: opts.ignoreRollups,
    fetch: opts.fetch,
    recentMs: opts.detail ? Number.POSITIVE_INFINITY : undefined,
    keepObservations: opts.detail,
  });
  // Group by contract (file order), then by period (time order), SLAs in file order within each.
  const byContract = new Map<string, Map<string, SlaMeasurement[]>>();
  for (const m of measured) {
    let periods = byContract.get(m.contract.id);
    if (!periods) byContract.set(m.contract.id, (periods = new Map()));
    const list = periods.get(m.period.label) ?? [];
    list.push(m);
    periods.set(m.period.label, list);
  }
  const credits: CreditRow[] = [];
  const totals: ContractTotal[] = [];
  const measurements: SlaMeasurement[] = [];
  for (const periods of byContract.values()) {
    const groups = [...periods.values()].sort((a, b) => a[0]!.period.start - b[0]!.period.start);
    const parts: ContractTotal[] = [];
    for (const list of groups) {
      const r = assembleContractCredits(list, opts.at);
      credits.push(...r.rows);
      measurements.push(...list);
      parts.push(r.total);
    }
    const first = parts[0]!;
    totals.push({
      contract: first.contract,
      vendor: first.vendor,
      currency: first.currency,
      amount: sumAmounts(parts.map((p) => p.amount), first.currency),
      cap: sumAmounts(parts.map((p) => p.cap), first.currency),
      capped: parts.some((p) => p.capped),
      periods: parts.map((p) => ({ period: p.periods[0]!.period, amount: p.amount, cap: p.cap, capped: p.capped })),
    });
  }
  const warnings = [...new Set(measured.flatMap((m) => m.evidence.warnings))].sort();
  return {
    period: opts.period,
    at: isoUtc(opts.at),
    credits,
    totals,
    skipped,
    outsideTerm,
    notStarted,
    warnings,
    requests: (opts.source?.requests ?? 0) - before,
    ...(opts.detail ? { measurements } : {}),
  };
}
