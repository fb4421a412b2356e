// Hourly rollups in embedded SQLite (better-sqlite3): the counts a credit needs, per SLA per UTC hour,
// so that credits can be computed after Prometheus has dropped the raw samples.
import type Database from 'better-sqlite3';
import { currentVersion, fileExists, openDatabase, SCHEMA_VERSION, StoreError, type OpenOptions } from './db.js';

export { SCHEMA_VERSION, StoreError, type OpenOptions };

/** The rollups table exists since migration 1: a read-only reader needs no newer schema. */
const ROLLUPS_SINCE_VERSION = 1;

export interface RollupKey {
  contract: string;
  sla: string;
  /** Hash of the SLA's measurement definition (see measure/definition-hash.ts). */
  definitionHash: string;
}

export interface StoredRollup extends RollupKey {
  /**
   * Start of the hour-long block, ms since epoch: period start + k hours, i.e. a whole UTC hour except in
   * zones with a fractional offset (Asia/Kolkata), where period hours start at half past.
   */
  hourStart: number;
  goodEvents: number;
  totalEvents: number;
  goodSlices: number;
  badSlices: number;
  noDataSlices: number;
  excludedMinutes: number;
  /** The measurement core's own rollup record (opaque here, JSON round-tripped). */
  summary: unknown;
  source: string;
  computedAt: number;
}

type RangeRow = [number, number, number, number, number, number, number, string, string, number];

export class RollupStore {
  private readonly upsertStmt: Database.Statement;
  private readonly rangeStmt: Database.Statement;
  private readonly hoursStmt: Database.Statement;

  private constructor(private readonly db: Database.Database, readonly path: string) {
    this.upsertStmt = db.prepare(
      `INSERT INTO rollups (contract, sla, definition_hash, hour_start, good_events, total_events, good_slices,
         bad_slices, nodata_slices, excluded_minutes, summary, source, computed_at)
       VALUES (@contract, @sla, @definition_hash, @hour_start, @good_events, @total_events, @good_slices,
         @bad_slices, @nodata_slices, @excluded_minutes, @summary, @source, @computed_at)
       ON CONFLICT (contract, sla, definition_hash, hour_start) DO UPDATE SET
         good_events = excluded.good_events, total_events = excluded.total_events,
         good_slices = excluded.good_slices, bad_slices = excluded.bad_slices,
         nodata_slices = excluded.nodata_slices, excluded_minutes = excluded.excluded_minutes,
         summary = excluded.summary, source = excluded.source, computed_at = excluded.computed_at
       -- Never replace an hour that had data with one that has none: re-running a rollup after
       -- Prometheus dropped the raw samples must not erase what was saved while they existed.
       WHERE excluded.good_slices + excluded.bad_slices > 0 OR rollups.good_slices + rollups.bad_slices = 0`,
    );
    // Only the columns the key does not already give, as arrays (raw): credits read a month of hours for
    // hundreds of SLAs, and building an object with the repeated key strings per row was most of the cost.
    this.rangeStmt = db
      .prepare(
        `SELECT hour_start, good_events, total_events, good_slices, bad_slices, nodata_slices, excluded_minutes,
                summary, source, computed_at
           FROM rollups WHERE contract = ? AND sla = ? AND definition_hash = ?
           AND hour_start >= ? AND hour_start < ? ORDER BY hour_start`,
      )
      .raw(true);
    this.hoursStmt = db.prepare(
      `SELECT hour_start FROM rollups WHERE contract = ? AND sla = ? AND definition_hash = ?
         AND hour_start >= ? AND hour_start < ? ORDER BY hour_start`,
    );
  }

  /** Open (creating the file and its directory when needed) and migrate to the current schema. */
  static open(path: string, opts: OpenOptions = {}): RollupStore {
    return new RollupStore(openDatabase(path, 'rollup database', { ...opts, minVersion: ROLLUPS_SINCE_VERSION }), path);
  }

  /** Read-only open when the file exists, else undefined (commands that only read must not create files). */
  static openIfExists(path: string): RollupStore | undefined {
    if (!fileExists(path)) return undefined;
    return RollupStore.open(path, { readonly: true });
  }

  schemaVersion(): number {
    return currentVersion(this.db);
  }

  /**
   * Insert or replace rollups (idempotent: the same rows written twice leave one copy), in one
   * transaction. A row without data never replaces a stored row with data. Returns the rows written.
   */
  upsert(rows: readonly StoredRollup[]): number {
    let written = 0;
    const tx = this.db.transaction((rs: readonly StoredRollup[]) => {
      for (const r of rs) {
        if (!Number.isSafeInteger(r.hourStart)) throw new StoreError(`rollup hour_start ${r.hourStart} is not an epoch-ms integer`);
        written += this.upsertStmt.run({
          contract: r.contract,
          sla: r.sla,
          definition_hash: r.definitionHash,
          hour_start: r.hourStart,
          good_events: r.goodEvents,
          total_events: r.totalEvents,
          good_slices: r.goodSlices,
          bad_slices: r.badSlices,
          nodata_slices: r.noDataSlices,
          excluded_minutes: r.excludedMinutes,
          summary: JSON.stringify(r.summary),
          source: r.source,
          computed_at: r.computedAt,
        }).changes;
      }
    });
    tx(rows);
    return written;
  }

  /** Rollups of one SLA definition with hour_start in [from, to), ordered by hour. */
  range(key: RollupKey, from: number, to: number): StoredRollup[] {
    const rows = this.rangeStmt.all(key.contract, key.sla, key.definitionHash, from, to) as RangeRow[];
    return rows.map((r) => ({
      contract: key.contract,
      sla: key.sla,
      definitionHash: key.definitionHash,
      hourStart: r[0],
      goodEvents: r[1],
      totalEvents: r[2],
      goodSlices: r[3],
      badSlices: r[4],
      noDataSlices: r[5],
      excludedMinutes: r[6],
      summary: JSON.parse(r[7]) as unknown,
      source: r[8],
      computedAt: r[9],
    }));
  }

  /** Just the hours present (cheap: no JSON parsing). */
  hours(key: RollupKey, from: number, to: number): number[] {
    return (this.hoursStmt.all(key.contract, key.sla, key.definitionHash, from, to) as { hour_start: number }[]).map(
      (r) => r.hour_start,
    );
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM rollups').get() as { n: number }).n;
  }

  close(): void {
    this.db.close();
  }
}

