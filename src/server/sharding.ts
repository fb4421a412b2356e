// Sharding SLAs across replicas, for fleets too large for one evaluator: each contract belongs to one
// live replica, chosen by rendezvous (highest-random-weight) hashing of the contract id over the live
// members. Membership is held in PostgreSQL (replica_members: a heartbeat per replica, members silent for
// `ttlMs` drop out), so every replica computes the same owner from the same member list; when a replica
// joins or leaves, only the contracts it gains or loses move (about 1/n of them), and the others keep
// their owner.
//
// While the member list changes, two replicas can briefly disagree for a heartbeat: a contract may be
// evaluated twice (harmless: alert states are written under optimistic versions, one trigger per
// incident) or skipped for one tick. A replica that cannot heartbeat for `ttlMs` owns nothing (the others
// have taken its contracts by then). Pages are sent by whichever replica claims the outbox row (claims
// are leased: never twice at once). Global work (the engine-health alert, retiring removed alerts) stays
// with the leader (leadership.ts).
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';

/** The membership operations of the store (PostgresStore implements them). */
export interface MembershipStore {
  heartbeat(instanceId: string, ttlMs: number): Promise<{ members: string[]; now: number }>;
  leave(instanceId: string): Promise<void>;
}

/** 64-bit weight of (member, id): the member with the highest weight owns id. */
function weight(member: string, id: string): bigint {
  return createHash('sha256').update(member).update('\u0000').update(id).digest().readBigUInt64BE(0);
}

/** The owner of `id` among `members` (rendezvous hashing); undefined when there is none. */
export function rendezvousOwner(id: string, members: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestW = -1n;
  for (const m of members) {
    const w = weight(m, id);
    if (w > bestW || (w === bestW && best !== undefined && m < best)) {
      best = m;
      bestW = w;
    }
  }
  return best;
}

export interface ShardingOptions {
  store: MembershipStore;
  instanceId?: string;
  /** Heartbeat interval (ms). Default 5000. */
  heartbeatMs?: number;
  /** A member silent this long is gone (ms). Default 3 × heartbeatMs. */
  ttlMs?: number;
  /** Local clock, only to age this replica's own last successful heartbeat. */
  now?: () => number;
  logger?: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
}

export class Sharding {
  readonly instanceId: string;
  readonly heartbeatMs: number;
  readonly ttlMs: number;
  private live: string[] = [];
  private lastOk = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private beating: Promise<readonly string[]> | undefined;
  private readonly listeners = new Set<(members: readonly string[]) => void>();
  private readonly now: () => number;

  constructor(private readonly o: ShardingOptions) {
    this.instanceId = o.instanceId ?? hostname();
    this.heartbeatMs = o.heartbeatMs ?? 5000;
    this.ttlMs = o.ttlMs ?? 3 * this.heartbeatMs;
    if (!(this.heartbeatMs > 0) || !(this.ttlMs > this.heartbeatMs)) throw new Error(`sharding needs 0 < heartbeatMs < ttlMs, got ${this.heartbeatMs}, ${this.ttlMs}`);
    this.now = o.now ?? Date.now;
  }

  /** Join (first heartbeat, awaited) and heartbeat every heartbeatMs. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.refresh();
    this.schedule();
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => void this.refresh().finally(() => this.schedule()), this.heartbeatMs);
    this.timer.unref?.();
  }

  /** Heartbeat now; returns the live members (this one included), or the last known list on error. */
  refresh(): Promise<readonly string[]> {
    if (this.beating) return this.beating;
    const p = (async () => {
      try {
        const { members } = await this.o.store.heartbeat(this.instanceId, this.ttlMs);
        this.lastOk = this.now();
        this.setMembers(members);
      } catch (e) {
        this.o.logger?.warn({ err: e instanceof Error ? e.message : String(e), instance: this.instanceId }, 'sharding: heartbeat failed');
      }
      return this.members();
    })().finally(() => {
      this.beating = undefined;
    });
    this.beating = p;
    return p;
  }

  private setMembers(m: string[]): void {
    const same = m.length === this.live.length && m.every((x, i) => x === this.live[i]);
    this.live = m;
    if (same) return;
    this.o.logger?.info({ instance: this.instanceId, members: m }, 'sharding: membership changed; rebalancing');
    for (const l of this.listeners) {
      try {
        l(m);
      } catch {
        // listeners must not break the heartbeat
      }
    }
  }

  /** Live members as of the last heartbeat; empty once this replica could not heartbeat for ttlMs. */
  members(): readonly string[] {
    return this.now() - this.lastOk < this.ttlMs ? this.live : [];
  }

  /** Does this replica evaluate the contract? */
  owns(contractId: string): boolean {
    return rendezvousOwner(contractId, this.members()) === this.instanceId;
  }

  ownerOf(contractId: string): string | undefined {
    return rendezvousOwner(contractId, this.members());
  }

  onChange(listener: (members: readonly string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stop heartbeating and leave (the others rebalance at their next heartbeat). */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.beating?.catch(() => undefined);
    this.live = [];
    this.lastOk = -Infinity;
    await this.o.store.leave(this.instanceId).catch(() => undefined);
  }
}
