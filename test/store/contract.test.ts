// The store contract suite (contract-suite.ts) against every store: SQLite (a temporary file; a second
// handle is a second connection to it) and PostgreSQL (a throwaway cluster, one schema per test; a
// second handle is a second pool).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { RollupStore, SqliteAlertStore } from '../../src/store/index.js';
import { PostgresStore } from '../../src/store/postgres.js';
import { requirePostgres, startPostgres, type RunningPostgres } from '../helpers/postgres.js';
import { storeContract, type StoreHandle } from './contract-suite.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function sqliteHandle(path: string): StoreHandle {
  const rollups = RollupStore.open(path);
  const alerts = SqliteAlertStore.open(path);
  return {
    rollups,
    alerts,
    async close() {
      rollups.close();
      alerts.close();
    },
  };
}
const sqlitePaths = new WeakMap<StoreHandle, string>();

storeContract('SQLite', {
  async create() {
    const d = mkdtempSync(join(tmpdir(), 'obligo-contract-'));
    dirs.push(d);
    const p = join(d, 'obligo.db');
    const h = sqliteHandle(p);
    sqlitePaths.set(h, p);
    return h;
  },
  async attach(h) {
    return sqliteHandle(sqlitePaths.get(h)!);
  },
});

const pgTools = requirePostgres();
describe.skipIf(!pgTools.ok)(`PostgreSQL${pgTools.skipNote}`, () => {
  let server: RunningPostgres | undefined;
  let url = '';
  let n = 0;
  const where = new WeakMap<StoreHandle, string>();
  beforeAll(async () => {
    server = await startPostgres({ tools: pgTools });
    url = await server.createDatabase('contract');
  });
  afterAll(async () => {
    await server?.stop();
  });
  const handle = (store: PostgresStore): StoreHandle => ({ rollups: store, alerts: store, close: () => store.close() });
  storeContract('PostgreSQL', {
    async create() {
      const schema = `c${++n}`;
      const h = handle(await PostgresStore.open({ url, schema }));
      where.set(h, schema);
      return h;
    },
    async attach(h) {
      return handle(await PostgresStore.open({ url, schema: where.get(h)! }));
    },
  });
});
