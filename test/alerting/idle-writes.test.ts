// An idle alert (inactive or resolved, nothing to send) observed again is not rewritten: its stored
// version does not move. At 10,000 SLAs those rewrites were most of a tick's writes.
import { describe, expect, it } from 'vitest';
import { applyTick } from '../../src/alerting/index.js';
import { SqliteAlertStore } from '../../src/store/index.js';
import { MIN, obs } from './helpers.js';

const T0 = Date.UTC(2026, 2, 10, 12);

async function versionAfter(store: SqliteAlertStore): Promise<{ phase: string; version: number }> {
  const [s] = await store.listStates();
  return { phase: s!.state.phase, version: s!.version };
}

describe('idle alerts are not rewritten', () => {
  it('an alert that went back to inactive before firing keeps its version while it stays inactive', async () => {
    const store = SqliteAlertStore.open(':memory:');
    const policy = { forMs: 5 * MIN, resolveAfterMs: 0 };
    await applyTick(store, { at: T0, observations: [obs()], policy, now: T0 });
    expect(await versionAfter(store)).toEqual({ phase: 'pending', version: 1 });
    await applyTick(store, { at: T0 + MIN, observations: [obs({ active: false })], policy, now: T0 + MIN });
    const idle = await versionAfter(store);
    expect(idle.phase).toBe('inactive');
    for (let i = 2; i < 5; i++) {
      const r = await applyTick(store, { at: T0 + i * MIN, observations: [obs({ active: false })], policy, now: T0 + i * MIN });
      expect(r.events).toEqual([]);
      expect(await versionAfter(store)).toEqual(idle);
    }
    store.close();
  });

  it('a resolved alert keeps its version while it stays quiet', async () => {
    const store = SqliteAlertStore.open(':memory:');
    const policy = { forMs: 0, resolveAfterMs: 0 };
    await applyTick(store, { at: T0, observations: [obs()], policy, now: T0 });
    expect((await versionAfter(store)).phase).toBe('firing');
    let t = T0;
    for (let i = 0; i < 3 && (await versionAfter(store)).phase !== 'resolved'; i++) {
      t += MIN;
      await applyTick(store, { at: t, observations: [obs({ active: false })], policy, now: t });
    }
    const resolved = await versionAfter(store);
    expect(resolved.phase).toBe('resolved');
    for (let i = 0; i < 3; i++) {
      t += MIN;
      await applyTick(store, { at: t, observations: [obs({ active: false })], policy, now: t });
      expect(await versionAfter(store)).toEqual(resolved);
    }
    store.close();
  });
});
