// The outbox sender: drains the durable outbox to PagerDuty. A row is marked sent only after PagerDuty
// accepted it, so a crash (kill -9) re-sends it after restart and PagerDuty's dedup_key absorbs the
// duplicate (a trigger for an open alert is deduplicated; a resolve of a resolved alert is dropped).
//
// - Order: the store hands out only the oldest pending row of each dedup key: a resolve never
//   overtakes its trigger, and rows of different keys go in parallel (`concurrency`).
// - Retries: 429, 5xx, 408, network errors and timeouts back off exponentially with jitter (equal
//   jitter: half fixed, half random), at least the server's Retry-After; other 4xx are permanent
//   failures, kept in the outbox as `failed` with PagerDuty's error (visible, requeue-able).
// - Rate limit: at most `rateLimit.events` per `rateLimit.windowMs` per routing key, sliding window,
//   PagerDuty's documented Events v2 limit being ~120 events per minute per integration key; a 429
//   also holds the key back until its Retry-After. Held-back rows are not attempts.
// - Routing keys are resolved at send time from the row's reference ({ env } / { file }), else the
//   configured default, and never logged or stored.
// - Leases: a claimed row is leased to this instance for `leaseMs`; a crashed instance's rows become
//   claimable when the lease expires, or at once when it restarts under the same `instanceId`.
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { hostname } from 'node:os';
import { withRoutingKey } from '../alerting/pagerduty.js';
import type { OutboxRow, OutboxStore } from '../alerting/store.js';
import type { EventAction } from '../alerting/types.js';
import type { SecretRef } from '../contract/schema.js';
import type { PagerDutyClient, RetryReason, SendOutcome } from './pagerduty-client.js';

export class RoutingKeyError extends Error {
  override name = 'RoutingKeyError';
}

const MAX_SECRET_FILE_BYTES = 4096;

