// One error type for everything that can go wrong talking to Prometheus, with a `kind` callers branch on
// and a message the CLI can print as is (it names the server, never credentials).

export type PrometheusErrorKind =
  /** HTTP 400, errorType bad_data: the query (or a parameter) is invalid. */
  | 'bad_query'
  /** The server failed to evaluate the query: 422 execution, 503 timeout/canceled, internal, … */
  | 'execution'
  /** Our own client-side timeout fired before an answer came. */
  | 'timeout'
  /** No connection: refused, DNS failure, reset, or a gateway (502/503/504 without a Prometheus body). */
  | 'unreachable'
  /** The answer is not the Prometheus JSON envelope (an HTML login page, a wrong path, …) or breaks its rules (a sample value such as `0x10` that is not a Prometheus float). */
  | 'not_prometheus'
  /** HTTP 401/403. */
  | 'auth'
  /** HTTP 429: the server (or a gateway before it) asks us to slow down. */
  | 'rate_limited'
  /** The answer is larger than the client's maxResponseBytes (it was aborted while streaming, never buffered whole). */
  | 'too_large'
  /** A redirect to another origin (not followed: credentials and tenant headers stay with the configured server), or too many. */
  | 'redirect';

export class PrometheusError extends Error {
  override name = 'PrometheusError';
  readonly kind: PrometheusErrorKind;
  /** Server URL (credentials removed). */
  readonly url: string;
  /** HTTP status, when there was a response. */
  readonly status?: number;
  /** Prometheus's errorType (bad_data, execution, timeout, canceled, internal, unavailable, …). */
  readonly errorType?: string;
  /** HTTP requests made for this query before giving up (1 when it was not retried). */
  readonly attempts: number;
  /** The server's Retry-After, in ms from when the answer came, when it sent one. */
  readonly retryAfterMs?: number;

  constructor(
    kind: PrometheusErrorKind,
    url: string,
    message: string,
    extra: { status?: number; errorType?: string; cause?: unknown; attempts?: number; retryAfterMs?: number } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.kind = kind;
    this.url = url;
    this.status = extra.status;
    this.errorType = extra.errorType;
    this.attempts = extra.attempts ?? 1;
    this.retryAfterMs = extra.retryAfterMs;
  }
}

export function isPrometheusError(e: unknown, kind?: PrometheusErrorKind): e is PrometheusError {
  return e instanceof PrometheusError && (kind === undefined || e.kind === kind);
}
