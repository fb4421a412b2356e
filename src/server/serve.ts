// `obligo serve`: the always-on enforcer. Every tick is evaluate(now): measure every SLA (with coverage),
// ask decision.rego, turn its alert conditions into observations, step each alert's state machine and
// write the transitions with their outgoing PagerDuty events in one transaction (the outbox); a sender
// drains the outbox. Ticks never overlap. Contracts and policies reload on change (the last good version
// of an invalid file stays in force). SIGTERM finishes the tick and flushes the outbox.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { applyTick } from '../alerting/apply.js';
import { engineHealthObservation, type EngineProblem } from '../alerting/engine-health.js';
import { contractObservation } from '../alerting/observe.js';
import { RENEWAL_POLICY, renewalObservations } from '../alerting/renewal.js';
import type { AlertStore, OutboxStore } from '../alerting/store.js';
import type { AlertKey, AlertLink, AlertObservation, AlertPolicy } from '../alerting/types.js';
import { slaDashboardUid } from '../compile/grafana.js';
import type { ContractIssue } from '../contract/issues.js';
import type { Contract, Sla } from '../contract/model.js';
import { evaluate, type EvaluateRequest } from '../evaluate/evaluate.js';
import { ObligoPolicies, PolicyCache, PolicyError } from '../evaluate/policies.js';
import { selectSlas, type Selection } from '../evaluate/selection.js';
import type { Evaluation, SelectedSla } from '../evaluate/types.js';
import { PeriodState } from '../measure/measure-slas.js';
import type { RollupRepository } from '../measure/rollup-store.js';
import type { PromSource } from '../measure/source.js';
import { PrometheusClient, type PrometheusAuth } from '../prometheus/client.js';
import { PrometheusError } from '../prometheus/errors.js';
import { promSource, type ClientPromSource } from '../prometheus/prom-source.js';
import { defaultPolicyDir } from '../policy/obligo-policies.js';
import { maintenanceAt } from '../slo/maintenance.js';
import { openReplication } from './leadership.js';
import { Sharding } from './sharding.js';
import { parseDurationMs, parseListen, resolveSecret, type ServeConfig } from './config.js';
import { ContractSet } from './contract-set.js';
import { PagerDutyClient } from './pagerduty-client.js';
import type { EngineCounters, HealthReport, ServeRuntime, TickReport } from './runtime.js';
import { OutboxSender } from './sender.js';
import { pagerdutyFetch, prometheusFetch, traceTick } from '../telemetry/hooks.js';

/** The small logging surface serve needs (pino's Logger satisfies it). */
export interface ServeLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

const quietLogger: ServeLogger = { info() {}, warn() {}, error() {}, debug() {} };

/** Which replica evaluates and sends (issue: replicas). Single replica: always this one. */
export interface Leadership {
  isLeader(): boolean;
  start?(): Promise<void>;
  stop?(): Promise<void>;
  /** Called when this replica gains or loses the lead (serve ticks at once when it gains it). */
  onChange?(listener: (leader: boolean) => void): unknown;
}

export interface ServeStores {
  rollups: RollupRepository;
  alerts: AlertStore & OutboxStore;
  close(): Promise<void> | void;
}

export interface ServeDeps {
  env?: NodeJS.ProcessEnv;
  /** Sharded replicas: does this replica evaluate the contract? (default: every contract). */
  owns?: (contractId: string) => boolean;
  /** Wall clock (ms). */
  now?: () => number;
  logger?: ServeLogger;
  leadership?: Leadership;
  /** The stores (default: the SQLite file of config.store.sqlite). */
  stores?: (config: ServeConfig) => Promise<ServeStores>;
  /** Build the HTTP handler from the runtime (REST API, /metrics, health). Without it no port is opened. */
  http?: (runtime: ServeRuntime) => RequestListener | Promise<RequestListener>;
  /** Don't start the scheduler (tests drive ticks with tickNow). */
  manualTicks?: boolean;
  /** Instance id for outbox leases (default: the host name). */
  instanceId?: string;
}

