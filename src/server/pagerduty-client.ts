// A small PagerDuty Events API v2 client on Node's fetch: one POST per call, a timeout that really
// aborts the request (connection, headers and body), and every answer classified for the sender:
// accepted, retry (429, 5xx, 408, network, timeout; with Retry-After when given) or rejected (any other
// 4xx: retrying the same body cannot succeed). It never retries by itself: the outbox sender owns
// retries, backoff and rate limits, so that a retry survives a restart.
//
// Why not @pagerduty/pdjs (2.2.4, read in its build/src/common.js and events.js): the server override
// builds `https://${server}/v2/enqueue`, so no http endpoint (a local fake, a proxy) can be used; it
// retries only 429, with a fixed 20 s sleep, 3 times, inside the call (not across restarts, ignoring
// Retry-After); 5xx and network errors are not retried; its `requestTimeout` only starts a no-op timer
// (`setTimeout(() => {}, timeout)`) and never aborts the request; a non-JSON answer (a proxy's HTML 502)
// makes `response.json()` throw and the status is lost; and it brings cross-fetch/node-fetch 2 besides
// Node's own fetch.
import type { PagerDutyEventBody } from '../alerting/pagerduty.js';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

export interface PagerDutyClientOptions {
  /** The Events v2 enqueue URL. Default https://events.pagerduty.com/v2/enqueue. */
  url?: string;
  /** Whole-request timeout (ms), aborting the request. Default 10 000. */
  timeoutMs?: number;
  /** Answers larger than this are cut (we only need status, message, errors). Default 64 KiB. */
  maxResponseBytes?: number;
  userAgent?: string;
  /** For tests of the client itself; default the global fetch. */
  fetch?: typeof fetch;
}

export type RetryReason = 'rate_limited' | 'server_error' | 'network' | 'timeout';

export type SendOutcome =
  | { kind: 'accepted'; status: number; dedupKey?: string; message?: string }
  | { kind: 'retry'; reason: RetryReason; status?: number; retryAfterMs?: number; error: string }
  | { kind: 'rejected'; status: number; error: string; errors?: string[] }
  /** Stopped by the caller's signal (shutdown): not an attempt that says anything about PagerDuty. */
  | { kind: 'aborted'; error: string };

/** Retry-After as ms (delta-seconds or HTTP-date), capped at one hour; undefined when absent or unparsable. */
export function parseRetryAfter(v: string | null, now: number): number | undefined {
  if (v === null) return undefined;
  const t = v.trim();
  let ms: number | undefined;
  if (/^\d+$/.test(t)) ms = Number(t) * 1000;
  else {
    const d = Date.parse(t);
    if (Number.isFinite(d)) ms = Math.max(0, d - now);
  }
  return ms === undefined ? undefined : Math.min(ms, 3_600_000);
}

async function readLimited(res: Response, max: number, signal: AbortSignal): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      if (signal.aborted) throw signal.reason;
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > max) {
        chunks.push(value.subarray(0, Math.max(0, value.byteLength - (size - max))));
        break;
      }
      chunks.push(value);
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Keys at least this long are replaced wherever they occur; shorter ones only where they stand alone. */
export const ROUTING_KEY_SUBSTRING_MIN = 16;

export const ROUTING_KEY_REDACTED = '[routing key]';

/**
 * A text from PagerDuty or the network with the routing key taken out. A key of 16 characters or more
 * (PagerDuty's integration keys have 32) is replaced wherever it occurs, inside a word too: such a
 * string does not occur by chance, and a real key must never reach a log. A shorter key (a test key
 * such as "rk") is replaced only where it stands as a token of its own, not next to a letter, digit or
 * underscore, so that "network error" stays readable instead of becoming "netwo[routing key] error".
 */
export function redactRoutingKey(text: string, key: string | undefined): string {
  if (!key) return text;
  if (key.length >= ROUTING_KEY_SUBSTRING_MIN) return text.split(key).join(ROUTING_KEY_REDACTED);
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text.replace(new RegExp(`(?<![\\p{L}\\p{N}_])${escaped}(?![\\p{L}\\p{N}_])`, 'gu'), ROUTING_KEY_REDACTED);
}

