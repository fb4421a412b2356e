// One tick of the alerting pipeline: read the states of the observed alerts, step each one, and write
// states + transitions + outbox rows in one transaction. The only impure part of the room (it talks to
// an AlertStore); the decisions are all in step().
import { dedupKey } from './dedup.js';
import { toPagerDutyEvent, type MappingOptions } from './pagerduty.js';
import { AlertingError, checkPolicy, retire, staysIdle, step } from './state-machine.js';
import { AlertStoreConflictError, type AlertCommit, type AlertStore, type StoredAlertState } from './store.js';
import type { AlertKey, AlertObservation, AlertPolicy, OutgoingEvent, Transition } from './types.js';

export interface TickInput {
  /** Evaluation time (ms since epoch): the `at` of every step. */
  at: number;
  /**
   * Every alert condition known at this tick. Leave out the ones that could not be evaluated (their
   * state holds); at most one observation per key.
   */
  observations: readonly AlertObservation[];
  /** The `for`/flap policy, one for all or per observation (e.g. RENEWAL_POLICY for reminders). */
  policy: AlertPolicy | ((obs: AlertObservation) => AlertPolicy);
  /**
   * Resolve open incidents of alerts that no longer exist (SLA or contract removed). `exists` must
   * answer from the configuration, never from data availability: an SLA that Prometheus could not
   * answer for still exists.
   */
  retire?: { exists: (key: AlertKey) => boolean; reason: string };
  mapping?: MappingOptions;
  /** Wall-clock time of the write (ms), default Date.now(). */
  now?: number;
}

export interface TickResult {
  transitions: Transition[];
  events: OutgoingEvent[];
  /** Observations ignored because their alert already processed a tick at or after `at`. */
  stale: number;
  /** Times the commit was retried after a concurrent writer (another replica) won. */
  conflicts: number;
}

const MAX_CONFLICT_RETRIES = 5;

export async function applyTick(store: AlertStore, input: TickInput): Promise<TickResult> {
  const seen = new Set<string>();
  for (const o of input.observations) {
    const k = dedupKey(o.key);
    if (seen.has(k)) throw new AlertingError(`two observations for alert ${k} in one tick`);
    seen.add(k);
  }
  let conflicts = 0;
  for (;;) {
    try {
      const r = await tryTick(store, input);
      return { ...r, conflicts };
    } catch (e) {
      if (!(e instanceof AlertStoreConflictError) || conflicts >= MAX_CONFLICT_RETRIES) throw e;
      conflicts++;
    }
  }
}

async function tryTick(store: AlertStore, input: TickInput): Promise<Omit<TickResult, 'conflicts'>> {
  const policyOf = typeof input.policy === 'function' ? input.policy : () => input.policy as AlertPolicy;
  const keys = input.observations.map((o) => dedupKey(o.key));
  const prev = await store.getStates(keys);
  const commit: AlertCommit = { states: [], transitions: [], events: [], now: input.now ?? Date.now() };
  const events: OutgoingEvent[] = [];
  let stale = 0;

  const record = (r: ReturnType<typeof step>, before: StoredAlertState | undefined): void => {
    if (r.stale) {
      stale++;
      return;
    }
    // An idle alert that stays idle (inactive or resolved, nothing sent) is not rewritten: at 10,000 SLAs
    // that was most of a tick's writes. Its stored `last` observation is then the one that changed it.
    const idle = (p: string | undefined) => p === undefined || p === 'inactive' || p === 'resolved';
    const unchanged = !r.transition && r.events.length === 0 && idle(before?.state.phase) && r.next.phase === (before?.state.phase ?? 'inactive');
    if (!unchanged) commit.states.push({ state: r.next, expectedVersion: before?.version });
    if (r.transition) commit.transitions.push(r.transition);
    for (const ev of r.events) {
      events.push(ev);
      commit.events.push({ eventId: ev.id, dedupKey: ev.dedupKey, action: ev.action, routing: ev.routing, body: toPagerDutyEvent(ev, input.mapping) });
    }
  };

  if (!Number.isSafeInteger(input.at)) throw new AlertingError(`alert step time must be an integer of ms since epoch, got ${input.at}`);
  input.observations.forEach((obs, i) => {
    const before = prev.get(keys[i]!);
    const policy = policyOf(obs);
    // An idle alert observed inactive would be stepped into an unchanged state that is not written (its
    // policy is still checked: a bad one fails the first tick, not the first incident).
    if (staysIdle(before?.state, obs, input.at)) return checkPolicy(policy);
    record(step(before?.state, obs, input.at, policy), before);
  });

  if (input.retire) {
    const observed = new Set(keys);
    for (const s of await store.listStates({ phases: ['firing', 'resolving'] })) {
      if (observed.has(s.state.dedupKey) || input.retire.exists(s.state.key)) continue;
      record(retire(s.state, input.at, input.retire.reason), s);
    }
  }

  if (commit.states.length > 0) await store.commit(commit);
  return { transitions: commit.transitions, events, stale };
}