export interface ServeHandle {
  runtime: ServeRuntime;
  /** Base URL of the HTTP server, when one was started. */
  url?: string;
  /** Run one tick now (waits for a tick in progress first). */
  tickNow(at?: number): Promise<TickReport>;
  /** Stop ticking, finish the tick in progress, flush the outbox (up to flushMs), close everything. */
  stop(flushMs?: number): Promise<void>;
}


function prometheusSourceFrom(config: ServeConfig, env: NodeJS.ProcessEnv): ClientPromSource {
  const p = config.prometheus;
  let auth: PrometheusAuth | undefined;
  if (p.bearerToken) auth = { bearer: resolveSecret(p.bearerToken, env) };
  else if (p.basicAuth) auth = { basic: { username: p.basicAuth.username, password: resolveSecret(p.basicAuth.password, env) } };
  return promSource(new PrometheusClient({ url: p.url, headers: p.headers, timeoutMs: parseDurationMs(p.timeout), maxResponseBytes: p.maxBytes, auth, fetch: prometheusFetch() }));
}

/** Hash of the policy files (names, sizes, modification times): a change recompiles the policies. */
function policyFingerprint(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (name.endsWith('.rego')) h.update(`${p}\u0000${st.size}\u0000${st.mtimeMs}\n`);
    }
  };
  walk(dir);
  return h.digest('hex');
}

/** Links of an SLA's pages: its Grafana dashboard and runbook, from the configured base URLs. */
export function slaLinks(config: ServeConfig, contract: Contract, sla: Sla | null): AlertLink[] {
  const out: AlertLink[] = [];
  const fill = (u: string) => u.replaceAll('{contract}', encodeURIComponent(contract.id)).replaceAll('{sla}', encodeURIComponent(sla?.id ?? ''));
  if (config.links.grafana && sla) out.push({ href: `${config.links.grafana.replace(/\/+$/, '')}/d/${slaDashboardUid(contract.id, sla.id)}`, text: 'Grafana dashboard' });
  if (config.links.runbooks) {
    const r = config.links.runbooks;
    out.push({ href: /\{(contract|sla)\}/.test(r) ? fill(r) : `${r.replace(/\/+$/, '')}/${encodeURIComponent(contract.id)}${sla ? `/${encodeURIComponent(sla.id)}` : ''}`, text: 'Runbook' });
  }
  return out;
}

/** The alert observations of one successful evaluation (decision.rego's conditions, per SLA). */
export function observationsOf(evaluation: Evaluation, slas: readonly SelectedSla[], config: ServeConfig): AlertObservation[] {
  const bySla = new Map(slas.map((s) => [s.sla.key, s]));
  const out: AlertObservation[] = [];
  for (const s of evaluation.status?.slas ?? []) {
    const d = evaluation.decisions?.get(s.key);
    const sel = bySla.get(s.key);
    if (!d || !sel) continue;
    const evidence = {
      achieved: s.achieved,
      budgetRemaining: s.budgetRemaining,
      burnRates: s.burnRates,
      windowCoverage: s.windowCoverage,
      coverage: s.coverage,
      state: s.state,
      periodLabel: s.period.label,
      achievedThrough: s.achievedThrough,
    };
    const links = slaLinks(config, sel.contract, sel.sla);
    for (const a of d.alerts) {
      out.push(
        contractObservation({
          contract: sel.contract,
          sla: sel.sla,
          alert: a.name,
          active: a.active,
          severity: a.severity === 'page' ? (a.name === 'breach' ? 'error' : 'critical') : 'warning',
          what: a.active ? a.reasons.join('; ') : `${a.name} cleared`,
          class: a.class,
          evidence,
          maintenance: d.suppressed ? { active: true, reason: d.suppressed.reason.replace(/^maintenance: /, '') } : undefined,
          links,
        }),
      );
    }
  }
  return out;
}

/** /readyz answers 503 once no tick has succeeded for this long: three intervals. */
export function staleAfterMs(intervalMs: number): number {
  return 3 * intervalMs;
}

function problemOf(e: unknown): EngineProblem {
  if (e instanceof PrometheusError) return { kind: e.kind, message: e.message };
  return { kind: (e as Error)?.name ?? 'error', message: (e as Error)?.message ?? String(e) };
}

