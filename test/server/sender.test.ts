// The outbox sender against the fake PagerDuty on a real socket, with the SQLite outbox.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyTick, type AlertObservation } from '../../src/alerting/index.js';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/demo/fake-pagerduty.js';
import { PagerDutyClient } from '../../src/server/pagerduty-client.js';
import { KeyRateLimiter, OutboxSender, resolveSecretRef, type DeliveryResult, type OutboxSenderOptions } from '../../src/server/sender.js';
import { SqliteAlertStore } from '../../src/store/index.js';
import { obs } from '../alerting/helpers.js';

const KEY = 'Rabcdefghijklmnopqrstuvwxyz01234';
const KEY2 = 'R0123456789abcdefghijklmnopqrstu';
const T0 = Date.UTC(2026, 2, 10, 12);
const P0 = { forMs: 0, resolveAfterMs: 0 };

let pd: FakePagerDuty;
let store: SqliteAlertStore;
let dir: string;
let senders: OutboxSender[];
beforeEach(async () => {
  pd = await startFakePagerDuty({ strictRoutingKey: true });
  dir = mkdtempSync(join(tmpdir(), 'obligo-sender-'));
  store = SqliteAlertStore.open(join(dir, 'obligo.db'));
  senders = [];
});
afterEach(async () => {
  for (const s of senders) await s.stop();
  store.close();
  await pd.close();
  rmSync(dir, { recursive: true, force: true });
});

const env: Record<string, string> = { PD_ACME_KEY: KEY, PD_OTHER_KEY: KEY2 };
function sender(over: Partial<OutboxSenderOptions> = {}): { s: OutboxSender; results: DeliveryResult[]; logs: string[] } {
  const results: DeliveryResult[] = [];
  const logs: string[] = [];
  const log = (obj: object, msg?: string) => logs.push(`${msg} ${JSON.stringify(obj)}`);
  const s = new OutboxSender({
    outbox: store,
    client: new PagerDutyClient({ url: pd.enqueueUrl, timeoutMs: 2000 }),
    resolveSecret: (ref) => resolveSecretRef(ref, env),
    instanceId: 'test-sender',
    pollIntervalMs: 10,
    backoff: { baseMs: 5, maxMs: 20 },
    logger: { info: log, warn: log, error: log },
    onResult: (r) => results.push(r),
    ...over,
  });
  senders.push(s);
  return { s, results, logs };
}

async function tick(at: number, observations: AlertObservation[], now = at) {
  return applyTick(store, { at, observations, policy: P0, now });
}
const created = () => pd.events.filter((e) => e.outcome === 'created').length;

