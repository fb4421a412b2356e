// Per-client token bucket, in memory: `perMinute` tokens refill evenly over a minute, the bucket holds at
// most `burst` (default: perMinute), each request takes one. A refused request learns when the next token
// arrives (Retry-After, whole seconds, at least 1). The table of clients is bounded: past `maxClients`
// the least recently seen client is forgotten (it starts again with a full bucket).
export interface RateLimitOptions {
  perMinute: number;
  burst?: number;
  maxClients?: number;
  now?: () => number;
}

/** Tolerance of the float refill (a token due at t is there at t, not 1e-16 short of it). */
const EPSILON = 1e-9;

export type RateDecision = { ok: true; remaining: number } | { ok: false; retryAfterSeconds: number };

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly ratePerMs: number;
  private readonly burst: number;
  private readonly maxClients: number;
  private readonly now: () => number;

  constructor(opts: RateLimitOptions) {
    if (!(opts.perMinute > 0)) throw new RangeError('perMinute must be positive');
    this.ratePerMs = opts.perMinute / 60_000;
    this.burst = Math.max(1, opts.burst ?? opts.perMinute);
    this.maxClients = opts.maxClients ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  take(client: string): RateDecision {
    const t = this.now();
    let b = this.buckets.get(client);
    if (b) this.buckets.delete(client); // re-inserted below: the map stays in least-recently-seen order
    else b = { tokens: this.burst, at: t };
    b.tokens = Math.min(this.burst, b.tokens + Math.max(0, t - b.at) * this.ratePerMs);
    b.at = t;
    this.buckets.set(client, b);
    if (this.buckets.size > this.maxClients) this.buckets.delete(this.buckets.keys().next().value!);
    if (b.tokens >= 1 - EPSILON) {
      b.tokens = Math.max(0, b.tokens - 1);
      return { ok: true, remaining: Math.floor(b.tokens) };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / this.ratePerMs / 1000 - EPSILON)) };
  }

  get clients(): number {
    return this.buckets.size;
  }
}
