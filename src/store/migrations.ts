// Schema migrations of the Obligo database (rollups, alerting), applied in order. A migration is never edited once
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

  // 2: alerting (obligo serve). Alert states (one row per dedup key, JSON state, version for optimistic
  // concurrency), the append-only transition log with its evidence, and the PagerDuty outbox. The outbox
  // keeps the routing key REFERENCE ({env}/{file}, or none for the default), never the key itself.
  `CREATE TABLE alert_states (
     dedup_key  TEXT    PRIMARY KEY,
     contract   TEXT    NOT NULL,
     sla        TEXT,               -- NULL: contract-level or engine alert
     alert      TEXT    NOT NULL,
     phase      TEXT    NOT NULL CHECK (phase IN ('inactive','pending','firing','resolving','resolved')),
     state      TEXT    NOT NULL,   -- AlertState, JSON
     version    INTEGER NOT NULL,
     updated_at INTEGER NOT NULL    -- ms since epoch
   ) WITHOUT ROWID;
   CREATE INDEX alert_states_contract ON alert_states (contract);
   CREATE INDEX alert_states_phase ON alert_states (phase);

   CREATE TABLE alert_transitions (
     id          INTEGER PRIMARY KEY AUTOINCREMENT,
     dedup_key   TEXT    NOT NULL,
     contract    TEXT    NOT NULL,
     sla         TEXT,
     alert       TEXT    NOT NULL,
     at          INTEGER NOT NULL,  -- evaluation time of the tick (ms)
     from_phase  TEXT    NOT NULL,
     to_phase    TEXT    NOT NULL,
     reason      TEXT    NOT NULL,
     evidence    TEXT    NOT NULL,  -- the observation that caused it, JSON
     event_ids   TEXT    NOT NULL,  -- JSON array of outbox event ids
     recorded_at INTEGER NOT NULL
   );
   CREATE INDEX alert_transitions_key ON alert_transitions (dedup_key, id);
   CREATE INDEX alert_transitions_contract ON alert_transitions (contract, id);
   CREATE TRIGGER alert_transitions_no_update BEFORE UPDATE ON alert_transitions
     BEGIN SELECT RAISE(ABORT, 'alert_transitions is append-only'); END;
   CREATE TRIGGER alert_transitions_no_delete BEFORE DELETE ON alert_transitions
     BEGIN SELECT RAISE(ABORT, 'alert_transitions is append-only'); END;

   CREATE TABLE outbox (
     id              INTEGER PRIMARY KEY AUTOINCREMENT,
     event_id        TEXT    NOT NULL UNIQUE,
     dedup_key       TEXT    NOT NULL,
     action          TEXT    NOT NULL CHECK (action IN ('trigger','resolve')),
     routing         TEXT    NOT NULL,  -- {"routingKey":{"env":…}|{"file":…}} or {}: a reference, never a key
     body            TEXT    NOT NULL,  -- Events v2 body without routing_key, JSON
     created_at      INTEGER NOT NULL,
     status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','sent','failed')),
     attempts        INTEGER NOT NULL DEFAULT 0,
     next_attempt_at INTEGER NOT NULL,
     lease_owner     TEXT,
     lease_until     INTEGER,
     last_error      TEXT,
     last_status     INTEGER,
     sent_at         INTEGER,
     failed_at       INTEGER
   );
   CREATE INDEX outbox_pending_due ON outbox (next_attempt_at, id) WHERE status = 'pending';
   CREATE INDEX outbox_pending_key ON outbox (dedup_key, id) WHERE status = 'pending';
   CREATE INDEX outbox_status ON outbox (status, id);`,
];
