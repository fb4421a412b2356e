import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { RollupStore, SCHEMA_VERSION, StoreError, type StoredRollup } from '../../src/store/index.js';

const H = 3_600_000;
const T0 = Date.UTC(2026, 2, 1);

function row(hour: number, over: Partial<StoredRollup> = {}): StoredRollup {
  return {
    contract: 'acme',
    sla: 'availability',
    definitionHash: 'h1',
    hourStart: T0 + hour * H,
    goodEvents: 990 + hour,
    totalEvents: 1000,
    goodSlices: 58,
    badSlices: 2,
    noDataSlices: 0,
    excludedMinutes: 0,
    summary: { hour, runs: [1, 2], nested: { x: 'y' } },
    source: 'http://prom:9090',
    computedAt: 1,
    ...over,
  };
}

const dirs: string[] = [];
function tmpDb(): string {
  const d = mkdtempSync(join(tmpdir(), 'obligo-store-'));
  dirs.push(d);
  return join(d, 'nested', 'obligo.db');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('RollupStore', () => {
  it('creates the file and its directory, and records the schema version', () => {
    const p = tmpDb();
    const s = RollupStore.open(p);
    expect(existsSync(p)).toBe(true);
    expect(s.schemaVersion()).toBe(SCHEMA_VERSION);
    s.close();
    // Reopening does not re-run migrations (would fail: table exists).
    const s2 = RollupStore.open(p);
    expect(s2.schemaVersion()).toBe(SCHEMA_VERSION);
    s2.close();
  });

  it('upserts idempotently and returns rows in hour order with the summary round-tripped', () => {
    const s = RollupStore.open(':memory:');
    s.upsert([row(2), row(0), row(1)]);
    s.upsert([row(1), row(0)]);
    expect(s.count()).toBe(3);
    const got = s.range({ contract: 'acme', sla: 'availability', definitionHash: 'h1' }, T0, T0 + 3 * H);
    expect(got.map((r) => r.hourStart)).toEqual([T0, T0 + H, T0 + 2 * H]);
    expect(got[1]).toEqual(row(1));
    // An upsert replaces the values of an existing key.
    s.upsert([row(1, { goodEvents: 5, summary: { changed: true } })]);
    const again = s.range({ contract: 'acme', sla: 'availability', definitionHash: 'h1' }, T0 + H, T0 + 2 * H);
    expect(again).toHaveLength(1);
    expect(again[0]!.goodEvents).toBe(5);
    expect(again[0]!.summary).toEqual({ changed: true });
    s.close();
  });

  it('keeps rollups of different definition hashes apart (a changed SLA never reuses stale rows)', () => {
    const s = RollupStore.open(':memory:');
    s.upsert([row(0), row(0, { definitionHash: 'h2', goodEvents: 1 })]);
    expect(s.range({ contract: 'acme', sla: 'availability', definitionHash: 'h2' }, T0, T0 + H)[0]!.goodEvents).toBe(1);
    expect(s.range({ contract: 'acme', sla: 'availability', definitionHash: 'h1' }, T0, T0 + H)[0]!.goodEvents).toBe(990);
    expect(s.hours({ contract: 'acme', sla: 'availability', definitionHash: 'h3' }, T0, T0 + H)).toEqual([]);
    s.close();
  });

  it('never replaces an hour that had data with one that has none (re-run after retention)', () => {
    const s = RollupStore.open(':memory:');
    expect(s.upsert([row(0), row(1, { goodSlices: 0, badSlices: 0, noDataSlices: 60 })])).toBe(2);
    const empty = { goodSlices: 0, badSlices: 0, noDataSlices: 60, goodEvents: 0, totalEvents: 0, summary: { empty: true } };
    expect(s.upsert([row(0, empty), row(1, { ...empty, computedAt: 2 })])).toBe(1);
    const got = s.range({ contract: 'acme', sla: 'availability', definitionHash: 'h1' }, T0, T0 + 2 * H);
    expect(got[0]).toEqual(row(0));
    expect(got[1]!.computedAt).toBe(2);
    // data replaces data
    expect(s.upsert([row(0, { goodEvents: 1 })])).toBe(1);
    s.close();
  });

  it('uses a half-open hour range [from, to)', () => {
    const s = RollupStore.open(':memory:');
    s.upsert([0, 1, 2, 3].map((h) => row(h)));
    expect(s.hours({ contract: 'acme', sla: 'availability', definitionHash: 'h1' }, T0 + H, T0 + 3 * H)).toEqual([
      T0 + H,
      T0 + 2 * H,
    ]);
    s.close();
  });

  it('rejects an hour_start that is not an integer, writing nothing of the batch', () => {
    const s = RollupStore.open(':memory:');
    expect(() => s.upsert([row(0), row(1, { hourStart: T0 + 0.5 })])).toThrow(StoreError);
    expect(s.count()).toBe(0);
    s.close();
  });

  it('openIfExists does not create a missing file, and opens an existing one read-only', () => {
    const p = tmpDb();
    expect(RollupStore.openIfExists(p)).toBeUndefined();
    expect(existsSync(p)).toBe(false);
    const w = RollupStore.open(p);
    w.upsert([row(0)]);
    w.close();
    const r = RollupStore.openIfExists(p)!;
    expect(r.count()).toBe(1);
    expect(() => r.upsert([row(1)])).toThrow();
    r.close();
  });

  it('refuses a database written by a newer schema', () => {
    const p = tmpDb();
    RollupStore.open(p).close();
    const raw = new Database(p);
    raw.prepare('UPDATE schema_version SET version = ?').run(SCHEMA_VERSION + 1);
    raw.close();
    expect(() => RollupStore.open(p)).toThrow(/newer than this obligo/);
    expect(() => RollupStore.openIfExists(p)).toThrow(/newer than this obligo/);
  });
});
