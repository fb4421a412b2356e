// The vocabulary of the alerting room: what the evaluate layer observes per alert condition at one tick,
// the persistent state of one alert, the transitions recorded as evidence, and the events to send.
import type { SecretRef } from '../contract/schema.js';

/** PagerDuty Events v2 severities. Pages use critical/error, tickets warning, reminders info. */
export type AlertSeverity = 'critical' | 'error' | 'warning' | 'info';
export const ALERT_SEVERITIES: readonly AlertSeverity[] = ['critical', 'error', 'warning', 'info'];

/** Identifies one alert: `sla` is null for contract-level alerts (renewal) and the engine's own alert. */
export interface AlertKey {
  contract: string;
  sla: string | null;
  alert: string;
}

export interface EscalationContact {
  level: number;
  name: string;
  phone?: string;
  email?: string;
  url?: string;
  respondWithinMinutes?: number;
}

export interface AlertLink {
  href: string;
  text: string;
}

/** Where the outgoing events go: the contract's secret reference; absent = the sender's configured default. */
export interface AlertRouting {
  routingKey?: SecretRef;
}

/**
 * One alert condition as observed at one tick (built by the evaluate layer from decision.rego's result).
 * Only send an observation when the condition is KNOWN: when Prometheus could not answer for an SLA,
 * leave its observation out (its alert state then holds: it neither fires nor resolves) and report the
 * problem through `engineHealthObservation` instead.
 */
export interface AlertObservation {
  key: AlertKey;
  /** The condition holds now. */
  active: boolean;
  severity: AlertSeverity;
  /** Human text naming vendor, SLA and what is happening (PagerDuty summary; cut to 1024 characters). */
  summary: string;
  /** Set while paging is not allowed (the contract's maintenance window): never triggers while set. */
  suppressed?: { reason: string };
  /** objective, achieved, burnRates, budgetRemaining, coverage, revision, documentUrl, …: JSON values. */
  evidence: Record<string, unknown>;
  /** The vendor's escalation contacts, in level order. */
  escalation: EscalationContact[];
  /** Grafana dashboard, runbook, contract document… */
  links: AlertLink[];
  routing: AlertRouting;
  /** PagerDuty `component`: the vendor's name. */
  vendor: string;
  /** PagerDuty `group`: the contract id. */
  group: string;
  /** PagerDuty `class`, e.g. 'error-budget-burn', 'sla-breach', 'engine-health', 'contract-renewal'. */
  class: string;
  /** PagerDuty `source`, e.g. 'obligo' or the instance name. */
  source: string;
}

export interface AlertPolicy {
  /** The condition must hold this long (ms, first active tick to now) before the alert fires. 0: at once. */
  forMs: number;
  /** Flap suppression: a firing alert resolves once its condition has been inactive this long. 0: at once. */
  resolveAfterMs: number;
}

/**
 * inactive: never active (or only briefly, below `for`) · pending: active, `for` not yet elapsed (or
 * elapsed while suppressed) · firing: triggered · resolving: firing but inactive for less than
 * resolveAfterMs · resolved: resolve sent (behaves like inactive).
 */
export type AlertPhase = 'inactive' | 'pending' | 'firing' | 'resolving' | 'resolved';
export const ALERT_PHASES: readonly AlertPhase[] = ['inactive', 'pending', 'firing', 'resolving', 'resolved'];

/** The last observation, as kept in the state (for the API, and for the resolve of a firing alert). */
export interface ObservationSnapshot {
  active: boolean;
  severity: AlertSeverity;
  summary: string;
  suppressed?: { reason: string };
  evidence: Record<string, unknown>;
  vendor: string;
  group: string;
  class: string;
  source: string;
}

/** Persistent state of one alert. Plain JSON; stored by the AlertStore. */
export interface AlertState {
  key: AlertKey;
  /** obligo/<contract>/<sla or ->/<alert> */
  dedupKey: string;
  phase: AlertPhase;
  /** When the current phase began (ms since epoch). */
  since: number;
  /** Start of the current uninterrupted active run (pending/firing), when active. */
  activeSince?: number;
  /** Start of the current inactive run while resolving. */
  inactiveSince?: number;
  /** Last `at` processed: an observation at or before it is ignored (idempotent ticks). */
  lastAt: number;
  /** Incidents opened so far for this key (1 after the first trigger). */
  incident: number;
  /** When the open incident was triggered. */
  triggeredAt?: number;
  /** When the last incident was resolved. */
  resolvedAt?: number;
  /**
   * The routing the open incident was triggered through: its resolve goes the same way (PagerDuty drops a
   * resolve sent with another routing key), even if the contract's reference changed meanwhile.
   */
  incidentRouting?: AlertRouting;
  /** The last observation that was applied. */
  last: ObservationSnapshot;
}

export type EventAction = 'trigger' | 'resolve';

/** An event to deliver, produced by a transition; becomes one outbox row. */
export interface OutgoingEvent {
  /** Unique and stable: `<dedupKey>#<incident>:<action>` (enqueueing the same event twice is refused). */
  id: string;
  action: EventAction;
  dedupKey: string;
  key: AlertKey;
  /** Transition time (ms since epoch): PagerDuty's payload.timestamp. */
  at: number;
  routing: AlertRouting;
  severity: AlertSeverity;
  summary: string;
  evidence: Record<string, unknown>;
  escalation: EscalationContact[];
  links: AlertLink[];
  vendor: string;
  group: string;
  class: string;
  source: string;
}

/** A phase change with the evidence that caused it: stored append-only. */
export interface Transition {
  dedupKey: string;
  key: AlertKey;
  at: number;
  from: AlertPhase;
  to: AlertPhase;
  /** Why, in words: "active for 5m ≥ for 5m", "inactive for 10m ≥ resolveAfter 10m", … */
  reason: string;
  /** The observation that caused it (summary, severity, suppressed, evidence). */
  evidence: ObservationSnapshot;
  /** Ids of the events this transition produced. */
  eventIds: string[];
}

export interface StepResult {
  next: AlertState;
  events: OutgoingEvent[];
  transition?: Transition;
  /** True when the observation was at or before `prev.lastAt` and therefore ignored. */
  stale?: boolean;
}
