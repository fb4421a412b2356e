// The store contract: one suite of behaviours every Obligo state store must have (rollups, alert states,
// transitions, the outbox, and what two replicas sharing the store see), run against SQLite and
// PostgreSQL by test/store/contract.test.ts. Expected values are written out by hand or computed by a
// small in-test model, never read back from another store.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AlertStoreConflictError,
  applyTick,
  step,
  toPagerDutyEvent,
  type AlertCommit,
  type AlertStore,
  type OutboxInsert,
  type OutboxStore,
} from '../../src/alerting/index.js';
import type { RollupRepository } from '../../src/measure/rollup-store.js';
import { StoreError, type RollupKey, type StoredRollup } from '../../src/store/index.js';
import { obs } from '../alerting/helpers.js';

export interface StoreHandle {
  rollups: RollupRepository & { count(): number | Promise<number> };
  alerts: AlertStore & OutboxStore;
  close(): Promise<void>;
}

export interface StoreFactory {
  /** A fresh, empty store. */
  create(): Promise<StoreHandle>;
  /** Another handle on the same store (another replica, another process's view). */
  attach(h: StoreHandle): Promise<StoreHandle>;
}

const H = 3_600_000;
const T0 = Date.UTC(2026, 2, 1);
const P0 = { forMs: 0, resolveAfterMs: 0 };
const KEY: RollupKey = { contract: 'acme', sla: 'availability', definitionHash: 'h1' };

function rollup(hour: number, over: Partial<StoredRollup> = {}): StoredRollup {
  return {
    ...KEY,
    hourStart: T0 + hour * H,
    goodEvents: 990.25 + hour,
    totalEvents: 1000,
    goodSlices: 58,
    badSlices: 2,
    noDataSlices: 0,
    excludedMinutes: 0,
    summary: { hour, runs: [1, 2], nested: { x: 'y', 'ü': '☃' } },
    source: 'http://prom:9090',
    computedAt: 1,
    ...over,
  };
}

function row(dk: string, n: number, action: 'trigger' | 'resolve' = 'trigger'): OutboxInsert {
  return { eventId: `${dk}#${n}:${action}`, dedupKey: dk, action, routing: { routingKey: { env: 'K' } }, body: { event_action: action, dedup_key: dk } };
}

