// REST API of `obligo serve` under /api/v1 (express, JSON). Every answer is a document the CLI prints
// too (statusDocument, creditDocument, the gate's JSON) or a plain view of the stores; errors are
// { "error": "…" } with a status that says what went wrong (400 bad parameter, 401/403 token or role,
// 404 selection matches nothing, 429 rate limit, 502 Prometheus failed, 503 not ready or busy).
//
//   GET /api/v1/contracts                 read     contracts in force, problems of invalid files, stale files
//   GET /api/v1/status                    read     the last tick: status + decision per SLA, tick metadata
//   GET /api/v1/credits?period=…          credits  credits for a period (JSON or ?format=csv)
//   GET /api/v1/gate?sla=C/S…             read     deploy-gate decision (allow|deny|unknown, exitCode 0|1|2)
//   GET /api/v1/alerts                    read     alert states and transitions (?since=)
//   GET /api/v1/outbox                    outbox   the events on their way to PagerDuty, and the depth
//
// Authentication and rate limiting happen before this router (http.ts); each route checks its
// permission (auth.ts) before it reads a parameter.
import { Router, type Request, type Response } from 'express';
import type { AlertPhase } from '../alerting/types.js';
import { ALERT_PHASES } from '../alerting/types.js';
import type { OutboxRow, OutboxStatus, StoredAlertState, StoredTransition } from '../alerting/store.js';
import type { SecretRef } from '../contract/schema.js';
import { PolicyError } from '../evaluate/policies.js';
import { labelFilter, selectSlas, SelectionError, type Selection } from '../evaluate/selection.js';
import type { Evaluation } from '../evaluate/types.js';
import { periodKindOfLabel } from '../measure/credits.js';
import { MissingDataSourceError } from '../measure/measure-slas.js';
import { PrometheusError } from '../prometheus/errors.js';
import { StoreError } from '../store/db.js';
import { withSpan } from '../telemetry/tracing.js';
import { gateJson, statusReportFields, statusWithDecision, type ActedReport, type CreditFormatters } from './api-documents.js';
import { TokenAuth, rolesWith, type Permission, type Principal } from './auth.js';
import type { ServeRuntime, TickReport } from './runtime.js';
import { isoUtc } from '../iso.js';

/** An error answered as { error } with this status (and headers). */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------------
// Query parameters

/** How often a parameter may appear. */
type Arity = 'one' | 'many';

const MAX_PARAM_LENGTH = 512;
const MAX_PARAM_VALUES = 50;

/** The query string of a request, checked against the parameters an endpoint takes. */
export class Params {
  private readonly values = new Map<string, string[]>();

  constructor(search: string, allowed: Record<string, Arity>) {
    const names = Object.keys(allowed);
    let sp: URLSearchParams;
    try {
      sp = new URLSearchParams(search);
    } catch {
      throw new ApiError(400, 'the query string cannot be read');
    }
    for (const [k, v] of sp) {
      if (!Object.hasOwn(allowed, k)) {
        throw new ApiError(400, `unknown query parameter "${k.slice(0, 64)}"${names.length ? ` (this endpoint takes: ${names.join(', ')})` : ' (this endpoint takes none)'}`);
      }
      if (v.length > MAX_PARAM_LENGTH) throw new ApiError(400, `query parameter "${k}" is longer than ${MAX_PARAM_LENGTH} characters`);
      const list = this.values.get(k) ?? [];
      list.push(v);
      if (allowed[k] === 'one' && list.length > 1) throw new ApiError(400, `query parameter "${k}" given more than once`);
      if (list.length > MAX_PARAM_VALUES) throw new ApiError(400, `query parameter "${k}" given more than ${MAX_PARAM_VALUES} times`);
      this.values.set(k, list);
    }
  }

  one(name: string): string | undefined {
    return this.values.get(name)?.[0];
  }

