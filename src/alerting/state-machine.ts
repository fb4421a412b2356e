// The alert state machine: a pure function from (previous state, observation at time t, policy) to the
// next state, the events to send and the transition to record. No clock, no I/O: replaying the same
// observations gives the same events, which is what makes the outbox exactly-once in effect.
//
//   inactive/resolved ──active──▶ pending ──active ≥ for, not suppressed──▶ firing (trigger)
//   pending ──inactive──▶ inactive                     (no event: it never fired)
//   firing ──inactive──▶ resolving ──inactive ≥ resolveAfter──▶ resolved (resolve)
//   resolving ──active──▶ firing                        (flap: same incident, no new trigger)
//
// Suppression (a maintenance window): no trigger while `suppressed` is set. A pending alert whose `for`
// has elapsed keeps waiting and fires at the first tick after the suppression ends if the condition
// still holds; if it clears meanwhile, nobody is paged. A firing alert stays firing when maintenance
// starts (no new event: the incident is already open) and resolves normally, also during the window:
// a resolve pages nobody and closes the incident.
import { dedupKey } from './dedup.js';
import type {
  AlertObservation,
  AlertPhase,
  AlertPolicy,
  AlertRouting,
  AlertState,
  EventAction,
  ObservationSnapshot,
  OutgoingEvent,
  StepResult,
  Transition,
} from './types.js';

export class AlertingError extends Error {
  override name = 'AlertingError';
}

/** Throws unless `for` and `resolveAfter` are finite durations ≥ 0 (step checks every policy it is given). */
export function checkPolicy(p: AlertPolicy): void {
  for (const [k, v] of [['forMs', p.forMs], ['resolveAfterMs', p.resolveAfterMs]] as const) {
    if (!Number.isFinite(v) || v < 0) throw new AlertingError(`alert policy ${k} must be a finite number of ms ≥ 0, got ${v}`);
  }
}

export function snapshot(obs: AlertObservation): ObservationSnapshot {
  const s: ObservationSnapshot = {
    active: obs.active,
    severity: obs.severity,
    summary: obs.summary,
    evidence: obs.evidence,
    vendor: obs.vendor,
    group: obs.group,
    class: obs.class,
    source: obs.source,
  };
  if (obs.suppressed) s.suppressed = { reason: obs.suppressed.reason };
  return s;
}

/** 90000 → "1m30s"; 0 → "0s". For reasons humans read. */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0s';
  let s = Math.round(ms / 1000);
  if (s === 0) return `${ms}ms`;
  const parts: string[] = [];
  for (const [unit, n] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (s >= n) {
      parts.push(`${Math.floor(s / n)}${unit}`);
      s %= n;
    }
  }
  return parts.join('');
}

function event(action: EventAction, s: AlertState, obs: AlertObservation, at: number, routing: AlertRouting): OutgoingEvent {
  return {
    id: `${s.dedupKey}#${s.incident}:${action}`,
    action,
    dedupKey: s.dedupKey,
    key: { ...s.key },
    at,
    routing,
    severity: obs.severity,
    summary: obs.summary,
    evidence: obs.evidence,
    escalation: obs.escalation.map((c) => ({ ...c })),
    links: obs.links.map((l) => ({ ...l })),
    vendor: obs.vendor,
    group: obs.group,
    class: obs.class,
    source: obs.source,
  };
}

function sameKey(a: AlertState['key'], b: AlertState['key']): boolean {
  return a.contract === b.contract && a.sla === b.sla && a.alert === b.alert;
}

/**
 * Does `step` leave this alert as it is, with nothing to send or record? True when an idle alert (never
 * seen, inactive or resolved) is observed inactive at a time after its last step: it stays idle. Serve
 * observes some 10,000 alerts per tick, nearly all of them so; it steps only the others.
 */
export function staysIdle(prev: AlertState | undefined, obs: AlertObservation, at: number): boolean {
  if (obs.active) return false;
  if (!prev) return true;
  return (prev.phase === 'inactive' || prev.phase === 'resolved') && at > prev.lastAt;
}

/**
 * Apply one observation at time `at` (ms since epoch). An observation at or before `prev.lastAt` is
 * ignored (`stale: true`, no events): stepping the same tick twice, or an out-of-order tick, changes nothing.
 */
