// Compute and persist hourly rollups for a time range: every hour block of every SLA's periods that
// lies in [from, to), inside the contract term, and ended at or before `at` (complete hours only).
// An hour with a gap, or read from a partial answer, is not stored (a later run stores it once its
// data is whole); `incomplete` names those hours.
import type { Contract, Sla } from '../contract/model.js';
import type { RollupRepository, StoredRollup } from './rollup-store.js';
import { sliceContextFor } from '../slo/measure.js';
import { measuredRange, periodsOverlapping, type Period } from '../slo/periods.js';
import { summariseHour } from '../slo/slices.js';
import { definitionHash } from './definition-hash.js';
import { readSlices, type FetchSlicesOptions, type SliceQuery } from './fetch-slices.js';
import { bucketByBlock, hourBlocks, isCompleteRollup, observationsFromFetch, rollupSawSeries, toStoredRollup, usesRollups } from './measure-slas.js';
import type { PromSource } from './source.js';

export interface RollupOptions {
  from: number;
  to: number;
  at: number;
  source: PromSource;
  store: RollupRepository;
  fetch?: FetchSlicesOptions;
  now?: () => number;
}

export interface IncompleteHours {
  /** "contract/sla" */
  sla: string;
  /** Start of each hour not stored (epoch ms). */
  hours: number[];
  reason: 'gaps' | 'partial-response';
}

export interface RollupSummary {
  /** Rows written (inserted or replaced). */
  written: number;
  /** Hours without any data that were not written because the store already has data for them. */
  kept: number;
  /** SLAs whose slice length does not divide an hour (always measured raw; nothing stored). */
  skipped: string[];
  /** Per SLA key: hours written. */
  perSla: Record<string, number>;
  /** Hours not stored because their data was incomplete (run again later). */
  incomplete: IncompleteHours[];
  /** Prometheus warnings of the answers (partial responses). */
  warnings: string[];
  requests: number;
}

interface Job {
  contract: Contract;
  sla: Sla;
  period: Period;
  hash: string;
  blocks: { start: number; end: number }[];
  query: SliceQuery;
}

export async function computeRollups(slas: readonly { contract: Contract; sla: Sla }[], opts: RollupOptions): Promise<RollupSummary> {
  const end = Math.min(opts.to, opts.at);
  const skipped: string[] = [];
  const jobs: Job[] = [];
  for (const { contract, sla } of slas) {
    if (!usesRollups(sla)) {
      skipped.push(sla.key);
      continue;
    }
    for (const period of periodsOverlapping(sla.period, contract.timezone, { start: opts.from, end })) {
      const range = measuredRange(period, contract);
      if (!range) continue;
      const blocks = hourBlocks(period, Math.max(range.start, opts.from), Math.min(range.end, end)).filter(
        // complete hours only, and only those wholly inside [from, to)
        (b) => b.end <= end && b.start >= opts.from && b.start >= range.start && b.end <= range.end,
      );
      if (blocks.length === 0) continue;
      jobs.push({
        contract,
        sla,
        period,
        hash: definitionHash(contract, sla),
        blocks,
        query: { id: String(jobs.length), sla, origin: period.start, from: blocks[0]!.start, to: blocks[blocks.length - 1]!.end },
      });
    }
  }
  const before = opts.source.requests;
  // Each job's observations are built from the shared answers when it is summarised, then dropped.
  const fetched = jobs.length ? await readSlices(opts.source, jobs.map((j) => j.query), opts.fetch) : undefined;
  const now = opts.now ?? Date.now;
  const rows: StoredRollup[] = [];
  const perSla: Record<string, number> = {};
  const incomplete: IncompleteHours[] = [];
  const warnings = new Set<string>();
  for (const j of jobs) {
    const f = fetched!.get(j.query.id)!;
    for (const w of f.warnings) warnings.add(w);
    const ctx = sliceContextFor(j.contract, j.sla, j.period);
    // Hours of the same period stored earlier tell whether the series exists (then a missing sample is a gap).
    const storedSawSeries = (await opts.store.range({ contract: j.contract.id, sla: j.sla.id, definitionHash: j.hash }, j.period.start, j.period.end)).some(rollupSawSeries);
    const { observations } = observationsFromFetch(f, j.query, j.sla.measurement.sliceSeconds * 1000, storedSawSeries, Infinity);
    const byBlock = bucketByBlock(observations, j.period.start);
    const notStored: number[] = [];
    let written = 0;
    for (const b of j.blocks) {
      const r = summariseHour(ctx, b.start, byBlock.get(b.start) ?? [], b.end);
      if (f.warnings.length > 0 || !isCompleteRollup(r)) {
        notStored.push(b.start);
        continue;
      }
      rows.push(toStoredRollup(j, j.hash, r, b.start, opts.source.url, now()));
      written++;
    }
    perSla[j.sla.key] = (perSla[j.sla.key] ?? 0) + written;
    if (notStored.length > 0) incomplete.push({ sla: j.sla.key, hours: notStored, reason: f.warnings.length > 0 ? 'partial-response' : 'gaps' });
  }
  const written = await opts.store.upsert(rows);
  return { written, kept: rows.length - written, skipped, perSla, incomplete, warnings: [...warnings].sort(), requests: opts.source.requests - before };
}

/** One summary of several computeRollups runs (e.g. one per time zone for `rollup --period`). */
export function mergeRollupSummaries(parts: readonly RollupSummary[]): RollupSummary {
  const perSla: Record<string, number> = {};
  for (const p of parts) for (const [k, v] of Object.entries(p.perSla)) perSla[k] = (perSla[k] ?? 0) + v;
  return {
    written: parts.reduce((a, p) => a + p.written, 0),
    kept: parts.reduce((a, p) => a + p.kept, 0),
    skipped: parts.flatMap((p) => p.skipped),
    perSla,
    incomplete: parts.flatMap((p) => p.incomplete),
    warnings: [...new Set(parts.flatMap((p) => p.warnings))].sort(),
    requests: parts.reduce((a, p) => a + p.requests, 0),
  };
}