  many(name: string): string[] {
    return this.values.get(name) ?? [];
  }
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 instant with offset (the CLI's --at rules: calendar fields must exist as written). */
export function parseInstantParam(name: string, s: string): number {
  const fail = () => new ApiError(400, `${name} expects an RFC 3339 time with offset such as 2026-03-31T23:59:00Z (got "${s.slice(0, 64)}")`);
  if (!RFC3339.test(s)) throw fail();
  const ms = Date.parse(s);
  const [y, mo, d, h, mi] = [s.slice(0, 4), s.slice(5, 7), s.slice(8, 10), s.slice(11, 13), s.slice(14, 16)].map(Number) as [number, number, number, number, number];
  const day = new Date(Date.UTC(y, mo - 1, d));
  if (!Number.isFinite(ms) || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d || h > 23 || mi > 59) throw fail();
  return ms;
}

function parseBool(name: string, v: string | undefined): boolean {
  if (v === undefined) return false;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new ApiError(400, `${name} expects true or false (got "${v.slice(0, 64)}")`);
}

function parseIntParam(name: string, v: string | undefined, min: number, max: number, dflt: number): number {
  if (v === undefined) return dflt;
  if (!/^\d{1,9}$/.test(v) || Number(v) < min || Number(v) > max) throw new ApiError(400, `${name} expects a whole number from ${min} to ${max} (got "${v.slice(0, 64)}")`);
  return Number(v);
}

/** contract=, sla=, label=K=V (each repeatable) → a Selection. */
function selectionOf(p: Params): Selection {
  const labels = p.many('label').map((v): [string, string] => {
    const pair = labelFilter(v);
    if (!pair) throw new ApiError(400, `label expects KEY=VALUE (got "${v.slice(0, 64)}")`);
    return pair;
  });
  return { contracts: p.many('contract'), slas: p.many('sla'), labels };
}

const hasSelection = (s: Selection) => (s.contracts?.length ?? 0) + (s.slas?.length ?? 0) + (s.labels?.length ?? 0) > 0;

const SELECTION_PARAMS: Record<string, Arity> = { contract: 'many', sla: 'many', label: 'many' };

// ---------------------------------------------------------------------------------------------------
// Errors of evaluations

/** An evaluation's error as an API error: the message of known failures, "internal error" otherwise. */
export function evaluationError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof SelectionError) return new ApiError(404, e.message);
  if (e instanceof PrometheusError) return new ApiError(502, e.message);
  if (e instanceof MissingDataSourceError) return new ApiError(502, e.message);
  if (e instanceof PolicyError) return new ApiError(500, `policy error: ${e.message}`);
  if (e instanceof StoreError) return new ApiError(500, `store error: ${e.message}`);
  return new ApiError(500, 'internal error');
}

// ---------------------------------------------------------------------------------------------------
// On-demand evaluations: at most `concurrency` at once, a bounded queue, identical requests shared

export interface OnDemandOptions {
  /** Evaluations run at once (credits, gate). Default 2. */
  concurrency?: number;
  /** Requests that may wait for a slot; beyond: 503 busy. Default 64. */
  queue?: number;
  /** An answer computed for "now" is reused this long by identical requests. Default 10 s. */
  cacheTtlMs?: number;
}

interface Flight {
  at: number;
  done: boolean;
  started: boolean;
  /** Requests still waiting for this answer. */
  waiters: number;
  p: Promise<unknown>;
  cancel(): void;
}

interface Job {
  start(): void;
  cancelled: boolean;
}

/**
 * On-demand evaluations (credits, gate): at most `concurrency` run at once and `queue` wait; a request
 * identical to one in progress (or answered less than cacheTtlMs ago) shares its answer; a queued
 * evaluation whose every requester went away is dropped before it starts.
 */
export class OnDemand {
  private running = 0;
  private readonly queue: Job[] = [];
  private readonly flights = new Map<string, Flight>();

  constructor(
    private readonly opts: Required<OnDemandOptions>,
    private readonly now: () => number,
  ) {}

  /** Evaluations running and waiting (for tests and the benchmark). */
  get load(): { running: number; queued: number } {
    return { running: this.running, queued: this.queue.filter((j) => !j.cancelled).length };
  }

  run<T>(key: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const t = this.now();
    for (const [k, f] of this.flights) if (f.done && t - f.at > this.opts.cacheTtlMs) this.flights.delete(k);
    let flight = this.flights.get(key);
    if (!flight) {
      if (this.running >= this.opts.concurrency && this.load.queued >= this.opts.queue) {
        return Promise.reject(new ApiError(503, 'too many evaluations in progress; try again shortly', { 'retry-after': '1' }));
      }
      flight = this.start(key, fn);
    }
    const f = flight;
    if (!f.done) {
      f.waiters++;
      signal?.addEventListener(
        'abort',
        () => {
          f.waiters--;
          if (f.waiters === 0) f.cancel();
        },
        { once: true },
      );
    }
    return f.p as Promise<T>;
  }

