// From measurements to the credit rows of one contract and period. The money (tiers, base, cap,
// rounding) is credits/computeCredits; this adds what a report row carries besides: the measurement's
// minutes and flags, provisional status, and the evidence of where the data came from.
import { computeCredits, type CreditFlag as CoreCreditFlag } from '../credits/credit.js';
import type { TierDoc } from '../contract/schema.js';
import type { Coverage, MeasurementFlag } from '../slo/methods.js';
import type { MeasureEvidence, SlaMeasurement } from './measure-slas.js';
import { isoUtc as iso } from '../iso.js';

export type CreditFlag = MeasurementFlag | CoreCreditFlag | 'provisional' | 'review';

export interface CreditRow {
  contract: string;
  vendor: string;
  /** customer: we claim the credit; provider: we pay it. */
  role: 'customer' | 'provider';
  sla: string;
  period: string;
  /** The period's bounds in the contract's zone, RFC 3339 UTC ([start, end)). */
  periodStart: string;
  periodEnd: string;
  objective: number;
  /** Achieved percent (float, display); null without data. */
  achieved: number | null;
  /** Exact decimal string the tiers were compared with (before the contract's rounding). */
  achievedDecimal: string | null;
  measuredMinutes: number;
  excludedMinutes: number;
  badMinutes: number;
  /** Expected, covered, gap and excluded minutes; incomplete rows carry the flag `incomplete-data`. */
  coverage: Coverage;
  creditPercent: number;
  /** Credit base (decimal string, exact). */
  base: string;
  /** Credit amount, rounded to the currency's minor unit (decimal string). */
  amount: string;
  currency: string;
  capped: boolean;
  /** The contract's cap for this period (capPercent × fees.monthly × months), minor-unit digits. */
  cap: string;
  /** creditPolicy.rounding: how achieved was rounded before the tiers. */
  rounding: 'none' | 'nearest-0.1' | 'nearest-0.01';
  /** Last day to claim (YYYY-MM-DD, contract zone), or null when the contract sets no claim window. */
  claimDeadline: string | null;
  /** The instant the claim window closes (the local midnight after claimDeadline), RFC 3339 UTC. */
  claimDeadlineEndsAt: string | null;
  provisional: boolean;
  flags: CreditFlag[];
  evidence: MeasureEvidence & {
    contractFile: string;
    contractHash: string;
    /** metadata.revision of the contract, when it has one. */
    contractRevision?: string;
    /** The matched tier as the contract writes it, or null. */
    tier: TierDoc | null;
    /** Index of the winning tier, and the value compared with the tiers (after rounding). */
    tierIndex: number | null;
    comparedAchieved: string | null;
    /** Amount before the cap and before rounding (exact, up to 20 decimals). */
    uncappedAmount: string;
  };
}

export interface ContractTotal {
  contract: string;
  vendor: string;
  amount: string;
  currency: string;
  capped: boolean;
  /** The cap (decimal string) of this contract for the period (Σ over the periods of a longer label). */
  cap: string;
  /** Per period of the label (one entry unless a quarter or year of monthly SLAs). */
  periods: Array<{ period: string; amount: string; cap: string; capped: boolean }>;
}


/** Credit rows and the total of one contract's SLAs for one period (all measured with the same period). */
export function assembleContractCredits(list: readonly SlaMeasurement[], atMs: number): { rows: CreditRow[]; total: ContractTotal } {
  const contract = list[0]!.contract;
  const period = list[0]!.period;
  const st = computeCredits(
    contract,
    period,
    list.map((m) => ({ sla: m.sla, achieved: m.measurement.achievedDecimal, flags: m.measurement.flags })),
  );
  const rows: CreditRow[] = list.map((m, i) => {
    const c = st.rows[i]!;
    const provisional = atMs < m.period.end;
    const flags = new Set<CreditFlag>([...m.measurement.flags, ...c.flags]);
    if (provisional) flags.add('provisional');
    if (m.measurement.achieved === null) flags.add('review');
    return {
      contract: contract.id,
      vendor: contract.vendor,
      role: contract.role,
      sla: m.sla.id,
      period: m.period.label,
      periodStart: iso(m.period.start),
      periodEnd: iso(m.period.end),
      objective: m.sla.objective,
      achieved: m.measurement.achieved,
      achievedDecimal: m.measurement.achievedDecimal,
      measuredMinutes: m.measurement.measuredMinutes,
      excludedMinutes: m.measurement.excludedMinutes,
      badMinutes: m.measurement.badMinutes,
      coverage: m.measurement.coverage,
      creditPercent: c.percent,
      base: c.base,
      amount: c.amount,
      currency: st.currency,
      capped: c.flags.includes('capped'),
      cap: st.cap,
      rounding: contract.creditPolicy.rounding,
      claimDeadline: st.claimDeadline,
      claimDeadlineEndsAt: st.claimDeadlineEndsAt === null ? null : iso(st.claimDeadlineEndsAt),
      provisional,
      flags: [...flags].sort(),
      evidence: {
        ...m.evidence,
        contractFile: contract.file,
        contractHash: contract.hash,
        ...(contract.revision !== undefined ? { contractRevision: contract.revision } : {}),
        tier: c.tierIndex === null ? null : (m.sla.tiers[c.tierIndex] ?? null),
        tierIndex: c.tierIndex,
        comparedAchieved: c.compared,
        uncappedAmount: c.exactAmount,
      },
    };
  });
  return {
    rows,
    total: {
      contract: contract.id,
      vendor: contract.vendor,
      amount: st.total,
      currency: st.currency,
      capped: st.capped,
      cap: st.cap,
      periods: [{ period: period.label, amount: st.total, cap: st.cap, capped: st.capped }],
    },
  };
}
