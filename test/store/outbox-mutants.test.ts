// The outbox of both stores at its edges (found by mutation testing, issue 13): argument checks, the
// default and largest page, exact boundaries of due rows, leases and pruning, which optional fields a row
// carries, and the depth of an outbox whose oldest row is "in the future". Run against SQLite (a temporary
// file) and PostgreSQL (a throwaway cluster, one schema per test). Expected values are written out by hand.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertStoreConflictError, type AlertStore, type OutboxInsert, type OutboxStore } from '../../src/alerting/index.js';
import { SqliteAlertStore, StoreError } from '../../src/store/index.js';
import { PostgresStore } from '../../src/store/postgres.js';
import { requirePostgres, startPostgres, type RunningPostgres } from '../helpers/postgres.js';

type Store = AlertStore & OutboxStore & { close(): void | Promise<void> };
const T0 = Date.UTC(2026, 2, 1);

function row(dk: string, n: number, action: 'trigger' | 'resolve' = 'trigger'): OutboxInsert {
  return { eventId: `${dk}#${n}:${action}`, dedupKey: dk, action, routing: { routingKey: { env: 'K' } }, body: { event_action: action, dedup_key: dk } };
}
const enqueue = (s: Store, rows: OutboxInsert[], now = T0) => s.commit({ states: [], transitions: [], events: rows, now });

