// The outbox sender's edges that sender.test.ts leaves open (found by mutation testing, issue 13): secret
// references (size limit, empty, unreadable), the rate limiter's exact waits, option checks and defaults,
// what a deferred, rejected or aborted row keeps, logs, and the drain loop. PagerDuty is the fake on a real
// socket; the outbox is the SQLite store; clocks are injected where times are compared.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyTick, type AlertObservation, type ClaimOptions, type OutboxFilter, type OutboxStore, type RetryUpdate } from '../../src/alerting/index.js';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/demo/fake-pagerduty.js';
import { PagerDutyClient } from '../../src/server/pagerduty-client.js';
import { KeyRateLimiter, OutboxSender, RoutingKeyError, resolveSecretRef, type DeliveryResult, type OutboxSenderOptions } from '../../src/server/sender.js';
import { SqliteAlertStore } from '../../src/store/index.js';
import { obs } from '../alerting/helpers.js';

const KEY = 'Rabcdefghijklmnopqrstuvwxyz01234';
const KEY2 = 'R0123456789abcdefghijklmnopqrstu';
const T0 = Date.UTC(2026, 2, 10, 12);
const P0 = { forMs: 0, resolveAfterMs: 0 };
const env: Record<string, string> = { PD_ACME_KEY: KEY, PD_OTHER_KEY: KEY2 };

