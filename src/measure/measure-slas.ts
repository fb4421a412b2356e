// Measure many SLAs over their periods (or period-to-date) from hourly rollups where the store has
// them and from Prometheus for the rest, fetching all SLAs' missing slices in batched range queries.
//
// Rollup blocks are the hours of the period (period start + k h, the last one cut at the period end),
// so that every slice of an SLA whose slice length divides an hour lies in exactly one block. A stored
// rollup is used only for a block that ended at or before asOf; the block containing asOf is always
// read from Prometheus. SLAs whose slice does not divide an hour are always measured from raw slices.
import type { Contract, Sla } from '../contract/model.js';
import type { RollupStore, StoredRollup } from '../store/sqlite.js';
import { measurePeriod, measurePeriodFromRollups, sliceContextFor } from '../slo/measure.js';
import type { Measurement } from '../slo/methods.js';
import type { Period } from '../slo/periods.js';
import { measuredRange } from '../slo/periods.js';
import { summariseHour, type SliceRollup } from '../slo/slices.js';
import { definitionHash } from './definition-hash.js';
import { fetchSliceObservations, sliceExprs, type FetchSlicesOptions, type SliceObservations, type SliceQuery } from './fetch-slices.js';
import type { PromSource } from './source.js';

export const HOUR_MS = 3_600_000;

export interface MeasureTarget {
  contract: Contract;
  sla: Sla;
  period: Period;
}

export type DataSource = 'prometheus' | 'rollups' | 'rollups+prometheus' | 'none';

export interface MeasureEvidence {
  /** Where the slices came from. 'none': nothing to measure (outside the term, or not started). */
  source: DataSource;
  /** Prometheus base URL, when it was queried for this SLA. */
  prometheusUrl?: string;
  /** The PromQL the slices were read with (good, total), {{.window}} = slice. */
  queries: string[];
  /** Hours (rollup blocks) read from the store, and from Prometheus. */
  rollupHours: number;
  prometheusHours: number;
  /** Key of the stored rollups (see definition-hash.ts). */
  definitionHash: string;
}

export interface SlaMeasurement extends MeasureTarget {
  measurement: Measurement;
  /** The instant the measurement runs to (asOf, or the last complete hour with completeHoursOnly). */
  measuredThrough: number;
  evidence: MeasureEvidence;
  /** Rollups of blocks that ended by asOf − persistLagMs and were computed from Prometheus in this run. */
  freshRollups: StoredRollup[];
}

export interface MeasureOptions {
  /** Evaluation instant: period-to-date ends here. */
  asOf: number;
  /** Prometheus; may be omitted when the store covers every needed hour. */
  source?: PromSource;
  store?: RollupStore;
  /** Write freshly computed complete hours to the store (needs a writable store). */
  persist?: boolean;
  /**
   * Only hours that ended at least this long before asOf are persisted (default 5 min), so that a
   * scrape or ingestion delay never freezes a just-finished hour with its last minutes missing.
   */
  persistLagMs?: number;
  /** Ignore stored rollups (recompute everything from Prometheus). */
  ignoreRollups?: boolean;
  /**
   * Measure only up to the start of the hour block containing asOf (SLAs whose slices divide an hour):
   * with rollups up to date this needs no range query at all (large status runs). Default false.
   */
  completeHoursOnly?: boolean;
  fetch?: FetchSlicesOptions;
  /** Clock for computed_at. */
  now?: () => number;
}

export class MissingDataSourceError extends Error {
  override name = 'MissingDataSourceError';
}

interface Block {
  start: number;
  end: number;
}

/** The hour blocks of a period that overlap [from, to). */
export function hourBlocks(period: Period, from: number, to: number): Block[] {
  const out: Block[] = [];
  if (!(to > from)) return out;
  const first = Math.floor((from - period.start) / HOUR_MS);
  for (let k = first; ; k++) {
    const start = period.start + k * HOUR_MS;
    if (start >= to || start >= period.end) break;
    out.push({ start, end: Math.min(start + HOUR_MS, period.end) });
  }
  return out;
}

export function usesRollups(sla: Pick<Sla, 'measurement'>): boolean {
  return HOUR_MS % (sla.measurement.sliceSeconds * 1000) === 0;
}

const alignUp = (t: number, origin: number, step: number) => origin + Math.ceil((t - origin) / step) * step;
const alignDown = (t: number, origin: number, step: number) => origin + Math.floor((t - origin) / step) * step;

interface Plan {
  target: MeasureTarget;
  asOf: number;
  hash: string;
  stored: StoredRollup[];
  /** Blocks to summarise from raw slices. */
  missing: Block[];
  query?: SliceQuery;
  raw: boolean;
}

function countChars(s: string, c: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s[i] === c) n++;
  return n;
}

export function toStoredRollup(t: MeasureTarget, hash: string, r: SliceRollup, blockStart: number, source: string, computedAt: number): StoredRollup {
  const sliceMinutes = r.sliceSeconds / 60;
  return {
    contract: t.contract.id,
    sla: t.sla.id,
    definitionHash: hash,
    hourStart: blockStart,
    goodEvents: Number(r.goodSum),
    totalEvents: Number(r.totalSum),
    goodSlices: countChars(r.statuses, 'g'),
    badSlices: countChars(r.statuses, 'b'),
    noDataSlices: countChars(r.statuses, 'n'),
    excludedMinutes: countChars(r.statuses, 'x') * sliceMinutes,
    summary: r,
    source,
    computedAt,
  };
}

