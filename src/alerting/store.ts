// The persistence the alerting room needs, as driver-agnostic async interfaces. src/store/ implements
// them (SQLite now, PostgreSQL later): no database types appear here.
//
// Exactly-once in effect rests on two rules: (1) a state change, its transition and its outgoing events
// are written in ONE transaction (`AlertStore.commit`), guarded by the version read (two replicas
// stepping the same alert cannot both enqueue a trigger); (2) the sender marks a row sent only after
// PagerDuty accepted it, so a crash re-sends, and PagerDuty's dedup_key makes the re-send harmless.
import type { PagerDutyEventBody } from './pagerduty.js';
import type { AlertKey, AlertPhase, AlertRouting, AlertState, EventAction, Transition } from './types.js';

export interface StoredAlertState {
  state: AlertState;
  /** Incremented on every write; `commit` compares it (optimistic concurrency). */
  version: number;
}

/** One outbox row to insert: the mapped body (never the routing key) and the routing reference. */
export interface OutboxInsert {
  /** OutgoingEvent.id: unique; inserting it twice is a conflict. */
  eventId: string;
  dedupKey: string;
  action: EventAction;
  routing: AlertRouting;
  body: PagerDutyEventBody;
}

export interface AlertCommit {
  /** States to write. `expectedVersion` is the version read; absent: the state must not exist yet. */
  states: Array<{ state: AlertState; expectedVersion?: number }>;
  transitions: Transition[];
  events: OutboxInsert[];
  /** Wall-clock time of the write (ms): recorded_at of transitions, created_at/next_attempt_at of rows. */
  now: number;
}

export class AlertStoreConflictError extends Error {
  override name = 'AlertStoreConflictError';
}

export interface StoredTransition extends Transition {
  /** Store-assigned, increasing. */
  id: number;
  recordedAt: number;
}

export interface TransitionFilter {
  dedupKey?: string;
  contract?: string;
  /** at ≥ since (ms). */
  since?: number;
  /** Only ids below this (paging backwards). */
  beforeId?: number;
  /** Default 100, at most 1000. Newest first. */
  limit?: number;
}

export interface AlertStateFilter {
  contract?: string;
  phases?: readonly AlertPhase[];
}

export interface AlertStore {
  /** States of these dedup keys (missing keys are absent from the map). */
  getStates(dedupKeys: readonly string[]): Promise<Map<string, StoredAlertState>>;
  listStates(filter?: AlertStateFilter): Promise<StoredAlertState[]>;
  /** All of it or nothing; AlertStoreConflictError when a version no longer matches. */
  commit(c: AlertCommit): Promise<void>;
  /** Append-only log, newest first. */
  listTransitions(filter?: TransitionFilter): Promise<StoredTransition[]>;
}

export type OutboxStatus = 'pending' | 'sent' | 'failed';

export interface OutboxRow {
  id: number;
  eventId: string;
  dedupKey: string;
  action: EventAction;
  routing: AlertRouting;
  body: PagerDutyEventBody;
  createdAt: number;
  status: OutboxStatus;
  /** Delivery attempts that reached (or tried to reach) PagerDuty. */
  attempts: number;
  nextAttemptAt: number;
  leaseOwner?: string;
  leaseUntil?: number;
  lastError?: string;
  /** HTTP status of the last answer, when there was one. */
  lastStatus?: number;
  sentAt?: number;
  failedAt?: number;
}

export interface ClaimOptions {
  now: number;
  limit: number;
  /** The claim expires after this long (a crashed sender's rows become claimable again). */
  leaseMs: number;
  owner: string;
}

export interface RetryUpdate {
  at: number;
  nextAttemptAt: number;
  error: string;
  status?: number;
  /** false when the row was not attempted (held back by the rate limit): attempts unchanged. */
  attempted: boolean;
}

export interface OutboxDepth {
  /** Not yet delivered (due or backing off or in flight). */
  pending: number;
  /** Pending and due now. */
  due: number;
  /** Pending rows claimed by a sender right now. */
  inFlight: number;
  /** Permanently failed (PagerDuty refused them): visible until retried or pruned. */
  failed: number;
  sent: number;
  /** Age of the oldest pending row (ms), 0 when none. */
  oldestPendingAgeMs: number;
}

export interface OutboxFilter {
  status?: OutboxStatus;
  dedupKey?: string;
  /** Only ids below this (paging backwards). */
  beforeId?: number;
  /** Default 100, at most 1000. Newest first. */
  limit?: number;
}

export interface OutboxStore {
  /**
   * Claim due pending rows: for each dedup key only its oldest pending row is claimable (events of one
   * key go out in order), and a row leased by a live sender is skipped.
   */
  claimDue(o: ClaimOptions): Promise<OutboxRow[]>;
  /** Delivered. Recorded whoever holds the lease: it is a fact. False when the row is not pending. */
  markSent(id: number, at: number, status: number): Promise<boolean>;
  /** Back off; only while `owner` holds the lease. */
  markRetry(id: number, owner: string, u: RetryUpdate): Promise<boolean>;
  /** Permanent failure (a 4xx other than 429); only while `owner` holds the lease. */
  markFailed(id: number, owner: string, f: { at: number; error: string; status?: number }): Promise<boolean>;
  /** Drop the leases of `owner` (a sender restarting under the same identity, or stopping). */
  releaseLeases(owner: string): Promise<number>;
  /** Put a failed row back in the queue (operator action). */
  requeue(id: number, now: number): Promise<boolean>;
  depth(now: number): Promise<OutboxDepth>;
  list(filter?: OutboxFilter): Promise<OutboxRow[]>;
  /** Delete sent rows sent before `before` (ms); returns how many. The transition log is kept. */
  pruneSent(before: number): Promise<number>;
}

export type { AlertKey };
