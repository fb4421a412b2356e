// Property tests of the alert state machine against rules derived from the observation sequence alone
// (not from the machine's internal state): when exactly a trigger and a resolve must happen.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { step, type AlertPolicy, type AlertState, type OutgoingEvent } from '../../src/alerting/index.js';
import { obs } from './helpers.js';

const T0 = Date.UTC(2026, 0, 1);

interface Tick {
  dt: number;
  active: boolean;
  suppressed: boolean;
}

const tickArb = fc.record({
  // 0 repeats the previous tick's time (ignored by the machine); small values make boundary hits likely
  dt: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5 }).map((x) => x * 60_000), fc.integer({ min: 1, max: 900_000 })),
  active: fc.boolean(),
  suppressed: fc.oneof(fc.constant(false), fc.boolean()),
});
const policyArb = fc.record({
  forMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 10 }).map((x) => x * 60_000), fc.integer({ min: 0, max: 1_800_000 })),
  resolveAfterMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 10 }).map((x) => x * 60_000), fc.integer({ min: 0, max: 1_800_000 })),
});

interface Run {
  /** Accepted ticks (time strictly increasing) with the events each produced. */
  accepted: Array<{ at: number; active: boolean; suppressed: boolean; events: OutgoingEvent[]; state: AlertState }>;
  stale: number;
}

function simulate(ticks: Tick[], policy: AlertPolicy): Run {
  let s: AlertState | undefined;
  let at = T0;
  const accepted: Run['accepted'] = [];
  let stale = 0;
  ticks.forEach((t, i) => {
    if (i > 0) at += t.dt;
    const o = obs({ active: t.active, suppressed: t.suppressed ? { reason: 'maintenance' } : undefined });
    const r = step(s, o, at, policy);
    if (r.stale) {
      stale++;
      expect(r.events).toEqual([]);
      expect(r.next).toBe(s);
      return;
    }
    s = r.next;
    accepted.push({ at, active: t.active, suppressed: t.suppressed, events: r.events, state: r.next });
    // idempotent: the same observation at the same time again is a no-op
    const again = step(s, o, at, policy);
    expect(again.stale).toBe(true);
    expect(again.events).toEqual([]);
  });
  return { accepted, stale };
}

describe('alert state machine properties', () => {
  it('trigger and resolve happen exactly when the observations say so', () => {
    fc.assert(
      fc.property(fc.array(tickArb, { minLength: 1, maxLength: 80 }), policyArb, (ticks, policy) => {
        const { accepted } = simulate(ticks, policy);
        let open = false;
        let activeRunStart: number | undefined;
        let inactiveRunStart: number | undefined;
        for (const t of accepted) {
          if (t.active) {
            activeRunStart ??= t.at;
            inactiveRunStart = undefined;
          } else {
            inactiveRunStart ??= t.at;
            activeRunStart = undefined;
          }
          const expectTrigger = !open && t.active && !t.suppressed && t.at - activeRunStart! >= policy.forMs;
          const expectResolve = open && !t.active && t.at - inactiveRunStart! >= policy.resolveAfterMs;
          const acts = t.events.map((e) => e.action);
          expect(acts).toEqual(expectTrigger ? ['trigger'] : expectResolve ? ['resolve'] : []);
          if (expectTrigger) open = true;
          if (expectResolve) open = false;
          // the phase agrees with what PagerDuty was told
          expect(t.state.phase === 'firing' || t.state.phase === 'resolving').toBe(open);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('never two triggers without a resolve between them; every resolve follows a trigger; none while suppressed', () => {
    fc.assert(
      fc.property(fc.array(tickArb, { minLength: 1, maxLength: 120 }), policyArb, (ticks, policy) => {
        const { accepted } = simulate(ticks, policy);
        const seq = accepted.flatMap((t) => t.events.map((e) => ({ e, suppressed: t.suppressed })));
        seq.forEach(({ e, suppressed }, i) => {
          expect(e.action).toBe(i % 2 === 0 ? 'trigger' : 'resolve');
          if (e.action === 'trigger') expect(suppressed).toBe(false);
        });
        // event ids are unique (the outbox refuses duplicates)
        expect(new Set(seq.map((x) => x.e.id)).size).toBe(seq.length);
      }),
      { numRuns: 2000 },
    );
  });

  it('`for` is respected exactly: a trigger comes at the first tick with active-for ≥ for, never before', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3_600_000 }), fc.array(fc.integer({ min: 1, max: 600_000 }), { minLength: 1, maxLength: 40 }), (forMs, gaps) => {
        // continuously active, never suppressed: the first tick at or past `for` triggers
        const ticks: Tick[] = [{ dt: 0, active: true, suppressed: false }, ...gaps.map((dt) => ({ dt, active: true, suppressed: false }))];
        const { accepted } = simulate(ticks, { forMs, resolveAfterMs: 0 });
        const first = accepted.findIndex((t) => t.at - T0 >= forMs);
        accepted.forEach((t, i) => expect(t.events.map((e) => e.action)).toEqual(i === first ? ['trigger'] : []));
      }),
      { numRuns: 1000 },
    );
  });
});