/** Observations grouped by the start of their hour block (summariseHour scans all it is given). */
export function bucketByBlock<T extends { start: number }>(obs: readonly T[], periodStart: number): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const o of obs) {
    const k = periodStart + Math.floor((o.start - periodStart) / HOUR_MS) * HOUR_MS;
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    list.push(o);
  }
  return out;
}

/** Measure every target as of opts.asOf; one batched fetch for all the slices the store lacks. */
export async function measureTargets(targets: readonly MeasureTarget[], opts: MeasureOptions): Promise<SlaMeasurement[]> {
  const plans: Plan[] = targets.map((target, i) => {
    const { contract, sla, period } = target;
    const hash = definitionHash(contract, sla);
    const raw = !usesRollups(sla);
    let asOf = opts.asOf;
    if (opts.completeHoursOnly && !raw && asOf < period.end) asOf = Math.max(period.start, period.start + Math.floor((asOf - period.start) / HOUR_MS) * HOUR_MS);
    const range = measuredRange(period, contract, asOf);
    const plan: Plan = { target, asOf, hash, stored: [], missing: [], raw };
    if (!range) return plan;
    const sliceMs = sla.measurement.sliceSeconds * 1000;
    if (plan.raw) {
      const from = alignUp(range.start, period.start, sliceMs);
      const to = alignDown(range.end, period.start, sliceMs);
      if (to > from) plan.query = { id: String(i), sla, origin: period.start, from, to };
      return plan;
    }
    const blocks = hourBlocks(period, range.start, range.end);
    const have = new Map<number, StoredRollup>();
    if (opts.store && !opts.ignoreRollups) {
      for (const r of opts.store.range({ contract: contract.id, sla: sla.id, definitionHash: hash }, blocks[0]?.start ?? 0, asOf)) {
        have.set(r.hourStart, r);
      }
    }
    for (const b of blocks) {
      const r = have.get(b.start);
      if (r && b.end <= asOf) plan.stored.push(r);
      else plan.missing.push(b);
    }
    if (plan.missing.length > 0) {
      const first = plan.missing[0]!;
      const last = plan.missing[plan.missing.length - 1]!;
      const from = alignUp(Math.max(first.start, range.start), period.start, sliceMs);
      const to = alignDown(Math.min(last.end, range.end), period.start, sliceMs);
      if (to > from) plan.query = { id: String(i), sla, origin: period.start, from, to };
    }
    return plan;
  });

  const queries = plans.flatMap((p) => (p.query ? [p.query] : []));
  if (queries.length > 0 && !opts.source) {
    const keys = plans.filter((p) => p.query).map((p) => p.target.sla.key);
    throw new MissingDataSourceError(
      `no Prometheus URL given and the rollup store does not cover ${keys.slice(0, 3).join(', ')}${keys.length > 3 ? ` and ${keys.length - 3} more` : ''} (use --prometheus URL or run \`obligo rollup\`)`,
    );
  }
  const observations: SliceObservations = queries.length > 0 ? await fetchSliceObservations(opts.source!, queries, opts.fetch) : new Map();
  const now = opts.now ?? Date.now;
  const lag = opts.persistLagMs ?? 5 * 60_000;
  const fresh: StoredRollup[] = [];

  const results = plans.map((plan): SlaMeasurement => {
    const { contract, sla, period } = plan.target;
    const asOf = plan.asOf;
    const obs = plan.query ? observations.get(plan.query.id) ?? [] : [];
    const url = opts.source?.url ?? '';
    let measurement: Measurement;
    const freshRollups: StoredRollup[] = [];
    if (plan.raw) {
      measurement = measurePeriod(contract, sla, period, obs, asOf);
    } else {
      const ctx = sliceContextFor(contract, sla, period, asOf);
      const computed: SliceRollup[] = [];
      const byBlock = bucketByBlock(obs, period.start);
      for (const b of plan.missing) {
        const r = summariseHour(ctx, b.start, byBlock.get(b.start) ?? [], b.end);
        computed.push(r);
        if (b.end <= asOf - lag) freshRollups.push(toStoredRollup(plan.target, plan.hash, r, b.start, url, now()));
      }
      const stored = plan.stored.map((r) => r.summary as SliceRollup);
      measurement = measurePeriodFromRollups(contract, sla, period, [...stored, ...computed], asOf);
    }
    fresh.push(...freshRollups);
    const fromProm = plan.query !== undefined;
    const fromStore = plan.stored.length > 0;
    return {
      ...plan.target,
      measurement,
      measuredThrough: asOf,
      freshRollups,
      evidence: {
        source: fromProm && fromStore ? 'rollups+prometheus' : fromProm ? 'prometheus' : fromStore ? 'rollups' : 'none',
        prometheusUrl: fromProm ? url : undefined,
        queries: Object.values(sliceExprs(sla)),
        rollupHours: plan.stored.length,
        prometheusHours: plan.raw ? 0 : plan.missing.length,
        definitionHash: plan.hash,
      },
    };
  });
  if (opts.persist && opts.store && fresh.length > 0) opts.store.upsert(fresh);
  return results;
}
