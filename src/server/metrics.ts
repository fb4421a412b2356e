// `/metrics` of `obligo serve`: prom-client with its own registry (never the global one).
//
// Contract metrics (names, labels and help from SERVE_METRICS in src/conventions.ts, which the compiled
// rules and dashboards read) are rebuilt from every tick report:
// - from the evaluation of the last successful tick: achieved percent, error budget remaining, burn rate
//   per window, state (one series per state, 1 for the current one), data coverage ratio, and the
//   current period's service credit per currency (evaluation.currentCredits);
// - from the contracts in force at the tick's instant: maintenance active, days left to the renewal
//   notice deadline, and obligo_contract_info{contract,vendor} (the one place the vendor label lives).
// Every tick rebuilds these series from scratch, so the series of a removed contract or SLA disappear
// at the next tick instead of staying at their last value. They are rendered to exposition text once per
// tick (prom-client's text format, which `promtool check metrics` checks in test/server/api.test.ts) and
// appended to the registry's text at every scrape: as prom-client gauges, 2,000 SLAs meant some 30,000
// label sets hashed and validated on every tick (~90 ms) and formatted again on every scrape. A tick
// whose evaluation failed keeps the last evaluated values (obligo_last_successful_tick_timestamp_seconds
// says how old they are), minus the SLAs that are no longer in the contracts.
//
// A value that is unknown has no series: an SLA without data has no achieved/budget series and its
// obligo_sla_state{state="no-data"} is 1; a window without traffic has no burn-rate series. An SLA whose
// data is incomplete (gaps, partial responses) keeps its gauges at the numbers measured over the data
// there is; obligo_data_coverage_ratio (< 1) is what says so, and an alert on the other gauges should
// be read together with it (the API's status shows coverage.complete). Money is stricter: a credit row
// measured on incomplete data (flags incomplete-data or partial-response: never claimed or paid as it is)
// has no obligo_service_credit_amount series, so that a panel summing what is owed never adds an amount
// that cannot be trusted (the API's credits still show the row, with its flags).
//
// Engine metrics (ENGINE_METRICS below): tick duration, ticks and failures, last successful tick, the
// Prometheus requests of ticks, outbox depth and PagerDuty send results. Outbox depth and sender
// counters are read when /metrics is scraped. Labels: only contract, sla, window, currency, state and
// vendor (and the histogram's le); nothing unbounded (no dedup key, URL or error text).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { renewalSchedule } from '../alerting/renewal.js';
import { LABEL, SERVE_METRICS, SLA_STATES } from '../conventions.js';
import type { CreditRow } from '../measure/credit-rows.js';
import type { SlaStatus } from '../measure/status.js';
import { maintenanceAt } from '../slo/maintenance.js';
import type { ServeRuntime, TickReport } from './runtime.js';

type EngineMetricType = 'counter' | 'gauge' | 'histogram';

export interface EngineMetric {
  name: string;
  type: EngineMetricType;
  help: string;
  labels: readonly string[];
}

const em = (name: string, type: EngineMetricType, help: string, labels: readonly string[] = []): EngineMetric => ({ name, type, help, labels });

