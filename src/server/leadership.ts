// Replicas: which `obligo serve` evaluates and sends. With PostgreSQL, the leader is the replica whose
// dedicated session holds a PostgreSQL advisory lock (no Kubernetes API access needed, and the lock
// lives where the state lives):
//
// - Every replica polls `pg_try_advisory_lock` every `pollMs`; the holder checks its session with one
//   round trip instead. When the leader's process dies (kill -9, OOM, node loss detected by TCP
//   keepalives) PostgreSQL ends its session and releases the lock; the next poll of another replica
//   takes it. Failover ≈ pollMs (default a third of the tick interval) + the new leader's first tick.
// - A replica that loses its session (connection cut, server restart, pg_terminate_backend) stops being
//   leader at once (the client's error event) and polls again: it leads again only if it wins the lock.
// - Sending is fenced: the outbox handed to the sender (`fencedOutbox`) claims rows only while this
//   replica leads, and the claim statement itself checks in pg_locks that this replica's session still
//   holds the lock, so a replica that lost the lock without noticing yet claims nothing. Rows claimed
//   before the loss are leased to it; a new leader takes them when the lease expires (never twice at once).
// - Evaluation by a replica that still thinks it leads is harmless: alert states are written under
//   optimistic versions (one trigger per incident whoever writes it).
//
// SQLite (one file, one pod) has no replicas: `singleLeadership()` always leads.
import { hostname } from 'node:os';
import pg from 'pg';
import type { AlertStore, ClaimOptions, OutboxRow, OutboxStore } from '../alerting/store.js';
import type { SecretRef } from '../contract/schema.js';
import { advisoryKey, connectionConfig, describePostgresUrl, PostgresStore, type LockFence } from '../store/postgres.js';
import { RollupStore } from '../store/sqlite.js';
import { SqliteAlertStore } from '../store/alerts.js';
import { parseDurationMs, resolveSecret, type ServeConfig } from './config.js';
import type { ServeStores } from './serve.js';

/** pino-compatible subset. */
export interface LeadershipLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

const quiet: LeadershipLogger = { info() {}, warn() {} };

/** What serve needs (structurally the `Leadership` of serve.ts) plus what tests, metrics and the sender use. */
export interface Leadership {
  /** Cached: no I/O. */
  isLeader(): boolean;
  start(): Promise<void>;
  /** Give up the lead (unlock) and close the session. */
  stop(): Promise<void>;
  /** Called with true when this replica becomes leader and false when it stops being one; returns an unsubscribe. */
  onChange(listener: (leader: boolean) => void): () => void;
  /** The lock this replica holds now, for fenced claims (undefined when not leading or without a lock). */
  fence(): LockFence | undefined;
  stats(): LeadershipStats;
}

export interface LeadershipStats {
  leader: boolean;
  /** Epoch ms since when this replica leads (or follows). */
  since: number;
  /** Times this replica became leader. */
  acquired: number;
  /** Times it stopped leading (lost session or stop). */
  lost: number;
  /** Failed polls (connection or query errors). */
  errors: number;
}

/** One replica (SQLite): always the leader. */
export function singleLeadership(now: () => number = Date.now): Leadership {
  const since = now();
  return {
    isLeader: () => true,
    start: async () => undefined,
    stop: async () => undefined,
    onChange: () => () => undefined,
    fence: () => undefined,
    stats: () => ({ leader: true, since, acquired: 1, lost: 0, errors: 0 }),
  };
}

export interface PgLeadershipOptions {
  /** Resolved connection URL (a secret: never logged). */
  url: string;
  /** The store's schema: replicas of one deployment share it, and so the lock. */
  schema?: string;
  instanceId?: string;
  /** Poll interval (ms). Default 5000. */
  pollMs?: number;
  /** Per-query timeout on the lock session (ms). Default min(pollMs, 5000). */
  queryTimeoutMs?: number;
  connectTimeoutMs?: number;
  logger?: LeadershipLogger;
  now?: () => number;
}