let pd: FakePagerDuty;
let store: SqliteAlertStore;
let dir: string;
let senders: OutboxSender[];
beforeEach(async () => {
  pd = await startFakePagerDuty({ strictRoutingKey: true });
  dir = mkdtempSync(join(tmpdir(), 'obligo-sender-m-'));
  store = SqliteAlertStore.open(join(dir, 'obligo.db'));
  senders = [];
});
afterEach(async () => {
  pd.release();
  for (const s of senders) await s.stop();
  store.close();
  await pd.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Logged {
  level: 'info' | 'warn' | 'error';
  msg: string;
  obj: Record<string, unknown>;
}

function sender(over: Partial<OutboxSenderOptions> = {}): { s: OutboxSender; results: DeliveryResult[]; logs: Logged[] } {
  const results: DeliveryResult[] = [];
  const logs: Logged[] = [];
  const at = (level: Logged['level']) => (obj: object, msg?: string) => logs.push({ level, msg: msg ?? '', obj: obj as Record<string, unknown> });
  const s = new OutboxSender({
    outbox: store,
    client: new PagerDutyClient({ url: pd.enqueueUrl, timeoutMs: 2000 }),
    resolveSecret: (ref) => resolveSecretRef(ref, env),
    instanceId: 'test-sender',
    pollIntervalMs: 10,
    backoff: { baseMs: 1000, maxMs: 60_000 },
    logger: { info: at('info'), warn: at('warn'), error: at('error') },
    onResult: (r) => results.push(r),
    ...over,
  });
  senders.push(s);
  return { s, results, logs };
}

const alert = (name: string, routing: AlertObservation['routing'] = { routingKey: { env: 'PD_ACME_KEY' } }) =>
  obs({ key: { contract: 'acme', sla: 'availability', alert: name }, routing });
const dk = (name: string) => `obligo/acme/availability/${name}`;
async function tick(at: number, observations: AlertObservation[], now = at) {
  return applyTick(store, { at, observations, policy: P0, now });
}

describe('resolveSecretRef', () => {
  it('reads an environment variable trimmed; unset, empty or blank is an error naming only the variable', async () => {
    expect(await resolveSecretRef({ env: 'A' }, { A: `  ${KEY} \n` })).toBe(KEY);
    for (const e of [{}, { A: '' }, { A: ' \n\t' }]) {
      const err = await resolveSecretRef({ env: 'A' }, e).catch((x: unknown) => x);
      expect(err).toBeInstanceOf(RoutingKeyError);
      expect((err as Error).message).toBe('environment variable A is not set or empty');
      expect((err as Error).name).toBe('RoutingKeyError');
    }
  });

  it('reads a file trimmed, up to 4096 bytes; a larger, blank or unreadable file is an error naming the file, never its content', async () => {
    const f = (name: string, text: string) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    expect(await resolveSecretRef({ file: f('k1', `\n ${KEY}  \n`) })).toBe(KEY);
    const full = 'k'.repeat(4096);
    expect(await resolveSecretRef({ file: f('k4096', full) })).toBe(full);
    const errOf = async (file: string) => {
      const e = await resolveSecretRef({ file }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(RoutingKeyError);
      return (e as Error).message;
    };
    const big = f('k4097', 'z'.repeat(4097));
    expect(await errOf(big)).toBe(`secret file ${big} is larger than 4096 bytes`);
    const blank = f('blank', ' \n\t\n');
    expect(await errOf(blank)).toBe(`secret file ${blank} is empty`);
    const missing = join(dir, 'missing');
    expect(await errOf(missing)).toBe(`cannot read secret file ${missing} (ENOENT)`);
    const sub = join(dir, 'a-directory');
    mkdirSync(sub);
    expect(await errOf(sub)).toBe(`cannot read secret file ${sub} (EISDIR)`);
  });
});

describe('resolveSecretRef, file handles', () => {
  it.skipIf(process.platform !== 'linux')('closes the secret file after every read, whatever the outcome', async () => {
    const fds = () => readdirSync('/proc/self/fd').length;
    const good = join(dir, 'good');
    const blank = join(dir, 'blank');
    writeFileSync(good, KEY);
    writeFileSync(blank, ' ');
    const before = fds();
    for (let i = 0; i < 200; i++) {
      await resolveSecretRef({ file: good });
      await resolveSecretRef({ file: blank }).catch(() => undefined);
    }
    // 400 reads: a handle left open per read would show as hundreds of open descriptors
    expect(fds() - before).toBeLessThan(50);
  });
});

describe('KeyRateLimiter', () => {
  it('refuses a limit that is not a positive integer and a window that is not positive', () => {
    expect(() => new KeyRateLimiter(0, 1000)).toThrow('rate limit events must be a positive integer, got 0');
    expect(() => new KeyRateLimiter(1.5, 1000)).toThrow('rate limit events must be a positive integer, got 1.5');
    expect(() => new KeyRateLimiter(1, 0)).toThrow('rate limit window must be positive, got 0');
    expect(() => new KeyRateLimiter(1, Number.NaN)).toThrow('rate limit window must be positive, got NaN');
    expect(new KeyRateLimiter(1, 1).reserve('k', 0)).toBe(0);
  });

  it('a full window answers the wait until its oldest send leaves it, taking no slot; keys are apart', () => {
    const l = new KeyRateLimiter(2, 1000);
    expect(l.reserve('k', 0)).toBe(0);
    expect(l.reserve('k', 100)).toBe(0);
    expect(l.reserve('k', 500)).toBe(500);
    expect(l.reserve('k', 999)).toBe(1);
    expect(l.reserve('other', 999)).toBe(0);
    // the send at 0 leaves the window (0, 1000] at 1000; the deferred asks at 500 and 999 took no slot
    expect(l.reserve('k', 1000)).toBe(0);
    expect(l.reserve('k', 1000)).toBe(100);
    expect(l.reserve('k', 1100)).toBe(0);
  });

  it('a block holds the key until its end, a shorter later block does not shorten it, and its end takes a slot as usual', () => {
    const l = new KeyRateLimiter(1, 1000);
    l.block('k', 5000);
    l.block('k', 3000);
    expect(l.reserve('k', 4000)).toBe(1000);
    expect(l.reserve('k', 4999)).toBe(1);
    expect(l.reserve('k', 5000)).toBe(0);
    expect(l.reserve('k', 5000)).toBe(1000);
    l.block('k', 7000);
    expect(l.reserve('k', 6500)).toBe(500);
  });
});

describe('OutboxSender options', () => {
  it('refuses a bad backoff, concurrency or lease', () => {
    const client = new PagerDutyClient({ url: pd.enqueueUrl, timeoutMs: 1000 });
    const make = (o: Partial<OutboxSenderOptions>) => () => new OutboxSender({ outbox: store, client, ...o });
    expect(make({ backoff: { baseMs: 0 } })).toThrow('backoff needs 0 < baseMs ≤ maxMs, got 0, 300000');
    expect(make({ backoff: { baseMs: 10, maxMs: 5 } })).toThrow('backoff needs 0 < baseMs ≤ maxMs, got 10, 5');
    expect(make({ backoff: { maxMs: 999 } })).toThrow('backoff needs 0 < baseMs ≤ maxMs, got 1000, 999');
    expect(make({ backoff: { baseMs: 10, maxMs: 10 } })).not.toThrow();
    expect(make({ concurrency: 0 })).toThrow('concurrency must be a positive integer');
    expect(make({ concurrency: 1.5 })).toThrow('concurrency must be a positive integer');
    expect(make({ concurrency: 1 })).not.toThrow();
    expect(make({ leaseMs: 1000 })).toThrow('leaseMs (1000) must exceed the client timeout (1000)');
    expect(make({ leaseMs: 1001 })).not.toThrow();
    expect(make({ rateLimit: { events: 0, windowMs: 1000 } })).toThrow('rate limit events must be a positive integer, got 0');
    expect(make({ rateLimit: { events: 1, windowMs: 0 } })).toThrow('rate limit window must be positive, got 0');
  });

  it('defaults: the host name as owner, a lease of 2 × the client timeout + 5 s, backoff 1 s … 5 min', async () => {
    const client = new PagerDutyClient({ url: pd.enqueueUrl, timeoutMs: 1500 });
    let r = 0;
    const s = new OutboxSender({ outbox: store, client, resolveSecret: (ref) => resolveSecretRef(ref, env), now: () => T0, random: () => r });
    senders.push(s);
    expect(s.instanceId).toBe(hostname());
    expect(s.backoffMs(1)).toBe(500);
    r = 1;
    expect(s.backoffMs(1)).toBe(1000);
    expect(s.backoffMs(9)).toBe(256_000);
    expect(s.backoffMs(10)).toBe(300_000);
    await tick(T0, [alert('a')], T0);
    pd.delayNext(1, 'hold');
    const drain = s.drainOnce();
    await pd.waitFor((ev) => ev.length === 1);
    const [row] = await store.list();
    expect(row).toMatchObject({ leaseOwner: hostname(), leaseUntil: T0 + 2 * 1500 + 5000 });
    pd.release();
    expect(await drain).toMatchObject({ claimed: 1, delivered: 1 });
    expect(s.stats()).toMatchObject({ attempts: 1, delivered: { trigger: 1, resolve: 0 }, lastDeliveredAt: T0 });
    expect(s.stats().lastErrorAt).toBeUndefined();
  });

  it('without a resolver, references are resolved from the process environment', async () => {
    process.env.OBLIGO_SENDER_MUTANTS_KEY = KEY2;
    try {
      const client = new PagerDutyClient({ url: pd.enqueueUrl, timeoutMs: 1500 });
      const s = new OutboxSender({ outbox: store, client, now: () => T0, instanceId: 'env' });
      senders.push(s);
      await tick(T0, [alert('e', { routingKey: { env: 'OBLIGO_SENDER_MUTANTS_KEY' } })], T0);
      expect(await s.drainOnce()).toMatchObject({ delivered: 1 });
      expect(pd.events[0]!.routingKey).toBe(KEY2);
    } finally {
      delete process.env.OBLIGO_SENDER_MUTANTS_KEY;
    }
  });

  it('backoff: attempt 0 counts as 1, the exponent stops growing at 2^40, jitter spans [d/2, d] rounded', () => {
    let r = 1;
    const { s } = sender({ backoff: { baseMs: 1, maxMs: 2 ** 50 }, random: () => r });
    expect(s.backoffMs(0)).toBe(1);
    expect(s.backoffMs(-3)).toBe(1);
    expect(s.backoffMs(41)).toBe(2 ** 40);
    expect(s.backoffMs(60)).toBe(2 ** 40);
    r = 0;
    expect(s.backoffMs(41)).toBe(2 ** 39);
    const { s: s2 } = sender({ backoff: { baseMs: 3, maxMs: 1000 }, random: () => 0.5 });
    // d = 3: 1.5 + 0.75 = 2.25 → 2
    expect(s2.backoffMs(1)).toBe(2);
    // d = 6: 3 + 1.5 = 4.5 → 5
    expect(s2.backoffMs(2)).toBe(5);
  });

  it('stats() is a snapshot: changing it changes nothing in the sender', () => {
    const { s } = sender();
    const a = s.stats();
    a.attempts = 99;
    a.delivered.trigger = 99;
    a.retried.network = 99;
    expect(s.stats()).toMatchObject({ attempts: 0, delivered: { trigger: 0, resolve: 0 }, retried: { network: 0 } });
  });
});

describe('OutboxSender delivery', () => {
  it('sends at most `concurrency` rows at once, and claims at most `batchSize` rows per pass', async () => {
    let now = T0;
    const { s } = sender({ concurrency: 2, batchSize: 3, now: () => now });
    await tick(T0, ['a', 'b', 'c', 'd'].map((n) => alert(n)), T0);
    pd.delayNext(10, 'hold');
    const drain = s.drainOnce();
    await pd.waitFor((ev) => ev.length === 2);
    expect(s.stats().inFlight).toBe(2);
    pd.release();
    await pd.waitFor((ev) => ev.length === 3);
    pd.heal();
    pd.release();
    expect(await drain).toEqual({ claimed: 3, delivered: 3, retried: 0, rejected: 0, deferred: 0, aborted: 0 });
    now += 1;
    expect(await s.drainOnce()).toEqual({ claimed: 1, delivered: 1, retried: 0, rejected: 0, deferred: 0, aborted: 0 });
  });

  it('the default batch is 50 rows', async () => {
    const { s } = sender({ now: () => T0, batchSize: undefined, rateLimit: { events: 1000, windowMs: 60_000 } });
    await tick(T0, Array.from({ length: 51 }, (_, i) => alert(`a${i}`)), T0);
    expect((await s.drainOnce()).claimed).toBe(50);
    expect((await s.drainOnce()).claimed).toBe(1);
  });

  it('logs a delivery as info, a retry as warn with its next attempt, a refusal as error; never the key', async () => {
    let now = T0;
    env.PD_BAD_KEY = 'not-a-32-character-key';
    const { s, logs } = sender({ now: () => now, random: () => 1 });
    await tick(T0, [alert('ok'), alert('bad', { routingKey: { env: 'PD_BAD_KEY' } })], T0);
    pd.failNext(1, { status: 500 });
    await s.drainOnce();
    now = T0 + 1000;
    await s.drainOnce();
    const byEvent = (name: string) => logs.filter((l) => l.obj.event === `${dk(name)}#1:trigger`).map((l) => [l.level, l.msg, l.obj.attempts, l.obj.routing, l.obj.status]);
    const first = pd.events[0]!.dedupKey === dk('ok') ? 'ok' : 'bad';
    if (first === 'ok') {
      expect(byEvent('ok')).toEqual([
        ['warn', 'outbox: delivery failed, will retry', 1, 'env:PD_ACME_KEY', 500],
        ['info', 'outbox: delivered to PagerDuty', 2, 'env:PD_ACME_KEY', 202],
      ]);
      expect(byEvent('bad')).toEqual([['error', 'outbox: PagerDuty refused the event (permanent)', 1, 'env:PD_BAD_KEY', 400]]);
    } else {
      expect(byEvent('bad')).toEqual([
        ['warn', 'outbox: delivery failed, will retry', 1, 'env:PD_BAD_KEY', 500],
        ['error', 'outbox: PagerDuty refused the event (permanent)', 2, 'env:PD_BAD_KEY', 400],
      ]);
      expect(byEvent('ok')).toEqual([['info', 'outbox: delivered to PagerDuty', 1, 'env:PD_ACME_KEY', 202]]);
    }
    const retry = logs.find((l) => l.level === 'warn')!;
    expect(retry.obj.nextAttemptAt).toBe(T0 + 1000);
    expect(retry.obj.action).toBe('trigger');
    expect(JSON.stringify(logs)).not.toContain(KEY);
  });

  it('an observer that throws does not stop delivery', async () => {
    const { s } = sender({ now: () => T0, onResult: () => { throw new Error('observer broke'); } });
    await tick(T0, [alert('a'), alert('b')], T0);
    expect(await s.drainOnce()).toMatchObject({ claimed: 2, delivered: 2 });
    expect((await store.list()).map((r) => r.status)).toEqual(['sent', 'sent']);
  });

  it('a routing key that cannot be resolved: a retry that counts as an attempt, after the backoff, naming only the reference', async () => {
    let now = T0;
    const { s, results } = sender({
      now: () => now,
      random: () => 1,
      resolveSecret: async (ref) => {
        if ('env' in ref && ref.env === 'PD_BROKEN') throw new Error(`boom ${KEY}`);
        return resolveSecretRef(ref, env);
      },
    });
    await tick(T0, [alert('broken', { routingKey: { env: 'PD_BROKEN' } }), alert('nokey', {})], T0);
    expect(await s.drainOnce()).toMatchObject({ claimed: 2, retried: 2 });
    const broken = results.find((r) => r.dedupKey === dk('broken'))!;
    expect(broken).toMatchObject({ kind: 'retry', reason: 'routing', routing: 'env:PD_BROKEN', error: 'routing key unavailable (env:PD_BROKEN)', nextAttemptAt: T0 + 1000 });
    const nokey = results.find((r) => r.dedupKey === dk('nokey'))!;
    expect(nokey).toMatchObject({ kind: 'retry', reason: 'routing', routing: 'default', nextAttemptAt: T0 + 1000 });
    expect(nokey.error).toBe('no routing key: the contract has no notify.pagerduty.routingKey and no default is configured');
    const rows = await store.list();
    expect(rows.map((r) => [r.attempts, r.nextAttemptAt, r.leaseOwner])).toEqual([
      [1, T0 + 1000, undefined],
      [1, T0 + 1000, undefined],
    ]);
    expect(s.stats()).toMatchObject({ attempts: 0, retried: { routing: 2 }, lastErrorAt: T0 });
    expect(s.stats().lastDeliveredAt).toBeUndefined();
    expect(pd.events).toHaveLength(0);
    // second failure of the same row: backoff of attempt 2
    now = T0 + 1000;
    await s.drainOnce();
    expect(results.filter((r) => r.dedupKey === dk('broken')).map((r) => r.nextAttemptAt)).toEqual([T0 + 1000, T0 + 3000]);
  });

  it('a file reference is described by its path', async () => {
    const keyFile = join(dir, 'pd-key');
    writeFileSync(keyFile, KEY2);
    const { s, results } = sender({ now: () => T0 });
    await tick(T0, [alert('f', { routingKey: { file: keyFile } })], T0);
    await s.drainOnce();
    expect(results[0]).toMatchObject({ kind: 'delivered', routing: `file:${keyFile}` });
    expect(pd.events[0]!.routingKey).toBe(KEY2);
  });

  it('a row held back by the rate limit keeps its last error and status and is not an attempt', async () => {
    let now = T0;
    const { s, results } = sender({ now: () => now, random: () => 1, rateLimit: { events: 1, windowMs: 60_000 } });
    await tick(T0, [alert('a'), alert('b')], T0);
    pd.failNext(1, { status: 503 });
    // a: 503 (attempt 1, retry at T0 + 1 s); b: held back (the key's one slot is taken), not attempted
    await s.drainOnce();
    const [b0, a0] = await store.list();
    expect(a0).toMatchObject({ dedupKey: dk('a'), attempts: 1, lastStatus: 503 });
    expect(b0).toMatchObject({ dedupKey: dk('b'), attempts: 0, nextAttemptAt: T0 + 60_000, lastError: 'held back by the per-routing-key rate limit' });
    expect(b0!.lastStatus).toBeUndefined();
    expect(results.find((r) => r.dedupKey === dk('b'))).toMatchObject({ kind: 'deferred', nextAttemptAt: T0 + 60_000 });
    // a is due again but the key is still full: held back, keeping its 503 and its error
    now = T0 + 1000;
    expect(await s.drainOnce()).toMatchObject({ claimed: 1, deferred: 1 });
    const a1 = (await store.list({ dedupKey: dk('a') }))[0]!;
    expect(a1).toMatchObject({ attempts: 1, lastStatus: 503, lastError: a0!.lastError, nextAttemptAt: T0 + 60_000 });
    expect(s.stats()).toMatchObject({ attempts: 1, deferredByRateLimit: 2 });
  });

  it('after a 429 the key is held until its Retry-After: other rows of that key wait, other keys go', async () => {
    let now = T0;
    const { s, results } = sender({ now: () => now, random: () => 0 });
    await tick(T0, [alert('a')], T0);
    pd.failNext(1, { status: 429, retryAfterSeconds: 20 });
    await s.drainOnce();
    await tick(T0 + 1, [alert('b'), alert('c', { routingKey: { env: 'PD_OTHER_KEY' } })], T0 + 1);
    now = T0 + 1;
    expect(await s.drainOnce()).toMatchObject({ claimed: 2, delivered: 1, deferred: 1 });
    expect(results.find((r) => r.dedupKey === dk('b'))).toMatchObject({ kind: 'deferred', nextAttemptAt: T0 + 20_000 });
    expect(pd.events.map((e) => e.dedupKey)).toEqual([dk('a'), dk('c')]);
  });

  it('a 5xx retry waits at least the backoff even when Retry-After is shorter', async () => {
    const { s, results } = sender({ now: () => T0, random: () => 1 });
    await tick(T0, [alert('a')], T0);
    pd.failNext(1, { status: 503, retryAfterSeconds: 0 });
    await s.drainOnce();
    expect(results[0]).toMatchObject({ kind: 'retry', reason: 'server_error', status: 503, nextAttemptAt: T0 + 1000 });
  });

  it('a refused row is failed with its status and error, and counted', async () => {
    env.PD_BAD_KEY = 'not-a-32-character-key';
    const { s, results } = sender({ now: () => T0 });
    await tick(T0, [alert('bad', { routingKey: { env: 'PD_BAD_KEY' } })], T0);
    await s.drainOnce();
    const [row] = await store.list();
    expect(row).toMatchObject({ status: 'failed', failedAt: T0, lastStatus: 400, attempts: 1 });
    expect(row!.leaseOwner).toBeUndefined();
    expect(results[0]!.error).toBe(row!.lastError);
    expect(s.stats()).toMatchObject({ rejected: 1, attempts: 1, lastErrorAt: T0 });
  });
});

describe('OutboxSender loop, restart and shutdown', () => {
  it('start() gives back the rows this instance held before a restart (logged), and a second start() changes nothing', async () => {
    await tick(T0, [alert('a')], T0);
    // the previous process of this instance claimed the row and died
    expect(await store.claimDue({ now: T0, limit: 10, leaseMs: 3_600_000, owner: 'test-sender' })).toHaveLength(1);
    const { s, logs } = sender({ now: () => T0, pollIntervalMs: 3_600_000 });
    pd.delayNext(1, 'hold');
    await s.start();
    expect(logs[0]).toMatchObject({ level: 'warn', msg: 'outbox: released rows claimed before a restart; re-sending (PagerDuty deduplicates)', obj: { released: 1, instance: 'test-sender' } });
    await pd.waitFor((ev) => ev.length === 1);
    // in flight, leased to this instance: starting again must not give it back
    await s.start();
    expect((await store.list())[0]).toMatchObject({ leaseOwner: 'test-sender' });
    expect(logs.filter((l) => l.msg.startsWith('outbox: released'))).toHaveLength(1);
    pd.release();
    await expect.poll(async () => (await store.list())[0]!.status).toBe('sent');
  });

  it('a start() with nothing to give back logs nothing', async () => {
    const { s, logs } = sender({ pollIntervalMs: 3_600_000 });
    await s.start();
    await s.stop();
    expect(logs).toEqual([]);
  });

  it('a full batch is followed by the next pass at once, not after the poll interval', async () => {
    const { s } = sender({ batchSize: 1, pollIntervalMs: 3_600_000 });
    await tick(Date.now(), [alert('a'), alert('b'), alert('c')]);
    await s.start();
    await pd.waitFor((ev) => ev.filter((e) => e.outcome === 'created').length === 3);
  });

  it('rows committed during a pass (notify) are sent right after it, not after the poll interval', async () => {
    const { s } = sender({ pollIntervalMs: 3_600_000 });
    await tick(Date.now(), [alert('a')]);
    pd.delayNext(1, 'hold');
    await s.start();
    await pd.waitFor((ev) => ev.length === 1);
    await tick(Date.now() + 1, [alert('a'), alert('b')]);
    s.notify();
    pd.release();
    await pd.waitFor((ev) => ev.filter((e) => e.outcome === 'created').length === 2);
  });

  it('a failing pass is logged and the loop goes on', async () => {
    const other = SqliteAlertStore.open(join(dir, 'other.db'));
    const logs: Logged[] = [];
    const s = new OutboxSender({
      outbox: other,
      client: new PagerDutyClient({ url: pd.enqueueUrl, timeoutMs: 2000 }),
      instanceId: 'x',
      pollIntervalMs: 1,
      logger: { info() {}, warn() {}, error: (obj, msg) => logs.push({ level: 'error', msg: msg ?? '', obj: obj as Record<string, unknown> }) },
    });
    await s.start();
    other.close();
    await expect.poll(() => logs.length).toBeGreaterThanOrEqual(2);
    expect(logs[0]!.msg).toBe('outbox: drain failed');
    expect(logs[0]!.obj.err).toMatch(/database connection is not open/);
    await s.stop().catch(() => undefined);
  });

  it('stop() aborts a send in flight and gives its row back untouched: same due time, error and status, not an attempt', async () => {
    let now = T0;
    const { s, results } = sender({ now: () => now, random: () => 1 });
    await tick(T0, [alert('a')], T0);
    pd.failNext(1, { status: 500 });
    await s.drainOnce();
    const before = (await store.list())[0]!;
    expect(before).toMatchObject({ attempts: 1, lastStatus: 500, nextAttemptAt: T0 + 1000 });
    now = T0 + 1000;
    pd.delayNext(1, 'hold');
    const drain = s.drainOnce();
    await pd.waitFor((ev) => ev.length === 2);
    await s.stop();
    expect(await drain).toMatchObject({ claimed: 1, aborted: 1, delivered: 0 });
    const after = (await store.list())[0]!;
    expect(after).toMatchObject({ status: 'pending', attempts: 1, lastStatus: 500, lastError: before.lastError, nextAttemptAt: T0 + 1000 });
    expect(after.leaseOwner).toBeUndefined();
    expect(results.at(-1)).toMatchObject({ kind: 'aborted' });
    expect(s.stats()).toMatchObject({ attempts: 1, inFlight: 0 });
  });

  it('an aborted first attempt leaves the row without a status, and with the abort as its error', async () => {
    const { s } = sender({ now: () => T0 });
    await tick(T0, [alert('a')], T0);
    pd.delayNext(1, 'hold');
    const drain = s.drainOnce();
    await pd.waitFor((ev) => ev.length === 1);
    await s.stop();
    await drain;
    const row = (await store.list())[0]!;
    expect(row).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: T0 });
    expect(row.lastStatus).toBeUndefined();
    expect(row.lastError).toBe('aborted by shutdown');
  });

  it('flush() waits for a pass in flight, then sends what is due and reports what is left', async () => {
    const { s } = sender({ rateLimit: { events: 1, windowMs: 3_600_000 } });
    await tick(Date.now(), [alert('a'), alert('b')]);
    pd.delayNext(1, 'hold');
    await s.start();
    await pd.waitFor((ev) => ev.length === 1);
    const flushed = s.flush(30_000);
    pd.release();
    // a delivered by the pass in flight; b held back by the limit (one per hour): left for the next start
    expect(await flushed).toEqual({ delivered: 0, remaining: 1, timedOut: false });
    expect(pd.events.map((e) => e.dedupKey)).toEqual([dk('a')]);
    expect((await store.list({ status: 'pending' }))[0]!.leaseOwner).toBeUndefined();
  });
});

/** The SQLite outbox, counting the sender's passes (claims); every call goes to the real store. */
class CountingOutbox implements OutboxStore {
  claims = 0;
  constructor(private readonly s: SqliteAlertStore) {}
  claimDue(o: ClaimOptions) {
    this.claims++;
    return this.s.claimDue(o);
  }
  markSent(id: number, at: number, status: number) {
    return this.s.markSent(id, at, status);
  }
  markRetry(id: number, owner: string, u: RetryUpdate) {
    return this.s.markRetry(id, owner, u);
  }
  markFailed(id: number, owner: string, f: { at: number; error: string; status?: number }) {
    return this.s.markFailed(id, owner, f);
  }
  releaseLeases(owner: string) {
    return this.s.releaseLeases(owner);
  }
  requeue(id: number, now: number) {
    return this.s.requeue(id, now);
  }
  depth(now: number) {
    return this.s.depth(now);
  }
  list(f?: OutboxFilter) {
    return this.s.list(f);
  }
  pruneSent(before: number) {
    return this.s.pruneSent(before);
  }
}
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('OutboxSender passes', () => {
  it('an idle sender makes no pass until the poll interval or notify(); notify() wakes it', async () => {
    const c = new CountingOutbox(store);
    const { s } = sender({ outbox: c, pollIntervalMs: 3_600_000 });
    await s.start();
    await expect.poll(() => c.claims).toBe(1);
    await s.drainOnce();
    const after = c.claims;
    // nothing due and an hour to the next poll: no pass (a pass would claim)
    await pause(50);
    expect(c.claims).toBe(after);
    await tick(Date.now(), [alert('a')]);
    s.notify();
    await pd.waitFor((ev) => ev.length === 1);
  });

  it('after stop() or flush() no pass is made any more', async () => {
    const c = new CountingOutbox(store);
    const { s } = sender({ outbox: c, pollIntervalMs: 2 });
    await s.start();
    await expect.poll(() => c.claims).toBeGreaterThanOrEqual(3);
    await s.stop();
    const stopped = c.claims;
    await pause(50);
    expect(c.claims).toBe(stopped);
    const c2 = new CountingOutbox(store);
    const { s: s2 } = sender({ outbox: c2, pollIntervalMs: 2 });
    await s2.start();
    await expect.poll(() => c2.claims).toBeGreaterThanOrEqual(3);
    await s2.flush(5000);
    const flushed = c2.claims;
    await pause(50);
    expect(c2.claims).toBe(flushed);
  });

  it('a sender stopped or flushed during a pass stays stopped: notify() wakes it no more', async () => {
    for (const end of ['stop', 'flush'] as const) {
      const c = new CountingOutbox(store);
      const { s } = sender({ outbox: c, pollIntervalMs: 3_600_000 });
      await tick(Date.now(), [alert(`in-pass-${end}`)]);
      pd.delayNext(1, 'hold');
      await s.start();
      await pd.waitFor((ev) => ev.some((e) => e.dedupKey === dk(`in-pass-${end}`)));
      const ending = end === 'stop' ? s.stop() : s.flush(30_000);
      pd.release();
      await ending;
      const passes = c.claims;
      await tick(Date.now() + 1, [alert(`after-${end}`)]);
      s.notify();
      await pause(50);
      expect(c.claims).toBe(passes);
      expect(pd.events.some((e) => e.dedupKey === dk(`after-${end}`))).toBe(false);
    }
  });

  it('flush() passes until one claims nothing, or only rows held back by the rate limit', async () => {
    const c = new CountingOutbox(store);
    const now = T0;
    const { s } = sender({ outbox: c, now: () => now, rateLimit: { events: 1, windowMs: 60_000 } });
    await tick(T0, [alert('a')], T0);
    // one pass delivers a, the next claims nothing
    expect(await s.flush(30_000)).toEqual({ delivered: 1, remaining: 0, timedOut: false });
    expect(c.claims).toBe(2);
    // the key's one slot per minute taken by b: c is held back in flush's first pass, so there is no second
    const c2 = new CountingOutbox(store);
    const { s: s2 } = sender({ outbox: c2, now: () => now, rateLimit: { events: 1, windowMs: 60_000 } });
    await tick(T0, [alert('b')], T0);
    expect(await s2.drainOnce()).toMatchObject({ delivered: 1 });
    await tick(T0, [alert('c')], T0);
    const before = c2.claims;
    expect(await s2.flush(30_000)).toEqual({ delivered: 0, remaining: 1, timedOut: false });
    expect(c2.claims - before).toBe(1);
  });

  it('passes never overlap: a pass asked for during another starts after it (a resolve after its trigger)', async () => {
    const { s } = sender({ now: () => T0 });
    await tick(T0, [alert('a')], T0);
    await tick(T0 + 1, [alert('a', undefined)].map((o) => ({ ...o, active: false })), T0);
    pd.delayNext(1, 'hold');
    const first = s.drainOnce();
    await pd.waitFor((ev) => ev.length === 1);
    const second = s.drainOnce();
    pd.release();
    expect(await first).toMatchObject({ claimed: 1, delivered: 1 });
    expect(await second).toMatchObject({ claimed: 1, delivered: 1 });
    expect(pd.events.map((e) => e.action)).toEqual(['trigger', 'resolve']);
  });

  it('only a 429 holds the key: after a 5xx the next row of that key goes', async () => {
    let now = T0;
    const { s, results } = sender({ now: () => now, random: () => 1 });
    await tick(T0, [alert('a')], T0);
    pd.failNext(1, { status: 500 });
    await s.drainOnce();
    await tick(T0 + 1, [alert('b')], T0 + 1);
    now = T0 + 1;
    expect(await s.drainOnce()).toMatchObject({ claimed: 1, delivered: 1 });
    expect(results.map((r) => r.kind)).toEqual(['retry', 'delivered']);
  });

  it('logs nothing for a row held back or given back: only retries warn', async () => {
    const { s, logs } = sender({ now: () => T0, rateLimit: { events: 1, windowMs: 60_000 } });
    await tick(T0, [alert('a'), alert('b')], T0);
    expect(await s.drainOnce()).toMatchObject({ delivered: 1, deferred: 1 });
    expect(logs.map((l) => l.level)).toEqual(['info']);
  });

  it('flush(): a pass in flight at the deadline is aborted and waited for; its row is given back', async () => {
    const { s, results } = sender();
    await tick(Date.now(), [alert('a')]);
    pd.delayNext(1, 'hold');
    await s.start();
    await pd.waitFor((ev) => ev.length === 1);
    expect(await s.flush(50)).toEqual({ delivered: 0, remaining: 1, timedOut: true });
    expect(s.stats().inFlight).toBe(0);
    expect(results.map((r) => r.kind)).toEqual(['aborted']);
    // and no pass after it (the row is left for the next start)
    await pause(50);
    expect(results.map((r) => r.kind)).toEqual(['aborted']);
  });

  it('flush(): its own pass still sending at the deadline is aborted the same way', async () => {
    const { s, results } = sender();
    await tick(Date.now(), [alert('a')]);
    pd.delayNext(1, 'hold');
    expect(await s.flush(50)).toEqual({ delivered: 0, remaining: 1, timedOut: true });
    expect(s.stats().inFlight).toBe(0);
    expect(results.map((r) => r.kind)).toEqual(['aborted']);
    expect((await store.list())[0]).toMatchObject({ status: 'pending', attempts: 0 });
  });
});