describe('OutboxSender', () => {
  it('PagerDuty answering 500, then 429, for a while: the page is delivered once afterwards, then resolved once', async () => {
    const { s } = sender();
    await tick(Date.now(), [obs()]);
    pd.failNext(3, { status: 500 });
    pd.onEvent(() => {
      // after the 500s, two 429s (with Retry-After: 0)
      if (pd.events.length === 3) pd.failNext(2, { status: 429, retryAfterSeconds: 0 });
    });
    await s.start();
    await pd.waitFor(() => created() === 1);
    await tick(Date.now() + 1, [obs({ active: false })]);
    s.notify();
    await pd.waitFor((ev) => ev.some((e) => e.outcome === 'resolved'));
    await expect.poll(async () => (await store.depth(Date.now())).pending).toBe(0);
    await s.stop();

    expect(pd.events.map((e) => `${e.action}:${e.status}`)).toEqual([
      'trigger:500', 'trigger:500', 'trigger:500', 'trigger:429', 'trigger:429', 'trigger:202', 'resolve:202',
    ]);
    expect(pd.incidents()).toHaveLength(1);
    expect(pd.incidents()[0]).toMatchObject({ status: 'resolved', triggers: 1 });
    const rows = await store.list();
    expect(rows.map((r) => [r.action, r.status, r.attempts])).toEqual([['resolve', 'sent', 1], ['trigger', 'sent', 6]]);
    expect(s.stats()).toMatchObject({ attempts: 7, delivered: { trigger: 1, resolve: 1 }, retried: { server_error: 3, rate_limited: 2 }, rejected: 0, inFlight: 0 });
  });

  it('never sends a resolve before its trigger was accepted (events of one key in order)', async () => {
    const { s } = sender();
    const now = Date.now();
    await tick(now, [obs()]);
    await tick(now + 1, [obs({ active: false })]);
    pd.failNext(2, { status: 502 });
    await s.start();
    await pd.waitFor((ev) => ev.some((e) => e.outcome === 'resolved'));
    expect(pd.events.map((e) => `${e.action}:${e.status}`)).toEqual(['trigger:502', 'trigger:502', 'trigger:202', 'resolve:202']);
  });

  it('honours Retry-After and backs off exponentially with jitter (clock injected)', async () => {
    let now = T0;
    const { s, results } = sender({ now: () => now, backoff: { baseMs: 1000, maxMs: 60_000 }, random: () => 1 });
    await tick(T0, [obs()], T0);
    pd.failNext(1, { status: 429, retryAfterSeconds: 30 });
    await s.drainOnce();
    expect(results.at(-1)).toMatchObject({ kind: 'retry', reason: 'rate_limited', status: 429, nextAttemptAt: T0 + 30_000 });
    now = T0 + 29_999;
    expect((await s.drainOnce()).claimed).toBe(0);
    now = T0 + 30_000;
    pd.failNext(1, { status: 500 });
    await s.drainOnce();
    // second failure: 1000 × 2^1 = 2000 ms (random() = 1: the top of the jitter range)
    expect(results.at(-1)).toMatchObject({ kind: 'retry', reason: 'server_error', nextAttemptAt: T0 + 32_000 });
    now = T0 + 32_000;
    await s.drainOnce();
    expect(results.at(-1)).toMatchObject({ kind: 'delivered', status: 202 });
  });

  it('keeps backoff within [d/2, d], d = min(max, base × 2^(n−1))', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), (n, r) => {
        const { s } = sender({ backoff: { baseMs: 1000, maxMs: 300_000 }, random: () => r });
        const d = Math.min(300_000, 1000 * 2 ** (n - 1));
        const b = s.backoffMs(n);
        expect(b).toBeGreaterThanOrEqual(Math.floor(d / 2));
        expect(b).toBeLessThanOrEqual(d);
      }),
      { numRuns: 300 },
    );
  });

  it('holds a routing key to its rate limit (sliding window); other keys are not held', async () => {
    let now = T0;
    const { s } = sender({ now: () => now, rateLimit: { events: 2, windowMs: 60_000 } });
    const o = (alert: string, env: string) => obs({ key: { contract: 'acme', sla: 'availability', alert }, routing: { routingKey: { env } } });
    await tick(T0, [o('a', 'PD_ACME_KEY'), o('b', 'PD_ACME_KEY'), o('c', 'PD_ACME_KEY'), o('d', 'PD_ACME_KEY'), o('e', 'PD_OTHER_KEY')], T0);
    const first = await s.drainOnce();
    expect(first).toMatchObject({ claimed: 5, delivered: 3, deferred: 2 });
    now = T0 + 59_999;
    expect((await s.drainOnce()).claimed).toBe(0);
    now = T0 + 60_000;
    expect(await s.drainOnce()).toMatchObject({ claimed: 2, delivered: 2 });
    expect(created()).toBe(5);
    expect(s.stats()).toMatchObject({ attempts: 5, deferredByRateLimit: 2 });
    // held-back rows were not attempts
    expect((await store.list()).every((r) => r.attempts === 1)).toBe(true);
  });

  it('records a 4xx other than 429 as a permanent, visible failure and does not retry it', async () => {
    env.PD_BAD_KEY = 'not-a-32-character-key';
    const { s, results } = sender();
    await tick(Date.now(), [obs({ routing: { routingKey: { env: 'PD_BAD_KEY' } } })]);
    expect(await s.drainOnce()).toMatchObject({ claimed: 1, rejected: 1 });
    expect(await s.drainOnce()).toMatchObject({ claimed: 0 });
    const [row] = await store.list({ status: 'failed' });
    expect(row).toMatchObject({ status: 'failed', attempts: 1, lastStatus: 400 });
    expect(row!.lastError).toContain("'routing_key' must be a 32 character integration key");
    expect(results[0]).toMatchObject({ kind: 'rejected', routing: 'env:PD_BAD_KEY' });
    expect((await store.depth(Date.now())).failed).toBe(1);
    expect(s.stats().rejected).toBe(1);
    expect(pd.events).toHaveLength(1);
  });

  it('resolves routing keys at send time: contract reference, file, default; a missing one retries, naming only the reference', async () => {
    const keyFile = join(dir, 'pd-key');
    writeFileSync(keyFile, `${KEY2}\n`);
    const { s, results, logs } = sender({ defaultRoutingKey: { file: keyFile } });
    const o = (alert: string, routing: AlertObservation['routing']) => obs({ key: { contract: 'acme', sla: null, alert }, routing });
    await tick(Date.now(), [o('env', { routingKey: { env: 'PD_ACME_KEY' } }), o('default', {}), o('missing', { routingKey: { env: 'PD_NOT_SET' } })]);
    await s.drainOnce();
    expect(Object.fromEntries(pd.events.map((e) => [e.dedupKey, e.routingKey]))).toEqual({ 'obligo/acme/-/env': KEY, 'obligo/acme/-/default': KEY2 });
    const missing = results.find((r) => r.dedupKey === 'obligo/acme/-/missing')!;
    expect(missing).toMatchObject({ kind: 'retry', reason: 'routing', error: 'environment variable PD_NOT_SET is not set or empty' });
    expect(s.stats().retried.routing).toBe(1);
    // no key in logs, results or the database file
    for (const text of [logs.join('\n'), JSON.stringify(results), readFileSync(join(dir, 'obligo.db')).toString('latin1'), readFileSync(join(dir, 'obligo.db-wal')).toString('latin1')]) {
      expect(text).not.toContain(KEY);
      expect(text).not.toContain(KEY2);
    }
    const noDefault = sender().s;
    await tick(Date.now() + 10, [o('nodefault', {})], Date.now());
    const r2 = await noDefault.drainOnce();
    expect(r2.retried).toBeGreaterThanOrEqual(1);
    expect((await store.list({ dedupKey: 'obligo/acme/-/nodefault' }))[0]!.lastError).toMatch(/no routing key/);
  });

  it('flush(timeout): sends what is due, and gives back a send still in flight at the deadline', async () => {
    const { s } = sender();
    await tick(Date.now(), [obs()]);
    expect(await s.flush(5000)).toEqual({ delivered: 1, remaining: 0, timedOut: false });

    await tick(Date.now() + 1, [obs({ active: false })]);
    pd.delayNext(1, 'hold');
    const { s: s2 } = sender();
    await s2.start();
    await pd.waitFor((ev) => ev.some((e) => e.action === 'resolve'));
    const r = await s2.flush(100);
    expect(r).toEqual({ delivered: 0, remaining: 1, timedOut: true });
    const [row] = await store.list({ status: 'pending' });
    expect(row).toMatchObject({ action: 'resolve', attempts: 0 });
    expect(row!.leaseOwner).toBeUndefined();
    // the next sender delivers it again; PagerDuty already resolved it, the repeat is dropped
    const { s: s3 } = sender();
    expect((await s3.flush(5000)).remaining).toBe(0);
    expect(pd.events.map((e) => e.outcome)).toEqual(['created', 'resolved', 'dropped']);
    expect(pd.incidents()).toHaveLength(1);
  });

  it('notify() wakes an idle sender at once', async () => {
    const { s } = sender({ pollIntervalMs: 3_600_000 });
    await s.start();
    await tick(Date.now(), [obs()]);
    s.notify();
    await pd.waitFor(() => created() === 1);
  });

  it('rate limiter: at most N per window per key, blocks after a 429', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(fc.integer({ min: 0, max: 30_000 }), { minLength: 1, maxLength: 60 }), (n, gaps) => {
        const l = new KeyRateLimiter(n, 60_000);
        let t = 0;
        const granted: number[] = [];
        for (const g of gaps) {
          t += g;
          if (l.reserve('k', t) === 0) granted.push(t);
        }
        // independent check: no 60 s window holds more than n grants
        for (const a of granted) expect(granted.filter((b) => b >= a && b < a + 60_000).length).toBeLessThanOrEqual(n);
      }),
    );
    const l = new KeyRateLimiter(10, 1000);
    l.block('k', 5000);
    expect(l.reserve('k', 1000)).toBe(4000);
    expect(l.reserve('other', 1000)).toBe(0);
    expect(l.reserve('k', 5000)).toBe(0);
  });
});
