// Alert states, the append-only transition log and the PagerDuty outbox in embedded SQLite: the
// AlertStore and OutboxStore interfaces of src/alerting/ (PostgreSQL will implement the same ones).
// better-sqlite3 is synchronous: each method runs its statements in one transaction and returns a
// settled promise. Several processes may share the file (WAL, busy timeout): the sender and the
// evaluator can run apart.
import type Database from 'better-sqlite3';
import {
  AlertStoreConflictError,
  type AlertCommit,
  type AlertStateFilter,
  type AlertStore,
  type ClaimOptions,
  type OutboxDepth,
  type OutboxFilter,
  type OutboxRow,
  type OutboxStatus,
  type OutboxStore,
  type RetryUpdate,
  type StoredAlertState,
  type StoredTransition,
  type TransitionFilter,
} from '../alerting/store.js';
import type { AlertPhase, AlertRouting, AlertState, EventAction, ObservationSnapshot } from '../alerting/types.js';
import type { PagerDutyEventBody } from '../alerting/pagerduty.js';
import { openDatabase, StoreError, SCHEMA_VERSION } from './db.js';

/** Migration that created the alerting tables. */
const ALERTING_SINCE_VERSION = 2;
const MAX_LIST = 1000;

interface StateRow {
  dedup_key: string;
  state: string;
  version: number;
}

interface TransitionRow {
  id: number;
  dedup_key: string;
  contract: string;
  sla: string | null;
  alert: string;
  at: number;
  from_phase: AlertPhase;
  to_phase: AlertPhase;
  reason: string;
  evidence: string;
  event_ids: string;
  recorded_at: number;
}

interface OutboxDbRow {
  id: number;
  event_id: string;
  dedup_key: string;
  action: EventAction;
  routing: string;
  body: string;
  created_at: number;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  last_error: string | null;
  last_status: number | null;
  sent_at: number | null;
  failed_at: number | null;
}

function toOutboxRow(r: OutboxDbRow): OutboxRow {
  const o: OutboxRow = {
    id: r.id,
    eventId: r.event_id,
    dedupKey: r.dedup_key,
    action: r.action,
    routing: JSON.parse(r.routing) as AlertRouting,
    body: JSON.parse(r.body) as PagerDutyEventBody,
    createdAt: r.created_at,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
  };
  if (r.lease_owner !== null) o.leaseOwner = r.lease_owner;
  if (r.lease_until !== null) o.leaseUntil = r.lease_until;
  if (r.last_error !== null) o.lastError = r.last_error;
  if (r.last_status !== null) o.lastStatus = r.last_status;
  if (r.sent_at !== null) o.sentAt = r.sent_at;
  if (r.failed_at !== null) o.failedAt = r.failed_at;
  return o;
}

function toTransition(r: TransitionRow): StoredTransition {
  return {
    id: r.id,
    recordedAt: r.recorded_at,
    dedupKey: r.dedup_key,
    key: { contract: r.contract, sla: r.sla, alert: r.alert },
    at: r.at,
    from: r.from_phase,
    to: r.to_phase,
    reason: r.reason,
    evidence: JSON.parse(r.evidence) as ObservationSnapshot,
    eventIds: JSON.parse(r.event_ids) as string[],
  };
}

function int(name: string, v: number): number {
  if (!Number.isSafeInteger(v)) throw new StoreError(`${name} must be an integer (ms since epoch), got ${v}`);
  return v;
}

function limitOf(l: number | undefined): number {
  if (l === undefined) return 100;
  if (!Number.isSafeInteger(l) || l < 1) throw new StoreError(`limit must be a positive integer, got ${l}`);
  return Math.min(l, MAX_LIST);
}

/** A parsed state, frozen so that a cached object can be handed out again and again unchanged. */
function frozenState(json: string, version: number): StoredAlertState {
  const freeze = (v: unknown): unknown => {
    if (v !== null && typeof v === 'object') {
      for (const x of Object.values(v)) freeze(x);
      Object.freeze(v);
    }
    return v;
  };
  return Object.freeze({ state: freeze(JSON.parse(json)) as AlertState, version });
}

