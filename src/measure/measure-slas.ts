// Measure many SLAs over their periods (or period-to-date) from hourly rollups where the store has
// them and from Prometheus for the rest, fetching all SLAs' missing slices in batched range queries.
//
// Rollup blocks are the hours of the period (period start + k h, the last one cut at the period end),
// so that every slice of an SLA whose slice length divides an hour lies in exactly one block. A stored
// rollup is used only for a block that ended at or before asOf; the block containing asOf is always
// read from Prometheus. SLAs whose slice does not divide an hour are always measured from raw slices.
//
// Gaps (spec: "Silence and gaps are different things"): a slice without a sample of `total` is silence
// only when no series of the SLI has samples anywhere in the period so far (stored hours included);
// otherwise it is a gap ('?'): unmeasured, and it lowers coverage. A slice with `total` but no `good`
// sample is a gap when the good series has samples elsewhere in the fetched range, else 0 good (a
// service that has only failed has no success series). Trailing slices still without data within
// `ingestDelayMs` of asOf are not measured yet (their samples may not have arrived), not gaps.
// Only complete hours (no gap, no partial response) are ever stored as rollups. An hour stored without
// any sample of the series (silence when it was stored) is silence only while the series has had no
// sample in the period so far; once it has (in a stored hour or in the slices read now), every slice of
// that hour is a gap, as in a fresh evaluation (storedSummary).
import type { Contract, Sla } from '../contract/model.js';
import type { RollupRepository, StoredRollup } from './rollup-store.js';
import { COUNT_SCALE, RATIO_SCALE } from '../slo/exact.js';
import { decimalToUnits } from '../slo/exact.js';
import { measurePeriodDetailed, measurePeriodFromRollupsDetailed, measurePeriodFromTally, sliceContextFor, type DetailedMeasurement } from '../slo/measure.js';
import { copyTally, emptyTally, feedTally, type Measurement, type MeasurementFlag, type SliceTally } from '../slo/methods.js';
import type { Period } from '../slo/periods.js';
import { measuredRange } from '../slo/periods.js';
import { summariseHour, summariseHourBlock, type SliceContext, type SliceObservation, type SliceRollup } from '../slo/slices.js';
import { definitionHash } from './definition-hash.js';
import { readSlices, sliceExprs, sliceRangeKey, type FetchSlicesOptions, type SliceAnswers, type SliceFetch, type SliceQuery } from './fetch-slices.js';
import type { PromSource } from './source.js';
import { keptPer } from '../kept.js';
import { isoUtc } from '../iso.js';

export const HOUR_MS = 3_600_000;

export interface MeasureTarget {
  contract: Contract;
  sla: Sla;
  period: Period;
}

export type DataSource = 'prometheus' | 'rollups' | 'rollups+prometheus' | 'none';

/** A run of consecutive hours (rollup blocks) read from one source. */
export interface SourceRun {
  /** RFC 3339 UTC, [from, to). */
  from: string;
  to: string;
  hours: number;
  source: 'rollup' | 'prometheus';
}

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
  /** Which source each hour came from, as runs of consecutive hours (rollup SLAs only). */
  hours: SourceRun[];
  /** Expressions a batched answer lacked, asked again on their own. */
  requeried: Array<'good' | 'total'>;
  /** Prometheus warnings of the answers behind this measurement (a partial response). */
  warnings: string[];
  /** Key of the stored rollups (see definition-hash.ts). */
  definitionHash: string;
}

/** The classified slices of the last part of the measured range (window coverage reads them). */
export interface RecentSlices {
  grid: { origin: number; sliceMs: number };
  firstIndex: number;
  statuses: string;
}

export interface SlaMeasurement extends MeasureTarget {
  measurement: Measurement;
  /** The instant the measurement runs to (asOf, the last complete hour with completeHoursOnly, or earlier by the ingest delay). */
  measuredThrough: number;
  evidence: MeasureEvidence;
  /** Rollups of complete blocks that ended by asOf − persistLagMs and were computed from Prometheus in this run. */
  freshRollups: StoredRollup[];
  /** Slices of the last `recentMs` of the measured range. */
  recent: RecentSlices;
  /** With keepObservations: the slice observations read from Prometheus this run (evidence packs). */
  observations?: SliceObservation[];
}

