// Backtest proposed terms for a renewal: measure a contract's SLAs period by period over a past range
// once (rollups where stored, Prometheus for the rest), then compute the credits twice with the same
// code — under the current terms and under the proposed ones (objective, tiers, cap) — so the two
// columns differ only by the terms. Measurement does not depend on the objective, tiers or cap.
import type { Contract, Sla, TierDoc } from '../contract/index.js';
import { assembleContractCredits, type CreditRow } from '../measure/credit-rows.js';
import { measureCredits, subPeriodLabels } from '../measure/credits.js';
import type { FetchSlicesOptions } from '../measure/fetch-slices.js';
import type { SlaMeasurement } from '../measure/measure-slas.js';
import type { RollupRepository } from '../measure/rollup-store.js';
import type { PromSource } from '../measure/source.js';
import { budgetRemainingDecimal } from '../slo/budget.js';

export interface ProposedTerms {
  objective?: number;
  tiers?: TierDoc[];
  capPercent?: number;
  /** SLA ids the objective and tiers apply to (default: every SLA of the contract). */
  slas?: string[];
}

export class TermsError extends Error {
  override name = 'TermsError';
}

export interface TermsOutcome {
  objective: number;
  met: boolean | null;
  /** Budget remaining (fraction, 6 decimals; negative once breached). */
  budgetRemaining: string | null;
  creditPercent: number;
  amount: string;
  capped: boolean;
}

export interface BacktestRow {
  sla: string;
  period: string;
  achieved: string | null;
  badMinutes: number;
  measuredMinutes: number;
  coverage: number | null;
  complete: boolean;
  flags: string[];
  current: TermsOutcome;
  proposed: TermsOutcome;
}

export interface BacktestResult {
  contract: string;
  currency: string;
  from: string;
  to: string;
  rows: BacktestRow[];
  totals: { current: string; proposed: string; periods: number; breachesCurrent: number; breachesProposed: number };
  /** Periods left out (outside the term, not started). */
  omitted: string[];
  /** Prometheus warnings (partial responses) of the answers. */
  warnings: string[];
  requests: number;
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** The month labels from `from` to `to` inclusive (YYYY-MM each). */
export function monthLabels(from: string, to: string): string[] {
  const a = MONTH.exec(from);
  const b = MONTH.exec(to);
  if (!a || !b) throw new TermsError(`--from and --to expect months YYYY-MM (got "${from}", "${to}")`);
  let y = Number(a[1]);
  let m = Number(a[2]);
  const endKey = Number(b[1]) * 12 + Number(b[2]);
  if (y * 12 + m > endKey) throw new TermsError(`--to ${to} is before --from ${from}`);
  const out: string[] = [];
  while (y * 12 + m <= endKey) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    if (out.length > 120) throw new TermsError('a backtest covers at most 120 months');
    m++;
    if (m > 12) {
      m = 1;
      y++;
    }
  }
  return out;
}

/** "below 99.9:10, below 99:25, atOrBelow 99.99 above 99:5" → tiers (the contract format's bounds). */
export function parseTiers(text: string): TierDoc[] {
  const tiers: TierDoc[] = [];
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(.*):\s*([0-9]+(?:\.[0-9]+)?)\s*%?$/.exec(part);
    if (!m) throw new TermsError(`--tiers: "${part}" is not BOUND VALUE[ BOUND VALUE]:PERCENT, e.g. "below 99.9:10"`);
    const percent = Number(m[2]);
    if (!(percent > 0 && percent <= 100)) throw new TermsError(`--tiers: "${part}": percent must be in (0, 100]`);
    const tier: Record<string, number> = { percent };
    const words = m[1]!.trim().split(/\s+/);
    if (words.length % 2 !== 0 || words.length === 0) throw new TermsError(`--tiers: "${part}": bounds come as BOUND VALUE pairs`);
    for (let i = 0; i < words.length; i += 2) {
      const bound = words[i]!;
      const value = Number(words[i + 1]);
      if (!['below', 'atOrBelow', 'above', 'atOrAbove'].includes(bound)) throw new TermsError(`--tiers: "${part}": unknown bound "${bound}" (below, atOrBelow, above, atOrAbove)`);
      if (!(value > 0 && value <= 100)) throw new TermsError(`--tiers: "${part}": ${bound} must be a percentage in (0, 100]`);
      if (bound in tier) throw new TermsError(`--tiers: "${part}": ${bound} given twice`);
      tier[bound] = value;
    }
    if (tier.below === undefined && tier.atOrBelow === undefined) throw new TermsError(`--tiers: "${part}": a tier needs an upper bound (below or atOrBelow)`);
    if (tier.below !== undefined && tier.atOrBelow !== undefined) throw new TermsError(`--tiers: "${part}": below and atOrBelow exclude each other`);
    if (tier.above !== undefined && tier.atOrAbove !== undefined) throw new TermsError(`--tiers: "${part}": above and atOrAbove exclude each other`);
    tiers.push(tier as unknown as TierDoc);
  }
  if (tiers.length === 0) throw new TermsError('--tiers: no tier given');
  return tiers;
}

