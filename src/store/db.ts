// Opening the Obligo SQLite database and bringing it to the current schema: shared by the rollup store
// and the alert store (one file, one schema_version, migrations in migrations.ts).
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';

export const SCHEMA_VERSION = MIGRATIONS.length;

export class StoreError extends Error {
  override name = 'StoreError';
}

export interface OpenOptions {
  /** Open read-only; the file must exist (a missing file is reported as `undefined` by openStoreIfExists). */
  readonly?: boolean;
}

export function currentVersion(db: Database.Database): number {
  const t = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'`).get();
  if (!t) return 0;
  const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
  return row?.version ?? 0;
}

function migrate(db: Database.Database): void {
  const run = db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    const v = currentVersion(db);
    if (v > SCHEMA_VERSION) {
      throw new StoreError(`database has schema version ${v}, newer than this obligo (${SCHEMA_VERSION})`);
    }
    for (let i = v; i < SCHEMA_VERSION; i++) db.exec(MIGRATIONS[i]!);
    db.exec('DELETE FROM schema_version');
    db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(SCHEMA_VERSION);
  });
  // IMMEDIATE: two processes opening a fresh file at once must not both run the migrations.
  run.immediate();
}

/**
 * Open (creating the file and its directory when needed) and migrate to the current schema; read-only:
 * the file must exist and have at least `minVersion` (the tables the caller reads), at most this
 * obligo's version.
 */
export function openDatabase(path: string, what: string, opts: OpenOptions & { minVersion?: number } = {}): Database.Database {
  if (path !== ':memory:' && !opts.readonly) mkdirSync(dirname(path), { recursive: true });
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: Boolean(opts.readonly), fileMustExist: Boolean(opts.readonly) });
  } catch (err) {
    throw new StoreError(`cannot open ${what} ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 5000');
      migrate(db);
    } else {
      db.pragma('busy_timeout = 5000');
      const v = currentVersion(db);
      if (v > SCHEMA_VERSION) throw new StoreError(`${what} ${path} has schema version ${v}, newer than this obligo (${SCHEMA_VERSION})`);
      if (v < (opts.minVersion ?? SCHEMA_VERSION)) throw new StoreError(`${what} ${path} has schema version ${v}; run \`obligo rollup\` to migrate it`);
    }
  } catch (err) {
    db.close();
    if (err instanceof StoreError) throw new StoreError(err.message.startsWith('database has') ? `${what} ${path}: ${err.message}` : err.message);
    throw err;
  }
  return db;
}

export function fileExists(path: string): boolean {
  return path === ':memory:' || existsSync(path);
}
