// Tests written against the surviving mutants of src/alerting/state-machine.ts (StrykerJS, issue 13):
// the exact reasons recorded in transitions, formatDuration against a reference implementation, the key
// check of step(), and retire() on every phase. Expected values are derived by hand from the rules in the
// module's header comment (not from the code under test).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AlertingError, formatDuration, retire, step, type AlertPolicy, type AlertState, type StepResult } from '../../src/alerting/index.js';
import { MIN, obs, P, run, T0 } from './helpers.js';


/** Reference: whole seconds (rounded half up), then d/h/m/s, omitting zero units; below 0.5 s the ms. */
function refDuration(ms: number): string {
  if (ms <= 0) return '0s';
  const total = Math.round(ms / 1000);
  if (total === 0) return `${ms}ms`;
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return (d ? `${d}d` : '') + (h ? `${h}h` : '') + (m ? `${m}m` : '') + (s ? `${s}s` : '');
}

describe('formatDuration', () => {
  it('hand-computed values', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(-5)).toBe('0s');
    expect(formatDuration(1)).toBe('1ms');
    expect(formatDuration(499)).toBe('499ms');
    expect(formatDuration(500)).toBe('1s');
    expect(formatDuration(60_000)).toBe('1m');
    expect(formatDuration(3_600_000)).toBe('1h');
    expect(formatDuration(86_400_000)).toBe('1d');
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(90_061_000)).toBe('1d1h1m1s');
    expect(formatDuration(86_400_000 + 5_000)).toBe('1d5s');
  });
  it('agrees with a reference implementation', () => {
    fc.assert(fc.property(fc.integer({ min: -1_000, max: 40 * 86_400_000 }), (ms) => formatDuration(ms) === refDuration(ms)), { numRuns: 2000 });
  });
});

describe('AlertingError', () => {
  it('is named AlertingError (it is what callers and logs see)', () => {
    try {
      step(undefined, obs(), Number.NaN, P);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AlertingError);
      expect((e as Error).name).toBe('AlertingError');
      expect(String(e)).toBe('AlertingError: alert step time must be an integer of ms since epoch, got NaN');
    }
  });
});

describe('step: the exact transition reasons', () => {
  it('inactive → pending, pending → inactive (never fired)', () => {
    const rs = run([[0, true], [3, false]]);
    expect(rs[0]!.transition!.reason).toBe('became active');
    expect(rs[1]!.transition).toMatchObject({ from: 'pending', to: 'inactive', reason: 'inactive again after 3m (< for 5m): never fired' });
  });
  it('became active while suppressed: the reason names the suppression, and `for` 0 does not overwrite it', () => {
    const rs = run([[0, true, 'maintenance: db upgrade']], { forMs: 0, resolveAfterMs: 0 });
    expect(rs[0]!.events).toEqual([]);
    expect(rs[0]!.transition).toMatchObject({ from: 'inactive', to: 'pending', reason: 'became active while suppressed (maintenance: db upgrade)' });
    // the suppression is recorded in the state's last observation and in the transition's evidence
    expect(rs[0]!.next.last.suppressed).toEqual({ reason: 'maintenance: db upgrade' });
    expect(rs[0]!.transition!.evidence.suppressed).toEqual({ reason: 'maintenance: db upgrade' });
  });
  it('an unsuppressed observation has no suppressed field in the snapshot', () => {
    const r = run([[0, true]]);
    expect('suppressed' in r[0]!.next.last).toBe(false);
  });
  it('firing → resolving → firing (flap) → resolving → resolved, with the durations', () => {
    const rs = run([[0, true], [5, true], [7, false], [11, true], [12, false], [24, false]]);
    expect(rs.map((r) => r.next.phase)).toEqual(['pending', 'firing', 'resolving', 'firing', 'resolving', 'resolved']);
    expect(rs[2]!.transition!.reason).toBe('inactive; resolves after 10m without recurrence');
    expect(rs[3]!.transition!.reason).toBe('active again after 4m (< resolveAfter 10m): same incident, no new trigger');
    // resolved 12 minutes after it became inactive at minute 12 → inactive for 12m
    expect(rs[5]!.transition).toMatchObject({ from: 'resolving', to: 'resolved', reason: 'inactive for 12m ≥ resolveAfter 10m' });
    expect(rs[5]!.events.map((e) => e.action)).toEqual(['resolve']);
  });
  it('resolveAfter 0 resolves at the first inactive tick', () => {
    const rs = run([[0, true], [1, false]], { forMs: 0, resolveAfterMs: 0 });
    expect(rs[1]!.transition!.reason).toBe('inactive for 0s ≥ resolveAfter 0s');
  });
  it('a step that keeps the phase records no transition', () => {
    const rs = run([[0, true], [1, true], [5, true], [6, true], [7, false], [8, false], [9, true], [10, true]]);
    const noTransition = [1, 3, 5, 7];
    for (const i of noTransition) {
      expect(rs[i]!.next.phase).toBe(rs[i - 1]!.next.phase);
      expect(rs[i]!.transition).toBeUndefined();
    }
    // an idle alert that stays inactive: no transition either
    const idle = run([[0, false], [1, false]]);
    expect(idle.map((r) => r.transition)).toEqual([undefined, undefined]);
  });
});