export class SqliteAlertStore implements AlertStore, OutboxStore {
  private readonly s: Record<string, Database.Statement>;
  /**
   * Alert states this connection has read or written (null: known absent), so that a tick does not
   * read and parse every state again. Valid while SQLite's `PRAGMA data_version` is unchanged, that is
   * while no other connection (another process sharing the file) has committed anything; it is
   * dropped as soon as one has. Our own commits update it once they succeed.
   */
  private readonly stateCache = new Map<string, StoredAlertState | null>();
  private cacheDataVersion = -1;
  private readonly dataVersion: Database.Statement;

  private constructor(private readonly db: Database.Database, readonly path: string) {
    const p = (sql: string): Database.Statement => db.prepare(sql);
    this.dataVersion = db.prepare('PRAGMA data_version').pluck();
    this.s = {
      getState: p('SELECT dedup_key, state, version FROM alert_states WHERE dedup_key = ?'),
      insertState: p(
        `INSERT INTO alert_states (dedup_key, contract, sla, alert, phase, state, version, updated_at)
         VALUES (@dedup_key, @contract, @sla, @alert, @phase, @state, 1, @now) ON CONFLICT (dedup_key) DO NOTHING`,
      ),
      updateState: p(
        `UPDATE alert_states SET phase = @phase, state = @state, version = version + 1, updated_at = @now
         WHERE dedup_key = @dedup_key AND version = @expected`,
      ),
      insertTransition: p(
        `INSERT INTO alert_transitions (dedup_key, contract, sla, alert, at, from_phase, to_phase, reason, evidence, event_ids, recorded_at)
         VALUES (@dedup_key, @contract, @sla, @alert, @at, @from_phase, @to_phase, @reason, @evidence, @event_ids, @recorded_at)`,
      ),
      insertOutbox: p(
        `INSERT INTO outbox (event_id, dedup_key, action, routing, body, created_at, next_attempt_at)
         VALUES (@event_id, @dedup_key, @action, @routing, @body, @now, @now) ON CONFLICT (event_id) DO NOTHING`,
      ),
      claim: p(
        `UPDATE outbox SET lease_owner = @owner, lease_until = @until
         WHERE id IN (
           SELECT o.id FROM outbox o
           WHERE o.status = 'pending' AND o.next_attempt_at <= @now AND (o.lease_until IS NULL OR o.lease_until <= @now)
             AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.status = 'pending' AND p.dedup_key = o.dedup_key AND p.id < o.id)
           ORDER BY o.next_attempt_at, o.id
           LIMIT @limit)
         RETURNING *`,
      ),
      markSent: p(
        `UPDATE outbox SET status = 'sent', sent_at = @at, attempts = attempts + 1, last_status = @status, last_error = NULL,
           lease_owner = NULL, lease_until = NULL
         WHERE id = @id AND status = 'pending'`,
      ),
      markRetry: p(
        `UPDATE outbox SET attempts = attempts + @attempted, next_attempt_at = @next, last_error = @error, last_status = @status,
           lease_owner = NULL, lease_until = NULL
         WHERE id = @id AND status = 'pending' AND lease_owner = @owner`,
      ),
      markFailed: p(
        `UPDATE outbox SET status = 'failed', failed_at = @at, attempts = attempts + 1, last_error = @error, last_status = @status,
           lease_owner = NULL, lease_until = NULL
         WHERE id = @id AND status = 'pending' AND lease_owner = @owner`,
      ),
      release: p(`UPDATE outbox SET lease_owner = NULL, lease_until = NULL WHERE status = 'pending' AND lease_owner = ?`),
      requeue: p(
        `UPDATE outbox SET status = 'pending', next_attempt_at = @now, failed_at = NULL, lease_owner = NULL, lease_until = NULL
         WHERE id = @id AND status = 'failed'`,
      ),
      counts: p(`SELECT status, count(*) AS n FROM outbox GROUP BY status`),
      pendingStats: p(
        `SELECT count(*) FILTER (WHERE next_attempt_at <= @now AND (lease_until IS NULL OR lease_until <= @now)) AS due,
                count(*) FILTER (WHERE lease_until > @now) AS in_flight,
                min(created_at) AS oldest
           FROM outbox WHERE status = 'pending'`,
      ),
      prune: p(`DELETE FROM outbox WHERE status = 'sent' AND sent_at < ?`),
    };
  }

