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
  /** The answer is not the Prometheus JSON envelope (an HTML login page, a wrong path, …). */
  | 'not_prometheus'
  /** HTTP 401/403. */
  | 'auth';

export class PrometheusError extends Error {
  override name = 'PrometheusError';
  readonly kind: PrometheusErrorKind;
  /** Server URL (credentials removed). */
  readonly url: string;
  /** HTTP status, when there was a response. */
  readonly status?: number;
  /** Prometheus's errorType (bad_data, execution, timeout, canceled, internal, unavailable, …). */
  readonly errorType?: string;

  constructor(kind: PrometheusErrorKind, url: string, message: string, extra: { status?: number; errorType?: string; cause?: unknown } = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.kind = kind;
    this.url = url;
    this.status = extra.status;
    this.errorType = extra.errorType;
  }
}

export function isPrometheusError(e: unknown, kind?: PrometheusErrorKind): e is PrometheusError {
  return e instanceof PrometheusError && (kind === undefined || e.kind === kind);
}
