// A fake PagerDuty Events API v2 on a real socket (127.0.0.1), for the README demo, end-to-end tests of
// `obligo serve` and Alertmanager's pagerduty_config (url: http://127.0.0.1:PORT/v2/enqueue).
//
// It does what PagerDuty documents for POST /v2/enqueue (developer.pagerduty.com, Events API v2):
// - validates the event (routing_key; event_action trigger|acknowledge|resolve; dedup_key ≤ 255 and
//   required for acknowledge/resolve; for a trigger payload.summary (≤ 1024), payload.source and
//   payload.severity critical|error|warning|info; timestamp ISO 8601; links/images shapes; body ≤ 512 KB)
//   and answers 400 {status, message, errors[]} on a bad one;
// - answers 202 {status:"success", message:"Event processed", dedup_key} (a dedup_key is generated
//   for a trigger without one);
// - keeps alerts per (routing_key, dedup_key): a trigger for an open alert is deduplicated into it, a
//   trigger after a resolve opens a new one, acknowledge/resolve of no open alert are dropped;
// - logs every request received, and can be told to fail (500/429 with Retry-After, N times or for a
//   span of time) or to delay or hold its answers. A delayed event is processed on receipt (PagerDuty
//   got it; the answer is what gets lost), which is what a client killed mid-request must cope with.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pathToFileURL } from 'node:url';

export const FAKE_PD_MAX_BODY_BYTES = 512 * 1024;
const SEVERITIES = new Set(['critical', 'error', 'warning', 'info']);
const ACTIONS = new Set(['trigger', 'acknowledge', 'resolve']);

export type ReceivedOutcome =
  | 'created' // a trigger opened a new alert
  | 'deduplicated' // a trigger for an open alert
  | 'acknowledged'
  | 'resolved'
  | 'dropped' // acknowledge/resolve with no open alert
  | 'rejected' // 400/413: invalid event
  | 'failed'; // an injected 500/429

export interface ReceivedEvent {
  /** Arrival order, from 1. */
  seq: number;
  receivedAt: number;
  /** The parsed body (undefined when it was not JSON). */
  body: Record<string, unknown> | undefined;
  action?: string;
  dedupKey?: string;
  routingKey?: string;
  status: number;
  outcome: ReceivedOutcome;
  errors?: string[];
  /** Number of the alert it applied to. */
  incident?: number;
}

export interface FakeIncident {
  number: number;
  routingKey: string;
  dedupKey: string;
  status: 'triggered' | 'acknowledged' | 'resolved';
  summary: string;
  severity: string;
  source: string;
  component?: string;
  group?: string;
  class?: string;
  customDetails?: Record<string, unknown>;
  links: Array<{ href: string; text?: string }>;
  createdAt: number;
  resolvedAt?: number;
  /** Triggers applied (1 + deduplicated ones). */
  triggers: number;
}

export interface FailureSpec {
  /** 500 (default), 429, 502, 503… */
  status?: number;
  /** Retry-After header, in seconds. */
  retryAfterSeconds?: number;
}

export interface FakePagerDuty {
  /** http://127.0.0.1:PORT */
  url: string;
  /** http://127.0.0.1:PORT/v2/enqueue */
  enqueueUrl: string;
  port: number;
  /** Every request to /v2/enqueue, in arrival order. */
  readonly events: readonly ReceivedEvent[];
  /** All alerts ever opened, in order. */
  incidents(): FakeIncident[];
  /** The alert currently open for a dedup key (any routing key), if any. */
  openIncident(dedupKey: string): FakeIncident | undefined;
  /** Answer the next `n` requests with a failure (not processed). */
  failNext(n: number, spec?: FailureSpec): void;
  /** Answer every request with a failure for `ms` from now (wall clock). */
  failFor(ms: number, spec?: FailureSpec): void;
  /** Delay the answers of the next `n` requests by `ms`, or hold them until release() with 'hold'. */
  delayNext(n: number, ms: number | 'hold'): void;
  /** Answer the held requests now. */
  release(): void;
  /** Clear failures and delays (not the log). */
  heal(): void;
  /** Resolves once `predicate` holds for the log (checked on every request). */
  waitFor(predicate: (events: readonly ReceivedEvent[]) => boolean): Promise<void>;
  /** Called for every processed event (demo printing). */
  onEvent(cb: (e: ReceivedEvent, incident: FakeIncident | undefined) => void): void;
  close(): Promise<void>;
}

