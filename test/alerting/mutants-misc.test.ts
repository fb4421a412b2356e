// Tests written against the surviving mutants of src/alerting/dedup.ts, types.ts, store.ts and apply.ts
// (StrykerJS, issue 13). Dedup keys are checked against a reference built here from node:crypto; the
// store is the real SqliteAlertStore, wrapped (as in apply.test.ts) only to count calls or to let a
// second replica write between a read and a commit.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ALERT_PHASES,
  ALERT_SEVERITIES,
  AlertStoreConflictError,
  applyTick,
  dedupKey,
  MAX_DEDUP_KEY_LENGTH,
  type AlertStore,
} from '../../src/alerting/index.js';
import { SqliteAlertStore } from '../../src/store/index.js';
import { MIN, obs } from './helpers.js';

/** Reference: the plain key up to 255 characters; else its head, "~" and 16 hex digits of its SHA-256. */
function refDedupKey(contract: string, sla: string | null, alert: string): string {
  const k = `obligo/${contract}/${sla ?? '-'}/${alert}`;
  if (k.length <= 255) return k;
  return `${k.slice(0, 255 - 17)}~${createHash('sha256').update(k, 'utf8').digest('hex').slice(0, 16)}`;
}

describe('dedupKey', () => {
  it('is the plain key up to exactly 255 characters, hashed from 256 on', () => {
    expect(MAX_DEDUP_KEY_LENGTH).toBe(255);
    const head = 'obligo/c/s/'; // 11 characters
    const at255 = dedupKey({ contract: 'c', sla: 's', alert: 'a'.repeat(244) });
    expect(at255).toBe(head + 'a'.repeat(244));
    expect(at255).toHaveLength(255);
    const k256 = head + 'a'.repeat(245);
    const at256 = dedupKey({ contract: 'c', sla: 's', alert: 'a'.repeat(245) });
    expect(at256).toHaveLength(255);
    expect(at256).toBe(`${k256.slice(0, 238)}~${createHash('sha256').update(k256).digest('hex').slice(0, 16)}`);
    expect(at256).toMatch(/~[0-9a-f]{16}$/);
  });
  it('agrees with a reference implementation', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 150 }), fc.option(fc.string({ maxLength: 150 })), fc.string({ maxLength: 150 }), (c, s, a) => {
        expect(dedupKey({ contract: c, sla: s, alert: a })).toBe(refDedupKey(c, s, a));
      }),
      { numRuns: 500 },
    );
  });
});

describe('vocabulary', () => {
  it('severities are PagerDuty Events v2 severities, phases the five of the state machine', () => {
    expect(ALERT_SEVERITIES).toEqual(['critical', 'error', 'warning', 'info']);
    expect(ALERT_PHASES).toEqual(['inactive', 'pending', 'firing', 'resolving', 'resolved']);
  });
  it('AlertStoreConflictError is named so', () => {
    const e = new AlertStoreConflictError('x');
    expect(e.name).toBe('AlertStoreConflictError');
    expect(String(e)).toBe('AlertStoreConflictError: x');
  });
});

const T0 = Date.UTC(2026, 2, 10, 12);
const P = { forMs: 0, resolveAfterMs: 0 };

/** A real store with its calls counted. */
function counted(s: SqliteAlertStore, hooks: { beforeCommit?: () => Promise<void> } = {}) {
  const n = { getStates: 0, listStates: 0, commit: 0 };
  const store: AlertStore = {
    getStates: (k) => (n.getStates++, s.getStates(k)),
    listStates: (f) => (n.listStates++, s.listStates(f)),
    commit: async (c) => {
      n.commit++;
      await hooks.beforeCommit?.();
      return s.commit(c);
    },
    listTransitions: (f) => s.listTransitions(f),
  };
  return { store, n };
}