/** The contract under the proposed terms (a copy; the measurement-facing fields are untouched). */
export function withTerms(contract: Contract, terms: ProposedTerms): Contract {
  for (const id of terms.slas ?? []) if (!contract.slas.some((s) => s.id === id)) throw new TermsError(`no SLA "${id}" in contract ${contract.id}`);
  if (terms.objective !== undefined && !(terms.objective > 0 && terms.objective < 100)) throw new TermsError(`--objective must be a percentage in (0, 100) (got ${terms.objective})`);
  if (terms.capPercent !== undefined && !(terms.capPercent > 0 && terms.capPercent <= 100)) throw new TermsError(`--cap-percent must be in (0, 100] (got ${terms.capPercent})`);
  const applies = (s: Sla) => !terms.slas || terms.slas.length === 0 || terms.slas.includes(s.id);
  const copy: Contract = {
    ...contract,
    creditPolicy: { ...contract.creditPolicy, ...(terms.capPercent !== undefined ? { capPercent: terms.capPercent } : {}) },
    slas: [],
  };
  copy.slas = contract.slas.map((s) =>
    applies(s)
      ? {
          ...s,
          ...(terms.objective !== undefined ? { objective: terms.objective, budget: 1 - terms.objective / 100 } : {}),
          ...(terms.tiers ? { tiers: terms.tiers } : {}),
        }
      : s,
  );
  return copy;
}

function outcome(row: CreditRow, sla: Sla, achieved: number | null): TermsOutcome {
  const b = budgetRemainingDecimal(row.achievedDecimal, sla.objective);
  return {
    objective: sla.objective,
    met: achieved === null ? null : achieved >= sla.objective,
    budgetRemaining: b === null ? null : b.toFixed(6),
    creditPercent: row.creditPercent,
    amount: row.amount,
    capped: row.capped,
  };
}

export interface BacktestRequest {
  contract: Contract;
  terms: ProposedTerms;
  /** YYYY-MM, inclusive. */
  from: string;
  to: string;
  at: number;
  source?: PromSource;
  store?: RollupRepository;
  fetch?: FetchSlicesOptions;
}

export async function backtest(req: BacktestRequest): Promise<BacktestResult> {
  const proposedContract = withTerms(req.contract, req.terms);
  const months = monthLabels(req.from, req.to);
  const labels = [...months];
  // Quarterly SLAs: the quarters wholly inside the range.
  if (req.contract.slas.some((s) => s.period === 'quarter')) {
    for (const m of months) {
      const q = `${m.slice(0, 4)}-Q${Math.floor((Number(m.slice(5)) - 1) / 3) + 1}`;
      if (!labels.includes(q) && subPeriodLabels(q, 'month').every((x) => months.includes(x))) labels.push(q);
    }
  }
  const rows: BacktestRow[] = [];
  const omitted: string[] = [];
  const warnings = new Set<string>();
  let requests = 0;
  let current = 0n;
  let proposed = 0n;
  const units = (s: string) => BigInt(s.replace('.', ''));
  const scale = (s: string) => (s.includes('.') ? s.length - s.indexOf('.') - 1 : 0);
  let digits = 0;
  for (const label of labels) {
    const kind = label.includes('Q') ? 'quarter' : 'month';
    const slas = req.contract.slas.filter((s) => s.period === kind).map((sla) => ({ contract: req.contract, sla }));
    if (slas.length === 0) continue;
    const rep = await measureCredits(slas, { period: label, at: req.at, source: req.source, store: req.store, fetch: req.fetch, detail: true });
    requests += rep.requests;
    for (const w of rep.warnings) warnings.add(w);
    omitted.push(...rep.outsideTerm, ...rep.notStarted);
    const ms = rep.measurements!;
    if (ms.length === 0) continue;
    const alt: SlaMeasurement[] = ms.map((m) => ({ ...m, contract: proposedContract, sla: proposedContract.slas.find((s) => s.id === m.sla.id)! }));
    const again = assembleContractCredits(alt, req.at);
    rep.credits.forEach((row, i) => {
      const p = again.rows[i]!;
      rows.push({
        sla: row.sla,
        period: row.period,
        achieved: row.achievedDecimal,
        badMinutes: row.badMinutes,
        measuredMinutes: row.measuredMinutes,
        coverage: row.coverage.ratio,
        complete: row.coverage.complete,
        flags: row.flags,
        current: outcome(row, ms[i]!.sla, ms[i]!.measurement.achieved),
        proposed: outcome(p, alt[i]!.sla, ms[i]!.measurement.achieved),
      });
      digits = scale(row.amount);
      current += units(row.amount);
      proposed += units(p.amount);
    });
  }
  const fmt = (u: bigint) => {
    if (digits === 0) return u.toString();
    const s = (u < 0n ? -u : u).toString().padStart(digits + 1, '0');
    return `${u < 0n ? '-' : ''}${s.slice(0, -digits)}.${s.slice(-digits)}`;
  };
  return {
    contract: req.contract.id,
    currency: req.contract.currency,
    from: req.from,
    to: req.to,
    rows,
    totals: {
      current: fmt(current),
      proposed: fmt(proposed),
      periods: rows.length,
      breachesCurrent: rows.filter((r) => r.current.met === false).length,
      breachesProposed: rows.filter((r) => r.proposed.met === false).length,
    },
    omitted,
    warnings: [...warnings].sort(),
    requests,
  };
}