export function storeContract(name: string, factory: StoreFactory): void {
  const withStore = (fn: (s: StoreHandle) => Promise<void>) => async () => {
    const s = await factory.create();
    try {
      await fn(s);
    } finally {
      await s.close();
    }
  };
  const enqueue = (s: StoreHandle, rows: OutboxInsert[], now = T0) => s.alerts.commit({ states: [], transitions: [], events: rows, now });

  describe(`store contract: ${name}: rollups`, () => {
    it('upserts idempotently and returns rows in hour order with the summary round-tripped', withStore(async (s) => {
      expect(await s.rollups.upsert([rollup(2), rollup(0), rollup(1)])).toBe(3);
      expect(await s.rollups.upsert([rollup(1), rollup(0)])).toBe(2);
      expect(await s.rollups.count()).toBe(3);
      const got = await s.rollups.range(KEY, T0, T0 + 3 * H);
      expect(got.map((r) => r.hourStart)).toEqual([T0, T0 + H, T0 + 2 * H]);
      expect(got[1]).toEqual(rollup(1));
      await s.rollups.upsert([rollup(1, { goodEvents: 5, summary: { changed: true } })]);
      const again = await s.rollups.range(KEY, T0 + H, T0 + 2 * H);
      expect(again).toHaveLength(1);
      expect(again[0]!.goodEvents).toBe(5);
      expect(again[0]!.summary).toEqual({ changed: true });
    }));

    it('keeps rollups of different definition hashes and SLAs apart', withStore(async (s) => {
      await s.rollups.upsert([rollup(0), rollup(0, { definitionHash: 'h2', goodEvents: 1 }), rollup(0, { sla: 'latency', goodEvents: 2 })]);
      expect((await s.rollups.range({ ...KEY, definitionHash: 'h2' }, T0, T0 + H))[0]!.goodEvents).toBe(1);
      expect((await s.rollups.range({ ...KEY, sla: 'latency' }, T0, T0 + H))[0]!.goodEvents).toBe(2);
      expect((await s.rollups.range(KEY, T0, T0 + H))[0]!.goodEvents).toBe(990.25);
      expect(await s.rollups.range({ ...KEY, definitionHash: 'h3' }, T0, T0 + H)).toEqual([]);
    }));

    it('never replaces an hour that had data with one that has none', withStore(async (s) => {
      expect(await s.rollups.upsert([rollup(0), rollup(1, { goodSlices: 0, badSlices: 0, noDataSlices: 60 })])).toBe(2);
      const empty = { goodSlices: 0, badSlices: 0, noDataSlices: 60, goodEvents: 0, totalEvents: 0, summary: { empty: true } };
      expect(await s.rollups.upsert([rollup(0, empty), rollup(1, { ...empty, computedAt: 2 })])).toBe(1);
      const got = await s.rollups.range(KEY, T0, T0 + 2 * H);
      expect(got[0]).toEqual(rollup(0));
      expect(got[1]!.computedAt).toBe(2);
      expect(await s.rollups.upsert([rollup(0, { goodEvents: 1 })])).toBe(1);
    }));

    it('a batch that repeats a key behaves as the rows one after the other', withStore(async (s) => {
      const empty = { goodSlices: 0, badSlices: 0, noDataSlices: 60, summary: { empty: true } };
      // data, then no data for the same hour: the data stays; then data again replaces it
      expect(await s.rollups.upsert([rollup(0), rollup(0, empty), rollup(0, { goodEvents: 7 }), rollup(1)])).toBe(3);
      const got = await s.rollups.range(KEY, T0, T0 + 2 * H);
      expect(got.map((r) => r.goodEvents)).toEqual([7, 991.25]);
    }));

    it('uses a half-open hour range [from, to)', withStore(async (s) => {
      await s.rollups.upsert([0, 1, 2, 3].map((h) => rollup(h)));
      expect((await s.rollups.range(KEY, T0 + H, T0 + 3 * H)).map((r) => r.hourStart)).toEqual([T0 + H, T0 + 2 * H]);
    }));

    it('rejects an hour_start that is not an integer, writing nothing of the batch', withStore(async (s) => {
      await expect(Promise.resolve().then(() => s.rollups.upsert([rollup(0), rollup(1, { hourStart: T0 + 0.5 })]))).rejects.toThrow(StoreError);
      expect(await s.rollups.count()).toBe(0);
    }));

    it('agrees with a map model over random upsert sequences (property)', withStore(async (s) => {
      let round = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({ hour: fc.integer({ min: 0, max: 5 }), sla: fc.constantFrom('a', 'b'), good: fc.integer({ min: 0, max: 3 }), events: fc.double({ min: 0, max: 1e9, noNaN: true }) }),
            { minLength: 1, maxLength: 12 },
          ),
          async (ops) => {
            const contract = `prop-${round++}`;
            const model = new Map<string, StoredRollup>();
            let expectWritten = 0;
            const rows = ops.map((o) => rollup(o.hour, { contract, sla: o.sla, goodSlices: o.good, badSlices: 0, goodEvents: o.events, summary: { e: o.events } }));
            for (const r of rows) {
              const k = `${r.sla}/${r.hourStart}`;
              const old = model.get(k);
              if (!old || r.goodSlices + r.badSlices > 0 || old.goodSlices + old.badSlices === 0) {
                model.set(k, r);
                expectWritten++;
              }
            }
            expect(await s.rollups.upsert(rows)).toBe(expectWritten);
            for (const sla of ['a', 'b']) {
              const want = [...model.values()].filter((r) => r.sla === sla).sort((x, y) => x.hourStart - y.hourStart);
              expect(await s.rollups.range({ contract, sla, definitionHash: 'h1' }, T0, T0 + 6 * H)).toEqual(want);
            }
          },
        ),
        { numRuns: 25, seed: 20261204 },
      );
    }));
  });

  describe(`store contract: ${name}: alert states, transitions, outbox`, () => {
    it('commits a state, its transition and its events together, and reads them back', withStore(async (s) => {
      const r = await applyTick(s.alerts, { at: T0, observations: [obs()], policy: P0, now: T0 + 5 });
      expect(r.events.map((e) => e.action)).toEqual(['trigger']);
      const states = await s.alerts.getStates(['obligo/acme/availability/burn-page', 'nope']);
      expect([...states.keys()]).toEqual(['obligo/acme/availability/burn-page']);
      expect(states.get('obligo/acme/availability/burn-page')).toMatchObject({ version: 1, state: { phase: 'firing', incident: 1 } });
      const [t] = await s.alerts.listTransitions();
      expect(t).toMatchObject({ from: 'inactive', to: 'firing', at: T0, recordedAt: T0 + 5, eventIds: ['obligo/acme/availability/burn-page#1:trigger'] });
      expect(t!.evidence.evidence).toMatchObject({ objective: 99.95, burnRates: { '1h': 20 } });
      const [o] = await s.alerts.list();
      expect(o).toMatchObject({ status: 'pending', attempts: 0, action: 'trigger', routing: { routingKey: { env: 'PD_ACME_KEY' } }, createdAt: T0 + 5, nextAttemptAt: T0 + 5 });
      expect(o!.body).toEqual(toPagerDutyEvent(r.events[0]!));
      expect(JSON.stringify(o)).not.toMatch(/routing_key/);
    }));

    it('writes nothing when any part of a commit conflicts (stale version, existing key, duplicate event)', withStore(async (s) => {
      await applyTick(s.alerts, { at: T0, observations: [obs()], policy: P0, now: T0 });
      const dk = 'obligo/acme/availability/burn-page';
      const cur = (await s.alerts.getStates([dk])).get(dk)!;
      const r = step(cur.state, obs({ active: false }), T0 + 1, P0);
      const base: AlertCommit = { states: [{ state: r.next, expectedVersion: cur.version }], transitions: [r.transition!], events: [], now: T0 + 1 };
      await expect(s.alerts.commit({ ...base, states: [{ state: r.next, expectedVersion: cur.version + 7 }], events: [row('x', 1)] })).rejects.toThrow(AlertStoreConflictError);
      expect(await s.alerts.list()).toHaveLength(1);
      expect(await s.alerts.listTransitions()).toHaveLength(1);
      await expect(s.alerts.commit({ ...base, states: [{ state: r.next }] })).rejects.toThrow(AlertStoreConflictError);
      await expect(s.alerts.commit({ ...base, events: [{ ...row(dk, 1), eventId: `${dk}#1:trigger` }] })).rejects.toThrow(/already enqueued/);
      expect((await s.alerts.getStates([dk])).get(dk)!.version).toBe(1);
      expect(await s.alerts.listTransitions()).toHaveLength(1);
      await s.alerts.commit(base);
      expect((await s.alerts.getStates([dk])).get(dk)!.version).toBe(2);
      expect((await s.alerts.getStates([dk])).get(dk)!.state.phase).toBe(r.next.phase);
    }));

    it('refuses to store a body that carries a routing key', withStore(async (s) => {
      await expect(enqueue(s, [{ ...row('k', 1), body: { routing_key: 'x'.repeat(32), event_action: 'trigger', dedup_key: 'k' } }])).rejects.toThrow(/only references/);
      expect(await s.alerts.list()).toEqual([]);
    }));

    it('claims only the oldest pending row of each dedup key, in order, and skips leased rows', withStore(async (s) => {
      await enqueue(s, [row('a', 1), row('a', 1, 'resolve'), row('b', 1), row('a', 2)]);
      const first = await s.alerts.claimDue({ now: T0, limit: 10, leaseMs: 1000, owner: 'w1' });
      expect(first.map((r) => r.eventId)).toEqual(['a#1:trigger', 'b#1:trigger']);
      expect(first.every((r) => r.leaseOwner === 'w1' && r.leaseUntil === T0 + 1000)).toBe(true);
      expect(await s.alerts.claimDue({ now: T0 + 1, limit: 10, leaseMs: 1000, owner: 'w2' })).toEqual([]);
      expect(await s.alerts.markSent(first[0]!.id, T0 + 2, 202)).toBe(true);
      const next = await s.alerts.claimDue({ now: T0 + 3, limit: 10, leaseMs: 1000, owner: 'w2' });
      expect(next.map((r) => r.eventId)).toEqual(['a#1:resolve']);
      const stolen = await s.alerts.claimDue({ now: T0 + 1001, limit: 10, leaseMs: 1000, owner: 'w3' });
      expect(stolen.map((r) => r.eventId)).toEqual(['b#1:trigger']);
      expect(await s.alerts.markRetry(first[1]!.id, 'w1', { at: T0, nextAttemptAt: T0, error: 'x', attempted: true })).toBe(false);
      expect(await s.alerts.markFailed(first[1]!.id, 'w1', { at: T0, error: 'x' })).toBe(false);
      expect(await s.alerts.markSent(first[1]!.id, T0 + 1002, 202)).toBe(true);
      expect(await s.alerts.markSent(first[1]!.id, T0 + 1003, 202)).toBe(false);
      const [sent] = await s.alerts.list({ dedupKey: 'b' });
      expect(sent).toMatchObject({ status: 'sent', sentAt: T0 + 1002, attempts: 1, lastStatus: 202 });
    }));

    it('respects the claim limit and hands out the earliest due rows first', withStore(async (s) => {
      await enqueue(s, [row('c', 1)], T0 + 2);
      await enqueue(s, [row('a', 1), row('b', 1)], T0);
      const got = await s.alerts.claimDue({ now: T0 + 5, limit: 2, leaseMs: 1000, owner: 'w' });
      expect(got.map((r) => r.eventId)).toEqual(['a#1:trigger', 'b#1:trigger']);
      expect((await s.alerts.claimDue({ now: T0 + 1, limit: 5, leaseMs: 1000, owner: 'w' })).map((r) => r.eventId)).toEqual([]);
    }));

    it('backs off, fails permanently, requeues, releases leases and reports depth', withStore(async (s) => {
      await enqueue(s, [row('a', 1), row('b', 1), row('c', 1)], T0);
      const [a, b, c] = await s.alerts.claimDue({ now: T0, limit: 10, leaseMs: 60_000, owner: 'w' });
      expect(await s.alerts.markRetry(a!.id, 'w', { at: T0, nextAttemptAt: T0 + 5000, error: 'HTTP 500', status: 500, attempted: true })).toBe(true);
      expect(await s.alerts.markFailed(b!.id, 'w', { at: T0, error: 'HTTP 400: invalid event', status: 400 })).toBe(true);
      expect(await s.alerts.depth(T0 + 10)).toEqual({ pending: 2, due: 0, inFlight: 1, failed: 1, sent: 0, oldestPendingAgeMs: 10 });
      expect(await s.alerts.releaseLeases('w')).toBe(1);
      expect((await s.alerts.claimDue({ now: T0 + 10, limit: 10, leaseMs: 1, owner: 'w' })).map((r) => r.id)).toEqual([c!.id]);
      const [ra] = await s.alerts.list({ dedupKey: 'a' });
      expect(ra).toMatchObject({ attempts: 1, lastError: 'HTTP 500', lastStatus: 500, nextAttemptAt: T0 + 5000, status: 'pending' });
      expect(ra!.leaseOwner).toBeUndefined();
      const [ra2, rc2] = await s.alerts.claimDue({ now: T0 + 5000, limit: 10, leaseMs: 1, owner: 'w' });
      expect([ra2!.eventId, rc2!.eventId]).toEqual(['a#1:trigger', 'c#1:trigger']);
      // not attempted (held back by the rate limit): attempts unchanged, lease dropped
      expect(await s.alerts.markRetry(ra2!.id, 'w', { at: T0 + 5000, nextAttemptAt: T0 + 7000, error: 'held', attempted: false })).toBe(true);
      expect((await s.alerts.list({ dedupKey: 'a' }))[0]).toMatchObject({ attempts: 1, nextAttemptAt: T0 + 7000, lastError: 'held' });
      expect((await s.alerts.list({ status: 'failed' })).map((r) => r.eventId)).toEqual(['b#1:trigger']);
      expect(await s.alerts.requeue(b!.id, T0 + 6000)).toBe(true);
      expect(await s.alerts.requeue(b!.id, T0 + 6000)).toBe(false);
      expect(await s.alerts.list({ status: 'failed' })).toEqual([]);
      expect(await s.alerts.depth(T0 + 6000)).toMatchObject({ pending: 3, failed: 0, oldestPendingAgeMs: 6000 });
    }));

    it('prunes sent rows but keeps pending and failed ones', withStore(async (s) => {
      await enqueue(s, [row('a', 1), row('b', 1)]);
      const [a] = await s.alerts.claimDue({ now: T0, limit: 1, leaseMs: 10, owner: 'w' });
      await s.alerts.markSent(a!.id, T0 + 1, 202);
      expect(await s.alerts.pruneSent(T0 + 1)).toBe(0);
      expect(await s.alerts.pruneSent(T0 + 2)).toBe(1);
      expect((await s.alerts.list()).map((r) => r.eventId)).toEqual(['b#1:trigger']);
      expect(await s.alerts.depth(T0 + 2)).toMatchObject({ pending: 1, sent: 0 });
    }));

    it('lists states by contract and phase, and pages transitions and the outbox newest first', withStore(async (s) => {
      const o2 = obs({ key: { contract: 'globex', sla: 'availability', alert: 'burn-page' } });
      const o3 = obs({ key: { contract: 'Zeta', sla: null, alert: 'renewal' } });
      await applyTick(s.alerts, { at: T0, observations: [obs(), o2, o3], policy: { forMs: 60_000, resolveAfterMs: 0 }, now: T0 });
      await applyTick(s.alerts, { at: T0 + 60_000, observations: [obs(), o2, o3], policy: { forMs: 60_000, resolveAfterMs: 0 }, now: T0 });
      expect((await s.alerts.listStates({ contract: 'globex' })).map((x) => x.state.dedupKey)).toEqual(['obligo/globex/availability/burn-page']);
      expect(await s.alerts.listStates({ phases: [] })).toEqual([]);
      expect((await s.alerts.listStates({ phases: ['firing'] })).length).toBe(3);
      // byte order of the dedup keys ("Z" sorts before "a")
      expect((await s.alerts.listStates()).map((x) => x.state.dedupKey)).toEqual([
        'obligo/Zeta/-/renewal',
        'obligo/acme/availability/burn-page',
        'obligo/globex/availability/burn-page',
      ].sort());
      expect((await s.alerts.listStates()).find((x) => x.state.key.sla === null)?.state.key).toEqual({ contract: 'Zeta', sla: null, alert: 'renewal' });
      const all = await s.alerts.listTransitions();
      expect(all).toHaveLength(6);
      expect(all.map((t) => t.id)).toEqual([...all.map((t) => t.id)].sort((x, y) => y - x));
      const page = await s.alerts.listTransitions({ limit: 1, beforeId: all[0]!.id });
      expect(page.map((t) => t.id)).toEqual([all[1]!.id]);
      expect((await s.alerts.listTransitions({ contract: 'acme', since: T0 + 1 })).map((t) => t.to)).toEqual(['firing']);
      expect((await s.alerts.listTransitions({ dedupKey: 'obligo/globex/availability/burn-page' })).map((t) => t.to)).toEqual(['firing', 'pending']);
      const outbox = await s.alerts.list({ limit: 2 });
      expect(outbox).toHaveLength(2);
      expect(outbox[0]!.id).toBeGreaterThan(outbox[1]!.id);
      expect((await s.alerts.list({ beforeId: outbox[1]!.id })).length).toBe(1);
      await expect(s.alerts.listTransitions({ limit: 0 })).rejects.toThrow(StoreError);
    }));
  });

  describe(`store contract: ${name}: two replicas on one store`, () => {
    it('concurrent ticks of the same alert enqueue one trigger (the version decides)', withStore(async (s) => {
      const other = await factory.attach(s);
      try {
        for (let i = 0; i < 5; i++) {
          const key = { contract: `c${i}`, sla: 'availability', alert: 'burn-page' };
          const rs = await Promise.all([s, other, s, other].map((h) => applyTick(h.alerts, { at: T0, observations: [obs({ key })], policy: P0, now: T0 })));
          expect(rs.flatMap((r) => r.events).filter((e) => e.action === 'trigger')).toHaveLength(1);
        }
        const rows = await other.alerts.list({ limit: 100 });
        expect(rows.map((r) => r.dedupKey).sort()).toEqual([0, 1, 2, 3, 4].map((i) => `obligo/c${i}/availability/burn-page`));
        expect(await s.alerts.listTransitions({ limit: 100 })).toHaveLength(5);
      } finally {
        await other.close();
      }
    }));

    it('concurrent senders never claim the same row, and every row is claimed once', withStore(async (s) => {
      const other = await factory.attach(s);
      try {
        await enqueue(s, Array.from({ length: 60 }, (_, i) => row(`k${i}`, 1)));
        const seen = new Map<number, string>();
        for (let round = 0; round < 12; round++) {
          const got = await Promise.all(
            [s, other, s, other].map((h, i) => h.alerts.claimDue({ now: T0, limit: 3, leaseMs: 60_000, owner: `w${i}` }).then((rows) => rows.map((r) => [r.id, `w${i}`] as const))),
          );
          for (const [id, owner] of got.flat()) {
            expect(seen.has(id), `row ${id} claimed by ${seen.get(id)} and ${owner}`).toBe(false);
            seen.set(id, owner);
          }
        }
        expect(seen.size).toBe(60);
      } finally {
        await other.close();
      }
    }));

    it('what one handle commits, another reads (the API of every replica answers from the shared store)', withStore(async (s) => {
      const other = await factory.attach(s);
      try {
        await applyTick(s.alerts, { at: T0, observations: [obs()], policy: P0, now: T0 });
        await s.rollups.upsert([rollup(0)]);
        expect((await other.alerts.listStates()).map((x) => x.state.phase)).toEqual(['firing']);
        expect(await other.alerts.depth(T0)).toMatchObject({ pending: 1, due: 1 });
        expect(await other.rollups.range(KEY, T0, T0 + H)).toEqual([rollup(0)]);
      } finally {
        await other.close();
      }
    }));
  });
}
