// The API's per-client token bucket (src/server/rate-limit.ts): time math, so properties over random
// request times (fast-check) against the definition, not against the code: from a full bucket of B
// tokens refilled at r per ms, no interval [a, b] ever admits more than B + r·(b − a) requests; a
// refused client that waits its Retry-After is admitted; a client spaced at the refill rate is never
// refused. Clocks are injected: no wall-clock time anywhere.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/server/rate-limit.js';

/** Non-decreasing request times (ms) from random gaps. */
const times = (maxGap: number) => fc.array(fc.integer({ min: 0, max: maxGap }), { minLength: 1, maxLength: 80 }).map((gaps) => gaps.reduce<number[]>((acc, g) => [...acc, (acc.at(-1) ?? 1_000_000) + g], []));

describe('RateLimiter (token bucket per client)', () => {
  it('examples: 3 per minute admits 3 at once, the 4th waits 20 s; one token comes back every 20 s', () => {
    let now = 0;
    const rl = new RateLimiter({ perMinute: 3, now: () => now });
    expect([rl.take('a'), rl.take('a'), rl.take('a')].map((d) => d.ok)).toEqual([true, true, true]);
    expect(rl.take('a')).toEqual({ ok: false, retryAfterSeconds: 20 });
    now = 19_999;
    expect(rl.take('a')).toEqual({ ok: false, retryAfterSeconds: 1 });
    now = 20_000;
    expect(rl.take('a').ok).toBe(true);
    expect(rl.take('a')).toEqual({ ok: false, retryAfterSeconds: 20 });
    // Another client has its own bucket.
    expect(rl.take('b').ok).toBe(true);
  });

  it('property: no interval admits more than burst + rate × its length', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 120 }), fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined }), times(5_000), (perMinute, burst, ts) => {
        let now = 0;
        const rl = new RateLimiter({ perMinute, burst, now: () => now });
        const admitted: number[] = [];
        for (const t of ts) {
          now = t;
          if (rl.take('c').ok) admitted.push(t);
        }
        const B = burst ?? perMinute;
        const rate = perMinute / 60_000;
        for (let i = 0; i < admitted.length; i++) {
          for (let j = i; j < admitted.length; j++) {
            expect(j - i + 1).toBeLessThanOrEqual(B + rate * (admitted[j]! - admitted[i]!) + 1e-6);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('property: a refused client that waits Retry-After seconds is admitted; at most one second early is still refused', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 600 }), times(2_000), (perMinute, ts) => {
        let now = 0;
        const rl = new RateLimiter({ perMinute, now: () => now });
        for (const t of ts) {
          now = t;
          const d = rl.take('c');
          if (d.ok) continue;
          expect(d.retryAfterSeconds).toBeGreaterThanOrEqual(1);
          // Exactly one token is missing at most 60/perMinute s away: Retry-After never exceeds it (rounded up).
          expect(d.retryAfterSeconds).toBeLessThanOrEqual(Math.ceil(60 / perMinute));
          now = t + d.retryAfterSeconds * 1000;
          expect(rl.take('c').ok).toBe(true);
          return;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('property: a client spaced at the refill interval is never refused', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6000 }), fc.integer({ min: 1, max: 200 }), (perMinute, n) => {
        let now = 0;
        const rl = new RateLimiter({ perMinute, burst: 1, now: () => now });
        for (let i = 0; i < n; i++) {
          now = (i * 60_000) / perMinute;
          expect(rl.take('c').ok).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('the client table is bounded: past maxClients the least recently seen client is forgotten', () => {
    const now = 0;
    const rl = new RateLimiter({ perMinute: 1, maxClients: 3, now: () => now });
    for (const c of ['a', 'b', 'c']) expect(rl.take(c).ok).toBe(true);
    expect(rl.take('a').ok).toBe(false); // a is now the most recently seen
    expect(rl.take('d').ok).toBe(true); // evicts b
    expect(rl.clients).toBe(3);
    expect(rl.take('b').ok).toBe(true); // b starts over with a full bucket (and evicts c)
    expect(rl.take('a').ok).toBe(false); // a was kept
  });

  it('refuses a limit that is not positive', () => {
    expect(() => new RateLimiter({ perMinute: 0 })).toThrow(/positive/);
  });
});