  private start<T>(key: string, fn: () => Promise<T>): Flight {
    const flight: Flight = { at: this.now(), done: false, started: false, waiters: 0, p: Promise.resolve(), cancel() {} };
    flight.p = new Promise<T>((resolve, reject) => {
      const job: Job = {
        cancelled: false,
        start: () => {
          flight.started = true;
          this.running++;
          fn()
            .then(resolve, reject)
            .finally(() => {
              this.running--;
              this.next();
            });
        },
      };
      flight.cancel = () => {
        if (flight.started || job.cancelled) return;
        job.cancelled = true;
        reject(new ApiError(499, 'the client went away before the evaluation started'));
      };
      if (this.running < this.opts.concurrency) job.start();
      else this.queue.push(job);
    }).then(
      (v) => {
        flight.done = true;
        flight.at = this.now();
        return v;
      },
      (e) => {
        if (this.flights.get(key) === flight) this.flights.delete(key); // failures are not kept
        throw e;
      },
    );
    flight.p.catch(() => undefined); // a cancelled flight may have no one left to observe it
    this.flights.set(key, flight);
    return flight;
  }

  private next(): void {
    while (this.running < this.opts.concurrency && this.queue.length > 0) {
      const job = this.queue.shift()!;
      if (!job.cancelled) job.start();
    }
  }
}

/** Aborts when the client closes the connection before the answer was sent. */
function clientGone(res: Response): AbortSignal {
  const ac = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) ac.abort();
  });
  return ac.signal;
}

// ---------------------------------------------------------------------------------------------------
// Views of the stores

/** RFC 3339 UTC as the CLI writes it (milliseconds only when there are some). */
const iso = (ms: number | undefined | null): string | null => (ms === undefined || ms === null ? null : isoUtc(ms));

function refText(ref: SecretRef | undefined): string {
  if (!ref) return 'default';
  return 'env' in ref ? `env:${ref.env}` : `file:${ref.file}`;
}

function alertStateDoc(s: StoredAlertState): Record<string, unknown> {
  const a = s.state;
  return {
    dedupKey: a.dedupKey,
    contract: a.key.contract,
    sla: a.key.sla,
    alert: a.key.alert,
    phase: a.phase,
    since: iso(a.since),
    activeSince: iso(a.activeSince),
    inactiveSince: iso(a.inactiveSince),
    lastEvaluatedAt: iso(a.lastAt),
    incident: a.incident,
    triggeredAt: iso(a.triggeredAt),
    resolvedAt: iso(a.resolvedAt),
    severity: a.last.severity,
    active: a.last.active,
    summary: a.last.summary,
    suppressed: a.last.suppressed ?? null,
    class: a.last.class,
    vendor: a.last.vendor,
    evidence: a.last.evidence,
    version: s.version,
  };
}

function transitionDoc(t: StoredTransition): Record<string, unknown> {
  return {
    id: t.id,
    dedupKey: t.dedupKey,
    contract: t.key.contract,
    sla: t.key.sla,
    alert: t.key.alert,
    at: iso(t.at),
    recordedAt: iso(t.recordedAt),
    from: t.from,
    to: t.to,
    reason: t.reason,
    severity: t.evidence.severity,
    summary: t.evidence.summary,
    suppressed: t.evidence.suppressed ?? null,
    evidence: t.evidence.evidence,
    eventIds: t.eventIds,
  };
}

function outboxDoc(r: OutboxRow): Record<string, unknown> {
  // The stored body never holds the routing key; removed again here all the same.
  const { routing_key: _never, ...body } = r.body;
  return {
    id: r.id,
    eventId: r.eventId,
    dedupKey: r.dedupKey,
    action: r.action,
    status: r.status,
    attempts: r.attempts,
    createdAt: iso(r.createdAt),
    nextAttemptAt: r.status === 'pending' ? iso(r.nextAttemptAt) : null,
    sentAt: iso(r.sentAt),
    failedAt: iso(r.failedAt),
    lastStatus: r.lastStatus ?? null,
    lastError: r.lastError ?? null,
    inFlight: r.status === 'pending' && r.leaseUntil !== undefined && r.leaseOwner !== undefined,
    routing: refText(r.routing.routingKey),
    body,
  };
}