/** Resolve `{ env: NAME }` / `{ file: PATH }` to the secret. Errors name the reference, never a value. */
export async function resolveSecretRef(ref: SecretRef, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if ('env' in ref) {
    const v = env[ref.env]?.trim();
    if (!v) throw new RoutingKeyError(`environment variable ${ref.env} is not set or empty`);
    return v;
  }
  let fh;
  try {
    fh = await open(ref.file, 'r');
    const buf = Buffer.alloc(MAX_SECRET_FILE_BYTES + 1);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    if (bytesRead > MAX_SECRET_FILE_BYTES) throw new RoutingKeyError(`secret file ${ref.file} is larger than ${MAX_SECRET_FILE_BYTES} bytes`);
    const v = buf.subarray(0, bytesRead).toString('utf8').trim();
    if (!v) throw new RoutingKeyError(`secret file ${ref.file} is empty`);
    return v;
  } catch (e) {
    if (e instanceof RoutingKeyError) throw e;
    throw new RoutingKeyError(`cannot read secret file ${ref.file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  } finally {
    await fh?.close();
  }
}

function describeRef(ref: SecretRef | undefined): string {
  if (!ref) return 'default';
  return 'env' in ref ? `env:${ref.env}` : `file:${ref.file}`;
}

/** pino-compatible subset. */
export interface SenderLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const silent: SenderLogger = { info() {}, warn() {}, error() {} };

export interface OutboxSenderOptions {
  outbox: OutboxStore;
  client: Pick<PagerDutyClient, 'send' | 'timeoutMs'>;
  /** Used when a row has no routing reference (the contract has no notify.pagerduty). */
  defaultRoutingKey?: SecretRef;
  /** Default: resolveSecretRef against process.env and the file system. */
  resolveSecret?: (ref: SecretRef) => Promise<string>;
  /** Lease owner. Default: the host name (a Kubernetes pod name): stable across a container restart. */
  instanceId?: string;
  /** Sends in parallel (different dedup keys). Default 4. */
  concurrency?: number;
  /** Rows claimed per pass. Default 50. */
  batchSize?: number;
  /** Poll interval when idle (ms). Default 1000; `notify()` wakes the sender at once. */
  pollIntervalMs?: number;
  /** Lease length (ms). Default 2 × the client timeout + 5 s. */
  leaseMs?: number;
  /** Exponential backoff: baseMs × 2^(attempt−1), capped at maxMs, equal jitter. Default 1 s, 5 min. */
  backoff?: { baseMs?: number; maxMs?: number };
  /** Per routing key. Default 120 events per 60 000 ms (PagerDuty Events v2). */
  rateLimit?: { events: number; windowMs: number };
  now?: () => number;
  random?: () => number;
  logger?: SenderLogger;
  /** Called after every row handled (for logs, metrics, tests). */
  onResult?: (r: DeliveryResult) => void;
}

export type DeliveryKind = 'delivered' | 'retry' | 'rejected' | 'deferred' | 'aborted';

export interface DeliveryResult {
  rowId: number;
  eventId: string;
  dedupKey: string;
  action: EventAction;
  kind: DeliveryKind;
  /** The routing reference used ('env:NAME', 'file:PATH', 'default'), never the key. */
  routing: string;
  status?: number;
  reason?: RetryReason | 'routing';
  error?: string;
  nextAttemptAt?: number;
}

/** Counters for /metrics (monotonic, since start) plus the current in-flight gauge. */
export interface SenderStats {
  /** Requests sent to PagerDuty (any outcome). */
  attempts: number;
  delivered: Record<EventAction, number>;
  retried: Record<RetryReason | 'routing', number>;
  /** Permanent failures (4xx other than 429). */
  rejected: number;
  /** Rows held back by the per-routing-key rate limit (not attempts). */
  deferredByRateLimit: number;
  inFlight: number;
  lastDeliveredAt?: number;
  lastErrorAt?: number;
}

export interface DrainResult {
  claimed: number;
  delivered: number;
  retried: number;
  rejected: number;
  deferred: number;
  aborted: number;
}

export interface FlushResult {
  delivered: number;
  /** Pending rows left (backing off, held back or cut off by the timeout): sent after the next start. */
  remaining: number;
  timedOut: boolean;
}

/** Sliding-window limiter per key (keys are hashes of routing keys), plus "blocked until" after a 429. */
export class KeyRateLimiter {
  private readonly sent = new Map<string, number[]>();
  private readonly blocked = new Map<string, number>();

  constructor(readonly events: number, readonly windowMs: number) {
    if (!Number.isSafeInteger(events) || events < 1) throw new Error(`rate limit events must be a positive integer, got ${events}`);
    if (!(windowMs > 0)) throw new Error(`rate limit window must be positive, got ${windowMs}`);
  }

  /** 0 and a slot taken when a send may go now; else ms to wait (no slot taken). */
  reserve(key: string, now: number): number {
    const until = this.blocked.get(key);
    if (until !== undefined) {
      if (until > now) return until - now;
      this.blocked.delete(key);
    }
    const log = (this.sent.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (log.length >= this.events) {
      this.sent.set(key, log);
      return log[0]! + this.windowMs - now;
    }
    log.push(now);
    this.sent.set(key, log);
    return 0;
  }

  block(key: string, until: number): void {
    this.blocked.set(key, Math.max(until, this.blocked.get(key) ?? 0));
  }
}

function hashKey(k: string): string {
  return createHash('sha256').update(k).digest('hex');
}

export class OutboxSender {
  private readonly o: Required<Omit<OutboxSenderOptions, 'defaultRoutingKey' | 'onResult' | 'backoff' | 'rateLimit'>> &
    Pick<OutboxSenderOptions, 'defaultRoutingKey' | 'onResult'>;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly limiter: KeyRateLimiter;
  private readonly counters: SenderStats = {
    attempts: 0,
    delivered: { trigger: 0, resolve: 0 },
    retried: { rate_limited: 0, server_error: 0, network: 0, timeout: 0, routing: 0 },
    rejected: 0,
    deferredByRateLimit: 0,
    inFlight: 0,
  };
  private abort = new AbortController();
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<DrainResult> | undefined;
  private wakeRequested = false;

  constructor(opts: OutboxSenderOptions) {
    this.o = {
      outbox: opts.outbox,
      client: opts.client,
      defaultRoutingKey: opts.defaultRoutingKey,
      resolveSecret: opts.resolveSecret ?? ((r) => resolveSecretRef(r)),
      instanceId: opts.instanceId ?? hostname(),
      concurrency: opts.concurrency ?? 4,
      batchSize: opts.batchSize ?? 50,
      pollIntervalMs: opts.pollIntervalMs ?? 1000,
      leaseMs: opts.leaseMs ?? 2 * opts.client.timeoutMs + 5000,
      now: opts.now ?? Date.now,
      random: opts.random ?? Math.random,
      logger: opts.logger ?? silent,
      onResult: opts.onResult,
    };
    this.baseMs = opts.backoff?.baseMs ?? 1000;
    this.maxMs = opts.backoff?.maxMs ?? 300_000;
    if (!(this.baseMs > 0) || !(this.maxMs >= this.baseMs)) throw new Error(`backoff needs 0 < baseMs ≤ maxMs, got ${this.baseMs}, ${this.maxMs}`);
    if (!Number.isSafeInteger(this.o.concurrency) || this.o.concurrency < 1) throw new Error(`concurrency must be a positive integer`);
    if (this.o.leaseMs <= opts.client.timeoutMs) throw new Error(`leaseMs (${this.o.leaseMs}) must exceed the client timeout (${opts.client.timeoutMs})`);
    this.limiter = new KeyRateLimiter(opts.rateLimit?.events ?? 120, opts.rateLimit?.windowMs ?? 60_000);
  }

  get instanceId(): string {
    return this.o.instanceId;
  }

  /** Snapshot of the counters. */
  stats(): SenderStats {
    return { ...this.counters, delivered: { ...this.counters.delivered }, retried: { ...this.counters.retried } };
  }

  /** Backoff before attempt `attempt + 1` after `attempt` failed attempts (≥ 1). */
  backoffMs(attempt: number): number {
    const exp = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(Math.max(attempt, 1) - 1, 40));
    return Math.round(exp / 2 + this.o.random() * (exp / 2));
  }

  /** Start draining in the background. Releases the leases this instance held before a restart. */
  async start(): Promise<void> {
    if (this.running) return;
    const released = await this.o.outbox.releaseLeases(this.o.instanceId);
    if (released > 0) this.o.logger.warn({ released, instance: this.o.instanceId }, 'outbox: released rows claimed before a restart; re-sending (PagerDuty deduplicates)');
    this.abort = new AbortController();
    this.running = true;
    this.schedule(0);
  }

  /** Wake the sender now (new rows were committed): the next pass starts without waiting for the poll. */
  notify(): void {
    if (!this.running) return;
    this.wakeRequested = true;
    if (!this.current) this.schedule(0);
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.loop();
    }, ms);
  }

  private async loop(): Promise<void> {
    if (!this.running) return;
    this.wakeRequested = false;
    let r: DrainResult | undefined;
    try {
      r = await this.drainOnce();
    } catch (e) {
      this.o.logger.error({ err: e instanceof Error ? e.message : String(e) }, 'outbox: drain failed');
    }
    if (!this.running) return;
    // A full batch, or new rows committed meanwhile: go again at once.
    this.schedule((r && r.claimed >= this.o.batchSize) || this.wakeRequested ? 0 : this.o.pollIntervalMs);
  }

  /** One pass: claim the due rows and send them. Serialised with the background loop. */
  async drainOnce(): Promise<DrainResult> {
    while (this.current) await this.current.catch(() => undefined);
    const p = this.pass();
    this.current = p;
    try {
      return await p;
    } finally {
      this.current = undefined;
    }
  }

  private async pass(): Promise<DrainResult> {
    const rows = await this.o.outbox.claimDue({ now: this.o.now(), limit: this.o.batchSize, leaseMs: this.o.leaseMs, owner: this.o.instanceId });
    const res: DrainResult = { claimed: rows.length, delivered: 0, retried: 0, rejected: 0, deferred: 0, aborted: 0 };
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < rows.length) {
        const row = rows[next++]!;
        const kind = await this.deliver(row);
        if (kind === 'delivered') res.delivered++;
        else if (kind === 'retry') res.retried++;
        else if (kind === 'rejected') res.rejected++;
        else if (kind === 'deferred') res.deferred++;
        else res.aborted++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency, rows.length) }, worker));
    return res;
  }

  private report(row: OutboxRow, routing: string, r: Omit<DeliveryResult, 'rowId' | 'eventId' | 'dedupKey' | 'action' | 'routing'>): DeliveryKind {
    const full: DeliveryResult = { rowId: row.id, eventId: row.eventId, dedupKey: row.dedupKey, action: row.action, routing, ...r };
    const log = { event: row.eventId, action: row.action, routing, status: r.status, reason: r.reason, error: r.error, attempts: row.attempts + 1 };
    if (r.kind === 'delivered') this.o.logger.info(log, 'outbox: delivered to PagerDuty');
    else if (r.kind === 'rejected') this.o.logger.error(log, 'outbox: PagerDuty refused the event (permanent)');
    else if (r.kind === 'retry') this.o.logger.warn({ ...log, nextAttemptAt: r.nextAttemptAt }, 'outbox: delivery failed, will retry');
    try {
      this.o.onResult?.(full);
    } catch {
      // an observer must not break delivery
    }
    return r.kind;
  }

  private async deliver(row: OutboxRow): Promise<DeliveryKind> {
    const ref = row.routing.routingKey ?? this.o.defaultRoutingKey;
    const routing = describeRef(row.routing.routingKey);
    const owner = this.o.instanceId;
    let key: string;
    try {
      if (!ref) throw new RoutingKeyError('no routing key: the contract has no notify.pagerduty.routingKey and no default is configured');
      key = await this.o.resolveSecret(ref);
    } catch (e) {
      const now = this.o.now();
      const error = e instanceof RoutingKeyError ? e.message : `routing key unavailable (${describeRef(ref)})`;
      const nextAttemptAt = now + this.backoffMs(row.attempts + 1);
      await this.o.outbox.markRetry(row.id, owner, { at: now, nextAttemptAt, error, attempted: true });
      this.counters.retried.routing++;
      this.counters.lastErrorAt = now;
      return this.report(row, routing, { kind: 'retry', reason: 'routing', error, nextAttemptAt });
    }
    const limiterKey = hashKey(key);
    const wait = this.limiter.reserve(limiterKey, this.o.now());
    if (wait > 0) {
      const nextAttemptAt = this.o.now() + wait;
      await this.o.outbox.markRetry(row.id, owner, {
        at: this.o.now(),
        nextAttemptAt,
        error: row.lastError ?? 'held back by the per-routing-key rate limit',
        status: row.lastStatus,
        attempted: false,
      });
      this.counters.deferredByRateLimit++;
      return this.report(row, routing, { kind: 'deferred', nextAttemptAt });
    }

    this.counters.inFlight++;
    this.counters.attempts++;
    let out: SendOutcome;
    try {
      out = await this.o.client.send(withRoutingKey(row.body, key), this.abort.signal);
    } finally {
      this.counters.inFlight--;
    }
    const now = this.o.now();
    switch (out.kind) {
      case 'accepted':
        await this.o.outbox.markSent(row.id, now, out.status);
        this.counters.delivered[row.action]++;
        this.counters.lastDeliveredAt = now;
        return this.report(row, routing, { kind: 'delivered', status: out.status });
      case 'retry': {
        const delay = Math.max(this.backoffMs(row.attempts + 1), out.retryAfterMs ?? 0);
        const nextAttemptAt = now + delay;
        if (out.reason === 'rate_limited') this.limiter.block(limiterKey, nextAttemptAt);
        await this.o.outbox.markRetry(row.id, owner, { at: now, nextAttemptAt, error: out.error, status: out.status, attempted: true });
        this.counters.retried[out.reason]++;
        this.counters.lastErrorAt = now;
        return this.report(row, routing, { kind: 'retry', status: out.status, reason: out.reason, error: out.error, nextAttemptAt });
      }
      case 'rejected':
        await this.o.outbox.markFailed(row.id, owner, { at: now, error: out.error, status: out.status });
        this.counters.rejected++;
        this.counters.lastErrorAt = now;
        return this.report(row, routing, { kind: 'rejected', status: out.status, error: out.error });
      case 'aborted':
        // Shutdown: give the row back untouched (not an attempt); it is re-sent after the next start.
        this.counters.attempts--;
        await this.o.outbox.markRetry(row.id, owner, { at: now, nextAttemptAt: row.nextAttemptAt, error: row.lastError ?? out.error, status: row.lastStatus, attempted: false });
        return this.report(row, routing, { kind: 'aborted', error: out.error });
    }
  }

  /**
   * SIGTERM path: stop polling, let the sends in flight finish, then send whatever is due until nothing
   * is or `timeoutMs` has passed; at the deadline, sends still in flight are aborted and their rows given
   * back (re-sent after the next start). The sender is stopped afterwards.
   */
  async flush(timeoutMs: number): Promise<FlushResult> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    let delivered = 0;
    let timedOut = false;
    const deadline = Date.now() + timeoutMs;
    let expire: NodeJS.Timeout | undefined;
    const expired = new Promise<'timeout'>((resolve) => {
      expire = setTimeout(() => resolve('timeout'), Math.max(0, timeoutMs));
    });
    try {
      if (this.current) {
        const first = await Promise.race([this.current.then(() => 'done' as const, () => 'done' as const), expired]);
        if (first === 'timeout') timedOut = true;
      }
      while (!timedOut && Date.now() < deadline) {
        const pass = this.drainOnce();
        const r = await Promise.race([pass, expired]);
        if (r === 'timeout') {
          timedOut = true;
          break;
        }
        delivered += r.delivered;
        if (r.claimed === 0 || r.claimed === r.deferred) break;
      }
    } finally {
      clearTimeout(expire);
    }
    if (timedOut) {
      this.abort.abort(new Error('flush timeout'));
      while (this.current) await this.current.catch(() => undefined);
    }
    await this.o.outbox.releaseLeases(this.o.instanceId);
    const remaining = (await this.o.outbox.depth(this.o.now())).pending;
    return { delivered, remaining, timedOut };
  }

  /** Stop at once: abort sends in flight (their rows go back to the queue) and stop polling. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.abort.abort(new Error('stopped'));
    while (this.current) await this.current.catch(() => undefined);
    await this.o.outbox.releaseLeases(this.o.instanceId);
  }
}
