// PostgreSQL-only behaviour of the store (the shared behaviour is in contract-suite.ts): migrations,
// schemas, append-only triggers, errors without secrets, round trips per tick, fenced claims, surviving a
// server restart, replica membership. A throwaway cluster (test/helpers/postgres.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { applyTick, type OutboxInsert } from '../../src/alerting/index.js';
import { StoreError } from '../../src/store/index.js';
import { PG_MIGRATIONS } from '../../src/store/postgres-migrations.js';
import { PG_SCHEMA_VERSION, PostgresStore, advisoryKey, describePostgresUrl } from '../../src/store/postgres.js';
import { obs } from '../alerting/helpers.js';
import { freePort, requirePostgres, startPostgres, type RunningPostgres } from '../helpers/postgres.js';

const T0 = Date.UTC(2026, 2, 10);
const pgTools = requirePostgres();

function row(dk: string, n: number): OutboxInsert {
  return { eventId: `${dk}#${n}:trigger`, dedupKey: dk, action: 'trigger', routing: {}, body: { event_action: 'trigger', dedup_key: dk } };
}

describe.skipIf(!pgTools.ok)(`PostgresStore${pgTools.skipNote}`, () => {
  let server: RunningPostgres;
  let url: string;
  let n = 0;
  const schema = () => `p${++n}`;
  beforeAll(async () => {
    server = await startPostgres({ tools: pgTools });
    url = await server.createDatabase('store');
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function raw<T extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]> {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      return (await c.query<T>(sql, params)).rows;
    } finally {
      await c.end();
    }
  }

  it('migrates a fresh schema once, records the version, and reopens without migrating again', async () => {
    const sc = schema();
    const s = await PostgresStore.open({ url, schema: sc });
    expect(PG_SCHEMA_VERSION).toBe(PG_MIGRATIONS.length);
    expect(await s.schemaVersion()).toBe(PG_SCHEMA_VERSION);
    await s.close();
    const tables = await raw<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`, [sc]);
    expect(tables.map((t) => t.table_name)).toEqual(['alert_states', 'alert_transitions', 'obligo_schema_version', 'outbox', 'replica_members', 'rollups']);
    const again = await PostgresStore.open({ url, schema: sc });
    expect(await again.schemaVersion()).toBe(PG_SCHEMA_VERSION);
    await again.close();
    expect(await raw(`SELECT * FROM ${sc}.obligo_schema_version`)).toEqual([{ version: PG_SCHEMA_VERSION }]);
  });

  it('replicas starting together migrate once (advisory lock)', async () => {
    const sc = schema();
    const stores = await Promise.all(Array.from({ length: 6 }, () => PostgresStore.open({ url, schema: sc })));
    for (const s of stores) expect(await s.schemaVersion()).toBe(PG_SCHEMA_VERSION);
    await Promise.all(stores.map((s) => s.close()));
  });

  it('migrates a schema left at version 1 (rollups kept) to the current version', async () => {
    const sc = schema();
    await raw(`CREATE SCHEMA ${sc}`);
    const c = new pg.Client({ connectionString: url, options: `-c search_path=${sc}` });
    await c.connect();
    await c.query('CREATE TABLE obligo_schema_version (version INTEGER NOT NULL)');
    await c.query(PG_MIGRATIONS[0]!);
    await c.query('INSERT INTO obligo_schema_version VALUES (1)');
    await c.query(`INSERT INTO rollups VALUES ('acme','availability','h1',0,1,1,1,0,0,0,'{}','http://p',1)`);
    await c.end();
    const s = await PostgresStore.open({ url, schema: sc });
    expect(await s.schemaVersion()).toBe(PG_SCHEMA_VERSION);
    expect(await s.count()).toBe(1);
    await s.close();
  });

  it('refuses a schema written by a newer obligo, naming the server but not the URL', async () => {
    const sc = schema();
    (await PostgresStore.open({ url, schema: sc })).close();
    await raw(`UPDATE ${sc}.obligo_schema_version SET version = ${PG_SCHEMA_VERSION + 1}`);
    await expect(PostgresStore.open({ url, schema: sc })).rejects.toThrow(new RegExp(`schema version ${PG_SCHEMA_VERSION + 1}, newer than this obligo`));
  });

  it('keeps schemas apart, and refuses a schema name that is not a plain identifier', async () => {
    const [a, b] = [schema(), schema()];
    const sa = await PostgresStore.open({ url, schema: a });
    const sb = await PostgresStore.open({ url, schema: b });
    await applyTick(sa, { at: T0, observations: [obs()], policy: { forMs: 0, resolveAfterMs: 0 }, now: T0 });
    expect(await sa.listStates()).toHaveLength(1);
    expect(await sb.listStates()).toEqual([]);
    await Promise.all([sa.close(), sb.close()]);
    await expect(PostgresStore.open({ url, schema: 'x; DROP TABLE y' })).rejects.toThrow(StoreError);
    await expect(PostgresStore.open({ url, schema: 'Upper' })).rejects.toThrow(/must match/);
  });

  it('stores JSON documents byte for byte as JSON.stringify wrote them (key order, unicode, escapes)', async () => {
    const sc = schema();
    const s = await PostgresStore.open({ url, schema: sc });
    const summary = { z: 1, a: [0.1 + 0.2, 1e21, -5e-324], 'ü\u2028': 'tab\t "quoted" \\ ☃', nested: { y: null, b: true } };
    await s.upsert([{ contract: 'c', sla: 's', definitionHash: 'h', hourStart: 0, goodEvents: 0.1 + 0.2, totalEvents: 1e21, goodSlices: 1, badSlices: 0, noDataSlices: 0, excludedMinutes: 0, summary, source: 'p', computedAt: 1 }]);
    await applyTick(s, { at: T0, observations: [obs({ summary: 'Ünïcödé "page" \\ ☃' })], policy: { forMs: 0, resolveAfterMs: 0 }, now: T0 });
    const [r] = await raw<{ summary: string; good_events: number }>(`SELECT summary, good_events FROM ${sc}.rollups`);
    expect(r!.summary).toBe(JSON.stringify(summary));
    expect((await s.range({ contract: 'c', sla: 's', definitionHash: 'h' }, 0, 1))[0]).toMatchObject({ goodEvents: 0.1 + 0.2, totalEvents: 1e21, summary });
    const [st] = await raw<{ state: string }>(`SELECT state FROM ${sc}.alert_states`);
    const [state] = await s.listStates();
    expect(st!.state).toBe(JSON.stringify(state!.state));
    const [ob] = await raw<{ body: string }>(`SELECT body FROM ${sc}.outbox`);
    expect(ob!.body).toBe(JSON.stringify((await s.list())[0]!.body));
    expect(ob!.body).toContain('Ünïcödé');
    await s.close();
  });

  it('keeps the transition log append-only (update, delete, truncate refused)', async () => {
    const sc = schema();
    const s = await PostgresStore.open({ url, schema: sc });
    await applyTick(s, { at: T0, observations: [obs()], policy: { forMs: 0, resolveAfterMs: 0 }, now: T0 });
    await s.close();
    await expect(raw(`UPDATE ${sc}.alert_transitions SET reason = 'x'`)).rejects.toThrow(/append-only/);
    await expect(raw(`DELETE FROM ${sc}.alert_transitions`)).rejects.toThrow(/append-only/);
    await expect(raw(`TRUNCATE ${sc}.alert_transitions`)).rejects.toThrow(/append-only/);
    expect(await raw(`SELECT count(*)::int AS n FROM ${sc}.alert_transitions`)).toEqual([{ n: 1 }]);
  });

  it('never puts the password of the URL in an error', async () => {
    const port = await freePort();
    const secretUrl = `postgresql://obligo:hunter2-s3cret@127.0.0.1:${port}/nodb`;
    const err = await PostgresStore.open({ url: secretUrl, connectTimeoutMs: 2000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as Error).message).toContain(`127.0.0.1:${port}/nodb`);
    expect((err as Error).message).not.toContain('hunter2');
    expect(JSON.stringify(err)).not.toContain('hunter2');
    expect(describePostgresUrl(secretUrl)).toBe(`127.0.0.1:${port}/nodb`);
    // a wrong password on a real server: the server's error, without the password
    const bad = await PostgresStore.open({ url: url.replace('obligo@', 'nobody:hunter2-s3cret@') }).catch((e: unknown) => e);
    expect((bad as Error).message).toMatch(/nobody|role/);
    expect((bad as Error).message).not.toContain('hunter2');
  });

  it('a tick costs the same round trips for 1 alert and for 300 (batched statements)', async () => {
    const s = await PostgresStore.open({ url, schema: schema() });
    const tick = async (count: number, contract: string) => {
      const observations = Array.from({ length: count }, (_, i) => obs({ key: { contract, sla: `s${i}`, alert: 'burn-page' } }));
      const before = s.roundTrips;
      const r = await applyTick(s, { at: T0, observations, policy: { forMs: 0, resolveAfterMs: 0 }, now: T0 });
      expect(r.events).toHaveLength(count);
      return s.roundTrips - before;
    };
    const one = await tick(1, 'one');
    const many = await tick(300, 'many');
    // getStates + BEGIN, insert states, insert transitions, insert outbox, COMMIT
    expect(one).toBe(6);
    expect(many).toBe(one);
    expect(await s.depth(T0)).toMatchObject({ pending: 301 });
    await s.close();
  });

  it('fenced claims succeed only while the given backend holds the lock', async () => {
    const s = await PostgresStore.open({ url, schema: schema() });
    await s.commit({ states: [], transitions: [], events: [row('a', 1), row('b', 1)], now: T0 });
    const key = advisoryKey('leader', 'fence-test');
    const holder = new pg.Client({ connectionString: url });
    holder.on('error', () => undefined);
    await holder.connect();
    const pid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const o = { now: T0, limit: 1, leaseMs: 60_000, owner: 'leader' };
    // not held yet
    expect(await s.claimDueFenced(o, { key, pid })).toEqual([]);
    expect((await holder.query('SELECT pg_try_advisory_lock($1, $2) AS ok', key)).rows[0].ok).toBe(true);
    expect((await s.claimDueFenced(o, { key, pid })).map((r) => r.eventId)).toEqual(['a#1:trigger']);
    // another pid, or another key: nothing
    expect(await s.claimDueFenced(o, { key, pid: pid + 100_000 })).toEqual([]);
    expect(await s.claimDueFenced(o, { key: advisoryKey('leader', 'other'), pid })).toEqual([]);
    // the holder's session dies: the lock is gone with it
    await server.query('SELECT pg_terminate_backend($1)', [pid]);
    await holder.end().catch(() => undefined);
    expect(await s.claimDueFenced(o, { key, pid })).toEqual([]);
    expect((await s.claimDue(o)).map((r) => r.eventId)).toEqual(['b#1:trigger']);
    await s.close();
  });

  it('membership: heartbeats list live members; a silent one drops out; leave removes at once', async () => {
    const s = await PostgresStore.open({ url, schema: schema() });
    expect((await s.heartbeat('b', 60_000)).members).toEqual(['b']);
    expect((await s.heartbeat('a', 60_000)).members).toEqual(['a', 'b']);
    // b's heartbeat is older than a 1 ms ttl once the clock moved on
    await raw(`SELECT pg_sleep(0.01)`);
    const r = await s.heartbeat('a', 1);
    expect(r.members).toEqual(['a']);
    expect(r.now).toBeGreaterThan(Date.UTC(2020, 0, 1));
    expect((await s.heartbeat('c', 60_000)).members).toEqual(['a', 'c']);
    await s.leave('c');
    expect((await s.heartbeat('a', 60_000)).members).toEqual(['a']);
    await s.close();
  });

  it('reports a lost server as a StoreError and works again when it is back (no crash, no restart)', async () => {
    const s = await PostgresStore.open({ url, schema: schema(), connectTimeoutMs: 2000 });
    await s.commit({ states: [], transitions: [], events: [row('a', 1)], now: T0 });
    await server.halt();
    try {
      await expect(s.depth(T0)).rejects.toThrow(StoreError);
      await expect(s.commit({ states: [], transitions: [], events: [row('b', 1)], now: T0 })).rejects.toThrow(StoreError);
    } finally {
      await server.restart();
    }
    let depth;
    for (let i = 0; i < 20 && !depth; i++) depth = await s.depth(T0).catch(() => undefined);
    expect(depth).toMatchObject({ pending: 1 });
    await s.commit({ states: [], transitions: [], events: [row('b', 1)], now: T0 });
    expect(await s.depth(T0)).toMatchObject({ pending: 2 });
    await s.close();
  });
});