/** The engine's own health metrics (not read by compiled rules; candidates for src/conventions.ts). */
export const ENGINE_METRICS = {
  tickDuration: em('obligo_tick_duration_seconds', 'histogram', 'Duration of an evaluation tick (measure, decide, write the outbox).'),
  ticks: em('obligo_ticks_total', 'counter', 'Ticks run since start.'),
  tickFailures: em('obligo_tick_failures_total', 'counter', 'Ticks whose evaluation failed (Prometheus out, a policy error…): SLA alerts hold.'),
  lastSuccessfulTick: em('obligo_last_successful_tick_timestamp_seconds', 'gauge', 'Evaluation instant of the last successful tick (Unix seconds).'),
  prometheusRequests: em('obligo_prometheus_requests_total', 'counter', 'HTTP requests the ticks sent to Prometheus.'),
  prometheusRequestFailures: em('obligo_prometheus_request_failures_total', 'counter', 'Prometheus requests of ticks that failed (after retries).'),
  prometheusRetries: em('obligo_prometheus_retries_total', 'counter', 'Prometheus requests of ticks that were retried.'),
  prometheusErrors: em('obligo_prometheus_errors_total', 'counter', 'Ticks whose evaluation failed because of Prometheus.'),
  prometheusQuerySeconds: em('obligo_prometheus_query_seconds_total', 'counter', 'Query evaluation time Prometheus reported for the queries of ticks.'),
  outboxPending: em('obligo_outbox_pending_events', 'gauge', 'Outbox events not yet delivered to PagerDuty (due, backing off or in flight).'),
  outboxDue: em('obligo_outbox_due_events', 'gauge', 'Pending outbox events due now.'),
  outboxFailed: em('obligo_outbox_failed_events', 'gauge', 'Outbox events PagerDuty refused permanently (kept for an operator).'),
  outboxOldestPendingAge: em('obligo_outbox_oldest_pending_age_seconds', 'gauge', 'Age of the oldest pending outbox event (0 when none).'),
  pagerdutyRequests: em('obligo_pagerduty_requests_total', 'counter', 'Requests sent to PagerDuty (any outcome).'),
  pagerdutyDelivered: em('obligo_pagerduty_delivered_total', 'counter', 'Events PagerDuty accepted.'),
  pagerdutyRetries: em('obligo_pagerduty_retries_total', 'counter', 'Sends to retry: 429, 5xx, network errors, timeouts, routing keys that could not be resolved.'),
  pagerdutyRejected: em('obligo_pagerduty_rejected_total', 'counter', 'Events PagerDuty refused permanently (4xx other than 429).'),
  pagerdutyDeferred: em('obligo_pagerduty_deferred_total', 'counter', 'Events held back by the per-routing-key rate limit (not sent).'),
  pagerdutyInFlight: em('obligo_pagerduty_in_flight_events', 'gauge', 'Events being sent to PagerDuty right now.'),
  contractsLoaded: em('obligo_contracts_loaded', 'gauge', 'Contracts in force.'),
  contractFilesInvalid: em('obligo_contract_files_invalid', 'gauge', 'Contract files with errors (their last good version, if any, stays in force).'),
  contractFilesStale: em('obligo_contract_files_stale', 'gauge', 'Invalid contract files whose last good version is in force.'),
  contractInfo: em('obligo_contract_info', 'gauge', 'Constant 1 per contract in force, with its vendor.', [LABEL.contract, LABEL.vendor]),
  leader: em('obligo_leader', 'gauge', '1 when this replica evaluates and sends, else 0.'),
} as const satisfies Record<string, EngineMetric>;

/** Every label name /metrics uses on obligo_* series (histogram buckets add `le`). */
export const METRIC_LABELS: readonly string[] = [LABEL.contract, LABEL.sla, LABEL.vendor, LABEL.window, LABEL.currency, LABEL.state];

export const TICK_DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export interface ServeMetricsOptions {
  /** Wall clock (ms) for the outbox depth. Default Date.now. */
  now?: () => number;
  /** Node process metrics (process_*, nodejs_*) in the same registry. Default true. */
  defaultMetrics?: boolean;
  /** Where a failed outbox read is reported (the scrape still answers). */
  onError?: (what: string, err: unknown) => void;
}

export interface ServeMetrics {
  readonly registry: Registry;
  readonly contentType: string;
  /** Reads the outbox and sender, then the exposition text. */
  render(): Promise<string>;
  /** Refresh from a tick report (done automatically through runtime.onTick). */
  update(report: TickReport): void;
  /** Stop listening to ticks. */
  close(): void;
}

const DAY_MS = 86_400_000;

// The text format as prom-client writes it (registry.js): HELP escapes backslash and newline, label values
// also the double quote; values print as JavaScript numbers, with Nan, +Inf and -Inf.
const escapeText = (t: string): string => (/[\\\n]/.test(t) ? t.replace(/\\/g, '\\\\').replace(/\n/g, '\\n') : t);
const label = (name: string, value: string): string => `${name}="${/[\\\n"]/.test(value) ? escapeText(value).replace(/"/g, '\\"') : value}"`;
const numberText = (v: number): string => (Number.isNaN(v) ? 'Nan' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : `${v}`);
const series = (m: { name: string }, labels: string, v: number): string => `${m.name}{${labels}} ${numberText(v)}`;
const familyText = (m: { name: string; help: string }, lines: readonly string[]): string =>
  [`# HELP ${m.name} ${escapeText(m.help)}`, `# TYPE ${m.name} gauge`, ...lines].join('\n');

