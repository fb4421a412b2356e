// On-demand evaluations of the API (credits, gate) through OnDemand (src/server/api.ts): bounded
// concurrency and queue (503 beyond), identical requests share one evaluation, answers are kept for
// cacheTtlMs (on an injected clock), failures are not kept, and a queued evaluation whose every
// requester went away is dropped before it starts.
import { describe, expect, it } from 'vitest';
import { ApiError, OnDemand } from '../../src/server/api.js';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const p = new Promise<T>((a, b) => {
    resolve = a;
    reject = b;
  });
  return { p, resolve, reject };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('OnDemand', () => {
  it('runs at most `concurrency` at once; the queue starts them in order; beyond the queue: 503 with Retry-After', async () => {
    const od = new OnDemand({ concurrency: 2, queue: 2, cacheTtlMs: 0 }, () => 0);
    const started: string[] = [];
    const gates = new Map<string, ReturnType<typeof deferred<string>>>();
    const job = (k: string) => () => {
      started.push(k);
      const d = deferred<string>();
      gates.set(k, d);
      return d.p;
    };
    const a = od.run('a', job('a'));
    const b = od.run('b', job('b'));
    const c = od.run('c', job('c'));
    const d = od.run('d', job('d'));
    await expect(od.run('e', job('e'))).rejects.toMatchObject({ status: 503, headers: { 'retry-after': '1' } });
    expect(started).toEqual(['a', 'b']);
    expect(od.load).toEqual({ running: 2, queued: 2 });
    gates.get('b')!.resolve('B');
    expect(await b).toBe('B');
    await flush();
    expect(started).toEqual(['a', 'b', 'c']);
    gates.get('a')!.reject(new Error('boom'));
    await expect(a).rejects.toThrow('boom');
    await flush();
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    gates.get('c')!.resolve('C');
    gates.get('d')!.resolve('D');
    expect([await c, await d]).toEqual(['C', 'D']);
    expect(od.load).toEqual({ running: 0, queued: 0 });
  });

  it('identical requests share one evaluation, and its answer for cacheTtlMs; a failure is not kept', async () => {
    let now = 1000;
    const od = new OnDemand({ concurrency: 2, queue: 8, cacheTtlMs: 10_000 }, () => now);
    let calls = 0;
    const gate = deferred<number>();
    const fn = () => {
      calls++;
      return gate.p;
    };
    const first = od.run('k', fn);
    const second = od.run('k', fn);
    gate.resolve(42);
    expect([await first, await second]).toEqual([42, 42]);
    expect(calls).toBe(1);
    now += 10_000;
    expect(await od.run('k', async () => (calls++, 7))).toBe(42); // still within the TTL
    now += 1;
    expect(await od.run('k', async () => (calls++, 7))).toBe(7); // expired: evaluated again
    expect(calls).toBe(2);
    await expect(od.run('f', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await od.run('f', async () => 'up')).toBe('up');
  });

  it('a queued evaluation whose requesters all went away never starts; one with a requester left does', async () => {
    const od = new OnDemand({ concurrency: 1, queue: 8, cacheTtlMs: 0 }, () => 0);
    const busy = deferred<string>();
    const started: string[] = [];
    const blocker = od.run('busy', () => (started.push('busy'), busy.p));
    const gone1 = new AbortController();
    const gone2 = new AbortController();
    const stay = new AbortController();
    const x1 = od.run('x', async () => (started.push('x'), 'X'), gone1.signal);
    const x2 = od.run('x', async () => (started.push('x'), 'X'), gone2.signal);
    const y1 = od.run('y', async () => (started.push('y'), 'Y'), gone1.signal);
    const y2 = od.run('y', async () => (started.push('y'), 'Y'), stay.signal);
    gone1.abort();
    gone2.abort();
    await expect(x1).rejects.toBeInstanceOf(ApiError);
    await expect(x2).rejects.toMatchObject({ status: 499 });
    expect(od.load).toEqual({ running: 1, queued: 1 });
    busy.resolve('done');
    await blocker;
    expect([await y1, await y2]).toEqual(['Y', 'Y']);
    expect(started).toEqual(['busy', 'y']);
  });

  it('a running evaluation is not abandoned when its requester goes away (another may share it)', async () => {
    const od = new OnDemand({ concurrency: 1, queue: 8, cacheTtlMs: 60_000 }, () => 0);
    const gate = deferred<string>();
    const ac = new AbortController();
    const p = od.run('k', () => gate.p, ac.signal);
    ac.abort();
    gate.resolve('kept');
    expect(await p).toBe('kept');
    expect(await od.run('k', async () => 'again')).toBe('kept');
  });
});
