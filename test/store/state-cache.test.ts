// SqliteAlertStore keeps the alert states it has read or written in memory (a serve tick then reads
// no row and parses no JSON). The cache must never hide a write: another connection to the same file
// (another process) invalidates it, and a failed commit of our own drops it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertStoreConflictError, applyTick, step } from '../../src/alerting/index.js';
import { SqliteAlertStore } from '../../src/store/alerts.js';
import { obs, P, T0, MIN } from '../alerting/helpers.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function twoConnections(): [SqliteAlertStore, SqliteAlertStore] {
  const d = mkdtempSync(join(tmpdir(), 'obligo-cache-'));
  dirs.push(d);
  const path = join(d, 'obligo.db');
  return [SqliteAlertStore.open(path), SqliteAlertStore.open(path)];
}
const DK = 'obligo/acme/availability/burn-page';

describe('SqliteAlertStore: alert states cached per connection', () => {
  it('a state written through another connection is read, not the cached one', async () => {
    const [a, b] = twoConnections();
    try {
      await applyTick(a, { at: T0, observations: [obs()], policy: P, now: T0 });
      const first = (await a.getStates([DK, 'absent'])).get(DK)!;
      expect(first.state.phase).toBe('pending');
      // b (another process, in production) moves the alert on.
      const cur = (await b.getStates([DK])).get(DK)!;
      const moved = await applyTick(b, { at: T0 + 5 * MIN, observations: [obs()], policy: P, now: T0 + 5 * MIN });
      expect(moved.transitions.map((t) => t.to)).toEqual(['firing']);
      const again = (await a.getStates([DK])).get(DK)!;
      expect(again.version).toBe(cur.version + 1);
      expect(again.state.phase).toBe('firing');
      // a key that was absent and is then created elsewhere is seen too
      await applyTick(b, { at: T0, observations: [obs({ key: { contract: 'acme', sla: 'availability', alert: 'absent' } })], policy: P, now: T0 });
      expect((await a.getStates([DK, 'absent', 'obligo/acme/availability/absent'])).has('obligo/acme/availability/absent')).toBe(true);
      // and a tick of a goes on from b's state without a conflict
      const t = await applyTick(a, { at: T0 + 6 * MIN, observations: [obs()], policy: P, now: T0 + 6 * MIN });
      expect(t.transitions).toEqual([]);
    } finally {
      a.close();
      b.close();
    }
  });

  it('our own commits are visible at once; a failed commit leaves the stored state in force', async () => {
    const [a, b] = twoConnections();
    try {
      await applyTick(a, { at: T0, observations: [obs()], policy: P, now: T0 });
      const r1 = await applyTick(a, { at: T0 + 5 * MIN, observations: [obs()], policy: P, now: T0 + 5 * MIN });
      expect(r1.transitions.map((t) => t.to)).toEqual(['firing']);
      const mine = (await a.getStates([DK])).get(DK)!;
      expect(mine).toMatchObject({ version: 2, state: { phase: 'firing' } });
      expect(mine).toEqual((await b.getStates([DK])).get(DK));
      // a commit with a stale version fails and writes nothing; the next read is the stored state
      const r = step(mine.state, obs({ active: false }), T0 + 6 * MIN, P);
      await expect(a.commit({ states: [{ state: r.next, expectedVersion: mine.version - 1 }], transitions: [], events: [], now: T0 + 6 * MIN })).rejects.toThrow(AlertStoreConflictError);
      expect((await a.getStates([DK])).get(DK)).toEqual(mine);
    } finally {
      a.close();
      b.close();
    }
  });

  it('hands out frozen states, so that no caller can change what the next tick reads', async () => {
    const [a, b] = twoConnections();
    try {
      await applyTick(a, { at: T0, observations: [obs()], policy: P, now: T0 });
      const s = (await a.getStates([DK])).get(DK)!;
      expect(Object.isFrozen(s)).toBe(true);
      expect(Object.isFrozen(s.state)).toBe(true);
      expect(() => {
        (s.state as { phase: string }).phase = 'resolved';
      }).toThrow(TypeError);
      expect((await a.getStates([DK])).get(DK)!.state.phase).toBe('pending');
    } finally {
      a.close();
      b.close();
    }
  });
});