describe('applyTick: conflicts and writes', () => {
  it('gives up after 5 retries when another replica always writes first', async () => {
    const a = SqliteAlertStore.open(':memory:');
    // the "other replica" is the same database: it changes the alert between our read and our commit
    let i = 0;
    const { store, n } = counted(a, {
      beforeCommit: async () => {
        i++;
        await applyTick(a, { at: T0 + i * MIN, observations: [obs({ active: i % 2 === 1 })], policy: P, now: T0 });
      },
    });
    await applyTick(a, { at: T0, observations: [obs({ active: false })], policy: P, now: T0 });
    await expect(applyTick(store, { at: T0 + 1000 * MIN, observations: [obs()], policy: P, now: T0 })).rejects.toBeInstanceOf(AlertStoreConflictError);
    expect(n.getStates).toBe(6);
    expect(n.commit).toBe(6);
    a.close();
  });
  it('succeeds when the last allowed retry finds no competitor', async () => {
    const a = SqliteAlertStore.open(':memory:');
    let i = 0;
    const { store, n } = counted(a, {
      beforeCommit: async () => {
        if (++i > 5) return;
        // the competitor sees it still active: firing stays firing, but its state (lastAt) is rewritten
        await applyTick(a, { at: T0 + i * MIN, observations: [obs()], policy: P, now: T0 });
      },
    });
    await applyTick(a, { at: T0, observations: [obs()], policy: P, now: T0 }); // firing, stored
    const r = await applyTick(store, { at: T0 + 1000 * MIN, observations: [obs({ active: false })], policy: P, now: T0 });
    // our inactive observation resolves it, at the sixth attempt
    expect(r.conflicts).toBe(5);
    expect(r.events.map((e) => e.action)).toEqual(['resolve']);
    expect(n.getStates).toBe(6);
    a.close();
  });
  it('any other error is thrown at once, not retried', async () => {
    const a = SqliteAlertStore.open(':memory:');
    const { store, n } = counted(a, {
      beforeCommit: async () => {
        throw new Error('disk I/O error');
      },
    });
    await expect(applyTick(store, { at: T0, observations: [obs()], policy: P, now: T0 })).rejects.toThrow('disk I/O error');
    expect(n.getStates).toBe(1);
    expect(n.commit).toBe(1);
    a.close();
  });
  it('a tick that changes nothing does not write', async () => {
    const a = SqliteAlertStore.open(':memory:');
    const { store, n } = counted(a);
    const r = await applyTick(store, { at: T0, observations: [obs({ active: false })], policy: P, now: T0 });
    expect(r).toEqual({ transitions: [], events: [], stale: 0, conflicts: 0 });
    expect(n.commit).toBe(0);
    expect(await a.getStates(['obligo/acme/availability/burn-page'])).toEqual(new Map());
    a.close();
  });
  it('retires resolving alerts too, and leaves alerts that are not open alone', async () => {
    const a = SqliteAlertStore.open(':memory:');
    const k = (sla: string) => ({ contract: 'acme', sla, alert: 'burn-page' });
    const policy = { forMs: 30 * MIN, resolveAfterMs: 30 * MIN };
    // firing at T0 + 30 min, then inactive at + 31 min: resolving
    await applyTick(a, { at: T0, observations: [obs({ key: k('resolving') }), obs({ key: k('pending') })], policy, now: T0 });
    await applyTick(a, { at: T0 + 30 * MIN, observations: [obs({ key: k('resolving') })], policy, now: T0 });
    await applyTick(a, { at: T0 + 31 * MIN, observations: [obs({ key: k('resolving'), active: false })], policy, now: T0 });
    const before = await a.getStates(['obligo/acme/resolving/burn-page', 'obligo/acme/pending/burn-page']);
    expect([...before.values()].map((s) => s.state.phase).sort()).toEqual(['pending', 'resolving']);
    const r = await applyTick(a, { at: T0 + 32 * MIN, observations: [], policy, retire: { exists: () => false, reason: 'contract removed' }, now: T0 });
    expect(r.transitions.map((t) => [t.dedupKey, t.from, t.to, t.reason])).toEqual([['obligo/acme/resolving/burn-page', 'resolving', 'resolved', 'retired: contract removed']]);
    expect(r.events.map((e) => e.id)).toEqual(['obligo/acme/resolving/burn-page#1:resolve']);
    // the pending alert is not listed for retirement: its stored state (and lastAt) is untouched
    const after = await a.getStates(['obligo/acme/pending/burn-page']);
    expect(after.get('obligo/acme/pending/burn-page')).toEqual(before.get('obligo/acme/pending/burn-page'));
    a.close();
  });
});