describe('step: the state must belong to the observation', () => {
  // Different keys can spell the same dedup key ("/" inside a field, or a null SLA and the SLA "-"):
  // the key fields themselves are compared too.
  const base = { contract: 'acme', sla: 'avail', alert: 'burn' };
  const collisions: Array<[typeof base | { contract: string; sla: string | null; alert: string }, { contract: string; sla: string | null; alert: string }]> = [
    [{ contract: 'acme', sla: null, alert: 'burn' }, { contract: 'acme', sla: '-', alert: 'burn' }], // only sla differs
    [{ contract: 'acme', sla: '-', alert: 'burn' }, { contract: 'acme', sla: null, alert: 'burn' }],
    [{ contract: 'a/b', sla: 'c', alert: 'burn' }, { contract: 'a', sla: 'b/c', alert: 'burn' }], // contract and sla
    [{ contract: 'acme', sla: 'x/y', alert: 'z' }, { contract: 'acme', sla: 'x', alert: 'y/z' }], // sla and alert
  ];
  it.each(collisions)('a state of %j stepped with an observation of %j throws', (a, b) => {
    const s = step(undefined, obs({ key: a }), T0, P).next;
    expect(s.dedupKey).toBe(step(undefined, obs({ key: b }), T0, P).next.dedupKey);
    expect(() => step(s, obs({ key: b }), T0 + MIN, P)).toThrow(AlertingError);
    expect(() => step(s, obs({ key: b }), T0 + MIN, P)).toThrow(`alert state ${s.dedupKey} stepped with an observation of ${s.dedupKey}`);
    // the same key is fine
    expect(step(s, obs({ key: { ...a } }), T0 + MIN, P).next.lastAt).toBe(T0 + MIN);
  });
  it('a different dedup key throws', () => {
    const s = step(undefined, obs({ key: base }), T0, P).next;
    expect(() => step(s, obs({ key: { ...base, alert: 'other' } }), T0 + MIN, P)).toThrow('alert state obligo/acme/avail/burn stepped with an observation of obligo/acme/avail/other');
  });
});

describe('retire', () => {
  const firing = () => run([[0, true], [5, true]]).at(-1)!.next;
  it('throws on a time that is not an integer, with the message', () => {
    expect(() => retire(firing(), 1.5, 'gone')).toThrow(new AlertingError('alert retire time must be an integer of ms since epoch, got 1.5'));
  });
  it('is stale at or before lastAt: nothing changes', () => {
    const s = firing();
    for (const at of [s.lastAt, s.lastAt - 1]) {
      const r = retire(s, at, 'gone');
      expect(r).toEqual({ next: s, events: [], stale: true });
      expect(r.next).toBe(s);
    }
  });
  it('an alert that is not open only moves lastAt', () => {
    for (const s of [run([[0, true]])[0]!.next, run([[0, false]])[0]!.next, run([[0, true], [5, true], [6, false], [20, false]]).at(-1)!.next]) {
      expect(['pending', 'inactive', 'resolved']).toContain(s.phase);
      const r = retire(s, s.lastAt + MIN, 'gone');
      expect(r).toEqual({ next: { ...s, lastAt: s.lastAt + MIN }, events: [] });
    }
  });
  it('a firing alert resolves at once, to its incident routing, without contacts or links', () => {
    const s = firing();
    const r = retire(s, s.lastAt + MIN, 'SLA removed');
    expect(r.next.phase).toBe('resolved');
    expect(r.events).toHaveLength(1);
    const e = r.events[0]!;
    expect(e.action).toBe('resolve');
    expect(e.routing).toEqual({ routingKey: { env: 'PD_ACME_KEY' } });
    expect(e.escalation).toEqual([]);
    expect(e.links).toEqual([]);
    expect(r.transition).toMatchObject({ from: 'firing', to: 'resolved', reason: 'retired: SLA removed', eventIds: [e.id] });
  });
  it('a resolving alert resolves at once too', () => {
    const s = run([[0, true], [5, true], [6, false]]).at(-1)!.next;
    expect(s.phase).toBe('resolving');
    const r = retire(s, s.lastAt + MIN, 'contract removed');
    expect(r.next.phase).toBe('resolved');
    expect(r.events.map((e) => e.action)).toEqual(['resolve']);
    expect(r.transition).toMatchObject({ from: 'resolving', to: 'resolved', reason: 'retired: contract removed' });
  });
  it('an open state without incident routing resolves with the empty routing', () => {
    const s = firing();
    const { incidentRouting: _, ...noRouting } = s;
    const r = retire(noRouting as AlertState, s.lastAt + MIN, 'gone');
    expect(r.events[0]!.routing).toEqual({});
  });
});