export async function startServe(config: ServeConfig, deps: ServeDeps = {}): Promise<ServeHandle> {
  const env = deps.env ?? process.env;
  const now = deps.now ?? Date.now;
  const log = deps.logger ?? quietLogger;
  // Stores and leadership: given by the caller (replicas, tests), or those of config.store (SQLite: one
  // replica, always the leader; PostgreSQL: an advisory-lock leader among the replicas, fenced sends).
  const replication = deps.stores && deps.leadership ? undefined : await openReplication(config, { env, instanceId: deps.instanceId, logger: deps.logger });
  const leadership: Leadership = deps.leadership ?? replication!.leadership;
  // Sharded replicas (PostgreSQL): each evaluates, alerts on and sends for the contracts it owns.
  let sharding: Sharding | undefined;
  if (!deps.owns && config.replicas.mode === 'sharded') {
    if (!replication?.postgres) throw new Error('replicas.mode sharded needs store: { postgres: … } (SQLite serves one replica)');
    sharding = new Sharding({ store: replication.postgres, instanceId: deps.instanceId, heartbeatMs: parseDurationMs(config.replicas.heartbeat), logger: deps.logger });
  }
  const owns = deps.owns ?? (sharding ? (id: string) => sharding!.owns(id) : () => true);
  const sharded = Boolean(deps.owns || sharding);
  const policyDir = config.policies ?? defaultPolicyDir();
  const contractSet = new ContractSet(config.contracts);
  const policyCache = new PolicyCache({ policyDir: config.policies, env });
  const source: ClientPromSource = prometheusSourceFrom(config, env);
  const stores = deps.stores ? await deps.stores(config) : replication!.stores;
  const pdClient = new PagerDutyClient({ url: config.pagerduty.eventsUrl, timeoutMs: parseDurationMs(config.pagerduty.timeout), fetch: pagerdutyFetch() });
  const sender = new OutboxSender({
    // Sharded: every replica sends what it enqueued (claims are leased); else only the leader (fenced).
    outbox: sharded && replication?.postgres ? replication.postgres : stores.alerts,
    client: pdClient,
    defaultRoutingKey: config.pagerduty.routingKey,
    resolveSecret: async (ref) => resolveSecret(ref, env),
    instanceId: deps.instanceId,
    logger: deps.logger as never,
  });
  const pageFor = parseDurationMs(config.evaluation.pageFor);
  const ticketFor = parseDurationMs(config.evaluation.ticketFor);
  const resolveAfter = parseDurationMs(config.evaluation.resolveAfter);
  const interval = parseDurationMs(config.evaluation.interval);
  const policyOf = (o: AlertObservation): AlertPolicy => {
    if (o.class === 'contract-renewal') return RENEWAL_POLICY;
    const page = o.severity === 'critical' || o.severity === 'error';
    return { forMs: page ? pageFor : ticketFor, resolveAfterMs: resolveAfter };
  };

  const counters: EngineCounters = { ticks: 0, tickFailures: 0, prometheusErrors: 0 };
  // Each SLA's complete hours so far, kept between ticks: a tick reads only the hours after them.
  const periodState = new PeriodState();
  const listeners = new Set<(r: TickReport) => void>();
  let latest: TickReport | undefined;
  /** When the last successful tick finished (serve's clock): /readyz counts three intervals from it. */
  let lastSuccessFinishedAt: number | undefined;
  let tickNo = 0;
  let running: Promise<TickReport> | undefined;
  const stoppedRef = { stopped: false };

  const currentSlas = (sel?: Selection): SelectedSla[] => {
    const { contracts } = contractSet.current();
    return contracts.length === 0 ? [] : selectSlas(contracts, sel ?? {}, config.contracts);
  };
  /** The SLAs this replica evaluates (all, unless contracts are sharded over replicas). */
  const ownSlas = (): SelectedSla[] => currentSlas().filter((s) => owns(s.contract.id));

  async function tick(at: number): Promise<TickReport> {
    const startedAt = now();
    const usage0 = source.client.usage();
    const leader = leadership.isLeader();
    // The replica that writes alerts and rollups: the leader, or with sharding every replica (its contracts).
    const acting = sharded || leader;
    const report: TickReport = {
      tick: ++tickNo,
      at,
      startedAt,
      finishedAt: startedAt,
      durationMs: 0,
      ok: false,
      prometheus: { requests: 0, evalSeconds: 0, execSeconds: 0, failures: 0, retries: 0, requestMs: 0 },
      alerts: { observations: 0, transitions: 0, events: 0 },
      phases: { measureMs: 0, policiesMs: 0, alertsMs: 0 },
      incomplete: [],
      leader,
    };
    try {
      if (await contractSet.refresh(startedAt)) {
        const snap = contractSet.current();
        log.info({ contracts: snap.contracts.length, problems: snap.problems.length, stale: snap.stale }, 'contracts loaded');
        for (const p of snap.problems) log.warn({ file: p.file, line: p.line, column: p.column, field: p.path }, `invalid contract: ${p.message}`);
      }
      const snap = contractSet.current();
      const policies = await policyCache.get(snap.contracts, policyFingerprint(policyDir));
      if (policyCache.error()) log.warn({ error: policyCache.error() }, 'policies not reloaded: the last good policies stay in force');
      const slas = ownSlas();
      const observations: AlertObservation[] = [];
      const problems: EngineProblem[] = [];
      let evaluation: Evaluation | undefined;
      if (slas.length > 0) {
        try {
          evaluation = await evaluate(
            { at, slas, decisions: true, currentCredits: true, status: { useRules: config.prometheus.useRules, persist: acting, state: periodState } },
            { source: source as PromSource, store: stores.rollups, policies },
          );
          report.ok = true;
          report.evaluation = evaluation;
          report.phases.measureMs = Math.round(evaluation.timings.measureMs);
          report.phases.policiesMs = Math.round(evaluation.timings.policiesMs);
          periodState.prune();
        } catch (e) {
          problems.push(problemOf(e));
          report.error = (e as Error).message;
          if (e instanceof PrometheusError) counters.prometheusErrors++;
          log.error({ err: problemOf(e) }, 'evaluation failed: SLA alerts hold, engine-health alert raised');
        }
      } else report.ok = true;
      const statuses = evaluation?.status?.slas ?? [];
      report.incomplete = statuses.filter((s) => !s.coverage.complete).map((s) => s.key);
      for (const w of evaluation?.warnings ?? []) problems.push({ kind: 'incomplete', message: `partial response: ${w}` });
      if (evaluation) observations.push(...observationsOf(evaluation, slas, config));
      const silent = statuses.filter((s) => s.state === 'no-data').length;
      if (leader) observations.push(
        engineHealthObservation({
          slasTotal: slas.length,
          slasFailed: evaluation ? 0 : slas.length,
          slasSilent: silent,
          problems,
          prometheusUrl: config.prometheus.url,
          routing: config.pagerduty.routingKey ? { routingKey: config.pagerduty.routingKey } : {},
        }),
      );
      for (const c of snap.contracts) if (owns(c.id)) observations.push(...renewalObservations(c, at));
      report.alerts.observations = observations.length;
      if (acting) {
        const observed = new Set(observations.map((o) => `${o.key.contract}\u0000${o.key.sla ?? ''}\u0000${o.key.alert}`));
        const contracts = new Map(snap.contracts.map((c) => [c.id, c]));
        const exists = (k: AlertKey): boolean => {
          if (k.contract === '-') return true;
          const c = contracts.get(k.contract);
          if (!c) return false;
          if (!owns(c.id)) return true; // another replica's contract: not ours to retire
          if (k.sla === null) return true;
          if (!c.slas.some((s) => s.id === k.sla)) return false;
          // An SLA that could not be evaluated keeps its alerts; one that was keeps only what it observed.
          return !evaluation || observed.has(`${k.contract}\u0000${k.sla}\u0000${k.alert}`);
        };
        const ta = performance.now();
        const r = await applyTick(stores.alerts, { at, observations, policy: policyOf, retire: { exists, reason: 'the alert no longer exists in the contracts' } });
        report.phases.alertsMs = Math.round(performance.now() - ta);
        report.alerts.transitions = r.transitions.length;
        report.alerts.events = r.events.length;
        for (const t of r.transitions) log.info({ key: t.key, from: t.from, to: t.to }, 'alert transition');
        if (r.events.length > 0) sender.notify();
      }
      if (report.ok) counters.lastSuccessfulTickAt = at;
      else counters.tickFailures++;
    } catch (e) {
      report.ok = false;
      report.error = (e as Error).message;
      counters.tickFailures++;
      log.error({ err: problemOf(e) }, 'tick failed');
    } finally {
      const usage1 = source.client.usage();
      report.prometheus = {
        requests: usage1.requests - usage0.requests,
        evalSeconds: usage1.prometheusEvalSeconds - usage0.prometheusEvalSeconds,
        execSeconds: (usage1.prometheusExecSeconds ?? 0) - (usage0.prometheusExecSeconds ?? 0),
        failures: usage1.failures - usage0.failures,
        retries: (usage1.retries ?? 0) - (usage0.retries ?? 0),
        requestMs: Math.round(usage1.requestMs - usage0.requestMs),
      };
      report.finishedAt = now();
      report.durationMs = report.finishedAt - startedAt;
      if (report.ok) lastSuccessFinishedAt = report.finishedAt;
      counters.ticks++;
      latest = report;
      for (const l of listeners) {
        try {
          l(report);
        } catch (e) {
          log.warn({ err: problemOf(e) }, 'tick listener failed');
        }
      }
      log.debug({ tick: report.tick, ok: report.ok, ms: report.durationMs, requests: report.prometheus.requests }, 'tick');
    }
    return report;
  }

  /** One tick at a time: a tick asked for while one runs waits for it, then runs. */
  async function runTick(at?: number): Promise<TickReport> {
    while (running) await running.catch(() => undefined);
    const t = at ?? now();
    const p = traceTick(t, () => tick(t));
    running = p;
    try {
      return await p;
    } finally {
      running = undefined;
    }
  }

  const runtime: ServeRuntime = {
    config,
    startedAt: now(),
    contracts: () => contractSet.current(),
    latest: () => latest,
    counters: () => ({ ...counters }),
    health(): HealthReport {
      const reasons: string[] = [];
      const snap = contractSet.current();
      if (snap.version === 0) reasons.push('contracts not loaded yet');
      if (!latest) reasons.push('no tick has completed yet');
      // Three intervals without a success, counted from the last successful tick's end, or from start-up
      // when none has succeeded (a Prometheus that was never reachable is not "ready" either).
      const since = lastSuccessFinishedAt ?? runtime.startedAt;
      if (now() - since > staleAfterMs(interval)) {
        reasons.push(lastSuccessFinishedAt === undefined ? `no tick has succeeded since start-up, more than three intervals (${staleAfterMs(interval) / 1000} s) ago` : `no tick has succeeded for more than three intervals (${staleAfterMs(interval) / 1000} s)`);
      }
      return { live: true, ready: reasons.length === 0, reasons };
    },
    async evaluate(req: Omit<EvaluateRequest, 'slas'> & { selection?: Selection }) {
      const snap = contractSet.current();
      const policies = await policyCache.get(snap.contracts, policyFingerprint(policyDir));
      const { selection, ...rest } = req;
      return evaluate({ ...rest, slas: currentSlas(selection) }, { source, store: stores.rollups, policies });
    },
    alerts: stores.alerts,
    outbox: stores.alerts,
    senderStats: () => sender.stats(),
    isLeader: () => leadership.isLeader(),
    onTick(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };

  // The HTTP shell is built first: if it cannot be (a token reference not set…), nothing has started.
  const handler = deps.http ? await deps.http(runtime) : undefined;
  await leadership.start?.();
  await sharding?.start();
  await sender.start();
  leadership.onChange?.((isLeader) => {
    if (isLeader && !stoppedRef.stopped) void runTick().catch(() => undefined);
  });
  sharding?.onChange(() => {
    if (!stoppedRef.stopped) void runTick().catch(() => undefined);
  });

  let server: Server | undefined;
  let url: string | undefined;
  if (handler) {
    server = createServer(handler);
    const { host, port } = parseListen(config.server.listen);
    try {
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, host, () => resolve());
      });
    } catch (e) {
      await sender.stop();
      await leadership.stop?.();
      await stores.close();
      throw e;
    }
    const addr = server.address() as AddressInfo;
    url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
    log.info({ url }, 'listening');
  }

  let timer: NodeJS.Timeout | undefined;
  const schedule = (delay: number) => {
    if (stoppedRef.stopped) return;
    timer = setTimeout(async () => {
      const start = now();
      await runTick(start).catch(() => undefined);
      schedule(Math.max(0, start + interval - now()));
    }, delay);
    timer.unref?.();
  };
  if (!deps.manualTicks) schedule(0);

  return {
    runtime,
    url,
    tickNow: (at?: number) => runTick(at),
    async stop(flushMs = 10_000) {
      stoppedRef.stopped = true;
      if (timer) clearTimeout(timer);
      while (running) await running.catch(() => undefined);
      await sender.flush(flushMs).catch(() => undefined);
      await sender.stop();
      await sharding?.stop();
      await leadership.stop?.();
      if (server) await new Promise<void>((r) => server!.close(() => r()));
      await stores.close();
    },
  };
}

