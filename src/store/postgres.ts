// The Obligo state in PostgreSQL (`pg`), for several replicas sharing one store: the RollupRepository of
// measure/ and the AlertStore + OutboxStore of alerting/, with the same behaviour as the SQLite store
// (test/store/contract*.test.ts runs one suite against both).
//
// - Migrations (postgres-migrations.ts) run in one transaction under an advisory lock: replicas starting
//   together migrate once; a database newer than this obligo is refused.
// - `schema` puts every table in that schema (created when missing) through the connections'
//   search_path; without it the server's default search_path is used.
// - Batches are one statement each (a JSON array of records through json_to_recordset: one string to
//   send, JSON documents kept byte for byte; twice as fast as arrays of strings): a tick's commit is BEGIN, at most four
//   statements, COMMIT, whatever the number of alerts; `roundTrips` counts the statements sent.
// - Concurrency: a state write compares the version read (a concurrent writer makes it a conflict,
//   retried by applyTick); a deadlock or serialization failure between replicas is a conflict too.
//   Claims take rows with FOR UPDATE SKIP LOCKED, and can be fenced: only while a given backend still
//   holds the leader's advisory lock (src/server/leadership.ts), so a replica that lost the lock claims
//   nothing even before it noticed.
// - Errors never carry the connection URL (it may hold a password): the server is named host:port/db.
import { createHash } from 'node:crypto';
import pg from 'pg';
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
import type { RollupRepository } from '../measure/rollup-store.js';
import { StoreError } from './db.js';
import { PG_MIGRATIONS, PG_SCHEMA_VERSION } from './postgres-migrations.js';
import type { RollupKey, StoredRollup } from './sqlite.js';

export { PG_SCHEMA_VERSION };

const MAX_LIST = 1000;
/** Rows per batched statement (each row is ~13 array elements). */
const BATCH = 5000;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;

/** Advisory lock keys live in one namespace (the first int4) so that they cannot collide with other apps'. */
export const ADVISORY_NAMESPACE = 0x0b1160;

/** The (namespace, key) pair of an advisory lock for `purpose` in `schema`: stable, in [0, 2^31). */
export function advisoryKey(purpose: string, schema = ''): [number, number] {
  const h = createHash('sha256').update(`obligo\u0000${schema}\u0000${purpose}`).digest();
  return [ADVISORY_NAMESPACE, h.readUInt32BE(0) & 0x7fffffff];
}

/** A claim may be fenced: it succeeds only while backend `pid` holds the advisory lock `key`. */
export interface LockFence {
  key: [number, number];
  pid: number;
}

export interface PostgresStoreOptions {
  /** postgresql://user:password@host:port/db (a resolved secret: never logged). */
  url: string;
  schema?: string;
  /** Pool size. Default 5. */
  poolSize?: number;
  /** Server-side statement timeout (ms). Default 30 000. */
  statementTimeoutMs?: number;
  /** Connect timeout (ms). Default 10 000. */
  connectTimeoutMs?: number;
  applicationName?: string;
}