export interface MeasureOptions {
  /** Evaluation instant: period-to-date ends here. */
  asOf: number;
  /** Prometheus; may be omitted when the store covers every needed hour. */
  source?: PromSource;
  store?: RollupRepository;
  /** Write freshly computed complete hours to the store (needs a writable store). */
  persist?: boolean;
  /**
   * Only hours that ended at least this long before asOf are persisted (default 5 min), so that a
   * scrape or ingestion delay never freezes a just-finished hour with its last minutes missing.
   */
  persistLagMs?: number;
  /**
   * Fresh hours are stored as soon as this many are pending (with the rest of the SLA that reached it), not
   * once per pass: default 50,000 (a cold tick of 10,000 SLAs computes a million).
   */
  persistBatch?: number;
  /** Trailing slices without data that end within this of asOf are not measured yet (default 3 min). */
  ingestDelayMs?: number;
  /** Ignore stored rollups (recompute everything from Prometheus). */
  ignoreRollups?: boolean;
  /**
   * Measure only up to the start of the hour block containing asOf (SLAs whose slices divide an hour):
   * with rollups up to date this needs no range query at all (large status runs). Default false.
   */
  completeHoursOnly?: boolean;
  /** How much of the end of the measured range `recent` keeps (default 3 days: the longest burn-rate window). */
  recentMs?: number;
  /**
   * Period-to-date state kept between evaluations (serve): the tally of each SLA's complete hours, so a
   * tick reads from Prometheus and classifies only the hours after them (and reads no stored rollup).
   */
  state?: PeriodState;
  /** Return the slice observations read from Prometheus with each measurement (default false). */
  keepObservations?: boolean;
  /** At most this many slices read from Prometheus per pass (memory bound; default DEFAULT_MAX_SLICES_PER_PASS). */
  maxSlicesPerPass?: number;
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

/** One SLA's complete hours so far in one period, as serve keeps them between ticks. */
interface PeriodEntry {
  /** End of the last complete hour in the tally (the next block to read starts here). */
  upTo: number;
  tally: SliceTally;
  /** Statuses of the last recentMs of the complete hours, from grid index recentFirst. */
  recent: string;
  recentFirst: number;
  /** The SLI's total series had a sample in one of these hours (a later missing sample is a gap). */
  seen: boolean;
  /** Where the hours of the tally came from, as runs of consecutive hours of one source. */
  blocks: HourRun[];
}

/** The last PeriodState key built for an SLA object, with what it was built from. */
const stateKeys = keptPer((_sla: Sla): { hash: string; periodStart: number; key: string } => ({ hash: '', periodStart: Number.NaN, key: '' }));

/**
 * Period-to-date state for many SLAs, kept between evaluations. Keyed by SLA, definition hash and period
 * start: an edited SLA or a new period starts afresh. `prune` forgets SLAs no longer evaluated.
 */
export class PeriodState {
  private readonly entries = new Map<string, PeriodEntry>();
  private used = new Set<string>();

  static key(t: MeasureTarget, hash: string): string {
    // The same string object every tick (for the same SLA object, hash and period): a Map hashes a string
    // once, so the lookups of 10,000 SLAs per tick do not rebuild and rehash their keys.
    const known = stateKeys(t.sla);
    if (known.hash === hash && known.periodStart === t.period.start) return known.key;
    const key = `${t.sla.key}\u0000${hash}\u0000${t.period.start}`;
    known.hash = hash;
    known.periodStart = t.period.start;
    known.key = key;
    return key;
  }

  get(key: string): PeriodEntry | undefined {
    this.used.add(key);
    return this.entries.get(key);
  }

  set(key: string, e: PeriodEntry): void {
    this.used.add(key);
    this.entries.set(key, e);
  }

  /** Forget the entries not used since the last prune (removed SLAs, past periods). */
  prune(): void {
    for (const k of this.entries.keys()) if (!this.used.has(k)) this.entries.delete(k);
    this.used = new Set();
  }