/** The text helpers above, for the differential test against prom-client's own rendering. */
export const exposition = { label, series, familyText };

const STATE_LABELS = SLA_STATES.map((st) => label(LABEL.state, st));
const windowLabels = new Map<string, string>();
function windowLabel(w: string): string {
  let l = windowLabels.get(w);
  if (l === undefined) {
    l = label(LABEL.window, w);
    if (windowLabels.size < 1000) windowLabels.set(w, l);
  }
  return l;
}

/** prom-client metrics over a ServeRuntime; subscribes to its ticks. */
export function createServeMetrics(runtime: ServeRuntime, opts: ServeMetricsOptions = {}): ServeMetrics {
  const now = opts.now ?? Date.now;
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const gauge = (m: { name: string; help: string; labels: readonly string[] }) => new Gauge({ name: m.name, help: m.help, labelNames: [...m.labels], registers });
  const counter = (m: EngineMetric) => new Counter({ name: m.name, help: m.help, labelNames: [...m.labels], registers });
  const S = SERVE_METRICS;
  const E = ENGINE_METRICS;
  /** The contract metrics' families, in the order they are printed. */
  const DOMAIN = [S.slaAchievedPercent, S.errorBudgetRemainingRatio, S.burnRate, S.slaState, S.dataCoverageRatio, S.serviceCreditAmount, S.maintenanceActive, S.contractRenewalNoticeDays, E.contractInfo] as const;
  /** Their exposition text as of the last tick (every family's HELP and TYPE even without series). */
  let domainText = DOMAIN.map((m) => familyText(m, [])).join('\n\n');
  const tickDuration = new Histogram({ name: E.tickDuration.name, help: E.tickDuration.help, buckets: TICK_DURATION_BUCKETS, registers });
  const ticks = counter(E.ticks);
  const tickFailures = counter(E.tickFailures);
  const lastSuccess = gauge(E.lastSuccessfulTick);
  const promRequests = counter(E.prometheusRequests);
  const promFailures = counter(E.prometheusRequestFailures);
  const promRetries = counter(E.prometheusRetries);
  const promErrors = counter(E.prometheusErrors);
  const promSeconds = counter(E.prometheusQuerySeconds);
  const outbox = {
    pending: gauge(E.outboxPending),
    due: gauge(E.outboxDue),
    failed: gauge(E.outboxFailed),
    age: gauge(E.outboxOldestPendingAge),
  };
  const pd = {
    requests: counter(E.pagerdutyRequests),
    delivered: counter(E.pagerdutyDelivered),
    retries: counter(E.pagerdutyRetries),
    rejected: counter(E.pagerdutyRejected),
    deferred: counter(E.pagerdutyDeferred),
    inFlight: gauge(E.pagerdutyInFlight),
  };
  const contractsLoaded = gauge(E.contractsLoaded);
  const filesInvalid = gauge(E.contractFilesInvalid);
  const filesStale = gauge(E.contractFilesStale);
  const leader = gauge(E.leader);

  /** Values of the last successful evaluation. */
  let statuses: SlaStatus[] = [];
  let credits: CreditRow[] = [];
  let seenTick = 0;

  /** A counter set to an absolute value from a monotonic source. */
  const setCounter = (c: Counter, v: number) => {
    c.reset();
    c.inc(Math.max(0, v));
  };

  function update(report: TickReport): void {
    if (report.tick <= seenTick) return; // the same report twice (subscription and runtime.latest())
    seenTick = report.tick;
    tickDuration.observe(report.durationMs / 1000);
    promRequests.inc(report.prometheus.requests);
    promFailures.inc(report.prometheus.failures);
    promRetries.inc(report.prometheus.retries);
    promSeconds.inc(Math.max(0, report.prometheus.evalSeconds));
    if (report.ok) {
      statuses = report.evaluation?.status?.slas ?? [];
      credits = report.evaluation?.currentCredits ?? [];
    }
    const snap = runtime.contracts();
    const liveSlas = new Set(snap.contracts.flatMap((c) => c.slas.map((s) => s.key)));
    // Series lines per family; the families' order is DOMAIN's.
    const lines = new Map<(typeof DOMAIN)[number], string[]>(DOMAIN.map((m) => [m, []]));
    const add = (m: (typeof DOMAIN)[number], labels: string, v: number) => lines.get(m)!.push(series(m, labels, v));
    // One series per label set (the first one; keys are unique in a tick's report and in the contracts).
    const done = new Set<string>();
    for (const s of statuses) {
      if (!liveSlas.has(s.key) || done.has(s.key)) continue;
      done.add(s.key);
      const l = `${label(LABEL.contract, s.contract)},${label(LABEL.sla, s.sla)}`;
      if (s.achieved !== null) add(S.slaAchievedPercent, l, s.achieved);
      if (s.budgetRemaining !== null) add(S.errorBudgetRemainingRatio, l, s.budgetRemaining);
      for (const w in s.burnRates) {
        const v = s.burnRates[w];
        if (v !== null && v !== undefined && Number.isFinite(v)) add(S.burnRate, `${l},${windowLabel(w)}`, v);
      }
      for (let i = 0; i < SLA_STATES.length; i++) add(S.slaState, `${l},${STATE_LABELS[i]}`, s.state === SLA_STATES[i] ? 1 : 0);
      if (s.coverage.ratio !== null) add(S.dataCoverageRatio, l, s.coverage.ratio);
    }
    done.clear();
    for (const r of credits) {
      const k = `${r.contract}/${r.sla}`;
      if (!liveSlas.has(k) || done.has(`${k}/${r.currency}`)) continue;
      done.add(`${k}/${r.currency}`);
      if (r.flags.includes('incomplete-data') || r.flags.includes('partial-response')) continue;
      const amount = Number(r.amount);
      if (Number.isFinite(amount)) add(S.serviceCreditAmount, `${label(LABEL.contract, r.contract)},${label(LABEL.sla, r.sla)},${label(LABEL.currency, r.currency)}`, amount);
    }
    done.clear();
    for (const c of snap.contracts) {
      if (done.has(c.id)) continue;
      done.add(c.id);
      const l = label(LABEL.contract, c.id);
      add(E.contractInfo, `${l},${label(LABEL.vendor, c.vendor)}`, 1);
      add(S.maintenanceActive, l, maintenanceAt(c.maintenance, c.timezone, report.at).active ? 1 : 0);
      const schedule = renewalSchedule(c);
      if (schedule) add(S.contractRenewalNoticeDays, l, (schedule.deadline - report.at) / DAY_MS);
    }
    domainText = DOMAIN.map((m) => familyText(m, lines.get(m)!)).join('\n\n');
    contractsLoaded.set(snap.contracts.length);
    filesInvalid.set(new Set(snap.problems.filter((p) => p.severity === 'error').map((p) => p.file)).size);
    filesStale.set(snap.stale.length);
  }

  /** Concurrent scrapes share one rendering. */
  let rendering: Promise<string> | undefined;
  function render(): Promise<string> {
    rendering ??= renderNow().finally(() => {
      rendering = undefined;
    });
    return rendering;
  }

  async function renderNow(): Promise<string> {
    const c = runtime.counters();
    setCounter(ticks, c.ticks);
    setCounter(tickFailures, c.tickFailures);
    setCounter(promErrors, c.prometheusErrors);
    if (c.lastSuccessfulTickAt !== undefined) lastSuccess.set(c.lastSuccessfulTickAt / 1000);
    leader.set(runtime.isLeader() ? 1 : 0);
    const st = runtime.senderStats();
    setCounter(pd.requests, st.attempts);
    setCounter(pd.delivered, Object.values(st.delivered).reduce((a, b) => a + b, 0));
    setCounter(pd.retries, Object.values(st.retried).reduce((a, b) => a + b, 0));
    setCounter(pd.rejected, st.rejected);
    setCounter(pd.deferred, st.deferredByRateLimit);
    pd.inFlight.set(st.inFlight);
    try {
      const d = await runtime.outbox.depth(now());
      outbox.pending.set(d.pending);
      outbox.due.set(d.due);
      outbox.failed.set(d.failed);
      outbox.age.set(d.oldestPendingAgeMs / 1000);
    } catch (e) {
      // The last values stay; the scrape still answers (the store's trouble shows in the logs).
      opts.onError?.('outbox depth', e);
    }
    return `${await registry.metrics()}\n${domainText}\n`;
  }

  const unsubscribe = runtime.onTick(update);
  const latest = runtime.latest();
  if (latest) update(latest);

  return {
    registry,
    contentType: registry.contentType,
    render,
    update,
    close: unsubscribe,
  };
}