  /** Open (creating and migrating when needed) the Obligo database at `path` (':memory:' for tests). */
  static open(path: string): SqliteAlertStore {
    const db = openDatabase(path, 'alert database', { minVersion: ALERTING_SINCE_VERSION });
    return new SqliteAlertStore(db, path);
  }

  schemaVersion(): number {
    return SCHEMA_VERSION;
  }

  close(): void {
    this.db.close();
  }

  // ---- AlertStore -------------------------------------------------------------------------------

  async getStates(dedupKeys: readonly string[]): Promise<Map<string, StoredAlertState>> {
    const out = new Map<string, StoredAlertState>();
    const read = this.db.transaction((keys: readonly string[]) => {
      const dv = this.dataVersion.get() as number;
      if (dv !== this.cacheDataVersion) {
        this.stateCache.clear();
        this.cacheDataVersion = dv;
      }
      for (const k of keys) {
        let c = this.stateCache.get(k);
        if (c === undefined) {
          const r = this.s.getState!.get(k) as StateRow | undefined;
          c = r ? frozenState(r.state, r.version) : null;
          this.stateCache.set(k, c);
        }
        if (c) out.set(k, c);
      }
    });
    read(dedupKeys);
    return out;
  }

  async listStates(filter: AlertStateFilter = {}): Promise<StoredAlertState[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.contract !== undefined) {
      where.push('contract = ?');
      args.push(filter.contract);
    }
    if (filter.phases) {
      if (filter.phases.length === 0) return [];
      where.push(`phase IN (${filter.phases.map(() => '?').join(',')})`);
      args.push(...filter.phases);
    }
    const rows = this.db
      .prepare(`SELECT dedup_key, state, version FROM alert_states ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY dedup_key`)
      .all(...args) as StateRow[];
    return rows.map((r) => ({ state: JSON.parse(r.state) as AlertState, version: r.version }));
  }

  async commit(c: AlertCommit): Promise<void> {
    const now = int('commit time', c.now);
    const written: Array<[string, StoredAlertState]> = [];
    const tx = this.db.transaction(() => {
      for (const { state, expectedVersion } of c.states) {
        const args = {
          dedup_key: state.dedupKey,
          contract: state.key.contract,
          sla: state.key.sla,
          alert: state.key.alert,
          phase: state.phase,
          state: JSON.stringify(state),
          now,
        };
        const changes =
          expectedVersion === undefined
            ? this.s.insertState!.run(args).changes
            : this.s.updateState!.run({ dedup_key: args.dedup_key, phase: args.phase, state: args.state, now, expected: expectedVersion }).changes;
        if (changes !== 1) {
          throw new AlertStoreConflictError(`alert ${state.dedupKey} was written by someone else since it was read (version ${expectedVersion ?? 'none'})`);
        }
        written.push([state.dedupKey, frozenState(args.state, expectedVersion === undefined ? 1 : expectedVersion + 1)]);
      }
      for (const t of c.transitions) {
        this.s.insertTransition!.run({
          dedup_key: t.dedupKey,
          contract: t.key.contract,
          sla: t.key.sla,
          alert: t.key.alert,
          at: int('transition time', t.at),
          from_phase: t.from,
          to_phase: t.to,
          reason: t.reason,
          evidence: JSON.stringify(t.evidence),
          event_ids: JSON.stringify(t.eventIds),
          recorded_at: now,
        });
      }
      for (const e of c.events) {
        if ('routing_key' in e.body) {
          throw new StoreError(`outbox event ${e.eventId} carries a routing key: only references may be stored`);
        }
        const changes = this.s.insertOutbox!.run({
          event_id: e.eventId,
          dedup_key: e.dedupKey,
          action: e.action,
          routing: JSON.stringify(e.routing),
          body: JSON.stringify(e.body),
          now,
        }).changes;
        if (changes !== 1) throw new AlertStoreConflictError(`outbox event ${e.eventId} was already enqueued`);
      }
    });
    // IMMEDIATE: take the write lock before reading versions, so two writers serialise instead of deadlocking.
    tx.immediate();
    // Only after the commit: a failed one changed nothing, so the cache stays as it was.
    for (const [k, v] of written) this.stateCache.set(k, v);
  }

  async listTransitions(filter: TransitionFilter = {}): Promise<StoredTransition[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.dedupKey !== undefined) {
      where.push('dedup_key = ?');
      args.push(filter.dedupKey);
    }
    if (filter.contract !== undefined) {
      where.push('contract = ?');
      args.push(filter.contract);
    }
    if (filter.since !== undefined) {
      where.push('at >= ?');
      args.push(int('since', filter.since));
    }
    if (filter.beforeId !== undefined) {
      where.push('id < ?');
      args.push(int('beforeId', filter.beforeId));
    }
    args.push(limitOf(filter.limit));
    const rows = this.db
      .prepare(`SELECT * FROM alert_transitions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`)
      .all(...args) as TransitionRow[];
    return rows.map(toTransition);
  }

  // ---- OutboxStore ------------------------------------------------------------------------------

  async claimDue(o: ClaimOptions): Promise<OutboxRow[]> {
    const now = int('now', o.now);
    if (!(o.leaseMs > 0)) throw new StoreError(`leaseMs must be positive, got ${o.leaseMs}`);
    const claim = this.db.transaction(
      () => this.s.claim!.all({ owner: o.owner, until: now + Math.ceil(o.leaseMs), now, limit: limitOf(o.limit) }) as OutboxDbRow[],
    );
    return claim.immediate().map(toOutboxRow).sort((a, b) => a.id - b.id);
  }

  async markSent(id: number, at: number, status: number): Promise<boolean> {
    return this.s.markSent!.run({ id, at: int('at', at), status }).changes === 1;
  }

  async markRetry(id: number, owner: string, u: RetryUpdate): Promise<boolean> {
    return (
      this.s.markRetry!.run({
        id,
        owner,
        next: int('nextAttemptAt', u.nextAttemptAt),
        error: u.error,
        status: u.status ?? null,
        attempted: u.attempted ? 1 : 0,
      }).changes === 1
    );
  }

  async markFailed(id: number, owner: string, f: { at: number; error: string; status?: number }): Promise<boolean> {
    return this.s.markFailed!.run({ id, owner, at: int('at', f.at), error: f.error, status: f.status ?? null }).changes === 1;
  }

  async releaseLeases(owner: string): Promise<number> {
    return this.s.release!.run(owner).changes;
  }

  async requeue(id: number, now: number): Promise<boolean> {
    return this.s.requeue!.run({ id, now: int('now', now) }).changes === 1;
  }

  async depth(now: number): Promise<OutboxDepth> {
    const read = this.db.transaction(() => {
      const counts = new Map((this.s.counts!.all() as { status: OutboxStatus; n: number }[]).map((r) => [r.status, r.n]));
      const p = this.s.pendingStats!.get({ now: int('now', now) }) as { due: number; in_flight: number; oldest: number | null };
      return {
        pending: counts.get('pending') ?? 0,
        due: p.due,
        inFlight: p.in_flight,
        failed: counts.get('failed') ?? 0,
        sent: counts.get('sent') ?? 0,
        oldestPendingAgeMs: p.oldest === null ? 0 : Math.max(0, now - p.oldest),
      };
    });
    return read();
  }

  async list(filter: OutboxFilter = {}): Promise<OutboxRow[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.status !== undefined) {
      where.push('status = ?');
      args.push(filter.status);
    }
    if (filter.dedupKey !== undefined) {
      where.push('dedup_key = ?');
      args.push(filter.dedupKey);
    }
    if (filter.beforeId !== undefined) {
      where.push('id < ?');
      args.push(int('beforeId', filter.beforeId));
    }
    args.push(limitOf(filter.limit));
    const rows = this.db
      .prepare(`SELECT * FROM outbox ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`)
      .all(...args) as OutboxDbRow[];
    return rows.map(toOutboxRow);
  }

  async pruneSent(before: number): Promise<number> {
    return this.s.prune!.run(int('before', before)).changes;
  }
}