/** What `obligo serve --check` found (checkServe). */
export interface CheckReport {
  /** Valid contract files, and the SLAs in them. */
  contracts: number;
  slas: number;
  /** Problems of the contract files (file, line, field). */
  problems: ContractIssue[];
  /** The policies do not load, or decision.rego gave no usable answer. */
  policyError?: string;
  /** The one evaluation; absent when the contracts or policies are invalid (nothing was evaluated). */
  tick?: {
    ok: boolean;
    /** Why the evaluation failed (the message names the Prometheus server, never a credential). */
    error?: string;
    /** PrometheusError kind (unreachable, timeout, auth, …) when Prometheus was the cause. */
    kind?: string;
    durationMs: number;
    /** HTTP requests to Prometheus. */
    requests: number;
    /** SLAs measured on incomplete data. */
    incomplete: string[];
    /** Alert conditions of decision.rego holding now (`contract/sla/alert`); nothing was stepped or sent. */
    activeAlerts: string[];
  };
}

/**
 * `obligo serve --check`: the contracts and policies loaded as a tick loads them, then (when they are
 * valid) one evaluation of every SLA at `now`. Read-only by construction: no store is opened (no rollup
 * is read or written), no alert state steps, nothing is queued and no sender exists, so a check never
 * pages and never creates or changes the durable store.
 */
