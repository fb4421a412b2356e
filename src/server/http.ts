// The HTTP face of `obligo serve`: one express app with
//   /healthz   live (200 while the process serves)
//   /readyz    ready: contracts loaded and a tick completed (503 with the reasons otherwise)
//   /metrics   Prometheus text format (metrics.ts); no token unless `metricsRequireToken`
//   /api/v1/*  the REST API (api.ts): per-client rate limit, then a bearer token, then the role
// Every answer carries security headers (nosniff, no-store, CSP frame-ancestors 'none' and
// X-Frame-Options DENY, Referrer-Policy no-referrer); request bodies are limited (413 beyond); errors
// are { "error": "…" } and never carry a stack trace (the log has it). One JSON log line per request
// (pino; never a header), and an OpenTelemetry span per request through @opentelemetry/api.
//
// For startServe: `http: serveHttp({ credits: { json: creditsJson, csv: creditsCsv }, logger })`.
import type { RequestListener } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { tracer } from '../telemetry/tracing.js';
import type { CreditFormatters } from './api-documents.js';
import { ApiError, createApiRouter, type OnDemandOptions } from './api.js';
import { TokenAuth, type Principal } from './auth.js';
import { createServeMetrics, type ServeMetrics } from './metrics.js';
import { RateLimiter } from './rate-limit.js';
import type { ServeRuntime } from './runtime.js';
import { isoUtc } from '../iso.js';

/** The logging surface the HTTP layer needs (pino's Logger satisfies it). */
export interface HttpLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

const quiet: HttpLogger = { info() {}, warn() {}, error() {}, debug() {} };

export interface HttpOptions {
  /** The CLI's credit writers: { json: creditsJson, csv: creditsCsv } from src/cli/commands/credits.ts. */
  credits: CreditFormatters;
  logger?: HttpLogger;
  /** Where token references ({ env }) are resolved. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Wall clock (ms): rate limit, default `at` of credits and gate, outbox depth. Default Date.now. */
  now?: () => number;
  /** Ask for a token (any role) on /metrics too. Default false: Prometheus scrapes without one. */
  metricsRequireToken?: boolean;
  /** Largest request body accepted (bytes). Default 16 KiB. */
  bodyLimitBytes?: number;
  /** Node process metrics on /metrics. Default true. */
  defaultMetrics?: boolean;
  onDemand?: OnDemandOptions;
}

export interface HttpApp {
  app: express.Express;
  metrics: ServeMetrics;
  auth: TokenAuth;
  /** Stop listening to ticks. */
  close(): void;
}

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

function sendError(res: Response, e: ApiError): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
  res.status(e.status).json({ error: e.message });
}