  get size(): number {
    return this.entries.size;
  }
}

interface Plan {
  target: MeasureTarget;
  /** Period-to-date state of this SLA (with opts.state). */
  entry?: PeriodEntry;
  stateKey?: string;
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

/** A rollup fit to be stored: no gap in it (its data is final) and no partial answer behind it. */
export function isCompleteRollup(r: SliceRollup): boolean {
  return !r.statuses.includes('?');
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

/**
 * Has the SLI's total series had a sample in the period so far (serve's state, stored hours, or the
 * slices read now)? Until it has, hours without samples are silence only provisionally: should the series
 * appear later in the period, their slices are gaps (spec: silence is no series anywhere in the period so
 * far). So before that no hour without a sample is final: none enters serve's tally (a stored one is
 * read as storedSummary says).
 */
function seriesSeen(plan: Pick<Plan, 'entry' | 'stored'>, fetchedTotal: boolean): boolean {
  // fetchedTotal: the answers read now held a total sample (also one in a slice the observations count as
  // a gap: a total without a good sample while the good series has samples elsewhere).
  return fetchedTotal || plan.entry?.seen === true || plan.stored.some(rollupSawSeries);
}

/**
 * A stored hour as read now. One without any sample of the series was silence when it was stored; once
 * the series has had a sample in the period (`seen`), each of its slices is a gap, as a fresh evaluation
 * reads an hour without samples of a series that has samples elsewhere in the period.
 */
function storedSummary(ctx: SliceContext, r: StoredRollup, seen: boolean, sliceMs: number, periodEnd: number): SliceRollup {
  const s = r.summary as SliceRollup;
  if (!seen || rollupSawSeries(r)) return s;
  const end = Math.min(r.hourStart + HOUR_MS, periodEnd);
  const gaps: SliceObservation[] = [];
  for (let t = r.hourStart; t < end; t += sliceMs) gaps.push({ start: t, good: null, total: null, gap: true });
  return summariseHour(ctx, r.hourStart, gaps, end);
}

/** Did a stored hour see a sample of the SLI's total series? (Then missing samples elsewhere are gaps.) */
export function rollupSawSeries(r: StoredRollup): boolean {
  const s = r.summary as SliceRollup;
  return s.seen === true || r.goodSlices + r.badSlices > 0;
}

/**
 * What the answers said, as the observations the measurement core classifies: a slice with a `total`
 * sample as it is (no `good` sample: a gap when the good series has samples elsewhere in the range, else
 * 0 good); a slice without one is a gap when the series has samples elsewhere in the period
 * (`seriesElsewhere` or the fetch itself), else silence (no observation). Trailing slices without data
 * ending after `notYetAfter` are cut off: `measuredTo` is where the measurement then ends.
 */
export function observationsFromFetch(
  f: SliceFetch,
  q: Pick<SliceQuery, 'from' | 'to'>,
  sliceMs: number,
  seriesElsewhere: boolean,
  notYetAfter: number,
): { observations: SliceObservation[]; measuredTo: number } {
  // The observations by slice index from q.from (they are in time order, on the grid).
  const byIndex: Array<SliceObservation | undefined> = [];
  for (const o of f.observations) {
    const k = (o.start - q.from) / sliceMs;
    if (k >= 0 && Number.isInteger(k) && o.start < q.to) byIndex[k] = o;
  }
  const at = (s: number) => byIndex[(s - q.from) / sliceMs];
  const exists = f.totalSeen || seriesElsewhere;
  const hasTotal = (s: number) => {
    const o = at(s);
    return o !== undefined && o.total !== null;
  };
  let measuredTo = q.to;
  if (exists) while (measuredTo - sliceMs >= q.from && measuredTo > notYetAfter && !hasTotal(measuredTo - sliceMs)) measuredTo -= sliceMs;
  const observations: SliceObservation[] = [];
  for (let s = q.from; s < measuredTo; s += sliceMs) {
    const o = at(s);
    if (o && o.total !== null) observations.push(o.good === null && f.goodSeen ? { start: s, good: null, total: null, gap: true } : o);
    else if (exists) observations.push({ start: s, good: null, total: null, gap: true });
  }
  return { observations, measuredTo };
}

/** Hours [start, end) read from one source; `hours` of them (1 when absent). */
interface HourRun {
  start: number;
  end: number;
  source: 'rollup' | 'prometheus';
  hours?: number;
}

/**
 * Append an hour (or a run) to runs of hours, merged with the last run when contiguous and of the same
 * source. The last run is replaced, never changed in place: runs are shared between serve's state and
 * the copies a tick extends.
 */
function addHours(runs: HourRun[], h: HourRun): void {
  const last = runs[runs.length - 1];
  if (last && last.source === h.source && last.end === h.start) runs[runs.length - 1] = { ...last, end: h.end, hours: (last.hours ?? 1) + (h.hours ?? 1) };
  else runs.push({ start: h.start, end: h.end, source: h.source, hours: h.hours ?? 1 });
}

function hoursFrom(blocks: readonly HourRun[], source: HourRun['source']): number {
  let n = 0;
  for (const b of blocks) if (b.source === source) n += b.hours ?? 1;
  return n;
}

function sourceRuns(blocks: readonly HourRun[]): SourceRun[] {
  const runs: HourRun[] = [];
  for (const b of [...blocks].sort((x, y) => x.start - y.start)) addHours(runs, b);
  return runs.map((r) => ({ from: isoUtc(r.start), to: isoUtc(r.end), hours: r.hours ?? 1, source: r.source }));
}


function recentOf(d: DetailedMeasurement, keepMs: number): RecentSlices {
  const keep = Math.max(0, Math.ceil(keepMs / d.grid.sliceMs));
  const drop = Math.max(0, d.block.statuses.length - keep);
  return { grid: d.grid, firstIndex: d.block.firstIndex + drop, statuses: d.block.statuses.slice(drop) };
}

function rollupSums(r: SliceRollup) {
  return {
    goodUnits: decimalToUnits(r.goodSum, COUNT_SCALE),
    totalUnits: decimalToUnits(r.totalSum, COUNT_SCALE),
    errorRatioUnits: decimalToUnits(r.errorRatioSum, RATIO_SCALE),
    clampedSlices: r.clampedSlices,
  };
}

/**
 * The measurement of one SLA from its period-to-date state plus the hours read now: the complete hours
 * (stored, or read now and complete and old enough) extend the state; the rest is fed to a copy only.
 */
function measureWithState(
  plan: Plan,
  observations: SliceObservation[],
  fetchedTotal: boolean,
  asOf: number,
  flags: MeasurementFlag[],
  o: { lag: number; recentMs: number; url: string; now: () => number; state: PeriodState },
): { detailed: { measurement: Measurement }; fresh: StoredRollup[]; blocks: HourRun[]; recent: RecentSlices } {
  const { contract, sla, period } = plan.target;
  const sliceMs = sla.measurement.sliceSeconds * 1000;
  const grid = { origin: period.start, sliceMs };
  const ctx = sliceContextFor(contract, sla, period, asOf);
  const byBlock = bucketByBlock(observations, period.start);
  const seen = seriesSeen(plan, fetchedTotal);
  const hours = [
    // A stored hour without a sample is silence or gaps (storedSummary), final neither way (see seriesSeen).
    ...plan.stored.map((r) => {
      const s = storedSummary(ctx, r, seen, sliceMs, period.end);
      return { start: r.hourStart, end: Math.min(r.hourStart + HOUR_MS, period.end), r: s, sums: rollupSums(s), source: 'rollup' as const, final: rollupSawSeries(r) };
    }),
    ...plan.missing.map((b) => {
      // The sums as classified, not parsed back from the rollup's decimal strings (the same values).
      const { rollup: r, block: sums } = summariseHourBlock(ctx, b.start, byBlock.get(b.start) ?? [], b.end);
      return { start: b.start, end: b.end, r, sums, source: 'prometheus' as const, final: seen && b.end <= plan.asOf - o.lag && flags.length === 0 && isCompleteRollup(r) };
    }),
  ].sort((a, b) => a.start - b.start);
  const range = measuredRange(period, contract, asOf);
  const first = range ? hourBlocks(period, range.start, range.start + 1)[0]?.start ?? period.start : period.start;
  const entry: PeriodEntry = plan.entry ?? { upTo: first, tally: emptyTally(), recent: '', recentFirst: Math.round((first - period.start) / sliceMs), seen: false, blocks: [] };
  const keep = Math.max(1, Math.ceil(o.recentMs / sliceMs));
  const trim = (e: { recent: string; recentFirst: number }) => {
    const drop = e.recent.length - keep;
    if (drop > 0) {
      e.recent = e.recent.slice(drop);
      e.recentFirst += drop;
    }
  };
  const fresh: StoredRollup[] = [];
  let i = 0;
  for (; i < hours.length && hours[i]!.final && hours[i]!.start === entry.upTo; i++) {
    const h = hours[i]!;
    feedTally(entry.tally, h.r.statuses, sla.measurement, h.sums);
    entry.upTo = h.end;
    entry.recent += h.r.statuses;
    trim(entry);
    entry.seen ||= h.r.seen === true || /[gb]/.test(h.r.statuses);
    addHours(entry.blocks, { start: h.start, end: h.end, source: h.source });
    if (h.source === 'prometheus') fresh.push(toStoredRollup(plan.target, plan.hash, h.r, h.start, o.url, o.now()));
  }
  if (range && plan.stateKey !== undefined) o.state.set(plan.stateKey, entry);
  const tally = copyTally(entry.tally);
  const view = { recent: entry.recent, recentFirst: entry.recentFirst };
  const blocks = [...entry.blocks];
  for (; i < hours.length; i++) {
    const h = hours[i]!;
    feedTally(tally, h.r.statuses, sla.measurement, h.sums);
    view.recent += h.r.statuses;
    addHours(blocks, { start: h.start, end: h.end, source: h.source });
  }
  // As a block of the measured range would: nothing after its end (the current hour's future slices).
  // Then the most recent `keep` slices (trimmed after the cut, so the future slices take no room).
  if (range) {
    const endIndex = Math.floor((range.end - period.start) / sliceMs);
    const over = view.recentFirst + view.recent.length - endIndex;
    if (over > 0) view.recent = view.recent.slice(0, Math.max(0, view.recent.length - over));
  }
  trim(view);
  return {
    detailed: { measurement: measurePeriodFromTally(contract, sla, period, tally, asOf, flags) },
    fresh,
    blocks,
    recent: { grid, firstIndex: view.recentFirst, statuses: view.recent },
  };
}

/** The instant a target is measured to: asOf, or with completeHoursOnly the start of asOf's hour block. */
function planAsOf(t: MeasureTarget, opts: Pick<MeasureOptions, 'asOf' | 'completeHoursOnly'>): number {
  const { period } = t;
  if (opts.completeHoursOnly && usesRollups(t.sla) && opts.asOf < period.end) {
    return Math.max(period.start, period.start + Math.floor((opts.asOf - period.start) / HOUR_MS) * HOUR_MS);
  }
  return opts.asOf;
}

/** Measure every target as of opts.asOf; one batched fetch for all the slices the store lacks. */
export async function measureTargets(targets: readonly MeasureTarget[], opts: MeasureOptions): Promise<SlaMeasurement[]> {
  // Stored hours first (the store may be asynchronous), then the plans.
  const hashes = targets.map((t) => definitionHash(t.contract, t.sla));
  const asOfs = targets.map((t) => planAsOf(t, opts));
  const ranges = targets.map((t, i) => measuredRange(t.period, t.contract, asOfs[i]));
  const entries = targets.map((t, i) => (opts.state && usesRollups(t.sla) ? opts.state.get(PeriodState.key(t, hashes[i]!)) : undefined));
  const storedOf = await Promise.all(
    targets.map(async (t, i) => {
      if (!opts.store || opts.ignoreRollups || !usesRollups(t.sla) || entries[i]) return [] as StoredRollup[];
      const range = ranges[i];
      if (!range) return [];
      const first = hourBlocks(t.period, range.start, range.end)[0];
      return first ? await opts.store.range({ contract: t.contract.id, sla: t.sla.id, definitionHash: hashes[i]! }, first.start, asOfs[i]!) : [];
    }),
  );
  const plans: Plan[] = targets.map((target, i) => {
    const { sla, period } = target;
    const hash = hashes[i]!;
    const raw = !usesRollups(sla);
    const asOf = asOfs[i]!;
    const range = ranges[i];
    const plan: Plan = { target, asOf, hash, stored: [], missing: [], raw };
    if (opts.state && !raw) {
      plan.stateKey = PeriodState.key(target, hash);
      plan.entry = entries[i];
    }
    if (!range) return plan;
    const sliceMs = sla.measurement.sliceSeconds * 1000;
    if (plan.raw) {
      const from = alignUp(range.start, period.start, sliceMs);
      const to = alignDown(range.end, period.start, sliceMs);
      if (to > from) plan.query = { id: String(i), sla, origin: period.start, from, to };
      return plan;
    }
    const blocks = hourBlocks(period, plan.entry ? Math.max(range.start, plan.entry.upTo) : range.start, range.end);
    const have = new Map<number, StoredRollup>();
    for (const r of storedOf[i]!) if (isCompleteRollup(r.summary as SliceRollup)) have.set(r.hourStart, r);
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
  const now = opts.now ?? Date.now;
  const lag = opts.persistLagMs ?? 5 * 60_000;
  const ingestDelay = opts.ingestDelayMs ?? 3 * 60_000;
  const recentMs = opts.recentMs ?? 3 * 86_400_000;
  const results: SlaMeasurement[] = new Array(plans.length);
  // In passes of at most maxSlicesPerPass slices read from Prometheus: the slices of one pass are
  // classified, their complete hours stored, and released before the next pass is read.
  for (const pass of slicePasses(plans, opts.maxSlicesPerPass ?? DEFAULT_MAX_SLICES_PER_PASS)) {
    const passQueries = pass.flatMap((i) => (plans[i]!.query ? [plans[i]!.query!] : []));
    const fetched = passQueries.length > 0 ? await readSlices(opts.source!, passQueries, opts.fetch) : undefined;
    let fresh: StoredRollup[] = [];
    for (const i of pass) {
      results[i] = measurePlan(plans[i]!, fetched, fresh);
      // Stored in transactions of bounded size (a cold tick of 10,000 SLAs computes a million hours).
      if (opts.persist && opts.store && fresh.length >= (opts.persistBatch ?? DEFAULT_PERSIST_BATCH)) {
        await opts.store.upsert(fresh);
        fresh = [];
      }
    }
    if (opts.persist && opts.store && fresh.length > 0) await opts.store.upsert(fresh);
  }
  return results;

  function measurePlan(plan: Plan, fetched: SliceAnswers | undefined, fresh: StoredRollup[]): SlaMeasurement {
    const { contract, sla, period } = plan.target;
    // Built from the pass's shared columns for this SLA only, and dropped after it.
    const f = plan.query ? fetched?.get(plan.query.id) : undefined;
    const url = opts.source?.url ?? '';
    const sliceMs = sla.measurement.sliceSeconds * 1000;
    const flags: MeasurementFlag[] = f && f.warnings.length > 0 ? ['partial-response'] : [];
    let asOf = plan.asOf;
    let observations: SliceObservation[] = [];
    if (plan.query && f) {
      const seriesElsewhere = plan.stored.some(rollupSawSeries) || plan.entry?.seen === true;
      const r = observationsFromFetch(f, plan.query, sliceMs, seriesElsewhere, plan.asOf - ingestDelay);
      observations = r.observations;
      if (r.measuredTo < plan.query.to) asOf = r.measuredTo;
    }
    let detailed: DetailedMeasurement | { measurement: Measurement };
    let recentOverride: RecentSlices | undefined;
    const freshRollups: StoredRollup[] = [];
    const blockSources: HourRun[] = [];
    if (plan.raw) {
      detailed = measurePeriodDetailed(contract, sla, period, observations, asOf, flags);
    } else if (plan.stateKey !== undefined) {
      const r = measureWithState(plan, observations, f?.totalSeen === true, asOf, flags, { lag, recentMs, url, now, state: opts.state! });
      detailed = r.detailed;
      freshRollups.push(...r.fresh);
      blockSources.push(...r.blocks);
      recentOverride = r.recent;
    } else {
      const ctx = sliceContextFor(contract, sla, period, asOf);
      const computed: SliceRollup[] = [];
      const byBlock = bucketByBlock(observations, period.start);
      for (const b of plan.missing) {
        const r = summariseHour(ctx, b.start, byBlock.get(b.start) ?? [], b.end);
        computed.push(r);
        blockSources.push({ ...b, source: 'prometheus' });
        if (b.end <= plan.asOf - lag && flags.length === 0 && isCompleteRollup(r)) freshRollups.push(toStoredRollup(plan.target, plan.hash, r, b.start, url, now()));
      }
      for (const r of plan.stored) blockSources.push({ start: r.hourStart, end: Math.min(r.hourStart + HOUR_MS, period.end), source: 'rollup' });
      const seen = seriesSeen(plan, f?.totalSeen === true);
      const stored = plan.stored.map((r) => storedSummary(ctx, r, seen, sliceMs, period.end));
      detailed = measurePeriodFromRollupsDetailed(contract, sla, period, [...stored, ...computed], asOf, flags);
    }
    fresh.push(...freshRollups);
    const fromProm = plan.query !== undefined;
    const fromStore = plan.stored.length > 0;
    return {
      ...plan.target,
      measurement: detailed.measurement,
      measuredThrough: asOf,
      freshRollups,
      recent: recentOverride ?? recentOf(detailed as DetailedMeasurement, recentMs),
      ...(opts.keepObservations ? { observations } : {}),
      evidence: {
        source: fromProm && fromStore ? 'rollups+prometheus' : fromProm ? 'prometheus' : fromStore ? 'rollups' : 'none',
        prometheusUrl: fromProm ? url : undefined,
        queries: Object.values(sliceExprs(sla)),
        rollupHours: hoursFrom(blockSources, 'rollup'),
        prometheusHours: hoursFrom(blockSources, 'prometheus'),
        hours: sourceRuns(blockSources),
        requeried: f?.requeried ?? [],
        warnings: f?.warnings ?? [],
        definitionHash: plan.hash,
      },
    };
  }
}

/**
 * How many distinct slices one pass of measureTargets reads from Prometheus at most: a slice of an SLI
 * that SLAs share counts once, however many SLAs read it. The answers are held per distinct expression
 * (9 bytes per slice and expression, readSlices) and each SLA's observations are built, classified and
 * released one SLA at a time, so that 4 million slices keep a pass near 0.1 GB. Before answers were
 * shared, a slice cost about 130 bytes per SLA (a cold serve tick of 2,000 SLAs on five days of minutes,
 * 14.4 million slices, took 1.9 GB) and SLAs of one service were read again in every pass.
 */
export const DEFAULT_MAX_SLICES_PER_PASS = 4_000_000;

/** Fresh hours pending before they are stored, by default (MeasureOptions.persistBatch). */
export const DEFAULT_PERSIST_BATCH = 50_000;

/**
 * Plan indexes in passes of at most `budget` distinct slices read: a plan costs its slices for each of
 * its two expressions (good, total) not already read in the pass over the same slices, halved (so an SLA
 * that shares nothing costs its slices, and one whose SLI the pass already reads costs nothing). A plan
 * above the budget goes alone.
 */
export function slicePasses(plans: ReadonlyArray<Pick<Plan, 'query' | 'target'>>, budget: number): number[][] {
  const passes: number[][] = [];
  let cur: number[] = [];
  let n = 0;
  let held = new Set<string>();
  plans.forEach((p, i) => {
    const keys: string[] = [];
    let slices = 0;
    if (p.query) {
      slices = (p.query.to - p.query.from) / (p.query.sla.measurement.sliceSeconds * 1000);
      const e = sliceExprs(p.query.sla);
      const range = sliceRangeKey(p.query);
      keys.push(`${range}|${e.total}`, `${range}|${e.good}`);
    }
    const cost = (have: Set<string>) => (slices * keys.filter((k) => !have.has(k)).length) / 2;
    if (cur.length > 0 && n + cost(held) > budget) {
      passes.push(cur);
      cur = [];
      n = 0;
      held = new Set();
    }
    cur.push(i);
    n += cost(held);
    for (const k of keys) held.add(k);
  });
  if (cur.length > 0) passes.push(cur);
  return passes;
}