/** Leader election on a PostgreSQL advisory lock held by a dedicated session. */
export class PgLeadership implements Leadership {
  readonly key: [number, number];
  readonly instanceId: string;
  private readonly pollMs: number;
  private readonly queryTimeoutMs: number;
  private readonly log: LeadershipLogger;
  private readonly now: () => number;
  private client: pg.Client | undefined;
  private pid: number | undefined;
  private leader = false;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<boolean> | undefined;
  private readonly listeners = new Set<(leader: boolean) => void>();
  private readonly counters: LeadershipStats;
  private readonly where: string;

  constructor(private readonly opts: PgLeadershipOptions) {
    this.key = advisoryKey('leader', opts.schema ?? '');
    this.instanceId = opts.instanceId ?? hostname();
    this.pollMs = opts.pollMs ?? 5000;
    if (!(this.pollMs > 0)) throw new Error(`leadership poll interval must be positive, got ${this.pollMs}`);
    this.queryTimeoutMs = opts.queryTimeoutMs ?? Math.min(this.pollMs, 5000);
    this.log = opts.logger ?? quiet;
    this.now = opts.now ?? Date.now;
    this.counters = { leader: false, since: this.now(), acquired: 0, lost: 0, errors: 0 };
    this.where = describePostgresUrl(opts.url);
  }

  isLeader(): boolean {
    return this.leader;
  }

  fence(): LockFence | undefined {
    return this.leader && this.pid !== undefined ? { key: this.key, pid: this.pid } : undefined;
  }

  stats(): LeadershipStats {
    return { ...this.counters, leader: this.leader };
  }