function outboxEdges(name: string, create: () => Promise<Store>): void {
  const withStore = (fn: (s: Store) => Promise<void>) => async () => {
    const s = await create();
    try {
      await fn(s);
    } finally {
      await s.close();
    }
  };

  describe(`outbox edges: ${name}`, () => {
    it('a fresh row carries no lease, error, status or sent/failed time; each appears once set', withStore(async (s) => {
      await enqueue(s, [row('a', 1), row('b', 1), row('c', 1)], T0);
      const fresh = (await s.list({ dedupKey: 'a' }))[0]!;
      expect(Object.keys(fresh).sort()).toEqual(['action', 'attempts', 'body', 'createdAt', 'dedupKey', 'eventId', 'id', 'nextAttemptAt', 'routing', 'status']);
      expect(fresh).toMatchObject({ eventId: 'a#1:trigger', dedupKey: 'a', action: 'trigger', routing: { routingKey: { env: 'K' } }, body: { event_action: 'trigger', dedup_key: 'a' }, createdAt: T0, status: 'pending', attempts: 0, nextAttemptAt: T0 });
      const claimed = await s.claimDue({ now: T0, limit: 10, leaseMs: 1000, owner: 'w' });
      expect(claimed.map((r) => Object.keys(r).filter((k) => k.startsWith('lease')).sort())).toEqual([['leaseOwner', 'leaseUntil'], ['leaseOwner', 'leaseUntil'], ['leaseOwner', 'leaseUntil']]);
      const [a, b, c] = claimed;
      await s.markSent(a!.id, T0 + 1, 202);
      await s.markFailed(b!.id, 'w', { at: T0 + 2, error: 'refused' });
      await s.markRetry(c!.id, 'w', { at: T0 + 3, nextAttemptAt: T0 + 10, error: 'network down', attempted: true });
      const [rc, rb, ra] = await s.list();
      expect(ra).toEqual({ ...fresh, status: 'sent', attempts: 1, sentAt: T0 + 1, lastStatus: 202 });
      expect(rb).toEqual({ ...fresh, id: b!.id, eventId: 'b#1:trigger', dedupKey: 'b', body: { event_action: 'trigger', dedup_key: 'b' }, status: 'failed', attempts: 1, failedAt: T0 + 2, lastError: 'refused' });
      expect(rc).toEqual({ ...fresh, id: c!.id, eventId: 'c#1:trigger', dedupKey: 'c', body: { event_action: 'trigger', dedup_key: 'c' }, attempts: 1, nextAttemptAt: T0 + 10, lastError: 'network down' });
      // a retry with a status keeps it; a later send clears the error
      const [c2] = await s.claimDue({ now: T0 + 10, limit: 10, leaseMs: 1000, owner: 'w' });
      await s.markRetry(c2!.id, 'w', { at: T0 + 10, nextAttemptAt: T0 + 20, error: 'HTTP 503', status: 503, attempted: true });
      expect((await s.list({ dedupKey: 'c' }))[0]).toMatchObject({ attempts: 2, lastStatus: 503, lastError: 'HTTP 503' });
      const [c3] = await s.claimDue({ now: T0 + 20, limit: 10, leaseMs: 1000, owner: 'w' });
      await s.markSent(c3!.id, T0 + 21, 202);
      const sent = (await s.list({ dedupKey: 'c' }))[0]!;
      expect(sent).toMatchObject({ status: 'sent', attempts: 3, lastStatus: 202, sentAt: T0 + 21 });
      expect('lastError' in sent).toBe(false);
      // requeue clears failedAt
      expect(await s.requeue(b!.id, T0 + 30)).toBe(true);
      const requeued = (await s.list({ dedupKey: 'b' }))[0]!;
      expect(requeued).toMatchObject({ status: 'pending', nextAttemptAt: T0 + 30 });
      expect('failedAt' in requeued).toBe(false);
    }));

    it('refuses times that are not integers and leases that are not positive, naming the argument', withStore(async (s) => {
      await enqueue(s, [row('a', 1)]);
      await expect(s.claimDue({ now: T0 + 0.5, limit: 1, leaseMs: 10, owner: 'w' })).rejects.toThrow(`now must be an integer (ms since epoch), got ${T0 + 0.5}`);
      for (const leaseMs of [0, -1, Number.NaN]) {
        await expect(s.claimDue({ now: T0, limit: 1, leaseMs, owner: 'w' })).rejects.toThrow(`leaseMs must be positive, got ${leaseMs}`);
      }
      await expect(s.claimDue({ now: T0, limit: 1, leaseMs: 10, owner: 'w' }).then(() => s.markSent(1, 1.5, 202))).rejects.toThrow('at must be an integer (ms since epoch), got 1.5');
      await expect(s.markRetry(1, 'w', { at: T0, nextAttemptAt: Number.NaN, error: 'x', attempted: true })).rejects.toThrow('nextAttemptAt must be an integer (ms since epoch), got NaN');
      await expect(s.markFailed(1, 'w', { at: 2.5, error: 'x' })).rejects.toThrow('at must be an integer (ms since epoch), got 2.5');
      await expect(s.requeue(1, 0.5)).rejects.toThrow('now must be an integer (ms since epoch), got 0.5');
      await expect(s.depth(0.1)).rejects.toThrow('now must be an integer (ms since epoch), got 0.1');
      await expect(s.pruneSent(0.1)).rejects.toThrow('before must be an integer (ms since epoch), got 0.1');
      await expect(s.list({ beforeId: 1.5 })).rejects.toThrow('beforeId must be an integer (ms since epoch), got 1.5');
      for (const limit of [0, -3, 2.5]) await expect(s.list({ limit })).rejects.toThrow(`limit must be a positive integer, got ${limit}`);
      await expect(s.claimDue({ now: T0, limit: 0, leaseMs: 10, owner: 'w' })).rejects.toThrow('limit must be a positive integer, got 0');
    }));

    it('lists 100 rows by default and at most 1000 however many are asked for', withStore(async (s) => {
      await enqueue(s, Array.from({ length: 1001 }, (_, i) => row(`k${i}`, 1)));
      expect(await s.list()).toHaveLength(100);
      expect(await s.list({ limit: 1 })).toHaveLength(1);
      expect(await s.list({ limit: 1000 })).toHaveLength(1000);
      expect(await s.list({ limit: 5000 })).toHaveLength(1000);
      expect(await s.claimDue({ now: T0, limit: 5000, leaseMs: 10, owner: 'w' })).toHaveLength(1000);
    }));

    it('a row is due at its next attempt time, a lease ends at its end, a lease of a fraction of a ms is rounded up', withStore(async (s) => {
      await enqueue(s, [row('a', 1)], T0 + 100);
      expect(await s.claimDue({ now: T0 + 99, limit: 10, leaseMs: 10, owner: 'w' })).toEqual([]);
      expect(await s.depth(T0 + 99)).toMatchObject({ pending: 1, due: 0, inFlight: 0, oldestPendingAgeMs: 0 });
      expect(await s.depth(T0 + 100)).toMatchObject({ due: 1, oldestPendingAgeMs: 0 });
      const [a] = await s.claimDue({ now: T0 + 100, limit: 10, leaseMs: 1.2, owner: 'w' });
      expect(a!.leaseUntil).toBe(T0 + 102);
      expect(await s.depth(T0 + 101)).toMatchObject({ due: 0, inFlight: 1, oldestPendingAgeMs: 1 });
      expect(await s.claimDue({ now: T0 + 101, limit: 10, leaseMs: 10, owner: 'v' })).toEqual([]);
      expect(await s.depth(T0 + 102)).toMatchObject({ due: 1, inFlight: 0 });
      expect((await s.claimDue({ now: T0 + 102, limit: 10, leaseMs: 10, owner: 'v' })).map((r) => r.leaseOwner)).toEqual(['v']);
    }));

    it('rows come back in id order, the earliest due first under a limit', withStore(async (s) => {
      await enqueue(s, [row('a', 1), row('b', 1), row('c', 1)], T0);
      const ids = (await s.list()).map((r) => r.id).sort((x, y) => x - y);
      const [a, b] = await s.claimDue({ now: T0, limit: 10, leaseMs: 5, owner: 'w' });
      // a later due time for a, an earlier one for b
      await s.markRetry(a!.id, 'w', { at: T0, nextAttemptAt: T0 + 50, error: 'x', attempted: true });
      await s.markRetry(b!.id, 'w', { at: T0, nextAttemptAt: T0 + 10, error: 'x', attempted: true });
      await s.releaseLeases('w');
      expect((await s.claimDue({ now: T0 + 60, limit: 2, leaseMs: 5, owner: 'w' })).map((r) => r.id)).toEqual([ids[1], ids[2]]);
      expect((await s.claimDue({ now: T0 + 60, limit: 2, leaseMs: 5, owner: 'w' })).map((r) => r.id)).toEqual([ids[0]]);
      const all = await s.claimDue({ now: T0 + 100, limit: 10, leaseMs: 5, owner: 'w' });
      expect(all.map((r) => r.id)).toEqual(ids);
    }));

    it('releases only the pending rows of the given owner, and says how many', withStore(async (s) => {
      await enqueue(s, [row('a', 1), row('b', 1), row('c', 1), row('d', 1)]);
      const [a, b] = await s.claimDue({ now: T0, limit: 2, leaseMs: 100, owner: 'w1' });
      await s.claimDue({ now: T0, limit: 2, leaseMs: 100, owner: 'w2' });
      await s.markSent(a!.id, T0, 202);
      expect(await s.releaseLeases('nobody')).toBe(0);
      expect(await s.releaseLeases('w1')).toBe(1);
      expect((await s.list({ dedupKey: 'b' }))[0]!.leaseOwner).toBeUndefined();
      expect(b!.id).toBeGreaterThan(0);
      expect(await s.releaseLeases('w2')).toBe(2);
      expect(await s.releaseLeases('w2')).toBe(0);
    }));

    it('only the lease owner marks a row failed or for retry; only a pending row is marked sent; only a failed one requeued', withStore(async (s) => {
      await enqueue(s, [row('a', 1), row('b', 1)]);
      const [a, b] = await s.claimDue({ now: T0, limit: 10, leaseMs: 100, owner: 'w' });
      expect(await s.markFailed(a!.id, 'other', { at: T0, error: 'x' })).toBe(false);
      expect(await s.markRetry(a!.id, 'other', { at: T0, nextAttemptAt: T0, error: 'x', attempted: true })).toBe(false);
      expect(await s.requeue(a!.id, T0)).toBe(false);
      expect(await s.markFailed(a!.id, 'w', { at: T0, error: 'x', status: 400 })).toBe(true);
      expect(await s.markSent(a!.id, T0, 202)).toBe(false);
      expect(await s.markFailed(a!.id, 'w', { at: T0, error: 'x' })).toBe(false);
      expect(await s.markRetry(b!.id, 'w', { at: T0, nextAttemptAt: T0, error: 'x', attempted: false })).toBe(true);
      expect(await s.markRetry(b!.id, 'w', { at: T0, nextAttemptAt: T0, error: 'x', attempted: false })).toBe(false);
      expect(await s.markSent(999_999, T0, 202)).toBe(false);
      expect((await s.list({ dedupKey: 'a' }))[0]).toMatchObject({ status: 'failed', lastStatus: 400, failedAt: T0 });
    }));

    it('depth counts sent, failed and pending rows; prune removes sent rows strictly before the time', withStore(async (s) => {
      await enqueue(s, [row('a', 1), row('b', 1)], T0);
      await enqueue(s, [row('c', 1), row('d', 1)], T0 + 5);
      const [a, b, c] = await s.claimDue({ now: T0 + 5, limit: 10, leaseMs: 100, owner: 'w' });
      await s.markSent(a!.id, T0 + 6, 202);
      await s.markSent(b!.id, T0 + 7, 202);
      await s.markFailed(c!.id, 'w', { at: T0 + 7, error: 'x' });
      expect(await s.depth(T0 + 8)).toEqual({ pending: 1, due: 0, inFlight: 1, failed: 1, sent: 2, oldestPendingAgeMs: 3 });
      expect(await s.pruneSent(T0 + 7)).toBe(1);
      expect(await s.pruneSent(T0 + 7)).toBe(0);
      expect(await s.pruneSent(T0 + 8)).toBe(1);
      expect(await s.depth(T0 + 8)).toEqual({ pending: 1, due: 0, inFlight: 1, failed: 1, sent: 0, oldestPendingAgeMs: 3 });
      expect(await s.depth(T0)).toMatchObject({ oldestPendingAgeMs: 0 });
      expect(await s.depth(T0 + 105)).toMatchObject({ due: 1, inFlight: 0 });
    }));

    it('an empty outbox has depth zero everywhere', withStore(async (s) => {
      expect(await s.depth(T0)).toEqual({ pending: 0, due: 0, inFlight: 0, failed: 0, sent: 0, oldestPendingAgeMs: 0 });
      expect(await s.list()).toEqual([]);
    }));

    it('a duplicate event id names the event; a routing key in a body is refused before anything is written', withStore(async (s) => {
      await enqueue(s, [row('a', 1)]);
      await expect(enqueue(s, [row('b', 1), row('a', 1)])).rejects.toThrow(new AlertStoreConflictError('outbox event a#1:trigger was already enqueued'));
      await expect(enqueue(s, [row('c', 1), { ...row('d', 1), body: { routing_key: 'R', event_action: 'trigger', dedup_key: 'd' } }])).rejects.toThrow(
        new StoreError('outbox event d#1:trigger carries a routing key: only references may be stored'),
      );
      expect((await s.list()).map((r) => r.eventId)).toEqual(['a#1:trigger']);
    }));

    it('filters the list by status, dedup key and id together', withStore(async (s) => {
      await enqueue(s, [row('a', 1), row('a', 1, 'resolve'), row('b', 1)]);
      const [a] = await s.claimDue({ now: T0, limit: 1, leaseMs: 10, owner: 'w' });
      await s.markSent(a!.id, T0, 202);
      const all = await s.list();
      expect((await s.list({ status: 'pending', dedupKey: 'a' })).map((r) => r.eventId)).toEqual(['a#1:resolve']);
      expect((await s.list({ status: 'sent' })).map((r) => r.eventId)).toEqual(['a#1:trigger']);
      expect((await s.list({ dedupKey: 'a', beforeId: all[0]!.id })).map((r) => r.eventId)).toEqual(['a#1:resolve', 'a#1:trigger']);
      expect((await s.list({ status: 'pending', beforeId: all[1]!.id })).map((r) => r.eventId)).toEqual([]);
    }));
  });
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
outboxEdges('SQLite', async () => {
  const d = mkdtempSync(join(tmpdir(), 'obligo-outbox-m-'));
  dirs.push(d);
  return SqliteAlertStore.open(join(d, 'obligo.db'));
});

const pgTools = requirePostgres();
describe.skipIf(!pgTools.ok)(`PostgreSQL${pgTools.skipNote}`, () => {
  let server: RunningPostgres | undefined;
  let url = '';
  let n = 0;
  beforeAll(async () => {
    server = await startPostgres({ tools: pgTools });
    url = await server.createDatabase('outbox');
  });
  afterAll(async () => {
    await server?.stop();
  });
  outboxEdges('PostgreSQL', async () => PostgresStore.open({ url, schema: `o${++n}` }));
});
