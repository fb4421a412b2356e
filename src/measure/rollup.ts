// Compute and persist hourly rollups for a time range: every hour block of every SLA's periods that
// lies in [from, to), inside the contract term, and ended at or before `at` (complete hours only).
import type { Contract, Sla } from '../contract/model.js';
import type { RollupStore, StoredRollup } from '../store/sqlite.js';
import { sliceContextFor } from '../slo/measure.js';
import { measuredRange, periodsOverlapping, type Period } from '../slo/periods.js';
import { summariseHour } from '../slo/slices.js';
import { definitionHash } from './definition-hash.js';
import { fetchSliceObservations, type FetchSlicesOptions, type SliceObservations, type SliceQuery } from './fetch-slices.js';
import { bucketByBlock, hourBlocks, toStoredRollup, usesRollups } from './measure-slas.js';
import type { PromSource } from './source.js';

export interface RollupOptions {
  from: number;
  to: number;
  at: number;
  source: PromSource;
  store: RollupStore;
  fetch?: FetchSlicesOptions;
  now?: () => number;
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
  const obs: SliceObservations = jobs.length ? await fetchSliceObservations(opts.source, jobs.map((j) => j.query), opts.fetch) : new Map();
  const now = opts.now ?? Date.now;
  const rows: StoredRollup[] = [];
  const perSla: Record<string, number> = {};
  for (const j of jobs) {
    const ctx = sliceContextFor(j.contract, j.sla, j.period);
    const byBlock = bucketByBlock(obs.get(j.query.id) ?? [], j.period.start);
    for (const b of j.blocks) {
      rows.push(toStoredRollup(j, j.hash, summariseHour(ctx, b.start, byBlock.get(b.start) ?? [], b.end), b.start, opts.source.url, now()));
    }
    perSla[j.sla.key] = (perSla[j.sla.key] ?? 0) + j.blocks.length;
  }
  const written = opts.store.upsert(rows);
  return { written, kept: rows.length - written, skipped, perSla, requests: opts.source.requests - before };
}