function networkCode(e: unknown): string {
  let c: unknown = e;
  for (let i = 0; i < 4 && c; i++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    c = (c as { cause?: unknown }).cause;
  }
  return e instanceof Error ? e.message : String(e);
}

export class PagerDutyClient {
  readonly url: string;
  readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly userAgent: string;
  private readonly fetchImpl: typeof fetch;

  constructor(opts: PagerDutyClientOptions = {}) {
    this.url = opts.url ?? PAGERDUTY_EVENTS_URL;
    const u = new URL(this.url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error(`PagerDuty URL must be http(s): ${u.protocol}`);
    if (u.username || u.password) throw new Error('PagerDuty URL must not carry credentials');
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    if (!(this.timeoutMs > 0)) throw new Error(`PagerDuty timeout must be positive, got ${this.timeoutMs}`);
    this.maxResponseBytes = opts.maxResponseBytes ?? 64 * 1024;
    this.userAgent = opts.userAgent ?? 'obligo';
    this.fetchImpl = opts.fetch ?? fetch;
  }

  /** POST one event. Never throws for transport or HTTP errors: the outcome says what happened. */
  async send(body: PagerDutyEventBody, signal?: AbortSignal): Promise<SendOutcome> {
    const key = body.routing_key;
    const redact = (s: string): string => redactRoutingKey(s, key);
    const ctl = new AbortController();
    const timeout = new Error('timeout');
    const timer = setTimeout(() => ctl.abort(timeout), this.timeoutMs);
    const onAbort = (): void => ctl.abort(signal!.reason);
    if (signal?.aborted) ctl.abort(signal.reason);
    else signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const res = await this.fetchImpl(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', 'user-agent': this.userAgent },
        body: JSON.stringify(body),
        signal: ctl.signal,
        redirect: 'manual',
      });
      const text = await readLimited(res, this.maxResponseBytes, ctl.signal);
      let parsed: { status?: unknown; message?: unknown; dedup_key?: unknown; errors?: unknown } = {};
      try {
        const j = JSON.parse(text) as unknown;
        if (j && typeof j === 'object') parsed = j as typeof parsed;
      } catch {
        // not JSON (a proxy's error page): the status decides
      }
      const message = typeof parsed.message === 'string' ? redact(parsed.message) : undefined;
      const errors = Array.isArray(parsed.errors) ? parsed.errors.filter((e): e is string => typeof e === 'string').map(redact).slice(0, 20) : undefined;
      const describe = (): string => {
        const parts = [`HTTP ${res.status}`];
        if (typeof parsed.status === 'string') parts.push(redact(parsed.status));
        if (message) parts.push(message);
        if (errors?.length) parts.push(errors.join('; '));
        if (!message && !errors?.length && text && !text.trimStart().startsWith('{')) parts.push(redact(text.slice(0, 200).replace(/\s+/g, ' ')));
        return parts.join(': ');
      };
      if (res.status >= 200 && res.status < 300) {
        return { kind: 'accepted', status: res.status, dedupKey: typeof parsed.dedup_key === 'string' ? parsed.dedup_key : undefined, message };
      }
      if (res.status === 429) {
        return { kind: 'retry', reason: 'rate_limited', status: 429, retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), Date.now()), error: describe() };
      }
      if (res.status >= 500 || res.status === 408) {
        return { kind: 'retry', reason: 'server_error', status: res.status, retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), Date.now()), error: describe() };
      }
      if (res.status >= 300 && res.status < 400) {
        return { kind: 'rejected', status: res.status, error: `HTTP ${res.status}: redirect to ${res.headers.get('location') ?? '(no location)'} not followed; check the PagerDuty URL` };
      }
      return { kind: 'rejected', status: res.status, error: describe(), ...(errors?.length ? { errors } : {}) };
    } catch (e) {
      if (ctl.signal.aborted && ctl.signal.reason === timeout) {
        return { kind: 'retry', reason: 'timeout', error: `no answer within ${this.timeoutMs} ms (request aborted)` };
      }
      if (signal?.aborted) return { kind: 'aborted', error: 'aborted by shutdown' };
      return { kind: 'retry', reason: 'network', error: redact(`network error: ${networkCode(e)}`) };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}
