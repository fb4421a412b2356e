// Schema migrations of the rollup database, applied in order. A migration is never edited once
// released: add a new one. `schema_version` holds the number of migrations applied.
export const MIGRATIONS: readonly string[] = [
  // 1: hourly rollups per SLA. The key includes the hash of the SLA's measurement definition, so a changed
  // SLI query, method, slice, zone, term or maintenance never reuses rollups computed under the old one.
  `CREATE TABLE rollups (
     contract         TEXT    NOT NULL,
     sla              TEXT    NOT NULL,
     definition_hash  TEXT    NOT NULL,
     hour_start       INTEGER NOT NULL, -- ms since epoch: an hour of the period (period start + k h)
     good_events      REAL    NOT NULL,
     total_events     REAL    NOT NULL,
     good_slices      INTEGER NOT NULL,
     bad_slices       INTEGER NOT NULL,
     nodata_slices    INTEGER NOT NULL,
     excluded_minutes INTEGER NOT NULL,
     summary          TEXT    NOT NULL, -- the measurement core's rollup record, JSON
     source           TEXT    NOT NULL, -- where the raw data came from (Prometheus URL)
     computed_at      INTEGER NOT NULL, -- ms since epoch
     PRIMARY KEY (contract, sla, definition_hash, hour_start)
   ) WITHOUT ROWID`,
];
