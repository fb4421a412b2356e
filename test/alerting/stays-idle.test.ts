// staysIdle lets applyTick skip stepping the idle alerts observed inactive (nearly all of serve's 10,000
// per tick). Held against step itself: whenever it says so, step changes nothing but the time, sends
// nothing and records nothing; and applyTick gives the same answer and writes the same as when every
// observation is stepped.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyTick, step, staysIdle, type AlertPolicy, type AlertState } from '../../src/alerting/index.js';
import { SqliteAlertStore } from '../../src/store/alerts.js';
import { obs } from './helpers.js';

const T0 = Date.UTC(2026, 0, 1);
const policy: AlertPolicy = { forMs: 120_000, resolveAfterMs: 300_000 };

/** Reach a state by stepping a run of observations (active or not) one minute apart. */
function stateAfter(run: boolean[]): AlertState | undefined {
  let s: AlertState | undefined;
  run.forEach((active, i) => (s = step(s, obs({ active }), T0 + i * 60_000, policy).next));
  return s;
}

describe('staysIdle', () => {
  it('holds exactly when step leaves an idle alert idle, with nothing to send or record', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 12 }), fc.boolean(), fc.integer({ min: -2, max: 20 }), (run, active, dtMin) => {
        const prev = stateAfter(run);
        const at = T0 + (run.length - 1) * 60_000 + dtMin * 60_000;
        const o = obs({ active });
        const r = step(prev, o, at, policy);
        const idle = (p: string | undefined) => p === undefined || p === 'inactive' || p === 'resolved';
        const unchanged = !r.stale && !r.transition && r.events.length === 0 && idle(prev?.phase) && r.next.phase === (prev?.phase ?? 'inactive');
        expect(staysIdle(prev, o, at)).toBe(unchanged);
      }),
      { numRuns: 500 },
    );
  });

  it('an idle alert observed active, or stepped at or before its last step, is not skipped', () => {
    const resolved = stateAfter([true, true, true, false, false, false, false, false, false, false])!;
    expect(resolved.phase).toBe('resolved');
    expect(staysIdle(resolved, obs({ active: true }), resolved.lastAt + 60_000)).toBe(false);
    expect(staysIdle(resolved, obs({ active: false }), resolved.lastAt)).toBe(false);
    expect(staysIdle(resolved, obs({ active: false }), resolved.lastAt + 1)).toBe(true);
    expect(staysIdle(undefined, obs({ active: false }), T0)).toBe(true);
    expect(staysIdle(undefined, obs({ active: true }), T0)).toBe(false);
  });
});

describe('applyTick with idle alerts', () => {
  it('answers and writes as if every observation had been stepped', async () => {
    const store = SqliteAlertStore.open(':memory:');
    try {
      const key = (i: number) => ({ contract: 'acme', sla: `s${i}`, alert: 'burn-page' });
      // s0 fires, s1 stays idle, s2 goes pending then inactive
      const ticks = [
        [true, false, true],
        [true, false, false],
        [true, false, false],
        [false, false, false],
      ];
      for (const [t, actives] of ticks.entries()) {
        const r = await applyTick(store, { at: T0 + t * 60_000, observations: actives.map((active, i) => obs({ key: key(i), active })), policy, now: T0 + t * 60_000 });
        expect(r.stale).toBe(0);
        if (t === 2) expect(r.events.map((e) => `${e.dedupKey}:${e.action}`)).toEqual(['obligo/acme/s0/burn-page:trigger']);
      }
      const states = await store.listStates();
      expect(states.map((s) => `${s.state.key.sla}:${s.state.phase}`)).toEqual(['s0:resolving', 's2:inactive']);
    } finally {
      store.close();
    }
  });

  it('still checks the policy of an idle observation (a bad policy fails the first tick, not the first incident)', async () => {
    const store = SqliteAlertStore.open(':memory:');
    try {
      await expect(applyTick(store, { at: T0, observations: [obs({ active: false })], policy: { forMs: -1, resolveAfterMs: 0 } })).rejects.toThrow(/forMs must be a finite number of ms ≥ 0, got -1/);
      await expect(applyTick(store, { at: T0 + 0.5, observations: [obs({ active: false })], policy })).rejects.toThrow(/integer of ms since epoch, got/);
    } finally {
      store.close();
    }
  });
});
