// Status of SLAs as of one instant: period-to-date achieved and budget, SLI and burn rate per window,
// and a state. Requests: one (rules) or a few (raw) instant queries for the windows, plus the range
// queries for the slices the rollup store lacks (usually only the current hour).
import { DateTime } from 'luxon';
import { isoUtc } from '../iso.js';
import type { Contract, Sla } from '../contract/model.js';
import { SLI_WINDOWS } from '../contract/model.js';
import { activeBurnRates, slaWindows } from '../conventions.js';
import type { RollupRepository } from './rollup-store.js';
import { budgetRemainingDecimal, budgetState, burnRate, type BurnPairValue } from '../slo/budget.js';
import { windowCoverages, type Coverage, type MeasurementFlag } from '../slo/methods.js';
import { durationSeconds } from '../contract/model.js';
import { periodContaining, type Period } from '../slo/periods.js';
import type { SlaState } from '../evaluate/types.js';
import { measureTargets, type MeasureEvidence, type PeriodState, type SlaMeasurement } from './measure-slas.js';
import type { FetchSlicesOptions } from './fetch-slices.js';
import type { PromSource } from './source.js';
import { fetchWindowRatios } from './windows.js';
import { keptPer } from '../kept.js';

export interface SlaStatus {
  contract: string;
  sla: string;
  /** "contract/sla" */
  key: string;
  vendor: string;
  role: 'customer' | 'provider';
  labels: Record<string, string>;
  objective: number;
  method: Sla['measurement']['method'];
  /** The current period, RFC 3339 in the contract's zone; end exclusive. */
  period: { label: string; start: string; end: string };
  /** Period-to-date achieved percent; null without data. */
  achieved: number | null;
  /** The instant achieved is measured to (= at, or the last complete hour with completeHoursOnly). */
  achievedThrough: string;
  achievedDecimal: string | null;
  /** 1 − (1 − achieved/100)/b; negative once breached; null without data. */
  budgetRemaining: number | null;
  /** SLI (good/total) per window; null when the window had no traffic. */
  sli: Record<string, number | null>;
  /** (1 − SLI)/b per window; null when the window had no traffic. */
  burnRates: Record<string, number | null>;
  /**
   * Per window: the share of the window's minutes (those inside the measured range, maintenance
   * excluded) that had data or known silence; null when the measured slices do not reach the window.
   */
  windowCoverage: Record<string, number | null>;
  /** Period-to-date coverage: expected, covered, gap and excluded minutes; complete or not. */
  coverage: Coverage;
  /** Prometheus warnings (partial responses) behind this status. */
  warnings: string[];
  state: SlaState;
  measuredMinutes: number;
  badMinutes: number;
  excludedMinutes: number;
  flags: MeasurementFlag[];
  evidence: MeasureEvidence & { windows: 'rules' | 'raw' };
}

export interface StatusReport {
  at: string;
  slas: SlaStatus[];
  /** The measurements behind `slas` (same order): current-period credits are assembled from them. */
  measurements: SlaMeasurement[];
  /** Distinct Prometheus warnings of all answers (partial responses), for one line each on stderr. */
  warnings: string[];
  /** HTTP requests made to Prometheus for this evaluation. */
  requests: number;
  /** The window queries sent (rules query first). */
  windowQueries: string[];
}

export interface MeasureStatusOptions {
  at: number;
  source: PromSource;
  store?: RollupRepository;
  /** Persist complete hours read from Prometheus (needs a writable store). */
  persist?: boolean;
  /** Skip the recording rules and always query raw expressions. */
  useRules?: boolean;
  /** Budget remaining below this is 'at-risk' (default 0.25). */
  atRiskBelow?: number;
  /**
   * Period-to-date only through the last complete hour (from rollups; the current hour is not read):
   * the mode for thousands of SLAs, where the windows come from the recording rules in one request.
   */
  completeHoursOnly?: boolean;
  fetch?: FetchSlicesOptions;
  /** Period-to-date state kept between evaluations (serve). */
  state?: PeriodState;
}

/**
 * The windows a status reports for an SLA: the seven standard windows always (null without traffic), plus
 * any window the SLA's own burn-rate table names (so that policies can evaluate custom pairs from this
 * document); with each window's length in ms, for its coverage.
 */
const statusWindows = keptPer((sla: Sla): { names: readonly string[]; ms: readonly number[] } => {
  const names = [...SLI_WINDOWS, ...slaWindows(sla).filter((x) => !(SLI_WINDOWS as readonly string[]).includes(x))];
  return { names, ms: names.map((w) => durationSeconds(w) * 1000) };
});

export function isoInZone(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true }) ?? new Date(ms).toISOString();
}

export { isoUtc };