  onChange(listener: (leader: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** First attempt now (awaited), then one every pollMs. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.poll();
    this.schedule();
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      void this.poll().finally(() => this.schedule());
    }, this.pollMs);
    this.timer.unref?.();
  }

  /** One attempt: take the lock when free, or check that the session holding it is alive. Returns isLeader(). */
  poll(): Promise<boolean> {
    if (this.polling) return this.polling;
    const p = this.pollOnce().finally(() => {
      this.polling = undefined;
    });
    this.polling = p;
    return p;
  }

  private async pollOnce(): Promise<boolean> {
    try {
      const c = await this.session();
      if (this.leader) {
        await c.query('SELECT 1');
      } else {
        const r = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', this.key);
        if (r.rows[0]?.ok === true && this.client === c) this.setLeader(true);
      }
    } catch (e) {
      this.counters.errors++;
      this.log.warn({ err: e instanceof Error ? e.message : String(e), db: this.where, instance: this.instanceId }, 'leadership: lock session failed; not leading until the lock is held again');
      this.drop();
    }
    return this.leader;
  }

  private async session(): Promise<pg.Client> {
    if (this.client) return this.client;
    const cfg = connectionConfig({ url: this.opts.url, schema: this.opts.schema, connectTimeoutMs: this.opts.connectTimeoutMs ?? 10_000, applicationName: `obligo-leader:${this.instanceId}`.slice(0, 63) });
    // Server-side keepalives on the lock session: PostgreSQL notices a vanished leader within ~25 s even
    // when no FIN/RST arrives (node or network loss) and releases its lock.
    cfg.options = `${cfg.options ?? ''} -c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3`;
    const c = new pg.Client({ ...cfg, query_timeout: this.queryTimeoutMs } as pg.ClientConfig);
    const lost = (e?: Error) => {
      if (this.client !== c) return;
      this.log.warn({ err: e?.message ?? 'connection ended', db: this.where, instance: this.instanceId }, 'leadership: lock session lost');
      this.drop();
    };
    c.on('error', lost);
    c.on('end', () => lost());
    this.client = c;
    try {
      await c.connect();
      this.pid = (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    } catch (e) {
      this.drop();
      throw e;
    }
    return c;
  }

  /** Forget the session (its lock dies with it) and stop leading. */
  private drop(): void {
    const c = this.client;
    this.client = undefined;
    this.pid = undefined;
    this.setLeader(false);
    if (c) void c.end().catch(() => undefined);
  }

  private setLeader(v: boolean): void {
    if (this.leader === v) return;
    this.leader = v;
    this.counters.since = this.now();
    if (v) this.counters.acquired++;
    else this.counters.lost++;
    this.log.info({ instance: this.instanceId, leader: v }, v ? 'leadership: this replica leads (evaluates and sends)' : 'leadership: this replica follows');
    for (const l of this.listeners) {
      try {
        l(v);
      } catch {
        // a listener must not break the election
      }
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.polling?.catch(() => undefined);
    const c = this.client;
    if (c && this.leader) await c.query('SELECT pg_advisory_unlock($1, $2)', this.key).catch(() => undefined);
    this.drop();
  }
}

type FenceableOutbox = OutboxStore & { claimDueFenced?: (o: ClaimOptions, fence: LockFence) => Promise<OutboxRow[]> };

/**
 * The store as the sender must see it: `claimDue` hands out rows only while `leadership` leads, fenced by
 * its lock when the store can check one (PostgreSQL). Every other method is the store's own.
 */
export function fencedOutbox<T extends FenceableOutbox>(store: T, leadership: Pick<Leadership, 'isLeader' | 'fence'>): T {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'claimDue') {
        return async (o: ClaimOptions): Promise<OutboxRow[]> => {
          if (!leadership.isLeader()) return [];
          const fence = leadership.fence();
          if (fence && typeof target.claimDueFenced === 'function') return target.claimDueFenced(o, fence);
          if (fence) return [];
          return target.claimDue(o);
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

export interface Replication {
  stores: ServeStores;
  leadership: Leadership;
  /** The PostgreSQL store when `store.postgres` is configured (round trips, membership for sharding). */
  postgres?: PostgresStore;
}

export interface ReplicationOptions {
  env?: NodeJS.ProcessEnv;
  instanceId?: string;
  /** Leader poll interval (ms). Default: a third of the tick interval. */
  pollMs?: number;
  logger?: LeadershipLogger;
  /** Pool size of the store. Default 5. */
  poolSize?: number;
}

/**
 * The stores and the leadership of `config.store`, ready for startServe(config, { stores: () => r.stores,
 * leadership: r.leadership, instanceId }):
 *   sqlite:   the SQLite file, always leader (one replica);
 *   postgres: the PostgreSQL store (migrated) and a PgLeadership on the same database and schema; the
 *             `alerts` store's claims are fenced by the leadership (the sender sends only on the leader).
 * Leadership is not started: serve starts it (Leadership.start) and stops it.
 */
export async function openReplication(config: ServeConfig, opts: ReplicationOptions = {}): Promise<Replication> {
  const env = opts.env ?? process.env;
  if ('sqlite' in config.store) {
    const rollups = RollupStore.open(config.store.sqlite);
    const alerts = SqliteAlertStore.open(config.store.sqlite);
    return {
      stores: {
        rollups,
        alerts,
        close() {
          rollups.close();
          alerts.close();
        },
      },
      leadership: singleLeadership(),
    };
  }
  const { url: ref, schema } = config.store.postgres;
  const url = resolveSecret(ref as SecretRef, env);
  const store = await PostgresStore.open({ url, schema, poolSize: opts.poolSize, applicationName: `obligo:${(opts.instanceId ?? hostname()).slice(0, 50)}` });
  const leadership = new PgLeadership({
    url,
    schema,
    instanceId: opts.instanceId,
    pollMs: opts.pollMs ?? Math.max(1000, Math.floor(parseDurationMs(config.evaluation.interval) / 3)),
    logger: opts.logger,
  });
  const alerts: AlertStore & OutboxStore = fencedOutbox(store, leadership);
  return {
    stores: { rollups: store, alerts, close: () => store.close() },
    leadership,
    postgres: store,
  };
}