export function step(prev: AlertState | undefined, obs: AlertObservation, at: number, policy: AlertPolicy): StepResult {
  if (!Number.isSafeInteger(at)) throw new AlertingError(`alert step time must be an integer of ms since epoch, got ${at}`);
  checkPolicy(policy);
  const dk = dedupKey(obs.key);
  if (prev) {
    if (prev.dedupKey !== dk || !sameKey(prev.key, obs.key)) {
      throw new AlertingError(`alert state ${prev.dedupKey} stepped with an observation of ${dk}`);
    }
    if (at <= prev.lastAt) return { next: prev, events: [], stale: true };
  }
  const last = snapshot(obs);
  const s: AlertState = prev
    ? { ...prev, key: { ...prev.key }, lastAt: at, last }
    : { key: { ...obs.key }, dedupKey: dk, phase: 'inactive', since: at, lastAt: at, incident: 0, last };
  const from: AlertPhase = prev?.phase ?? 'inactive';
  const events: OutgoingEvent[] = [];
  let reason = '';

  const enter = (phase: AlertPhase): void => {
    s.phase = phase;
    s.since = at;
  };
  const fireIfDue = (): void => {
    const activeFor = at - s.activeSince!;
    if (activeFor < policy.forMs) return;
    if (obs.suppressed) {
      reason ||= `active for ${formatDuration(activeFor)} but suppressed (${obs.suppressed.reason}): trigger deferred`;
      return;
    }
    s.incident += 1;
    s.triggeredAt = at;
    s.incidentRouting = { ...obs.routing };
    enter('firing');
    reason = `active for ${formatDuration(activeFor)} ≥ for ${formatDuration(policy.forMs)}`;
    events.push(event('trigger', s, obs, at, s.incidentRouting));
  };
  const resolve = (inactiveFor: number): void => {
    const routing = s.incidentRouting ?? obs.routing;
    enter('resolved');
    s.resolvedAt = at;
    delete s.activeSince;
    delete s.inactiveSince;
    reason = `inactive for ${formatDuration(inactiveFor)} ≥ resolveAfter ${formatDuration(policy.resolveAfterMs)}`;
    events.push(event('resolve', s, obs, at, routing));
    delete s.incidentRouting;
  };

  switch (from) {
    case 'inactive':
    case 'resolved':
      if (obs.active) {
        enter('pending');
        s.activeSince = at;
        reason = obs.suppressed ? `became active while suppressed (${obs.suppressed.reason})` : 'became active';
        fireIfDue();
      }
      break;
    case 'pending':
      if (!obs.active) {
        enter('inactive');
        reason = `inactive again after ${formatDuration(at - s.activeSince!)} (< for ${formatDuration(policy.forMs)}): never fired`;
        delete s.activeSince;
      } else {
        fireIfDue();
        if (s.phase === 'pending') reason = ''; // still waiting: not a transition
      }
      break;
    case 'firing':
      if (!obs.active) {
        if (policy.resolveAfterMs === 0) resolve(0);
        else {
          enter('resolving');
          s.inactiveSince = at;
          reason = `inactive; resolves after ${formatDuration(policy.resolveAfterMs)} without recurrence`;
        }
      }
      break;
    case 'resolving':
      if (obs.active) {
        enter('firing');
        delete s.inactiveSince;
        s.activeSince = at;
        reason = `active again after ${formatDuration(at - (prev!.inactiveSince ?? at))} (< resolveAfter ${formatDuration(policy.resolveAfterMs)}): same incident, no new trigger`;
      } else if (at - s.inactiveSince! >= policy.resolveAfterMs) {
        resolve(at - s.inactiveSince!);
      }
      break;
  }

  if (s.phase === from) return { next: s, events };
  const transition: Transition = {
    dedupKey: s.dedupKey,
    key: { ...s.key },
    at,
    from,
    to: s.phase,
    reason,
    evidence: last,
    eventIds: events.map((e) => e.id),
  };
  return { next: s, events, transition };
}

/**
 * Retire an alert whose condition can no longer be observed (its SLA or contract was removed): an open
 * incident is resolved at once so that it does not stay open in PagerDuty forever; otherwise nothing.
 */
export function retire(prev: AlertState, at: number, why: string): StepResult {
  if (!Number.isSafeInteger(at)) throw new AlertingError(`alert retire time must be an integer of ms since epoch, got ${at}`);
  if (at <= prev.lastAt) return { next: prev, events: [], stale: true };
  if (prev.phase !== 'firing' && prev.phase !== 'resolving') return { next: { ...prev, lastAt: at }, events: [] };
  const obs: AlertObservation = {
    ...prev.last,
    active: false,
    key: prev.key,
    escalation: [],
    links: [],
    routing: prev.incidentRouting ?? {},
  };
  const r = step({ ...prev, phase: 'resolving', inactiveSince: prev.inactiveSince ?? at }, obs, at, { forMs: 0, resolveAfterMs: 0 });
  if (r.transition) r.transition = { ...r.transition, from: prev.phase, reason: `retired: ${why}` };
  return r;
}
