// What measure/ needs of a rollup store: read the stored hours of one SLA definition, write complete
// hours. Implemented by store/ (SQLite: synchronous; PostgreSQL: asynchronous), so both shapes are
// accepted and awaited.
import type { RollupKey, StoredRollup } from '../store/sqlite.js';

export type { RollupKey, StoredRollup };

export interface RollupRepository {
  /** Rollups of one SLA definition with hour_start in [from, to), ordered by hour. */
  range(key: RollupKey, from: number, to: number): StoredRollup[] | Promise<StoredRollup[]>;
  /** Insert or replace (idempotent); a row without data never replaces one with data. Returns rows written. */
  upsert(rows: readonly StoredRollup[]): number | Promise<number>;
}