/** Status of the given SLAs (each paired with its contract) as of opts.at. */
export async function measureStatus(
  slas: readonly { contract: Contract; sla: Sla }[],
  opts: MeasureStatusOptions,
): Promise<StatusReport> {
  const before = opts.source.requests;
  // Many SLAs share a period kind and a time zone: each period is computed once.
  const periods = new Map<string, ReturnType<typeof periodContaining>>();
  const periodOf = (kind: Sla['period'], zone: string) => {
    const k = `${kind}\u0000${zone}`;
    let p = periods.get(k);
    if (!p) periods.set(k, (p = periodContaining(kind, zone, opts.at)));
    return p;
  };
  // The same period's ISO bounds are printed once, not once per SLA.
  const periodBounds = new Map<string, { start: string; end: string }>();
  const boundsOf = (p: Period) => {
    const k = `${p.zone}\u0000${p.start}\u0000${p.end}`;
    let b = periodBounds.get(k);
    if (!b) periodBounds.set(k, (b = { start: isoInZone(p.start, p.zone), end: isoInZone(p.end, p.zone) }));
    return b;
  };
  // The window ratios and the period-to-date slices are asked at once (the client bounds the requests
  // in flight): a tick waits for the slower of the two, not for both in turn.
  const [windows, measured] = await Promise.all([
    fetchWindowRatios(
      opts.source,
      slas.map((s) => s.sla),
      opts.at,
      { useRules: opts.useRules },
    ),
    measureTargets(
      slas.map(({ contract, sla }) => ({ contract, sla, period: periodOf(sla.period, contract.timezone) })),
      { asOf: opts.at, source: opts.source, store: opts.store, persist: opts.persist, fetch: opts.fetch, completeHoursOnly: opts.completeHoursOnly, state: opts.state },
    ),
  ]);
  const out: SlaStatus[] = measured.map((m) => {
    const { contract, sla, period, measurement } = m;
    const ratios = windows.ratios.get(sla.key) ?? new Map<string, number>();
    const sliOf = (w: string): number | null => {
      const r = ratios.get(w);
      return r === undefined ? null : 1 - r;
    };
    const sli: Record<string, number | null> = {};
    const burnRates: Record<string, number | null> = {};
    const ws = statusWindows(sla);
    for (const w of ws.names) {
      sli[w] = sliOf(w);
      burnRates[w] = burnRate(sli[w]!, sla.objective);
    }
    // Every window of an active pair is in burnRates (slaWindows adds them).
    const burn: BurnPairValue[] = activeBurnRates(sla).map((pair) => ({ pair, long: burnRates[pair.long]!, short: burnRates[pair.short]! }));
    const achievedDecimal = measurement.achievedDecimal;
    // 1 − (1 − achieved/100)/b, computed once for the number reported and the state.
    const remaining = budgetRemainingDecimal(achievedDecimal, sla.objective);
    const atMs = opts.at;
    const windowCov: Record<string, number | null> = {};
    const covs = windowCoverages(m.recent, m.recent.grid, atMs, ws.ms);
    ws.names.forEach((w, i) => (windowCov[w] = covs[i]!.ratio));
    // Warnings of the window answers make the status incomplete too (its burn rates come from them).
    const windowWarnings = windows.warnings.get(sla.key) ?? [];
    const warnings = m.evidence.warnings.length + windowWarnings.length === 0 ? [] : [...new Set([...m.evidence.warnings, ...windowWarnings])].sort();
    const flags = new Set<MeasurementFlag>(measurement.flags);
    let coverage = measurement.coverage;
    if (warnings.length > 0 && !coverage.partialResponse) {
      coverage = { ...coverage, partialResponse: true, complete: false };
      flags.add('partial-response');
      flags.add('incomplete-data');
    }
    return {
      contract: contract.id,
      sla: sla.id,
      key: sla.key,
      vendor: contract.vendor,
      role: contract.role,
      labels: sla.labels,
      objective: sla.objective,
      method: sla.measurement.method,
      period: { label: period.label, ...boundsOf(period) },
      achieved: measurement.achieved,
      achievedThrough: isoUtc(m.measuredThrough),
      achievedDecimal,
      budgetRemaining: remaining?.toNumber() ?? null,
      sli,
      burnRates,
      windowCoverage: windowCov,
      coverage,
      warnings,
      state: measurement.flags.includes('outside-term') ? 'outside-term' : budgetState({ achieved: achievedDecimal, objective: sla.objective, burn, atRiskBelow: opts.atRiskBelow, remaining: remaining ?? undefined }),
      measuredMinutes: measurement.measuredMinutes,
      badMinutes: measurement.badMinutes,
      excludedMinutes: measurement.excludedMinutes,
      flags: [...flags].sort(),
      evidence: { ...m.evidence, windows: windows.fromRules.has(sla.key) ? 'rules' : 'raw' },
    };
  });
  const allWarnings = [...new Set(out.flatMap((s) => s.warnings))].sort();
  return { at: isoUtc(opts.at), slas: out, measurements: measured, warnings: allWarnings, requests: opts.source.requests - before, windowQueries: windows.queries };
}
