// The outbox of the PostgreSQL store when PostgreSQL fails (found by mutation testing, issue 13): each
// outbox operation names itself in its error ("cannot mark an outbox row sent (PostgreSQL host:port/db,
// CODE): <server's message>"), so that an operator knows what failed, and never shows the password of the
// URL. The failures are real: on a throwaway cluster (test/helpers/postgres.ts) the outbox table is
// renamed under a running store (PostgreSQL answers 42P01), and the server is stopped (no connection).
// Also: a commit without events sends no outbox statement (one round trip less, and it still succeeds
// while the outbox table is gone). Expected messages are written out by hand.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyTick, type OutboxInsert } from '../../src/alerting/index.js';
import { StoreError } from '../../src/store/index.js';
import { PostgresStore } from '../../src/store/postgres.js';
import { obs } from '../alerting/helpers.js';
import { requirePostgres, startPostgres, type RunningPostgres } from '../helpers/postgres.js';

const T0 = Date.UTC(2026, 2, 1);
const SECRET = 'hunter2-s3cret';
const pgTools = requirePostgres();

function row(dk: string, n: number): OutboxInsert {
  return { eventId: `${dk}#${n}:trigger`, dedupKey: dk, action: 'trigger', routing: { routingKey: { env: 'K' } }, body: { event_action: 'trigger', dedup_key: dk } };
}

/** Every outbox operation, with the name its error must carry. */
const OPERATIONS: Array<[string, (s: PostgresStore) => Promise<unknown>]> = [
  ['cannot write the outbox', (s) => s.commit({ states: [], transitions: [], events: [row('z', 1)], now: T0 })],
  ['cannot claim outbox rows', (s) => s.claimDue({ now: T0, limit: 10, leaseMs: 1000, owner: 'w' })],
  ['cannot claim outbox rows', (s) => s.claimDueFenced({ now: T0, limit: 10, leaseMs: 1000, owner: 'w' }, { key: [1, 2], pid: 1 })],
  ['cannot mark an outbox row sent', (s) => s.markSent(1, T0, 202)],
  ['cannot reschedule an outbox row', (s) => s.markRetry(1, 'w', { at: T0, nextAttemptAt: T0 + 10, error: 'x', attempted: true })],
  ['cannot mark an outbox row failed', (s) => s.markFailed(1, 'w', { at: T0, error: 'x' })],
  ['cannot release outbox leases', (s) => s.releaseLeases('w')],
  ['cannot requeue an outbox row', (s) => s.requeue(1, T0)],
  ['cannot read the outbox depth', (s) => s.depth(T0)],
  ['cannot list the outbox', (s) => s.list()],
  ['cannot list the outbox', (s) => s.list({ status: 'pending', dedupKey: 'a', beforeId: 5, limit: 3 })],
  ['cannot prune the outbox', (s) => s.pruneSent(T0)],
];

async function failure(p: Promise<unknown>): Promise<StoreError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(StoreError);
  const err = e as StoreError;
  expect(err.message).not.toContain(SECRET);
  expect(JSON.stringify(err)).not.toContain(SECRET);
  expect(String(err.stack)).not.toContain(SECRET);
  return err;
}

