// Splitting range queries under Prometheus's limit of 11,000 points per series, on the query's own step
// grid (start, start + step, …), so chunks never evaluate the same timestamp twice and their union is
// exactly what one unlimited query would evaluate. Arithmetic is on integer milliseconds.

/** Prometheus rejects range queries with (end - start) / step > 11,000. */
export const MAX_POINTS_PER_SERIES = 11_000;

export interface RangeChunk {
  /** Epoch ms of the first and last evaluation (both on the grid, inclusive). */
  startMs: number;
  endMs: number;
  points: number;
}

/** Seconds (possibly fractional) to integer milliseconds. */
export function secondsToMs(sec: number): number {
  return Math.round(sec * 1000);
}

/** Milliseconds to the seconds string Prometheus accepts (no exponent, up to ms precision). */
export function msToSecondsParam(ms: number): string {
  const s = Math.trunc(ms / 1000);
  const frac = Math.abs(ms % 1000);
  if (frac === 0) return String(s);
  const sign = ms < 0 && s === 0 ? '-' : '';
  return `${sign}${s}.${String(frac).padStart(3, '0').replace(/0+$/, '')}`;
}

/**
 * The chunks of a range query from startMs to endMs (inclusive) every stepMs, each with at most
 * `maxPoints` evaluations. The last evaluation is the last grid point ≤ endMs.
 */
export function splitRange(startMs: number, endMs: number, stepMs: number, maxPoints = MAX_POINTS_PER_SERIES): RangeChunk[] {
  for (const [name, v] of [['start', startMs], ['end', endMs], ['step', stepMs]] as const) {
    if (!Number.isSafeInteger(v)) throw new RangeError(`range query ${name} must be a whole number of milliseconds, got ${v}`);
  }
  if (stepMs <= 0) throw new RangeError(`range query step must be positive, got ${stepMs / 1000} s`);
  if (endMs < startMs) throw new RangeError('range query end is before its start');
  if (!Number.isInteger(maxPoints) || maxPoints < 1) throw new RangeError(`maxPoints must be a positive integer, got ${maxPoints}`);
  const points = Math.floor((endMs - startMs) / stepMs) + 1;
  const chunks: RangeChunk[] = [];
  for (let first = 0; first < points; first += maxPoints) {
    const n = Math.min(maxPoints, points - first);
    const s = startMs + first * stepMs;
    chunks.push({ startMs: s, endMs: s + (n - 1) * stepMs, points: n });
  }
  return chunks;
}
