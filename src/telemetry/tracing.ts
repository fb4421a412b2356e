// OpenTelemetry spans through @opentelemetry/api only: obligo never installs an SDK. Without one, every
// call here is the API's no-op (a few nanoseconds); a deployment that registers a TracerProvider (the
// SDK with an exporter, in a `--import` preload) gets spans around ticks, Prometheus queries, PagerDuty
// sends and API requests. Attributes never carry secrets: URLs lose their query and credentials, and
// request bodies (a PagerDuty routing_key) are never read.
import { SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';

export const TRACER_NAME = 'obligo';

/** The tracer of the globally registered provider (the no-op one when none is). Resolved per call. */
export function tracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

export interface SpanOptions {
  kind?: SpanKind;
}

/**
 * Run `fn` inside a span named `name` (active for the code it calls): ended when `fn` settles, status
 * ERROR with the exception recorded when it throws (the error is re-thrown unchanged).
 */
export async function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => T | Promise<T>, opts: SpanOptions = {}): Promise<T> {
  return tracer().startActiveSpan(name, { attributes, kind: opts.kind ?? SpanKind.INTERNAL }, async (span) => {
    try {
      return await fn(span);
    } catch (e) {
      span.recordException(e instanceof Error ? e : String(e));
      span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.message : String(e) });
      throw e;
    } finally {
      span.end();
    }
  });
}

/** A URL for an attribute: scheme, host and path only (no user:password@, no query string). */
export function safeUrl(input: string | URL): { full: string; host: string; port?: number; path: string } {
  try {
    const u = new URL(String(input));
    return { full: `${u.protocol}//${u.host}${u.pathname}`, host: u.hostname, port: u.port ? Number(u.port) : undefined, path: u.pathname };
  } catch {
    return { full: '', host: '', path: '' };
  }
}

export interface TracedFetchOptions {
  /** Extra attributes from the request (e.g. the PromQL query); must never return a secret. */
  attributes?: (url: URL, init: RequestInit | undefined) => Attributes;
}

/**
 * A fetch that wraps every request in a CLIENT span `name` (attributes: http.request.method, url.full
 * without query, server.address, server.port, http.response.status_code). Give it to the clients that
 * take a `fetch` option (PrometheusClient, PagerDutyClient).
 */
export function tracedFetch(name: string, base: typeof fetch = globalThis.fetch, opts: TracedFetchOptions = {}): typeof fetch {
  const traced = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const u = safeUrl(href);
    const attrs: Attributes = { 'http.request.method': method, 'url.full': u.full, 'server.address': u.host };
    if (u.port !== undefined) attrs['server.port'] = u.port;
    if (opts.attributes) {
      try {
        Object.assign(attrs, opts.attributes(new URL(href), init));
      } catch {
        // an attribute hook must never break the request
      }
    }
    return withSpan(
      name,
      attrs,
      async (span) => {
        const res = await base(input, init);
        span.setAttribute('http.response.status_code', res.status);
        if (res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${res.status}` });
        return res;
      },
      { kind: SpanKind.CLIENT },
    );
  };
  return traced as typeof fetch;
}

/** The PromQL of a Prometheus API request (query parameter or form body), cut to 2,000 characters. */
export function promqlAttributes(url: URL, init: RequestInit | undefined): Attributes {
  let q = url.searchParams.get('query');
  if (q === null && typeof init?.body === 'string') q = new URLSearchParams(init.body).get('query');
  if (q === null && init?.body instanceof URLSearchParams) q = init.body.get('query');
  const out: Attributes = { 'url.path': url.pathname };
  if (q !== null) out['db.query.text'] = q.length > 2000 ? `${q.slice(0, 2000)}…` : q;
  return out;
}

export { SpanKind, SpanStatusCode };
export type { Attributes, Span };
