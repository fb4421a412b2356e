// Service credits of one contract for one period.
//
//   base_i    = monthlyBase_i × months in period (× covered fraction of the period when prorate)
//   amount_i  = base_i × percent_i / 100      (percent from the tiers; 0 without data)
//   cap       = capPercent% × fees.monthly × months, rounded half-up to the minor unit
//   when Σ amount_i (exact) exceeds the cap, rows are scaled by cap / Σ and allocated by largest
//   remainder at the minor unit, so they add up to the cap exactly; otherwise each row is rounded
//   half-up to the minor unit, and if those rounded rows exceed the cap the smallest round-ups are
//   taken back (trimRoundUps) until they add up to the cap. All arithmetic is exact (rationals); rounding is
//   the last step.
//
// Decisions: the pro-rating fraction is the part of the period inside the contract term (ms / ms);
// maintenance does not reduce it (it is part of the service, not unbilled time). The cap is not
// pro-rated (the spec says fees.monthly × months). Ties in largest remainder go to the earlier row.
// All SLAs passed must have the period's kind (a quarterly SLA is credited per quarter).
import { DateTime } from 'luxon';
import type { Contract, Sla } from '../contract/model.js';
import type { MeasurementFlag } from '../slo/methods.js';
import { type Period, monthsInPeriod, periodLastDay, termCoverage } from '../slo/periods.js';
import { formatRational, minorUnits, toRational, unitsToString } from './money.js';
import { type Rational, ZERO, add, cmp, floor, make, mul, roundHalfUpToScale, sub, toDecimalString } from './rational.js';
import { type Rounding, matchTier } from './tiers.js';

export type CreditFlag =
  /** Achieved unknown (no data for the whole period): no credit; review. */
  | 'no-data'
  /** The period lies outside the contract term. */
  | 'outside-term'
  /** The row was scaled down to fit the contract's cap. */
  | 'capped'
  /** The base was pro-rated by the part of the period inside the term. */
  | 'prorated';

export interface SlaOutcome {
  sla: Pick<Sla, 'id' | 'key' | 'tiers' | 'monthlyBase' | 'period'>;
  /** Achieved percent as an exact decimal string (Measurement.achievedDecimal), null when unknown. */
  achieved: string | null;
  /** Measurement flags, carried for the no-data / outside-term decision. */
  flags?: readonly MeasurementFlag[];
}

export type CreditContract = Pick<Contract, 'id' | 'currency' | 'monthlyFee' | 'creditPolicy' | 'timezone' | 'termStart' | 'termEnd'>;

export interface CreditRow {
  slaId: string;
  slaKey: string;
  achieved: string | null;
  /** The value compared against tiers (after the contract's rounding). */
  compared: string | null;
  tierIndex: number | null;
  percent: number;
  /** monthlyBase × months, exact decimal. */
  base: string;
  /** Covered fraction of the period applied to the base ("1" unless prorate). */
  fraction: string;
  /** Exact amount before cap and rounding (decimal, up to 20 places). */
  exactAmount: string;
  /** Final amount: fixed minor-unit digits ("1200.00", JPY "1200"). */
  amount: string;
  flags: CreditFlag[];
}

export interface CreditStatement {
  contractId: string;
  period: string;
  currency: string;
  minorUnits: number;
  rows: CreditRow[];
  /** Σ rows' amounts (fixed minor-unit digits). */
  total: string;
  /** The cap for the period (fixed minor-unit digits). */
  cap: string;
  capped: boolean;
  /** Last day (YYYY-MM-DD, contract zone) to claim: last day of the period + claimWindowDays. */
  claimDeadline: string | null;
  /** The instant the claim window closes: the local midnight after claimDeadline, epoch ms. */
  claimDeadlineEndsAt: number | null;
}

/**
 * Allocate `targetUnits` minor units over non-negative shares in proportion (largest remainder;
 * ties to the earlier share). All-zero shares get zero whatever the target.
 */
export function allocateLargestRemainder(shares: readonly Rational[], targetUnits: bigint): bigint[] {
  const total = shares.reduce(add, ZERO);
  if (total.n === 0n) return shares.map(() => 0n);
  const target = make(targetUnits);
  const exactUnits = shares.map((s) => mul(mul(s, target), make(total.d, total.n))); // s × target / total
  const floors = exactUnits.map(floor);
  let left = targetUnits - floors.reduce((a, b) => a + b, 0n);
  const order = exactUnits
    .map((u, i) => ({ i, rem: sub(u, make(floors[i]!)) }))
    .sort((a, b) => cmp(b.rem, a.rem) || a.i - b.i);
  const out = [...floors];
  for (const { i } of order) {
    if (left <= 0n) break;
    out[i]! += 1n;
    left -= 1n;
  }
  return out;
}

/**
 * Take `excess` minor units back from rows rounded up (half-up) one by one: from the rows whose
 * exact remainder was smallest first (closest to the half), ties to the later row; one unit per row
 * at most, so a row ends at its exact amount rounded down or half-up. The caller guarantees the exact
 * total fits (Σ floors ≤ Σ rounded − excess), so there are always enough round-ups.
 */