/** host:port/db of a URL, for messages (no user, no password). */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname || '/'}`;
  } catch {
    return '(unparseable PostgreSQL URL)';
  }
}

function int8(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new StoreError(`PostgreSQL returned ${v}, beyond the safe integer range`);
  return n;
}

/** Per-pool type parsers: BIGINT (epoch ms, ids) as numbers; the global pg.types stay untouched. */
const TYPES = {
  getTypeParser(oid: number, format?: string) {
    if (oid === 20) return int8;
    return (pg.types.getTypeParser as (o: number, f?: string) => unknown)(oid, format);
  },
} as unknown as pg.CustomTypesConfig;

/** Connection options shared by the store's pool and the leadership session. */
export function connectionConfig(o: PostgresStoreOptions): pg.ClientConfig {
  if (o.schema !== undefined && !SCHEMA_NAME.test(o.schema)) throw new StoreError(`PostgreSQL schema name ${JSON.stringify(o.schema)} must match ${SCHEMA_NAME.source}`);
  const opts = [`-c statement_timeout=${Math.max(0, Math.round(o.statementTimeoutMs ?? 30_000))}`];
  if (o.schema) opts.push(`-c search_path=${o.schema}`);
  return {
    connectionString: o.url,
    options: opts.join(' '),
    connectionTimeoutMillis: o.connectTimeoutMs ?? 10_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: o.applicationName ?? 'obligo',
    types: TYPES,
  };
}

const CONFLICT_CODES = new Set(['40001', '40P01']);

function pgCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : undefined;
}

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

type Queryable = Pick<pg.PoolClient, 'query'>;

const CLAIM_SQL = (fenced: boolean): string => `
  UPDATE outbox SET lease_owner = $1, lease_until = $2
   WHERE id IN (
     SELECT o.id FROM outbox o
      WHERE o.status = 'pending' AND o.next_attempt_at <= $3 AND (o.lease_until IS NULL OR o.lease_until <= $3)
        AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.status = 'pending' AND p.dedup_key = o.dedup_key AND p.id < o.id)
      ORDER BY o.next_attempt_at, o.id
      LIMIT $4
      FOR UPDATE SKIP LOCKED)
   ${
     fenced
       ? `AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
                         AND l.classid = $5::bigint::oid AND l.objid = $6::bigint::oid AND l.pid = $7
                         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))`
       : ''
   }
  RETURNING *`;

export class PostgresStore implements RollupRepository, AlertStore, OutboxStore {
  /** Statements sent to PostgreSQL (BEGIN and COMMIT included): round trips, for benchmarks and metrics. */
  roundTrips = 0;
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    readonly options: Readonly<PostgresStoreOptions>,
    readonly where: string,
  ) {}

  /** Connect, create the schema when asked, migrate. Errors name host:port/db, never the URL. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const where = describePostgresUrl(options.url);
    const pool = new pg.Pool({ ...connectionConfig(options), max: options.poolSize ?? 5, idleTimeoutMillis: 30_000 });
    // An idle client's connection error must not crash the process: the next query reports it.
    pool.on('error', () => undefined);
    const store = new PostgresStore(pool, { ...options }, where);
    try {
      await store.migrate();
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw e instanceof StoreError ? e : store.wrap(e, 'cannot open the PostgreSQL store');
    }
    return store;
  }

  private wrap(e: unknown, what: string): Error {
    if (e instanceof StoreError || e instanceof AlertStoreConflictError) return e;
    const code = pgCode(e);
    const msg = e instanceof Error ? e.message : String(e);
    return new StoreError(`${what} (PostgreSQL ${this.where}${code ? `, ${code}` : ''}): ${msg}`, { cause: e });
  }

  private async q<R extends pg.QueryResultRow>(c: Queryable, text: string | pg.QueryConfig, values?: unknown[], what = 'query failed'): Promise<pg.QueryResult<R>> {
    this.roundTrips++;
    try {
      return await c.query<R>(text as string, values);
    } catch (e) {
      throw this.wrap(e, what);
    }
  }

  /** Run `fn` in a transaction on one connection; a deadlock/serialization failure is a conflict. */
  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>, what: string): Promise<T> {
    if (this.closed) throw new StoreError('the PostgreSQL store is closed');
    let c: pg.PoolClient;
    try {
      c = await this.pool.connect();
    } catch (e) {
      throw this.wrap(e, `cannot connect (${what})`);
    }
    let broken: Error | undefined;
    try {
      await this.q(c, 'BEGIN', undefined, what);
      const out = await fn(c);
      await this.q(c, 'COMMIT', undefined, what);
      return out;
    } catch (e) {
      try {
        this.roundTrips++;
        await c.query('ROLLBACK');
      } catch (re) {
        broken = re as Error;
      }
      const cause = e instanceof StoreError && e.cause !== undefined ? e.cause : e;
      const code = pgCode(cause);
      if (code && CONFLICT_CODES.has(code)) throw new AlertStoreConflictError(`concurrent writer (PostgreSQL ${code}): ${(cause as Error).message}`);
      throw this.wrap(e, what);
    } finally {
      c.release(broken);
    }
  }

  private async run<R extends pg.QueryResultRow>(text: string | pg.QueryConfig, values: unknown[] | undefined, what: string): Promise<pg.QueryResult<R>> {
    if (this.closed) throw new StoreError('the PostgreSQL store is closed');
    return this.q<R>(this.pool, text, values, what);
  }

  private async migrate(): Promise<void> {
    const schema = this.options.schema;
    await this.tx(async (c) => {
      await this.q(c, 'SELECT pg_advisory_xact_lock($1, $2)', advisoryKey('migrate', schema ?? ''));
      if (schema) await this.q(c, `CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await this.q(c, 'CREATE TABLE IF NOT EXISTS obligo_schema_version (version INTEGER NOT NULL)');
      const r = await this.q<{ version: number }>(c, 'SELECT version FROM obligo_schema_version');
      const v = r.rows[0]?.version ?? 0;
      if (v > PG_SCHEMA_VERSION) throw new StoreError(`PostgreSQL ${this.where}${schema ? ` schema ${schema}` : ''} has schema version ${v}, newer than this obligo (${PG_SCHEMA_VERSION})`);
      for (let i = v; i < PG_SCHEMA_VERSION; i++) await this.q(c, PG_MIGRATIONS[i]!, undefined, `migration ${i + 1} failed`);
      if (v !== PG_SCHEMA_VERSION) {
        await this.q(c, 'DELETE FROM obligo_schema_version');
        await this.q(c, 'INSERT INTO obligo_schema_version (version) VALUES ($1)', [PG_SCHEMA_VERSION]);
      }
    }, 'migration failed');
  }

  async schemaVersion(): Promise<number> {
    const r = await this.run<{ version: number }>('SELECT version FROM obligo_schema_version', undefined, 'cannot read the schema version');
    return r.rows[0]?.version ?? 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  // ---- RollupRepository ---------------------------------------------------------------------------

  async upsert(rows: readonly StoredRollup[]): Promise<number> {
    for (const r of rows) {
      if (!Number.isSafeInteger(r.hourStart)) throw new StoreError(`rollup hour_start ${r.hourStart} is not an epoch-ms integer`);
      int('rollup computed_at', r.computedAt);
    }
    if (rows.length === 0) return 0;
    // One statement may not touch a key twice (ON CONFLICT DO UPDATE): a repeated key starts a new chunk,
    // so a batch behaves as the SQLite store's row-by-row upsert.
    const chunks: StoredRollup[][] = [];
    let cur: StoredRollup[] = [];
    let keys = new Set<string>();
    for (const r of rows) {
      const k = JSON.stringify([r.contract, r.sla, r.definitionHash, r.hourStart]);
      if (keys.has(k) || cur.length >= BATCH) {
        chunks.push(cur);
        cur = [];
        keys = new Set();
      }
      keys.add(k);
      cur.push(r);
    }
    chunks.push(cur);
    const write = async (c: Queryable): Promise<number> => {
      let written = 0;
      for (const ch of chunks) {
        const res = await this.q(
          c,
          `INSERT INTO rollups (contract, sla, definition_hash, hour_start, good_events, total_events, good_slices,
             bad_slices, nodata_slices, excluded_minutes, summary, source, computed_at)
           SELECT c, s, h, hs, ge, te, gs, bs, nd, ex, sm::text, src, ca
             FROM json_to_recordset($1::json) AS u(c text, s text, h text, hs bigint, ge float8, te float8, gs float8,
                  bs float8, nd float8, ex float8, sm json, src text, ca bigint)
           ON CONFLICT (contract, sla, definition_hash, hour_start) DO UPDATE SET
             good_events = excluded.good_events, total_events = excluded.total_events,
             good_slices = excluded.good_slices, bad_slices = excluded.bad_slices,
             nodata_slices = excluded.nodata_slices, excluded_minutes = excluded.excluded_minutes,
             summary = excluded.summary, source = excluded.source, computed_at = excluded.computed_at
           WHERE excluded.good_slices + excluded.bad_slices > 0 OR rollups.good_slices + rollups.bad_slices = 0`,
          [
            JSON.stringify(
              ch.map((r) => ({
                c: r.contract,
                s: r.sla,
                h: r.definitionHash,
                hs: r.hourStart,
                ge: r.goodEvents,
                te: r.totalEvents,
                gs: r.goodSlices,
                bs: r.badSlices,
                nd: r.noDataSlices,
                ex: r.excludedMinutes,
                sm: r.summary,
                src: r.source,
                ca: r.computedAt,
              })),
            ),
          ],
          'cannot write rollups',
        );
        written += res.rowCount ?? 0;
      }
      return written;
    };
    if (chunks.length === 1) {
      if (this.closed) throw new StoreError('the PostgreSQL store is closed');
      return write(this.pool);
    }
    return this.tx(write, 'cannot write rollups');
  }

  async range(key: RollupKey, from: number, to: number): Promise<StoredRollup[]> {
    const r = await this.run<Record<string, never>>(
      {
        text: `SELECT hour_start, good_events, total_events, good_slices, bad_slices, nodata_slices, excluded_minutes,
                      summary, source, computed_at
                 FROM rollups WHERE contract = $1 AND sla = $2 AND definition_hash = $3
                  AND hour_start >= $4 AND hour_start < $5 ORDER BY hour_start`,
        rowMode: 'array',
      } as pg.QueryConfig,
      [key.contract, key.sla, key.definitionHash, Math.floor(from), Math.ceil(to)],
      'cannot read rollups',
    );
    return (r.rows as unknown as unknown[][]).map((x) => ({
      contract: key.contract,
      sla: key.sla,
      definitionHash: key.definitionHash,
      hourStart: x[0] as number,
      goodEvents: x[1] as number,
      totalEvents: x[2] as number,
      goodSlices: x[3] as number,
      badSlices: x[4] as number,
      noDataSlices: x[5] as number,
      excludedMinutes: x[6] as number,
      summary: JSON.parse(x[7] as string) as unknown,
      source: x[8] as string,
      computedAt: x[9] as number,
    }));
  }

  /** Just the hours present. */
  async hours(key: RollupKey, from: number, to: number): Promise<number[]> {
    const r = await this.run<{ hour_start: number }>(
      `SELECT hour_start FROM rollups WHERE contract = $1 AND sla = $2 AND definition_hash = $3
         AND hour_start >= $4 AND hour_start < $5 ORDER BY hour_start`,
      [key.contract, key.sla, key.definitionHash, Math.floor(from), Math.ceil(to)],
      'cannot read rollups',
    );
    return r.rows.map((x) => x.hour_start);
  }

  async count(): Promise<number> {
    const r = await this.run<{ n: number }>('SELECT count(*)::bigint AS n FROM rollups', undefined, 'cannot count rollups');
    return r.rows[0]!.n;
  }

  // ---- AlertStore ---------------------------------------------------------------------------------

  async getStates(dedupKeys: readonly string[]): Promise<Map<string, StoredAlertState>> {
    const out = new Map<string, StoredAlertState>();
    if (dedupKeys.length === 0) return out;
    const r = await this.run<StateRow>('SELECT dedup_key, state, version FROM alert_states WHERE dedup_key = ANY($1::text[])', [[...dedupKeys]], 'cannot read alert states');
    for (const row of r.rows) out.set(row.dedup_key, { state: JSON.parse(row.state) as AlertState, version: row.version });
    return out;
  }

  async listStates(filter: AlertStateFilter = {}): Promise<StoredAlertState[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.contract !== undefined) {
      args.push(filter.contract);
      where.push(`contract = $${args.length}`);
    }
    if (filter.phases) {
      if (filter.phases.length === 0) return [];
      args.push([...filter.phases]);
      where.push(`phase = ANY($${args.length}::text[])`);
    }
    const r = await this.run<StateRow>(
      `SELECT dedup_key, state, version FROM alert_states ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY dedup_key COLLATE "C"`,
      args,
      'cannot list alert states',
    );
    return r.rows.map((x) => ({ state: JSON.parse(x.state) as AlertState, version: x.version }));
  }

  async commit(c: AlertCommit): Promise<void> {
    const now = int('commit time', c.now);
    for (const t of c.transitions) int('transition time', t.at);
    for (const e of c.events) {
      if ('routing_key' in e.body) throw new StoreError(`outbox event ${e.eventId} carries a routing key: only references may be stored`);
    }
    const inserts = c.states.filter((s) => s.expectedVersion === undefined).map((s) => s.state);
    const updates = c.states.filter((s) => s.expectedVersion !== undefined);
    await this.tx(async (cl) => {
      if (inserts.length > 0) {
        const r = await this.q<{ dedup_key: string }>(
          cl,
          `INSERT INTO alert_states (dedup_key, contract, sla, alert, phase, state, version, updated_at)
           SELECT k, c, s, a, p, st::text, 1, $2 FROM json_to_recordset($1::json) AS u(k text, c text, s text, a text, p text, st json, n int)
           ORDER BY n
           ON CONFLICT (dedup_key) DO NOTHING RETURNING dedup_key`,
          [JSON.stringify(inserts.map((st, n) => ({ k: st.dedupKey, c: st.key.contract, s: st.key.sla, a: st.key.alert, p: st.phase, st, n }))), now],
          'cannot write alert states',
        );
        if (r.rows.length !== inserts.length) {
          const done = new Set(r.rows.map((x) => x.dedup_key));
          const lost = inserts.find((s) => !done.has(s.dedupKey))!;
          throw new AlertStoreConflictError(`alert ${lost.dedupKey} was written by someone else since it was read (version none)`);
        }
      }
      if (updates.length > 0) {
        const r = await this.q<{ dedup_key: string }>(
          cl,
          `UPDATE alert_states t SET phase = u.p, state = u.st::text, version = t.version + 1, updated_at = $2
             FROM json_to_recordset($1::json) AS u(k text, p text, st json, v int)
            WHERE t.dedup_key = u.k AND t.version = u.v
           RETURNING t.dedup_key`,
          [JSON.stringify(updates.map((x) => ({ k: x.state.dedupKey, p: x.state.phase, st: x.state, v: x.expectedVersion }))), now],
          'cannot write alert states',
        );
        if (r.rows.length !== updates.length) {
          const done = new Set(r.rows.map((x) => x.dedup_key));
          const lost = updates.find((s) => !done.has(s.state.dedupKey))!;
          throw new AlertStoreConflictError(`alert ${lost.state.dedupKey} was written by someone else since it was read (version ${lost.expectedVersion})`);
        }
      }
      if (c.transitions.length > 0) {
        const ts = c.transitions;
        await this.q(
          cl,
          `INSERT INTO alert_transitions (dedup_key, contract, sla, alert, at, from_phase, to_phase, reason, evidence, event_ids, recorded_at)
           SELECT k, c, s, a, at, f, t, r, ev::text, ids::text, $2
             FROM json_to_recordset($1::json) AS u(k text, c text, s text, a text, at bigint, f text, t text, r text, ev json, ids json, n int)
            ORDER BY n`,
          [JSON.stringify(ts.map((t, n) => ({ k: t.dedupKey, c: t.key.contract, s: t.key.sla, a: t.key.alert, at: t.at, f: t.from, t: t.to, r: t.reason, ev: t.evidence, ids: t.eventIds, n }))), now],
          'cannot write alert transitions',
        );
      }
      if (c.events.length > 0) {
        const es = c.events;
        const r = await this.q<{ event_id: string }>(
          cl,
          `INSERT INTO outbox (event_id, dedup_key, action, routing, body, created_at, next_attempt_at)
           SELECT e, k, a, r::text, b::text, $2, $2 FROM json_to_recordset($1::json) AS u(e text, k text, a text, r json, b json, n int)
           ORDER BY n
           ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
          [JSON.stringify(es.map((e, n) => ({ e: e.eventId, k: e.dedupKey, a: e.action, r: e.routing, b: e.body, n }))), now],
          'cannot write the outbox',
        );
        if (r.rows.length !== es.length) {
          const done = new Set(r.rows.map((x) => x.event_id));
          const dup = es.find((e) => !done.has(e.eventId))!;
          throw new AlertStoreConflictError(`outbox event ${dup.eventId} was already enqueued`);
        }
      }
    }, 'cannot commit alert changes');
  }

  async listTransitions(filter: TransitionFilter = {}): Promise<StoredTransition[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      args.push(v);
      where.push(sql.replace('?', `$${args.length}`));
    };
    if (filter.dedupKey !== undefined) add('dedup_key = ?', filter.dedupKey);
    if (filter.contract !== undefined) add('contract = ?', filter.contract);
    if (filter.since !== undefined) add('at >= ?', int('since', filter.since));
    if (filter.beforeId !== undefined) add('id < ?', int('beforeId', filter.beforeId));
    args.push(limitOf(filter.limit));
    const r = await this.run<TransitionRow>(
      `SELECT * FROM alert_transitions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${args.length}`,
      args,
      'cannot list alert transitions',
    );
    return r.rows.map(toTransition);
  }

  // ---- OutboxStore --------------------------------------------------------------------------------

  async claimDue(o: ClaimOptions): Promise<OutboxRow[]> {
    return this.claim(o);
  }

  /**
   * claimDue, fenced: claims only while backend `fence.pid` holds the advisory lock `fence.key` (the
   * leader's session). Checked in the same statement as the claim, so a replica whose lock session died
   * claims nothing, even before it noticed.
   */
  async claimDueFenced(o: ClaimOptions, fence: LockFence): Promise<OutboxRow[]> {
    return this.claim(o, fence);
  }

  private async claim(o: ClaimOptions, fence?: LockFence): Promise<OutboxRow[]> {
    const now = int('now', o.now);
    if (!(o.leaseMs > 0)) throw new StoreError(`leaseMs must be positive, got ${o.leaseMs}`);
    const args: unknown[] = [o.owner, now + Math.ceil(o.leaseMs), now, limitOf(o.limit)];
    if (fence) args.push(fence.key[0], fence.key[1], fence.pid);
    const r = await this.run<OutboxDbRow>(CLAIM_SQL(fence !== undefined), args, 'cannot claim outbox rows');
    return r.rows.map(toOutboxRow).sort((a, b) => a.id - b.id);
  }

  async markSent(id: number, at: number, status: number): Promise<boolean> {
    const r = await this.run(
      `UPDATE outbox SET status = 'sent', sent_at = $2, attempts = attempts + 1, last_status = $3, last_error = NULL,
         lease_owner = NULL, lease_until = NULL
       WHERE id = $1 AND status = 'pending'`,
      [id, int('at', at), status],
      'cannot mark an outbox row sent',
    );
    return r.rowCount === 1;
  }

  async markRetry(id: number, owner: string, u: RetryUpdate): Promise<boolean> {
    const r = await this.run(
      `UPDATE outbox SET attempts = attempts + $3, next_attempt_at = $4, last_error = $5, last_status = $6,
         lease_owner = NULL, lease_until = NULL
       WHERE id = $1 AND status = 'pending' AND lease_owner = $2`,
      [id, owner, u.attempted ? 1 : 0, int('nextAttemptAt', u.nextAttemptAt), u.error, u.status ?? null],
      'cannot reschedule an outbox row',
    );
    return r.rowCount === 1;
  }

  async markFailed(id: number, owner: string, f: { at: number; error: string; status?: number }): Promise<boolean> {
    const r = await this.run(
      `UPDATE outbox SET status = 'failed', failed_at = $3, attempts = attempts + 1, last_error = $4, last_status = $5,
         lease_owner = NULL, lease_until = NULL
       WHERE id = $1 AND status = 'pending' AND lease_owner = $2`,
      [id, owner, int('at', f.at), f.error, f.status ?? null],
      'cannot mark an outbox row failed',
    );
    return r.rowCount === 1;
  }

  async releaseLeases(owner: string): Promise<number> {
    const r = await this.run(`UPDATE outbox SET lease_owner = NULL, lease_until = NULL WHERE status = 'pending' AND lease_owner = $1`, [owner], 'cannot release outbox leases');
    return r.rowCount ?? 0;
  }

  async requeue(id: number, now: number): Promise<boolean> {
    const r = await this.run(
      `UPDATE outbox SET status = 'pending', next_attempt_at = $2, failed_at = NULL, lease_owner = NULL, lease_until = NULL
       WHERE id = $1 AND status = 'failed'`,
      [id, int('now', now)],
      'cannot requeue an outbox row',
    );
    return r.rowCount === 1;
  }

  async depth(now: number): Promise<OutboxDepth> {
    const r = await this.run<{ pending: number; due: number; in_flight: number; failed: number; sent: number; oldest: number | null }>(
      `SELECT count(*) FILTER (WHERE status = 'pending')::bigint AS pending,
              count(*) FILTER (WHERE status = 'pending' AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1))::bigint AS due,
              count(*) FILTER (WHERE status = 'pending' AND lease_until > $1)::bigint AS in_flight,
              count(*) FILTER (WHERE status = 'failed')::bigint AS failed,
              count(*) FILTER (WHERE status = 'sent')::bigint AS sent,
              min(created_at) FILTER (WHERE status = 'pending') AS oldest
         FROM outbox`,
      [int('now', now)],
      'cannot read the outbox depth',
    );
    const p = r.rows[0]!;
    return { pending: p.pending, due: p.due, inFlight: p.in_flight, failed: p.failed, sent: p.sent, oldestPendingAgeMs: p.oldest === null ? 0 : Math.max(0, now - p.oldest) };
  }

  async list(filter: OutboxFilter = {}): Promise<OutboxRow[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      args.push(v);
      where.push(sql.replace('?', `$${args.length}`));
    };
    if (filter.status !== undefined) add('status = ?', filter.status);
    if (filter.dedupKey !== undefined) add('dedup_key = ?', filter.dedupKey);
    if (filter.beforeId !== undefined) add('id < ?', int('beforeId', filter.beforeId));
    args.push(limitOf(filter.limit));
    const r = await this.run<OutboxDbRow>(
      `SELECT * FROM outbox ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${args.length}`,
      args,
      'cannot list the outbox',
    );
    return r.rows.map(toOutboxRow);
  }

  async pruneSent(before: number): Promise<number> {
    const r = await this.run(`DELETE FROM outbox WHERE status = 'sent' AND sent_at < $1`, [int('before', before)], 'cannot prune the outbox');
    return r.rowCount ?? 0;
  }

  // ---- replicas (src/server/sharding.ts) ------------------------------------------------------------

  /**
   * Heartbeat `instanceId` (inserting it when new), drop members silent for `ttlMs`, and return the live
   * members sorted, in one statement. Times are the database clock's.
   */
  async heartbeat(instanceId: string, ttlMs: number): Promise<{ members: string[]; now: number }> {
    const r = await this.run<{ instance_id: string | null; now: number }>(
      `WITH clock AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now),
            gone AS (DELETE FROM replica_members WHERE heartbeat_at < (SELECT now FROM clock) - $2 AND instance_id <> $1),
            me AS (INSERT INTO replica_members (instance_id, started_at, heartbeat_at)
                   SELECT $1, now, now FROM clock
                   ON CONFLICT (instance_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at
                   RETURNING instance_id)
       SELECT m.instance_id, (SELECT now FROM clock) AS now FROM replica_members m
        WHERE m.heartbeat_at >= (SELECT now FROM clock) - $2 AND m.instance_id <> $1
       UNION ALL SELECT instance_id, (SELECT now FROM clock) FROM me`,
      [instanceId, Math.round(ttlMs)],
      'cannot heartbeat the replica membership',
    );
    const members = [...new Set(r.rows.map((x) => x.instance_id).filter((x): x is string => x !== null))].sort();
    return { members, now: r.rows[0]?.now ?? 0 };
  }

  /** Leave the membership (graceful shutdown): the others rebalance at their next heartbeat. */
  async leave(instanceId: string): Promise<void> {
    await this.run('DELETE FROM replica_members WHERE instance_id = $1', [instanceId], 'cannot leave the replica membership');
  }
}