// ---------------------------------------------------------------------------------------------------
// The router

export interface ApiOptions {
  /** The CLI's credit JSON and CSV writers (so both print the same documents). */
  credits: CreditFormatters;
  /** Wall clock (ms): the default `at` of on-demand evaluations. Default Date.now. */
  now?: () => number;
  onDemand?: OnDemandOptions;
}

export interface ApiRouter {
  router: Router;
  /** Stop listening to ticks. */
  close(): void;
}

/** The principal http.ts authenticated (res.locals.principal). */
export function principalOf(res: Response): Principal {
  const p = res.locals.principal as Principal | undefined;
  if (!p) throw new ApiError(401, 'authentication required');
  return p;
}

function need(res: Response, p: Permission, what: string): Principal {
  const who = principalOf(res);
  if (!TokenAuth.allows(who, p)) {
    throw new ApiError(403, `${what} need${what.endsWith('s') ? '' : 's'} the ${rolesWith(p).join(' or ')} role (token "${who.name}" has ${who.role})`);
  }
  return who;
}

const searchOf = (req: Request): string => {
  const i = req.originalUrl.indexOf('?');
  return i < 0 ? '' : req.originalUrl.slice(i + 1);
};

function tickDoc(r: TickReport): Record<string, unknown> {
  return {
    number: r.tick,
    at: iso(r.at),
    ok: r.ok,
    error: r.error ?? null,
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
    durationMs: r.durationMs,
    leader: r.leader,
    incomplete: r.incomplete,
    prometheus: r.prometheus,
    alerts: r.alerts,
  };
}

