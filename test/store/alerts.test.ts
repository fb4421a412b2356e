import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AlertStoreConflictError,
  applyTick,
  step,
  toPagerDutyEvent,
  type AlertCommit,
  type OutboxInsert,
} from '../../src/alerting/index.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { RollupStore, SCHEMA_VERSION, SqliteAlertStore } from '../../src/store/index.js';
import { obs } from '../alerting/helpers.js';

const T0 = Date.UTC(2026, 2, 10);
const dirs: string[] = [];
function tmpDb(): string {
  const d = mkdtempSync(join(tmpdir(), 'obligo-alerts-'));
  dirs.push(d);
  return join(d, 'obligo.db');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const P0 = { forMs: 0, resolveAfterMs: 0 };

function row(dk: string, n: number, action: 'trigger' | 'resolve' = 'trigger'): OutboxInsert {
  return { eventId: `${dk}#${n}:${action}`, dedupKey: dk, action, routing: { routingKey: { env: 'K' } }, body: { event_action: action, dedup_key: dk } };
}
function enqueue(s: SqliteAlertStore, rows: OutboxInsert[], now = T0): Promise<void> {
  return s.commit({ states: [], transitions: [], events: rows, now });
}

describe('SqliteAlertStore: states, transitions, outbox in one transaction', () => {
  it('migrates a version-1 rollup database and keeps its rollups', () => {
    const p = tmpDb();
    const raw = new Database(p);
    raw.exec('CREATE TABLE schema_version (version INTEGER NOT NULL)');
    raw.exec(MIGRATIONS[0]!);
    raw.prepare('INSERT INTO schema_version VALUES (1)').run();
    raw.prepare(
      `INSERT INTO rollups VALUES ('acme','availability','h1',0,1,1,1,0,0,0,'{}','http://p',1)`,
    ).run();
    raw.close();
    // A read-only rollup reader does not need the alerting tables.
    const ro = RollupStore.openIfExists(p)!;
    expect(ro.count()).toBe(1);
    ro.close();
    const s = SqliteAlertStore.open(p);
    s.close();
    const r = RollupStore.open(p);
    expect(r.schemaVersion()).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(2);
    expect(r.count()).toBe(1);
    r.close();
  });

  it('commits a state, its transition and its events together, and reads them back', async () => {
    const s = SqliteAlertStore.open(':memory:');
    const r = await applyTick(s, { at: T0, observations: [obs()], policy: P0, now: T0 + 5 });
    expect(r.events.map((e) => e.action)).toEqual(['trigger']);
    const states = await s.getStates(['obligo/acme/availability/burn-page', 'nope']);
    expect([...states.keys()]).toEqual(['obligo/acme/availability/burn-page']);
    expect(states.get('obligo/acme/availability/burn-page')).toMatchObject({ version: 1, state: { phase: 'firing', incident: 1 } });
    const [t] = await s.listTransitions();
    expect(t).toMatchObject({ from: 'inactive', to: 'firing', at: T0, recordedAt: T0 + 5, eventIds: ['obligo/acme/availability/burn-page#1:trigger'] });
    expect(t!.evidence.evidence).toMatchObject({ objective: 99.95, burnRates: { '1h': 20 } });
    const [o] = await s.list();
    expect(o).toMatchObject({ status: 'pending', attempts: 0, action: 'trigger', routing: { routingKey: { env: 'PD_ACME_KEY' } }, createdAt: T0 + 5, nextAttemptAt: T0 + 5 });
    expect(o!.body).toEqual(toPagerDutyEvent(r.events[0]!));
    expect(JSON.stringify(o)).not.toMatch(/routing_key/);
    s.close();
  });

  it('writes nothing when any part of a commit conflicts (stale version, duplicate event)', async () => {
    const s = SqliteAlertStore.open(':memory:');
    await applyTick(s, { at: T0, observations: [obs()], policy: P0, now: T0 });
    const cur = (await s.getStates(['obligo/acme/availability/burn-page'])).get('obligo/acme/availability/burn-page')!;
    const r = step(cur.state, obs({ active: false }), T0 + 1, P0);
    const base: AlertCommit = { states: [{ state: r.next, expectedVersion: cur.version }], transitions: [r.transition!], events: [], now: T0 + 1 };
    // a stale version: nothing of the batch is written
    await expect(s.commit({ ...base, states: [{ state: r.next, expectedVersion: cur.version + 7 }], events: [row('x', 1)] })).rejects.toThrow(AlertStoreConflictError);
    expect(await s.list()).toHaveLength(1);
    expect(await s.listTransitions()).toHaveLength(1);
    // a new state for an existing key
    await expect(s.commit({ ...base, states: [{ state: r.next }] })).rejects.toThrow(AlertStoreConflictError);
    // a duplicate outbox event id
    await expect(s.commit({ ...base, events: [row('obligo/acme/availability/burn-page', 1)].map((e) => ({ ...e, eventId: 'obligo/acme/availability/burn-page#1:trigger' })) })).rejects.toThrow(/already enqueued/);
    expect((await s.getStates(['obligo/acme/availability/burn-page'])).get('obligo/acme/availability/burn-page')!.version).toBe(1);
    await s.commit(base);
    expect((await s.getStates(['obligo/acme/availability/burn-page'])).get('obligo/acme/availability/burn-page')!.version).toBe(2);
    s.close();
  });

  it('refuses to store a body that carries a routing key', async () => {
    const s = SqliteAlertStore.open(':memory:');
    await expect(enqueue(s, [{ ...row('k', 1), body: { routing_key: 'x'.repeat(32), event_action: 'trigger', dedup_key: 'k' } }])).rejects.toThrow(/only references/);
    expect(await s.list()).toEqual([]);
    s.close();
  });

  it('transitions are append-only', async () => {
    const p = tmpDb();
    const s = SqliteAlertStore.open(p);
    await applyTick(s, { at: T0, observations: [obs()], policy: P0, now: T0 });
    s.close();
    const raw = new Database(p);
    expect(() => raw.prepare(`UPDATE alert_transitions SET reason = 'x'`).run()).toThrow(/append-only/);
    expect(() => raw.prepare(`DELETE FROM alert_transitions`).run()).toThrow(/append-only/);
    raw.close();
  });

  it('claims only the oldest pending row of each dedup key, in order, and skips leased rows', async () => {
    const s = SqliteAlertStore.open(':memory:');
    await enqueue(s, [row('a', 1), row('a', 1, 'resolve'), row('b', 1), row('a', 2)]);
    const first = await s.claimDue({ now: T0, limit: 10, leaseMs: 1000, owner: 'w1' });
    expect(first.map((r) => r.eventId)).toEqual(['a#1:trigger', 'b#1:trigger']);
    // leased rows are not handed out again, and a's later rows wait behind its leased one
    expect(await s.claimDue({ now: T0 + 1, limit: 10, leaseMs: 1000, owner: 'w2' })).toEqual([]);
    expect(await s.markSent(first[0]!.id, T0 + 2, 202)).toBe(true);
    const next = await s.claimDue({ now: T0 + 3, limit: 10, leaseMs: 1000, owner: 'w2' });
    expect(next.map((r) => r.eventId)).toEqual(['a#1:resolve']);
    // an expired lease is claimable by anyone
    const stolen = await s.claimDue({ now: T0 + 1001, limit: 10, leaseMs: 1000, owner: 'w3' });
    expect(stolen.map((r) => r.eventId)).toEqual(['b#1:trigger']);
    // the old owner can no longer record a retry or failure for it; a success is a fact and is recorded
    expect(await s.markRetry(first[1]!.id, 'w1', { at: T0, nextAttemptAt: T0, error: 'x', attempted: true })).toBe(false);
    expect(await s.markFailed(first[1]!.id, 'w1', { at: T0, error: 'x' })).toBe(false);
    expect(await s.markSent(first[1]!.id, T0 + 1002, 202)).toBe(true);
    expect(await s.markSent(first[1]!.id, T0 + 1003, 202)).toBe(false);
    s.close();
  });

  it('backs off, fails permanently, requeues, releases leases and reports depth', async () => {
    const s = SqliteAlertStore.open(':memory:');
    await enqueue(s, [row('a', 1), row('b', 1), row('c', 1)], T0);
    const [a, b, c] = await s.claimDue({ now: T0, limit: 10, leaseMs: 60_000, owner: 'w' });
    expect(await s.markRetry(a!.id, 'w', { at: T0, nextAttemptAt: T0 + 5000, error: 'HTTP 500', status: 500, attempted: true })).toBe(true);
    expect(await s.markFailed(b!.id, 'w', { at: T0, error: 'HTTP 400: invalid event', status: 400 })).toBe(true);
    expect(await s.depth(T0 + 10)).toEqual({ pending: 2, due: 0, inFlight: 1, failed: 1, sent: 0, oldestPendingAgeMs: 10 });
    expect(await s.releaseLeases('w')).toBe(1);
    expect((await s.claimDue({ now: T0 + 10, limit: 10, leaseMs: 1, owner: 'w' })).map((r) => r.id)).toEqual([c!.id]);
    const [ra] = await s.list({ dedupKey: 'a' });
    expect(ra).toMatchObject({ attempts: 1, lastError: 'HTTP 500', lastStatus: 500, nextAttemptAt: T0 + 5000, status: 'pending' });
    expect(ra!.leaseOwner).toBeUndefined();
    // a is due again; c's 1 ms lease has long expired
    expect((await s.claimDue({ now: T0 + 5000, limit: 10, leaseMs: 1, owner: 'w' })).map((r) => r.eventId)).toEqual(['a#1:trigger', 'c#1:trigger']);
    expect((await s.list({ status: 'failed' })).map((r) => r.eventId)).toEqual(['b#1:trigger']);
    expect(await s.requeue(b!.id, T0 + 6000)).toBe(true);
    expect(await s.requeue(b!.id, T0 + 6000)).toBe(false);
    expect((await s.list({ status: 'failed' }))).toEqual([]);
    s.close();
  });

  it('prunes sent rows but keeps pending and failed ones', async () => {
    const s = SqliteAlertStore.open(':memory:');
    await enqueue(s, [row('a', 1), row('b', 1)]);
    const [a] = await s.claimDue({ now: T0, limit: 1, leaseMs: 10, owner: 'w' });
    await s.markSent(a!.id, T0 + 1, 202);
    expect(await s.pruneSent(T0 + 1)).toBe(0);
    expect(await s.pruneSent(T0 + 2)).toBe(1);
    expect((await s.list()).map((r) => r.eventId)).toEqual(['b#1:trigger']);
    s.close();
  });

  it('lists states by contract and phase and pages transitions newest first', async () => {
    const s = SqliteAlertStore.open(':memory:');
    const o2 = obs({ key: { contract: 'globex', sla: 'availability', alert: 'burn-page' } });
    await applyTick(s, { at: T0, observations: [obs(), o2], policy: { forMs: 60_000, resolveAfterMs: 0 }, now: T0 });
    await applyTick(s, { at: T0 + 60_000, observations: [obs(), o2], policy: { forMs: 60_000, resolveAfterMs: 0 }, now: T0 });
    expect((await s.listStates({ contract: 'globex' })).map((x) => x.state.dedupKey)).toEqual(['obligo/globex/availability/burn-page']);
    expect(await s.listStates({ phases: [] })).toEqual([]);
    expect((await s.listStates({ phases: ['firing'] })).length).toBe(2);
    const all = await s.listTransitions();
    expect(all.map((t) => t.id)).toEqual([...all.map((t) => t.id)].sort((x, y) => y - x));
    const page = await s.listTransitions({ limit: 1, beforeId: all[0]!.id });
    expect(page.map((t) => t.id)).toEqual([all[1]!.id]);
    expect((await s.listTransitions({ contract: 'acme', since: T0 + 1 })).map((t) => t.to)).toEqual(['firing']);
    s.close();
  });
});
