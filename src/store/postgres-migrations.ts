// Schema migrations of the Obligo PostgreSQL store, applied in order under an advisory lock (several
// replicas starting at once migrate once). A migration is never edited once released: add a new one.
// `obligo_schema_version` holds the number of migrations applied. Same tables and meaning as the SQLite
// store (src/store/migrations.ts), PostgreSQL types: epoch-ms times are BIGINT, counts DOUBLE PRECISION
// (SQLite's REAL/INTEGER affinity accepts either), JSON documents TEXT (kept byte for byte, as SQLite).
export const PG_MIGRATIONS: readonly string[] = [
  // 1: hourly rollups per SLA, keyed by the hash of the SLA's measurement definition.
  `CREATE TABLE rollups (
     contract         TEXT             NOT NULL,
     sla              TEXT             NOT NULL,
     definition_hash  TEXT             NOT NULL,
     hour_start       BIGINT           NOT NULL,
     good_events      DOUBLE PRECISION NOT NULL,
     total_events     DOUBLE PRECISION NOT NULL,
     good_slices      DOUBLE PRECISION NOT NULL,
     bad_slices       DOUBLE PRECISION NOT NULL,
     nodata_slices    DOUBLE PRECISION NOT NULL,
     excluded_minutes DOUBLE PRECISION NOT NULL,
     summary          TEXT             NOT NULL,
     source           TEXT             NOT NULL,
     computed_at      BIGINT           NOT NULL,
     PRIMARY KEY (contract, sla, definition_hash, hour_start)
   )`,

  // 2: alerting: states (optimistic concurrency by version), the append-only transition log, the outbox
  // (routing key references only, never keys).
  `CREATE TABLE alert_states (
     dedup_key  TEXT    PRIMARY KEY,
     contract   TEXT    NOT NULL,
     sla        TEXT,
     alert      TEXT    NOT NULL,
     phase      TEXT    NOT NULL CHECK (phase IN ('inactive','pending','firing','resolving','resolved')),
     state      TEXT    NOT NULL,
     version    INTEGER NOT NULL,
     updated_at BIGINT  NOT NULL
   );
   CREATE INDEX alert_states_contract ON alert_states (contract);
   CREATE INDEX alert_states_phase ON alert_states (phase);

   CREATE TABLE alert_transitions (
     id          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     dedup_key   TEXT    NOT NULL,
     contract    TEXT    NOT NULL,
     sla         TEXT,
     alert       TEXT    NOT NULL,
     at          BIGINT  NOT NULL,
     from_phase  TEXT    NOT NULL,
     to_phase    TEXT    NOT NULL,
     reason      TEXT    NOT NULL,
     evidence    TEXT    NOT NULL,
     event_ids   TEXT    NOT NULL,
     recorded_at BIGINT  NOT NULL
   );
   CREATE INDEX alert_transitions_key ON alert_transitions (dedup_key, id);
   CREATE INDEX alert_transitions_contract ON alert_transitions (contract, id);
   CREATE FUNCTION obligo_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$;
   CREATE TRIGGER alert_transitions_append_only BEFORE UPDATE OR DELETE ON alert_transitions
     FOR EACH ROW EXECUTE FUNCTION obligo_append_only();
   CREATE TRIGGER alert_transitions_no_truncate BEFORE TRUNCATE ON alert_transitions
     FOR EACH STATEMENT EXECUTE FUNCTION obligo_append_only();

   CREATE TABLE outbox (
     id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     event_id        TEXT    NOT NULL UNIQUE,
     dedup_key       TEXT    NOT NULL,
     action          TEXT    NOT NULL CHECK (action IN ('trigger','resolve')),
     routing         TEXT    NOT NULL,
     body            TEXT    NOT NULL,
     created_at      BIGINT  NOT NULL,
     status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','sent','failed')),
     attempts        INTEGER NOT NULL DEFAULT 0,
     next_attempt_at BIGINT  NOT NULL,
     lease_owner     TEXT,
     lease_until     BIGINT,
     last_error      TEXT,
     last_status     INTEGER,
     sent_at         BIGINT,
     failed_at       BIGINT
   );
   CREATE INDEX outbox_pending_due ON outbox (next_attempt_at, id) WHERE status = 'pending';
   CREATE INDEX outbox_pending_key ON outbox (dedup_key, id) WHERE status = 'pending';
   CREATE INDEX outbox_status ON outbox (status, id);`,

  // 3: replicas: membership for sharding SLAs across replicas (src/server/sharding.ts). A member is alive
  // while its heartbeat is recent; times are the database's clock (ms), so replicas need no synced clocks.
  `CREATE TABLE replica_members (
     instance_id  TEXT   PRIMARY KEY,
     started_at   BIGINT NOT NULL,
     heartbeat_at BIGINT NOT NULL
   );`,
];

export const PG_SCHEMA_VERSION = PG_MIGRATIONS.length;