describe.skipIf(!pgTools.ok)(`PostgreSQL outbox errors${pgTools.skipNote}`, () => {
  let server: RunningPostgres;
  const db = 'outbox_errors';
  /** The URL with a password (trust authentication ignores it): it must never appear in an error. */
  let url = '';
  let n = 0;
  const schema = () => `m${++n}`;
  beforeAll(async () => {
    server = await startPostgres({ tools: pgTools });
    url = (await server.createDatabase(db)).replace('obligo@', `obligo:${SECRET}@`);
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** SQL on the store's database, beside the store. */
  async function raw<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      return (await c.query<T>(sql)).rows;
    } finally {
      await c.end();
    }
  }

  it("each outbox operation names itself, the server and PostgreSQL's error when its table is gone, and works again once it is back", async () => {
    const sc = schema();
    const s = await PostgresStore.open({ url, schema: sc });
    try {
      await s.commit({ states: [], transitions: [], events: [row('a', 1)], now: T0 });
      await raw(`ALTER TABLE ${sc}.outbox RENAME TO outbox_gone`);
      for (const [what, op] of OPERATIONS) {
        const err = await failure(op(s));
        expect(err.message).toBe(`${what} (PostgreSQL 127.0.0.1:${server.port}/${db}, 42P01): relation "outbox" does not exist`);
        expect((err.cause as { code?: string }).code).toBe('42P01');
      }
      // a commit whose outbox insert fails writes nothing: its state and transition are rolled back
      const dk = 'obligo/acme/availability/burn-page';
      const tick = applyTick(s, { at: T0, observations: [obs()], policy: { forMs: 0, resolveAfterMs: 0 }, now: T0 });
      expect((await failure(tick)).message).toBe(`cannot write the outbox (PostgreSQL 127.0.0.1:${server.port}/${db}, 42P01): relation "outbox" does not exist`);
      expect([...(await s.getStates([dk])).keys()]).toEqual([]);
      expect(await s.listTransitions()).toEqual([]);
      // the table back: the same store works again (no connection was left broken)
      await raw(`ALTER TABLE ${sc}.outbox_gone RENAME TO outbox`);
      expect((await s.list()).map((r) => r.eventId)).toEqual(['a#1:trigger']);
      expect(await s.depth(T0)).toMatchObject({ pending: 1, due: 1 });
      expect((await s.claimDue({ now: T0, limit: 10, leaseMs: 1000, owner: 'w' })).map((r) => r.eventId)).toEqual(['a#1:trigger']);
    } finally {
      await s.close();
    }
  });

  it('a commit without events sends no outbox statement: one round trip less, and it succeeds while the outbox table is gone', async () => {
    const sc = schema();
    const s = await PostgresStore.open({ url, schema: sc });
    try {
      await raw(`ALTER TABLE ${sc}.outbox RENAME TO outbox_gone`);
      const dk = 'obligo/acme/availability/burn-page';
      const before = s.roundTrips;
      // an alert that starts pending (forMs > 0): a new state and its transition, no event
      const r = await applyTick(s, { at: T0, observations: [obs()], policy: { forMs: 60_000, resolveAfterMs: 0 }, now: T0 });
      expect(r.events).toEqual([]);
      // getStates, BEGIN, insert states, insert transitions, COMMIT
      expect(s.roundTrips - before).toBe(5);
      expect((await s.getStates([dk])).get(dk)).toMatchObject({ version: 1, state: { phase: 'pending' } });
      expect((await s.listTransitions()).map((t) => [t.from, t.to])).toEqual([['inactive', 'pending']]);
      // a commit of nothing at all: BEGIN, COMMIT
      const b2 = s.roundTrips;
      await s.commit({ states: [], transitions: [], events: [], now: T0 });
      expect(s.roundTrips - b2).toBe(2);
    } finally {
      await s.close();
    }
  });

  it('a stopped server: each outbox operation names itself (a commit: its transaction) and the server, never the password; it works again once the server is back', async () => {
    const sc = schema();
    const s = await PostgresStore.open({ url, schema: sc, connectTimeoutMs: 2000, poolSize: 1 });
    try {
      await s.commit({ states: [], transitions: [], events: [row('a', 1)], now: T0 });
      await server.halt();
      try {
        const where = `\\(PostgreSQL 127\\.0\\.0\\.1:${server.port}/${db}(, [A-Z0-9]+)?\\): \\S`;
        for (const [what, op] of OPERATIONS) {
          // a commit fails to connect for its transaction; the pool's idle connection, if not yet seen
          // dead, fails the first statement instead of the connect
          const name = what === 'cannot write the outbox' ? 'cannot commit alert changes' : what;
          const err = await failure(op(s));
          expect(err.message).toMatch(new RegExp(`^(${name}|cannot connect \\(${name}\\)) ${where}`));
        }
      } finally {
        await server.restart();
      }
      let depth;
      for (let i = 0; i < 20 && !depth; i++) depth = await s.depth(T0).catch(() => undefined);
      expect(depth).toMatchObject({ pending: 1 });
    } finally {
      await s.close();
    }
  });
});
