// The alerting room ("act"): from "this alert condition holds / does not hold at time t" to "PagerDuty
// received exactly one trigger and one resolve".
//
//   step(prev, obs, at, policy) → { next, events, transition }     pure state machine (state-machine.ts)
//     inactive → pending → firing (trigger) → resolving → resolved (resolve); `for` (policy.forMs) before
//     firing, flap suppression (policy.resolveAfterMs) before resolving; a re-activation while resolving
//     returns to firing without a new trigger. Suppressed (maintenance): never triggers while set, a
//     pending alert fires at the first unsuppressed tick if still active; a firing alert stays firing and
//     resolves normally (resolves page nobody). Observations at or before the state's lastAt are ignored.
//   retire(prev, at, why)                                          resolve an alert that no longer exists
//   applyTick(store, { at, observations, policy, retire?, mapping? }) → { transitions, events, … }
//     reads states, steps every observation, writes states + transitions + outbox rows in ONE
//     transaction (optimistic versions; retried on conflict). Leave out observations you could not
//     evaluate: their alerts hold.
//   engineHealthObservation({ slasTotal, slasFailed, slasSilent, problems, prometheusUrl })
//     ONE alert { contract: '-', sla: null, alert: 'engine-health' } when Prometheus is down, erroring
//     or silent for the whole selection (never per-SLA pages).
//   contractObservation({ contract, sla, alert, active, severity, what, class, evidence, maintenance })
//     an observation from the contract model: summary "Vendor · SLA title (contract/sla): what",
//     contacts, routing reference, revision, document URL; suppressed while maintenance is active
//   renewalObservations(contract, at) + RENEWAL_POLICY                contract renewal reminders
//   toPagerDutyEvent(event) → Events v2 body (without routing_key)     PagerDuty mapping, within PD limits
//   dedupKey(key) → obligo/<contract>/<sla|->/<alert>
//   AlertStore / OutboxStore                                           persistence interfaces (src/store/)
export * from './types.js';
export { dedupKey, ENGINE_HEALTH_KEY, MAX_DEDUP_KEY_LENGTH } from './dedup.js';
export { step, staysIdle, checkPolicy, retire, snapshot, formatDuration, AlertingError } from './state-machine.js';
export { applyTick, type TickInput, type TickResult } from './apply.js';
export { engineHealthObservation, engineUnhealthy, redactUrl, type EngineHealthInput, type EngineProblem } from './engine-health.js';
export { contractObservation, alertSummary, type ContractAlertInput } from './observe.js';
export { renewalObservations, renewalSchedule, RENEWAL_POLICY, RENEWAL_CLASS, type RenewalSchedule, type RenewalOptions } from './renewal.js';
export {
  toPagerDutyEvent,
  withRoutingKey,
  truncate,
  jsonSafe,
  PD_MAX_SUMMARY_LENGTH,
  PD_MAX_BODY_BYTES,
  type PagerDutyEventBody,
  type PagerDutyPayload,
  type PagerDutyLink,
  type MappingOptions,
} from './pagerduty.js';
export * from './store.js';
