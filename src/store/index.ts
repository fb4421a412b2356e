// The store room: implementations of the persistence interfaces the other rooms declare, in one SQLite
// file with versioned migrations (migrations.ts). PostgreSQL will implement the same interfaces.
//
//   RollupStore       hourly rollups per SLA (credits after Prometheus retention); synchronous API
//   SqliteAlertStore  alerting's AlertStore + OutboxStore (src/alerting/store.ts): alert states,
//                     append-only transitions with evidence, the PagerDuty outbox; async API
export { RollupStore, StoreError, SCHEMA_VERSION } from './sqlite.js';
export type { RollupKey, StoredRollup, OpenOptions } from './sqlite.js';
export { SqliteAlertStore } from './alerts.js';