export async function checkServe(config: ServeConfig, deps: { env?: NodeJS.ProcessEnv; now?: () => number } = {}): Promise<CheckReport> {
  const env = deps.env ?? process.env;
  const now = deps.now ?? Date.now;
  const contractSet = new ContractSet(config.contracts);
  await contractSet.refresh(now());
  const snap = contractSet.current();
  const slas = snap.contracts.length === 0 ? [] : selectSlas(snap.contracts, {}, config.contracts);
  const report: CheckReport = { contracts: snap.contracts.length, slas: slas.length, problems: snap.problems };
  let policies: ObligoPolicies;
  try {
    policies = await ObligoPolicies.load(snap.contracts, { policyDir: config.policies, env });
  } catch (e) {
    report.policyError = (e as Error).message;
    return report;
  }
  if (report.problems.length > 0) return report;
  const source = prometheusSourceFrom(config, env);
  const started = now();
  try {
    const evaluation = await evaluate({ at: started, slas, decisions: true, status: { useRules: config.prometheus.useRules, persist: false } }, { source: source as PromSource, policies });
    const statuses = evaluation.status?.slas ?? [];
    const activeAlerts: string[] = [];
    for (const s of statuses) for (const a of evaluation.decisions?.get(s.key)?.alerts ?? []) if (a.active) activeAlerts.push(`${s.key}/${a.name}`);
    report.tick = { ok: true, durationMs: now() - started, requests: source.client.usage().requests, incomplete: statuses.filter((s) => !s.coverage.complete).map((s) => s.key), activeAlerts };
  } catch (e) {
    if (e instanceof PolicyError) report.policyError = e.message;
    else report.tick = { ok: false, error: (e as Error).message, kind: e instanceof PrometheusError ? e.kind : undefined, durationMs: now() - started, requests: source.client.usage().requests, incomplete: [], activeAlerts: [] };
  }
  return report;
}
