import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyTick, type AlertStore } from '../../src/alerting/index.js';
import { SqliteAlertStore } from '../../src/store/index.js';
import { MIN, obs } from './helpers.js';

const T0 = Date.UTC(2026, 2, 10, 12);
const P = { forMs: 0, resolveAfterMs: 0 };
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function dbPath(): string {
  const d = mkdtempSync(join(tmpdir(), 'obligo-apply-'));
  dirs.push(d);
  return join(d, 'obligo.db');
}

describe('applyTick', () => {
  it('two replicas stepping the same tick at the same moment enqueue one trigger (optimistic versions)', async () => {
    const path = dbPath();
    const a = SqliteAlertStore.open(path);
    const b = SqliteAlertStore.open(path);
    // b reads its states, then a runs the whole tick before b commits: b's commit conflicts, b re-reads,
    // finds the tick already applied and writes nothing.
    let interleaved = false;
    const racing: AlertStore = {
      getStates: async (keys) => {
        const r = await b.getStates(keys);
        if (!interleaved) {
          interleaved = true;
          await applyTick(a, { at: T0, observations: [obs()], policy: P, now: T0 });
        }
        return r;
      },
      listStates: (f) => b.listStates(f),
      commit: (c) => b.commit(c),
      listTransitions: (f) => b.listTransitions(f),
    };
    const r = await applyTick(racing, { at: T0, observations: [obs()], policy: P, now: T0 });
    expect(r).toMatchObject({ conflicts: 1, stale: 1, events: [] });
    expect((await a.list()).map((x) => x.eventId)).toEqual(['obligo/acme/availability/burn-page#1:trigger']);
    expect(await a.listTransitions()).toHaveLength(1);
    a.close();
    b.close();
  });

  it('retires open alerts of SLAs that no longer exist, not those that were merely not observed', async () => {
    const s = SqliteAlertStore.open(':memory:');
    const gone = obs({ key: { contract: 'acme', sla: 'removed', alert: 'burn-page' } });
    const unobserved = obs({ key: { contract: 'acme', sla: 'prom-down', alert: 'burn-page' } });
    await applyTick(s, { at: T0, observations: [gone, unobserved], policy: P, now: T0 });
    const r = await applyTick(s, {
      at: T0 + MIN,
      observations: [],
      policy: P,
      retire: { exists: (k) => k.sla !== 'removed', reason: 'SLA removed from the contract' },
      now: T0,
    });
    expect(r.events.map((e) => e.id)).toEqual(['obligo/acme/removed/burn-page#1:resolve']);
    expect(r.transitions[0]).toMatchObject({ from: 'firing', to: 'resolved', reason: 'retired: SLA removed from the contract' });
    const states = await s.listStates({ phases: ['firing'] });
    expect(states.map((x) => x.state.dedupKey)).toEqual(['obligo/acme/prom-down/burn-page']);
    s.close();
  });

  it('refuses two observations of one alert in a tick', async () => {
    const s = SqliteAlertStore.open(':memory:');
    await expect(applyTick(s, { at: T0, observations: [obs(), obs({ active: false })], policy: P })).rejects.toThrow(
      'two observations for alert obligo/acme/availability/burn-page in one tick',
    );
    expect(await s.list()).toEqual([]);
    s.close();
  });

  it('applies a per-observation policy', async () => {
    const s = SqliteAlertStore.open(':memory:');
    const slow = obs({ key: { contract: 'acme', sla: 'a', alert: 'x' } });
    const fast = obs({ key: { contract: 'acme', sla: 'b', alert: 'x' } });
    const policy = (o: typeof slow) => (o.key.sla === 'a' ? { forMs: 10 * MIN, resolveAfterMs: 0 } : P);
    const r = await applyTick(s, { at: T0, observations: [slow, fast], policy });
    expect(r.events.map((e) => e.dedupKey)).toEqual(['obligo/acme/b/x']);
    s.close();
  });
});
