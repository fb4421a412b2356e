// The spans `obligo serve` makes around its own work, ready to be wired in by src/server/serve.ts:
//   tick:        runTick → traceTick(at, () => tick(at))                    span "obligo.tick"
//   Prometheus:  new PrometheusClient({ …, fetch: prometheusFetch() })      span "prometheus.query" per HTTP request
//   PagerDuty:   new PagerDutyClient({ …, fetch: pagerdutyFetch() })        span "pagerduty.send" per HTTP request
// All no-ops until a TracerProvider is registered (tracing.ts).
import { SpanStatusCode } from '@opentelemetry/api';
import { promqlAttributes, tracedFetch, withSpan } from './tracing.js';

/** What a tick reports that a span shows (a TickReport of src/server/runtime.ts fits). */
export interface TickOutcome {
  tick: number;
  ok: boolean;
  error?: string;
  leader: boolean;
  incomplete: readonly string[];
  prometheus: { requests: number; failures: number };
  alerts: { observations: number; transitions: number; events: number };
}

/** Run one tick inside span "obligo.tick"; a tick that reports ok: false ends the span with status ERROR. */
export function traceTick<T extends TickOutcome>(at: number, run: () => Promise<T>): Promise<T> {
  return withSpan('obligo.tick', { 'obligo.tick.at': new Date(at).toISOString() }, async (span) => {
    const r = await run();
    span.setAttributes({
      'obligo.tick.number': r.tick,
      'obligo.tick.ok': r.ok,
      'obligo.tick.leader': r.leader,
      'obligo.tick.incomplete_slas': r.incomplete.length,
      'obligo.prometheus.requests': r.prometheus.requests,
      'obligo.prometheus.failures': r.prometheus.failures,
      'obligo.alerts.transitions': r.alerts.transitions,
      'obligo.alerts.events': r.alerts.events,
    });
    if (!r.ok) span.setStatus({ code: SpanStatusCode.ERROR, message: r.error ?? 'tick failed' });
    return r;
  });
}

/** fetch for PrometheusClient: one CLIENT span per request with the PromQL (db.query.text). */
export function prometheusFetch(base: typeof fetch = globalThis.fetch): typeof fetch {
  return tracedFetch('prometheus.query', base, { attributes: promqlAttributes });
}

/** fetch for PagerDutyClient: one CLIENT span per event sent (the body, with its routing key, is never read). */
export function pagerdutyFetch(base: typeof fetch = globalThis.fetch): typeof fetch {
  return tracedFetch('pagerduty.send', base);
}