export function trimRoundUps(amounts: readonly Rational[], rounded: readonly bigint[], excess: bigint, scale: number): bigint[] {
  const unit = 10n ** BigInt(scale);
  const out = [...rounded];
  const ups = amounts
    .map((a, i) => {
      const scaled = mul(a, make(unit));
      const fl = floor(scaled);
      return { i, up: rounded[i]! > fl, rem: sub(scaled, make(fl)) };
    })
    .filter((x) => x.up)
    .sort((a, b) => cmp(a.rem, b.rem) || b.i - a.i);
  let left = excess;
  for (const { i } of ups) {
    if (left <= 0n) break;
    out[i]! -= 1n;
    left -= 1n;
  }
  if (left > 0n) throw new RangeError('trimRoundUps: the excess is larger than the round-ups');
  return out;
}

/** Claim deadline: last local day of the period + N days, and the instant that day ends. */
export function claimDeadline(period: Period, claimWindowDays: number | undefined): { date: string; endsAt: number } | null {
  if (claimWindowDays === undefined) return null;
  const last = DateTime.fromISO(periodLastDay(period), { zone: period.zone }).plus({ days: claimWindowDays });
  return { date: last.toISODate() as string, endsAt: last.plus({ days: 1 }).startOf('day').toMillis() };
}

export interface CreditOptions {
  /** Override the pro-rating fraction (coveredMs / periodMs by default). */
  coverage?: { coveredMs: number; periodMs: number };
}

export function computeCredits(contract: CreditContract, period: Period, outcomes: readonly SlaOutcome[], options: CreditOptions = {}): CreditStatement {
  const currency = contract.currency;
  const scale = minorUnits(currency);
  const months = make(BigInt(monthsInPeriod(period)));
  const rounding: Rounding = contract.creditPolicy.rounding;
  const cov = options.coverage ?? termCoverage(period, contract);
  const outside = cov.coveredMs <= 0;
  const prorate = contract.creditPolicy.prorate && !outside;
  const fraction = prorate ? make(BigInt(cov.coveredMs), BigInt(cov.periodMs)) : make(1n);

  const prelim = outcomes.map((o) => {
    if (o.sla.period !== period.kind) throw new RangeError(`SLA ${o.sla.key} is measured per ${o.sla.period}, not per ${period.kind}`);
    const flags: CreditFlag[] = [];
    const base = mul(toRational(o.sla.monthlyBase), months);
    if (prorate && cmp(fraction, make(1n)) !== 0) flags.push('prorated');
    if (outside || o.flags?.includes('outside-term')) flags.push('outside-term');
    let match = null;
    let amount = ZERO;
    if (o.achieved === null || outside) {
      if (!flags.includes('outside-term')) flags.push('no-data');
    } else {
      match = matchTier(o.achieved, o.sla.tiers, rounding);
      amount = mul(mul(base, fraction), mul(toRational(match.percent), make(1n, 100n)));
    }
    return { o, base, match, amount, flags };
  });

  const capUnits = roundHalfUpToScale(mul(mul(toRational(contract.creditPolicy.capPercent), make(1n, 100n)), mul(toRational(contract.monthlyFee), months)), scale);
  const capExact = make(capUnits, 10n ** BigInt(scale));
  const exactTotal = prelim.reduce((a, r) => add(a, r.amount), ZERO);
  const rowUnits = prelim.map((r) => roundHalfUpToScale(r.amount, scale));
  const roundedTotal = rowUnits.reduce((a, b) => a + b, 0n);
  const overExactly = cmp(exactTotal, capExact) > 0;
  const capped = overExactly || roundedTotal > capUnits;
  // Over the cap exactly: every row scaled down in proportion, split by largest remainder. Over it only
  // because rows were rounded one by one: each row keeps its rounded amount except the round-ups the cap
  // cannot hold, taken back from the rows whose round-up was smallest (never a row raised above its own
  // rounded amount, never one cut below its exact amount rounded down).
  const units = overExactly
    ? allocateLargestRemainder(prelim.map((r) => r.amount), capUnits)
    : capped
      ? trimRoundUps(prelim.map((r) => r.amount), rowUnits, roundedTotal - capUnits, scale)
      : rowUnits;

  const rows: CreditRow[] = prelim.map((r, i) => {
    const flags = [...r.flags];
    if (overExactly ? r.amount.n !== 0n : units[i]! < rowUnits[i]!) flags.push('capped');
    return {
      slaId: r.o.sla.id,
      slaKey: r.o.sla.key,
      achieved: r.o.achieved,
      compared: r.match?.compared ?? null,
      tierIndex: r.match?.tierIndex ?? null,
      percent: r.match?.percent ?? 0,
      base: toDecimalString(r.base),
      fraction: toDecimalString(fraction),
      exactAmount: toDecimalString(r.amount),
      amount: unitsToString(units[i]!, scale),
      flags,
    };
  });
  const deadline = claimDeadline(period, contract.creditPolicy.claimWindowDays);
  return {
    contractId: contract.id,
    period: period.label,
    currency,
    minorUnits: scale,
    rows,
    total: unitsToString(units.reduce((a, b) => a + b, 0n), scale),
    cap: formatRational(capExact, currency),
    capped,
    claimDeadline: deadline?.date ?? null,
    claimDeadlineEndsAt: deadline?.endsAt ?? null,
  };
}