/** The /api/v1 router over a running serve. */
export function createApiRouter(runtime: ServeRuntime, opts: ApiOptions): ApiRouter {
  const now = opts.now ?? Date.now;
  const onDemand = new OnDemand({ concurrency: 2, queue: 64, cacheTtlMs: 10_000, ...opts.onDemand }, now);
  const router = Router();

  // The last successful tick's evaluation: /status answers from it while a later tick failed.
  let lastGood: { report: TickReport; evaluation: Evaluation | undefined } | undefined;
  const remember = (r: TickReport) => {
    if (r.ok && (!lastGood || r.tick > lastGood.report.tick)) lastGood = { report: r, evaluation: r.evaluation };
  };
  /** Serialized /status answers of the current ticks (cleared by every tick). */
  const statusBodies = new Map<string, string>();
  const unsubscribe = runtime.onTick((r) => {
    statusBodies.clear();
    remember(r);
  });
  const latest = runtime.latest();
  if (latest) remember(latest);

  const where = 'the contracts in force';
  const get = (path: string, handler: (req: Request, res: Response) => Promise<void> | void) => {
    router.get(path, async (req, res) => {
      res.locals.route = `/api/v1${path}`;
      await handler(req, res);
    });
    router.all(path, () => {
      throw new ApiError(405, 'method not allowed: this endpoint answers GET only', { allow: 'GET, HEAD' });
    });
  };

  get('/contracts', (req, res) => {
    need(res, 'read', 'contracts');
    new Params(searchOf(req), {});
    const snap = runtime.contracts();
    const stale = new Set(snap.stale);
    res.json({
      version: snap.version,
      loadedAt: snap.version > 0 ? iso(snap.loadedAt) : null,
      contracts: snap.contracts.map((c) => ({
        id: c.id,
        title: c.title,
        vendor: c.vendor,
        customer: c.customer,
        role: c.role,
        revision: c.revision ?? null,
        documentUrl: c.documentUrl ?? null,
        file: c.file,
        hash: c.hash,
        timezone: c.timezone,
        term: { start: c.termStart, end: c.termEnd ?? null },
        currency: c.currency,
        labels: c.labels,
        stale: stale.has(c.file),
        slas: c.slas.map((s) => ({ id: s.id, key: s.key, title: s.title, objective: s.objective, period: s.period, method: s.measurement.method, service: s.service ?? null, labels: s.labels })),
      })),
      problems: snap.problems.map((p) => ({ file: p.file, line: p.line, column: p.column, path: p.path, message: p.message, expected: p.expected ?? null, severity: p.severity })),
      stale: snap.stale,
    });
  });

  get('/status', (req, res) => {
    need(res, 'read', 'status');
    const p = new Params(searchOf(req), SELECTION_PARAMS);
    const sel = selectionOf(p);
    const last = runtime.latest();
    if (!last) throw new ApiError(503, 'no tick has completed yet', { 'retry-after': '5' });
    if (!lastGood) throw new ApiError(503, `no tick has succeeded yet; the last one failed: ${last.error ?? 'unknown error'}`, { 'retry-after': '5' });
    let keys: Set<string> | undefined;
    if (hasSelection(sel)) {
      try {
        keys = new Set(selectSlas(runtime.contracts().contracts, sel, where).map((s) => s.sla.key));
      } catch (e) {
        throw evaluationError(e);
      }
    }
    // One body per (evaluated tick, latest tick, selection), built once: the answer is the same until a tick.
    const cacheKey = `${lastGood.report.tick}\u0000${last.tick}\u0000${JSON.stringify(sel)}`;
    let body = statusBodies.get(cacheKey);
    if (body === undefined) {
      const ev = lastGood.evaluation;
      const statuses = (ev?.status?.slas ?? []).filter((s) => !keys || keys.has(s.key));
      body = JSON.stringify({
        ...(ev?.status ? statusReportFields(ev.status) : { at: iso(lastGood.report.at), warnings: [], requests: 0, windowRequests: 0 }),
        /** True when the latest tick failed: these are the numbers of the last successful one. */
        stale: last.tick !== lastGood.report.tick,
        evaluatedTick: lastGood.report.tick,
        tick: tickDoc(last),
        slas: statuses.map((s) => statusWithDecision(s, ev?.decisions?.get(s.key))),
      });
      if (statusBodies.size >= 64) statusBodies.clear();
      statusBodies.set(cacheKey, body);
    }
    res.type('application/json').send(body);
  });

  get('/credits', async (req, res) => {
    need(res, 'credits', 'credits');
    const p = new Params(searchOf(req), { ...SELECTION_PARAMS, period: 'one', format: 'one', at: 'one' });
    const period = p.one('period');
    if (!period) throw new ApiError(400, 'credits need period=YYYY-MM (monthly SLAs), period=YYYY-Qn (quarterly SLAs) or period=YYYY (a whole year)');
    try {
      periodKindOfLabel(period);
    } catch {
      throw new ApiError(400, `period expects YYYY-MM, YYYY-Qn or YYYY (got "${period.slice(0, 64)}")`);
    }
    const format = p.one('format') ?? 'json';
    if (format !== 'json' && format !== 'csv') throw new ApiError(400, `format expects json or csv (got "${format.slice(0, 64)}")`);
    const atParam = p.one('at');
    const at = atParam === undefined ? undefined : parseInstantParam('at', atParam);
    const sel = selectionOf(p);
    const key = JSON.stringify(['credits', period, sel, at ?? null, runtime.contracts().version]);
    const answer = await onDemand
      .run(key, () =>
        withSpan('obligo.api.credits', { 'obligo.period': period }, async () => {
          const ev = await runtime.evaluate({ at: at ?? now(), credits: { period }, selection: sel });
          return { rep: ev.credits as ActedReport, slas: ev.slas } as { rep: ActedReport; slas: Evaluation['slas']; json?: string; csv?: string };
        }),
        clientGone(res),
      )
      .catch((e) => {
        throw evaluationError(e);
      });
    if (format === 'csv') {
      res.setHeader('content-type', 'text/csv; charset=utf-8');
      res.setHeader('content-disposition', `attachment; filename="obligo-credits-${period}.csv"`);
      // Written once per evaluation, however many requests share it.
      res.send((answer.csv ??= opts.credits.csv(answer.rep, answer.slas)));
      return;
    }
    res.type('application/json').send((answer.json ??= JSON.stringify(opts.credits.json(answer.rep, answer.slas))));
  });

  get('/gate', async (req, res) => {
    need(res, 'read', 'the gate');
    const p = new Params(searchOf(req), { ...SELECTION_PARAMS, min_budget: 'one', rollback: 'one', fixes: 'many', change_label: 'many', at: 'one' });
    const sel = selectionOf(p);
    if (!hasSelection(sel)) throw new ApiError(400, 'the gate needs a selection: sla=CONTRACT/SLA, label=KEY=VALUE or contract=ID');
    const mb = p.one('min_budget');
    let minBudget = 0;
    if (mb !== undefined) {
      minBudget = Number(mb);
      if (mb.trim() === '' || !Number.isFinite(minBudget) || minBudget < 0 || minBudget > 1) {
        throw new ApiError(400, `min_budget expects a fraction between 0 and 1 such as 0.25 (got "${mb.slice(0, 64)}")`);
      }
    }
    const change = { rollback: parseBool('rollback', p.one('rollback')), labels: p.many('change_label'), fixes: p.many('fixes') };
    const atParam = p.one('at');
    const at = atParam === undefined ? undefined : parseInstantParam('at', atParam);
    const key = JSON.stringify(['gate', sel, minBudget, change, at ?? null, runtime.contracts().version]);
    try {
      const doc = await onDemand.run(key, () =>
        withSpan('obligo.api.gate', { 'obligo.min_budget': minBudget }, async () => {
          const ev = await runtime.evaluate({ at: at ?? now(), gate: { minBudget, change }, selection: sel });
          return gateJson(ev.status!.at, ev.gate!, ev.status!.slas);
        }),
        clientGone(res),
      );
      res.json(doc);
    } catch (e) {
      const err = evaluationError(e);
      if (e instanceof PrometheusError || e instanceof MissingDataSourceError) {
        // Cannot decide: the gate's own answer (decision unknown, exit code 2), with the HTTP status of the failure.
        res.status(err.status).json({ error: err.message, at: iso(at ?? now()), decision: 'unknown', allow: false, exitCode: 2, waived: [], reasons: [err.message], slas: [] });
        return;
      }
      throw err;
    }
  });

  get('/alerts', async (req, res) => {
    need(res, 'read', 'alerts');
    const p = new Params(searchOf(req), { contract: 'one', phase: 'many', since: 'one', dedup_key: 'one', limit: 'one', before_id: 'one' });
    const phases = p.many('phase');
    for (const ph of phases) if (!ALERT_PHASES.includes(ph as AlertPhase)) throw new ApiError(400, `phase expects one of ${ALERT_PHASES.join(', ')} (got "${ph.slice(0, 64)}")`);
    const since = p.one('since');
    const limit = parseIntParam('limit', p.one('limit'), 1, 1000, 100);
    const beforeRaw = p.one('before_id');
    const beforeId = beforeRaw === undefined ? undefined : parseIntParam('before_id', beforeRaw, 1, 999_999_999, 0);
    const contract = p.one('contract');
    const dedupKey = p.one('dedup_key');
    const states = await runtime.alerts.listStates({ contract, phases: phases.length ? (phases as AlertPhase[]) : undefined });
    const transitions = await runtime.alerts.listTransitions({
      contract,
      dedupKey,
      since: since === undefined ? undefined : parseInstantParam('since', since),
      beforeId,
      limit,
    });
    res.json({
      states: states.filter((s) => !dedupKey || s.state.dedupKey === dedupKey).map(alertStateDoc),
      transitions: transitions.map(transitionDoc),
    });
  });

  get('/outbox', async (req, res) => {
    need(res, 'outbox', 'the outbox');
    const p = new Params(searchOf(req), { status: 'one', dedup_key: 'one', limit: 'one', before_id: 'one' });
    const status = p.one('status');
    if (status !== undefined && !['pending', 'sent', 'failed'].includes(status)) throw new ApiError(400, `status expects pending, sent or failed (got "${status.slice(0, 64)}")`);
    const limit = parseIntParam('limit', p.one('limit'), 1, 1000, 100);
    const beforeRaw = p.one('before_id');
    const beforeId = beforeRaw === undefined ? undefined : parseIntParam('before_id', beforeRaw, 1, 999_999_999, 0);
    const t = now();
    const depth = await runtime.outbox.depth(t);
    const rows = await runtime.outbox.list({ status: status as OutboxStatus | undefined, dedupKey: p.one('dedup_key'), limit, beforeId });
    res.json({ at: iso(t), depth, events: rows.map(outboxDoc) });
  });

  return { router, close: unsubscribe };
}
