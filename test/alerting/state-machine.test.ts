import { describe, expect, it } from 'vitest';
import { dedupKey, retire, step, type AlertPolicy, type AlertState, type StepResult } from '../../src/alerting/index.js';
import { MIN, obs, P, run, T0 } from './helpers.js';

const actions = (rs: StepResult[]) => rs.flatMap((r, i) => r.events.map((e) => `${i}:${e.action}`));

describe('alert state machine', () => {
  it('fires after `for` and not one tick earlier, exactly at the boundary', () => {
    const rs = run([[0, true], [4, true], [5, true], [6, true]]);
    expect(rs.map((r) => r.next.phase)).toEqual(['pending', 'pending', 'firing', 'firing']);
    expect(actions(rs)).toEqual(['2:trigger']);
    const trig = rs[2]!.events[0]!;
    expect(trig.id).toBe('obligo/acme/availability/burn-page#1:trigger');
    expect(trig.at).toBe(T0 + 5 * MIN);
    expect(rs[2]!.transition).toMatchObject({ from: 'pending', to: 'firing', eventIds: [trig.id] });
    expect(rs[2]!.transition!.reason).toBe('active for 5m ≥ for 5m');
    // 1 ms short of `for` does not fire
    const short = step(rs[0]!.next, obs(), T0 + 5 * MIN - 1, P);
    expect(short.events).toEqual([]);
  });

  it('fires on the first tick with for = 0', () => {
    const rs = run([[0, true]], { forMs: 0, resolveAfterMs: 0 });
    expect(rs[0]!.transition).toMatchObject({ from: 'inactive', to: 'firing' });
    expect(actions(rs)).toEqual(['0:trigger']);
  });

  it('a pending alert that clears before `for` never fires and restarts its clock', () => {
    const rs = run([[0, true], [3, false], [4, true], [8, true], [9, true]]);
    expect(rs.map((r) => r.next.phase)).toEqual(['pending', 'inactive', 'pending', 'pending', 'firing']);
    expect(actions(rs)).toEqual(['4:trigger']);
    expect(rs[1]!.transition!.reason).toMatch(/never fired/);
  });

  it('resolves only after resolveAfter of continuous inactivity; a flap keeps the incident', () => {
    const rs = run([[0, true], [5, true], [6, false], [10, true], [11, false], [20, false], [21, false]]);
    expect(rs.map((r) => r.next.phase)).toEqual(['pending', 'firing', 'resolving', 'firing', 'resolving', 'resolving', 'resolved']);
    expect(actions(rs)).toEqual(['1:trigger', '6:resolve']);
    const res = rs[6]!.events[0]!;
    expect(res.id).toBe('obligo/acme/availability/burn-page#1:resolve');
    expect(rs[3]!.transition!.reason).toMatch(/same incident, no new trigger/);
  });

  it('a second incident after a resolve gets a new trigger and a new event id', () => {
    const rs = run([[0, true], [5, true], [6, false], [16, false], [17, true], [22, true]]);
    expect(actions(rs)).toEqual(['1:trigger', '3:resolve', '5:trigger']);
    expect(rs[5]!.events[0]!.id).toBe('obligo/acme/availability/burn-page#2:trigger');
    expect(rs[5]!.next.incident).toBe(2);
  });

  it('never pages while suppressed; fires at the first unsuppressed tick if still active', () => {
    const rs = run([[0, true, 'maintenance'], [5, true, 'maintenance'], [30, true, 'maintenance'], [31, true]]);
    expect(rs.map((r) => r.next.phase)).toEqual(['pending', 'pending', 'pending', 'firing']);
    expect(actions(rs)).toEqual(['3:trigger']);
    expect(rs[3]!.transition!.reason).toBe('active for 31m ≥ for 5m');
  });

  it('a condition that clears during maintenance pages nobody', () => {
    const rs = run([[0, true, 'm'], [10, true, 'm'], [20, false, 'm'], [30, false]]);
    expect(actions(rs)).toEqual([]);
    expect(rs.at(-1)!.next.phase).toBe('inactive');
  });

  it('a firing alert stays firing when maintenance starts (no new event) and resolves normally during it', () => {
    const rs = run([[0, true], [5, true], [6, true, 'm'], [7, false, 'm'], [17, false, 'm']]);
    expect(rs.map((r) => r.next.phase)).toEqual(['pending', 'firing', 'firing', 'resolving', 'resolved']);
    expect(actions(rs)).toEqual(['1:trigger', '4:resolve']);
  });

  it('is idempotent: the same tick twice, or an older one, changes nothing', () => {
    const [a, b] = run([[0, true], [5, true]]);
    const again = step(b!.next, obs(), T0 + 5 * MIN, P);
    expect(again).toEqual({ next: b!.next, events: [], stale: true });
    const older = step(b!.next, obs({ active: false }), T0 + 1 * MIN, P);
    expect(older.stale).toBe(true);
    expect(older.events).toEqual([]);
    expect(a!.next.phase).toBe('pending');
  });

  it('sends the resolve through the routing the incident was triggered with', () => {
    const [, fired] = run([[0, true], [5, true]]);
    const moved = step(fired!.next, obs({ active: false, routing: { routingKey: { env: 'NEW_KEY' } } }), T0 + 6 * MIN, { forMs: 0, resolveAfterMs: 0 });
    expect(moved.events[0]).toMatchObject({ action: 'resolve', routing: { routingKey: { env: 'PD_ACME_KEY' } } });
  });

  it('records the observation as evidence of each transition', () => {
    const r = step(undefined, obs({ evidence: { achieved: 99.1 } }), T0, { forMs: 0, resolveAfterMs: 0 });
    expect(r.transition!.evidence).toMatchObject({ active: true, severity: 'critical', evidence: { achieved: 99.1 } });
    expect(r.transition!.dedupKey).toBe(dedupKey(obs().key));
  });

  it('retire resolves an open incident and leaves others alone', () => {
    const [, fired] = run([[0, true], [5, true]]);
    const r = retire(fired!.next, T0 + 6 * MIN, 'SLA removed from the contract');
    expect(r.events.map((e) => e.action)).toEqual(['resolve']);
    expect(r.transition).toMatchObject({ from: 'firing', to: 'resolved', reason: 'retired: SLA removed from the contract' });
    const idle = retire(run([[0, false]])[0]!.next, T0 + MIN, 'gone');
    expect(idle.events).toEqual([]);
  });

  it('refuses bad input with a clear error', () => {
    expect(() => step(undefined, obs(), 1.5, P)).toThrow(/integer of ms/);
    expect(() => step(undefined, obs(), T0, { forMs: -1, resolveAfterMs: 0 })).toThrow(/forMs/);
    const s = run([[0, true]])[0]!.next;
    expect(() => step(s, obs({ key: { contract: 'x', sla: null, alert: 'y' } }), T0 + MIN, P)).toThrow(/stepped with an observation of obligo\/x\/-\/y/);
  });

  it('dedup keys follow obligo/<contract>/<sla>/<alert> and stay within 255 characters', () => {
    expect(dedupKey({ contract: 'acme', sla: null, alert: 'renewal-30d' })).toBe('obligo/acme/-/renewal-30d');
    const long = dedupKey({ contract: 'c', sla: 's', alert: 'a'.repeat(400) });
    expect(long.length).toBe(255);
    expect(long).not.toBe(dedupKey({ contract: 'c', sla: 's', alert: 'a'.repeat(401) }));
  });
});