/** Build the express app over a runtime (tests and the benchmark use it directly). */
export function createHttpApp(runtime: ServeRuntime, opts: HttpOptions): HttpApp {
  const log = opts.logger ?? quiet;
  const now = opts.now ?? Date.now;
  const auth = TokenAuth.fromConfig(runtime.config, { env: opts.env, warn: (msg) => log.warn({}, msg) });
  if (auth.mode === 'open-loopback') log.warn({ listen: runtime.config.server.listen }, 'no API tokens configured: the API is open to every local client (loopback only)');
  if (auth.mode === 'locked') log.warn({ listen: runtime.config.server.listen }, 'no API tokens configured and not listening on loopback: the API answers 401 to every request (configure server.tokens)');
  const metrics = createServeMetrics(runtime, { now, defaultMetrics: opts.defaultMetrics, onError: (what, err) => log.warn({ err }, `metrics: cannot read the ${what}`) });
  const api = createApiRouter(runtime, { credits: opts.credits, now, onDemand: opts.onDemand });
  const limiter = new RateLimiter({ perMinute: runtime.config.server.rateLimitPerMinute, now });
  const bodyLimit = opts.bodyLimitBytes ?? 16 * 1024;

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', false);

  // Headers, request log and span for every request.
  app.use((req: Request, res: Response, next: NextFunction) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    const started = process.hrtime.bigint();
    const span = tracer().startSpan(`HTTP ${req.method}`, {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': req.method, 'url.path': req.path, 'client.address': req.socket.remoteAddress ?? '' },
    });
    let logged = false;
    const done = () => {
      if (logged) return;
      logged = true;
      const route = (res.locals.route as string | undefined) ?? (req.path.startsWith('/api/') ? 'unmatched' : req.path);
      span.updateName(`${req.method} ${route}`);
      span.setAttribute('http.route', route);
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      const principal = res.locals.principal as Principal | undefined;
      const line = {
        req: { method: req.method, url: req.originalUrl.slice(0, 512), remote: req.socket.remoteAddress },
        res: { status: res.statusCode },
        ms: Number(process.hrtime.bigint() - started) / 1e6,
        ...(principal ? { principal: principal.name, role: principal.role } : {}),
      };
      if (route === '/healthz' || route === '/readyz' || route === '/metrics') log.debug(line, 'request');
      else log.info(line, 'request');
    };
    res.on('finish', done);
    res.on('close', done);
    next();
  });

  // Bodies: none of the endpoints takes one. A declared length over the limit is refused at once, without
  // reading it, and the connection is closed after the answer; a chunked body is cut at the limit.
  app.use((req: Request, res: Response, next: NextFunction) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > bodyLimit) {
      res.setHeader('connection', 'close');
      throw new ApiError(413, `request body larger than ${bodyLimit} bytes`);
    }
    next();
  });
  app.use(express.json({ limit: bodyLimit, type: () => true }));

  const authenticate = (req: Request, res: Response): Principal => {
    const a = auth.authenticate(req.headers.authorization);
    if (!a.ok) throw new ApiError(a.status, a.error, { 'www-authenticate': a.challenge });
    res.locals.principal = a.principal;
    return a.principal;
  };

  app.get('/healthz', (_req, res) => {
    res.locals.route = '/healthz';
    res.json({ status: 'ok', live: true, startedAt: isoUtc(runtime.startedAt) });
  });

  app.get('/readyz', (_req, res) => {
    res.locals.route = '/readyz';
    const h = runtime.health();
    res.status(h.ready ? 200 : 503).json({ status: h.ready ? 'ready' : 'not ready', ready: h.ready, reasons: h.reasons });
  });

  app.get('/metrics', async (req, res) => {
    res.locals.route = '/metrics';
    if (opts.metricsRequireToken) authenticate(req, res);
    const text = await metrics.render();
    res.setHeader('content-type', metrics.contentType);
    res.send(text);
  });

  app.use('/api/v1', (req: Request, res: Response, next: NextFunction) => {
    // Rate limit first (token guessing is limited too), then the token.
    const d = limiter.take(req.socket.remoteAddress ?? 'unknown');
    if (!d.ok) throw new ApiError(429, `rate limit: at most ${runtime.config.server.rateLimitPerMinute} requests per minute per client`, { 'retry-after': String(d.retryAfterSeconds) });
    res.setHeader('ratelimit-remaining', String(d.remaining));
    authenticate(req, res);
    next();
  });
  app.use('/api/v1', api.router);

  app.use((req: Request) => {
    throw new ApiError(404, `not found: ${req.method} ${req.path.slice(0, 200)}`);
  });

  // Every error answers { error }; unknown ones say only "internal error" (the log has the details).
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    let e: ApiError;
    if (err instanceof ApiError) e = err;
    else {
      const x = err as { type?: string; status?: number; statusCode?: number };
      const status = x?.status ?? x?.statusCode;
      if (x?.type === 'entity.too.large') {
        res.setHeader('connection', 'close');
        e = new ApiError(413, `request body larger than ${bodyLimit} bytes`);
      }
      else if (x?.type === 'entity.parse.failed') e = new ApiError(400, 'the request body is not valid JSON');
      else if (x?.type === 'encoding.unsupported' || x?.type === 'charset.unsupported') e = new ApiError(415, 'unsupported request body encoding');
      else if (typeof status === 'number' && status >= 400 && status < 500) e = new ApiError(status, 'bad request');
      else e = new ApiError(500, 'internal error');
    }
    if (e.status >= 500) log.error({ err, req: { method: req.method, url: req.originalUrl.slice(0, 512) } }, 'request failed');
    sendError(res, e);
  });

  return {
    app,
    metrics,
    auth,
    close() {
      metrics.close();
      api.close();
    },
  };
}

/**
 * The factory startServe takes (deps.http), from the shell that starts serve:
 * `startServe(config, { http: serveHttp({ credits: { json: creditsJson, csv: creditsCsv }, logger, env }), logger, env })`.
 */
export function serveHttp(opts: HttpOptions): (runtime: ServeRuntime) => RequestListener {
  return (runtime) => createHttpApp(runtime, opts).app as unknown as RequestListener;
}
