export { RollupStore, StoreError, SCHEMA_VERSION } from './sqlite.js';
export type { RollupKey, StoredRollup, OpenOptions } from './sqlite.js';