export interface FakePagerDutyOptions {
  port?: number;
  host?: string;
  /** Require 32-character routing keys, as PagerDuty's integration keys are. Default false. */
  strictRoutingKey?: boolean;
}

/** PagerDuty-style validation of an Events v2 body; returns the problems (empty when valid). */
export function validateEvent(b: unknown, opts: { strictRoutingKey?: boolean } = {}): string[] {
  if (!b || typeof b !== 'object' || Array.isArray(b)) return ['Event object is not a JSON object'];
  const e = b as Record<string, unknown>;
  const errs: string[] = [];
  const str = (v: unknown): v is string => typeof v === 'string';
  const blank = (v: unknown): boolean => !str(v) || v.trim() === '';
  if (blank(e.routing_key)) errs.push("'routing_key' is missing or blank");
  else if (opts.strictRoutingKey && (e.routing_key as string).length !== 32) errs.push("'routing_key' must be a 32 character integration key");
  if (!str(e.event_action) || !ACTIONS.has(e.event_action)) errs.push("'event_action' must be one of trigger, acknowledge, resolve");
  if (e.dedup_key !== undefined) {
    if (!str(e.dedup_key)) errs.push("'dedup_key' must be a string");
    else if (e.dedup_key.length > 255) errs.push("'dedup_key' is longer than 255 characters");
  }
  if ((e.event_action === 'acknowledge' || e.event_action === 'resolve') && blank(e.dedup_key)) {
    errs.push(`'dedup_key' is required for ${e.event_action as string} events`);
  }
  if (e.event_action === 'trigger') {
    const p = e.payload;
    if (!p || typeof p !== 'object' || Array.isArray(p)) errs.push("'payload' is missing or not an object");
    else {
      const q = p as Record<string, unknown>;
      if (blank(q.summary)) errs.push("'payload.summary' is missing or blank");
      else if ((q.summary as string).length > 1024) errs.push("'payload.summary' is longer than 1024 characters");
      if (blank(q.source)) errs.push("'payload.source' is missing or blank");
      if (!str(q.severity) || !SEVERITIES.has(q.severity)) errs.push("'payload.severity' must be one of critical, error, warning, info");
      if (q.timestamp !== undefined && (!str(q.timestamp) || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(q.timestamp) || !Number.isFinite(Date.parse(q.timestamp)))) {
        errs.push("'payload.timestamp' is not an ISO 8601 date-time");
      }
      for (const k of ['component', 'group', 'class'] as const) if (q[k] !== undefined && !str(q[k])) errs.push(`'payload.${k}' must be a string`);
      if (q.custom_details !== undefined && (typeof q.custom_details !== 'object' || q.custom_details === null)) errs.push("'payload.custom_details' must be an object");
    }
  }
  for (const [k, req] of [['links', 'href'], ['images', 'src']] as const) {
    const v = e[k];
    if (v === undefined) continue;
    if (!Array.isArray(v)) errs.push(`'${k}' must be an array`);
    else v.forEach((x, i) => {
      if (!x || typeof x !== 'object' || !str((x as Record<string, unknown>)[req])) errs.push(`'${k}[${i}].${req}' is missing`);
    });
  }
  for (const k of ['client', 'client_url'] as const) if (e[k] !== undefined && !str(e[k])) errs.push(`'${k}' must be a string`);
  return errs;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export async function startFakePagerDuty(opts: FakePagerDutyOptions = {}): Promise<FakePagerDuty> {
  const events: ReceivedEvent[] = [];
  const all: FakeIncident[] = [];
  const open = new Map<string, FakeIncident>();
  const emitter = new EventEmitter();
  const listeners: Array<(e: ReceivedEvent, i: FakeIncident | undefined) => void> = [];
  let failCount = 0;
  let failSpec: FailureSpec = {};
  let failUntil = 0;
  let failUntilSpec: FailureSpec = {};
  let delayCount = 0;
  let delayMs: number | 'hold' = 0;
  const held = new Set<() => void>();
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();

  const record = (e: Omit<ReceivedEvent, 'seq' | 'receivedAt'>, inc?: FakeIncident): ReceivedEvent => {
    const full: ReceivedEvent = { seq: events.length + 1, receivedAt: Date.now(), ...e };
    events.push(full);
    for (const l of listeners) {
      try {
        l(full, inc);
      } catch {
        // a printing callback must not break the fake
      }
    }
    emitter.emit('event');
    return full;
  };

  const apply = (e: Record<string, unknown>): { outcome: ReceivedOutcome; dedupKey: string; incident?: FakeIncident } => {
    const routingKey = e.routing_key as string;
    const action = e.event_action as string;
    const dedupKey = (e.dedup_key as string | undefined) || randomUUID();
    const k = `${routingKey}\u0000${dedupKey}`;
    const cur = open.get(k);
    if (action === 'trigger') {
      if (cur) {
        cur.triggers++;
        return { outcome: 'deduplicated', dedupKey, incident: cur };
      }
      const p = e.payload as Record<string, unknown>;
      const inc: FakeIncident = {
        number: all.length + 1,
        routingKey,
        dedupKey,
        status: 'triggered',
        summary: p.summary as string,
        severity: p.severity as string,
        source: p.source as string,
        component: p.component as string | undefined,
        group: p.group as string | undefined,
        class: p.class as string | undefined,
        customDetails: p.custom_details as Record<string, unknown> | undefined,
        links: (e.links as FakeIncident['links'] | undefined) ?? [],
        createdAt: Date.now(),
        triggers: 1,
      };
      all.push(inc);
      open.set(k, inc);
      return { outcome: 'created', dedupKey, incident: inc };
    }
    if (!cur) return { outcome: 'dropped', dedupKey };
    if (action === 'acknowledge') {
      cur.status = 'acknowledged';
      return { outcome: 'acknowledged', dedupKey, incident: cur };
    }
    cur.status = 'resolved';
    cur.resolvedAt = Date.now();
    open.delete(k);
    return { outcome: 'resolved', dedupKey, incident: cur };
  };

  const respondLater = (res: ServerResponse, answer: () => void): void => {
    if (delayCount <= 0) return answer();
    delayCount--;
    if (delayMs === 'hold') {
      const go = (): void => {
        held.delete(go);
        answer();
      };
      held.add(go);
      res.on('close', () => held.delete(go));
      return;
    }
    const t = setTimeout(() => {
      timers.delete(t);
      answer();
    }, delayMs);
    timers.add(t);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && url.pathname === '/v2/_incidents') return send(res, 200, all);
    if (req.method === 'GET' && url.pathname === '/v2/_events') return send(res, 200, events);
    if (url.pathname !== '/v2/enqueue') return send(res, 404, { status: 'not found', message: `no route ${url.pathname}` });
    if (req.method !== 'POST') return send(res, 405, { status: 'method not allowed', message: 'use POST' }, { allow: 'POST' });

    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > FAKE_PD_MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(c as Buffer);
    }
    let body: Record<string, unknown> | undefined;
    try {
      const j = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
      if (j && typeof j === 'object' && !Array.isArray(j)) body = j as Record<string, unknown>;
    } catch {
      // reported below
    }
    const base = {
      body,
      action: typeof body?.event_action === 'string' ? body.event_action : undefined,
      dedupKey: typeof body?.dedup_key === 'string' ? body.dedup_key : undefined,
      routingKey: typeof body?.routing_key === 'string' ? body.routing_key : undefined,
    };

    const now = Date.now();
    const failure = failCount > 0 ? (failCount--, failSpec) : now < failUntil ? failUntilSpec : undefined;
    if (failure) {
      const status = failure.status ?? 500;
      record({ ...base, status, outcome: 'failed' });
      const headers: Record<string, string> = failure.retryAfterSeconds !== undefined ? { 'retry-after': String(failure.retryAfterSeconds) } : {};
      const answer =
        status === 429
          ? { status: 'throttle exceeded', message: 'Requests for this service are arriving too quickly. Please retry later.' }
          : { status: 'error', message: 'internal server error (injected by the fake)' };
      return respondLater(res, () => send(res, status, answer, headers));
    }
    if (tooLarge) {
      record({ ...base, status: 413, outcome: 'rejected', errors: ['Request body larger than 512 KB'] });
      return respondLater(res, () => send(res, 413, { status: 'invalid event', message: 'Request entity too large', errors: ['Request body larger than 512 KB'] }));
    }
    const errors = body === undefined ? ['JSON parse error'] : validateEvent(body, opts);
    if (errors.length > 0) {
      record({ ...base, status: 400, outcome: 'rejected', errors });
      return respondLater(res, () => send(res, 400, { status: 'invalid event', message: 'Event object is invalid', errors }));
    }
    const r = apply(body!);
    record({ ...base, dedupKey: r.dedupKey, status: 202, outcome: r.outcome, incident: r.incident?.number }, r.incident);
    respondLater(res, () => send(res, 202, { status: 'success', message: 'Event processed', dedup_key: r.dedupKey }));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => send(res, 500, { status: 'error', message: String(e) }));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${host}:${addr.port}`;

  return {
    url,
    enqueueUrl: `${url}/v2/enqueue`,
    port: addr.port,
    events,
    incidents: () => [...all],
    openIncident: (dk) => [...open.values()].find((i) => i.dedupKey === dk),
    failNext(n, spec = {}) {
      failCount = n;
      failSpec = spec;
    },
    failFor(ms, spec = {}) {
      failUntil = Date.now() + ms;
      failUntilSpec = spec;
    },
    delayNext(n, ms) {
      delayCount = n;
      delayMs = ms;
    },
    release() {
      for (const go of [...held]) go();
    },
    heal() {
      failCount = 0;
      failUntil = 0;
      delayCount = 0;
    },
    waitFor(predicate) {
      return new Promise((resolve) => {
        const check = (): void => {
          if (predicate(events)) {
            emitter.off('event', check);
            resolve();
          }
        };
        emitter.on('event', check);
        check();
      });
    },
    onEvent(cb) {
      listeners.push(cb);
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      held.clear();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A page as a human reads it: what, where, whom to call (for the demo's output). */
export function describeEvent(e: ReceivedEvent, inc: FakeIncident | undefined): string {
  const b = e.body ?? {};
  const dk = e.dedupKey ?? '(none)';
  if (e.outcome === 'rejected' || e.outcome === 'failed') return `PagerDuty ${e.status} ${e.outcome} ${e.action ?? '?'} ${dk}${e.errors ? `: ${e.errors.join('; ')}` : ''}`;
  if (e.action !== 'trigger') return `${(e.outcome === 'dropped' ? `${e.action} (no open alert)` : e.outcome).toUpperCase()} ${dk}`;
  if (e.outcome === 'deduplicated') return `DEDUPLICATED trigger ${dk} (alert #${inc?.number} already open)`;
  const p = (b.payload ?? {}) as Record<string, unknown>;
  const d = (p.custom_details ?? {}) as Record<string, unknown>;
  const lines = [`PAGE #${inc?.number} [${String(p.severity)}] ${String(p.summary)}`, `  dedup ${dk} · vendor ${String(p.component ?? '-')} · contract ${String(p.group ?? '-')} · ${String(p.class ?? '')}`];
  const esc = Array.isArray(d.escalation) ? (d.escalation as Array<Record<string, unknown>>) : [];
  esc.forEach((c, i) => {
    const parts = [`L${String(c.level)} ${String(c.name)}`];
    if (c.phone) parts.push(String(c.phone));
    if (c.email) parts.push(String(c.email));
    if (c.respondWithinMinutes !== undefined) parts.push(`respond within ${String(c.respondWithinMinutes)} min`);
    lines.push(`  ${i === 0 ? 'call: ' : '      '}${parts.join(' · ')}`);
  });
  for (const l of (Array.isArray(b.links) ? b.links : []) as Array<Record<string, unknown>>) lines.push(`  link: ${String(l.text ?? '')} ${String(l.href)}`);
  return lines.join('\n');
}

// Standalone: node dist/demo/fake-pagerduty.js [--port N] — prints its URL and every page it gets.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--port');
  const port = i > 0 ? Number(process.argv[i + 1]) : 0;
  startFakePagerDuty({ port })
    .then((fake) => {
      fake.onEvent((e, inc) => console.log(describeEvent(e, inc)));
      console.log(`fake PagerDuty listening: ${fake.enqueueUrl}`);
      const bye = (): void => void fake.close().then(() => process.exit(0));
      process.on('SIGINT', bye);
      process.on('SIGTERM', bye);
    })
    .catch((e: unknown) => {
      console.error(`fake PagerDuty: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    });
}
